//! The built book's links, checked offline with lychee (`lychee-lib`): every
//! link of every page to a file of the book must find the file and, with a
//! `#fragment`, an element with that `id` (or `name`) in it. Links to the
//! web are counted, not followed: a build must not depend on the network.

use anyhow::{bail, Context, Result};
use futures::StreamExt;
use lychee_lib::{
    BaseInfo, ClientBuilder, Collector, FragmentCheckerOptions, Input, Request, ResolvedInputSource,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What a link check looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// Links to files of the book that were checked (and found), fragments included.
    pub local: usize,
    /// Links to anything else (`https:`, `mailto:`), not followed.
    pub web: usize,
}

impl Checked {
    /// `1234 links checked offline, 12 to the web not followed`.
    pub fn summary(&self) -> String {
        format!(
            "{} links checked offline, {} to the web not followed",
            self.local, self.web
        )
    }
}

/// One link that leads nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The page holding the link, relative to the book's directory.
    pub page: PathBuf,
    /// Where the link leads, relative to the book's directory when it is a file of it.
    pub target: String,
    /// Why it is broken, in lychee's words.
    pub reason: String,
}

/// Checks every link of every HTML page under `site`. Errors: every broken
/// link or missing fragment, one line each (page, target, reason), sorted,
/// each after where it was written when `source` can say
/// (`src/en/page.md:12`).
pub fn check(site: &Path, source: &dyn Fn(&Broken) -> Option<String>) -> Result<Checked> {
    let site = site
        .canonicalize()
        .with_context(|| format!("finding the book at {}", site.display()))?;
    let (checked, broken) = super::search_index::runtime()?.block_on(check_all(&site))?;
    if broken.is_empty() {
        return Ok(checked);
    }
    let lines: Vec<String> = broken
        .iter()
        .map(|b| {
            let line = format!("page {}: {} ({})", b.page.display(), b.target, b.reason);
            match source(b) {
                Some(src) => format!("{src}: {line}"),
                None => line,
            }
        })
        .collect();
    bail!(
        "{} broken link{} in the built book; fix the Markdown link where it is written:\n  {}",
        broken.len(),
        if broken.len() == 1 { "" } else { "s" },
        lines.join("\n  ")
    )
}

async fn check_all(site: &Path) -> Result<(Checked, Vec<Broken>)> {
    let input = Input::from_value(&site.to_string_lossy())
        .with_context(|| format!("reading the pages under {}", site.display()))?;
    let collector = Collector::new(Some(site.to_path_buf()), BaseInfo::none())
        .context("setting up the link collector")?;
    let requests: Vec<Request> = collector
        .collect_links(HashSet::from([input]))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .context("collecting the links of the book's pages")?;
    let client = ClientBuilder::builder()
        .fragment_checker_options(FragmentCheckerOptions {
            check_anchor_fragments: true,
            check_text_fragments: false,
        })
        .index_files(Some(vec!["index.html".to_string()]))
        .build()
        .client()
        .context("setting up the link checker")?;
    let mut checked = Checked::default();
    let mut broken = Vec::new();
    for request in requests {
        if !request.uri.is_file() {
            checked.web += 1;
            continue;
        }
        let page = match &request.source {
            ResolvedInputSource::FsPath(p) => relative(site, p),
            other => PathBuf::from(other.to_string()),
        };
        let target = shown_target(site, request.uri.as_str());
        let response = client
            .check(request)
            .await
            .with_context(|| format!("checking {target} in {}", page.display()))?;
        let status = response.status();
        if status.is_success() {
            checked.local += 1;
        } else {
            broken.push(Broken {
                page,
                target,
                reason: status.to_string(),
            });
        }
    }
    broken.sort_by(|a, b| (&a.page, &a.target).cmp(&(&b.page, &b.target)));
    broken.dedup();
    Ok((checked, broken))
}

/// A `file://` URL as the reader wrote it: relative to `site`, with its
/// fragment; else the URL as it is.
fn shown_target(site: &Path, url: &str) -> String {
    let Ok(u) = url::Url::parse(url) else {
        return url.to_string();
    };
    let Ok(path) = u.to_file_path() else {
        return url.to_string();
    };
    let mut t = relative(site, &path).display().to_string();
    if let Some(f) = u.fragment() {
        t.push('#');
        t.push_str(f);
    }
    t
}

/// `path` relative to `site` when it is under it, else as it is.
fn relative(site: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(site).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(tag: &str, pages: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("verify-links-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, html) in pages {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, html).unwrap();
        }
        dir
    }

    #[test]
    fn good_links_pass_and_web_links_are_only_counted() {
        let dir = site(
            "good",
            &[
                ("index.html", r#"<a href="en/">en</a>"#),
                (
                    "en/index.html",
                    r##"<h1 id="top">x</h1><a href="a.html#part">a</a> <a href="#top">top</a> <a href="https://example.org/">web</a>"##,
                ),
                (
                    "en/a.html",
                    r#"<h2 id="part">p</h2><a href="../index.html">up</a>"#,
                ),
            ],
        );
        let c = check(&dir, &|_| None).unwrap();
        assert_eq!(c, Checked { local: 4, web: 1 });
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_page_and_a_missing_fragment_are_named() {
        let dir = site(
            "bad",
            &[
                (
                    "en/index.html",
                    r#"<a href="gone.html">x</a> <a href="a.html#nowhere">y</a>"#,
                ),
                ("en/a.html", r#"<h2 id="part">p</h2>"#),
            ],
        );
        let err = format!(
            "{:#}",
            check(&dir, &|b| (b.target == "en/gone.html")
                .then(|| "src/en/index.md:3".to_string()))
            .unwrap_err()
        );
        assert!(err.contains("2 broken links"), "{err}");
        assert!(
            err.contains("src/en/index.md:3: page en/index.html: en/gone.html"),
            "{err}"
        );
        assert!(
            err.contains("\n  page en/index.html: en/a.html#nowhere"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
