//! The book's search index, made with Pagefind's Rust API (the `pagefind`
//! crate with its `extended` feature, which segments Chinese into words;
//! mdBook's own search indexes no Chinese and is off in `book.toml`).
//!
//! Pagefind indexes only the part of a page marked `data-pagefind-body`
//! (the preprocessor marks each chapter's text), and groups pages by their
//! `<html lang>`: one index per language, which the theme's search box
//! (`theme/kthread-book.js`) loads from `pagefind/`.

use super::Language;
use anyhow::{bail, Context, Result};
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use std::path::Path;

/// The directory under the book that holds the index and Pagefind's scripts.
pub const DIR: &str = "pagefind";

/// The files the theme loads from [`DIR`]; a build without one fails.
pub const SCRIPTS: &[&str] = &["pagefind.js", "pagefind-ui.js", "pagefind-ui.css"];

/// How Pagefind is configured for this book.
fn service_config() -> PagefindServiceConfig {
    PagefindServiceConfig::builder()
        // kthread_stop is one word in this book.
        .include_characters("_".to_string())
        .build()
}

/// A single-threaded runtime for Pagefind's and lychee's async APIs.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime for the book's search index and link check")
}

/// Indexes every HTML page under `site` into `site/pagefind/`. Returns the
/// pages indexed per language tag (lower-case, as Pagefind names them:
/// `zh-cn`), in `languages` order. Errors: Pagefind's own, a language with
/// no page indexed (its `lang` tag named), a script the theme needs missing.
pub fn write(site: &Path, languages: &[Language]) -> Result<Vec<(String, usize)>> {
    let out = site.join(DIR);
    let _ = std::fs::remove_dir_all(&out);
    runtime()?.block_on(async {
        let mut index =
            PagefindIndex::new(Some(service_config())).context("configuring Pagefind")?;
        index
            .add_directory(site.to_string_lossy().into_owned(), None)
            .await
            .with_context(|| format!("indexing the pages under {}", site.display()))?;
        index
            .write_files(Some(out.to_string_lossy().into_owned()))
            .await
            .with_context(|| format!("writing the search index into {}", out.display()))?;
        anyhow::Ok(())
    })?;
    // Pagefind does not report a failed write: read back what it wrote.
    for f in SCRIPTS {
        if !out.join(f).is_file() {
            bail!("Pagefind wrote no {} into {}", f, out.display());
        }
    }
    let entry = out.join("pagefind-entry.json");
    let text = std::fs::read_to_string(&entry)
        .with_context(|| format!("reading the search index's {}", entry.display()))?;
    let counts = page_counts(&text).with_context(|| format!("in {}", entry.display()))?;
    let mut indexed = Vec::new();
    for l in languages {
        let tag = l.lang.to_ascii_lowercase();
        match counts.iter().find(|(t, _)| *t == tag) {
            Some((_, n)) if *n > 0 => indexed.push((tag, *n)),
            _ => bail!(
                "the search index has no page in language {tag} (src/{}/, `<html lang=\"{}\">`); it has: {counts:?}",
                l.id,
                l.lang
            ),
        }
    }
    Ok(indexed)
}

/// `languages.TAG.page_count` of a `pagefind-entry.json`, per tag.
pub fn page_counts(entry_json: &str) -> Result<Vec<(String, usize)>> {
    let v: serde_json::Value = serde_json::from_str(entry_json)?;
    let Some(langs) = v["languages"].as_object() else {
        bail!("no `languages` object");
    };
    Ok(langs
        .iter()
        .map(|(tag, l)| (tag.clone(), l["page_count"].as_u64().unwrap_or(0) as usize))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lang: &str, text: &str) -> String {
        format!("<!DOCTYPE html><html lang=\"{lang}\"><head><title>t</title></head><body><main><div data-pagefind-body>{text}</div></main></body></html>")
    }

    #[test]
    fn chinese_is_segmented_into_words_and_underscores_stay_in_words() {
        let words = |lang: &str, text: &str| {
            runtime()
                .unwrap()
                .block_on(async {
                    let mut index = PagefindIndex::new(Some(service_config())).unwrap();
                    index
                        .add_html_file(Some("a.html".into()), None, page(lang, text))
                        .await
                })
                .unwrap()
                .page_word_count
        };
        // Without the `extended` feature this run of Han characters is one word.
        assert!(words("zh-CN", "内核线程在停止之前必须检查标志") >= 4);
        assert_eq!(words("en", "call kthread_stop now"), 3);
    }

    #[test]
    fn indexes_each_language_and_names_a_missing_one() {
        let dir = std::env::temp_dir().join(format!("verify-pagefind-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("en")).unwrap();
        std::fs::create_dir_all(dir.join("zh")).unwrap();
        std::fs::write(dir.join("en/a.html"), page("en", "kthread_stop waits")).unwrap();
        std::fs::write(dir.join("zh/a.html"), page("zh-CN", "内核线程")).unwrap();
        let lang = |id: &str, tag: &str| Language {
            id: id.into(),
            label: id.into(),
            lang: tag.into(),
            title: "t".into(),
        };
        let got = write(&dir, &[lang("en", "en"), lang("zh", "zh-CN")]).unwrap();
        assert_eq!(got, vec![("en".into(), 1), ("zh-cn".into(), 1)]);
        assert!(dir.join("pagefind/pagefind-ui.js").is_file());
        let err = write(&dir, &[lang("en", "en"), lang("fr", "fr")]).unwrap_err();
        assert!(
            format!("{err:#}").contains("no page in language fr (src/fr/"),
            "{err:#}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
