//! `{{#api}}`: the module API table. One table per `[[api]]` of
//! `src/kernel-sources/wanted.toml` (the header-wide ones and the named
//! helpers, in its order), one row per function, one column per kernel of
//! the matrix saying what a module gets there (from that kernel's
//! `api.toml`, [`crate::kernel_source::api`]), and a last column linking
//! the chapters whose listings call the function — or saying that none
//! does.
//!
//! A listing calls a function when one of its C files (`.c`, `.h`: the
//! files its page shows) has `NAME(` outside comments and string literals;
//! its chapter is the one that shows it with `{{#kmod NAME}}`. The links are
//! relative Markdown links to the chapters' `.md` files, which mdBook makes
//! `.html` links and the book's link check follows; a numbered chapter's
//! link reads as its number, its title the link's title.
//!
//! Everything from files (names, headers, namespaces, chapter titles) goes
//! through [`html_escape`]; a link target is percent-encoded past
//! `[A-Za-z0-9._/-]`.

use super::html_escape;
use crate::kernel_source::api::{ApiKind, ApiTable, Row, WantedApi, API_UPDATE_COMMAND};
use crate::kernel_source::cut::code_only;
use crate::kernel_source::{Store, STORE_DIR, WANTED_FILE};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// A chapter of one language's book and the listings it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    /// The chapter file, relative to `src/<lang>/`.
    pub path: PathBuf,
    /// Its title, as `SUMMARY.md` gives it.
    pub title: String,
    /// Its number in the book (`4`, `4.2`), for a numbered chapter: the
    /// link's text, so that the column stays narrow (the title is the
    /// link's tooltip); an unnumbered chapter is linked by its title.
    pub number: Option<String>,
    /// The listings it shows with `{{#kmod NAME}}`, in order.
    pub listings: Vec<String>,
}

/// A listing's C code: its `.c` and `.h` files, comments and literals blanked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The directory name under `kmods/`.
    pub name: String,
    /// Its files' code, one after the other.
    pub code: String,
}

impl Listing {
    /// A listing from its files' texts (comments and literals are blanked here).
    pub fn new(name: &str, texts: &[&str]) -> Listing {
        Listing {
            name: name.to_string(),
            code: texts
                .iter()
                .map(|t| code_only(t))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// Whether the code calls `name` (`name(`, spaces allowed before the
    /// parenthesis) or passes it as an argument, as a thread function is
    /// (`kthread_run(kthread_worker_fn, &w, …)`: `(` or `,` before it, `,`
    /// or `)` after it); `name` a whole identifier.
    pub fn calls(&self, name: &str) -> bool {
        let b = self.code.as_bytes();
        let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let space: &[char] = &[' ', '\t', '\n'];
        self.code.match_indices(name).any(|(at, _)| {
            if at > 0 && ident(b[at - 1]) {
                return false;
            }
            let after = self.code[at + name.len()..].trim_start_matches(space);
            let before = self.code[..at].trim_end_matches(space);
            after.starts_with('(')
                || (before.ends_with(['(', ',']) && after.starts_with([',', ')']))
        })
    }
}

/// The words of the table, per language.
#[derive(Debug, Clone, Copy)]
struct Words {
    function: &'static str,
    shown_in: &'static str,
    not_shown: &'static str,
    /// Before a header-wide table: "Every function of {h}:".
    whole: &'static str,
    /// Before a table of some names: "From {h}:".
    some: &'static str,
    /// The same with other headers looked in: "From {h} (or {also}):".
    some_also: &'static str,
    exported_gpl: &'static str,
    exported: &'static str,
    inline: &'static str,
    macro_: &'static str,
    declared: &'static str,
    absent: &'static str,
    /// After an export's word: " (namespace {ns})".
    namespace: &'static str,
    /// A function found in another header than the table's: "in {h}".
    in_header: &'static str,
    /// A cell's tooltip: "{h}, line {n}".
    at_line: &'static str,
    sep: &'static str,
}

impl Words {
    fn for_language(id: &str) -> Words {
        if id.starts_with("zh") {
            Words {
                function: "函数",
                shown_in: "示例所在章节",
                not_shown: "尚无示例",
                whole: "{h} 的全部函数：",
                some: "取自 {h}：",
                some_also: "取自 {h}（或 {also}）：",
                exported_gpl: "导出（GPL）",
                exported: "导出",
                inline: "内联",
                macro_: "宏",
                declared: "未导出",
                absent: "无",
                namespace: "（命名空间 {ns}）",
                in_header: "位于 {h}",
                at_line: "{h} 第 {n} 行",
                sep: "、",
            }
        } else {
            Words {
                function: "Function",
                shown_in: "Shown in",
                not_shown: "not demonstrated",
                whole: "Every function of {h}:",
                some: "From {h}:",
                some_also: "From {h} (or {also}):",
                exported_gpl: "GPL export",
                exported: "export",
                inline: "inline",
                macro_: "macro",
                declared: "not exported",
                absent: "absent",
                namespace: " (namespace {ns})",
                in_header: "in {h}",
                at_line: "{h}, line {n}",
                sep: ", ",
            }
        }
    }

    fn kind(&self, k: ApiKind) -> &'static str {
        match k {
            ApiKind::ExportedGpl => self.exported_gpl,
            ApiKind::Exported => self.exported,
            ApiKind::Inline => self.inline,
            ApiKind::Macro => self.macro_,
            ApiKind::Declared => self.declared,
            ApiKind::Absent => self.absent,
        }
    }
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", html_escape(s))
}

/// The names of a header-wide `[[api]]` over every kernel: the newest
/// kernel's order, each name only older kernels have placed after the name
/// it follows there.
fn merged_names(tables: &[&ApiTable], wanted: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tables.iter().rev() {
        let mut after: Option<usize> = None;
        for r in t.rows.iter().filter(|r| r.wanted == wanted) {
            match out.iter().position(|n| n == &r.name) {
                Some(i) => after = Some(i),
                None => {
                    let at = after.map_or(0, |i| i + 1);
                    out.insert(at, r.name.clone());
                    after = Some(at);
                }
            }
        }
    }
    out
}

/// `to` (a chapter, relative to the language's root) relative to the
/// directory of `page`, percent-encoded past `[A-Za-z0-9._/-]`.
fn link(page: &Path, to: &Path) -> String {
    let depth = page.components().count().saturating_sub(1);
    let to: Vec<String> = to
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let mut out = "../".repeat(depth);
    for b in to.join("/").bytes() {
        if b.is_ascii_alphanumeric() || b"._/-".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The Markdown of `{{#api}}` on page `page` (relative to `src/<lang>/`)
/// of language `lang`, for the kernels `kernel_ids` (the matrix, in order).
/// `chapters` are the book's, in order; `listings` every listing's code.
/// Errors: `wanted.toml` has no `[[api]]`, a kernel has no table (both with
/// the fix).
pub fn render(
    store: &Store,
    kernel_ids: &[String],
    chapters: &[Chapter],
    listings: &[Listing],
    page: &Path,
    lang: &str,
) -> Result<String, String> {
    let w = Words::for_language(lang);
    if store.api_wanted.is_empty() {
        return Err(format!(
            "{STORE_DIR}/{WANTED_FILE} has no [[api]] table; add one (`header = \"include/linux/kthread.h\"`), run `{API_UPDATE_COMMAND}` and commit the api.toml files"
        ));
    }
    let mut tables: Vec<&ApiTable> = Vec::new();
    for id in kernel_ids {
        match store.api.iter().find(|t| &t.kernel == id) {
            Some(t) => tables.push(t),
            None => {
                return Err(format!(
                    "kernel {id} has no API table ({STORE_DIR}/{id}/api.toml); run `{API_UPDATE_COMMAND} --kernel {id}` and commit it"
                ))
            }
        }
    }
    let mut md = String::from("<div class=\"api-table\">\n\n");
    let mut ids = BTreeSet::new();
    for a in &store.api_wanted {
        md.push_str(&caption(a, &w));
        let _ = write!(md, "| {} |", w.function);
        for id in kernel_ids {
            let _ = write!(md, " {} |", html_escape(id));
        }
        let _ = writeln!(md, " {} |", w.shown_in);
        md.push_str(&"|---".repeat(kernel_ids.len() + 2));
        md.push_str("|\n");
        let names = if a.whole() {
            merged_names(&tables, &a.header)
        } else {
            a.names.clone()
        };
        for name in &names {
            let rows: Vec<Option<&Row>> = tables.iter().map(|t| t.row(&a.header, name)).collect();
            md.push_str(&row(a, name, &rows, chapters, listings, page, &w, &mut ids));
        }
        md.push('\n');
    }
    md.push_str("</div>\n");
    Ok(md)
}

/// "Every function of include/linux/kthread.h:" and the like, as a paragraph.
fn caption(a: &WantedApi, w: &Words) -> String {
    let text = if a.whole() {
        w.whole.replace("{h}", &code(&a.header))
    } else if a.also.is_empty() {
        w.some.replace("{h}", &code(&a.header))
    } else {
        w.some_also.replace("{h}", &code(&a.header)).replace(
            "{also}",
            &a.also
                .iter()
                .map(|h| code(h))
                .collect::<Vec<_>>()
                .join(w.sep),
        )
    };
    format!("<p class=\"api-header\">{text}</p>\n\n")
}

/// One function's line of the table.
#[allow(clippy::too_many_arguments)]
fn row(
    a: &WantedApi,
    name: &str,
    rows: &[Option<&Row>],
    chapters: &[Chapter],
    listings: &[Listing],
    page: &Path,
    w: &Words,
    ids: &mut BTreeSet<String>,
) -> String {
    // A function found in another header than the table's: said once in its
    // first cell when every kernel has it there, else in each kernel's cell.
    let elsewhere: BTreeSet<&str> = rows
        .iter()
        .flatten()
        .filter_map(|r| r.header.as_deref())
        .collect();
    let one_other = match elsewhere.iter().collect::<Vec<_>>().as_slice() {
        [h] if **h != a.header => Some(**h),
        _ => None,
    };
    let id = if ids.insert(name.to_string()) {
        format!(" id=\"api-{}\"", html_escape(name))
    } else {
        String::new()
    };
    let mut line = format!("| <code{id}>{}</code>", html_escape(name));
    if let Some(h) = one_other {
        let _ = write!(
            line,
            "<br><small>{}</small>",
            w.in_header.replace("{h}", &code(h))
        );
    }
    line.push_str(" |");
    for r in rows {
        let kind = r.map_or(ApiKind::Absent, |r| r.kind);
        let mut text = html_escape(w.kind(kind));
        let mut title = String::new();
        if let Some(r) = r {
            if !r.namespace.is_empty() {
                text.push_str(&w.namespace.replace("{ns}", &code(&r.namespace)));
            }
            if let (Some(h), Some(n)) = (&r.header, r.line) {
                title = format!(
                    " title=\"{}\"",
                    html_escape(&w.at_line.replace("{h}", h).replace("{n}", &n.to_string()))
                );
                if one_other.is_none() && h != &a.header {
                    let _ = write!(
                        text,
                        "<br><small>{}</small>",
                        w.in_header.replace("{h}", &code(h))
                    );
                }
            }
        }
        let _ = write!(
            line,
            " <span class=\"api-{}\"{title}>{text}</span> |",
            kind.word()
        );
    }
    // The chapters whose listings call it, in book order.
    let callers: BTreeSet<&str> = listings
        .iter()
        .filter(|l| l.calls(name))
        .map(|l| l.name.as_str())
        .collect();
    let shown: Vec<String> = chapters
        .iter()
        .filter(|c| c.listings.iter().any(|l| callers.contains(l.as_str())))
        .map(|c| {
            let (text, title) = match &c.number {
                Some(n) => (n.clone(), format!("{n}. {}", c.title)),
                None => (c.title.clone(), c.title.clone()),
            };
            format!(
                "[{}]({} \"{}\")",
                html_escape(&text),
                link(page, &c.path),
                html_escape(&title)
            )
        })
        .collect();
    if shown.is_empty() {
        let _ = writeln!(
            line,
            " <span class=\"api-not-shown\">{}</span> |",
            w.not_shown
        );
    } else {
        let _ = writeln!(line, " {} |", shown.join(w.sep));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel_source::api::scan::Form;
    use crate::kernel_source::api::HeaderAt;

    fn r(name: &str, wanted: &str, header: Option<&str>, kind: ApiKind) -> Row {
        Row {
            name: name.into(),
            wanted: wanted.into(),
            header: header.map(String::from),
            line: header.map(|_| 10),
            forms: if header.is_some() {
                vec![Form::Declared]
            } else {
                vec![]
            },
            kind,
            namespace: String::new(),
        }
    }

    const KT: &str = "include/linux/kthread.h";
    const SIG: &str = "include/linux/sched/signal.h";

    fn table(kernel: &str, rows: Vec<Row>) -> ApiTable {
        ApiTable {
            kernel: kernel.into(),
            release: format!("{kernel}.0-1-cloud-amd64"),
            version: format!("{kernel}.1-1"),
            symvers: "usr/src/x/Module.symvers".into(),
            headers: vec![HeaderAt {
                path: KT.into(),
                at: None,
            }],
            rows,
        }
    }

    fn store() -> Store {
        use ApiKind::*;
        let sig = Some("include/linux/signal.h");
        Store {
            api_wanted: vec![
                WantedApi {
                    header: KT.into(),
                    names: vec![],
                    also: vec![],
                },
                WantedApi {
                    header: SIG.into(),
                    names: vec!["allow_signal".into(), "flush_signals".into()],
                    also: vec!["include/linux/signal.h".into()],
                },
            ],
            api: vec![
                table(
                    "5.10",
                    vec![
                        r("kthread_create_on_node", KT, Some(KT), Exported),
                        r("kthread_stop", KT, Some(KT), Exported),
                        r("__kthread_should_park", KT, Some(KT), ExportedGpl),
                        r("kthread_exit", KT, Some(KT), Declared),
                        r("allow_signal", SIG, sig, Inline),
                        r("flush_signals", SIG, Some(SIG), Exported),
                    ],
                ),
                table(
                    "6.1",
                    vec![
                        r("kthread_create_on_node", KT, Some(KT), Exported),
                        r("kthread_run_on_cpu", KT, Some(KT), Inline),
                        r("kthread_stop", KT, Some(KT), Exported),
                        r("kthread_exit", KT, Some(KT), Macro),
                        r("allow_signal", SIG, sig, Inline),
                        r("flush_signals", SIG, sig, Exported),
                    ],
                ),
            ],
            ..Store::default()
        }
    }

    fn ids() -> Vec<String> {
        vec!["5.10".into(), "6.1".into()]
    }

    fn chapters() -> Vec<Chapter> {
        vec![
            Chapter {
                path: "creating-and-stopping.md".into(),
                title: "Creating and stopping".into(),
                number: Some("1".into()),
                listings: vec!["stop_after_run".into()],
            },
            Chapter {
                path: "part/exit.md".into(),
                title: "Exit".into(),
                number: None,
                listings: vec!["calls_kthread_exit".into(), "stop_after_run".into()],
            },
        ]
    }

    fn listings() -> Vec<Listing> {
        vec![
            Listing::new(
                "stop_after_run",
                &["/* kthread_exit(0) is not called */\nstatic int f(void)\n{\n\tpr_info(\"flush_signals()\");\n\treturn kthread_stop (t);\n}\n"],
            ),
            Listing::new("calls_kthread_exit", &["\tkthread_exit(0);\n\tmy_kthread_stop(t);\n"]),
            Listing::new("unshown", &["allow_signal(SIGTERM);\n"]),
        ]
    }

    #[test]
    fn calls_are_whole_names_outside_comments_and_strings() {
        let l = listings();
        assert!(l[0].calls("kthread_stop"));
        assert!(!l[0].calls("kthread_exit"), "only in a comment");
        assert!(!l[0].calls("flush_signals"), "only in a string");
        assert!(!l[0].calls("kthread"), "part of a name");
        assert!(l[1].calls("kthread_exit"));
        let passed = Listing::new(
            "passed",
            &["t = kthread_run(kthread_worker_fn, &w, \"w\");\nx = my_fn + kthread_data;\n"],
        );
        assert!(
            passed.calls("kthread_worker_fn"),
            "a thread function passed"
        );
        assert!(!passed.calls("kthread_data"), "an operand is not a use");
        assert!(
            !l[1].calls("kthread_stop"),
            "my_kthread_stop is another function"
        );
    }

    #[test]
    fn rows_kernels_links_and_the_undemonstrated() {
        let md = render(
            &store(),
            &ids(),
            &chapters(),
            &listings(),
            Path::new("api-table.md"),
            "en",
        )
        .unwrap();
        assert!(md.contains("<p class=\"api-header\">Every function of <code>include/linux/kthread.h</code>:</p>"), "{md}");
        assert!(md.contains("<p class=\"api-header\">From <code>include/linux/sched/signal.h</code> (or <code>include/linux/signal.h</code>):</p>"), "{md}");
        assert!(
            md.contains("| Function | 5.10 | 6.1 | Shown in |\n|---|---|---|---|\n"),
            "{md}"
        );
        // The newest kernel's order, an older kernel's name after the one it follows.
        let order: Vec<usize> = [
            "kthread_create_on_node",
            "kthread_run_on_cpu",
            "kthread_stop",
            "__kthread_should_park",
            "kthread_exit",
            "allow_signal",
            "flush_signals",
        ]
        .iter()
        .map(|n| {
            md.find(&format!("{}</code>", html_escape(n)))
                .unwrap_or_else(|| panic!("{n}: {md}"))
        })
        .collect();
        assert!(order.windows(2).all(|p| p[0] < p[1]), "{order:?}\n{md}");
        let line = |name: &str| {
            md.lines()
                .find(|l| l.contains(&format!(">{}</code>", html_escape(name))))
                .unwrap()
                .to_string()
        };
        let stop = line("kthread_stop");
        assert!(stop.contains("<span class=\"api-exported\" title=\"include/linux/kthread.h, line 10\">export</span>"), "{stop}");
        assert!(stop.ends_with(" [1](creating-and-stopping.md \"1. Creating and stopping\"), [Exit](part/exit.md \"Exit\") |"), "{stop}");
        let exit = line("kthread_exit");
        assert!(
            exit.contains(">not exported</span> | <span class=\"api-macro\""),
            "{exit}"
        );
        assert!(exit.ends_with(" [Exit](part/exit.md \"Exit\") |"), "{exit}");
        // Absent on 5.10: no row there.
        let on_cpu = line("kthread_run_on_cpu");
        assert!(
            on_cpu
                .contains("<span class=\"api-absent\">absent</span> | <span class=\"api-inline\""),
            "{on_cpu}"
        );
        assert!(
            on_cpu.ends_with("<span class=\"api-not-shown\">not demonstrated</span> |"),
            "{on_cpu}"
        );
        // A listing no chapter shows does not demonstrate.
        let allow = line("allow_signal");
        assert!(allow.contains("not demonstrated"), "{allow}");
        // Found in another header on every kernel: said once; on some, per cell.
        assert!(
            allow.contains("<br><small>in <code>include/linux/signal.h</code></small> |"),
            "{allow}"
        );
        let flush = line("flush_signals");
        assert_eq!(
            flush
                .matches("in <code>include/linux/signal.h</code>")
                .count(),
            1,
            "{flush}"
        );
        assert!(
            flush
                .contains("export<br><small>in <code>include/linux/signal.h</code></small></span>"),
            "{flush}"
        );
        // Links are relative to the page.
        let deep = render(
            &store(),
            &ids(),
            &chapters(),
            &listings(),
            Path::new("appendix/api.md"),
            "en",
        )
        .unwrap();
        assert!(deep.contains("[Exit](../part/exit.md \"Exit\")"), "{deep}");
    }

    #[test]
    fn chinese_words() {
        let md = render(
            &store(),
            &ids(),
            &chapters(),
            &listings(),
            Path::new("api-table.md"),
            "zh",
        )
        .unwrap();
        for w in [
            "| 函数 | 5.10 | 6.1 | 示例所在章节 |",
            "导出（GPL）",
            ">导出<",
            ">内联<",
            ">宏<",
            ">未导出<",
            ">无<",
            "尚无示例",
            "的全部函数：",
            "取自 ",
            "位于 <code>",
            "第 10 行",
        ] {
            assert!(md.contains(w), "{w}: {md}");
        }
    }

    #[test]
    fn what_is_missing_is_named() {
        let e = render(&Store::default(), &ids(), &[], &[], Path::new("a.md"), "en").unwrap_err();
        assert!(
            e.contains("src/kernel-sources/wanted.toml has no [[api]] table"),
            "{e}"
        );
        let mut ids = ids();
        ids.push("6.12".into());
        let e = render(&store(), &ids, &[], &[], Path::new("a.md"), "en").unwrap_err();
        assert!(e.contains("kernel 6.12 has no API table (src/kernel-sources/6.12/api.toml); run `cargo run -p verify -- sources --update --api-only --kernel 6.12`"), "{e}");
    }

    /// Names, headers, namespaces and chapter titles come from files: none
    /// of it reaches the page as markup, and a link cannot leave its target.
    #[test]
    fn hostile_text_is_escaped() {
        let mut s = store();
        let evil = "<img src=x onerror=alert(1)>[x](javascript:alert(2))|`{{#include /etc/passwd}}";
        s.api[1].rows[0].namespace = evil.into();
        s.api[1].rows[0].header = Some(evil.into());
        s.api_wanted[1].also = vec![evil.into()];
        s.api_wanted[1].names.push(evil.into());
        let mut ch = chapters();
        ch[0].title = evil.into();
        ch[0].number = Some(evil.into());
        ch[0].path = "x\" onclick=\"alert(3) (y).md".into();
        let md = render(
            &s,
            &ids(),
            &ch,
            &listings(),
            Path::new("api-table.md"),
            "en",
        )
        .unwrap();
        for raw in ["<img", "](javascript", "{{", "`", "\" onclick", "(y)"] {
            assert!(!md.contains(raw), "`{raw}` reached the page: {md}");
        }
        assert!(
            md.contains("(x%22%20onclick%3D%22alert%283%29%20%28y%29.md \"&lt;img"),
            "{md}"
        );
        // Each table row is one line with as many cells as the header.
        for l in md.lines().filter(|l| l.starts_with("| <code")) {
            assert_eq!(l.matches(" |").count(), 4, "{l}");
        }
    }
}
