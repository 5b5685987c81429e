//! `cargo run -p verify`: build every listing under `kmods/` for every kernel
//! of the matrix, run it under QEMU, and compare its dmesg with its snapshot;
//! explore every simulation of `examples/` and compare its output with its
//! snapshot; check each run of a modelled listing against its model; then
//! build the book from the snapshots. A run of named examples checks only
//! the book's directives that show them (`--book` builds it all), and
//! `--watch` runs them again whenever their files change. `cargo run -p
//! verify -- book` builds only the book.

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use console::style;
use std::path::{Path, PathBuf};
use verify::run::all;
use verify::run::messages::rel;

#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Examples to run: listings (directory names under kmods/) and
    /// simulations (binaries of examples/; a name can be both); all when none
    /// is given.
    examples: Vec<String>,
    /// Run only on this kernel of kernels.toml (repeatable); the whole matrix by default.
    #[arg(short, long = "kernel", value_name = "ID")]
    kernels: Vec<String>,
    /// Write new or changed snapshots, after running each scenario twice and
    /// refusing output that differs between the runs.
    #[arg(long)]
    accept: bool,
    /// Where build roots, extracted kernels and downloaded kernel sources
    /// are kept; before or after a command.
    #[arg(long, env = "KTHREAD_BOOK_CACHE", value_name = "DIR", global = true)]
    cache_dir: Option<PathBuf>,
    /// How many busy guests run at once (default: the number of CPUs); an
    /// idle guest (asleep in a step, hung) gives its CPU to the next one, up
    /// to twice this many guests, as memory allows.
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Where to write the JSON report (default: target/verify/report.json).
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// Boot every run instead of resuming a saved guest (a kernel booted
    /// once to the point where its init waits for the run).
    #[arg(long)]
    boot: bool,
    /// The repository (default: found from the current directory); before
    /// or after a command.
    #[arg(long, value_name = "DIR", global = true)]
    repo: Option<PathBuf>,
    /// Do not build the book after the run (nor, with example names,
    /// check the directives that show them).
    #[arg(long, conflicts_with = "book")]
    no_book: bool,
    /// With example names: build the whole book after the run, not only
    /// check the directives that show them.
    #[arg(long)]
    book: bool,
    /// Run the named listings again whenever one of their files under
    /// kmods/NAME/ (or kmods/include/) changes, until Ctrl-C.
    #[arg(long, conflicts_with = "accept")]
    watch: bool,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Build only the book (both languages, link check, search index) from
    /// the current snapshots, into book/.
    Book {
        /// Where to write the book (default: book/ in the repository).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Then serve it on localhost until interrupted.
        #[arg(long)]
        serve: bool,
        /// Port for --serve.
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Print mdBook's log.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Check the kernel source extracts and API tables of
    /// src/kernel-sources/ against wanted.toml, kernels.toml and the build
    /// roots in the cache (offline); with --update, make them again: the
    /// extracts from each kernel's Debian linux-source package (downloads),
    /// the API tables from the build roots.
    Sources {
        /// Download each kernel's linux-source package and cut the wanted
        /// functions out of it again.
        #[arg(long)]
        update: bool,
        /// Only this kernel of kernels.toml (repeatable); all by default.
        #[arg(short, long = "kernel", value_name = "ID")]
        kernels: Vec<String>,
        /// With --update: take kernel ID's files from DIR, a tree unpacked
        /// from exactly the package the build root names, instead of
        /// downloading it (the signed index is still read).
        #[arg(long = "tree", value_name = "ID=DIR", value_parser = parse_tree)]
        trees: Vec<(String, PathBuf)>,
        /// With --update: make only the API tables (api.toml), from the
        /// build roots' headers and Module.symvers; nothing is downloaded
        /// but a missing build root.
        #[arg(long)]
        api_only: bool,
    },
    /// Merge the reports of runs that each covered part of the matrix
    /// (`verify --kernel ID --no-book --report PART.json`, one per kernel in
    /// CI) into one, checked to hold every listing on every kernel exactly
    /// once; then build the book.
    Merge {
        /// The report parts.
        #[arg(required = true, value_name = "PART.json")]
        parts: Vec<PathBuf>,
        /// Where to write the merged report (default: target/verify/report.json).
        #[arg(long, value_name = "PATH")]
        report: Option<PathBuf>,
        /// Do not build the book after merging.
        #[arg(long)]
        no_book: bool,
    },
    /// Make a new listing, kmods/NAME/: a module with a kthread that sleeps
    /// until kthread_stop() (it builds and passes on every kernel as it is),
    /// its Kbuild, and a scenario.toml with every key; refused when NAME is a
    /// module of a kernel of the matrix (build roots made first when missing).
    New {
        /// The listing's name: lower-case letters, digits and `_` (it names
        /// the module and the snapshots).
        name: String,
        /// Also write src/en/SLUG.md and src/zh/SLUG.md, a chapter that
        /// shows the listing, and add it to both SUMMARY.md files.
        #[arg(long, value_name = "SLUG")]
        chapter: Option<String>,
    },
    /// Measure what a run costs on this machine: a bare boot of each kernel
    /// (the floor), a trivial listing cold and warm, the edit loop and the
    /// whole matrix, each with its ratio to the floor; written as JSON.
    /// Build with --release for figures that are the harness's, not debug code's.
    Bench {
        /// Only this kernel of kernels.toml (repeatable); all by default.
        #[arg(short, long = "kernel", value_name = "ID")]
        kernels: Vec<String>,
        /// Tries of each figure but the matrix (the median is reported).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=20))]
        runs: u16,
        /// Skip the whole matrix (its run takes minutes).
        #[arg(long)]
        no_matrix: bool,
        /// Where to write the figures (default: target/verify/bench.json).
        #[arg(long, value_name = "PATH")]
        json: Option<PathBuf>,
    },
}

fn main() {
    match real_main() {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("{} {e:#}", style("error:").red().bold());
            std::process::exit(2);
        }
    }
}

fn real_main() -> Result<bool> {
    let cli = Cli::parse();
    if let Some(cmd) = &cli.command {
        run_options_unused(&cli, cmd)?;
    }
    match cli.command {
        Some(Cmd::Book {
            out,
            serve,
            port,
            verbose,
        }) => book_main(out, serve, port, verbose, cli.repo),
        Some(Cmd::Sources {
            update,
            kernels,
            trees,
            api_only,
        }) => sources_main(update, api_only, kernels, trees, cli.cache_dir, cli.repo),
        Some(Cmd::Merge {
            parts,
            report,
            no_book,
        }) => {
            let repo = find_repo(cli.repo)?;
            let out = report.unwrap_or_else(|| repo.join("target/verify/report.json"));
            let passed = verify::run::merge::main(&repo, &parts, &out)?;
            if no_book {
                return Ok(passed);
            }
            let book_ok = match verify::book::build::with_this_program(&repo, None, false) {
                Ok(_) => true,
                Err(e) => {
                    eprintln!("{} the book: {e:#}", style("FAIL").red().bold());
                    false
                }
            };
            Ok(passed && book_ok)
        }
        Some(Cmd::Bench {
            kernels,
            runs,
            no_matrix,
            json,
        }) => {
            let repo = find_repo(cli.repo)?;
            verify::bench::main(&verify::bench::Options {
                json: json.unwrap_or_else(|| repo.join("target/verify/bench.json")),
                repo,
                kernels,
                runs: runs as usize,
                matrix: !no_matrix,
                cache_dir: cli.cache_dir,
            })?;
            Ok(true)
        }
        Some(Cmd::New { name, chapter }) => {
            let opts = verify::scaffold::Options {
                repo: find_repo(cli.repo)?,
                name: name.clone(),
                chapter,
                cache_dir: cli.cache_dir,
                commands: command_names(),
            };
            let made = verify::scaffold::new(&opts)?;
            print!("{}", verify::scaffold::report(&made, &name));
            Ok(true)
        }
        None if cli.watch => watch_main(&cli),
        None => run_main(&cli),
    }
}

/// The words `verify` reads as a command rather than an example's name.
fn command_names() -> Vec<String> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    cmd.build();
    cmd.get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect()
}

/// Options of the run given with a command (`verify --accept book`) would be
/// ignored: refused, naming them. `--repo` and `--cache-dir` belong to every
/// command.
fn run_options_unused(cli: &Cli, cmd: &Cmd) -> Result<()> {
    let mut given = Vec::new();
    if !cli.examples.is_empty() {
        given.push(format!("example names ({})", cli.examples.join(" ")));
    }
    for (set, name) in [
        (!cli.kernels.is_empty(), "--kernel"),
        (cli.accept, "--accept"),
        (cli.jobs.is_some(), "--jobs"),
        (cli.report.is_some(), "--report"),
        (cli.boot, "--boot"),
        (cli.no_book, "--no-book"),
        (cli.book, "--book"),
        (cli.watch, "--watch"),
    ] {
        if set {
            given.push(name.to_string());
        }
    }
    if given.is_empty() {
        return Ok(());
    }
    let name = match cmd {
        Cmd::Book { .. } => "book",
        Cmd::Sources { .. } => "sources",
        Cmd::Bench { .. } => "bench",
        Cmd::Merge { .. } => "merge",
        Cmd::New { .. } => "new",
    };
    bail!(
        "`verify {name}` does not take {}: options and names of the run \
         (`verify [OPTIONS] [EXAMPLES]`); drop them, or drop `{name}` to run the examples",
        given.join(", ")
    )
}

/// The run, then the book, which shows the accepted snapshots and so is
/// built whatever the run found: all of it after a run of everything (or
/// with `--book`), only the directives that show the named examples after
/// a run of those.
fn run_main(cli: &Cli) -> Result<bool> {
    let opts = all::Options {
        repo: find_repo(cli.repo.clone())?,
        examples: cli.examples.clone(),
        kernels: cli.kernels.clone(),
        accept: cli.accept,
        cache_dir: cli.cache_dir.clone(),
        jobs: cli.jobs,
        report: cli.report.clone(),
        boot: cli.boot,
    };
    let passed = all::run(&opts)?;
    if cli.no_book {
        return Ok(passed);
    }
    if !cli.examples.is_empty() && !cli.book {
        return Ok(book_directives(&opts.repo, &cli.examples) && passed);
    }
    let book_ok = match verify::book::build::with_this_program(&opts.repo, None, false) {
        Ok(_) => true,
        Err(e) => {
            eprintln!("{} the book: {e:#}", style("FAIL").red().bold());
            false
        }
    };
    Ok(passed && book_ok)
}

/// Renders the book's directives that show `names` (in every language),
/// as the book build would; says where, or what fails with its file and
/// line. Returns whether none failed.
fn book_directives(repo: &Path, names: &[String]) -> bool {
    use verify::book::named;
    match named::check(repo, names) {
        Ok(checked) => {
            let (ok, lines) = named::summary(names, &checked);
            for line in lines {
                if ok {
                    eprintln!("{line}");
                } else {
                    eprintln!("{} the book: {line}", style("FAIL").red().bold());
                }
            }
            ok
        }
        Err(e) => {
            eprintln!("{} the book: {e:#}", style("FAIL").red().bold());
            false
        }
    }
}

/// `--watch NAME…`: runs the listings, then again each time one of their
/// files changes, until Ctrl-C (which also ends a run under way: QEMU dies
/// with verify). A run that cannot be made (a manifest being edited, say)
/// is said and waited out like a failed one.
fn watch_main(cli: &Cli) -> Result<bool> {
    use verify::run::watch::{self, Files};
    let repo = find_repo(cli.repo.clone())?;
    if cli.examples.is_empty() {
        bail!("--watch needs the listings to watch: `cargo run -p verify -- --watch NAME`");
    }
    let kmods = repo.join("kmods");
    let mut dirs = Vec::new();
    for name in &cli.examples {
        let dir = kmods.join(name);
        if name == verify::manifest::SHARED_DIR || !dir.join(verify::manifest::FILE_NAME).is_file()
        {
            bail!(
                "--watch takes listings, directories under kmods/ with a {}: `{name}` is not one",
                verify::manifest::FILE_NAME
            );
        }
        dirs.push(dir);
    }
    if kmods.join(verify::manifest::SHARED_DIR).is_dir() {
        dirs.push(kmods.join(verify::manifest::SHARED_DIR));
    }
    let watched: Vec<String> = dirs.iter().map(|d| format!("{}/", rel(&repo, d))).collect();
    let mut files = Files::scan(&dirs);
    loop {
        if let Err(e) = run_main(cli) {
            eprintln!("{} {e:#}", style("error:").red().bold());
        }
        eprintln!(
            "\nwatching {} for changes (Ctrl-C ends)",
            watched.join(", ")
        );
        let (now, changed) = watch::wait_for_change(&dirs, &files, watch::POLL);
        files = now;
        let changed: Vec<String> = changed.iter().map(|p| rel(&repo, p)).collect();
        eprintln!("\nchanged: {}; running again\n", changed.join(", "));
    }
}

fn parse_tree(s: &str) -> Result<(String, PathBuf), String> {
    let (id, dir) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: give ID=DIR, e.g. 6.1=/path/to/linux-source-6.1"))?;
    Ok((id.to_string(), PathBuf::from(dir)))
}

/// `sources`: the offline check of the extracts (the book's, plus the build
/// roots present in the cache); `sources --update`: make them again.
fn sources_main(
    update: bool,
    api_only: bool,
    kernels: Vec<String>,
    trees: Vec<(String, PathBuf)>,
    cache_dir: Option<PathBuf>,
    repo: Option<PathBuf>,
) -> Result<bool> {
    use verify::kernel_source::{self, fetch};
    let repo = find_repo(repo)?;
    if !trees.is_empty() && !update {
        bail!("--tree is for --update");
    }
    if api_only && !update {
        bail!("--api-only is for --update (`sources` alone checks the API tables too)");
    }
    let cache = cache_dir.unwrap_or_else(verify::host::provision::default_cache_dir);
    if update {
        fetch::update(&fetch::Options {
            repo: repo.clone(),
            kernels,
            cache_dir: Some(cache.clone()),
            trees,
            api_only,
        })?;
    }
    let matrix = verify::host::matrix::Matrix::load(&repo.join("kernels.toml"))?;
    let store = kernel_source::Store::load(&repo, &matrix.ids())?;
    let problems = kernel_source::stale_in_cache(&store, &cache, &matrix);
    for p in &problems {
        eprintln!("{} {p}", style("FAIL").red().bold());
    }
    eprintln!(
        "{} wanted functions and {} API names × {} kernels in {}",
        store.wanted.len(),
        store
            .api
            .iter()
            .flat_map(|t| t.rows.iter().map(|r| (&r.wanted, &r.name)))
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        matrix.kernels.len(),
        kernel_source::STORE_DIR
    );
    Ok(problems.is_empty())
}

fn find_repo(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(r) = given {
        return Ok(r);
    }
    let cwd = std::env::current_dir()?;
    for dir in cwd.ancestors() {
        if dir.join("kernels.toml").is_file() && dir.join("kmods").is_dir() {
            return Ok(dir.to_path_buf());
        }
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if built_from.join("kernels.toml").is_file() {
        return Ok(built_from);
    }
    bail!("no kernels.toml and kmods/ here or above {}; run from the book's repository or pass --repo", cwd.display())
}

fn book_main(
    out: Option<PathBuf>,
    serve: bool,
    port: u16,
    verbose: bool,
    repo: Option<PathBuf>,
) -> Result<bool> {
    let repo = find_repo(repo)?;
    let out = verify::book::build::with_this_program(&repo, out, verbose)?;
    if serve {
        let server = verify::book::serve::Server::start(&out, &format!("127.0.0.1:{port}"))?;
        eprintln!(
            "serving {} on {} (Ctrl-C stops)",
            rel(&repo, &out),
            server.url("/")
        );
        loop {
            std::thread::park();
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_goes_before_or_after_the_command() {
        for args in [
            &["verify", "--repo", "/r", "book"][..],
            &["verify", "book", "--repo", "/r"][..],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert!(matches!(cli.command, Some(Cmd::Book { .. })), "{args:?}");
            assert!(cli.examples.is_empty(), "{args:?}");
            assert_eq!(cli.repo.as_deref(), Some(Path::new("/r")), "{args:?}");
        }
        let cli = Cli::try_parse_from(["verify", "--repo", "/r", "busy_loop"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.examples, ["busy_loop"]);
    }

    #[test]
    fn every_command_is_a_name_a_listing_cannot_take() {
        let names = command_names();
        for c in ["book", "sources", "merge", "new", "bench", "help"] {
            assert!(names.iter().any(|n| n == c), "{c}: {names:?}");
        }
        let cli = Cli::try_parse_from(["verify", "new", "demo", "--chapter", "demo-ch"]).unwrap();
        assert!(
            matches!(&cli.command, Some(Cmd::New { name, chapter }) if name == "demo" && chapter.as_deref() == Some("demo-ch"))
        );
    }

    #[test]
    fn run_options_with_a_command_are_named() {
        let cli = Cli::try_parse_from(["verify", "--accept", "-k", "6.1", "book"]).unwrap();
        let e = run_options_unused(&cli, cli.command.as_ref().unwrap()).unwrap_err();
        let e = e.to_string();
        assert!(
            e.contains("--kernel, --accept") && e.contains("`verify book`"),
            "{e}"
        );
        let cli = Cli::try_parse_from(["verify", "book", "--repo", "/r"]).unwrap();
        assert!(run_options_unused(&cli, cli.command.as_ref().unwrap()).is_ok());
    }

    #[test]
    fn book_watch_and_accept_flags_that_cannot_go_together_are_refused() {
        let cli = Cli::try_parse_from(["verify", "--watch", "busy_loop", "-k", "6.1"]).unwrap();
        assert!(cli.watch && !cli.book);
        assert_eq!(cli.examples, ["busy_loop"]);
        for args in [
            &["verify", "--watch", "--accept", "x"][..],
            &["verify", "--book", "--no-book", "x"][..],
        ] {
            let e = Cli::try_parse_from(args).unwrap_err().to_string();
            assert!(e.contains("cannot be used with"), "{args:?}: {e}");
        }
        let cli = Cli::try_parse_from(["verify", "--book", "--watch", "book"]).unwrap();
        let e = run_options_unused(&cli, cli.command.as_ref().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("--book, --watch"), "{e}");
    }
}
