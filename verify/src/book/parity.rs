//! Both languages tell the same book: the same chapters (same files, same
//! `SUMMARY.md` order and nesting) and, chapter by chapter, the same
//! directives in the same order, so every listing and its verified output,
//! and every simulation and its reachable outcomes (`{{#sim NAME}}`), appears
//! in every language (DESIGN.md §5).

use super::directive::{self, Kind};
use super::{BookConfig, Language};
use anyhow::{bail, Context, Result};
use mdbook_summary::{parse_summary, SummaryItem};
use std::path::{Path, PathBuf};

/// A chapter of one language: its file relative to `src/<lang>/`, where it
/// sits, and the directives it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    /// The chapter file, relative to `src/<lang>/`.
    pub path: PathBuf,
    /// `prefix`, `numbered` or `suffix`, and the nesting depth.
    pub place: (&'static str, usize),
    /// (line, directive) in the chapter file.
    pub directives: Vec<(usize, Kind)>,
}

/// The chapters of `src_dir/SUMMARY.md`, in order, with their directives.
pub fn chapters(src_dir: &Path) -> Result<Vec<Chapter>> {
    let summary_path = src_dir.join("SUMMARY.md");
    let text = std::fs::read_to_string(&summary_path)
        .with_context(|| format!("reading {}", summary_path.display()))?;
    let summary = parse_summary(&text)
        .map_err(|e| anyhow::anyhow!("{e:#}"))
        .with_context(|| format!("parsing {}", summary_path.display()))?;
    let mut out = Vec::new();
    fn walk(
        items: &[SummaryItem],
        section: &'static str,
        depth: usize,
        out: &mut Vec<(PathBuf, (&'static str, usize))>,
    ) {
        for item in items {
            if let SummaryItem::Link(link) = item {
                if let Some(loc) = &link.location {
                    out.push((loc.clone(), (section, depth)));
                }
                walk(&link.nested_items, section, depth + 1, out);
            }
        }
    }
    let mut found = Vec::new();
    walk(&summary.prefix_chapters, "prefix", 0, &mut found);
    walk(&summary.numbered_chapters, "numbered", 0, &mut found);
    walk(&summary.suffix_chapters, "suffix", 0, &mut found);
    for (path, place) in found {
        let file = src_dir.join(&path);
        let text = std::fs::read_to_string(&file).with_context(|| {
            format!(
                "{}: listed in {} but cannot be read",
                file.display(),
                summary_path.display()
            )
        })?;
        let directives = directive::active(&text)
            .into_iter()
            .filter_map(|d| d.kind.ok().map(|k| (d.line, k)))
            .collect();
        out.push(Chapter {
            path,
            place,
            directives,
        });
    }
    Ok(out)
}

/// Every difference between the first language (the reference) and each
/// other one, each naming the missing or misplaced item and its file.
pub fn differences(config: &BookConfig) -> Result<Vec<String>> {
    let (first, others) = config.languages.split_first().context("no languages")?;
    let reference = chapters(&config.src_dir(first))?;
    let mut problems = Vec::new();
    for other in others {
        let theirs = chapters(&config.src_dir(other))?;
        compare(config, first, &reference, other, &theirs, &mut problems);
    }
    Ok(problems)
}

/// Fails, naming every difference, unless the languages match.
pub fn check(config: &BookConfig) -> Result<()> {
    let problems = differences(config)?;
    if !problems.is_empty() {
        bail!(
            "the languages of the book differ (every chapter and every listing must be in each):\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(())
}

fn compare(
    config: &BookConfig,
    a_lang: &Language,
    a: &[Chapter],
    b_lang: &Language,
    b: &[Chapter],
    problems: &mut Vec<String>,
) {
    let a_dir = config.rel(&config.src_dir(a_lang));
    let b_dir = config.rel(&config.src_dir(b_lang));
    let a_summary = format!("{a_dir}/SUMMARY.md");
    let b_summary = format!("{b_dir}/SUMMARY.md");
    let mut missing = false;
    for (i, ch) in a.iter().enumerate() {
        if !b.iter().any(|c| c.path == ch.path) {
            missing = true;
            problems.push(format!(
                "{b_summary} lacks chapter `{}` ({a_summary} has it as chapter {}); add {b_dir}/{}",
                ch.path.display(),
                i + 1,
                ch.path.display()
            ));
        }
    }
    for (i, ch) in b.iter().enumerate() {
        if !a.iter().any(|c| c.path == ch.path) {
            missing = true;
            problems.push(format!(
                "{a_summary} lacks chapter `{}` ({b_summary} has it as chapter {}); add {a_dir}/{}",
                ch.path.display(),
                i + 1,
                ch.path.display()
            ));
        }
    }
    if !missing {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            if x.path != y.path {
                problems.push(format!(
                    "chapter order differs: chapter {} is `{}` in {a_summary} but `{}` in {b_summary}",
                    i + 1,
                    x.path.display(),
                    y.path.display()
                ));
                break;
            }
            if x.place != y.place {
                problems.push(format!(
                    "chapter `{}` is {} at depth {} in {a_summary} but {} at depth {} in {b_summary}",
                    x.path.display(),
                    x.place.0,
                    x.place.1,
                    y.place.0,
                    y.place.1
                ));
            }
        }
    }
    // The appendices' rows: a verdict in one language only is a gap.
    for file in super::cite::appendix_files() {
        let read = |dir: &str| {
            std::fs::read_to_string(config.root.join(dir).join(file))
                .ok()
                .map(|t| super::cite::appendix_ids(file, &t))
        };
        let (Some(xi), Some(yi)) = (read(&a_dir), read(&b_dir)) else {
            continue;
        };
        for (have, lack, ids, others) in [(&a_dir, &b_dir, &xi, &yi), (&b_dir, &a_dir, &yi, &xi)] {
            let gone: Vec<&str> = ids
                .iter()
                .filter(|i| !others.contains(i))
                .map(|i| i.as_str())
                .collect();
            if !gone.is_empty() {
                problems.push(format!(
                    "{lack}/{file} lacks the rows {} that {have}/{file} has; add them in this language too",
                    gone.join(", ")
                ));
            }
        }
    }
    for x in a {
        let Some(y) = b.iter().find(|c| c.path == x.path) else {
            continue;
        };
        let (xf, yf) = (
            format!("{a_dir}/{}", x.path.display()),
            format!("{b_dir}/{}", y.path.display()),
        );
        let xs: Vec<&Kind> = x.directives.iter().map(|(_, k)| k).collect();
        let ys: Vec<&Kind> = y.directives.iter().map(|(_, k)| k).collect();
        if xs == ys {
            continue;
        }
        let mut named = false;
        for (line, k) in &x.directives {
            if !ys.contains(&k) {
                named = true;
                problems.push(format!("{yf} lacks {k} ({xf} has it at line {line})"));
            }
        }
        for (line, k) in &y.directives {
            if !xs.contains(&k) {
                named = true;
                problems.push(format!("{xf} lacks {k} ({yf} has it at line {line})"));
            }
        }
        if !named {
            let show = |v: &[&Kind]| {
                v.iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            problems.push(format!(
                "listings are in a different order: {xf} has {}; {yf} has {}",
                show(&xs),
                show(&ys)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn the_repository_book_is_in_parity() {
        let config = BookConfig::load(&repo()).unwrap();
        check(&config).unwrap();
        let en = chapters(&config.src_dir(&config.languages[0])).unwrap();
        assert!(en.len() >= 3, "introduction, a chapter, an appendix");
        assert!(en.iter().any(|c| !c.directives.is_empty()));
    }

    /// A throwaway book: `files` are (path under the root, contents).
    fn book(tag: &str, files: &[(&str, &str)]) -> BookConfig {
        let root = std::env::temp_dir().join(format!("verify-parity-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (p, text) in files {
            let path = root.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let lang = |id: &str| Language {
            id: id.into(),
            label: id.into(),
            lang: id.into(),
            title: id.into(),
        };
        BookConfig {
            root: root.clone(),
            src_root: root.join("src"),
            languages: vec![lang("en"), lang("zh")],
        }
    }

    fn problems(
        tag: &str,
        en_summary: &str,
        zh_summary: &str,
        chapters: &[(&str, &str, &str)],
    ) -> Vec<String> {
        let mut files = vec![
            ("src/en/SUMMARY.md".to_string(), en_summary.to_string()),
            ("src/zh/SUMMARY.md".to_string(), zh_summary.to_string()),
        ];
        for (path, en, zh) in chapters {
            files.push((format!("src/en/{path}"), en.to_string()));
            files.push((format!("src/zh/{path}"), zh.to_string()));
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let config = book(tag, &refs);
        let p = differences(&config).unwrap();
        std::fs::remove_dir_all(&config.root).unwrap();
        p
    }

    const TWO: &str = "# S\n\n[Intro](index.md)\n\n- [A](a.md)\n- [B](b.md)\n";

    #[test]
    fn an_appendix_row_in_one_language_only_is_named() {
        let summary = "# S\n\n[Intro](index.md)\n\n[Facts](facts-checked.md)\n";
        let head = "| # | Fact | Verdict | Evidence |\n|---|---|---|---|\n";
        let en = format!("{head}| park.1 | a | b | c |\n| park.2 | a | b | c |\n");
        let zh = format!("{head}| park.1 | 甲 | 乙 | 丙 |\n| sig.1 | 甲 | 乙 | 丙 |\n");
        let p = problems(
            "appendix",
            summary,
            summary,
            &[
                ("index.md", "# I\n", "# 介绍\n"),
                ("facts-checked.md", &en, &zh),
            ],
        );
        assert_eq!(
            p,
            vec![
                "src/zh/facts-checked.md lacks the rows park.2 that src/en/facts-checked.md has; add them in this language too",
                "src/en/facts-checked.md lacks the rows sig.1 that src/zh/facts-checked.md has; add them in this language too",
            ]
        );
    }

    #[test]
    fn same_book_passes() {
        let p = problems(
            "same",
            TWO,
            TWO,
            &[
                (
                    "index.md",
                    "# I\n{{#kernels}}\n",
                    "# 介绍\n\n{{#kernels}}\n",
                ),
                ("a.md", "{{#kmod x}}", "{{#kmod x}}"),
                ("b.md", "", ""),
            ],
        );
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn a_missing_chapter_is_named() {
        let zh = "# S\n\n[Intro](index.md)\n\n- [A](a.md)\n";
        let p = problems(
            "chapter",
            TWO,
            zh,
            &[("index.md", "", ""), ("a.md", "", ""), ("b.md", "", "")],
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("src/zh/SUMMARY.md lacks chapter `b.md`") && p[0].contains("chapter 3"),
            "{p:?}"
        );
    }

    #[test]
    fn order_and_nesting_are_compared() {
        let zh = "# S\n\n[Intro](index.md)\n\n- [B](b.md)\n- [A](a.md)\n";
        let p = problems(
            "order",
            TWO,
            zh,
            &[("index.md", "", ""), ("a.md", "", ""), ("b.md", "", "")],
        );
        assert!(
            p.len() == 1 && p[0].contains("chapter order differs: chapter 2 is `a.md`"),
            "{p:?}"
        );
        let zh = "# S\n\n[Intro](index.md)\n\n- [A](a.md)\n  - [B](b.md)\n";
        let p = problems(
            "nest",
            TWO,
            zh,
            &[("index.md", "", ""), ("a.md", "", ""), ("b.md", "", "")],
        );
        assert!(
            p.len() == 1 && p[0].contains("`b.md` is numbered at depth 0"),
            "{p:?}"
        );
    }

    #[test]
    fn a_missing_listing_is_named_with_its_line() {
        let p = problems(
            "listing",
            TWO,
            TWO,
            &[
                ("index.md", "", ""),
                (
                    "a.md",
                    "# A\n\n{{#kmod x}}\n\n{{#kmod y}}\n",
                    "# A\n\n{{#kmod x}}\n\\{{#kmod y}}\n",
                ),
                ("b.md", "", "{{#kmod z}}"),
            ],
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].contains("src/zh/a.md lacks {{#kmod y}} (src/en/a.md has it at line 5)"),
            "{p:?}"
        );
        assert!(
            p[1].contains("src/en/b.md lacks {{#kmod z}} (src/zh/b.md has it at line 1)"),
            "{p:?}"
        );
        let p = problems(
            "sim",
            TWO,
            TWO,
            &[
                ("index.md", "", ""),
                (
                    "a.md",
                    "{{#kmod x}}\n{{#sim x}}\n",
                    "{{#kmod x}}\n{{#sim y}}\n",
                ),
                ("b.md", "", ""),
            ],
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].contains("src/zh/a.md lacks {{#sim x}} (src/en/a.md has it at line 2)"),
            "{p:?}"
        );
        assert!(p[1].contains("src/en/a.md lacks {{#sim y}}"), "{p:?}");
        // The API table is a directive like the others.
        let p = problems(
            "api",
            TWO,
            TWO,
            &[
                ("index.md", "", ""),
                ("a.md", "# API\n\n{{#api}}\n", "# API\n\n\\{{#api}}\n"),
                ("b.md", "", ""),
            ],
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("src/zh/a.md lacks {{#api}} (src/en/a.md has it at line 3)"),
            "{p:?}"
        );
        let p = problems(
            "listing-order",
            TWO,
            TWO,
            &[
                ("index.md", "", ""),
                ("a.md", "{{#kmod x}}{{#kmod y}}", "{{#kmod y}}{{#kmod x}}"),
                ("b.md", "", ""),
            ],
        );
        assert!(p.len() == 1 && p[0].contains("different order"), "{p:?}");
    }
}
