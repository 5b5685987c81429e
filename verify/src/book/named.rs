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
    /// when it does.
    pub error: Option<String>,
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
                let error = match &d.kind {
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
    let places: Vec<&str> = checked.iter().map(|c| c.place.as_str()).collect();
    (
        true,
        vec![format!(
            "the book: {} directive{} for {names} render ({}); `--book` builds the whole book",
            checked.len(),
            if checked.len() == 1 { "" } else { "s" },
            places.join(", ")
        )],
    )
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
                    error: None
                },
                Checked {
                    place: "src/zh/chapter.md:3".into(),
                    error: None
                },
            ]
        );
        let (passed, said) = summary(&names(&["stop_after_run"]), &ok);
        assert!(passed);
        assert_eq!(
            said,
            ["the book: 2 directives for stop_after_run render (src/en/chapter.md:3, src/zh/chapter.md:3); `--book` builds the whole book"]
        );
        // fresh has no snapshot: its directive fails, with the file and
        // line; so does its malformed measure, escaped text aside.
        let bad = check(&d, &names(&["fresh"])).unwrap();
        let (passed, said) = summary(&names(&["fresh"]), &bad);
        assert!(!passed);
        assert_eq!(said.len(), 4, "{said:#?}");
        assert!(
            said[0].starts_with(
                "src/en/chapter.md:5: {{#kmod fresh}}: listing `fresh` has no accepted snapshot"
            ),
            "{}",
            said[0]
        );
        assert!(
            said[1].starts_with("src/en/chapter.md:8: {{#measure fresh}}: takes two names"),
            "{}",
            said[1]
        );
        assert!(said[2].starts_with("src/zh/chapter.md:5:"), "{}", said[2]);
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
