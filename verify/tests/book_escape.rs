//! The book escapes everything it did not write, and reads nothing outside
//! the listing (issue 9, point 3; `tests/cases/trust/xss`). The real
//! `mdbook-kmod` binary is run the way mdBook runs it (the context and the
//! book as JSON on stdin) over a scratch repository whose only listing is
//! the xss case, with a chapter `{{#kmod xss}}` in both languages. No mdBook
//! is needed: its Markdown parser (pulldown-cmark, the parser mdBook uses)
//! renders the expanded chapter to HTML for the checks.

mod common;

use mdbook_preprocessor::book::{Book, Chapter};
use mdbook_preprocessor::config::Config;
use mdbook_preprocessor::PreprocessorContext;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A value that must never reach a page: it is only in the preprocessor's
/// environment.
const CANARY: &str = "kthread-book-canary-6f1d0c";

/// A scratch repository with the xss listing, the project's `book.toml`, and
/// one chapter `{{#kmod xss}}` in each language.
fn scratch(test: &str) -> PathBuf {
    let root = common::scratch(test, &[("trust", "xss")]);
    std::fs::copy(common::repo().join("book.toml"), root.join("book.toml")).unwrap();
    for (lang, summary, title) in [
        ("en", "# Summary\n\n- [Chapter](chapter.md)\n", "# Chapter"),
        ("zh", "# 目录\n\n- [一章](chapter.md)\n", "# 一章"),
    ] {
        let src = root.join("src").join(lang);
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("SUMMARY.md"), summary).unwrap();
        std::fs::write(
            src.join("chapter.md"),
            format!("{title}\n\n{{{{#kmod xss}}}}\n\n{{{{#kernels}}}}\n"),
        )
        .unwrap();
    }
    root
}

/// Runs `mdbook-kmod` on the English book of `root` with the canary in its
/// environment: the expanded chapter's Markdown, or the error it printed.
fn preprocess(root: &Path) -> Result<String, String> {
    let config = Config::from_disk(root.join("book.toml")).unwrap();
    let ctx = PreprocessorContext::new(root.to_path_buf(), config, "html".into());
    let mut book = Book::new();
    let mut ch = Chapter::new(
        "Chapter",
        std::fs::read_to_string(root.join("src/en/chapter.md")).unwrap(),
        "chapter.md",
        vec![],
    );
    ch.source_path = Some("chapter.md".into());
    book.push_item(ch);
    let input = serde_json::to_vec(&(&ctx, &book)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mdbook-kmod"))
        .current_dir(root)
        .env("KTHREAD_BOOK_CANARY", CANARY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // Whatever happens, the environment is in neither stream. (The message
    // does not print them: they would hold the environment.)
    assert!(
        !stdout.contains(CANARY) && !stderr.contains(CANARY),
        "the preprocessor's environment reached its output"
    );
    if !out.status.success() {
        return Err(stderr);
    }
    let book: Book = serde_json::from_str(&stdout).expect("the book as JSON");
    let content = book.chapters().next().unwrap().content.clone();
    Ok(content)
}

/// The page as mdBook 0.5 serializes it: raw HTML is parsed, so character
/// references in it become characters, and text is written back with only
/// `<`, `>` and `&` escaped (`mdbook_core::utils::escape_html`).
fn served(html: &str) -> String {
    let refs = regex::Regex::new(r"&(#[0-9]+|quot);").unwrap();
    refs.replace_all(html, |c: &regex::Captures| match &c[1] {
        "quot" => "\"".to_string(),
        n => match char::from_u32(n[1..].parse().unwrap()).unwrap() {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '&' => "&amp;".into(),
            c => c.to_string(),
        },
    })
    .into_owned()
}

/// The chapter as HTML, parsed with mdBook's Markdown options.
fn to_html(md: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_GFM;
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(md, opts));
    served(&out)
}

#[test]
fn a_kbuild_link_out_of_the_listing_is_refused_naming_it() {
    let root = scratch("book_escape_link");
    std::os::unix::fs::symlink("/proc/self/environ", root.join("kmods/xss/Kbuild")).unwrap();
    let err = preprocess(&root).expect_err("a listing with a symlink must not be rendered");
    assert!(err.contains("kmods/xss/Kbuild"), "names the link: {err}");
    assert!(
        err.contains("replace the link with the file"),
        "says the fix: {err}"
    );
}

#[test]
fn a_link_under_snapshots_is_refused_too() {
    let root = scratch("book_escape_snaplink");
    std::fs::write(root.join("kmods/xss/Kbuild"), "obj-m += xss.o\n").unwrap();
    let snap = root.join("kmods/xss/snapshots/xss@6.1.snap");
    std::os::unix::fs::symlink(root.join("kmods/xss/snapshots/xss.snap"), &snap).unwrap();
    let err = preprocess(&root).expect_err("a snapshot link must not be read");
    assert!(err.contains("kmods/xss/snapshots/xss@6.1.snap"), "{err}");
}

#[test]
fn names_titles_outputs_and_data_are_escaped_on_the_page() {
    let root = scratch("book_escape_page");
    std::fs::write(root.join("kmods/xss/Kbuild"), "obj-m += xss.o\n").unwrap();
    // A hostile matrix: a suite and a package with markup, a mirror with a
    // Markdown link, a kernel id that is plain.
    let toml = std::fs::read_to_string(root.join("kernels.toml")).unwrap();
    let toml = toml.replacen(
        "suite = \"bookworm\"",
        "suite = \"bookworm<img src=x onerror=alert(5)>[x](javascript:alert(6))|`\"",
        1,
    );
    assert!(
        toml.contains("alert(5)"),
        "kernels.toml has a bookworm suite"
    );
    std::fs::write(root.join("kernels.toml"), toml).unwrap();

    let md = preprocess(&root).expect("the page is made");
    let html = to_html(&md);
    // The file name is shown, as text.
    assert!(
        md.contains("&lt;img src=x onerror="),
        "the header's name, escaped: {md}"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(document.domain)&gt;.h"),
        "{html}"
    );
    // No element, link or script from anything the repository holds.
    for raw in [
        "<img",
        "<script",
        "<b>",
        "href=\"javascript",
        "onerror=alert(2)>",
    ] {
        assert!(!md.contains(raw), "`{raw}` in the Markdown: {md}");
        assert!(!html.contains(raw), "`{raw}` in the page: {html}");
    }
    // The title, the snapshot and the suite are on the page as text.
    assert!(
        html.contains("t &lt;script&gt;alert(3)&lt;/script&gt; &amp;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;/code&gt;&lt;/pre&gt;&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    assert!(html.contains("&lt;b&gt;after fence&lt;/b&gt;"), "{html}");
    assert!(
        html.contains("bookworm&lt;img src=x onerror=alert(5)&gt;[x](javascript:alert(6))|`"),
        "the suite, whole, in its cell: {html}"
    );
}
