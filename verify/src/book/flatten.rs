//! The book's chapters as skeptic can test them (DESIGN.md §5): skeptic
//! 0.14 reads Markdown files as they are, so it would not see code that a
//! chapter pulls in with mdBook's `{{#include}}`, and it names a test after
//! the file, so `src/en/x.md` and `src/zh/x.md` would give two tests of the
//! same name. Each chapter is therefore copied, with its includes expanded,
//! to `<out>/<lang>_<path>.md` (`en_how-verified.md`), and skeptic is handed
//! the copies.
//!
//! Only std: `build.rs` compiles this file on its own (`#[path]`), and the
//! library compiles it for its tests.

use std::path::{Path, PathBuf};

/// How deep includes may nest (mdBook's own limit).
const MAX_DEPTH: usize = 10;

/// Flattens every chapter (`*.md` but `SUMMARY.md`) of every language
/// directory under `src_root` into `out`. Returns the copies, and every file
/// read (chapters and what they include), for `cargo:rerun-if-changed`.
/// A copy is written only when its text changed, and gets the newest
/// modification time of what it was made from, so that it never looks newer
/// than the build that wrote it.
pub fn flatten_book(src_root: &Path, out: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let mut copies = Vec::new();
    let mut read = Vec::new();
    std::fs::create_dir_all(out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let mut langs: Vec<PathBuf> = list(src_root)?.into_iter().filter(|p| p.is_dir()).collect();
    langs.sort();
    for lang_dir in langs {
        let lang = file_name(&lang_dir);
        let mut chapters = Vec::new();
        markdown_files(&lang_dir, &mut chapters)?;
        chapters.sort();
        for chapter in chapters {
            let rel = chapter.strip_prefix(&lang_dir).unwrap_or(&chapter);
            if rel == Path::new("SUMMARY.md") {
                continue;
            }
            let text = std::fs::read_to_string(&chapter)
                .map_err(|e| format!("reading {}: {e}", chapter.display()))?;
            let mut sources = vec![chapter.clone()];
            let flat = expand_includes(&text, chapter.parent().unwrap(), 0, &mut sources)
                .map_err(|e| format!("{}: {e}", chapter.display()))?;
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("_");
            let copy = out.join(format!("{lang}_{name}"));
            write_if_changed(&copy, &flat, &sources)?;
            copies.push(copy);
            read.extend(sources);
        }
    }
    read.sort();
    read.dedup();
    Ok((copies, read))
}

/// `text` with mdBook's `{{#include PATH}}` and `{{#rustdoc_include PATH}}`
/// expanded (paths relative to `dir`; `PATH:N`, `PATH:A:B`, `PATH:A:`,
/// `PATH::B` line ranges, 1-based and inclusive, or `PATH:ANCHOR` between
/// `ANCHOR: name` and `ANCHOR_END: name` lines). `rustdoc_include` keeps the
/// whole file and hides the lines outside the range with `# `, as mdBook
/// does, so the code compiles as a whole. `\{{#include …}}` is text.
/// Every file read is pushed on `sources`.
pub fn expand_includes(
    text: &str,
    dir: &Path,
    depth: usize,
    sources: &mut Vec<PathBuf>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{#") {
        let (before, from) = rest.split_at(start);
        let Some(end) = from.find("}}") else {
            break;
        };
        let inner = &from[3..end];
        let (kind, arg) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        let escaped = before.ends_with('\\');
        if escaped || !matches!(kind, "include" | "rustdoc_include") {
            out.push_str(before);
            out.push_str(&from[..end + 2]);
            rest = &from[end + 2..];
            continue;
        }
        if depth >= MAX_DEPTH {
            return Err(format!(
                "includes nest deeper than {MAX_DEPTH}: {{{{#{inner}}}}}"
            ));
        }
        out.push_str(before);
        let arg = arg.trim();
        let (path, range) = match arg.split_once(':') {
            Some((p, r)) => (p, Some(r)),
            None => (arg, None),
        };
        let file = dir.join(path);
        let body = std::fs::read_to_string(&file)
            .map_err(|e| format!("{{{{#{inner}}}}}: reading {}: {e}", file.display()))?;
        sources.push(file.clone());
        let lines: Vec<&str> = body.lines().collect();
        let keep = select(&lines, range).map_err(|e| format!("{{{{#{inner}}}}}: {e}"))?;
        let mut included = String::new();
        for (i, line) in lines.iter().enumerate() {
            if is_anchor(line) {
                continue;
            }
            if keep.contains(&i) {
                included.push_str(line);
                included.push('\n');
            } else if kind == "rustdoc_include" {
                included.push_str("# ");
                included.push_str(line);
                included.push('\n');
            }
        }
        let included = included.strip_suffix('\n').unwrap_or(&included);
        let nested = expand_includes(included, file.parent().unwrap(), depth + 1, sources)?;
        out.push_str(&nested);
        rest = &from[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The 0-based indices of the lines a range or an anchor selects.
fn select(lines: &[&str], range: Option<&str>) -> Result<std::ops::Range<usize>, String> {
    let all = 0..lines.len();
    let Some(range) = range.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(all);
    };
    let number = |s: &str| -> Result<Option<usize>, String> {
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse::<usize>()
                .map(Some)
                .map_err(|_| format!("`{s}` is not a line number"))
        }
    };
    let is_numeric = range.chars().all(|c| c.is_ascii_digit() || c == ':');
    if !is_numeric {
        // An anchor.
        let begin = lines
            .iter()
            .position(|l| anchor_name(l, "ANCHOR:") == Some(range))
            .ok_or_else(|| format!("no `ANCHOR: {range}` line"))?;
        let end = lines[begin..]
            .iter()
            .position(|l| anchor_name(l, "ANCHOR_END:") == Some(range))
            .map_or(lines.len(), |n| begin + n);
        return Ok(begin + 1..end);
    }
    let (a, b) = match range.split_once(':') {
        None => {
            let n = number(range)?.unwrap_or(1);
            (Some(n), Some(n))
        }
        Some((a, b)) => (number(a)?, number(b)?),
    };
    let from = a.unwrap_or(1).max(1) - 1;
    let to = b.unwrap_or(lines.len()).min(lines.len());
    Ok(from.min(to)..to)
}

fn anchor_name<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let at = line.find(marker)?;
    line[at + marker.len()..].split_whitespace().next()
}

fn is_anchor(line: &str) -> bool {
    anchor_name(line, "ANCHOR:").is_some() || anchor_name(line, "ANCHOR_END:").is_some()
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::read_dir(dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .map(|e| {
            e.map(|e| e.path())
                .map_err(|e| format!("{}: {e}", dir.display()))
        })
        .collect()
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    for p in list(dir)? {
        if p.is_dir() {
            markdown_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
    Ok(())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn write_if_changed(path: &Path, text: &str, sources: &[PathBuf]) -> Result<(), String> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    let newest = sources
        .iter()
        .filter_map(|s| std::fs::metadata(s).and_then(|m| m.modified()).ok())
        .max();
    if let Some(t) = newest {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| format!("opening {}: {e}", path.display()))?;
        file.set_modified(t)
            .map_err(|e| format!("setting the time of {}: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("verify-flatten-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn includes_are_expanded_with_ranges_and_anchors() {
        let d = tmp("inc");
        std::fs::write(
            d.join("a.rs"),
            "fn one() {}\n// ANCHOR: two\nfn two() {}\n// ANCHOR_END: two\nfn three() {}\n",
        )
        .unwrap();
        std::fs::write(d.join("nested.md"), "before {{#include a.rs:1}} after").unwrap();
        let mut src = vec![];
        let x = |t: &str, src: &mut Vec<PathBuf>| expand_includes(t, &d, 0, src).unwrap();
        assert_eq!(
            x("```rust\n{{#include a.rs}}\n```", &mut src),
            "```rust\nfn one() {}\nfn two() {}\nfn three() {}\n```"
        );
        assert_eq!(x("{{#include a.rs:3}}", &mut src), "fn two() {}");
        assert_eq!(
            x("{{#include a.rs:3:5}}", &mut src),
            "fn two() {}\nfn three() {}"
        );
        assert_eq!(x("{{#include a.rs::1}}", &mut src), "fn one() {}");
        assert_eq!(x("{{#include a.rs:5:}}", &mut src), "fn three() {}");
        assert_eq!(x("{{#include a.rs:two}}", &mut src), "fn two() {}");
        assert_eq!(
            x("{{#rustdoc_include a.rs:two}}", &mut src),
            "# fn one() {}\nfn two() {}\n# fn three() {}"
        );
        assert_eq!(
            x("{{#include nested.md}}", &mut src),
            "before fn one() {} after"
        );
        assert_eq!(
            x("\\{{#include a.rs}} {{#kmod x}} {{#sim y}}", &mut src),
            "\\{{#include a.rs}} {{#kmod x}} {{#sim y}}",
            "escaped includes and the book's own directives stay"
        );
        assert!(src.contains(&d.join("a.rs")) && src.contains(&d.join("nested.md")));
        let err = expand_includes("{{#include missing.rs}}", &d, 0, &mut src).unwrap_err();
        assert!(err.contains("missing.rs"), "{err}");
        let err = expand_includes("{{#include a.rs:nope}}", &d, 0, &mut src).unwrap_err();
        assert!(err.contains("no `ANCHOR: nope` line"), "{err}");
        std::fs::write(d.join("loop.md"), "{{#include loop.md}}").unwrap();
        let err = expand_includes("{{#include loop.md}}", &d, 0, &mut src).unwrap_err();
        assert!(err.contains("nest deeper"), "{err}");
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn chapters_of_each_language_get_their_own_names() {
        let d = tmp("book");
        for (p, t) in [
            ("src/en/SUMMARY.md", "# S"),
            ("src/en/x.md", "```rust\n{{#include ../code.rs}}\n```\n"),
            ("src/zh/x.md", "```rust\nfn main() {}\n```\n"),
            ("src/zh/part/y.md", "y"),
            ("src/code.rs", "fn main() {}"),
        ] {
            let path = d.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, t).unwrap();
        }
        let out = d.join("out");
        let (copies, read) = flatten_book(&d.join("src"), &out).unwrap();
        let names: Vec<String> = copies.iter().map(|c| file_name(c)).collect();
        assert_eq!(names, ["en_x.md", "zh_part_y.md", "zh_x.md"]);
        assert_eq!(
            std::fs::read_to_string(out.join("en_x.md")).unwrap(),
            "```rust\nfn main() {}\n```\n"
        );
        assert!(read.iter().any(|p| p.ends_with("code.rs")), "{read:?}");
        // Written again only when the text changes; never newer than its sources.
        let m = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
        assert!(
            m(&out.join("en_x.md")) <= m(&d.join("src/code.rs")).max(m(&d.join("src/en/x.md")))
        );
        flatten_book(&d.join("src"), &out).unwrap();
        std::fs::remove_dir_all(d).unwrap();
    }
}
