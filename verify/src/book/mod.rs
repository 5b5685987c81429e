//! The seventh and last stage (DESIGN.md §1, §5): the verified snapshots
//! rendered into the bilingual book.
//!
//! - [`directive`] finds `{{#kmod NAME}}`, `{{#sim NAME}}`, `{{#kernels}}`,
//!   `{{#measure NAME KEY}}`, `{{#source FILE FUNCTION}}` and `{{#api}}` in
//!   a chapter;
//! - [`render`] turns them into Markdown from `kmods/` (with the measured
//!   values `--accept` recorded), the simulations of `examples/` (checked
//!   against their snapshots) and `kernels.toml`;
//! - [`source`] renders `{{#source FILE FUNCTION}}`: a kernel function as
//!   each kernel has it, from the extracts of `src/kernel-sources/`
//!   ([`crate::kernel_source`]);
//! - [`api`] renders `{{#api}}`: the module API table of every kernel, from
//!   the `api.toml` files of `src/kernel-sources/`, each function linked to
//!   the chapters whose listings call it;
//! - [`cite`] checks what the prose cites: claim ids against the appendix,
//!   the appendix's evidence against the listings, links against the chapters;
//! - [`cjk`] removes the line breaks between two Chinese characters that
//!   the browser would show as spaces, on the Chinese pages;
//! - [`named`] renders the directives that show some examples only, for a
//!   run of named listings, without building the book;
//! - [`parity`] checks that every language has the same chapters, listings
//!   and simulations;
//! - [`preprocessor`] is the mdBook preprocessor that does all of the above
//!   during `mdbook build` (the `mdbook-kmod` binary, declared in `book.toml`);
//! - [`build`] is `cargo run -p verify -- book`: both languages rendered by
//!   mdBook as a library, the landing page, the search index
//!   ([`search_index`], Pagefind's API) and the link check ([`links`],
//!   lychee's), into `book/`;
//! - [`serve`] serves the built book on localhost, for readers and browser tests;
//! - [`files`] reads the repository's files for a page: regular files
//!   inside it only, never through a link;
//! - [`flatten`] copies the chapters, includes expanded, for skeptic, which
//!   tests the Rust code blocks of the text (`build.rs`, `tests/skeptic.rs`).
//!
//! What it touches: it reads the chapters (`src/<lang>/`), `book.toml`,
//! `kernels.toml`, each listing's sources, manifest and accepted snapshots
//! under `kmods/`, the simulations' snapshots under `examples/snapshots/`
//! (each simulation is explored again and must equal its snapshot), the
//! kernel source extracts under `src/kernel-sources/`; it runs mdBook,
//! Pagefind and lychee in this process (library crates pinned in
//! `Cargo.lock`, nothing to install) and writes `book/` (or `--out`).
//! It boots no guest and writes no snapshot: the book shows what was
//! accepted, so it is built whatever the last run found.

pub mod api;
pub mod build;
pub mod cite;
pub mod cjk;
pub mod directive;
pub mod files;
pub mod flatten;
pub mod links;
pub mod named;
pub mod parity;
pub mod preprocessor;
pub mod render;
pub mod search_index;
pub mod serve;
pub mod source;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The book's configuration file, at the repository root.
pub const BOOK_TOML: &str = "book.toml";

/// One language of the book: its sources are `src/<id>/`, its pages `book/<id>/`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// Directory name under `src/` and `book/` (`en`, `zh`).
    pub id: String,
    /// How the language names itself, for the language switch (`中文`).
    pub label: String,
    /// BCP 47 tag for `<html lang>` and Pagefind's word segmentation (`zh-CN`).
    pub lang: String,
    /// The book's title in this language.
    pub title: String,
}

/// What this crate reads from `[preprocessor.kmod]` in `book.toml`; the other
/// keys of that table (`command`, `before`) are mdBook's own.
#[derive(Debug, Clone, Deserialize)]
struct KmodTable {
    languages: Vec<Language>,
}

/// The parts of `book.toml` the book stage needs.
#[derive(Debug, Clone)]
pub struct BookConfig {
    /// The repository root, where `book.toml`, `kmods/` and `kernels.toml` are.
    pub root: PathBuf,
    /// The directory holding one source directory per language (`src`).
    pub src_root: PathBuf,
    /// `[preprocessor.kmod] languages`, in order: at least two, with distinct
    /// lower-case ids.
    pub languages: Vec<Language>,
}

impl BookConfig {
    /// Reads `root/book.toml`.
    pub fn load(root: &Path) -> Result<BookConfig> {
        let path = root.join(BOOK_TOML);
        let config = mdbook_preprocessor::config::Config::from_disk(&path)
            .map_err(|e| anyhow::anyhow!("{e:#}"))
            .with_context(|| format!("reading {}", path.display()))?;
        BookConfig::from_mdbook(root, &config).with_context(|| format!("in {}", path.display()))
    }

    /// From mdBook's parsed configuration, as a preprocessor receives it.
    pub fn from_mdbook(
        root: &Path,
        config: &mdbook_preprocessor::config::Config,
    ) -> Result<BookConfig> {
        let table: KmodTable = config
            .get("preprocessor.kmod")
            .map_err(|e| anyhow::anyhow!("{e:#}"))?
            .context("no [preprocessor.kmod] table with `languages`")?;
        if table.languages.len() < 2 {
            bail!("[preprocessor.kmod] languages: the book needs at least two languages");
        }
        for (i, l) in table.languages.iter().enumerate() {
            if l.id.is_empty() || !l.id.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                bail!("[preprocessor.kmod] languages: id `{}` must be lower-case letters (it names directories)", l.id);
            }
            if table.languages[..i].iter().any(|o| o.id == l.id) {
                bail!("[preprocessor.kmod] languages: `{}` appears twice", l.id);
            }
        }
        // book.src is the first language's directory, e.g. `src/en`; the
        // languages are its siblings.
        let src = &config.book.src;
        let src_root = src
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .with_context(|| {
                format!(
                    "book.src `{}` should be `<dir>/<language>`, e.g. `src/en`",
                    src.display()
                )
            })?;
        Ok(BookConfig {
            root: root.to_path_buf(),
            src_root: root.join(src_root),
            languages: table.languages,
        })
    }

    /// `src/<id>` for a language, as an absolute path.
    pub fn src_dir(&self, lang: &Language) -> PathBuf {
        self.src_root.join(&lang.id)
    }

    /// A path relative to the repository root, for messages.
    pub fn rel(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// The language whose sources are in `src` (absolute or relative to the root).
    pub fn language_of_src(&self, src: &Path) -> Result<&Language> {
        let src = if src.is_absolute() {
            src.to_path_buf()
        } else {
            self.root.join(src)
        };
        let norm = |p: &Path| p.components().collect::<PathBuf>();
        self.languages
            .iter()
            .find(|l| norm(&self.src_dir(l)) == norm(&src))
            .with_context(|| {
                format!(
                    "book.src `{}` is not the directory of a language in [preprocessor.kmod] languages ({})",
                    self.rel(&src),
                    self.languages.iter().map(|l| self.rel(&self.src_dir(l))).collect::<Vec<_>>().join(", ")
                )
            })
    }
}

/// Text the book did not write (a file name, a title, a value from
/// `kernels.toml`, a file's content, an output), made inert for every place
/// the preprocessor puts such text: HTML text and quoted attribute values,
/// Markdown inline text (table cells, link text), and raw HTML blocks.
/// Besides `&`, `<`, `>` and both quotes, every character Markdown gives a
/// meaning to (`` ` * _ [ ] ( ) ! # | ~ ^ $ \ ``), the braces (mdBook's own
/// `{{#include …}}` runs after this preprocessor and would read any file it
/// names), and line breaks (a blank line ends an HTML block and lets
/// Markdown in) become character references. Markdown, mdBook's HTML parser
/// and browsers all decode them back to the same characters as text, so the
/// reader sees exactly the original.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '#' | '|' | '~' | '^' | '$'
            | '\\' | '{' | '}' | '\n' | '\r' => {
                out.push_str("&#");
                out.push_str(&u32::from(c).to_string());
                out.push(';');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::html_escape;

    /// Decodes the character references `html_escape` makes.
    fn unescape(s: &str) -> String {
        let re = regex::Regex::new(r"&(#[0-9]+|amp|lt|gt|quot);").unwrap();
        re.replace_all(s, |c: &regex::Captures| match &c[1] {
            "amp" => "&".to_string(),
            "lt" => "<".to_string(),
            "gt" => ">".to_string(),
            "quot" => "\"".to_string(),
            n => char::from_u32(n[1..].parse().unwrap()).unwrap().to_string(),
        })
        .into_owned()
    }

    #[test]
    fn hostile_text_keeps_no_active_character_and_decodes_back() {
        let refs = regex::Regex::new(r"&(#[0-9]+|amp|lt|gt|quot);").unwrap();
        for hostile in [
            "<img src=x onerror=alert(1)>",
            "a\" onmouseover=\"alert(1)",
            "a' onmouseover='alert(1)",
            "</code></pre><script>alert(1)</script>",
            "```\n<b>after fence</b>",
            "`code` and ``more``",
            "[x](javascript:alert(1)) ![i](x) <http://x>",
            "{{#kmod other}} {{#include /etc/passwd}} {{ #include ../../x }}",
            "*em* _em_ ~~s~~ | cell | \\[x\\] # h $m$ ^s^",
            "line\n\n<p>new block</p>\r\n",
            "&lt; stays text &amp;",
            "中文 ok",
        ] {
            let e = html_escape(hostile);
            let bare = refs.replace_all(&e, "");
            for c in "<>\"'`*_[]()!#|~^${}\\\n\r".chars() {
                assert!(!bare.contains(c), "{c:?} left in {e:?}");
            }
            assert_eq!(unescape(&e), hostile);
        }
        assert_eq!(
            html_escape("kmods/a-b.c, 5.10: x=1+2?"),
            "kmods/a-b.c, 5.10: x=1+2?"
        );
    }
}
