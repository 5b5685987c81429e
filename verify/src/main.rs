//! `cargo run -p verify`: build every listing under `kmods/` for every kernel
//! of the matrix, run it under QEMU, and compare its dmesg with its snapshot;
//! explore every simulation of `examples/` and compare its output with its
//! snapshot; check each run of a modelled listing against its model; then
//! build the book from the snapshots. `cargo run -p verify -- book` builds
//! only the book.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use console::style;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use verify::judge::{rel, KernelRuns, PairResult, Settings};
use verify::manifest;
use verify::matrix::Matrix;
use verify::provision::{self, Root};
use verify::report::{Entry, KernelInfo, Report, SimEntry};
use verify::run;

#[derive(Parser, Debug)]
#[command(version, about, long_about = None, args_conflicts_with_subcommands = true)]
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
    /// Where build roots and extracted kernels are kept.
    #[arg(long, env = "KTHREAD_BOOK_CACHE", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// How many guests run at once (default: the number of CPUs).
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Where to write the JSON report (default: target/verify/report.json).
    #[arg(long, value_name = "PATH")]
    report: Option<PathBuf>,
    /// The repository to verify (default: found from the current directory).
    #[arg(long, value_name = "DIR")]
    repo: Option<PathBuf>,
    /// Do not build the book after the run.
    #[arg(long)]
    no_book: bool,
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
        /// Print mdBook's and Pagefind's logs.
        #[arg(short, long)]
        verbose: bool,
        /// The repository (default: found from the current directory).
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
    },
    /// The book's mdBook preprocessor (what `mdbook-kmod` does); `verify book`
    /// hands this binary to mdBook.
    #[command(hide = true)]
    MdbookPreprocessor {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
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

/// A pair's runs, and the files of them that could not be kept.
type Ran = (PairResult, Vec<String>);

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Prints above the progress bars, or plainly when they are hidden (no terminal).
fn say(multi: &MultiProgress, msg: impl AsRef<str>) {
    if multi.is_hidden() {
        eprintln!("{}", msg.as_ref());
    } else {
        multi.println(msg.as_ref()).ok();
    }
}

/// Builds the book with this binary as its preprocessor; prints where it is.
fn build_book(repo: &Path, out: Option<PathBuf>, verbose: bool) -> Result<PathBuf> {
    let mut opts = verify::book::build::Options::new(repo);
    if let Some(out) = out {
        opts.out = out;
    }
    opts.verbose = verbose;
    let exe = std::env::current_exe().context("finding this program for mdBook")?;
    opts.preprocessor = Some(verify::book::build::command_line(
        &exe,
        &["mdbook-preprocessor"],
    ));
    eprintln!("building the book from the snapshots in kmods/ ...");
    let built = verify::book::build::build(&opts)?;
    let pages: Vec<String> = built
        .indexed
        .iter()
        .map(|(l, n)| format!("{n} pages in {l}"))
        .collect();
    eprintln!(
        "built the book in {:.0}s: {} ({}; search index: {})",
        built.secs,
        rel(repo, &built.out),
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

fn book_main(
    out: Option<PathBuf>,
    serve: bool,
    port: u16,
    verbose: bool,
    repo: Option<PathBuf>,
) -> Result<bool> {
    let repo = find_repo(repo)?;
    let out = build_book(&repo, out, verbose)?;
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

fn real_main() -> Result<bool> {
    let cli = Cli::parse();
    match cli.command {
        Some(Cmd::Book {
            out,
            serve,
            port,
            verbose,
            repo,
        }) => return book_main(out, serve, port, verbose, repo),
        Some(Cmd::MdbookPreprocessor { args }) => {
            std::process::exit(verify::book::preprocessor::run_command(&args));
        }
        None => {}
    }
    let started = Instant::now();
    let repo = find_repo(cli.repo.clone())?;
    let matrix = Matrix::load(&repo.join("kernels.toml"))?;
    let kernels = matrix.select(&cli.kernels)?;
    let mut scenarios = manifest::discover(&repo.join("kmods"), &matrix.ids())?;
    let mut sims = verify::sim::names();
    if !cli.examples.is_empty() {
        for name in &cli.examples {
            if !scenarios.iter().any(|s| &s.name == name) && !sims.contains(&name.as_str()) {
                bail!(
                    "no example `{name}`: not a listing under {} ({}) nor a simulation of {}/ ({})",
                    repo.join("kmods").display(),
                    scenarios
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    verify::sim::EXAMPLES_DIR,
                    sims.join(", ")
                );
            }
        }
        scenarios.retain(|s| cli.examples.contains(&s.name));
        sims.retain(|n| cli.examples.iter().any(|e| e == n));
    }
    if scenarios.is_empty() && sims.is_empty() {
        bail!("no examples under {}", repo.join("kmods").display());
    }
    let ci = in_ci();
    if ci && cli.accept {
        bail!("--accept writes snapshots, and CI=true never does; accept locally and commit the snapshots");
    }
    let (simulations, mut warnings) = run_simulations(&repo, &sims, cli.accept, ci)?;
    if scenarios.is_empty() {
        // Only simulations: no kernel is needed.
        return finish(&cli, &repo, started, vec![], vec![], simulations, warnings);
    }
    verify::prereq::ensure()?;

    let cache = cli
        .cache_dir
        .clone()
        .unwrap_or_else(provision::default_cache_dir);
    let multi = MultiProgress::new();
    let roots = provision_all(&kernels, &cache, &multi)?;

    let pairs: Vec<(usize, usize)> = (0..roots.len())
        .flat_map(|k| (0..scenarios.len()).map(move |s| (k, s)))
        .collect();
    let jobs = cli
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let runs_each = if cli.accept { 2 } else { 1 };
    let bar = multi.add(ProgressBar::new((pairs.len() * runs_each) as u64));
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap(),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let work_root = repo.join("target/verify/work");
    let insmods = roots
        .iter()
        .map(|r| verify::kbuild::guest_insmod(r, &work_root.join(&r.kernel.id).join(".guest")))
        .collect::<Result<Vec<_>>>()?;
    let queue = Mutex::new(pairs.iter().copied().collect::<VecDeque<_>>());
    let results: Mutex<BTreeMap<(usize, usize), Ran>> = Default::default();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(pairs.len()) {
            scope.spawn(|| loop {
                let Some((k, s)) = queue.lock().unwrap().pop_front() else {
                    break;
                };
                let (root, sc) = (&roots[k], &scenarios[s]);
                let paths = run::Paths {
                    work: work_root.join(&root.kernel.id).join(&sc.name),
                    insmod: insmods[k].clone(),
                };
                let mut outs = Vec::new();
                let mut failure = None;
                let mut unkept = Vec::new();
                for i in 0..runs_each {
                    bar.set_message(format!("{} on {}", sc.name, root.kernel.id));
                    // A bug of verify in one pair (a panic) fails that pair
                    // alone; the others' results and the report still stand.
                    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run::run(root, sc, &paths)
                    }))
                    .unwrap_or_else(|p| {
                        let what = p
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| p.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        Err(anyhow::anyhow!(
                            "verify panicked ({what}); this is a bug of verify: please report it"
                        ))
                    });
                    match ran {
                        Ok(o) => {
                            // Kept for debugging a listing, and as fixture
                            // material: a log that cannot be written fails
                            // the entry rather than go missing unnoticed.
                            for (file, text) in [
                                (format!("console-{i}.log"), &o.console),
                                (format!("channel-{i}.log"), &o.channel),
                                (format!("normalized-{i}.txt"), &o.text),
                            ] {
                                let path = paths.work.join(file);
                                if let Err(e) = std::fs::write(&path, text) {
                                    unkept.push(format!("could not keep {}: {e}", path.display()));
                                }
                            }
                            outs.push(o)
                        }
                        Err(e) => {
                            failure = Some(format!("{e:#}"));
                            break;
                        }
                    }
                    bar.inc(1);
                }
                let line = match (&failure, outs.first()) {
                    (Some(e), _) => {
                        format!("{} on {}: {}", sc.name, root.kernel.id, style(e).red())
                    }
                    (None, Some(o)) => format!(
                        "{} on {}: {} (build {:.1}s, boot {:.1}s)",
                        sc.name, root.kernel.id, o.outcome, o.build_secs, o.boot_secs
                    ),
                    _ => String::new(),
                };
                say(&multi, line);
                results
                    .lock()
                    .unwrap()
                    .insert((k, s), (failure.map_or(Ok(outs), Err), unkept));
            });
        }
    });
    bar.finish_and_clear();
    let results = results.into_inner().unwrap();

    let matrix_ids = matrix.ids();
    let settings = Settings {
        repo: &repo,
        accept: cli.accept,
        ci,
        matrix: &matrix_ids,
    };
    let mut entries = Vec::new();
    for (si, sc) in scenarios.iter().enumerate() {
        let runs: Vec<KernelRuns> = roots
            .iter()
            .enumerate()
            .map(|(ki, root)| {
                let (runs, unkept) = &results[&(ki, si)];
                KernelRuns {
                    kernel: &root.kernel.id,
                    release: &root.release,
                    runs,
                    unkept,
                }
            })
            .collect();
        let judged = verify::judge::example(sc, &runs, &settings, &mut |m| say(&multi, m));
        entries.extend(judged.entries);
        warnings.extend(judged.warnings);
    }

    let kernels = roots
        .iter()
        .map(|r| KernelInfo {
            id: r.kernel.id.clone(),
            suite: r.kernel.suite.clone(),
            release: r.release.clone(),
            provision_secs: r.provision_secs,
        })
        .collect();
    finish(
        &cli,
        &repo,
        started,
        kernels,
        entries,
        simulations,
        warnings,
    )
}

/// The report, the tables, and the book.
fn finish(
    cli: &Cli,
    repo: &Path,
    started: Instant,
    kernels: Vec<KernelInfo>,
    entries: Vec<Entry>,
    simulations: Vec<SimEntry>,
    warnings: Vec<String>,
) -> Result<bool> {
    let report = Report {
        kernels,
        passed: Report::all_passed(&entries, &simulations),
        entries,
        simulations,
        warnings,
        total_secs: started.elapsed().as_secs_f64(),
    };
    for e in report.entries.iter().filter(|e| e.problem.is_some()) {
        eprintln!(
            "{} {} on {}: {}",
            style("FAIL").red().bold(),
            e.example,
            e.kernel,
            e.problem.as_deref().unwrap_or("")
        );
    }
    for e in report.simulations.iter().filter(|e| e.problem.is_some()) {
        eprintln!(
            "{} simulation {}: {}",
            style("FAIL").red().bold(),
            e.name,
            e.problem.as_deref().unwrap_or("")
        );
    }
    eprintln!("\n{}", report.table());
    let report_path = cli
        .report
        .clone()
        .unwrap_or_else(|| repo.join("target/verify/report.json"));
    if let Some(dir) = report_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&report_path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", report_path.display()))?;
    let failed = report.entries.iter().filter(|e| !e.passed()).count()
        + report.simulations.iter().filter(|e| !e.passed()).count();
    eprintln!(
        "{} passed, {} failed in {:.0}s; report: {}",
        report.entries.len() + report.simulations.len() - failed,
        failed,
        report.total_secs,
        rel(repo, &report_path)
    );
    if cli.no_book {
        return Ok(report.passed);
    }
    // The book shows the accepted snapshots, so it is built whatever this run found.
    let book_ok = match build_book(repo, None, false) {
        Ok(_) => true,
        Err(e) => {
            eprintln!("{} the book: {e:#}", style("FAIL").red().bold());
            false
        }
    };
    Ok(report.passed && book_ok)
}

/// Explores each simulation and compares its output with its snapshot, as a
/// listing's dmesg is: `--accept` explores twice and refuses output that
/// differs, then writes; otherwise a changed output leaves a `.snap.new`
/// (never with CI=true). Returns the entries and the warnings.
fn run_simulations(
    repo: &Path,
    names: &[&str],
    accept: bool,
    ci: bool,
) -> Result<(Vec<SimEntry>, Vec<String>)> {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for &name in names {
        let explore = || verify::sim::run(name).with_context(|| format!("no simulation `{name}`"));
        let first = explore()?;
        let second = if accept { Some(explore()?) } else { None };
        let (e, w) =
            verify::sim::judge(repo, name, &first, second.as_ref(), accept, ci, &mut |m| {
                eprintln!("{m}")
            });
        out.push(e);
        warnings.extend(w);
    }
    Ok((out, warnings))
}

fn provision_all(
    kernels: &[verify::matrix::Kernel],
    cache: &Path,
    multi: &MultiProgress,
) -> Result<Vec<Root>> {
    let mut roots = Vec::new();
    for k in kernels {
        let bar = multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] build root {msg}").unwrap(),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar.set_message(format!("{}: checking", k.id));
        let root = provision::ensure(cache, k, &bar)?;
        bar.finish_and_clear();
        if root.provision_secs > 0.0 {
            say(
                multi,
                format!(
                    "made build root {} ({}, kernel {}) in {:.0}s",
                    k.id, k.suite, root.release, root.provision_secs
                ),
            );
        }
        roots.push(root);
    }
    Ok(roots)
}
