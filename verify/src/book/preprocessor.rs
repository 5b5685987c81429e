//! The mdBook preprocessor `kmod` (declared in `book.toml`): runs on every
//! build of either language and
//!
//! 1. checks parity between the languages (fails naming what is missing);
//! 2. expands `{{#kmod NAME}}`, `{{#sim NAME}}`, `{{#kernels}}`,
//!    `{{#measure NAME KEY}}`, `{{#source FILE FUNCTION}}` and `{{#api}}`
//!    (fails naming the chapter file and line of every directive it cannot
//!    expand);
//! 3. checks what the prose cites ([`cite`]): claim ids against the
//!    appendix, the appendix's evidence against the listings, links against
//!    the chapters (fails naming the chapter file and line);
//! 4. puts a link to the same page in every other language at the top of
//!    each chapter (a Markdown link, which the link check of the built pages follows), and
//!    marks the chapter text as the part Pagefind indexes.

use super::api;
use super::cite;
use super::directive::{self, Kind};
use super::files::{self, Holder};
use super::render::{self, Words};
use super::source;
use super::{html_escape, parity, BookConfig, Language};
use crate::host::matrix::Matrix;
use crate::kernel_source;
use crate::manifest::{self, Scenario};
use anyhow::{bail, Context, Result};
use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use std::io::Write;
use std::path::Path;

/// The `kmod` preprocessor ([`Preprocessor`]), which both the hidden
/// `verify mdbook-preprocessor` command and the `mdbook-kmod` binary run.
pub struct Kmod;

impl Preprocessor for Kmod {
    fn name(&self) -> &str {
        "kmod"
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> Result<Book> {
        let config = BookConfig::from_mdbook(&ctx.root, &ctx.config)?;
        let lang = config.language_of_src(&ctx.config.book.src)?.clone();
        parity::check(&config)?;
        expand_book(&config, &lang, book)
    }

    fn supports_renderer(&self, _renderer: &str) -> Result<bool> {
        Ok(true)
    }
}

/// The listings, the simulations' snapshots and the matrix the directives
/// are rendered from.
pub struct Sources {
    /// The repository root (`examples/snapshots/` is under it).
    pub root: std::path::PathBuf,
    /// `kernels.toml`.
    pub matrix: Matrix,
    /// Every listing's manifest under `kmods/`, by name (not expanded: a
    /// listing's variants are in its [`Scenario::variants`]).
    pub scenarios: Vec<Scenario>,
    /// The kernel source extracts of `src/kernel-sources/`, checked against
    /// their list and the matrix.
    pub kernel_sources: kernel_source::Store,
}

impl Sources {
    /// Reads `kernels.toml` and the listings' manifests. Before anything is
    /// read: `kernels.toml`, `kmods/`, every listing (with its `snapshots/`)
    /// and `kmods/include/` must be regular files and directories below
    /// `root`, reached through no symbolic link; an error names the first
    /// that is not, and the fix.
    pub fn load(root: &Path) -> Result<Sources> {
        let kmods = root.join("kmods");
        let check = || -> Result<(), String> {
            files::inside(root, &root.join("kernels.toml"), Holder::Repository)?;
            if files::inside(root, &kmods, Holder::Repository)? {
                for entry in std::fs::read_dir(&kmods)
                    .map_err(|e| format!("reading {}: {e}", kmods.display()))?
                {
                    let path = entry
                        .map_err(|e| format!("reading {}: {e}", kmods.display()))?
                        .path();
                    if path.file_name() == Some(manifest::SHARED_DIR.as_ref()) {
                        files::check_dir(root, &path, &[], Holder::Include)?;
                    } else {
                        // A link to a listing elsewhere is refused here too.
                        files::inside(root, &path, Holder::Listing)?;
                        if path.is_dir() {
                            files::check_dir(root, &path, &["snapshots"], Holder::Listing)?;
                        }
                    }
                }
            }
            Ok(())
        };
        check().map_err(|e| anyhow::anyhow!(e))?;
        let matrix = Matrix::load(&root.join("kernels.toml"))?;
        let scenarios = manifest::discover(&kmods, &matrix.ids())?;
        let kernel_sources = kernel_source::Store::load(root, &matrix.ids())?;
        Ok(Sources {
            root: root.to_path_buf(),
            matrix,
            scenarios,
            kernel_sources,
        })
    }

    /// The listing `name` that directive `kind` names, or why there is none.
    fn listing(&self, kind: &Kind, name: &str) -> Result<&Scenario, String> {
        self.scenarios
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                format!(
                    "{kind}: no listing `{name}` under kmods/ (there are: {})",
                    self.scenarios
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    /// Every listing's C code, for `{{#api}}`'s links.
    fn listings_code(&self) -> Result<Vec<api::Listing>, String> {
        self.scenarios
            .iter()
            .map(|s| {
                let files = render::listing_files(&self.root, &s.dir)?;
                let texts: Vec<&str> = files
                    .iter()
                    .filter(|(n, _)| n.ends_with(".c") || n.ends_with(".h"))
                    .map(|(_, t)| t.as_str())
                    .collect();
                Ok(api::Listing::new(&s.name, &texts))
            })
            .collect()
    }

    /// The Markdown for one directive on `page` in language `lang` (its
    /// `words`), or why there is none.
    pub fn render(
        &self,
        kind: &Kind,
        words: &Words,
        lang: &str,
        page: &Page,
    ) -> Result<String, String> {
        match kind {
            Kind::Kernels => Ok(render::kernels(&self.matrix, &self.scenarios, words)),
            Kind::Kmod(name) => {
                let scenario =
                    self.scenarios
                        .iter()
                        .find(|s| &s.name == name)
                        .ok_or_else(|| {
                            format!(
                                "{kind}: no listing `{name}` under kmods/ (there are: {})",
                                self.scenarios
                                    .iter()
                                    .map(|s| s.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        })?;
                render::kmod(&self.root, scenario, &self.matrix, words)
                    .map_err(|e| format!("{kind}: {e}"))
            }
            Kind::Sim(name) => render::sim(&self.root, name, &self.scenarios, &self.matrix, words)
                .map_err(|e| format!("{kind}: {e}")),
            Kind::Measure(name, key) => {
                let scenario = self.listing(kind, name)?;
                render::measure(&self.root, scenario, key, &self.matrix, words)
                    .map_err(|e| format!("{kind}: {e}"))
            }
            Kind::Source(file, name) => {
                source::render(&self.kernel_sources, file, name, &self.matrix.ids(), lang)
                    .map_err(|e| format!("{kind}: {e}"))
            }
            Kind::Api => {
                let listings = self.listings_code().map_err(|e| format!("{kind}: {e}"))?;
                api::render(
                    &self.kernel_sources,
                    &self.matrix.ids(),
                    page.chapters,
                    &listings,
                    page.path,
                    lang,
                )
                .map_err(|e| format!("{kind}: {e}"))
            }
        }
    }
}

/// Where a directive is expanded: its chapter's page, and the book's
/// chapters with the listings each shows (`{{#api}}` links them).
pub struct Page<'a> {
    /// The chapter file, relative to `src/<lang>/`.
    pub path: &'a Path,
    /// Every chapter of the book (this language), in order.
    pub chapters: &'a [api::Chapter],
}

/// The chapters of `book` with a page, in order, each with the listings it
/// shows (`{{#kmod NAME}}`, not escaped).
pub fn chapters_and_listings(book: &Book) -> Vec<api::Chapter> {
    book.chapters()
        .filter_map(|ch| {
            Some(api::Chapter {
                path: ch.path.clone()?,
                title: ch.name.clone(),
                number: ch
                    .number
                    .as_ref()
                    .map(|n| n.to_string().trim_end_matches('.').to_string()),
                listings: directive::active(&ch.content)
                    .into_iter()
                    .filter_map(|d| match d.kind {
                        Ok(Kind::Kmod(name)) => Some(name),
                        _ => None,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Expands every chapter of `book` (language `lang`); all failures are
/// reported together, each as `src/LANG/FILE:LINE: what`.
pub fn expand_book(config: &BookConfig, lang: &Language, mut book: Book) -> Result<Book> {
    let sources = Sources::load(&config.root)?;
    let words = Words::for_language(&lang.id);
    let src = config.rel(&config.src_dir(lang));
    let mut errors = Vec::new();
    // What the prose cites (claims, the appendix's evidence, chapters).
    {
        let chapters: Vec<(&Path, &str)> = book
            .chapters()
            .filter_map(|ch| Some((ch.path.as_deref()?, ch.content.as_str())))
            .collect();
        let pages: Vec<cite::Page> = chapters
            .iter()
            .map(|(path, text)| cite::Page { path, text })
            .collect();
        let listings: Vec<&str> = sources.scenarios.iter().map(|s| s.name.as_str()).collect();
        for (file, line, e) in cite::check(&pages, &listings) {
            errors.push(format!("{src}/{}:{line}: {e}", file.display()));
        }
    }
    let chapters = chapters_and_listings(&book);
    book.for_each_mut(|item| {
        if let BookItem::Chapter(ch) = item {
            if let Err(e) = expand_chapter(config, lang, &sources, &words, &chapters, ch) {
                let file = ch
                    .source_path
                    .as_deref()
                    .or(ch.path.as_deref())
                    .unwrap_or(Path::new("?"));
                for line in e {
                    errors.push(format!("{src}/{}:{line}", file.display()));
                }
            }
        }
    });
    if !errors.is_empty() {
        bail!("the book cannot be built:\n  {}", errors.join("\n  "));
    }
    Ok(book)
}

/// Errors are `LINE: message`, to be prefixed with the file.
fn expand_chapter(
    config: &BookConfig,
    lang: &Language,
    sources: &Sources,
    words: &Words,
    chapters: &[api::Chapter],
    ch: &mut Chapter,
) -> Result<(), Vec<String>> {
    let Some(path) = ch.path.clone() else {
        return Ok(()); // a draft chapter has no page
    };
    let page = Page {
        path: &path,
        chapters,
    };
    let (text, errors) =
        directive::expand(&ch.content, |k| sources.render(k, words, &lang.id, &page));
    let text = if lang.id.starts_with("zh") {
        super::cjk::join_soft_breaks(&text)
    } else {
        text
    };
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|(line, e)| format!("{line}: {e}"))
            .collect());
    }
    let switch = language_links(config, lang, &path);
    // Pagefind indexes only this div; its result title is the chapter's
    // (the page's first <h1> is the book's title in the menu bar).
    let title = html_escape(&ch.name);
    // Blank lines keep the Markdown inside the div Markdown.
    ch.content = format!(
        "<div data-pagefind-body data-pagefind-meta=\"title:{title}\">\n\n{switch}\n\n{text}\n\n</div>\n"
    );
    Ok(())
}

/// `<span class="lang-switch">[中文](../zh/PAGE.md)</span>` for every other
/// language: the same page, relative to this one.
pub fn language_links(config: &BookConfig, lang: &Language, page: &Path) -> String {
    let depth = page.components().count().saturating_sub(1);
    let page = page
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let links: Vec<String> = config
        .languages
        .iter()
        .filter(|l| l.id != lang.id)
        .map(|l| {
            format!(
                "<span class=\"lang-switch\" lang=\"{}\" data-lang=\"{}\" data-pagefind-ignore>[{}]({}{}/{page})</span>",
                html_escape(&l.lang),
                l.id,
                html_escape(&l.label),
                "../".repeat(depth + 1),
                l.id
            )
        })
        .collect();
    links.join(" ")
}

/// The `mdbook-kmod` command as mdBook runs it: `supports RENDERER`, or the
/// book as JSON on stdin and the expanded book as JSON on stdout. Returns the
/// exit code.
pub fn run_command(args: &[String]) -> i32 {
    match args {
        [s, _renderer] if s == "supports" => 0,
        [] => match preprocess_stdio() {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("mdbook-kmod: error: {e:#}");
                1
            }
        },
        _ => {
            eprintln!(
                "mdbook-kmod: the kthread book's mdBook preprocessor; mdBook runs it (see book.toml).\n\
                 usage: mdbook-kmod [supports RENDERER] (the book as JSON on stdin)"
            );
            2
        }
    }
}

fn preprocess_stdio() -> Result<()> {
    let (ctx, book) = mdbook_preprocessor::parse_input(std::io::stdin().lock())?;
    if ctx.mdbook_version != mdbook_preprocessor::MDBOOK_VERSION {
        eprintln!(
            "mdbook-kmod: warning: built against mdBook {} but called by mdBook {}; the version verify uses is in Cargo.lock (mdbook-driver)",
            mdbook_preprocessor::MDBOOK_VERSION,
            ctx.mdbook_version
        );
    }
    let book = Kmod.run(&ctx, book)?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &book).context("writing the book to mdBook")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// The book of this repository with one page, `path` holding `text`, in
    /// language `lang` (0 English, 1 Chinese), expanded.
    fn expand_page(lang: usize, path: &str, text: &str) -> Result<Book> {
        let config = BookConfig::load(&repo()).unwrap();
        let lang = config.languages[lang].clone();
        let mut ch = Chapter::new("Demo", text.into(), path, vec![]);
        ch.source_path = Some(path.into());
        let mut book = Book::new();
        book.push_item(ch);
        expand_book(&config, &lang, book)
    }

    fn expand_error(lang: usize, path: &str, text: &str) -> String {
        format!("{:#}", expand_page(lang, path, text).unwrap_err())
    }

    #[test]
    fn links_point_at_the_same_page_in_the_other_language() {
        let config = BookConfig::load(&repo()).unwrap();
        let (en, zh) = (&config.languages[0], &config.languages[1]);
        let l = language_links(&config, en, Path::new("index.md"));
        assert!(
            l.contains(&format!("]({}/index.md)", format_args!("../{}", zh.id))),
            "{l}"
        );
        let l = language_links(&config, zh, Path::new("part/deep.md"));
        assert!(l.contains("](../../en/part/deep.md)"), "{l}");
        assert!(l.contains(&format!("[{}]", en.label)), "{l}");
    }

    #[test]
    fn unknown_listing_and_missing_snapshot_name_file_and_line() {
        let err = expand_error(
            0,
            "demo/page.md",
            "# Demo\n\ntext\n{{#kmod no_such_listing}}\n",
        );
        assert!(
            err.contains(
                "src/en/demo/page.md:4: {{#kmod no_such_listing}}: no listing `no_such_listing`"
            ),
            "{err}"
        );
        assert!(
            err.contains("stop_after_run"),
            "lists the listings there are: {err}"
        );
    }

    #[test]
    fn an_unknown_simulation_names_file_and_line() {
        let err = expand_error(
            1,
            "demo.md",
            "# Demo\n\n{{#sim stop_after_run}}\n\n{{#sim no_such_sim}}\n",
        );
        assert!(
            err.contains("src/zh/demo.md:5: {{#sim no_such_sim}}: no simulation `no_such_sim`"),
            "{err}"
        );
        assert!(!err.contains("demo.md:3"), "the known one expands: {err}");
    }

    #[test]
    fn a_bad_measure_directive_names_file_and_line() {
        let err = expand_error(0, "demo.md", "# Demo\n\n{{#measure no_such_listing ran}}\n{{#measure stop_after_run ran}}\n{{#measure x}}\n");
        assert!(
            err.contains(
                "src/en/demo.md:3: {{#measure no_such_listing ran}}: no listing `no_such_listing`"
            ),
            "{err}"
        );
        assert!(
            err.contains("src/en/demo.md:4: {{#measure stop_after_run ran}}: listing `stop_after_run` has no measure `ran` (it declares none"),
            "{err}"
        );
        assert!(
            err.contains("src/en/demo.md:5: {{#measure x}}: takes two names"),
            "{err}"
        );
    }

    #[test]
    fn a_kernel_source_renders_or_names_file_and_line() {
        let err = expand_error(0, "demo.md", "# Demo\n\n{{#source kernel/kthread.c kthread_stop}}\n\n{{#source kernel/kthread.c no_such_function}}\n{{#source kthread_stop}}\n");
        assert!(
            err.contains("src/en/demo.md:5: {{#source kernel/kthread.c no_such_function}}: `kernel/kthread.c no_such_function` is not in src/kernel-sources/wanted.toml (it has: kernel/kthread.c kthread,"),
            "{err}"
        );
        assert!(
            err.contains(
                "src/en/demo.md:6: {{#source kthread_stop}}: takes a kernel file and a function"
            ),
            "{err}"
        );
        assert!(!err.contains("demo.md:3"), "the known one renders: {err}");
        let book = expand_page(
            0,
            "demo.md",
            "# Demo\n\n{{#source kernel/kthread.c kthread_stop}}\n",
        )
        .unwrap();
        let page = &book.chapters().next().unwrap().content;
        assert!(
            page.contains("id=\"source-kernel-kthread-c-kthread_stop\""),
            "{page}"
        );
        assert!(
            page.contains(&html_escape("set_tsk_thread_flag(k, TIF_NOTIFY_SIGNAL);")),
            "{page}"
        );
    }

    /// The repository's API tables, linked to the chapter of this book
    /// that shows a listing calling each function.
    #[test]
    fn the_api_table_links_the_chapters_whose_listings_call_each_function() {
        let config = BookConfig::load(&repo()).unwrap();
        for (lang, shown, none) in [
            (0, "Shown in", "not demonstrated"),
            (1, "示例所在章节", "尚无示例"),
        ] {
            let mut book = Book::new();
            for (name, path, text) in [
                (
                    "Stopping",
                    "part/stop.md",
                    "# Stopping\n\n{{#kmod stop_after_run}}\n\\{{#kmod calls_kthread_exit}}\n",
                ),
                ("API", "api.md", "# API\n\n{{#api}}\n"),
            ] {
                let mut ch = Chapter::new(name, text.into(), path, vec![]);
                ch.source_path = Some(path.into());
                book.push_item(ch);
            }
            let lang = config.languages[lang].clone();
            let book = expand_book(&config, &lang, book).unwrap();
            let page = &book.chapters().nth(1).unwrap().content;
            assert!(page.contains(shown), "{page}");
            let line = |name: &str| {
                page.lines()
                    .find(|l| l.contains(&format!(">{}</code>", html_escape(name))))
                    .unwrap_or_else(|| panic!("no row {name}: {page}"))
            };
            // stop_after_run calls kthread_stop(); the escaped directive
            // shows no listing, so kthread_exit() is not demonstrated here.
            assert!(
                line("kthread_stop").ends_with(" [Stopping](part/stop.md \"Stopping\") |"),
                "{}",
                line("kthread_stop")
            );
            assert!(
                line("kthread_exit").ends_with(&format!("{none}</span> |")),
                "{}",
                line("kthread_exit")
            );
            assert!(
                line("kthread_run_on_cpu").contains("<span class=\"api-absent\">"),
                "absent on 5.10"
            );
        }
    }

    #[test]
    fn expands_a_listing_and_wraps_the_page() {
        let book = expand_page(
            1,
            "demo.md",
            "# Demo\n\n{{#kmod stop_after_run}}\n\\{{#kmod x}}\n",
        )
        .unwrap();
        let ch = book.chapters().next().unwrap();
        assert!(ch
            .content
            .starts_with("<div data-pagefind-body data-pagefind-meta=\"title:Demo\">"));
        assert!(
            ch.content
                .contains(&html_escape("stop_after_run: kthread_stop returned -4")),
            "{}",
            ch.content
        );
        assert!(ch.content.contains("{{#kmod x}}") && !ch.content.contains("\\{{#kmod x}}"));
        assert!(ch.content.contains("](../en/demo.md)"));
    }
}
