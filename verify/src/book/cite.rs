//! What a chapter cites must exist, in every language: checked on every
//! build by the preprocessor, each problem named with its file and line.
//!
//! The directives (`{{#kmod}}`, `{{#sim}}`, `{{#measure}}`, `{{#source}}`)
//! are checked where they are expanded ([`super::preprocessor`]); this module
//! checks what the prose cites:
//!
//! - a claim id — "claim 4.1", "claims 1.2 and 1.3", "论断 3.2" — must be a
//!   row of the appendix [`CLAIMS_APPENDIX`] of the same language (its table's
//!   first column); likewise a fact id — "fact park.1", "事实 park.1" — a
//!   row of [`FACTS_APPENDIX`];
//! - each appendix's evidence — a link in its table whose text is a listing's
//!   name, such as `[stop_race](stopping-and-eintr.md)` — must name a listing
//!   under `kmods/` that the linked chapter shows with `{{#kmod NAME}}`;
//! - a link to a chapter (`[text](page.md)`, `page.md#anchor`) must lead to
//!   a chapter of the book (the link check of [`super::links`] checks links again in the built
//!   pages; this check names the chapter file and line, and needs no tool).
//!
//! Code blocks and code spans are not prose: nothing in them is checked.

use super::directive::{self, line_of, Kind};
use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

/// The appendix that holds every claim, one table row each, in each language.
pub const CLAIMS_APPENDIX: &str = "claims-checked.md";

/// One chapter as the check reads it.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    /// Relative to the language's source directory (`stopping-and-eintr.md`).
    pub path: &'a Path,
    /// Its Markdown, directives not expanded.
    pub text: &'a str,
}

/// Fenced code blocks, followed line by line: the one place that decides
/// which lines of a chapter are code (used here and by [`super::cjk`]).
#[derive(Debug, Default)]
pub struct Fences {
    /// The marker that opened the block the reader is in (```` ``` ````, `~~~`).
    open: Option<String>,
}

impl Fences {
    /// Whether `line`, the next line of the text, belongs to a fenced code
    /// block: its opening marker, its body or its closing marker.
    pub fn is_code(&mut self, line: &str) -> bool {
        let t = line.trim_start();
        let marker: String = t.chars().take_while(|&c| c == '`' || c == '~').collect();
        match &self.open {
            Some(f) => {
                if marker.len() >= f.len() && marker.starts_with(&f[..1]) {
                    self.open = None;
                }
                true
            }
            None if marker.len() >= 3 => {
                self.open = Some(marker);
                true
            }
            None => false,
        }
    }
}

/// `text` with fenced code blocks and code spans blanked (same length, same
/// line breaks), so that what they hold is not read as prose.
pub fn prose_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fences = Fences::default();
    for line in text.split_inclusive('\n') {
        let blank = |l: &str| {
            l.chars()
                .map(|c| if c == '\n' { c } else { ' ' })
                .collect::<String>()
        };
        match fences.is_code(line) {
            true => out.push_str(&blank(line)),
            false => {
                // Code spans: a run of backquotes to the next run of the same length.
                let b: Vec<char> = line.chars().collect();
                let mut i = 0;
                while i < b.len() {
                    if b[i] == '`' {
                        let n = b[i..].iter().take_while(|&&c| c == '`').count();
                        let mut j = i + n;
                        let mut close = None;
                        while j < b.len() {
                            if b[j] == '`' {
                                let m = b[j..].iter().take_while(|&&c| c == '`').count();
                                if m == n {
                                    close = Some(j);
                                    break;
                                }
                                j += m;
                            } else {
                                j += 1;
                            }
                        }
                        if let Some(c) = close {
                            for ch in &b[i..c + n] {
                                out.extend(std::iter::repeat_n(' ', ch.len_utf8()));
                            }
                            i = c + n;
                            continue;
                        }
                    }
                    out.push(b[i]);
                    i += 1;
                }
            }
        }
    }
    out
}

/// An appendix whose table rows the prose cites by id: `claim 4.1` (the
/// source articles' claims) or `fact park.2` (what the book checked beyond
/// them). Each row's evidence links are checked the same way.
struct Appendix {
    file: &'static str,
    /// The word in the messages.
    noun: &'static str,
    cite_en: &'static LazyLock<Regex>,
    cite_zh: &'static LazyLock<Regex>,
    id: &'static LazyLock<Regex>,
    row: &'static LazyLock<Regex>,
}

/// The appendix of the book's own checked facts, one row each, in each
/// language; ids are a chapter's short name and a number (`park.1`).
pub const FACTS_APPENDIX: &str = "facts-checked.md";

static CLAIM_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bclaims?\s+(\d+\.\d+(?:\s*(?:,|and|or|&|–|-)\s*\d+\.\d+)*)").unwrap()
});
static CLAIM_ZH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"论断\s*(\d+\.\d+(?:\s*(?:、|，|,|和|与|及|或|–|-)\s*\d+\.\d+)*)").unwrap()
});
static CLAIM_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+\.\d+").unwrap());
static ROW_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\|\s*(\d+\.\d+)\s*\|").unwrap());
static FACT_EN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bfacts?\s+([a-z]+\.\d+(?:\s*(?:,|and|or|&|–|-)\s*[a-z]+\.\d+)*)").unwrap()
});
static FACT_ZH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"事实\s*([A-Za-z]+\.\d+(?:\s*(?:、|，|,|和|与|及|或|–|-)\s*[A-Za-z]+\.\d+)*)")
        .unwrap()
});
// Upper case is matched so that `Park.9` is reported as written, not as `ark.9`.
static FACT_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z]+\.\d+").unwrap());
static FACT_ROW_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\|\s*([a-z]+\.\d+)\s*\|").unwrap());
static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]\n]*)\]\(([^)\s]+)(?:\s+[^)]*)?\)").unwrap());

static APPENDICES: [Appendix; 2] = [
    Appendix {
        file: CLAIMS_APPENDIX,
        noun: "claim",
        cite_en: &CLAIM_EN,
        cite_zh: &CLAIM_ZH,
        id: &CLAIM_ID,
        row: &ROW_ID,
    },
    Appendix {
        file: FACTS_APPENDIX,
        noun: "fact",
        cite_en: &FACT_EN,
        cite_zh: &FACT_ZH,
        id: &FACT_ID,
        row: &FACT_ROW_ID,
    },
];

/// The appendices whose rows both languages must have alike, by file name.
pub fn appendix_files() -> Vec<&'static str> {
    APPENDICES.iter().map(|a| a.file).collect()
}

/// The row ids of appendix `file` ([`appendix_files`]), in order.
pub fn appendix_ids(file: &str, text: &str) -> Vec<String> {
    APPENDICES
        .iter()
        .find(|a| a.file == file)
        .map(|a| row_ids(a.row, text))
        .unwrap_or_default()
}

fn row_ids(row: &Regex, appendix: &str) -> Vec<String> {
    rows(row, &prose_only(appendix))
        .into_iter()
        .map(|(id, _)| id.to_string())
        .collect()
}

/// The row ids of an appendix's table (its text as [`prose_only`] leaves
/// it), each with its byte offset, in order.
fn rows<'p>(row: &Regex, prose: &'p str) -> Vec<(&'p str, usize)> {
    row.captures_iter(prose)
        .map(|c| {
            let id = c.get(1).unwrap();
            (id.as_str(), id.start())
        })
        .collect()
}

/// `page`'s directory joined with `target`, `..` resolved; `None` when it
/// leaves the book's source directory.
fn resolve(page: &Path, target: &str) -> Option<PathBuf> {
    let mut out: Vec<Component> = Vec::new();
    let base = page.parent().unwrap_or(Path::new(""));
    for c in base.components().chain(Path::new(target).components()) {
        match c {
            Component::ParentDir => {
                out.pop()?;
            }
            Component::CurDir => {}
            Component::Normal(_) => out.push(c),
            _ => return None,
        }
    }
    Some(out.iter().collect())
}

/// Every problem of `pages` (one language's chapters), as (chapter path,
/// line, message). `listings` are the names of the listings under `kmods/`.
pub fn check(pages: &[Page], listings: &[&str]) -> Vec<(PathBuf, usize, String)> {
    let mut problems = Vec::new();
    let chapters: BTreeSet<&Path> = pages.iter().map(|p| p.path).collect();
    let shows = |page: &Path, name: &str| {
        pages.iter().any(|p| {
            p.path == page
                && directive::active(p.text)
                    .iter()
                    .any(|d| d.kind == Ok(Kind::Kmod(name.to_string())))
        })
    };
    // Each appendix of this language, and its row ids, read once.
    let tables: Vec<(&Appendix, Option<&Page>, Vec<String>)> = APPENDICES
        .iter()
        .map(|a| {
            let page = pages.iter().find(|p| p.path == Path::new(a.file));
            let mut ids = Vec::new();
            if let Some(p) = page {
                let prose = prose_only(p.text);
                for (id, at) in rows(a.row, &prose) {
                    if ids.iter().any(|i| i == id) {
                        problems.push((
                            p.path.to_path_buf(),
                            line_of(&prose, at),
                            format!("{} {id} has two rows; give each row its own id", a.noun),
                        ));
                    }
                    ids.push(id.to_string());
                }
            }
            (a, page, ids)
        })
        .collect();
    for page in pages {
        let prose = prose_only(page.text);
        // Claim and fact ids.
        for (a, appendix, ids) in &tables {
            for re in [&**a.cite_en, &**a.cite_zh] {
                for c in re.captures_iter(&prose) {
                    let at = c.get(1).unwrap();
                    for id in a.id.find_iter(at.as_str()) {
                        if ids.iter().any(|i| i == id.as_str()) {
                            continue;
                        }
                        let line = line_of(&prose, at.start() + id.start());
                        let (noun, file) = (a.noun, a.file);
                        if id.as_str().chars().any(|c| c.is_ascii_uppercase()) {
                            problems.push((
                                page.path.to_path_buf(),
                                line,
                                format!(
                                    "{noun} `{}`: ids are lower-case; write {}",
                                    id.as_str(),
                                    id.as_str().to_ascii_lowercase()
                                ),
                            ));
                            continue;
                        }
                        // The rows a writer most likely meant: same prefix.
                        let prefix = id.as_str().split('.').next().unwrap_or("");
                        let near: Vec<&str> = ids
                            .iter()
                            .filter(|i| i.split('.').next() == Some(prefix))
                            .map(|i| i.as_str())
                            .collect();
                        let listed: Vec<&str> = if near.is_empty() {
                            ids.iter().map(|i| i.as_str()).collect()
                        } else {
                            near
                        };
                        problems.push((
                            page.path.to_path_buf(),
                            line,
                            match appendix {
                                Some(_) => format!(
                                    "{noun} {} is not in the appendix {file} of this language (its table has {})",
                                    id.as_str(),
                                    if listed.is_empty() {
                                        format!("no {noun}")
                                    } else {
                                        listed.join(", ")
                                    }
                                ),
                                None => format!(
                                    "{noun} {} is cited, but this language has no appendix {file}",
                                    id.as_str()
                                ),
                            },
                        ));
                    }
                }
            }
        }
        // Links to chapters, and the appendix's evidence.
        let in_appendix = APPENDICES.iter().any(|a| page.path == Path::new(a.file));
        for c in LINK.captures_iter(&prose) {
            let (text, target) = (&c[1], &c[2]);
            if target.contains("://") || target.starts_with("mailto:") || target.starts_with('#') {
                continue;
            }
            let file = target.split('#').next().unwrap_or("");
            if !file.ends_with(".md") {
                continue;
            }
            let line = line_of(&prose, c.get(0).unwrap().start());
            let Some(to) = resolve(page.path, file) else {
                continue; // another language's page, checked by super::links in the built book
            };
            if !chapters.contains(to.as_path()) {
                problems.push((
                    page.path.to_path_buf(),
                    line,
                    format!(
                        "[{text}]({target}) links to `{}`, which is not a chapter of the book (SUMMARY.md)",
                        to.display()
                    ),
                ));
                continue;
            }
            let is_name = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            let in_row = prose[..c.get(0).unwrap().start()]
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.trim_start().starts_with('|'));
            if in_appendix && in_row && is_name {
                if !listings.contains(&text) {
                    problems.push((
                        page.path.to_path_buf(),
                        line,
                        format!("[{text}]({target}): no listing `{text}` under kmods/"),
                    ));
                } else if !shows(&to, text) {
                    problems.push((
                        page.path.to_path_buf(),
                        line,
                        format!(
                            "[{text}]({target}): `{}` does not show listing `{text}` ({{{{#kmod {text}}}}})",
                            to.display()
                        ),
                    ));
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPENDIX: &str = "# Appendix\n\n| # | Claim | Verdict | Evidence |\n|---|---|---|---|\n\
        | 1.2 | x | **Confirmed** | [wait_queue_wake](wait-queues.md), [stop_race](a.md) |\n\
        | 4.1 | y | **Refuted** | [gone_listing](a.md) |\n";

    fn run(pages: &[(&str, &str)]) -> Vec<String> {
        let paths: Vec<PathBuf> = pages.iter().map(|(p, _)| PathBuf::from(p)).collect();
        let pages: Vec<Page> = pages
            .iter()
            .zip(&paths)
            .map(|((_, t), p)| Page { path: p, text: t })
            .collect();
        check(&pages, &["wait_queue_wake", "stop_race"])
            .into_iter()
            .map(|(p, l, m)| format!("{}:{l}: {m}", p.display()))
            .collect()
    }

    #[test]
    fn a_claim_missing_from_the_appendix_is_named_with_file_and_line() {
        let p = run(&[
            ("claims-checked.md", APPENDIX),
            ("wait-queues.md", "# W\n\n{{#kmod wait_queue_wake}}\n\n**Claim 1.2** holds; so do claims 1.2 and 9.9.\n"),
            ("a.md", "{{#kmod stop_race}}\n论断 4.1、4.7 成立。\n`claim 7.7` in code\n```\nclaim 8.8\n```\n"),
        ]);
        assert!(p.contains(&"wait-queues.md:5: claim 9.9 is not in the appendix claims-checked.md of this language (its table has 1.2, 4.1)".to_string()), "{p:#?}");
        assert!(
            p.iter()
                .any(|e| e.starts_with("a.md:2: claim 4.7 is not in the appendix")),
            "{p:#?}"
        );
        assert!(
            !p.iter()
                .any(|e| e.contains("1.2 is not") || e.contains("4.1 is not")),
            "{p:#?}"
        );
        assert!(
            !p.iter().any(|e| e.contains("7.7") || e.contains("8.8")),
            "code is not prose: {p:#?}"
        );
        let p = run(&[("a.md", "See claim 2.1.\n")]);
        assert_eq!(
            p,
            vec!["a.md:1: claim 2.1 is cited, but this language has no appendix claims-checked.md"]
        );
    }

    #[test]
    fn evidence_must_be_a_listing_the_linked_chapter_shows() {
        let p = run(&[
            (
                "claims-checked.md",
                &format!("{APPENDIX}\nSee the [introduction](wait-queues.md).\n"),
            ),
            ("wait-queues.md", "{{#kmod wait_queue_wake}}\n"),
            ("a.md", "text, and \\{{#kmod stop_race}} escaped only\n"),
        ]);
        assert!(p.contains(&"claims-checked.md:5: [stop_race](a.md): `a.md` does not show listing `stop_race` ({{#kmod stop_race}})".to_string()), "{p:#?}");
        assert!(p.contains(&"claims-checked.md:6: [gone_listing](a.md): no listing `gone_listing` under kmods/".to_string()), "{p:#?}");
        assert_eq!(p.len(), 2, "{p:#?}");
    }

    #[test]
    fn facts_are_cited_from_their_own_appendix_and_their_evidence_checked() {
        let facts = "| # | Fact | Verdict | Evidence |\n|---|---|---|---|\n\
            | park.1 | x | **Confirmed** | [stop_race](a.md) |\n\
            | park.2 | y | **Confirmed** | [wait_queue_wake](a.md) |\n";
        let mut p = run(&[
            ("facts-checked.md", facts),
            ("a.md", "{{#kmod stop_race}}\nFacts park.1 and park.9 hold; 事实 worker.1 也是。Claim 1.2.\n"),
        ]);
        p.sort();
        assert_eq!(
            p,
            vec![
                "a.md:2: claim 1.2 is cited, but this language has no appendix claims-checked.md",
                "a.md:2: fact park.9 is not in the appendix facts-checked.md of this language (its table has park.1, park.2)",
                "a.md:2: fact worker.1 is not in the appendix facts-checked.md of this language (its table has park.1, park.2)",
                "facts-checked.md:4: [wait_queue_wake](a.md): `a.md` does not show listing `wait_queue_wake` ({{#kmod wait_queue_wake}})",
            ]
        );
    }

    #[test]
    fn fact_ids_written_in_capitals_or_twice_are_named_as_written() {
        let facts = "| # | Fact | Verdict | Evidence |\n|---|---|---|---|\n\
            | park.1 | x | **Confirmed** | [stop_race](a.md) |\n\
            | park.1 | y | **Confirmed** | [stop_race](a.md) |\n\
            | sig.1 | z | **Confirmed** | [stop_race](a.md) |\n";
        let mut p = run(&[
            ("facts-checked.md", facts),
            (
                "a.md",
                "{{#kmod stop_race}}\nFact Park.1, FACT PARK.2; 事实 Sig.1; fact park.7.\n",
            ),
        ]);
        p.sort();
        assert_eq!(
            p,
            vec![
                "a.md:2: fact `PARK.2`: ids are lower-case; write park.2",
                "a.md:2: fact `Park.1`: ids are lower-case; write park.1",
                "a.md:2: fact `Sig.1`: ids are lower-case; write sig.1",
                "a.md:2: fact park.7 is not in the appendix facts-checked.md of this language (its table has park.1, park.1)",
                "facts-checked.md:4: fact park.1 has two rows; give each row its own id",
            ]
        );
    }

    #[test]
    fn a_link_to_a_chapter_that_does_not_exist_is_named() {
        let p = run(&[
            ("index.md", "See [the chapter](no-such-chapter.md#x), [ok](part/b.md), [web](https://x/y.md), [top](#t).\n`[code](nope.md)`\n"),
            ("part/b.md", "Back to [index](../index.md) and [c](c.md); [zh](../../zh/index.md).\n"),
        ]);
        assert_eq!(
            p,
            vec![
                "index.md:1: [the chapter](no-such-chapter.md#x) links to `no-such-chapter.md`, which is not a chapter of the book (SUMMARY.md)",
                "part/b.md:1: [c](c.md) links to `part/c.md`, which is not a chapter of the book (SUMMARY.md)",
            ]
        );
    }

    /// The book as it is: every claim cited is in its language's appendix,
    /// every piece of evidence a listing its chapter shows, every link a
    /// chapter.
    #[test]
    fn the_repository_book_cites_only_what_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let config = crate::book::BookConfig::load(&root).unwrap();
        let m = crate::host::matrix::Matrix::load(&root.join("kernels.toml")).unwrap();
        let scenarios = crate::manifest::discover(&root.join("kmods"), &m.ids()).unwrap();
        let listings: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        for lang in &config.languages {
            let dir = config.src_dir(lang);
            let chapters = crate::book::parity::chapters(&dir).unwrap();
            let texts: Vec<String> = chapters
                .iter()
                .map(|c| std::fs::read_to_string(dir.join(&c.path)).unwrap())
                .collect();
            let pages: Vec<Page> = chapters
                .iter()
                .zip(&texts)
                .map(|(c, t)| Page {
                    path: &c.path,
                    text: t,
                })
                .collect();
            assert!(pages.iter().any(|p| p.path == Path::new(CLAIMS_APPENDIX)));
            let p = check(&pages, &listings);
            assert!(p.is_empty(), "{}: {p:#?}", lang.id);
        }
    }

    #[test]
    fn code_is_blanked_in_place() {
        let t = "a `x [l](y.md)` b ``c`d`` e\n```c\nclaim 1.1\n```\n中文 `码` 字\n";
        let p = prose_only(t);
        assert_eq!(p.len(), t.len());
        assert_eq!(p.matches('\n').count(), t.matches('\n').count());
        assert!(!p.contains("y.md") && !p.contains("claim") && !p.contains('码'));
        assert!(p.contains(" b ") && p.contains(" e") && p.contains("中文") && p.contains(" 字"));
    }
}
