//! The module API table: for every function of the headers `wanted.toml`'s
//! `[[api]]` tables name, what a module gets on each kernel of the matrix —
//! an export (GPL or not), a function defined in the header, a macro, a
//! prototype it cannot link, or nothing. Computed from each kernel's build
//! root (its headers and `Module.symvers`), never typed, and kept as
//! `src/kernel-sources/<kernel id>/api.toml` ([`ApiTable`]) so that the book
//! builds offline; `{{#api}}` renders it.
//!
//! - [`scan`] finds a header's declarations (pure text);
//! - [`symvers`] reads `Module.symvers` (pure text);
//! - [`decide`] turns a name's forms in the header and its export into one
//!   [`ApiKind`];
//! - [`compute`] makes a kernel's table from those texts, [`from_root`]
//!   from a build root's files;
//! - [`ApiTable::to_text`] / [`ApiTable::parse`] are `api.toml`.

pub mod scan;
pub mod symvers;

use super::{valid_name, valid_tree_path, STORE_DIR, WANTED_FILE};
use anyhow::{bail, Context, Result};
use scan::{Decl, Form};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use symvers::{Export, License};

/// A kernel's table, in its directory of the store.
pub const API_FILE: &str = "api.toml";

/// The command that makes the tables again (no download: the build roots
/// hold everything).
pub const API_UPDATE_COMMAND: &str = "cargo run -p verify -- sources --update --api-only";

/// What a module that calls a function gets on one kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiKind {
    /// Declared, and exported with `EXPORT_SYMBOL_GPL`: only GPL-compatible
    /// modules link it.
    ExportedGpl,
    /// Declared, and exported with `EXPORT_SYMBOL`.
    Exported,
    /// Defined in the header: compiled into the module; only what its body
    /// calls is linked (`try_to_freeze()` → `__refrigerator()`).
    Inline,
    /// A function-like macro: the call becomes its expansion, and the module
    /// links what that calls.
    Macro,
    /// Declared but not exported (or exported only to named modules): a
    /// module that calls it fails its build in modpost ("undefined!", or for
    /// a namespaced export, that the module does not import the namespace).
    Declared,
    /// Not in the header (nor in the others looked in).
    Absent,
}

impl ApiKind {
    /// Every kind, in the order above.
    pub const ALL: [ApiKind; 6] = [
        ApiKind::ExportedGpl,
        ApiKind::Exported,
        ApiKind::Inline,
        ApiKind::Macro,
        ApiKind::Declared,
        ApiKind::Absent,
    ];

    /// The word `api.toml` writes.
    pub fn word(self) -> &'static str {
        match self {
            ApiKind::ExportedGpl => "exported-gpl",
            ApiKind::Exported => "exported",
            ApiKind::Inline => "inline",
            ApiKind::Macro => "macro",
            ApiKind::Declared => "declared",
            ApiKind::Absent => "absent",
        }
    }

    /// [`ApiKind::word`] read back.
    pub fn from_word(w: &str) -> Option<ApiKind> {
        ApiKind::ALL.into_iter().find(|k| k.word() == w)
    }
}

impl fmt::Display for ApiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The kind of a name whose header has it in `forms` (every branch of every
/// `#if` read: [`scan`]) and whose export, if any, is `export`.
///
/// What a call in a module turns into decides, in this order:
/// 1. no form: [`ApiKind::Absent`], whatever `Module.symvers` says (a
///    module has no declaration to call);
/// 2. a macro in any branch: [`ApiKind::Macro`] (the preprocessor expands
///    the call before the compiler sees a function);
/// 3. only bodies in the header, no prototype: [`ApiKind::Inline`];
/// 4. a prototype (with or without a body in another branch): the export
///    decides — [`ApiKind::ExportedGpl`] or [`ApiKind::Exported`] when
///    `Module.symvers` has it open to modules, else [`ApiKind::Declared`].
///    A prototype beside a body is the kernel's `#ifdef CONFIG_X` real
///    function and its `#else` stub: an export shows the real one was
///    built. A missing export cannot tell "option on, not exported" from
///    "option off, the stub compiled" — only the kernel's configuration
///    can; no name of the matrix's kernels is such a case today (the three
///    with both forms are exported on every kernel). `api.toml` keeps every
///    form seen, so such a name can be checked against the configuration.
pub fn decide(forms: &[Form], export: Option<&Export>) -> ApiKind {
    if forms.is_empty() {
        return ApiKind::Absent;
    }
    if forms.iter().any(|f| matches!(f, Form::Macro | Form::Alias)) {
        return ApiKind::Macro;
    }
    if !forms.contains(&Form::Declared) {
        return ApiKind::Inline;
    }
    match export {
        Some(e) if e.open_to_modules() => match e.license {
            License::Gpl => ApiKind::ExportedGpl,
            License::Any => ApiKind::Exported,
        },
        _ => ApiKind::Declared,
    }
}

/// One `[[api]]` of `wanted.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WantedApi {
    /// The header, relative to the kernel tree (`include/linux/kthread.h`).
    pub header: String,
    /// The names wanted from it; empty for every function it declares.
    #[serde(default)]
    pub names: Vec<String>,
    /// With `names`: other headers to look in, in order, for a name the
    /// header lacks on some kernel (it moved).
    #[serde(default)]
    pub also: Vec<String>,
}

impl WantedApi {
    /// Every function of the header, rather than some names.
    pub fn whole(&self) -> bool {
        self.names.is_empty()
    }

    /// Every header looked in, in order.
    pub fn headers(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.header).chain(&self.also)
    }
}

/// Checks the `[[api]]` tables. Errors: a header that is not a plain
/// relative path, a name that is not a C identifier, a header given as
/// `header` twice, a name wanted twice, `also` without `names`.
pub fn check_wanted(api: &[WantedApi]) -> Result<()> {
    let mut headers = BTreeSet::new();
    let mut names = BTreeSet::new();
    for a in api {
        for h in a.headers() {
            if !valid_tree_path(h) {
                bail!("[[api]] `{}`: header `{h}` must be a relative path in the kernel tree (letters, digits, `_.-`, no `..`)", a.header);
            }
        }
        if !headers.insert(&a.header) {
            bail!("[[api]] header `{}` is listed twice", a.header);
        }
        if a.whole() && !a.also.is_empty() {
            bail!("[[api]] `{}`: `also` is for `names` (other headers to look in for them); a table without names takes every function of its header", a.header);
        }
        for n in &a.names {
            if !valid_name(n) {
                bail!("[[api]] `{}`: name `{n}` must be a C identifier", a.header);
            }
            if !names.insert(n) {
                bail!("[[api]] name `{n}` is wanted twice");
            }
        }
    }
    Ok(())
}

/// Every header the tables look in, each once, in order.
pub fn header_paths(api: &[WantedApi]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in api.iter().flat_map(WantedApi::headers) {
        if !out.contains(h) {
            out.push(h.clone());
        }
    }
    out
}

/// One function on one kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The function (or macro).
    pub name: String,
    /// The `header` of the `[[api]]` that wants it.
    pub wanted: String,
    /// The header it was found in (`wanted` or one of its `also`); `None`
    /// when absent.
    pub header: Option<String>,
    /// 1-based line of its first form in that header.
    pub line: Option<usize>,
    /// Every form the header has it in, each once, in [`Form`] order.
    pub forms: Vec<Form>,
    /// What a module gets ([`decide`]).
    pub kind: ApiKind,
    /// The export's namespace, for an exported kind; empty for none.
    pub namespace: String,
}

/// Where one header is in the build root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderAt {
    /// Relative to the kernel tree.
    pub path: String,
    /// Relative to the root (`usr/src/linux-headers-…-common/include/…`);
    /// `None` when the root has no such header.
    pub at: Option<String>,
}

/// One kernel's `api.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTable {
    /// The matrix id.
    pub kernel: String,
    /// `uname -r` of the build root's kernel.
    pub release: String,
    /// The version of its `linux-image` package.
    pub version: String,
    /// `Module.symvers`, relative to the root.
    pub symvers: String,
    /// Every header looked in ([`header_paths`]), in order.
    pub headers: Vec<HeaderAt>,
    /// Every wanted name: the named ones in `wanted.toml`'s order, each
    /// header-wide table's in the header's.
    pub rows: Vec<Row>,
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHeader {
    path: String,
    #[serde(default)]
    at: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRow {
    name: String,
    wanted: String,
    #[serde(default)]
    header: Option<String>,
    #[serde(default)]
    line: Option<usize>,
    #[serde(default)]
    forms: Vec<String>,
    kind: String,
    #[serde(default)]
    namespace: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    kernel: String,
    release: String,
    version: String,
    symvers: String,
    headers: Vec<FileHeader>,
    functions: Vec<FileRow>,
}

impl ApiTable {
    /// The text of `api.toml`: a comment, the kernel, its headers, one line
    /// per function.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "# What a module gets from each function of the [[api]] headers of {WANTED_FILE}\n\
             # on kernel {}: computed from its build root (the headers, Module.symvers)\n\
             # by `{API_UPDATE_COMMAND}`; do not edit.\n\
             # kind: exported-gpl, exported, inline, macro, declared (not exported), absent;\n\
             # forms: how the header has it, every #if branch read.\n\
             kernel = {}\nrelease = {}\nversion = {}\nsymvers = {}\n\nheaders = [\n",
            self.kernel,
            q(&self.kernel),
            q(&self.release),
            q(&self.version),
            q(&self.symvers)
        );
        for h in &self.headers {
            match &h.at {
                Some(at) => {
                    out.push_str(&format!("  {{ path = {}, at = {} }},\n", q(&h.path), q(at)))
                }
                None => out.push_str(&format!("  {{ path = {} }},\n", q(&h.path))),
            }
        }
        out.push_str("]\n\nfunctions = [\n");
        for r in &self.rows {
            let mut f = vec![format!("name = {}", q(&r.name))];
            f.push(format!("wanted = {}", q(&r.wanted)));
            if let Some(h) = &r.header {
                f.push(format!("header = {}", q(h)));
            }
            if let Some(l) = r.line {
                f.push(format!("line = {l}"));
            }
            if !r.forms.is_empty() {
                let forms: Vec<String> = r.forms.iter().map(|f| q(f.word())).collect();
                f.push(format!("forms = [{}]", forms.join(", ")));
            }
            f.push(format!("kind = {}", q(r.kind.word())));
            if !r.namespace.is_empty() {
                f.push(format!("namespace = {}", q(&r.namespace)));
            }
            out.push_str(&format!("  {{ {} }},\n", f.join(", ")));
        }
        out.push_str("]\n");
        out
    }

    /// Parses `api.toml` ([`ApiTable::to_text`]). Errors name the field or
    /// the function.
    pub fn parse(text: &str) -> Result<ApiTable, String> {
        let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut rows = Vec::new();
        for r in f.functions {
            if !valid_name(&r.name) {
                return Err(format!("function `{}` is not a C identifier", r.name));
            }
            let kind = ApiKind::from_word(&r.kind).ok_or_else(|| {
                format!(
                    "`{}`: kind `{}` is not one of {}",
                    r.name,
                    r.kind,
                    ApiKind::ALL.map(ApiKind::word).join(", ")
                )
            })?;
            let forms = r
                .forms
                .iter()
                .map(|w| {
                    Form::from_word(w).ok_or_else(|| format!("`{}`: form `{w}` is unknown", r.name))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if (kind == ApiKind::Absent) != r.header.is_none()
                || (kind == ApiKind::Absent) != forms.is_empty()
            {
                return Err(format!(
                    "`{}`: an absent function has no header and no forms, any other has both",
                    r.name
                ));
            }
            rows.push(Row {
                name: r.name,
                wanted: r.wanted,
                header: r.header,
                line: r.line,
                forms,
                kind,
                namespace: r.namespace,
            });
        }
        Ok(ApiTable {
            kernel: f.kernel,
            release: f.release,
            version: f.version,
            symvers: f.symvers,
            headers: f
                .headers
                .into_iter()
                .map(|h| HeaderAt {
                    path: h.path,
                    at: h.at,
                })
                .collect(),
            rows,
        })
    }

    /// The row of `name` wanted by the `[[api]]` of header `wanted`.
    pub fn row(&self, wanted: &str, name: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.wanted == wanted && r.name == name)
    }

    /// What does not match `wanted.toml` and the place of the file (kernel
    /// `id`), each with the fix.
    pub fn problems(&self, id: &str, wanted: &[WantedApi]) -> Vec<String> {
        let mut out = Vec::new();
        let redo = format!("run `{API_UPDATE_COMMAND} --kernel {id}` and commit it");
        if self.kernel != id {
            out.push(format!(
                "it says kernel {}, its place kernel {id}",
                self.kernel
            ));
        }
        let have: Vec<&str> = self.headers.iter().map(|h| h.path.as_str()).collect();
        let want = header_paths(wanted);
        if have != want {
            out.push(format!(
                "it looked in {} but {WANTED_FILE} now lists {}; {redo}",
                have.join(", "),
                want.join(", ")
            ));
        }
        let mut seen = BTreeSet::new();
        for r in &self.rows {
            if !seen.insert((&r.wanted, &r.name)) {
                out.push(format!(
                    "`{}` ({}) is listed twice; {redo}",
                    r.name, r.wanted
                ));
            }
            match wanted.iter().find(|a| a.header == r.wanted) {
                None => out.push(format!(
                    "`{}` is wanted by [[api]] `{}`, which {WANTED_FILE} no longer has; {redo}",
                    r.name, r.wanted
                )),
                Some(a) if !a.whole() && !a.names.contains(&r.name) => out.push(format!(
                    "`{}` is not among the names of [[api]] `{}`; {redo}",
                    r.name, r.wanted
                )),
                _ => {}
            }
        }
        for a in wanted.iter().filter(|a| !a.whole()) {
            for n in &a.names {
                if self.row(&a.header, n).is_none() {
                    out.push(format!("`{n}` ([[api]] `{}`) is missing; {redo}", a.header));
                }
            }
        }
        out
    }

    /// The first way `self` (committed) differs from `fresh` (computed
    /// now), in words; `None` when they are the same.
    pub fn difference(&self, fresh: &ApiTable) -> Option<String> {
        if self == fresh {
            return None;
        }
        if self.release != fresh.release || self.version != fresh.version {
            return Some(format!(
                "it is of release {} (linux-image {}), the root's is {} ({})",
                self.release, self.version, fresh.release, fresh.version
            ));
        }
        for r in &fresh.rows {
            match self.row(&r.wanted, &r.name) {
                None => return Some(format!("it lacks `{}`", r.name)),
                Some(mine) if mine != r => {
                    return Some(format!(
                        "`{}`: it says {} ({}), the root's files {} ({})",
                        r.name,
                        mine.kind,
                        forms_text(&mine.forms),
                        r.kind,
                        forms_text(&r.forms)
                    ))
                }
                _ => {}
            }
        }
        if let Some(r) = self
            .rows
            .iter()
            .find(|r| fresh.row(&r.wanted, &r.name).is_none())
        {
            return Some(format!(
                "it has `{}`, which the root's header no longer declares",
                r.name
            ));
        }
        Some("its headers or order differ from what the root gives".to_string())
    }
}

fn forms_text(forms: &[Form]) -> String {
    if forms.is_empty() {
        return "not in the header".into();
    }
    forms
        .iter()
        .map(|f| f.word())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The forms of `name` among `decls`, each once, in [`Form`] order, and the
/// line of its first.
fn forms_of(decls: &[Decl], name: &str) -> (Vec<Form>, Option<usize>) {
    let mine: Vec<&Decl> = decls.iter().filter(|d| d.name == name).collect();
    let forms: BTreeSet<Form> = mine.iter().map(|d| d.form).collect();
    (forms.into_iter().collect(), mine.first().map(|d| d.line))
}

/// The header files of a kernel, as [`compute`] takes them: (path in the
/// tree, where in the root and its text, or `None` when the root lacks it).
pub type HeaderTexts = Vec<(String, Option<(String, String)>)>;

/// A kernel's table from its headers' texts and its `Module.symvers`.
/// Errors: a header-wide `[[api]]` whose header the kernel lacks, a
/// `Module.symvers` that does not parse.
pub fn compute(
    kernel: &str,
    release: &str,
    version: &str,
    headers: &HeaderTexts,
    symvers_at: &str,
    symvers_text: &str,
    wanted: &[WantedApi],
) -> Result<ApiTable, String> {
    let exports = symvers::parse(symvers_text).map_err(|e| format!("{symvers_at}: {e}"))?;
    let decls: BTreeMap<&str, Vec<Decl>> = headers
        .iter()
        .filter_map(|(p, f)| f.as_ref().map(|(_, text)| (p.as_str(), scan::scan(text))))
        .collect();
    let row = |name: &str, wanted: &str, header: Option<&str>| -> Row {
        let (forms, line) = header
            .and_then(|h| decls.get(h))
            .map_or((vec![], None), |d| forms_of(d, name));
        let export = exports.get(name);
        let kind = decide(&forms, export);
        Row {
            name: name.to_string(),
            wanted: wanted.to_string(),
            header: header.map(String::from),
            line,
            forms,
            kind,
            namespace: match kind {
                ApiKind::Exported | ApiKind::ExportedGpl => {
                    export.map(|e| e.namespace.clone()).unwrap_or_default()
                }
                _ => String::new(),
            },
        }
    };
    let mut rows = Vec::new();
    for a in wanted {
        if a.whole() {
            let Some(d) = decls.get(a.header.as_str()) else {
                return Err(format!(
                    "kernel {kernel}: its build root has no {} under usr/src/*/ (wanted whole by [[api]] in {WANTED_FILE})",
                    a.header
                ));
            };
            let mut names: Vec<&str> = Vec::new();
            for x in d.iter().filter(|x| x.form != Form::Alias) {
                if !names.contains(&x.name.as_str()) {
                    names.push(&x.name);
                }
            }
            rows.extend(
                names
                    .into_iter()
                    .map(|n| row(n, &a.header, Some(&a.header))),
            );
        } else {
            for n in &a.names {
                let found = a.headers().find(|h| {
                    decls
                        .get(h.as_str())
                        .is_some_and(|d| d.iter().any(|x| &x.name == n))
                });
                rows.push(row(n, &a.header, found.map(String::as_str)));
            }
        }
    }
    Ok(ApiTable {
        kernel: kernel.to_string(),
        release: release.to_string(),
        version: version.to_string(),
        symvers: symvers_at.to_string(),
        headers: headers
            .iter()
            .map(|(p, f)| HeaderAt {
                path: p.clone(),
                at: f.as_ref().map(|(at, _)| at.clone()),
            })
            .collect(),
        rows,
    })
}

/// A kernel's table from its build root `dir`: each header found under
/// `usr/src/*/` (Debian splits a kernel's headers between `-common` and the
/// flavour's package; exactly one of them may have it), and
/// `usr/src/linux-headers-RELEASE/Module.symvers`.
pub fn from_root(
    dir: &Path,
    kernel: &str,
    release: &str,
    version: &str,
    wanted: &[WantedApi],
) -> Result<ApiTable> {
    let src = dir.join("usr/src");
    let mut trees: Vec<String> = std::fs::read_dir(&src)
        .with_context(|| format!("reading {}", src.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    trees.sort();
    let mut headers: HeaderTexts = Vec::new();
    for path in header_paths(wanted) {
        let hits: Vec<String> = trees
            .iter()
            .map(|t| format!("usr/src/{t}/{path}"))
            .filter(|rel| dir.join(rel).is_file())
            .collect();
        let found = match hits.as_slice() {
            [] => None,
            [one] => {
                let bytes = std::fs::read(dir.join(one))
                    .with_context(|| format!("reading {}", dir.join(one).display()))?;
                Some((one.clone(), String::from_utf8_lossy(&bytes).into_owned()))
            }
            many => bail!(
                "kernel {kernel}: {path} is in more than one tree of {}: {}",
                src.display(),
                many.join(", ")
            ),
        };
        headers.push((path, found));
    }
    let symvers_at = format!("usr/src/linux-headers-{release}/Module.symvers");
    let symvers = std::fs::read(dir.join(&symvers_at))
        .with_context(|| format!("reading {}", dir.join(&symvers_at).display()))?;
    compute(
        kernel,
        release,
        version,
        &headers,
        &symvers_at,
        &String::from_utf8_lossy(&symvers),
        wanted,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The committed table of kernel `id` against the one its build root gives
/// now: a problem (with the command that makes it again) when they differ.
pub fn stale(committed: Option<&ApiTable>, fresh: &ApiTable) -> Option<String> {
    let id = &fresh.kernel;
    let why = match committed {
        None => "there is none".to_string(),
        Some(c) => c.difference(fresh)?,
    };
    Some(format!(
        "the API table of kernel {id} ({STORE_DIR}/{id}/{API_FILE}) is not what its build root (release {}, linux-image {}) gives: {why}; run `{API_UPDATE_COMMAND} --kernel {id}` and commit the result",
        fresh.release, fresh.version
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(license: License, namespace: &str) -> Export {
        Export {
            license,
            module: "vmlinux".into(),
            namespace: namespace.into(),
        }
    }

    #[test]
    fn the_kind_follows_what_a_call_turns_into() {
        use Form::*;
        let gpl = export(License::Gpl, "");
        let any = export(License::Any, "");
        let kvm_only = export(License::Gpl, "module:kvm");
        assert_eq!(decide(&[], Some(&any)), ApiKind::Absent);
        assert_eq!(decide(&[Macro], None), ApiKind::Macro);
        assert_eq!(decide(&[Alias], None), ApiKind::Macro);
        // 7.2's kthread_exit: a macro, whatever is exported.
        assert_eq!(decide(&[Declared, Macro], Some(&any)), ApiKind::Macro);
        assert_eq!(decide(&[Inline], None), ApiKind::Inline);
        assert_eq!(decide(&[Inline], Some(&any)), ApiKind::Inline);
        assert_eq!(decide(&[Declared], Some(&gpl)), ApiKind::ExportedGpl);
        assert_eq!(decide(&[Declared], Some(&any)), ApiKind::Exported);
        assert_eq!(decide(&[Declared], None), ApiKind::Declared);
        assert_eq!(decide(&[Declared], Some(&kvm_only)), ApiKind::Declared);
        // set_freezable: declared under CONFIG_FREEZER, a stub otherwise;
        // exported, so the kernel has the real one.
        assert_eq!(decide(&[Declared, Inline], Some(&any)), ApiKind::Exported);
        assert_eq!(decide(&[Declared, Inline], None), ApiKind::Declared);
    }

    fn wanted() -> Vec<WantedApi> {
        toml::from_str::<BTreeMap<String, Vec<WantedApi>>>(
            "[[api]]\nheader = 'include/linux/kthread.h'\n\
             [[api]]\nheader = 'include/linux/sched/signal.h'\nnames = ['signal_pending', 'allow_signal', 'no_such']\nalso = ['include/linux/signal.h']\n",
        )
        .unwrap()
        .remove("api")
        .unwrap()
    }

    fn sample() -> ApiTable {
        let headers: HeaderTexts = vec![
            (
                "include/linux/kthread.h".into(),
                Some((
                    "usr/src/linux-headers-6.1.0-57-common/include/linux/kthread.h".into(),
                    "#define kthread_run(f, d, n, ...) x\nint kthread_stop(struct task_struct *k);\nbool kthread_should_park(void);\nvoid kthread_exit(long result) __noreturn;\n#ifdef CONFIG_BLK_CGROUP\nvoid kthread_associate_blkcg(struct cgroup_subsys_state *css);\n#else\nstatic inline void kthread_associate_blkcg(struct cgroup_subsys_state *css) { }\n#endif\n".into(),
                )),
            ),
            (
                "include/linux/sched/signal.h".into(),
                Some((
                    "usr/src/linux-headers-6.1.0-57-common/include/linux/sched/signal.h".into(),
                    "static inline int signal_pending(struct task_struct *p)\n{\n\treturn 0;\n}\n".into(),
                )),
            ),
            ("include/linux/signal.h".into(), Some((
                "usr/src/linux-headers-6.1.0-57-common/include/linux/signal.h".into(),
                "static inline void allow_signal(int sig)\n{\n\tkernel_sigaction(sig, SIG_KTHREAD);\n}\n".into(),
            ))),
        ];
        let symvers = "0x1\tkthread_stop\tvmlinux\tEXPORT_SYMBOL\t\n0x2\tkthread_should_park\tvmlinux\tEXPORT_SYMBOL_GPL\t\n0x3\tkthread_associate_blkcg\tvmlinux\tEXPORT_SYMBOL\t\n";
        compute(
            "6.1",
            "6.1.0-57-cloud-amd64",
            "6.1.192-3",
            &headers,
            "usr/src/linux-headers-6.1.0-57-cloud-amd64/Module.symvers",
            symvers,
            &wanted(),
        )
        .unwrap()
    }

    #[test]
    fn a_table_from_headers_and_symvers() {
        let t = sample();
        let kinds: Vec<(&str, ApiKind, Option<&str>)> = t
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.kind, r.header.as_deref()))
            .collect();
        let kt = Some("include/linux/kthread.h");
        assert_eq!(
            kinds,
            vec![
                ("kthread_run", ApiKind::Macro, kt),
                ("kthread_stop", ApiKind::Exported, kt),
                ("kthread_should_park", ApiKind::ExportedGpl, kt),
                ("kthread_exit", ApiKind::Declared, kt),
                ("kthread_associate_blkcg", ApiKind::Exported, kt),
                (
                    "signal_pending",
                    ApiKind::Inline,
                    Some("include/linux/sched/signal.h")
                ),
                (
                    "allow_signal",
                    ApiKind::Inline,
                    Some("include/linux/signal.h")
                ),
                ("no_such", ApiKind::Absent, None),
            ]
        );
        let blkcg = t
            .row("include/linux/kthread.h", "kthread_associate_blkcg")
            .unwrap();
        assert_eq!(blkcg.forms, vec![Form::Declared, Form::Inline]);
        assert_eq!(blkcg.line, Some(6));
        assert!(t.problems("6.1", &wanted()).is_empty());
        // A header-wide table needs its header.
        let e = compute("5.4", "r", "v", &vec![], "s", "", &wanted()).unwrap_err();
        assert!(
            e.contains("kernel 5.4: its build root has no include/linux/kthread.h"),
            "{e}"
        );
    }

    #[test]
    fn api_toml_round_trips_and_is_checked() {
        let t = sample();
        let text = t.to_text();
        assert!(text.contains("  { name = \"kthread_stop\", wanted = \"include/linux/kthread.h\", header = \"include/linux/kthread.h\", line = 2, forms = [\"declared\"], kind = \"exported\" },\n"), "{text}");
        assert!(text.contains("  { name = \"no_such\", wanted = \"include/linux/sched/signal.h\", kind = \"absent\" },\n"), "{text}");
        assert_eq!(ApiTable::parse(&text).unwrap(), t);
        for (bad, why) in [
            (
                text.replace("kind = \"exported\"", "kind = \"public\""),
                "kind `public`",
            ),
            (
                text.replace("forms = [\"declared\"]", "forms = [\"prototype\"]"),
                "form `prototype`",
            ),
            (
                text.replace(
                    "wanted = \"include/linux/sched/signal.h\", kind = \"absent\"",
                    "wanted = \"include/linux/sched/signal.h\", kind = \"inline\"",
                ),
                "an absent function",
            ),
            (
                text.replace("kernel = \"6.1\"", "kernel = \"6.1\"\ncolour = 1"),
                "unknown field",
            ),
        ] {
            let e = ApiTable::parse(&bad).unwrap_err();
            assert!(e.contains(why), "{why}: {e}");
        }
        // Against wanted.toml and its place.
        let p = t.problems("6.12", &wanted());
        assert!(
            p[0].contains("it says kernel 6.1, its place kernel 6.12"),
            "{p:?}"
        );
        let mut fewer = wanted();
        fewer[1].names.retain(|n| n != "no_such");
        fewer[1].names.push("flush_signals".into());
        let p = t.problems("6.1", &fewer).join("\n");
        assert!(p.contains("`no_such` is not among the names of [[api]] `include/linux/sched/signal.h`; run `cargo run -p verify -- sources --update --api-only --kernel 6.1`"), "{p}");
        assert!(
            p.contains("`flush_signals` ([[api]] `include/linux/sched/signal.h`) is missing"),
            "{p}"
        );
        let p = t.problems("6.1", &fewer[..1]).join("\n");
        assert!(p.contains("it looked in include/linux/kthread.h, include/linux/sched/signal.h, include/linux/signal.h but wanted.toml now lists include/linux/kthread.h"), "{p}");
    }

    #[test]
    fn a_table_that_the_root_no_longer_gives_is_stale() {
        let t = sample();
        assert_eq!(stale(Some(&t), &t), None);
        let mut moved = t.clone();
        moved.release = "6.1.0-58-cloud-amd64".into();
        moved.version = "6.1.193-1".into();
        let p = stale(Some(&t), &moved).unwrap();
        assert!(p.contains("src/kernel-sources/6.1/api.toml) is not what its build root (release 6.1.0-58-cloud-amd64, linux-image 6.1.193-1) gives: it is of release 6.1.0-57-cloud-amd64"), "{p}");
        assert!(p.ends_with("run `cargo run -p verify -- sources --update --api-only --kernel 6.1` and commit the result"), "{p}");
        let mut changed = t.clone();
        changed.rows[1].kind = ApiKind::ExportedGpl;
        let p = stale(Some(&t), &changed).unwrap();
        assert!(p.contains("`kthread_stop`: it says exported (declared), the root's files exported-gpl (declared)"), "{p}");
        assert!(stale(None, &t).unwrap().contains("there is none"));
    }

    /// A root's headers are found under any tree of usr/src/, but in one only.
    #[test]
    fn a_table_from_a_build_root() {
        let d = std::env::temp_dir().join(format!("verify-api-root-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let common = d.join("usr/src/linux-headers-6.1.0-57-common/include/linux");
        let flavour = d.join("usr/src/linux-headers-6.1.0-57-cloud-amd64");
        std::fs::create_dir_all(&common).unwrap();
        std::fs::create_dir_all(&flavour).unwrap();
        std::fs::write(common.join("delay.h"), "void msleep(unsigned int msecs);\n").unwrap();
        std::fs::write(
            flavour.join("Module.symvers"),
            "0x1\tmsleep\tvmlinux\tEXPORT_SYMBOL\t\n",
        )
        .unwrap();
        let wanted = vec![WantedApi {
            header: "include/linux/delay.h".into(),
            names: vec!["msleep".into()],
            also: vec!["include/linux/other.h".into()],
        }];
        let t = from_root(&d, "6.1", "6.1.0-57-cloud-amd64", "6.1.192-3", &wanted).unwrap();
        assert_eq!(t.rows[0].kind, ApiKind::Exported);
        assert_eq!(
            t.symvers,
            "usr/src/linux-headers-6.1.0-57-cloud-amd64/Module.symvers"
        );
        assert_eq!(
            t.headers,
            vec![
                HeaderAt {
                    path: "include/linux/delay.h".into(),
                    at: Some("usr/src/linux-headers-6.1.0-57-common/include/linux/delay.h".into())
                },
                HeaderAt {
                    path: "include/linux/other.h".into(),
                    at: None
                },
            ]
        );
        let e = format!(
            "{:#}",
            from_root(&d, "6.1", "6.1.0-58-cloud-amd64", "v", &wanted).unwrap_err()
        );
        assert!(
            e.contains("linux-headers-6.1.0-58-cloud-amd64/Module.symvers"),
            "{e}"
        );
        std::fs::create_dir_all(flavour.join("include/linux")).unwrap();
        std::fs::write(flavour.join("include/linux/delay.h"), "").unwrap();
        let e = format!(
            "{:#}",
            from_root(&d, "6.1", "6.1.0-57-cloud-amd64", "v", &wanted).unwrap_err()
        );
        assert!(
            e.contains("include/linux/delay.h is in more than one tree"),
            "{e}"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// The committed tables say what the book's chapters argue from.
    #[test]
    fn the_repository_tables_hold_the_facts_the_book_uses() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let m = crate::host::matrix::Matrix::load(&root.join("kernels.toml")).unwrap();
        let s = crate::kernel_source::Store::load(&root, &m.ids()).unwrap();
        let kind = |id: &str, name: &str| {
            let t = s.api.iter().find(|t| t.kernel == id).unwrap();
            t.rows
                .iter()
                .find(|r| r.name == name)
                .map_or(ApiKind::Absent, |r| r.kind)
        };
        use ApiKind::*;
        let ids = ["5.10", "6.1", "6.12", "latest"];
        let per = |name: &str| ids.map(|id| kind(id, name));
        assert_eq!(per("kthread_stop"), [Exported; 4]);
        assert_eq!(per("kthread_run"), [Macro; 4]);
        assert_eq!(per("kthread_exit"), [Declared, Declared, Exported, Macro]);
        assert_eq!(per("kthread_run_on_cpu"), [Absent, Inline, Inline, Inline]);
        assert_eq!(
            per("kthread_stop_put"),
            [Absent, Absent, Exported, Exported]
        );
        assert_eq!(per("sched_setscheduler"), [Declared; 4]);
        assert_eq!(per("sched_set_fifo"), [ExportedGpl; 4]);
        assert_eq!(per("allow_signal"), [Inline; 4]);
        assert_eq!(per("set_freezable"), [Exported; 4]);
    }

    #[test]
    fn the_wanted_api_tables_are_checked() {
        assert!(check_wanted(&wanted()).is_ok());
        for (bad, why) in [
            ("[[api]]\nheader = '../x.h'\n", "relative path"),
            (
                "[[api]]\nheader = 'a.h'\n[[api]]\nheader = 'a.h'\nnames = ['x']\n",
                "listed twice",
            ),
            (
                "[[api]]\nheader = 'a.h'\nalso = ['b.h']\n",
                "`also` is for `names`",
            ),
            ("[[api]]\nheader = 'a.h'\nnames = ['x y']\n", "C identifier"),
            (
                "[[api]]\nheader = 'a.h'\nnames = ['x']\n[[api]]\nheader = 'b.h'\nnames = ['x']\n",
                "wanted twice",
            ),
        ] {
            let api = toml::from_str::<BTreeMap<String, Vec<WantedApi>>>(bad)
                .unwrap()
                .remove("api")
                .unwrap();
            let e = format!("{:#}", check_wanted(&api).unwrap_err());
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert_eq!(
            header_paths(&wanted()),
            vec![
                "include/linux/kthread.h",
                "include/linux/sched/signal.h",
                "include/linux/signal.h"
            ]
        );
    }
}
