//! A new chapter in a language's `SUMMARY.md`: the last of the numbered
//! chapters, so that it comes before the suffix chapters (the appendices
//! after the `---` separator) and after every chapter already there.

use anyhow::{bail, Result};
use mdbook_summary::{parse_summary, SummaryItem};
use std::path::Path;

/// Whether `line` is an item of the numbered chapters' list (`- [T](f.md)`
/// or `* [T](f.md)`, at any depth).
fn is_item(line: &str) -> bool {
    let t = line.trim_start();
    (t.starts_with("- ") || t.starts_with("* ")) && t[2..].trim_start().starts_with('[')
}

/// `text` (a `SUMMARY.md`) with `[title](file)` added as the last top-level
/// numbered chapter. The result is read back with mdBook's own parser:
/// an error when the file does not parse, already lists `file`, or would
/// not hold it as a numbered chapter.
pub fn add_chapter(text: &str, title: &str, file: &str) -> Result<String> {
    let before = parse_summary(text).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    if locations(&before).iter().any(|l| l == Path::new(file)) {
        bail!("it already lists {file}");
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match lines.iter().rposition(|l| is_item(l)) {
        Some(last) => {
            // The list's own bullet, at the top level.
            let first = lines.iter().find(|l| is_item(l)).expect("an item");
            let bullet = &first.trim_start()[..1];
            out.insert(last + 1, format!("{bullet} [{title}]({file})"));
        }
        None => {
            // No numbered chapter yet: the list starts before the first
            // separator, or at the end.
            let at = lines
                .iter()
                .position(|l| l.trim() == "---")
                .unwrap_or(lines.len());
            out.splice(at..at, [format!("- [{title}]({file})"), String::new()]);
            if at > 0 && !lines[at - 1].trim().is_empty() {
                out.insert(at, String::new());
            }
        }
    }
    let mut new = out.join("\n");
    if text.ends_with('\n') {
        new.push('\n');
    }
    let after = parse_summary(&new).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let numbered = after
        .numbered_chapters
        .iter()
        .filter_map(|i| match i {
            SummaryItem::Link(l) => l.location.as_deref(),
            _ => None,
        })
        .any(|l| l == Path::new(file));
    if !numbered || locations(&after).len() != locations(&before).len() + 1 {
        bail!("cannot tell where its numbered chapters end; add `- [{title}]({file})` by hand");
    }
    Ok(new)
}

/// Every chapter file a summary lists, at any depth.
fn locations(s: &mdbook_summary::Summary) -> Vec<std::path::PathBuf> {
    fn walk(items: &[SummaryItem], out: &mut Vec<std::path::PathBuf>) {
        for i in items {
            if let SummaryItem::Link(l) = i {
                out.extend(l.location.clone());
                walk(&l.nested_items, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&s.prefix_chapters, &mut out);
    walk(&s.numbered_chapters, &mut out);
    walk(&s.suffix_chapters, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = "# Summary\n\n[Introduction](index.md)\n\n\
        - [One](one.md)\n  - [One and a half](one-half.md)\n- [Two](two.md)\n\n---\n\n\
        [Appendix: Claims checked](claims-checked.md)\n";

    #[test]
    fn the_chapter_comes_after_the_last_chapter_and_before_the_appendices() {
        let new = add_chapter(BOOK, "Three", "three.md").unwrap();
        assert_eq!(
            new,
            "# Summary\n\n[Introduction](index.md)\n\n\
             - [One](one.md)\n  - [One and a half](one-half.md)\n- [Two](two.md)\n- [Three](three.md)\n\n---\n\n\
             [Appendix: Claims checked](claims-checked.md)\n"
        );
        let star = BOOK.replace("- [", "* [");
        assert!(add_chapter(&star, "Three", "three.md")
            .unwrap()
            .contains("* [Two](two.md)\n* [Three](three.md)\n"));
    }

    #[test]
    fn the_books_own_summaries_take_a_chapter_before_their_appendix() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for lang in ["en", "zh"] {
            let text =
                std::fs::read_to_string(root.join("src").join(lang).join("SUMMARY.md")).unwrap();
            let new = add_chapter(&text, "标题 Title", "new-one.md").unwrap();
            let item = new.find("- [标题 Title](new-one.md)").unwrap();
            assert!(item < new.find("claims-checked.md").unwrap(), "{new}");
            assert!(item < new.find("---").unwrap(), "{new}");
        }
    }

    #[test]
    fn a_book_without_chapters_gets_its_first() {
        let new = add_chapter(
            "# Summary\n\n[Intro](index.md)\n---\n[A](a.md)\n",
            "One",
            "one.md",
        )
        .unwrap();
        assert_eq!(
            new,
            "# Summary\n\n[Intro](index.md)\n\n- [One](one.md)\n\n---\n[A](a.md)\n"
        );
        let new = add_chapter("# Summary\n\n[Intro](index.md)\n", "One", "one.md").unwrap();
        assert!(
            new.ends_with("[Intro](index.md)\n\n- [One](one.md)\n\n"),
            "{new:?}"
        );
    }

    #[test]
    fn a_listed_file_is_refused() {
        let e = add_chapter(BOOK, "Again", "one-half.md").unwrap_err();
        assert!(e.to_string().contains("already lists one-half.md"), "{e}");
    }
}
