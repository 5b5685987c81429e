//! The last stage (DESIGN.md §1, §5): the verified snapshots rendered into the
//! bilingual book.
//!
//! - [`directive`] finds `{{#kmod NAME}}`, `{{#sim NAME}}` and `{{#kernels}}`
//!   in a chapter;
//! - [`render`] turns them into Markdown from `kmods/`, the simulations of
//!   `examples/` (checked against their snapshots) and `kernels.toml`;
//! - [`parity`] checks that every language has the same chapters, listings
//!   and simulations;
//! - [`preprocessor`] is the mdBook preprocessor that does all of the above
//!   during `mdbook build` (the `mdbook-kmod` binary, declared in `book.toml`);
//! - [`build`] is `cargo run -p verify -- book`: both languages, the landing
//!   page, link checking and the Pagefind search index, into `book/`;
//! - [`serve`] serves the built book on localhost, for readers and browser tests;
//! - [`tools`] reads the pinned tool versions from `.ci/tools.env`;
//! - [`flatten`] copies the chapters, includes expanded, for skeptic, which
//!   tests the Rust code blocks of the text (`build.rs`, `tests/skeptic.rs`).

pub mod build;
pub mod directive;
pub mod flatten;
pub mod parity;
pub mod preprocessor;
pub mod render;
pub mod serve;
pub mod tools;

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

/// Text made safe inside an HTML element, escaped as mdBook escapes code
/// blocks (quotes stay); an attribute value also needs `"` escaped.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
