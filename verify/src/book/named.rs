//! The book's directives for some examples only, checked without building
//! the book: after `cargo run -p verify -- NAME`, every `{{#kmod NAME}}`,
//! `{{#measure NAME KEY}}` and `{{#sim NAME}}` of the chapters (of every
//! language, as `SUMMARY.md` lists them) is rendered as the preprocessor
//! renders it, so a directive that would fail the book fails the run, with
//! its file and line, in a second rather than a whole build.

use super::directive::{self, Kind};
use super::preprocessor::{Page, Sources};
use super::render::Words;
use super::{parity, BookConfig};
use anyhow::{Context, Result};
use std::path::Path;

/// One directive that shows one of the examples, and whether it renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// `src/LANG/FILE:LINE`.
    pub place: String,
    /// Why it does not render (as the book build would say it); `None`
    /// when it does, or when it waits (`waiting`).
    pub error: Option<String>,
    /// It shows a listing that has no accepted snapshot on any kernel yet:
    /// a first run's listing, which it will show once `--accept` wrote one.
    pub waiting: bool,
}

/// Whether listing `name` has no accepted snapshot for any kernel.
fn unaccepted(sources: &Sources, name: &str) -> bool {
    let Some(s) = sources.scenarios.iter().find(|s| s.name == name) else {
        return false;
    };
    let store = crate::snapshot::Store::new(&s.dir, &s.name);
    sources
        .matrix
        .kernels
        .iter()
        .all(|k| matches!(store.expected(&k.id), Ok(None)))
}

/// Whether directive `kind` shows one of `names`.
fn shows(kind: &Kind, names: &[String]) -> bool {
    match kind {
        Kind::Kmod(n) | Kind::Sim(n) | Kind::Measure(n, _) => names.contains(n),
        Kind::Kernels | Kind::Source(..) | Kind::Api => false,
    }
}

/// Every directive of the book's chapters that shows one of `names`
/// (listings or simulations), rendered: in language order, then chapter
/// order, then line. A malformed directive whose words include one of the
/// names counts too, with the error the build would give. Errors: the
/// book's configuration, a `SUMMARY.md` or a chapter cannot be read, or
/// the listings and matrix cannot be loaded (each names the file).
pub fn check(root: &Path, names: &[String]) -> Result<Vec<Checked>> {
    let config = BookConfig::load(root)?;
    let sources = Sources::load(root)?;
    let mut out = Vec::new();
    for lang in &config.languages {
        let words = Words::for_language(&lang.id);
        let src = config.src_dir(lang);
        for chapter in parity::chapters(&src)? {
            let file = src.join(&chapter.path);
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            for d in directive::active(&text) {
                let waiting = match &d.kind {
                    Ok(Kind::Kmod(n)) | Ok(Kind::Measure(n, _)) if names.contains(n) => {
                        unaccepted(&sources, n)
                    }
                    _ => false,
                };
                let error = match &d.kind {
                    Ok(_) if waiting => None,
                    Ok(kind) if shows(kind, names) => {
                        // A listing's directives do not read the other chapters.
                        let page = Page {
                            path: &chapter.path,
                            chapters: &[],
                        };
                        sources.render(kind, &words, &lang.id, &page).err()
                    }
                    Ok(_) => continue,
                    Err(e) => {
                        let words = &text[d.span.clone()];
                        let named = words
                            .split(|c: char| c.is_whitespace() || c == '{' || c == '}')
                            .any(|w| names.iter().any(|n| n == w));
                        if !named {
                            continue;
                        }
                        Some(e.clone())
                    }
                };
                out.push(Checked {
                    place: format!("{}:{}", config.rel(&file), d.line),
                    error,
                    waiting,
                });
            }
        }
    }
    Ok(out)
}

/// What to say of [`check`]'s result for `names`: a line for every
/// directive that fails, or one line saying where they rendered, or that no
/// chapter shows them yet. Returns whether none failed, and the lines.
pub fn summary(names: &[String], checked: &[Checked]) -> (bool, Vec<String>) {
    let failed: Vec<String> = checked
        .iter()
        .filter_map(|c| Some(format!("{}: {}", c.place, c.error.as_ref()?)))
        .collect();
    let names = names.join(", ");
    if !failed.is_empty() {
        return (false, failed);
    }
    if checked.is_empty() {
        return (
            true,
            vec![format!(
                "the book: no chapter shows {names} yet (`{{{{#kmod NAME}}}}` in a chapter of src/en/ and src/zh/ does)"
            )],
        );
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut lines = Vec::new();
    let (waiting, ready): (Vec<&Checked>, Vec<&Checked>) = checked.iter().partition(|c| c.waiting);
    let places = |cs: &[&Checked]| {
        cs.iter()
            .map(|c| c.place.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !ready.is_empty() {
        lines.push(format!(
            "the book: {} directive{} for {names} render ({}); `--book` builds the whole book",
            ready.len(),
            plural(ready.len()),
            places(&ready)
        ));
    }
    if !waiting.is_empty() {
        lines.push(format!(
            "the book: {} directive{} ({}) will show the listing once `--accept` has written its first snapshot",
            waiting.len(),
            plural(waiting.len()),
            places(&waiting)
        ));
    }
    (true, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch book: the project's book.toml and kernels.toml, listing
    /// `stop_after_run` with its accepted snapshots, `fresh` without any,
    /// and one chapter per language showing both.
    fn scratch(tag: &str, chapter: &str) -> std::path::PathBuf {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let d = std::env::temp_dir().join(format!("verify-named-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        for f in ["book.toml", "kernels.toml"] {
            std::fs::copy(repo.join(f), d.join(f)).unwrap();
        }
        for (listing, snapshots) in [("stop_after_run", true), ("fresh", false)] {
            let dir = d.join("kmods").join(listing);
            std::fs::create_dir_all(dir.join("snapshots")).unwrap();
            let from = repo.join("kmods/stop_after_run");
            for f in ["Kbuild", "scenario.toml"] {
                std::fs::copy(from.join(f), dir.join(f)).unwrap();
            }
            if snapshots {
                for e in std::fs::read_dir(from.join("snapshots")).unwrap() {
                    let p = e.unwrap().path();
                    std::fs::copy(&p, dir.join("snapshots").join(p.file_name().unwrap())).unwrap();
                }
            }
        }
        for (lang, summary) in [
            ("en", "# Summary\n\n- [Chapter](chapter.md)\n"),
            ("zh", "# 目录\n\n- [一章](chapter.md)\n"),
        ] {
            let src = d.join("src").join(lang);
            std::fs::create_dir_all(&src).unwrap();
            std::fs::write(src.join("SUMMARY.md"), summary).unwrap();
            std::fs::write(src.join("chapter.md"), chapter).unwrap();
        }
        d
    }

    const CHAPTER: &str = "# Chapter\n\n{{#kmod stop_after_run}}\n\n{{#kmod fresh}}\n\n\\{{#kmod fresh}}\n{{#measure fresh}}\n{{#kernels}}\n";

    #[test]
    fn the_named_listings_directives_are_rendered_and_the_others_left_alone() {
        let d = scratch("one", CHAPTER);
        let names = |n: &[&str]| -> Vec<String> { n.iter().map(|s| s.to_string()).collect() };
        // Only stop_after_run: its two directives (one per language) render.
        let ok = check(&d, &names(&["stop_after_run"])).unwrap();
        assert_eq!(
            ok,
            [
                Checked {
                    place: "src/en/chapter.md:3".into(),
                    error: None,
                    waiting: false,
                },
                Checked {
                    place: "src/zh/chapter.md:3".into(),
                    error: None,
                    waiting: false,
                },
            ]
        );
        let (passed, said) = summary(&names(&["stop_after_run"]), &ok);
        assert!(passed);
        assert_eq!(
            said,
            ["the book: 2 directives for stop_after_run render (src/en/chapter.md:3, src/zh/chapter.md:3); `--book` builds the whole book"]
        );
        // fresh has no snapshot yet (a first run): its directives wait for
        // the first --accept, they do not fail; its malformed measure
        // fails, with the file and line, escaped text aside.
        let bad = check(&d, &names(&["fresh"])).unwrap();
        assert_eq!(bad.iter().filter(|c| c.waiting).count(), 2, "{bad:#?}");
        let (passed, said) = summary(&names(&["fresh"]), &bad);
        assert!(!passed);
        assert_eq!(said.len(), 2, "{said:#?}");
        assert!(
            said[0].starts_with("src/en/chapter.md:8: {{#measure fresh}}: takes two names"),
            "{}",
            said[0]
        );
        assert!(said[1].starts_with("src/zh/chapter.md:8:"), "{}", said[1]);
        let first_run: Vec<Checked> = bad.into_iter().filter(|c| c.waiting).collect();
        let (passed, said) = summary(&names(&["fresh"]), &first_run);
        assert!(passed);
        assert_eq!(
            said,
            ["the book: 2 directives (src/en/chapter.md:5, src/zh/chapter.md:5) will show the listing once `--accept` has written its first snapshot"]
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_listing_no_chapter_shows_is_said_so() {
        let d = scratch("none", "# Chapter\n\n{{#kmod stop_after_run}}\n");
        let names = vec!["fresh".to_string()];
        let checked = check(&d, &names).unwrap();
        assert!(checked.is_empty());
        let (passed, said) = summary(&names, &checked);
        assert!(passed);
        assert!(
            said[0].starts_with("the book: no chapter shows fresh yet"),
            "{said:?}"
        );
        std::fs::remove_dir_all(d).unwrap();
    }
}
