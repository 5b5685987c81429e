//! `cargo run -p verify -- book`: the whole book from the current snapshots,
//! with mdBook, Pagefind and lychee as libraries (no tool to install).
//!
//! 1. the languages are in parity;
//! 2. mdBook renders each language from the one `book.toml` (`book.src`,
//!    `book.language`, `book.title` set per language), with the `kmod`
//!    preprocessor running in this process; an `ERROR` mdBook reports and
//!    goes on from fails the build all the same;
//! 3. `index.html`, the landing page that picks a language;
//! 4. a Pagefind (extended) index over both languages ([`search_index`]);
//! 5. every link and `#fragment` of every page is checked offline
//!    ([`links`]).
//!
//! Everything is made in `OUT/.staging/` and moved into `OUT/` only when all
//! steps passed, so a failed build leaves the previous book as it was.

use super::preprocessor::Kmod;
use super::{html_escape, links, parity, search_index, BookConfig, Language};
use anyhow::{bail, Context, Result};
use mdbook_driver::config::Config;
use mdbook_driver::MDBook;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::Layer;

/// What [`build`] is asked to do.
pub struct Options {
    /// The repository root (where `book.toml` is).
    pub root: PathBuf,
    /// Where the book goes; `book/` at the root by default.
    pub out: PathBuf,
    /// Print mdBook's log (INFO and above) as it comes.
    pub verbose: bool,
}

impl Options {
    /// The defaults: `root/book/`, quiet.
    pub fn new(root: &Path) -> Options {
        Options {
            root: root.to_path_buf(),
            out: root.join("book"),
            verbose: false,
        }
    }
}

/// A built book.
#[derive(Debug)]
pub struct Built {
    /// The book's directory: the landing page, one directory per language and
    /// `pagefind/`.
    pub out: PathBuf,
    /// The languages built, in `book.toml` order.
    pub languages: Vec<Language>,
    /// Pages Pagefind indexed, per language tag (`en`, `zh-cn`).
    pub indexed: Vec<(String, usize)>,
    /// What the link check found (all of it good: a broken link fails the build).
    pub links: links::Checked,
    /// Wall seconds of the whole build.
    pub secs: f64,
}

/// Builds the whole book into `opts.out` (see the module's steps). Errors:
/// the languages out of parity, an mdBook error (a directive the
/// preprocessor cannot expand names its chapter file and line) or an
/// `ERROR` in mdBook's log, a language without `index.html`, a language
/// Pagefind indexed no page of, and every broken link or fragment (page and
/// target named).
pub fn build(opts: &Options) -> Result<Built> {
    let started = Instant::now();
    let root = &opts.root;
    let config = BookConfig::load(root)?;
    parity::check(&config)?;

    let out = &opts.out;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let staging = out.join(".staging");
    remove(&staging)?;
    let made = (|| {
        for lang in &config.languages {
            let dest = staging.join(&lang.id);
            render_language(&config, lang, &dest, opts.verbose)?;
            if !dest.join("index.html").is_file() {
                bail!(
                    "mdBook wrote no index.html for {} into {}",
                    lang.id,
                    dest.display()
                );
            }
        }
        std::fs::write(staging.join("index.html"), landing_page(&config.languages))?;
        // GitHub Pages: serve files as they are (no Jekyll).
        std::fs::write(staging.join(".nojekyll"), "")?;
        let indexed = search_index::write(&staging, &config.languages)?;
        let checked = links::check(&staging, &|b| written_at(&config, b))?;
        Ok((indexed, checked))
    })();
    let (indexed, checked) = match made {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    // Every step passed: the new book replaces the old one, part by part.
    let mut parts: Vec<String> = config.languages.iter().map(|l| l.id.clone()).collect();
    parts.extend(["index.html", ".nojekyll", "pagefind"].map(String::from));
    for part in &parts {
        let to = out.join(part);
        remove(&to)?;
        std::fs::rename(staging.join(part), &to)
            .with_context(|| format!("moving the new {part} into {}", out.display()))?;
    }
    remove(&staging)?;
    Ok(Built {
        out: out.clone(),
        languages: config.languages.clone(),
        indexed,
        links: checked,
        secs: started.elapsed().as_secs_f64(),
    })
}

/// Where a broken link of the built page was written: the chapter of
/// `src/LANG/` the page was built from, at the first line that holds the
/// link's fragment (or, without one, its file name); just the chapter when
/// no line does, `None` for a page no chapter makes.
fn written_at(config: &BookConfig, b: &links::Broken) -> Option<String> {
    let mut parts = b.page.components();
    let lang = parts.next()?.as_os_str().to_str()?;
    let lang = config.languages.iter().find(|l| l.id == lang)?;
    let chapter = parts.as_path().with_extension("md");
    let file = config.src_dir(lang).join(&chapter);
    let text = std::fs::read_to_string(&file).ok()?;
    let (target, fragment) = match b.target.split_once('#') {
        Some((t, f)) => (t, Some(f)),
        None => (b.target.as_str(), None),
    };
    let stem = Path::new(target).file_stem()?.to_str()?;
    let needle = match fragment {
        Some(f) => format!("#{f}"),
        None => format!("{stem}.md"),
    };
    let at = text.lines().position(|l| l.contains(&needle));
    let rel = config.rel(&file);
    Some(match at {
        Some(i) => format!("{rel}:{}", i + 1),
        None => rel,
    })
}

/// Removes a file or a directory tree, if there is one.
fn remove(path: &Path) -> Result<()> {
    let r = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => Err(e),
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
    };
    r.with_context(|| format!("removing {}", path.display()))
}

/// Builds the book into `out` (or `book/`) and prints where it is and what
/// it holds.
pub fn with_this_program(repo: &Path, out: Option<PathBuf>, verbose: bool) -> Result<PathBuf> {
    let mut opts = Options::new(repo);
    if let Some(out) = out {
        opts.out = out;
    }
    opts.verbose = verbose;
    eprintln!("building the book from the snapshots in kmods/ ...");
    let built = build(&opts)?;
    let pages: Vec<String> = built
        .indexed
        .iter()
        .map(|(l, n)| format!("{n} pages in {l}"))
        .collect();
    eprintln!(
        "built the book in {:.0}s: {} ({}; search index: {}; {})",
        built.secs,
        crate::run::messages::rel(repo, &built.out),
        built
            .languages
            .iter()
            .map(|l| l.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        pages.join(", "),
        built.links.summary()
    );
    Ok(built.out)
}

/// One language's pages, rendered by mdBook into `dest` with the `kmod`
/// preprocessor of this crate in place of `book.toml`'s command.
fn render_language(config: &BookConfig, lang: &Language, dest: &Path, verbose: bool) -> Result<()> {
    let toml = config.root.join(super::BOOK_TOML);
    let mut md_config = Config::from_disk(&toml)?;
    md_config.set("book.src", config.rel(&config.src_dir(lang)))?;
    md_config.set("book.language", &lang.lang)?;
    md_config.set("book.title", &lang.title)?;
    md_config.set("build.build-dir", dest.to_string_lossy().as_ref())?;
    let log = Log::default();
    let subscriber = tracing_subscriber::registry().with(log.clone().verbose(verbose));
    let result = tracing::subscriber::with_default(subscriber, || -> Result<()> {
        let mut book = MDBook::load_with_config(&config.root, md_config)?;
        // Replaces the CmdPreprocessor book.toml declares under the same name.
        book.with_preprocessor(Kmod);
        book.build()
    });
    let errors = log.errors();
    let what = format!(
        "the {} book ({})",
        lang.id,
        config.rel(&config.src_dir(lang))
    );
    match result {
        Err(e) => bail!("mdBook could not build {what}: {e:#}{}", errors.as_block()),
        Ok(()) if !errors.is_empty() => {
            bail!(
                "mdBook reported errors while building {what}:{}",
                errors.as_block()
            )
        }
        Ok(()) => Ok(()),
    }
}

/// mdBook's log, as tracing events: errors are kept (mdBook logs some
/// problems, e.g. an unknown key of `[output.html]`, and goes on), INFO and
/// above printed when verbose.
#[derive(Clone, Default)]
struct Log {
    errors: Arc<Mutex<Vec<String>>>,
    verbose: bool,
}

/// The errors a build logged, one line each.
struct Errors(Vec<String>);

impl Errors {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn as_block(&self) -> String {
        self.0.iter().fold(String::new(), |mut s, e| {
            let _ = write!(s, "\n  ERROR {e}");
            s
        })
    }
}

impl Log {
    fn verbose(mut self, yes: bool) -> Log {
        self.verbose = yes;
        self
    }

    fn errors(&self) -> Errors {
        Errors(self.errors.lock().map(|e| e.clone()).unwrap_or_default())
    }
}

/// The `message` field of an event, and its other fields after it.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?}"));
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for Log {
    fn on_event(&self, event: &Event<'_>, _ctx: LayerContext<'_, S>) {
        let level = *event.metadata().level();
        if level > Level::INFO {
            return;
        }
        let mut m = Message::default();
        event.record(&mut m);
        let line = format!("({}): {}", event.metadata().target(), m.0);
        if self.verbose {
            eprintln!("{level:>5} {line}");
        }
        if level == Level::ERROR {
            if let Ok(mut e) = self.errors.lock() {
                e.push(line);
            }
        }
    }
}

/// `book/index.html`: links to each language; a reader's earlier choice, or
/// else the browser's languages, pick where it goes. The titles, labels and
/// tags of `book.toml` are escaped; ids are lower-case letters
/// ([`BookConfig::from_mdbook`] checks).
pub fn landing_page(languages: &[Language]) -> String {
    let links: String = languages
        .iter()
        .map(|l| format!("      <li><a href=\"{id}/\" lang=\"{lang}\" hreflang=\"{lang}\" data-lang=\"{id}\">{title}<span>{label}</span></a></li>\n", id = l.id, lang = html_escape(&l.lang), title = html_escape(&l.title), label = html_escape(&l.label)))
        .collect();
    let ids: Vec<String> = languages.iter().map(|l| format!("\"{}\"", l.id)).collect();
    let titles: Vec<String> = languages.iter().map(|l| html_escape(&l.title)).collect();
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <style>
    body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 12vh auto; padding: 0 1rem; color: #222; }}
    h1 {{ font-weight: 600; }}
    ul {{ list-style: none; padding: 0; }}
    li a {{ display: block; margin: .6rem 0; padding: .8rem 1rem; border: 1px solid #ccc; border-radius: 6px; text-decoration: none; color: inherit; font-size: 1.2rem; }}
    li a:hover, li a:focus {{ border-color: #4183c4; background: #f4f8fc; }}
    li a span {{ float: right; color: #666; }}
  </style>
</head>
<body>
  <main>
    <h1>{title}</h1>
    <p>Choose a language · 选择语言</p>
    <ul>
{links}    </ul>
  </main>
  <script>
    // A choice made here or with a page's language link is remembered; the
    // first visit follows the browser's languages. `#choose` only shows the list.
    (function () {{
      var ids = [{ids}];
      var choose = function (id) {{ try {{ localStorage.setItem("kthread-book-language", id); }} catch (e) {{}} }};
      document.querySelectorAll("a[data-lang]").forEach(function (a) {{
        a.addEventListener("click", function () {{ choose(a.dataset.lang); }});
      }});
      if (location.hash === "#choose") return;
      var chosen = null;
      try {{ chosen = localStorage.getItem("kthread-book-language"); }} catch (e) {{}}
      if (ids.indexOf(chosen) < 0) {{
        var wanted = navigator.languages || [navigator.language || ""];
        for (var i = 0; i < wanted.length && !chosen; i++) {{
          var primary = String(wanted[i]).toLowerCase().split("-")[0];
          if (ids.indexOf(primary) >= 0) chosen = primary;
        }}
      }}
      if (ids.indexOf(chosen) >= 0) location.replace(chosen + "/");
    }})();
  </script>
</body>
</html>
"##,
        title = titles.join(" · "),
        ids = ids.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landing_page_links_every_language() {
        let ls = vec![
            Language {
                id: "en".into(),
                label: "English".into(),
                lang: "en".into(),
                title: "The kthread book".into(),
            },
            Language {
                id: "zh".into(),
                label: "中文".into(),
                lang: "zh-CN".into(),
                title: "内核线程之书".into(),
            },
        ];
        let page = landing_page(&ls);
        assert!(page.contains(r#"<a href="zh/" lang="zh-CN""#));
        assert!(page.contains(r#"var ids = ["en", "zh"];"#));
        let mut hostile = ls.clone();
        hostile[0].title = "<img src=x onerror=alert(1)>".into();
        hostile[0].lang = "en\" onmouseover=\"alert(2)".into();
        let page = landing_page(&hostile);
        assert!(
            !page.contains("<img") && !page.contains("\" onmouseover"),
            "{page}"
        );
        assert!(
            page.contains("&lt;img src=x onerror=alert&#40;1&#41;&gt;"),
            "{page}"
        );
    }
}
