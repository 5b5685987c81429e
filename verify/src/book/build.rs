//! `cargo run -p verify -- book`: the whole book from the current snapshots.
//!
//! 1. the pinned tools are there (`.ci/tools.env`);
//! 2. the languages are in parity;
//! 3. `mdbook build` once per language from the one `book.toml`
//!    (`MDBOOK_BOOK__SRC`, `MDBOOK_BOOK__LANGUAGE` overrides), which runs the
//!    `kmod` preprocessor and the html and linkcheck2 renderers; any `ERROR`
//!    line in mdBook's log fails the build, whatever its exit status;
//! 4. `book/index.html`, the landing page that picks a language;
//! 5. a Pagefind (extended) index over both languages in `book/pagefind/`.

use super::{html_escape, parity, tools, BookConfig, Language};
use anyhow::{bail, Context, Result};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::Instant;

/// What [`build`] is asked to do.
pub struct Options {
    /// The repository root (where `book.toml` is).
    pub root: PathBuf,
    /// Where the book goes; `book/` at the root by default.
    pub out: PathBuf,
    /// The command mdBook runs as the `kmod` preprocessor instead of the
    /// `cargo run …` of `book.toml`: the running binary, so a build never
    /// recompiles or waits on cargo's lock.
    pub preprocessor: Option<String>,
    /// Print mdBook's and Pagefind's logs as they come.
    pub verbose: bool,
}

impl Options {
    /// The defaults: `root/book/`, `book.toml`'s preprocessor command, quiet.
    pub fn new(root: &Path) -> Options {
        Options {
            root: root.to_path_buf(),
            out: root.join("book"),
            preprocessor: None,
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
    /// Pages Pagefind indexed, per language tag.
    pub indexed: Vec<(String, usize)>,
    /// Wall seconds of the whole build.
    pub secs: f64,
}

/// A log line that fails the build: mdBook logs `ERROR` for problems it
/// does not stop on (e.g. an unknown key under `[output.html]` drops the
/// whole table).
pub fn is_error_line(line: &str) -> bool {
    static ERROR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(^|[\s\[])ERROR([\s\]:]|$)").unwrap());
    ERROR.is_match(&strip_ansi(line))
}

fn strip_ansi(s: &str) -> String {
    static ANSI: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\x1b\[[0-9;]*[A-Za-z]").unwrap());
    ANSI.replace_all(s, "").to_string()
}

/// The preprocessor command for mdBook: `program args…`, quoted for its shell-like split.
pub fn command_line(program: &Path, args: &[&str]) -> String {
    let quote = |s: &str| {
        if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@".contains(c))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    };
    std::iter::once(quote(&program.to_string_lossy()))
        .chain(args.iter().map(|a| quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Builds the whole book into `opts.out` (see the module's steps). Errors:
/// a tool missing or at another version than pinned, the languages out of
/// parity, an `mdbook build` that fails or logs `ERROR` (its log included),
/// a language without `index.html`, a Pagefind that is not the extended
/// build or indexes no page of a language.
pub fn build(opts: &Options) -> Result<Built> {
    let started = Instant::now();
    let root = &opts.root;
    tools::check(root)?;
    let config = BookConfig::load(root)?;
    parity::check(&config)?;

    let out = &opts.out;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let staging = out.join(".staging");
    let _ = std::fs::remove_dir_all(&staging);
    for lang in &config.languages {
        let dest = staging.join(&lang.id);
        mdbook(&config, lang, &dest, opts)?;
        let html = dest.join("html");
        if !html.join("index.html").is_file() {
            bail!(
                "mdbook build for {} wrote no {}",
                lang.id,
                html.join("index.html").display()
            );
        }
        let final_dir = out.join(&lang.id);
        let _ = std::fs::remove_dir_all(&final_dir);
        std::fs::rename(&html, &final_dir)
            .with_context(|| format!("moving {} to {}", html.display(), final_dir.display()))?;
    }
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::write(out.join("index.html"), landing_page(&config.languages))?;
    // GitHub Pages: serve files as they are (no Jekyll).
    std::fs::write(out.join(".nojekyll"), "")?;
    let indexed = pagefind(out, &config.languages, opts.verbose)?;
    Ok(Built {
        out: out.clone(),
        languages: config.languages.clone(),
        indexed,
        secs: started.elapsed().as_secs_f64(),
    })
}

/// Builds the book with this binary as its preprocessor; prints where it is.
pub fn with_this_program(repo: &Path, out: Option<PathBuf>, verbose: bool) -> Result<PathBuf> {
    let mut opts = Options::new(repo);
    if let Some(out) = out {
        opts.out = out;
    }
    opts.verbose = verbose;
    let exe = std::env::current_exe().context("finding this program for mdBook")?;
    opts.preprocessor = Some(command_line(&exe, &["mdbook-preprocessor"]));
    eprintln!("building the book from the snapshots in kmods/ ...");
    let built = build(&opts)?;
    let pages: Vec<String> = built
        .indexed
        .iter()
        .map(|(l, n)| format!("{n} pages in {l}"))
        .collect();
    eprintln!(
        "built the book in {:.0}s: {} ({}; search index: {})",
        built.secs,
        crate::run::messages::rel(repo, &built.out),
        built
            .languages
            .iter()
            .map(|l| l.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        pages.join(", ")
    );
    Ok(built.out)
}

fn mdbook(config: &BookConfig, lang: &Language, dest: &Path, opts: &Options) -> Result<()> {
    let mut cmd = Command::new("mdbook");
    cmd.arg("build")
        .arg(&config.root)
        .arg("--dest-dir")
        .arg(dest)
        .current_dir(&config.root)
        .env("MDBOOK_BOOK__SRC", config.rel(&config.src_dir(lang)))
        .env("MDBOOK_BOOK__LANGUAGE", &lang.lang)
        .env("MDBOOK_BOOK__TITLE", &lang.title)
        // Colours off, so log lines can be read.
        .env("NO_COLOR", "1")
        .env("CLICOLOR", "0")
        .stdin(Stdio::null());
    if let Some(p) = &opts.preprocessor {
        cmd.env("MDBOOK_PREPROCESSOR__KMOD__COMMAND", p);
    }
    let output = cmd
        .output()
        .context("running mdbook (is it installed? see .ci/tools.env)")?;
    let log = String::from_utf8_lossy(&output.stderr).to_string()
        + &String::from_utf8_lossy(&output.stdout);
    if opts.verbose {
        eprint!("{log}");
    }
    let errors: Vec<&str> = log.lines().filter(|l| is_error_line(l)).collect();
    if !output.status.success() || !errors.is_empty() {
        bail!(
            "mdbook build of the {} book ({}) failed{}:\n{}",
            lang.id,
            config.rel(&config.src_dir(lang)),
            if output.status.success() {
                " (ERROR in its log)"
            } else {
                ""
            },
            log.trim_end()
        );
    }
    Ok(())
}

/// Runs Pagefind (extended) over every language's pages; returns the pages
/// indexed per language, and fails if a language got none.
fn pagefind(out: &Path, languages: &[Language], verbose: bool) -> Result<Vec<(String, usize)>> {
    let _ = std::fs::remove_dir_all(out.join("pagefind"));
    let output = Command::new("pagefind")
        .arg("--site")
        .arg(out)
        .args(["--output-subdir", "pagefind", "--verbose"])
        // kthread_stop is one word in this book.
        .args(["--include-characters", "_"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .context("running pagefind (is it installed? see .ci/tools.env)")?;
    let log = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    if verbose {
        eprint!("{log}");
    }
    if !output.status.success() {
        bail!("pagefind failed:\n{log}");
    }
    if !log.contains("(Extended)") {
        bail!("pagefind is not the extended build, which Chinese search needs; install the pinned npm package (.ci/tools.env):\n{log}");
    }
    let per_language = parse_pagefind_log(&log);
    let mut indexed = Vec::new();
    for l in languages {
        let tag = l.lang.to_ascii_lowercase();
        match per_language.iter().find(|(t, _)| *t == tag) {
            Some((_, n)) if *n > 0 => indexed.push((tag, *n)),
            _ => bail!(
                "pagefind indexed no pages in language {tag} ({}); its log:\n{log}",
                l.id
            ),
        }
    }
    Ok(indexed)
}

/// `Language zh-cn:` followed by `Indexed N pages` in Pagefind's verbose log.
pub fn parse_pagefind_log(log: &str) -> Vec<(String, usize)> {
    static LANG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)^Language (\S+):\s*\n\s*Indexed (\d+) pages?").unwrap());
    LANG.captures_iter(log)
        .map(|c| (c[1].to_string(), c[2].parse().unwrap_or(0)))
        .collect()
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
    fn error_lines() {
        assert!(is_error_line(
            "2026-01-01 12:00:00 [ERROR] (mdbook_html): unknown field `foo`"
        ));
        assert!(is_error_line(
            " ERROR mdbook_driver: Invalid configuration file"
        ));
        assert!(is_error_line("\x1b[31mERROR\x1b[0m something"));
        assert!(is_error_line("ERROR: x"));
        assert!(!is_error_line(
            " INFO mdbook_driver: Book building has started"
        ));
        assert!(!is_error_line(
            "insmod: ERRORS are fine inside words like NOERROR"
        ));
    }

    #[test]
    fn pagefind_log_per_language() {
        let log = "[Building search indexes]\nLanguage en: \n  Indexed 3 pages\n  Indexed 5 words\nLanguage zh-cn: \n  Indexed 1 page\n";
        assert_eq!(
            parse_pagefind_log(log),
            vec![("en".to_string(), 3), ("zh-cn".to_string(), 1)]
        );
    }

    #[test]
    fn quoting_for_mdbook() {
        assert_eq!(
            command_line(Path::new("/x/verify"), &["mdbook-preprocessor"]),
            "/x/verify mdbook-preprocessor"
        );
        assert_eq!(command_line(Path::new("/my dir/v"), &[]), "'/my dir/v'");
    }

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
