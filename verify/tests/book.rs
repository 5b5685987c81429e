//! The book, built as `cargo run -p verify -- book` builds it (into
//! target/book-test/ rather than book/), then read by headless Chromium the
//! way a reader reads it: served on localhost, searched in both languages,
//! and photographed. mdBook, Pagefind and lychee are libraries of verify;
//! Chromium is the one program needed (`apt-get install -y chromium`, which
//! verify's prerequisite step does as root); without it the test fails with
//! that command.

mod browser;
mod common;
mod search_term;

use browser::Browser;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use verify::book::build::{self, Options};
use verify::book::serve::Server;
use verify::book::{parity, BookConfig};
use verify::host::matrix::Matrix;
use verify::manifest;
use verify::snapshot::Store;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn test_dir() -> PathBuf {
    repo().join("target/book-test")
}

/// The book, built once for all tests of this file.
fn book() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut opts = Options::new(&repo());
        opts.out = test_dir().join("book");
        match build::build(&opts) {
            Ok(b) => b.out,
            Err(e) => panic!("building the book: {e:#}"),
        }
    })
}

/// Text as mdBook 0.5 writes it into a page: only `<`, `>` and `&` escaped
/// (`mdbook_core::utils::escape_html`), whatever character references the
/// preprocessor used.
fn served(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn config() -> BookConfig {
    BookConfig::load(&repo()).unwrap()
}

#[test]
fn every_page_of_both_languages_is_built_with_its_verified_output() {
    let out = book();
    let config = config();
    let matrix = Matrix::load(&repo().join("kernels.toml")).unwrap();
    let scenarios = manifest::discover(&repo().join("kmods"), &matrix.ids()).unwrap();
    let landing = std::fs::read_to_string(out.join("index.html")).unwrap();
    for lang in &config.languages {
        assert!(
            landing.contains(&format!("href=\"{}/\"", lang.id)),
            "the landing page links {}",
            lang.id
        );
        let chapters = parity::chapters(&config.src_dir(lang)).unwrap();
        for ch in &chapters {
            let page = ch.path.with_extension("html");
            let html = std::fs::read_to_string(out.join(&lang.id).join(&page))
                .unwrap_or_else(|e| panic!("{}/{}: {e}", lang.id, page.display()));
            assert!(
                html.contains(&format!("<html lang=\"{}\"", lang.lang)),
                "{}/{} is in {}",
                lang.id,
                page.display(),
                lang.lang
            );
            // Only directives escaped in the source (`\{{#kmod NAME}}`) remain, as text.
            let source = std::fs::read_to_string(config.src_dir(lang).join(&ch.path)).unwrap();
            let escaped = verify::book::directive::find(&source)
                .iter()
                .filter(|d| d.escaped)
                .count();
            assert_eq!(
                html.matches("{{#").count(),
                escaped,
                "{}/{}: a directive was left unexpanded",
                lang.id,
                page.display()
            );
            // The link to the same page in every other language, and that page exists.
            for other in config.languages.iter().filter(|o| o.id != lang.id) {
                let depth = ch.path.components().count() - 1;
                let href = format!("{}{}/{}", "../".repeat(depth + 1), other.id, page.display());
                assert!(
                    html.contains(&format!("href=\"{href}\"")),
                    "{}/{} links to {href}",
                    lang.id,
                    page.display()
                );
                assert!(out.join(&other.id).join(&page).is_file());
            }
            for (_, kind) in &ch.directives {
                if let verify::book::directive::Kind::Sim(name) = kind {
                    // Every reachable outcome, with its lines and its witness,
                    // and the command that explores it again.
                    assert!(html.contains(&format!("id=\"sim-{name}\"")), "{name}");
                    let report = examples::run(name).unwrap();
                    for v in &report.variants {
                        for o in &v.outcomes {
                            assert!(
                                html.contains(&served(&o.name)),
                                "{}/{}: {name} shows `{}`",
                                lang.id,
                                page.display(),
                                o.name
                            );
                            for (i, w) in o.witness.iter().enumerate() {
                                let line = examples::report::witness_line(i + 1, w);
                                assert!(html.contains(&served(&line)), "{line}");
                            }
                        }
                    }
                    assert!(html.contains(&format!("cargo run -p examples --bin {name}")));
                    continue;
                }
                let verify::book::directive::Kind::Kmod(name) = kind else {
                    continue;
                };
                assert!(
                    html.contains(&format!("id=\"kmod-{name}\"")),
                    "{}/{} shows {name}",
                    lang.id,
                    page.display()
                );
                let s = scenarios.iter().find(|s| &s.name == name).unwrap();
                for k in &matrix.kernels {
                    let (_, text) = Store::new(&s.dir, name).expected(&k.id).unwrap().unwrap();
                    // Every output line of every kernel is on the page (in a block or its diff).
                    for line in text.lines().filter(|l| !l.trim().is_empty()) {
                        assert!(
                            html.contains(&served(line.trim())),
                            "{}/{}: {name} on {} shows `{line}`",
                            lang.id,
                            page.display(),
                            k.id
                        );
                    }
                }
                assert!(html.contains(&format!("cargo run -p verify -- {name}")));
            }
        }
    }
    let entry: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("pagefind/pagefind-entry.json")).unwrap(),
    )
    .unwrap();
    for lang in &config.languages {
        let tag = lang.lang.to_ascii_lowercase();
        assert!(
            entry["languages"][&tag]["page_count"].as_u64().unwrap_or(0) > 0,
            "search index for {tag}: {entry}"
        );
    }
    // mdBook's own search is off: it would index no Chinese.
    assert!(!out.join("en/searchindex.js").exists() && !out.join("zh/searchindex.js").exists());
}

/// A throwaway copy of the book's configuration with its own chapters; the
/// listings and the matrix are the repository's (or `kmods`).
fn scratch_book(
    tag: &str,
    extra_toml: &str,
    chapters: &[(&str, &str)],
    kmods: Option<&Path>,
) -> PathBuf {
    let root = test_dir().join(format!("scratch-{tag}"));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let toml = std::fs::read_to_string(repo().join("book.toml")).unwrap() + extra_toml;
    std::fs::write(root.join("book.toml"), toml).unwrap();
    std::fs::copy(repo().join("kernels.toml"), root.join("kernels.toml")).unwrap();
    std::os::unix::fs::symlink(repo().join("theme"), root.join("theme")).unwrap();
    // A copy, not a link: the preprocessor reads nothing through a link.
    common::copy_tree(kmods.unwrap_or(&repo().join("kmods")), &root.join("kmods"));
    for (path, text) in chapters {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    root
}

fn build_scratch(root: &Path) -> Result<build::Built, String> {
    let opts = Options::new(root);
    build::build(&opts).map_err(|e| format!("{e:#}"))
}

const SUMMARY_EN: &str = "# Summary\n\n[Intro](index.md)\n\n- [Chapter](chapter.md)\n";
const SUMMARY_ZH: &str = "# 目录\n\n[引言](index.md)\n\n- [一章](chapter.md)\n";

#[test]
fn a_bad_directive_fails_the_build_naming_the_chapter_file_and_line() {
    // A listing without any accepted snapshot, next to the real ones.
    let kmods = test_dir().join("scratch-kmods");
    let _ = std::fs::remove_dir_all(&kmods);
    std::fs::create_dir_all(kmods.join("no_snapshot")).unwrap();
    for f in ["stop_after_run.c", "Kbuild", "scenario.toml"] {
        std::fs::copy(
            repo().join("kmods/stop_after_run").join(f),
            kmods.join("no_snapshot").join(f),
        )
        .unwrap();
    }
    let chapter = "# Chapter\n\nText.\n{{#kmod no_such_listing}}\n\n{{#kmod no_snapshot}}\n\n{{#sim no_such_sim}}\n\n{{#source kernel/kthread.c no_such_function}}\nAs claim 9.9 says, see [there](no-such-page.md).\n";
    let root = scratch_book(
        "bad-directive",
        "",
        &[
            ("src/en/SUMMARY.md", SUMMARY_EN),
            ("src/zh/SUMMARY.md", SUMMARY_ZH),
            ("src/en/index.md", "# Intro\n"),
            ("src/zh/index.md", "# 引言\n"),
            ("src/en/chapter.md", chapter),
            ("src/zh/chapter.md", chapter),
        ],
        Some(&kmods),
    );
    let err = build_scratch(&root).unwrap_err();
    assert!(err.contains("src/en/chapter.md:4: {{#kmod no_such_listing}}: no listing `no_such_listing` under kmods/"), "{err}");
    assert!(
        err.contains("src/en/chapter.md:6: {{#kmod no_snapshot}}: listing `no_snapshot` has no accepted snapshot for kernel 5.10, 6.1, 6.12, latest"),
        "{err}"
    );
    assert!(
        err.contains("src/en/chapter.md:8: {{#sim no_such_sim}}: no simulation `no_such_sim` in examples/ (there are: stop_after_run,"),
        "{err}"
    );
    assert!(
        err.contains("src/en/chapter.md:10: {{#source kernel/kthread.c no_such_function}}: `kernel/kthread.c no_such_function` is not in src/kernel-sources/wanted.toml"),
        "{err}"
    );
    assert!(
        err.contains("src/en/chapter.md:11: claim 9.9 is cited, but this language has no appendix claims-checked.md"),
        "{err}"
    );
    assert!(
        err.contains("src/en/chapter.md:11: [there](no-such-page.md) links to `no-such-page.md`, which is not a chapter of the book"),
        "{err}"
    );
}

#[test]
fn a_listing_in_one_language_only_fails_the_build_naming_it() {
    let root = scratch_book(
        "parity",
        "",
        &[
            ("src/en/SUMMARY.md", SUMMARY_EN),
            ("src/zh/SUMMARY.md", SUMMARY_ZH),
            ("src/en/index.md", "# Intro\n"),
            ("src/zh/index.md", "# 引言\n"),
            (
                "src/en/chapter.md",
                "# Chapter\n\n{{#kmod stop_after_run}}\n\n{{#kmod null_deref}}\n",
            ),
            (
                "src/zh/chapter.md",
                "# 一章\n\n{{#kmod stop_after_run}}\n\n{{#sim stop_after_run}}\n",
            ),
        ],
        None,
    );
    let err = build_scratch(&root).unwrap_err();
    assert!(
        err.contains(
            "src/zh/chapter.md lacks {{#kmod null_deref}} (src/en/chapter.md has it at line 5)"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "src/en/chapter.md lacks {{#sim stop_after_run}} (src/zh/chapter.md has it at line 5)"
        ),
        "{err}"
    );
}

#[test]
fn an_error_line_in_mdbooks_log_fails_the_build() {
    // mdBook 0.5 drops an [output.html] table with an unknown key, logs an
    // ERROR, and goes on.
    let root = scratch_book(
        "error-line",
        "\n[output.html.playground]\nno-such-key = true\n",
        &[
            ("src/en/SUMMARY.md", SUMMARY_EN),
            ("src/zh/SUMMARY.md", SUMMARY_ZH),
            ("src/en/index.md", "# Intro\n"),
            ("src/zh/index.md", "# 引言\n"),
            ("src/en/chapter.md", "# Chapter\n"),
            ("src/zh/chapter.md", "# 一章\n"),
        ],
        None,
    );
    let err = build_scratch(&root).unwrap_err();
    assert!(err.contains("ERROR"), "{err}");
}

#[test]
fn a_broken_link_fails_the_build() {
    let root = scratch_book(
        "broken-link",
        "",
        &[
            ("src/en/SUMMARY.md", SUMMARY_EN),
            ("src/zh/SUMMARY.md", SUMMARY_ZH),
            (
                "src/en/index.md",
                "# Intro\n\nSee [the chapter](no-such-chapter.md).\n",
            ),
            ("src/zh/index.md", "# 引言\n"),
            ("src/en/chapter.md", "# Chapter\n"),
            ("src/zh/chapter.md", "# 一章\n"),
        ],
        None,
    );
    let err = build_scratch(&root).unwrap_err();
    assert!(err.contains("no-such-chapter.md"), "{err}");
}

/// Every page of the built book in the language whose HTML tag is `lang`
/// (Pagefind makes one index per `<html lang>`), each with its address on
/// the served book as Pagefind gives it, and whether it is one of
/// `chapters` (paths under `id/`).
fn pages_in(out: &Path, id: &str, lang: &str, chapters: &[PathBuf]) -> Vec<search_term::Page> {
    let mut pages = Vec::new();
    let mut dirs = vec![out.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "html") {
                continue;
            }
            let html = std::fs::read_to_string(&path).unwrap();
            let rel = path.strip_prefix(out).unwrap();
            let tag = html
                .split("<html lang=\"")
                .nth(1)
                .and_then(|t| t.split('"').next());
            if !tag.is_some_and(|t| t.eq_ignore_ascii_case(lang)) && !rel.starts_with(id) {
                continue;
            }
            // Pagefind gives a directory's index page as the directory.
            let url = format!("/{}", rel.display());
            let url = url.strip_suffix("index.html").unwrap_or(&url).to_string();
            pages.push(search_term::Page {
                url,
                chapter: chapters.iter().any(|c| rel == Path::new(id).join(c)),
                html,
            });
        }
    }
    pages
}

/// Each language is searched for a word that is on exactly one chapter,
/// chosen from the built book (`tests/search_term`), so that no word a new
/// chapter uses can break the test; the search must find that chapter and
/// nothing else.
#[test]
fn search_finds_the_one_chapter_with_a_word_in_each_language() {
    let out = book();
    let config = config();
    let server = Server::start(out, "127.0.0.1:0").unwrap();
    let mut browser = Browser::launch();
    for lang in &config.languages {
        let lang_id = &lang.id;
        let chapters: Vec<PathBuf> = parity::chapters(&config.src_dir(lang))
            .unwrap()
            .iter()
            .map(|c| c.path.with_extension("html"))
            .collect();
        let pages = pages_in(out, lang_id, &lang.lang, &chapters);
        let terms = search_term::choose(&lang.lang, &pages, 20).unwrap();

        let mut page = browser.page(1200, 900);
        // Start from another page: the search has to find the chapter.
        page.goto(&server.url(&format!("{lang_id}/index.html")));
        // Pagefind's UI cuts a Chinese query into words with the browser's
        // Intl.Segmenter; the words were chosen with ICU4X's segmenter,
        // which agrees nearly always. The first word the browser also keeps
        // whole is searched (a query of two words would find pages holding
        // both apart).
        let words: Vec<&str> = terms.iter().map(|t| t.word.as_str()).collect();
        let whole = page.eval(&format!(
            "{}.filter(w => [...new Intl.Segmenter({}, {{granularity: 'word'}}).segment(w)].length === 1)",
            serde_json::json!(words),
            serde_json::json!(lang.lang)
        ));
        let Some(chosen) = terms.iter().find(|t| {
            whole
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w == t.word.as_str())
        }) else {
            panic!(
                "no word of the {lang_id} book is on exactly one chapter and kept whole by the browser's word segmenter (candidates: {words:?}); see verify/tests/search_term/mod.rs for the rules"
            );
        };
        let term = chosen.word.as_str();
        println!("{lang_id}: searching `{term}`, on {} only", chosen.url);
        page.eval("document.getElementById('kb-search-toggle').click()");
        page.wait_for(
            "document.querySelector('#kb-search input')",
            "the Pagefind search box",
        );
        page.eval("document.querySelector('#kb-search input').focus()");
        page.type_text(term);
        // Pagefind's UI says how many results it found before each result
        // has loaded its fragment and shown its link (a result's
        // sub-results add links of their own), and shows the first five
        // until asked for more: wait until every shown result has its link.
        let shown = page.wait_for(
            "(() => { const m = document.querySelector('#kb-search .pagefind-ui__message'); \
               const n = m && (m.textContent.match(/\\d+/) || [])[0]; \
               const results = [...document.querySelectorAll('#kb-search .pagefind-ui__result')]; \
               const loaded = results.filter(r => r.querySelector('.pagefind-ui__result-link')); \
               if (!n || results.length !== Math.min(Number(n), 5) || loaded.length !== results.length) return null; \
               return { count: Number(n), hrefs: [...document.querySelectorAll('#kb-search .pagefind-ui__result-link')].map(a => a.getAttribute('href')) }; })()",
            &format!("all the search results for `{term}`"),
        );
        let found: BTreeSet<String> = shown["hrefs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().split('#').next().unwrap().to_string())
            .collect();
        page.screenshot(&test_dir().join(format!("screenshots/search-{lang_id}.png")));
        let want = BTreeSet::from([chosen.url.clone()]);
        assert_eq!(
            (&shown["count"], found),
            (&serde_json::json!(1), want),
            "searching `{term}` in {lang_id} (results, and the pages of those shown): it is on {} only",
            chosen.url
        );
    }
}

#[test]
fn screenshots_of_a_chapter_show_the_verified_dmesg_in_each_language() {
    let out = book();
    let config = config();
    let matrix = Matrix::load(&repo().join("kernels.toml")).unwrap();
    let scenarios = manifest::discover(&repo().join("kmods"), &matrix.ids()).unwrap();
    let name = "stop_after_run";
    let s = scenarios.iter().find(|s| s.name == name).unwrap();
    let (_, snapshot) = Store::new(&s.dir, name)
        .expected(&matrix.kernels[0].id)
        .unwrap()
        .unwrap();
    let server = Server::start(out, "127.0.0.1:0").unwrap();
    let mut browser = Browser::launch();
    for lang in &config.languages {
        let mut page = browser.page(1200, 900);
        page.goto(&server.url(&format!("{}/creating-and-stopping.html", lang.id)));
        // The first output block of the listing: its verified dmesg.
        let block = format!("document.querySelector('#kmod-{name} .kmod-output + pre code')");
        page.eval(&format!("{block}.scrollIntoView({{block: 'center'}})"));
        let shown = page.eval(&format!(
            "(() => {{ const c = {block}; const r = c.getBoundingClientRect(); \
               return {{ text: c.innerText, visible: r.top >= 0 && r.bottom <= innerHeight && r.width > 0 && getComputedStyle(c).visibility === 'visible' }}; }})()"
        ));
        assert_eq!(
            shown["text"].as_str().unwrap().trim_end(),
            snapshot.trim_end(),
            "{}: the block is the snapshot",
            lang.id
        );
        assert_eq!(
            shown["visible"],
            serde_json::json!(true),
            "{}: the block is in view",
            lang.id
        );
        assert_eq!(
            page.eval("document.documentElement.lang"),
            serde_json::json!(lang.lang)
        );
        let path = test_dir().join(format!("screenshots/{}-creating-and-stopping.png", lang.id));
        let png = page.screenshot(&path);
        // One more of every listing's output, for people reviewing a change (CI keeps them).
        for other in &scenarios {
            let found = page.eval(&format!(
                "(() => {{ const o = document.querySelector('#kmod-{} .kmod-output'); if (!o) return false; o.scrollIntoView({{block: 'start'}}); return true; }})()",
                other.name
            ));
            if found == serde_json::json!(true) {
                page.screenshot(&test_dir().join(format!(
                    "screenshots/listings/{}-{}.png",
                    lang.id, other.name
                )));
            }
        }
        // And every model box, its first witness opened.
        for name in examples::scenarios::names() {
            let found = page.eval(&format!(
                "(() => {{ const s = document.getElementById('sim-{name}'); if (!s) return false; \
                   const d = s.querySelector('details'); if (d) d.open = true; \
                   s.scrollIntoView({{block: 'start'}}); return true; }})()"
            ));
            if found == serde_json::json!(true) {
                page.screenshot(
                    &test_dir().join(format!("screenshots/sims/{}-{name}.png", lang.id)),
                );
            }
        }
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000,
            "{}: a real screenshot at {}",
            lang.id,
            path.display()
        );
    }
}

#[test]
fn the_landing_page_follows_the_readers_choice_or_the_browsers_language() {
    let out = book();
    let server = Server::start(out, "127.0.0.1:0").unwrap();
    let mut browser = Browser::launch();
    // Opens the landing page in a browser whose languages are `accept`, runs
    // `click` on the page it lands on (if any), and waits to be at `expect`.
    let mut visit = |accept: &str, click: Option<&str>, expect: &str| {
        let mut page = browser.page(1000, 700);
        page.call(
            "Emulation.setUserAgentOverride",
            serde_json::json!({"userAgent": "Mozilla/5.0 (X11; Linux x86_64) kthread-book-test", "acceptLanguage": accept}),
        );
        page.goto(&server.url("index.html"));
        if let Some(click) = click {
            page.wait_for(click, click);
        }
        let at = format!("location.pathname === '{expect}' && document.readyState === 'complete'");
        page.wait_for(&at, &format!("{expect} with languages {accept}"));
        // Still there a moment later: nothing else redirects.
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert_eq!(
            page.eval("location.pathname"),
            serde_json::json!(expect),
            "languages {accept}"
        );
    };
    visit("zh-CN,zh", None, "/zh/");
    visit("en-US,en", None, "/en/");
    // No language of the book: the reader chooses on the landing page.
    visit("fr-FR,fr", None, "/index.html");
    // The language link on a page leads to the same page in the other
    // language, and that choice wins over the browser's language afterwards.
    let link = "(() => { const a = location.pathname === '/zh/' && document.readyState === 'complete' && document.querySelector('.lang-switch a'); if (a) a.click(); return !!a; })()";
    visit("zh-CN,zh", Some(link), "/en/index.html");
    visit("zh-CN,zh", None, "/en/");
}

/// Writers use plain `mdbook serve`: `book.toml` as it is, its `kmod`
/// preprocessor run as a command speaking mdBook's JSON protocol (here the
/// built `mdbook-kmod` rather than `cargo run`, which would wait on cargo's
/// lock), and mdBook's own html renderer.
#[test]
fn book_toml_builds_the_english_book_as_mdbook_serve_does() {
    let mut cfg = mdbook_driver::config::Config::from_disk(repo().join("book.toml")).unwrap();
    cfg.set(
        "preprocessor.kmod.command",
        env!("CARGO_BIN_EXE_mdbook-kmod"),
    )
    .unwrap();
    let dest = test_dir().join("mdbook-serve");
    let _ = std::fs::remove_dir_all(&dest);
    cfg.set("build.build-dir", dest.to_string_lossy().as_ref())
        .unwrap();
    let book = mdbook_driver::MDBook::load_with_config(repo(), cfg).unwrap();
    book.build().unwrap();
    let html = std::fs::read_to_string(dest.join("creating-and-stopping.html")).unwrap();
    assert!(html.contains("<html lang=\"en\""), "the English book");
    assert!(
        html.contains("id=\"kmod-stop_after_run\""),
        "the listing was expanded by the command preprocessor"
    );
    assert_eq!(html.matches("{{#kmod").count(), 0);
}
