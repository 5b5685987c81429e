//! `cargo run -p verify -- new NAME [--chapter SLUG]`: a new listing,
//! `kmods/NAME/`, that builds and passes on every kernel of the matrix as it
//! is ([`template`]), and with `--chapter` a chapter in each language that
//! shows it, listed in both `SUMMARY.md` files ([`summary`]).
//!
//! Refused, before anything is written: a name the manifest would refuse
//! ([`crate::manifest::check_listing_name`]) or a command of `verify`
//! would shadow, a listing or chapter that exists, and a name that is a
//! module of some kernel of the matrix ([`clash`], read from the build
//! roots, made first when missing as a run makes them). Everything is then
//! written at once or not at all ([`write`]).

pub mod clash;
pub mod summary;
pub mod template;
pub mod write;

use crate::host::matrix::Matrix;
use crate::host::provision;
use crate::manifest::{self, Scenario};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// What `verify new` is asked to make.
pub struct Options {
    /// The repository root (`kernels.toml`, `kmods/`, `src/`).
    pub repo: PathBuf,
    /// The listing's name.
    pub name: String,
    /// The chapter's file name without `.md`, when one is asked for.
    pub chapter: Option<String>,
    /// The build-root cache; `None`: [`provision::default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Words `verify` reads as its commands (`book`, `new`…): a listing so
    /// named could not be run by name.
    pub commands: Vec<String>,
}

/// What was made, relative to the repository.
#[derive(Debug)]
pub struct Made {
    /// `kmods/NAME/` and its files.
    pub listing: Vec<PathBuf>,
    /// `src/LANG/SLUG.md`, one per language.
    pub chapters: Vec<PathBuf>,
    /// The `SUMMARY.md` files the chapter was added to.
    pub summaries: Vec<PathBuf>,
}

/// Checks a chapter's file name: lower-case letters, digits and `-`,
/// starting with a letter or digit (it is a page's address).
pub fn check_slug(slug: &str) -> Result<()> {
    let ok = slug.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        bail!(
            "chapter `{slug}`: use lower-case letters, digits and `-`, starting with a letter or digit (it names src/en/{slug}.md, src/zh/{slug}.md and the page's address)"
        );
    }
    Ok(())
}

/// The name checks that need no build root: the manifest's own, a command
/// of `verify`, a listing that exists.
fn check_name(opts: &Options) -> Result<()> {
    let name = &opts.name;
    manifest::check_listing_name(name).map_err(|e| anyhow::anyhow!("listing name {e}"))?;
    if opts.commands.iter().any(|c| c == name) {
        bail!(
            "listing name `{name}`: `verify {name}` is a command of verify, so the listing could not be run by name; choose another name"
        );
    }
    let dir = opts.repo.join("kmods").join(name);
    if dir.symlink_metadata().is_ok() {
        bail!(
            "{} exists; choose another name, or edit that listing",
            dir.display()
        );
    }
    Ok(())
}

/// Makes the listing (and chapter); see the module's documentation.
pub fn new(opts: &Options) -> Result<Made> {
    let name = &opts.name;
    let matrix = Matrix::load(&opts.repo.join("kernels.toml"))?;
    let ids = matrix.ids();
    let (plan, made) = prepare(opts, &ids)?;

    // Last, as it may make build roots: the name against every kernel's modules.
    let cache = opts
        .cache_dir
        .clone()
        .unwrap_or_else(provision::default_cache_dir);
    eprintln!(
        "checking `{name}` against the modules of every kernel of kernels.toml ({}; build roots in {})",
        ids.join(", "),
        cache.display()
    );
    let multi = indicatif::MultiProgress::new();
    let roots =
        crate::run::all::provision_all(&matrix.kernels, &cache, &multi).with_context(|| {
            format!(
                "checking `{name}` against every kernel's modules needs its build root, made as \
             `cargo run -p verify` makes it; nothing was written"
            )
        })?;
    let roots: Vec<(String, PathBuf)> = roots.into_iter().map(|r| (r.kernel.id, r.dir)).collect();
    let kmods = opts.repo.join("kmods");
    clash::check(name, &roots, &|n| kmods.join(n).symlink_metadata().is_ok())?;

    plan.apply()?;
    Ok(made)
}

/// Everything to write, checked (the name, the chapter's pages and its
/// place in each `SUMMARY.md`, the manifest read back as a run reads it),
/// with nothing written yet.
fn prepare(opts: &Options, ids: &[String]) -> Result<(write::Plan, Made)> {
    let repo = &opts.repo;
    let name = &opts.name;
    check_name(opts)?;
    let mut plan = write::Plan::default();
    let mut made = Made {
        listing: Vec::new(),
        chapters: Vec::new(),
        summaries: Vec::new(),
    };
    if let Some(slug) = &opts.chapter {
        check_slug(slug)?;
        let file = format!("{slug}.md");
        let book = crate::book::BookConfig::load(repo)?;
        for lang in &book.languages {
            let src = book.src_dir(lang);
            let page = src.join(&file);
            if page.symlink_metadata().is_ok() {
                bail!("{} exists; choose another chapter name", page.display());
            }
            let summary_path = src.join("SUMMARY.md");
            let old = std::fs::read_to_string(&summary_path)
                .with_context(|| format!("reading {}", summary_path.display()))?;
            // Chinese for a Chinese book, English for any other.
            let (title, text) = if lang.lang.starts_with("zh") {
                (template::TITLE_ZH, template::chapter_zh(name))
            } else {
                (template::TITLE, template::chapter_en(name))
            };
            let new = summary::add_chapter(&old, title, &file)
                .with_context(|| format!("adding {file} to {}", summary_path.display()))?;
            made.chapters.push(book.rel(&page).into());
            made.summaries.push(book.rel(&summary_path).into());
            plan.new_file(page, text);
            plan.replace(summary_path, old, new);
        }
    }
    let dir = repo.join("kmods").join(name);
    let manifest_text = template::scenario(name, ids);
    Scenario::parse(&dir, &manifest_text, ids).with_context(|| {
        format!(
            "the new {}/{} (a bug of verify new)",
            dir.display(),
            manifest::FILE_NAME
        )
    })?;
    let files = vec![
        (format!("{name}.c"), template::module_c(name)),
        ("Kbuild".to_string(), template::kbuild(name)),
        (manifest::FILE_NAME.to_string(), manifest_text),
    ];
    made.listing = files
        .iter()
        .map(|(f, _)| Path::new("kmods").join(name).join(f))
        .collect();
    plan.new_dir(dir, files);
    Ok((plan, made))
}

/// What `verify new` prints when it is done: the files and the commands
/// that come next.
pub fn report(made: &Made, name: &str) -> String {
    let list = |v: &[PathBuf]| {
        v.iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!("made {}\n", list(&made.listing));
    if !made.chapters.is_empty() {
        out.push_str(&format!(
            "made {}, each added as the last chapter of {}\n",
            list(&made.chapters),
            list(&made.summaries)
        ));
    }
    out.push_str(&format!(
        "next:\n  \
         cargo run -p verify -- {name}             # build and run it on every kernel; read its output\n  \
         cargo run -p verify -- --accept {name}    # when the output is right: write its snapshots\n\
         then commit kmods/{name}/ with its snapshots{}.\n",
        if made.chapters.is_empty() {
            String::new()
        } else {
            " and the chapter in both languages".to_string()
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("verify-scaffold-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("kmods/existing")).unwrap();
        d
    }

    fn opts(repo: &Path, name: &str) -> Options {
        Options {
            repo: repo.to_path_buf(),
            name: name.to_string(),
            chapter: None,
            cache_dir: None,
            commands: vec!["book".into(), "new".into()],
        }
    }

    #[test]
    fn names_the_manifest_refuses_are_refused_with_its_words() {
        let r = repo("names");
        for (name, why) in [
            ("", "use lower-case letters, digits and `_`"),
            ("My_Listing", "use lower-case letters, digits and `_`"),
            ("my-listing", "use lower-case letters, digits and `_`"),
            ("my listing", "use lower-case letters, digits and `_`"),
            ("../etc", "use lower-case letters, digits and `_`"),
            (&"a".repeat(56), "at most 55"),
            ("book", "is a command of verify"),
            ("existing", "exists; choose another name"),
        ] {
            let e = format!("{:#}", check_name(&opts(&r, name)).unwrap_err());
            assert!(e.contains(why), "{name}: {e}");
        }
        for name in ["my_listing", "x", "8250x", &"a".repeat(55)] {
            check_name(&opts(&r, name)).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
        // The same check a run makes of the directory name.
        let text = template::scenario("x", &ids());
        for (dir, why) in [
            (
                "kmods/My_Listing",
                "directory name `My_Listing`: use lower-case",
            ),
            (&"a".repeat(56), "at most 55"),
        ] {
            let e = format!(
                "{:#}",
                Scenario::parse(Path::new(dir), &text, &ids()).unwrap_err()
            );
            assert!(e.contains(why), "{e}");
        }
        std::fs::remove_dir_all(&r).unwrap();
    }

    fn ids() -> Vec<String> {
        ["5.10", "6.1"].map(String::from).to_vec()
    }

    fn with_book(r: &Path) {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../book.toml"),
            r.join("book.toml"),
        )
        .unwrap();
        for (lang, head) in [("en", "Summary"), ("zh", "目录")] {
            let src = r.join("src").join(lang);
            std::fs::create_dir_all(&src).unwrap();
            std::fs::write(
                src.join("SUMMARY.md"),
                format!("# {head}\n\n- [One](one.md)\n\n---\n\n[Appendix](claims-checked.md)\n"),
            )
            .unwrap();
        }
    }

    #[test]
    fn a_listing_and_its_chapter_are_made_in_both_languages() {
        let r = repo("made");
        with_book(&r);
        let mut o = opts(&r, "demo");
        o.chapter = Some("demo-chapter".into());
        let (plan, made) = prepare(&o, &ids()).unwrap();
        plan.apply().unwrap();
        assert_eq!(made.listing.len(), 3);
        for f in &made.listing {
            assert!(r.join(f).is_file(), "{}", f.display());
        }
        let s = Scenario::load(&r.join("kmods/demo"), &ids()).unwrap();
        assert_eq!(s.name, "demo");
        for lang in ["en", "zh"] {
            let page =
                std::fs::read_to_string(r.join("src").join(lang).join("demo-chapter.md")).unwrap();
            assert!(page.contains("{{#kmod demo}}"), "{page}");
            let summary =
                std::fs::read_to_string(r.join("src").join(lang).join("SUMMARY.md")).unwrap();
            assert!(summary.contains("(one.md)\n- ["), "{summary}");
            assert!(summary.contains("](demo-chapter.md)\n\n---"), "{summary}");
        }
        // Again: the listing and the chapter exist now.
        let e = format!("{:#}", prepare(&o, &ids()).unwrap_err());
        assert!(e.contains("kmods/demo exists"), "{e}");
        o.name = "demo2".into();
        let e = format!("{:#}", prepare(&o, &ids()).unwrap_err());
        assert!(e.contains("src/en/demo-chapter.md exists"), "{e}");
        std::fs::remove_dir_all(&r).unwrap();
    }

    #[test]
    fn a_chapter_that_exists_in_one_language_stops_everything() {
        let r = repo("half");
        with_book(&r);
        std::fs::write(r.join("src/zh/taken.md"), "# 已有\n").unwrap();
        let before = |lang: &str| {
            std::fs::read_to_string(r.join("src").join(lang).join("SUMMARY.md")).unwrap()
        };
        let (en, zh) = (before("en"), before("zh"));
        let mut o = opts(&r, "demo");
        o.chapter = Some("taken".into());
        let e = format!("{:#}", prepare(&o, &ids()).unwrap_err());
        assert!(e.contains("src/zh/taken.md exists"), "{e}");
        assert_eq!((before("en"), before("zh")), (en, zh));
        assert!(!r.join("kmods/demo").exists() && !r.join("src/en/taken.md").exists());
        std::fs::remove_dir_all(&r).unwrap();
    }

    #[test]
    fn chapter_names_are_file_names_of_lower_case_words() {
        for ok in ["e2e-probe", "stopping", "chapter-2"] {
            check_slug(ok).unwrap();
        }
        for bad in ["", "-x", "Title", "a_b", "a/b", "a.md", "章"] {
            let e = check_slug(bad).unwrap_err().to_string();
            assert!(
                e.contains("lower-case letters, digits and `-`"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn the_report_names_the_files_and_the_next_commands() {
        let made = Made {
            listing: vec!["kmods/demo/demo.c".into(), "kmods/demo/Kbuild".into()],
            chapters: vec!["src/en/demo.md".into(), "src/zh/demo.md".into()],
            summaries: vec!["src/en/SUMMARY.md".into(), "src/zh/SUMMARY.md".into()],
        };
        let r = report(&made, "demo");
        assert!(
            r.contains("made kmods/demo/demo.c, kmods/demo/Kbuild\n"),
            "{r}"
        );
        assert!(r.contains("src/en/demo.md, src/zh/demo.md"), "{r}");
        let run = r.find("cargo run -p verify -- demo ").unwrap();
        let accept = r.find("cargo run -p verify -- --accept demo").unwrap();
        assert!(run < accept, "{r}");
    }
}
