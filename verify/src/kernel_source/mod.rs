//! Kernel source quoted, not pasted: the functions the book argues from, cut
//! out of each matrix kernel's own Debian source package and kept in the
//! repository like snapshots, so the book builds offline and shows exactly
//! what each kernel holds.
//!
//! - `src/kernel-sources/wanted.toml` lists the functions (a file and a
//!   name; other files to look in when the definition moved, e.g. a
//!   function that became a macro in a header) — [`Wanted`];
//! - `src/kernel-sources/<kernel id>/<file path>/<name>.c` is one extract:
//!   a header naming the kernel, its release, the Debian package and
//!   version, the file and lines it came from (or that the kernel has no such
//!   definition), then the definition's text as it is in the file —
//!   [`Extract`];
//! - [`Store::load`] reads them all and checks them against the list and
//!   `kernels.toml` (the book's preprocessor does, so a kernel added to the
//!   matrix or a function added to the list without its extracts fails the
//!   book); [`stale`] compares them with the build roots' kernels (the
//!   normal run does, so a kernel that moved on Debian fails CI until the
//!   extracts are made again);
//! - [`cut`] cuts one definition out of a C file (pure text);
//! - [`api`] is the module API table: `wanted.toml`'s `[[api]]` tables name
//!   headers (all their functions, or some names), and
//!   `src/kernel-sources/<kernel id>/api.toml` says, per function, what a
//!   module gets on that kernel (an export, GPL or not, a function in the
//!   header, a macro, a prototype it cannot link, nothing), computed from
//!   the build root's headers and `Module.symvers`; [`stale_for_roots`] and
//!   [`stale_in_cache`] compute it again from the roots and compare;
//! - [`fetch`] is `cargo run -p verify -- sources --update`: the only part
//!   that downloads (the `linux-source-*` .deb of each kernel, checked
//!   against the suite's signed Packages index).

pub mod api;
pub mod cut;
pub mod fetch;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The store's directory, relative to the repository root.
pub const STORE_DIR: &str = "src/kernel-sources";

/// The list of wanted functions, in [`STORE_DIR`].
pub const WANTED_FILE: &str = "wanted.toml";

/// The command that makes the extracts again.
pub const UPDATE_COMMAND: &str = "cargo run -p verify -- sources --update";

/// One `[[function]]` of `wanted.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wanted {
    /// The file the book names it by (`kernel/kthread.c`), relative to the
    /// kernel tree; looked in first.
    pub file: String,
    /// The function or macro (`kthread_stop`).
    pub name: String,
    /// Other files to look in, in order, when `file` has no definition on
    /// some kernel (`include/linux/kthread.h` for a macro there).
    #[serde(default)]
    pub also: Vec<String>,
}

impl Wanted {
    /// Every file looked in, in order.
    pub fn files(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.file).chain(&self.also)
    }

    /// `kernel/kthread.c kthread_stop`, as the directive writes it.
    pub fn key(&self) -> String {
        format!("{} {}", self.file, self.name)
    }

    /// The extract's path below the store, for kernel `id`.
    pub fn rel_path(&self, id: &str) -> PathBuf {
        Path::new(id)
            .join(&self.file)
            .join(format!("{}.c", self.name))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WantedFile {
    #[serde(default)]
    function: Vec<Wanted>,
    #[serde(default)]
    api: Vec<api::WantedApi>,
}

/// Everything `wanted.toml` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WantedList {
    /// The `[[function]]`s, quoted with `{{#source}}`.
    pub functions: Vec<Wanted>,
    /// The `[[api]]` tables, rendered with `{{#api}}`.
    pub api: Vec<api::WantedApi>,
}

/// A path inside the kernel tree: relative, plain components of
/// `[A-Za-z0-9_.-]`, no `.` or `..`.
fn valid_tree_path(p: &str) -> bool {
    !p.is_empty()
        && p.split('/').all(|c| {
            !c.is_empty()
                && c != "."
                && c != ".."
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_.-".contains(ch))
        })
}

/// A C identifier.
fn valid_name(n: &str) -> bool {
    n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses `wanted.toml`. Errors: bad TOML, an unknown key, a file that is
/// not a plain relative path, a name that is not a C identifier, an entry
/// given twice.
pub fn parse_wanted(text: &str) -> Result<Vec<Wanted>> {
    Ok(parse_wanted_list(text)?.functions)
}

/// Parses `wanted.toml`, its `[[api]]` tables too ([`api::check_wanted`]).
pub fn parse_wanted_list(text: &str) -> Result<WantedList> {
    let file: WantedFile = toml::from_str(text)?;
    api::check_wanted(&file.api)?;
    let mut seen = BTreeSet::new();
    for w in &file.function {
        for f in w.files() {
            if !valid_tree_path(f) {
                bail!("[[function]] `{}`: file `{f}` must be a relative path in the kernel tree (letters, digits, `_.-`, no `..`)", w.name);
            }
        }
        if !valid_name(&w.name) {
            bail!(
                "[[function]] in `{}`: name `{}` must be a C identifier",
                w.file,
                w.name
            );
        }
        if !seen.insert(w.key()) {
            bail!("[[function]] `{}` is listed twice", w.key());
        }
    }
    Ok(WantedList {
        functions: file.function,
        api: file.api,
    })
}

/// Where one kernel's definition was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Function or macro.
    pub kind: cut::Kind,
    /// The file it is in (the wanted file or one of `also`).
    pub file: String,
    /// 1-based first and last line in that file.
    pub lines: (usize, usize),
    /// The definition's text.
    pub text: String,
}

/// One extract: a wanted function on one kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extract {
    /// The matrix id (`6.1`).
    pub kernel: String,
    /// `uname -r` of the build root's kernel (`6.1.0-57-cloud-amd64`).
    pub release: String,
    /// The Debian source package (`linux-source-6.1`).
    pub package: String,
    /// Its version, the version of the build root's `linux-image` (`6.1.192-3`).
    pub version: String,
    /// Where the package was downloaded from.
    pub url: String,
    /// The package file's SHA-256, as the suite's Packages index gives it.
    pub sha256: String,
    /// The wanted file (`kernel/kthread.c`).
    pub file: String,
    /// The wanted name.
    pub name: String,
    /// The definition, or `None`: this kernel has none in any of the files
    /// looked in (`looked_in`).
    pub found: Option<Found>,
    /// The files looked in, in order.
    pub looked_in: Vec<String>,
}

const HEADER_FIRST: &str =
    "/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.";

impl Extract {
    /// The file's text: the header, then the definition.
    pub fn to_text(&self) -> String {
        let mut h = vec![
            HEADER_FIRST.to_string(),
            format!(" * kernel: {}", self.kernel),
            format!(" * release: {}", self.release),
            format!(" * package: {} {}", self.package, self.version),
            format!(" * url: {}", self.url),
            format!(" * sha256: {}", self.sha256),
            format!(" * wanted: {} {}", self.file, self.name),
            format!(" * looked in: {}", self.looked_in.join(" ")),
        ];
        match &self.found {
            Some(f) => {
                h.push(format!(" * kind: {}", f.kind));
                h.push(format!(" * file: {}", f.file));
                h.push(format!(" * lines: {}-{}", f.lines.0, f.lines.1));
            }
            None => h.push(" * kind: absent".to_string()),
        }
        h.push(" */".to_string());
        let mut out = h.join("\n");
        out.push('\n');
        if let Some(f) = &self.found {
            out.push_str(&f.text);
        }
        out
    }

    /// Parses an extract's text (`to_text`). Errors name the field.
    pub fn parse(text: &str) -> Result<Extract, String> {
        let mut lines = text.split_inclusive('\n');
        if lines.next().map(str::trim_end) != Some(HEADER_FIRST) {
            return Err(format!("does not start with `{HEADER_FIRST}`"));
        }
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut body_at = None;
        let mut at = HEADER_FIRST.len() + 1;
        for l in lines {
            at += l.len();
            let l = l.trim_end_matches('\n');
            if l == " */" {
                body_at = Some(at);
                break;
            }
            let (k, v) = l
                .strip_prefix(" * ")
                .and_then(|r| r.split_once(": "))
                .ok_or_else(|| format!("header line `{l}` is not ` * KEY: VALUE`"))?;
            fields.push((k.to_string(), v.to_string()));
        }
        let body_at = body_at.ok_or("the header does not end with ` */`")?;
        let get = |k: &str| -> Result<String, String> {
            fields
                .iter()
                .find(|(x, _)| x == k)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("the header has no `{k}`"))
        };
        let (package, version) = get("package")?
            .split_once(' ')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .ok_or("`package` is not `NAME VERSION`")?;
        let (file, name) = get("wanted")?
            .split_once(' ')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .ok_or("`wanted` is not `FILE NAME`")?;
        let body = &text[body_at.min(text.len())..];
        let found = match get("kind")?.as_str() {
            "absent" => {
                if !body.is_empty() {
                    return Err("`kind: absent` but a definition follows the header".into());
                }
                None
            }
            k => {
                let kind = match k {
                    "function" => cut::Kind::Function,
                    "macro" => cut::Kind::Macro,
                    _ => return Err(format!("`kind: {k}`: function, macro or absent")),
                };
                let lines = get("lines")?;
                let bad = || format!("`lines: {lines}` is not `FIRST-LAST`");
                let (a, b) = lines.split_once('-').ok_or_else(bad)?;
                let (a, b): (usize, usize) =
                    (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
                if a == 0 || b < a || body.lines().count() != b - a + 1 {
                    return Err(format!(
                        "`lines: {lines}` does not match the {} lines that follow",
                        body.lines().count()
                    ));
                }
                Some(Found {
                    kind,
                    file: get("file")?,
                    lines: (a, b),
                    text: body.to_string(),
                })
            }
        };
        Ok(Extract {
            kernel: get("kernel")?,
            release: get("release")?,
            package,
            version,
            url: get("url")?,
            sha256: get("sha256")?,
            file,
            name,
            found,
            looked_in: get("looked in")?
                .split_whitespace()
                .map(String::from)
                .collect(),
        })
    }
}

/// The extracts under `src/kernel-sources/`, checked against `wanted.toml`
/// and the matrix.
#[derive(Debug, Clone, Default)]
pub struct Store {
    /// The wanted functions, in `wanted.toml` order.
    pub wanted: Vec<Wanted>,
    /// Every extract, for every kernel of the matrix and every wanted function.
    pub extracts: Vec<Extract>,
    /// The `[[api]]` tables of `wanted.toml`, in order.
    pub api_wanted: Vec<api::WantedApi>,
    /// Every kernel's API table (`<kernel id>/api.toml`), in matrix order;
    /// empty when nothing is wanted.
    pub api: Vec<api::ApiTable>,
}

impl Store {
    /// Reads the store of the repository at `root` and checks it against
    /// `kernel_ids` (the matrix, in order). No `wanted.toml`: an empty store
    /// (nothing can be quoted). Errors, all named at once, each with the fix:
    /// an extract missing for some kernel and wanted function, one that does
    /// not parse or whose header disagrees with its place, a file or
    /// kernel directory that nothing wants, a symbolic link anywhere in the
    /// store, two kernels of the matrix with one package version.
    pub fn load(root: &Path, kernel_ids: &[String]) -> Result<Store> {
        let dir = root.join(STORE_DIR);
        let wanted_path = dir.join(WANTED_FILE);
        let wanted_text = match crate::regular::read_to_string(&wanted_path) {
            Ok(t) => t,
            Err(e) if e.not_found() => return Ok(Store::default()),
            Err(e) => bail!("reading {STORE_DIR}/{WANTED_FILE}: {e}"),
        };
        let list = parse_wanted_list(&wanted_text)
            .with_context(|| format!("in {STORE_DIR}/{WANTED_FILE}"))?;
        let wanted = list.functions;
        let mut problems = Vec::new();
        let mut extracts = Vec::new();
        let mut expected = BTreeSet::new();
        for id in kernel_ids {
            for w in &wanted {
                let rel = w.rel_path(id);
                expected.insert(rel.clone());
                let shown = format!("{STORE_DIR}/{}", rel.display());
                match crate::regular::read_to_string(&dir.join(&rel)) {
                    Err(e) if e.not_found() => problems.push(format!(
                        "{shown} is missing (kernel {id}, {}); run `{UPDATE_COMMAND}` and commit it",
                        w.key()
                    )),
                    Err(e) => problems.push(format!("{shown}: {e}")),
                    Ok(text) => match Extract::parse(&text) {
                        Err(e) => problems.push(format!(
                            "{shown}: {e}; run `{UPDATE_COMMAND}` to make it again"
                        )),
                        Ok(x) if x.kernel != *id || x.file != w.file || x.name != w.name => {
                            problems.push(format!(
                                "{shown}: its header says kernel {} and `{} {}`, its place kernel {id} and `{}`",
                                x.kernel, x.file, x.name, w.key()
                            ))
                        }
                        Ok(x) if x.looked_in != w.files().cloned().collect::<Vec<_>>() => {
                            problems.push(format!(
                                "{shown}: looked in {} but wanted.toml now lists {}; run `{UPDATE_COMMAND}`",
                                x.looked_in.join(", "),
                                w.files().cloned().collect::<Vec<_>>().join(", ")
                            ))
                        }
                        Ok(x) => extracts.push(x),
                    },
                }
            }
        }
        // One package version per kernel: every extract of a kernel comes
        // from the same download.
        for id in kernel_ids {
            let versions: BTreeSet<(&str, &str)> = extracts
                .iter()
                .filter(|x| &x.kernel == id)
                .map(|x| (x.package.as_str(), x.version.as_str()))
                .collect();
            if versions.len() > 1 {
                problems.push(format!(
                    "{STORE_DIR}/{id}/: extracts from several packages ({}); run `{UPDATE_COMMAND} --kernel {id}`",
                    versions.iter().map(|(p, v)| format!("{p} {v}")).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        // Every kernel's API table, when some is wanted.
        let mut tables = Vec::new();
        if !list.api.is_empty() {
            for id in kernel_ids {
                let rel = Path::new(id).join(api::API_FILE);
                expected.insert(rel.clone());
                let shown = format!("{STORE_DIR}/{}", rel.display());
                let redo = format!("run `{} --kernel {id}`", api::API_UPDATE_COMMAND);
                match crate::regular::read_to_string(&dir.join(&rel)) {
                    Err(e) if e.not_found() => problems.push(format!(
                        "{shown} is missing (the API table of kernel {id}); {redo} and commit it"
                    )),
                    Err(e) => problems.push(format!("{shown}: {e}")),
                    Ok(text) => match api::ApiTable::parse(&text) {
                        Err(e) => problems.push(format!("{shown}: {e}; {redo} to make it again")),
                        Ok(t) => {
                            let p = t.problems(id, &list.api);
                            if p.is_empty() {
                                tables.push(t);
                            }
                            problems.extend(p.into_iter().map(|p| format!("{shown}: {p}")));
                        }
                    },
                }
            }
        }
        // Nothing else in the store, and no link.
        let mut extra = Vec::new();
        walk(&dir, Path::new(""), &mut extra, &mut problems);
        for rel in extra {
            if rel != Path::new(WANTED_FILE) && !expected.contains(&rel) {
                problems.push(format!(
                    "{STORE_DIR}/{} is not wanted (not in {WANTED_FILE}, or its kernel is not in kernels.toml); delete it, or run `{UPDATE_COMMAND}`",
                    rel.display()
                ));
            }
        }
        if !problems.is_empty() {
            bail!(
                "the kernel source store ({STORE_DIR}/: extracts and API tables) does not match {WANTED_FILE} and kernels.toml:\n  {}",
                problems.join("\n  ")
            );
        }
        Ok(Store {
            wanted,
            extracts,
            api_wanted: list.api,
            api: tables,
        })
    }

    /// The wanted entry `file name`, if listed.
    pub fn wanted(&self, file: &str, name: &str) -> Option<&Wanted> {
        self.wanted
            .iter()
            .find(|w| w.file == file && w.name == name)
    }

    /// The extracts of `file name`, in the order of `kernel_ids`.
    pub fn of<'a>(&'a self, file: &str, name: &str, kernel_ids: &[String]) -> Vec<&'a Extract> {
        kernel_ids
            .iter()
            .filter_map(|id| {
                self.extracts
                    .iter()
                    .find(|x| &x.kernel == id && x.file == file && x.name == name)
            })
            .collect()
    }
}

/// Every regular file below `dir` (paths relative to the store); a link or
/// anything else that is not a plain file or directory is a problem.
fn walk(base: &Path, rel: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<String>) {
    let dir = base.join(rel);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let rel = rel.join(e.file_name());
        match e.path().symlink_metadata() {
            Ok(m) if m.is_dir() => walk(base, &rel, files, problems),
            Ok(m) if m.is_file() => files.push(rel),
            _ => problems.push(format!(
                "{STORE_DIR}/{} is not a regular file or directory (a symbolic link?); the store holds only plain files",
                rel.display()
            )),
        }
    }
}

/// The version of the `linux-image-RELEASE` package in a build root's
/// dpkg database (`DIR/var/lib/dpkg/status`), e.g. `6.1.192-3`.
pub fn image_version(root_dir: &Path, release: &str) -> Result<String> {
    let status = root_dir.join("var/lib/dpkg/status");
    let text = std::fs::read_to_string(&status)
        .with_context(|| format!("reading {}", status.display()))?;
    let package = format!("linux-image-{release}");
    for stanza in text.split("\n\n") {
        if stanza.lines().any(|l| l == format!("Package: {package}")) {
            if let Some(v) = stanza.lines().find_map(|l| l.strip_prefix("Version: ")) {
                return Ok(v.trim().to_string());
            }
        }
    }
    bail!("{} lists no package {package}", status.display())
}

/// For each `(kernel id, root release, root's linux-image version)`: a
/// problem when the extracts of that kernel come from another kernel, with
/// the command that makes them again. Kernels without extracts are not
/// checked here ([`Store::load`] names them).
pub fn stale(store: &Store, roots: &[(String, String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (id, release, version) in roots {
        let Some(x) = store.extracts.iter().find(|x| &x.kernel == id) else {
            continue;
        };
        if &x.version != version || &x.release != release {
            out.push(format!(
                "the kernel source extracts of kernel {id} ({STORE_DIR}/{id}/) are from {} {} (release {}), but its build root now has linux-image-{release} {version}; run `{UPDATE_COMMAND} --kernel {id}` and commit the result",
                x.package, x.version, x.release
            ));
        }
    }
    out
}

/// [`stale`] for the build roots the run made or checked: each root's
/// release and `linux-image` version. A root whose dpkg database cannot be
/// read is a problem too.
pub fn stale_for_roots(store: &Store, roots: &[crate::host::provision::Root]) -> Vec<String> {
    let mut have = Vec::new();
    let mut problems = Vec::new();
    for r in roots {
        match image_version(&r.dir, &r.release) {
            Ok(v) => {
                problems.extend(api_stale(store, &r.kernel.id, &r.dir, &r.release, &v));
                have.push((r.kernel.id.clone(), r.release.clone(), v));
            }
            Err(e) => problems.push(format!(
                "kernel {}: the version of its kernel, for the source extracts: {e:#}",
                r.kernel.id
            )),
        }
    }
    problems.extend(stale(store, &have));
    problems
}

/// [`stale`] for the build roots already in the cache (`CACHE/roots/ID`,
/// with the release its stamp records); kernels without a root are not
/// checked (the normal run makes the roots and checks them all).
pub fn stale_in_cache(
    store: &Store,
    cache: &Path,
    matrix: &crate::host::matrix::Matrix,
) -> Vec<String> {
    let mut have = Vec::new();
    let mut api = Vec::new();
    for k in &matrix.kernels {
        let Some((dir, release)) = crate::host::provision::stamped_root(cache, &k.id) else {
            continue;
        };
        if let Ok(v) = image_version(&dir, &release) {
            api.extend(api_stale(store, &k.id, &dir, &release, &v));
            have.push((k.id.clone(), release, v));
        }
    }
    let mut out = stale(store, &have);
    out.extend(api);
    out
}

/// The API table of kernel `id` computed again from its build root `dir`
/// (release `release`, `linux-image` version `version`) and compared with
/// the committed one: a problem, with the command that makes it again, when
/// they differ or the root's files cannot be read. Nothing when
/// `wanted.toml` wants no table.
pub fn api_stale(
    store: &Store,
    id: &str,
    dir: &Path,
    release: &str,
    version: &str,
) -> Option<String> {
    if store.api_wanted.is_empty() {
        return None;
    }
    match api::from_root(dir, id, release, version, &store.api_wanted) {
        Err(e) => Some(format!(
            "kernel {id}: its API table cannot be computed from its build root: {e:#}; run `{} --kernel {id}`",
            api::API_UPDATE_COMMAND
        )),
        Ok(fresh) => api::stale(store.api.iter().find(|t| t.kernel == id), &fresh),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(found: bool) -> Extract {
        Extract {
            kernel: "6.1".into(),
            release: "6.1.0-57-cloud-amd64".into(),
            package: "linux-source-6.1".into(),
            version: "6.1.192-3".into(),
            url: "http://deb.debian.org/debian-security/pool/updates/main/l/linux/linux-source-6.1_6.1.192-3_all.deb".into(),
            sha256: "ab".repeat(32),
            file: "kernel/kthread.c".into(),
            name: "kthread_exit".into(),
            found: found.then(|| Found {
                kind: cut::Kind::Macro,
                file: "include/linux/kthread.h".into(),
                lines: (119, 120),
                text: "#define kthread_exit(result) \\\n\tdo_exit(result)\n".into(),
            }),
            looked_in: vec!["kernel/kthread.c".into(), "include/linux/kthread.h".into()],
        }
    }

    #[test]
    fn an_extract_round_trips_through_its_text() {
        for found in [true, false] {
            let x = sample(found);
            let text = x.to_text();
            assert!(
                text.contains("\n * package: linux-source-6.1 6.1.192-3\n"),
                "{text}"
            );
            assert_eq!(Extract::parse(&text).unwrap(), x);
        }
        let text = sample(true).to_text();
        assert!(text.ends_with(" */\n#define kthread_exit(result) \\\n\tdo_exit(result)\n"));
        let bad = text.replace("lines: 119-120", "lines: 119-125");
        assert!(Extract::parse(&bad)
            .unwrap_err()
            .contains("does not match the 2 lines"));
        let bad = text.replace(" * kind: macro\n", "");
        assert!(Extract::parse(&bad).unwrap_err().contains("no `kind`"));
        let bad = sample(false).to_text() + "int x;\n";
        assert!(Extract::parse(&bad).unwrap_err().contains("absent"));
        assert!(Extract::parse("int x;\n").is_err());
    }

    #[test]
    fn the_wanted_list_is_checked() {
        let w = parse_wanted(
            "[[function]]\nfile = 'kernel/kthread.c'\nname = 'kthread_exit'\nalso = ['include/linux/kthread.h']\n",
        )
        .unwrap();
        assert_eq!(
            w[0].rel_path("latest"),
            Path::new("latest/kernel/kthread.c/kthread_exit.c")
        );
        assert_eq!(w[0].files().count(), 2);
        for (bad, why) in [
            (
                "[[function]]\nfile = '../etc/passwd'\nname = 'x'\n",
                "relative path",
            ),
            (
                "[[function]]\nfile = '/kernel/exit.c'\nname = 'x'\n",
                "relative path",
            ),
            (
                "[[function]]\nfile = 'kernel/exit.c'\nname = 'do exit'\n",
                "C identifier",
            ),
            (
                "[[function]]\nfile = 'a.c'\nname = 'x'\n[[function]]\nfile = 'a.c'\nname = 'x'\n",
                "twice",
            ),
            (
                "[[function]]\nfile = 'a.c'\nname = 'x'\nlines = 3\n",
                "unknown field",
            ),
        ] {
            let e = format!("{:#}", parse_wanted(bad).unwrap_err());
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("verify-ksrc-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join(STORE_DIR)).unwrap();
        d
    }

    fn put(root: &Path, x: &Extract) {
        let w = Wanted {
            file: x.file.clone(),
            name: x.name.clone(),
            also: vec![],
        };
        let p = root.join(STORE_DIR).join(w.rel_path(&x.kernel));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, x.to_text()).unwrap();
    }

    #[test]
    fn the_store_must_match_the_list_and_the_matrix() {
        let d = scratch("store");
        let ids = vec!["6.1".to_string(), "latest".to_string()];
        // No list: nothing wanted, nothing checked.
        assert!(Store::load(&d, &ids).unwrap().wanted.is_empty());
        std::fs::write(
            d.join(STORE_DIR).join(WANTED_FILE),
            "[[function]]\nfile = 'kernel/kthread.c'\nname = 'kthread_exit'\nalso = ['include/linux/kthread.h']\n",
        )
        .unwrap();
        let x = sample(true);
        put(&d, &x);
        let e = format!("{:#}", Store::load(&d, &ids).unwrap_err());
        assert!(
            e.contains("src/kernel-sources/latest/kernel/kthread.c/kthread_exit.c is missing (kernel latest, kernel/kthread.c kthread_exit); run `cargo run -p verify -- sources --update`"),
            "{e}"
        );
        let mut y = sample(false);
        y.kernel = "latest".into();
        y.version = "7.2.13-1".into();
        put(&d, &y);
        let store = Store::load(&d, &ids).unwrap();
        assert_eq!(store.of("kernel/kthread.c", "kthread_exit", &ids).len(), 2);
        // A kernel that left the matrix, an unwanted file, a header that lies.
        let e = format!("{:#}", Store::load(&d, &ids[..1]).unwrap_err());
        assert!(
            e.contains("src/kernel-sources/latest/kernel/kthread.c/kthread_exit.c is not wanted"),
            "{e}"
        );
        std::fs::write(
            d.join(STORE_DIR)
                .join("6.1/kernel/kthread.c/kthread_stop.c"),
            "x",
        )
        .unwrap();
        let mut z = sample(true);
        z.kernel = "5.10".into();
        std::fs::write(
            d.join(STORE_DIR)
                .join("latest/kernel/kthread.c/kthread_exit.c"),
            z.to_text(),
        )
        .unwrap();
        let e = format!("{:#}", Store::load(&d, &ids).unwrap_err());
        assert!(
            e.contains("6.1/kernel/kthread.c/kthread_stop.c is not wanted"),
            "{e}"
        );
        assert!(e.contains("its header says kernel 5.10"), "{e}");
        // A link is refused, not followed.
        std::fs::remove_file(
            d.join(STORE_DIR)
                .join("6.1/kernel/kthread.c/kthread_stop.c"),
        )
        .unwrap();
        put(&d, &y);
        std::os::unix::fs::symlink("/etc/passwd", d.join(STORE_DIR).join("6.1/evil")).unwrap();
        let e = format!("{:#}", Store::load(&d, &ids).unwrap_err());
        assert!(
            e.contains("6.1/evil is not a regular file or directory"),
            "{e}"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// An `[[api]]` wants an `api.toml` per kernel of the matrix, which
    /// must say what the list wants; one for a kernel gone is not wanted.
    #[test]
    fn the_api_tables_must_match_the_list_and_the_matrix() {
        let d = scratch("api");
        let ids = vec!["6.1".to_string(), "latest".to_string()];
        std::fs::write(
            d.join(STORE_DIR).join(WANTED_FILE),
            "[[api]]\nheader = 'include/linux/delay.h'\nnames = ['msleep', 'ssleep']\n",
        )
        .unwrap();
        let table = |id: &str, names: &[&str]| {
            let headers = vec![(
                "include/linux/delay.h".to_string(),
                Some((
                    "usr/src/x/include/linux/delay.h".to_string(),
                    "void msleep(unsigned int msecs);\nstatic inline void ssleep(unsigned int seconds)\n{\n\tmsleep(seconds * 1000);\n}\n".to_string(),
                )),
            )];
            let wanted = vec![api::WantedApi {
                header: "include/linux/delay.h".into(),
                names: names.iter().map(|n| n.to_string()).collect(),
                also: vec![],
            }];
            api::compute(
                id,
                "r",
                "v",
                &headers,
                "s",
                "0x1\tmsleep\tvmlinux\tEXPORT_SYMBOL\t\n",
                &wanted,
            )
            .unwrap()
            .to_text()
        };
        let put = |id: &str, text: String| {
            std::fs::create_dir_all(d.join(STORE_DIR).join(id)).unwrap();
            std::fs::write(d.join(STORE_DIR).join(id).join(api::API_FILE), text).unwrap();
        };
        put("6.1", table("6.1", &["msleep", "ssleep"]));
        let e = format!("{:#}", Store::load(&d, &ids).unwrap_err());
        assert!(e.contains("src/kernel-sources/latest/api.toml is missing (the API table of kernel latest); run `cargo run -p verify -- sources --update --api-only --kernel latest` and commit it"), "{e}");
        put("latest", table("latest", &["msleep"]));
        let e = format!("{:#}", Store::load(&d, &ids).unwrap_err());
        assert!(e.contains("src/kernel-sources/latest/api.toml: `ssleep` ([[api]] `include/linux/delay.h`) is missing"), "{e}");
        put("latest", table("latest", &["msleep", "ssleep"]));
        let store = Store::load(&d, &ids).unwrap();
        assert_eq!(store.api.len(), 2);
        assert_eq!(
            store.api[1]
                .row("include/linux/delay.h", "ssleep")
                .unwrap()
                .kind,
            api::ApiKind::Inline
        );
        let e = format!("{:#}", Store::load(&d, &ids[..1]).unwrap_err());
        assert!(
            e.contains("src/kernel-sources/latest/api.toml is not wanted"),
            "{e}"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn extracts_of_another_kernel_than_the_roots_are_stale() {
        let mut store = Store::default();
        store.extracts.push(sample(true));
        let same = (
            "6.1".to_string(),
            "6.1.0-57-cloud-amd64".to_string(),
            "6.1.192-3".to_string(),
        );
        assert!(stale(&store, std::slice::from_ref(&same)).is_empty());
        let moved = (
            "6.1".to_string(),
            "6.1.0-58-cloud-amd64".to_string(),
            "6.1.193-1".to_string(),
        );
        let p = stale(&store, &[moved]);
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("are from linux-source-6.1 6.1.192-3 (release 6.1.0-57-cloud-amd64), but its build root now has linux-image-6.1.0-58-cloud-amd64 6.1.193-1; run `cargo run -p verify -- sources --update --kernel 6.1`"), "{}", p[0]);
    }

    #[test]
    fn the_image_version_is_read_from_the_roots_dpkg_status() {
        let d = scratch("dpkg");
        std::fs::create_dir_all(d.join("var/lib/dpkg")).unwrap();
        std::fs::write(
            d.join("var/lib/dpkg/status"),
            "Package: linux-image-cloud-amd64\nVersion: 6.1.192-3\n\nPackage: linux-image-6.1.0-57-cloud-amd64\nSource: linux-signed-amd64 (6.1.192+3)\nVersion: 6.1.192-3\n",
        )
        .unwrap();
        assert_eq!(
            image_version(&d, "6.1.0-57-cloud-amd64").unwrap(),
            "6.1.192-3"
        );
        assert!(image_version(&d, "6.1.0-58-cloud-amd64").is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
