//! The run over kernels × listings: the build roots, the queue of pairs
//! shared by the threads, the progress, the logs kept, the judging, the
//! simulations, and the report.

use crate::guest::restore;
use crate::host::kbuild;
use crate::host::matrix::{self, Matrix};
use crate::host::prereq;
use crate::host::provision::{self, Root};
use crate::kernel_source;
use crate::manifest;
use crate::run::cores::{guest_slots, Cores};
use crate::run::gather::Gather;
use crate::run::judge::{self, KernelRuns, KernelVerdict, PairResult, Settings};
use crate::run::messages::{kernel_line, rel};
use crate::run::pair;
use crate::run::report::{Entry, KernelInfo, Report, SimEntry};
use crate::run::sim;
use anyhow::{bail, Context, Result};
use console::style;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What `cargo run -p verify` was asked to do (the command line of
/// `main.rs`).
pub struct Options {
    /// The repository root: `kernels.toml`, `kmods/` and `examples/` are there,
    /// and the work directories go under its `target/verify/`.
    pub repo: PathBuf,
    /// Listings (directory names under `kmods/`) and simulations to run; every
    /// one when empty. A name that is neither is an error.
    pub examples: Vec<String>,
    /// Matrix ids to run on (`--kernel`); the whole matrix when empty.
    pub kernels: Vec<String>,
    /// `--accept`: run each pair twice, refuse output that differs, and write
    /// the snapshots of the runs without a problem. Refused with CI=true.
    pub accept: bool,
    /// Where the build roots live; `None`: [`provision::default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// How many busy guests run at once; `None`: the CPUs available (0
    /// counts as 1). Idle guests give their core back ([`super::cores`]),
    /// so up to [`super::cores::guest_slots`] guests exist at once.
    pub jobs: Option<usize>,
    /// Where `report.json` goes; `None`: `target/verify/report.json` in the
    /// repository.
    pub report: Option<PathBuf>,
    /// `--boot`: boot every run instead of resuming a saved guest
    /// ([`crate::guest::restore`]).
    pub boot: bool,
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

/// The whole run: the simulations, then every selected listing run on every
/// selected kernel it runs on (build roots made first), judged; prints the
/// table and writes the report ([`Report`]).
///
/// Returns whether everything passed: `Ok(false)` is a listing or
/// simulation that failed, with the report written. `Err` is a run that
/// could not be made: a bad `kernels.toml` or manifest, an unknown example or
/// kernel, `--accept` with CI=true, missing host tools, a build root or the
/// guest's insmod that could not be made, a report that could not be
/// written. A pair's own failure (QEMU, a file) is its entry's problem, never
/// an `Err`.
pub fn run(opts: &Options) -> Result<bool> {
    let started = Instant::now();
    let repo = opts.repo.clone();
    let matrix = Matrix::load(&repo.join("kernels.toml"))?;
    let kernels = matrix.select(&opts.kernels)?;
    let mut scenarios = manifest::discover(&repo.join("kmods"), &matrix.ids())?;
    let mut sims = sim::names();
    if !opts.examples.is_empty() {
        for name in &opts.examples {
            if !scenarios.iter().any(|s| &s.name == name) && !sims.contains(&name.as_str()) {
                bail!(
                    "no example `{name}`: not a listing under {} ({}) nor a simulation of {}/ ({})",
                    repo.join("kmods").display(),
                    scenarios
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    sim::EXAMPLES_DIR,
                    sims.join(", ")
                );
            }
        }
        scenarios.retain(|s| opts.examples.contains(&s.name));
        sims.retain(|n| opts.examples.iter().any(|e| e == n));
    }
    if scenarios.is_empty() && sims.is_empty() {
        bail!("no examples under {}", repo.join("kmods").display());
    }
    // Each variant of a listing is a run of its own, judged and shown as
    // `LISTING.VARIANT`.
    let scenarios: Vec<manifest::Scenario> = scenarios
        .iter()
        .flat_map(manifest::Scenario::expand)
        .collect();
    let ci = in_ci();
    if ci && opts.accept {
        bail!("--accept writes snapshots, and CI=true never does; accept locally and commit the snapshots");
    }
    let (simulations, mut warnings) = run_simulations(&repo, &sims, opts.accept, ci)?;
    if scenarios.is_empty() {
        // Only simulations: no kernel is needed.
        return finish(
            opts,
            &repo,
            started,
            Guests {
                kernels: vec![],
                accelerator: None,
            },
            vec![],
            simulations,
            warnings,
        );
    }
    prereq::ensure()?;

    let cache = opts
        .cache_dir
        .clone()
        .unwrap_or_else(provision::default_cache_dir);
    let multi = MultiProgress::new();
    let roots = provision_all(&kernels, &cache, &multi)?;
    // The book quotes kernel source cut from these kernels' packages: a
    // kernel that moved on Debian makes those extracts stale.
    let sources = kernel_source::Store::load(&repo, &matrix.ids())
        .map(|store| kernel_source::stale_for_roots(&store, &roots))
        .unwrap_or_else(|e| vec![format!("{e:#}")]);

    let pairs: Vec<(usize, usize)> = (0..roots.len())
        .flat_map(|k| (0..scenarios.len()).map(move |s| (k, s)))
        .filter(|&(k, s)| scenarios[s].runs_on(&roots[k].kernel.id))
        .collect();
    let jobs = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let runs_each = if opts.accept { 2 } else { 1 };
    let bar = multi.add(ProgressBar::new((pairs.len() * runs_each) as u64));
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap(),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let work_root = repo.join("target/verify/work");
    let insmods = roots
        .iter()
        .map(|r| kbuild::guest_insmod(r, &work_root.join(&r.kernel.id).join(".guest")))
        .collect::<Result<Vec<_>>>()?;
    let accel = crate::guest::accel::choose(
        &roots[0],
        &insmods[0],
        &work_root.join(&roots[0].kernel.id).join(".accel"),
    )?;
    say(
        &multi,
        format!("accelerator: {} ({})", accel.accel, accel.why),
    );
    // One store of saved guests per kernel, its states made when a run
    // first needs one.
    let stores = roots
        .iter()
        .zip(&insmods)
        .map(|(r, insmod)| -> Result<Option<Arc<restore::Store>>> {
            if opts.boot {
                return Ok(None);
            }
            let work = work_root.join(&r.kernel.id);
            let reseed = kbuild::guest_reseed(r, &work.join(".guest"))?;
            Ok(Some(Arc::new(restore::Store::new(
                work.join(".saved"),
                insmod.clone(),
                reseed,
                accel.accel,
            ))))
        })
        .collect::<Result<Vec<_>>>()?;
    let queue = Mutex::new(pairs.iter().copied().collect::<VecDeque<_>>());
    let matrix_ids = matrix.ids();
    let judging = Judging::new(
        &scenarios,
        roots
            .iter()
            .map(|r| (r.kernel.id.clone(), r.release.clone()))
            .collect(),
        Settings {
            repo: &repo,
            accept: opts.accept,
            ci,
            matrix: &matrix_ids,
        },
        &pairs,
    );
    // `jobs` guests keep cores busy; idle ones give theirs back
    // (`cores`), so up to `slots` exist at once.
    let cores = Arc::new(Cores::new(jobs));
    let slots = guest_slots(
        jobs,
        &std::fs::read_to_string("/proc/meminfo").unwrap_or_default(),
    );
    std::thread::scope(|scope| {
        for _ in 0..slots.min(pairs.len()) {
            scope.spawn(|| loop {
                let claim = Arc::new(cores.take());
                let Some((k, s)) = queue.lock().unwrap().pop_front() else {
                    break;
                };
                let (root, sc) = (&roots[k], &scenarios[s]);
                let idle = claim.clone();
                let paths = pair::Paths {
                    work: work_root.join(&root.kernel.id).join(sc.id()),
                    insmod: insmods[k].clone(),
                    accel: accel.accel,
                    on_idle: Some(Arc::new(move |now_idle| idle.set_idle(now_idle))),
                    saved: stores[k].clone(),
                };
                let mut outs = Vec::new();
                let mut failure = None;
                let mut unkept = Vec::new();
                for i in 0..runs_each {
                    bar.set_message(format!("{} on {}", sc.id(), root.kernel.id));
                    // A bug of verify in one pair (a panic) fails that pair
                    // alone; the others' results and the report still stand.
                    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        pair::run(root, sc, &paths)
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
                judging.finished(k, s, (failure.map_or(Ok(outs), Err), unkept), &|m| {
                    say(&multi, m)
                });
            });
        }
    });
    bar.finish_and_clear();
    let (entries, judged_warnings) = judging.results();
    warnings.extend(judged_warnings);

    let kernels = roots
        .iter()
        .map(|r| KernelInfo {
            id: r.kernel.id.clone(),
            suite: r.kernel.suite.clone(),
            release: r.release.clone(),
            provision_secs: r.provision_secs,
        })
        .collect();
    let passed = finish(
        opts,
        &repo,
        started,
        Guests {
            kernels,
            accelerator: Some(format!("{} ({})", accel.accel, accel.why)),
        },
        entries,
        simulations,
        warnings,
    )?;
    for p in &sources {
        eprintln!("{} {p}", style("FAIL").red().bold());
    }
    Ok(passed && sources.is_empty())
}

/// The machines of a run: its kernels and the accelerator (none without a guest).
struct Guests {
    kernels: Vec<KernelInfo>,
    accelerator: Option<String>,
}

/// The judging of the pairs as they finish: each kernel's verdict is said
/// at once ([`judge::kernel`], [`kernel_line`]), and a listing is judged as
/// a whole ([`judge::listing`]: its outputs shown, its snapshots or pending
/// files written) when its last kernel is in ([`Gather`]). Shared by the
/// run's threads.
struct Judging<'a> {
    /// The runs of listings, by index (`LISTING` and `LISTING.VARIANT`).
    scenarios: &'a [manifest::Scenario],
    /// Each kernel's matrix id and release, by index.
    kernels: Vec<(String, String)>,
    settings: Settings<'a>,
    gather: Mutex<Gather<KernelVerdict>>,
    /// The listings judged so far, by index.
    judged: Mutex<BTreeMap<usize, judge::Judged>>,
}

impl<'a> Judging<'a> {
    /// For the `(kernel, listing)` pairs of a run, indices into `kernels`
    /// (id, release) and `scenarios`.
    fn new(
        scenarios: &'a [manifest::Scenario],
        kernels: Vec<(String, String)>,
        settings: Settings<'a>,
        pairs: &[(usize, usize)],
    ) -> Judging<'a> {
        Judging {
            scenarios,
            kernels,
            settings,
            gather: Mutex::new(Gather::new(pairs)),
            judged: Mutex::default(),
        }
    }

    /// Pair (kernel `k`, listing `s`) has run: judges it, says its line,
    /// and judges its listing if it was the last kernel of it.
    fn finished(&self, k: usize, s: usize, (runs, unkept): Ran, say: &(dyn Fn(String) + Sync)) {
        let sc = &self.scenarios[s];
        let (kernel, release) = &self.kernels[k];
        let runs = KernelRuns {
            kernel,
            release,
            runs: &runs,
            unkept: &unkept,
        };
        let mut say_mut = |m: String| say(m);
        let verdict = judge::kernel(sc, &runs, &self.settings, &mut say_mut);
        say(kernel_line(&verdict.entry, self.settings.accept));
        let complete = self.gather.lock().unwrap().add(s, k, verdict);
        if let Some(verdicts) = complete {
            let judged = judge::listing(sc, verdicts, &self.settings, &mut say_mut);
            self.judged.lock().unwrap().insert(s, judged);
        }
    }

    /// Every entry, listings in their order and each listing's kernels in
    /// matrix order, and the warnings.
    fn results(self) -> (Vec<Entry>, Vec<String>) {
        // Every pair reports, a failed one too: no listing is left waiting.
        debug_assert!(self.gather.lock().unwrap().is_done());
        let mut entries = Vec::new();
        let mut warnings = Vec::new();
        for (_, j) in self.judged.into_inner().unwrap() {
            entries.extend(j.entries);
            warnings.extend(j.warnings);
        }
        (entries, warnings)
    }
}

/// The report and the tables.
fn finish(
    opts: &Options,
    repo: &Path,
    started: Instant,
    guests: Guests,
    entries: Vec<Entry>,
    simulations: Vec<SimEntry>,
    warnings: Vec<String>,
) -> Result<bool> {
    let report = Report {
        kernels: guests.kernels,
        accelerator: guests.accelerator,
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
            e.row(),
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
    let report_path = opts
        .report
        .clone()
        .unwrap_or_else(|| repo.join("target/verify/report.json"));
    if let Some(dir) = report_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&report_path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", report_path.display()))?;
    eprintln!(
        "{}; report: {}",
        summary(&report, in_ci(), &opts.kernels),
        rel(repo, &report_path)
    );
    Ok(report.passed)
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
        let explore = || sim::run(name).with_context(|| format!("no simulation `{name}`"));
        let first = explore()?;
        let second = if accept { Some(explore()?) } else { None };
        let (e, w) = sim::judge(repo, name, &first, second.as_ref(), accept, ci, &mut |m| {
            eprintln!("{m}")
        });
        out.push(e);
        warnings.extend(w);
    }
    Ok((out, warnings))
}

/// A checked build root for each of `kernels`, in their order, each made
/// when missing, stale or damaged ([`provision::ensure`]), with a spinner
/// per kernel on `multi` and a line for each root made.
pub fn provision_all(
    kernels: &[matrix::Kernel],
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

/// The run's last line: how many passed, are new and failed, and for new
/// ones what to do. Under CI=true a missing snapshot is a failure like any
/// other, since nothing can be accepted there.
fn summary(report: &Report, ci: bool, only: &[String]) -> String {
    // The same kernels as the run's, as the per-listing lines say.
    let only: String = only.iter().map(|k| format!(" --kernel {k}")).collect();
    let passed = report.entries.iter().filter(|e| e.passed()).count()
        + report.simulations.iter().filter(|e| e.passed()).count();
    // One name a listing, though it is new on every kernel it ran on.
    let new_cells: Vec<&str> = report
        .entries
        .iter()
        .filter(|e| e.is_new())
        .map(|e| e.example.as_str())
        .chain(
            report
                .simulations
                .iter()
                .filter(|e| e.is_new())
                .map(|e| e.name.as_str()),
        )
        .collect();
    let cells = new_cells.len();
    let new: Vec<&str> = new_cells
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let total = report.entries.len() + report.simulations.len();
    let secs = report.total_secs;
    if cells == 0 {
        return format!("{passed} passed, {} failed in {secs:.0}s", total - passed);
    }
    if ci {
        return format!(
            "{passed} passed, {} failed in {secs:.0}s ({cells} without a snapshot: CI=true accepts nothing; \
             accept them locally with `cargo run -p verify -- --accept{only} {}` and commit the snapshots)",
            total - passed,
            new.join(" ")
        );
    }
    format!(
        "{passed} passed, {cells} new, {} failed in {secs:.0}s (new: no snapshot yet; read the output above, \
         then `cargo run -p verify -- --accept{only} {}`)",
        total - passed - cells,
        new.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::report::{SimEntry, SimVariant};
    use crate::snapshot::Status;

    fn report(sims: &[(&str, Status, Option<&str>)]) -> Report {
        Report {
            accelerator: None,
            kernels: vec![],
            entries: vec![],
            simulations: sims
                .iter()
                .map(|(name, status, problem)| SimEntry {
                    name: name.to_string(),
                    title: "T".into(),
                    variants: vec![SimVariant {
                        variant: "listing".into(),
                        kmod: None,
                        schedules: 1,
                        reachable: vec![],
                    }],
                    snapshot: Some(status.clone()),
                    problem: problem.map(str::to_string),
                    secs: 0.0,
                })
                .collect(),
            warnings: vec![],
            passed: false,
            total_secs: 3.0,
        }
    }

    #[test]
    fn the_summary_counts_new_apart_and_says_how_to_accept() {
        let r = report(&[
            ("a", Status::Match, None),
            ("b", Status::Missing, None),
            ("c", Status::Mismatch, None),
        ]);
        let s = summary(&r, false, &[]);
        assert!(
            s.starts_with("1 passed, 1 new, 1 failed in 3s (new: no snapshot yet"),
            "{s}"
        );
        assert!(s.contains("`cargo run -p verify -- --accept b`"), "{s}");
        // CI=true accepts nothing: a missing snapshot counts as failed.
        let s = summary(&r, true, &[]);
        assert!(
            s.starts_with(
                "1 passed, 2 failed in 3s (1 without a snapshot: CI=true accepts nothing"
            ),
            "{s}"
        );
        let s = summary(&report(&[("a", Status::Match, None)]), false, &[]);
        assert_eq!(s, "1 passed, 0 failed in 3s");
        // A name new on several kernels, runs interleaved, is named once.
        let s = summary(
            &report(&[
                ("b", Status::Missing, None),
                ("a", Status::Missing, None),
                ("b", Status::Missing, None),
            ]),
            false,
            &[],
        );
        assert!(s.starts_with("0 passed, 3 new, 0 failed"), "{s}");
        assert!(s.contains("--accept a b`"), "{s}");
        // A run on some kernels says so in its command, as its lines do.
        let s = summary(&r, false, &["6.1".to_string()]);
        assert!(
            s.contains("`cargo run -p verify -- --accept --kernel 6.1 b`"),
            "{s}"
        );
    }

    /// A run as `pair::run` returns it, without QEMU.
    fn ran(text: &str) -> Ran {
        let out = crate::run::pair::RunOutput {
            outcome: crate::text::outcome::Outcome::Clean,
            text: text.to_string(),
            console: String::new(),
            channel: String::new(),
            cut: None,
            build_secs: 1.0,
            build_cached: false,
            boot_secs: 2.0,
            boot: None,
            boot_why: None,
            warnings: vec![],
            measured: Default::default(),
            date: "2026-11-30".into(),
        };
        (Ok(vec![out]), vec![])
    }

    /// Listings `a` (no snapshot yet) and `b` (a shared snapshot) on 5.10
    /// and 6.1, whose pairs finish in `order` (kernel, listing); returns
    /// what was said after each pair, and the entries.
    fn judged_in(order: &[(usize, usize)], tag: &str) -> (Vec<Vec<String>>, Vec<Entry>) {
        let repo = std::env::temp_dir().join(format!("verify-all-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&repo);
        let ids = vec!["5.10".to_string(), "6.1".to_string()];
        let scenarios: Vec<manifest::Scenario> = ["a", "b"]
            .iter()
            .map(|name| {
                let dir = repo.join("kmods").join(name);
                std::fs::create_dir_all(&dir).unwrap();
                manifest::Scenario::parse(
                    &dir,
                    &format!(
                        "title='T'\ntitle_zh='T 中'\nexpect='clean'\nsteps=['insmod {name}.ko']\n"
                    ),
                    &ids,
                )
                .unwrap()
            })
            .collect();
        let b = crate::snapshot::Store::new(&scenarios[1].dir, "b");
        b.write_file(&b.shared_path(), "$ insmod b.ko\nb: hi\n")
            .unwrap();
        let outputs = [
            ["$ insmod a.ko\na: hi\n", "$ insmod a.ko\na: hi\n"],
            ["$ insmod b.ko\nb: hi\n", "$ insmod b.ko\nb: changed\n"],
        ];
        let pairs = [(0, 0), (0, 1), (1, 0), (1, 1)];
        let judging = Judging::new(
            &scenarios,
            vec![("5.10".into(), "R1".into()), ("6.1".into(), "R2".into())],
            Settings {
                repo: &repo,
                accept: false,
                ci: false,
                matrix: &ids,
            },
            &pairs,
        );
        let mut said = Vec::new();
        for &(k, s) in order {
            let now = Mutex::new(Vec::new());
            judging.finished(k, s, ran(outputs[s][k]), &|m| {
                now.lock()
                    .unwrap()
                    .push(console::strip_ansi_codes(&m).into_owned())
            });
            said.push(now.into_inner().unwrap());
        }
        let (entries, warnings) = judging.results();
        assert!(warnings.is_empty(), "{warnings:?}");
        let pending: Vec<String> = ["a", "b"]
            .iter()
            .flat_map(|n| {
                crate::snapshot::Store::new(&repo.join("kmods").join(n), n)
                    .pending()
                    .unwrap()
            })
            .map(|p| rel(&repo, &p))
            .collect();
        assert_eq!(
            pending,
            [
                "kmods/a/snapshots/a.snap.new",
                "kmods/b/snapshots/b@6.1.snap.new"
            ],
            "one pending file per output the snapshots lack"
        );
        std::fs::remove_dir_all(&repo).unwrap();
        (said, entries)
    }

    #[test]
    fn each_kernel_is_said_at_once_and_each_listing_when_its_last_kernel_is_in() {
        // Interleaved as two threads finish them.
        let (said, entries) = judged_in(&[(1, 0), (0, 1), (0, 0), (1, 1)], "one");
        assert_eq!(
            said[0],
            ["NEW  a on 6.1: clean, no snapshot yet (build 1.0s, boot 2.0s)"]
        );
        assert_eq!(
            said[1],
            ["ok   b on 5.10: clean, as its snapshot (build 1.0s, boot 2.0s)"]
        );
        // a's last kernel: its line, then its output once for both, and
        // the one pending file with the command that accepts it.
        assert_eq!(said[2].len(), 3, "{:#?}", said[2]);
        assert!(said[2][0].starts_with("NEW  a on 5.10: clean, no snapshot yet"));
        assert_eq!(
            said[2][1],
            "a: new output (no snapshot yet), the same on 5.10, 6.1\n$ insmod a.ko\na: hi"
        );
        assert_eq!(
            said[2][2],
            "wrote kmods/a/snapshots/a.snap.new; accept with `cargo run -p verify -- --accept a`"
        );
        assert!(said[3][0].starts_with("FAIL b on 6.1: clean, differs from its snapshot"));
        assert!(
            said[3][1].starts_with("b on 6.1: differs from its snapshot\n--- kmods/b/snapshots/b.snap\n+++ kernel 6.1\n"),
            "{}",
            said[3][1]
        );
        assert!(
            said[3][1].contains("\n-b: hi\n+b: changed"),
            "{}",
            said[3][1]
        );
        // The report's order is the listings', kernels in matrix order,
        // whatever order they finished in.
        let cells: Vec<(String, String)> = entries
            .iter()
            .map(|e| (e.example.clone(), e.kernel.clone()))
            .collect();
        let want = [("a", "5.10"), ("a", "6.1"), ("b", "5.10"), ("b", "6.1")]
            .map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(cells, want);
        // Finished in another order, each listing's block is the same.
        let (again, entries_again) = judged_in(&[(1, 1), (0, 1), (1, 0), (0, 0)], "two");
        let blocks = |said: &[Vec<String>]| -> Vec<String> {
            let mut b: Vec<String> = said.iter().flat_map(|m| m[1..].to_vec()).collect();
            b.sort();
            b
        };
        assert_eq!(blocks(&said), blocks(&again));
        assert_eq!(
            again[1][1..],
            said[3][1..],
            "b's block comes with its last kernel"
        );
        assert_eq!(entries_again.len(), 4);
    }
}
