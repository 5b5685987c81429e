//! The book's directives in chapter text: `{{#kmod NAME}}`, `{{#sim NAME}}`,
//! `{{#kernels}}`, `{{#measure NAME KEY}}`, `{{#source FILE FUNCTION}}` and
//! `{{#api}}`.
//!
//! A directive written with a backslash in front (`\{{#kmod NAME}}`) is text,
//! not a directive: the backslash is dropped and the rest is shown as is (the
//! same escape mdBook uses for `{{#include}}`).

use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// What a directive asks for; [`Display`](std::fmt::Display) writes it back as
/// the chapter would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `{{#kmod NAME}}`: a listing of `kmods/NAME/` with its verified output.
    Kmod(String),
    /// `{{#sim NAME}}`: the reachable outcomes of simulation `NAME` of
    /// `examples/`, one witness schedule each.
    Sim(String),
    /// `{{#kernels}}`: the kernel matrix from `kernels.toml`.
    Kernels,
    /// `{{#measure NAME KEY}}`: the values of measure `KEY` of listing
    /// `NAME` in each kernel's accepted run (`crate::measure`).
    Measure(String, String),
    /// `{{#source FILE FUNCTION}}`: function (or macro) `FUNCTION` of kernel
    /// file `FILE` as each kernel of the matrix has it, from the extracts of
    /// `src/kernel-sources/` (`crate::kernel_source`).
    Source(String, String),
    /// `{{#api}}`: the module API table, every function of `wanted.toml`'s
    /// `[[api]]` headers × kernel, from `src/kernel-sources/<kernel>/api.toml`
    /// (`crate::kernel_source::api`), each with the chapters whose listings
    /// call it.
    Api,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kind::Kmod(name) => write!(f, "{{{{#kmod {name}}}}}"),
            Kind::Sim(name) => write!(f, "{{{{#sim {name}}}}}"),
            Kind::Kernels => f.write_str("{{#kernels}}"),
            Kind::Measure(name, key) => write!(f, "{{{{#measure {name} {key}}}}}"),
            Kind::Source(file, name) => write!(f, "{{{{#source {file} {name}}}}}"),
            Kind::Api => f.write_str("{{#api}}"),
        }
    }
}

/// One `{{#…}}` directive found in a chapter's text ([`find`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// What it asks for, or why it is malformed.
    pub kind: Result<Kind, String>,
    /// Bytes of the whole `{{#…}}` in the text (with the escaping backslash, if any).
    pub span: Range<usize>,
    /// 1-based line of the directive in the text.
    pub line: usize,
    /// Written as `\{{#…}}`: shown literally, not expanded.
    pub escaped: bool,
}

static DIRECTIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\\)?\{\{#([A-Za-z0-9_-]+)([^}]*)\}\}").unwrap());

/// The directives mdBook's own `links` preprocessor expands; left to it.
pub const MDBOOK_DIRECTIVES: &[&str] = &["include", "rustdoc_include", "playground", "title"];

/// This book's directives, for the message about an unknown one.
pub const BOOK_DIRECTIVES: &[&str] = &["kmod", "sim", "kernels", "measure", "source", "api"];

/// Every directive in `text`, in order: this book's, and any other
/// `{{#NAME …}}` that is not mdBook's own (a typo such as `{{#kmd x}}`,
/// which mdBook would print as it is), as an error.
pub fn find(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    for caps in DIRECTIVE.captures_iter(text) {
        if MDBOOK_DIRECTIVES.contains(&&caps[2]) {
            continue;
        }
        let whole = caps.get(0).unwrap();
        let escaped = caps.get(1).is_some();
        let args: Vec<&str> = caps[3].split_whitespace().collect();
        let kind = match (&caps[2], args.as_slice()) {
            ("kmod", [name]) => Ok(Kind::Kmod(name.to_string())),
            ("kmod", []) => Err(
                "{{#kmod}} needs the listing's name: {{#kmod NAME}}, NAME a directory under kmods/"
                    .to_string(),
            ),
            ("kmod", _) => Err(format!(
                "{{{{#kmod{}}}}}: takes one name, the directory under kmods/",
                &caps[3]
            )),
            ("sim", [name]) => Ok(Kind::Sim(name.to_string())),
            ("sim", []) => Err(
                "{{#sim}} needs the simulation's name: {{#sim NAME}}, NAME a binary of examples/"
                    .to_string(),
            ),
            ("sim", _) => Err(format!(
                "{{{{#sim{}}}}}: takes one name, a binary of examples/",
                &caps[3]
            )),
            ("kernels", []) => Ok(Kind::Kernels),
            ("measure", [name, key]) => Ok(Kind::Measure(name.to_string(), key.to_string())),
            ("measure", _) => Err(format!(
                "{{{{#measure{}}}}}: takes two names, {{{{#measure NAME KEY}}}}: the directory under kmods/ and a `name` of its [[measure]]s",
                &caps[3]
            )),
            ("source", [file, name]) => Ok(Kind::Source(file.to_string(), name.to_string())),
            ("source", _) => Err(format!(
                "{{{{#source{}}}}}: takes a kernel file and a function, {{{{#source FILE FUNCTION}}}}, e.g. {{{{#source kernel/kthread.c kthread_stop}}}}",
                &caps[3]
            )),
            ("api", []) => Ok(Kind::Api),
            ("api", _) => Err(format!(
                "{{{{#api{}}}}}: takes no arguments (the functions are the [[api]] tables of src/kernel-sources/wanted.toml)",
                &caps[3]
            )),
            ("kernels", _) => Err(format!("{{{{#kernels{}}}}}: takes no arguments", &caps[3])),
            (other, _) => Err(format!(
                "{{{{#{other}}}}}: no such directive; this book's are {}, and mdBook's {} (write `\\{{{{#…}}}}` to show one as text)",
                BOOK_DIRECTIVES.join(", "),
                MDBOOK_DIRECTIVES.join(", ")
            )),
        };
        out.push(Directive {
            kind,
            span: whole.range(),
            line: line_of(text, whole.start()),
            escaped,
        });
    }
    out
}

/// The 1-based line of byte offset `at` of `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// The directives that are expanded (not escaped), for the parity check.
pub fn active(text: &str) -> Vec<Directive> {
    find(text).into_iter().filter(|d| !d.escaped).collect()
}

/// `text` with every directive replaced by `expand(directive)`, and escaped
/// ones unescaped. Errors are collected, not stopped at: each names its line.
pub fn expand(
    text: &str,
    mut expand: impl FnMut(&Kind) -> Result<String, String>,
) -> (String, Vec<(usize, String)>) {
    let mut out = String::with_capacity(text.len());
    let mut errors = Vec::new();
    let mut at = 0;
    for d in find(text) {
        out.push_str(&text[at..d.span.start]);
        at = d.span.end;
        if d.escaped {
            out.push_str(&text[d.span.start + 1..d.span.end]);
            continue;
        }
        match d.kind.as_ref().map_err(Clone::clone).and_then(&mut expand) {
            Ok(md) => out.push_str(&md),
            Err(e) => {
                errors.push((d.line, e));
                out.push_str(&text[d.span.clone()]);
            }
        }
    }
    out.push_str(&text[at..]);
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_lines_and_escapes() {
        let text = "# T\n\n{{#kmod stop_after_run}}\n\ntext \\{{#kmod NAME}} and {{#kernels}}\n{{#kmod}}\n{{#kmod a b}}\n";
        let d = find(text);
        assert_eq!(d.len(), 5);
        assert_eq!(d[0].kind, Ok(Kind::Kmod("stop_after_run".into())));
        assert_eq!(d[0].line, 3);
        assert!(d[1].escaped && d[1].line == 5);
        assert_eq!(d[2].kind, Ok(Kind::Kernels));
        assert!(d[3]
            .kind
            .as_ref()
            .unwrap_err()
            .contains("needs the listing's name"));
        assert!(d[4].kind.as_ref().unwrap_err().contains("takes one name"));
        assert_eq!(active(text).len(), 4);
    }

    #[test]
    fn expands_and_collects_errors_with_lines() {
        let text = "a\n{{#kmod x}}\nb \\{{#kmod y}}\n{{#kmod z}}\n";
        let (out, errors) = expand(text, |k| match k {
            Kind::Kmod(n) if n == "x" => Ok("X!".into()),
            other => Err(format!("no {other}")),
        });
        assert_eq!(out, "a\nX!\nb {{#kmod y}}\n{{#kmod z}}\n");
        assert_eq!(errors, vec![(4, "no {{#kmod z}}".to_string())]);
    }

    #[test]
    fn finds_simulations() {
        let d = find("{{#sim stop_after_run}}\n{{#sim}} {{#sim a b}} \\{{#sim x}} {{#simulate y}}");
        assert_eq!(d.len(), 5);
        assert!(d[4]
            .kind
            .as_ref()
            .unwrap_err()
            .contains("no such directive"));
        assert_eq!(d[0].kind, Ok(Kind::Sim("stop_after_run".into())));
        assert_eq!(
            d[0].kind.as_ref().unwrap().to_string(),
            "{{#sim stop_after_run}}"
        );
        assert!(d[1]
            .kind
            .as_ref()
            .unwrap_err()
            .contains("needs the simulation's name"));
        assert!(d[2].kind.as_ref().unwrap_err().contains("takes one name"));
        assert!(d[3].escaped);
    }

    #[test]
    fn finds_measures() {
        let d = find("{{#measure stop_race_count ran}}\n{{#measure stop_race_count}} \\{{#measure a b}} {{#measured x y}}");
        assert_eq!(d.len(), 4);
        assert!(d[3]
            .kind
            .as_ref()
            .unwrap_err()
            .starts_with("{{#measured}}: no such directive"));
        assert_eq!(
            d[0].kind,
            Ok(Kind::Measure("stop_race_count".into(), "ran".into()))
        );
        assert_eq!(
            d[0].kind.as_ref().unwrap().to_string(),
            "{{#measure stop_race_count ran}}"
        );
        assert!(d[1].kind.as_ref().unwrap_err().contains("takes two names"));
        assert!(d[2].escaped && d[2].line == 2);
    }

    #[test]
    fn finds_kernel_sources() {
        let d = find("{{#source kernel/kthread.c kthread_stop}}\n{{#source kthread_stop}} \\{{#source a b}} {{#sources x y}}");
        assert_eq!(d.len(), 4);
        assert!(d[3]
            .kind
            .as_ref()
            .unwrap_err()
            .contains("no such directive"));
        assert_eq!(
            d[0].kind,
            Ok(Kind::Source(
                "kernel/kthread.c".into(),
                "kthread_stop".into()
            ))
        );
        assert_eq!(
            d[0].kind.as_ref().unwrap().to_string(),
            "{{#source kernel/kthread.c kthread_stop}}"
        );
        assert!(d[1]
            .kind
            .as_ref()
            .unwrap_err()
            .contains("takes a kernel file and a function"));
        assert!(d[2].escaped && d[2].line == 2);
    }

    #[test]
    fn finds_the_api_table() {
        let d = find("{{#api}}\n{{#api kthread_stop}} \\{{#api}} {{#apis}}");
        assert_eq!(d.len(), 4);
        assert!(d[3]
            .kind
            .as_ref()
            .unwrap_err()
            .contains("no such directive"));
        assert_eq!(d[0].kind, Ok(Kind::Api));
        assert_eq!(d[0].kind.as_ref().unwrap().to_string(), "{{#api}}");
        assert!(d[1]
            .kind
            .as_ref()
            .unwrap_err()
            .contains("takes no arguments"));
        assert!(d[2].escaped && d[2].line == 2);
    }

    #[test]
    fn other_mdbook_directives_are_left_alone() {
        assert!(find("{{#include x.c}} {{#rustdoc_include a}} {{#title T}}").is_empty());
        // Anything else is most likely a typo of one of ours.
        let typo = find("{{#kmd x}}\n{{#kmodule}}");
        assert_eq!(typo.len(), 2);
        let e = typo[0].kind.clone().unwrap_err();
        assert!(
            e.starts_with("{{#kmd}}: no such directive; this book's are kmod, sim"),
            "{e}"
        );
        assert_eq!(typo[1].line, 2);
    }
}
