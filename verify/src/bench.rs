//! `cargo run --release -p verify -- bench`: what a run costs on this
//! machine, against the floor of booting each kernel at all.
//!
//! Figures, each the median of `--runs` tries unless said otherwise (wall
//! seconds, measured here with [`Instant`]; QEMU's own time is not used):
//!
//! - **floor**: a bare boot of each kernel to an init that powers off
//!   (the harness's init with no step and no module);
//! - **trivial, cold / warm**: one trivial listing (the one `verify new`
//!   makes: a kthread that sleeps until `kthread_stop()`) built, packed, booted and read on each kernel:
//!   cold, with a source no kept build matches, in an empty work directory;
//!   warm, the same source again (its build kept, [`crate::host::build_cache`]);
//! - **edit loop**: that listing, accepted, its `pr_info()` text changed,
//!   then `verify NAME` on every kernel until its diff is printed (once);
//! - **matrix**: the whole run of the repository's listings on the chosen
//!   kernels, warm (build roots made, kernels booted), once, as seconds per
//!   listing × kernel pair.
//!
//! Each figure is printed with its ratio to the floor (for the matrix and
//! the edit loop: to the mean floor of the kernels), and all of them are
//! written as JSON. This is a measurement, not a test: nothing here passes
//! or fails on a number.

use crate::host::kbuild;
use crate::host::matrix::Matrix;
use crate::host::provision::{self, Root};
use crate::manifest::{self, Scenario};
use crate::run::all;
use crate::run::pair::{self, Paths};
use anyhow::{bail, Context, Result};
use indicatif::ProgressBar;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What `verify bench` is asked to do.
pub struct Options {
    /// The repository (its `kernels.toml`, `kmods/` and `target/`).
    pub repo: PathBuf,
    /// Kernels of `kernels.toml` to measure; all when empty.
    pub kernels: Vec<String>,
    /// Tries of each figure but the matrix, at least 1.
    pub runs: usize,
    /// Also run the whole matrix (the longest figure: minutes).
    pub matrix: bool,
    /// Where the build roots are; `None`: [`provision::default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Where the JSON goes.
    pub json: PathBuf,
}

/// A figure measured `runs` times: wall seconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Secs {
    /// The median try (the lower middle one for an even count).
    pub median: f64,
    /// The fastest try.
    pub min: f64,
    /// The slowest try.
    pub max: f64,
    /// Every try, in order.
    pub tries: Vec<f64>,
}

impl Secs {
    /// The summary of `tries` (at least one).
    pub fn of(tries: Vec<f64>) -> Secs {
        let mut sorted = tries.clone();
        sorted.sort_by(f64::total_cmp);
        Secs {
            median: sorted[(sorted.len() - 1) / 2],
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            tries,
        }
    }
}

/// One kernel's figures.
#[derive(Debug, Clone, Serialize)]
pub struct PerKernel {
    /// Its id in `kernels.toml`.
    pub kernel: String,
    /// A bare boot to an init that powers off.
    pub floor: Secs,
    /// The trivial listing from an empty work directory.
    pub trivial_cold: Secs,
    /// The trivial listing again in the same work directory.
    pub trivial_warm: Secs,
    /// `trivial_cold.median / floor.median`.
    pub cold_to_floor: f64,
    /// `trivial_warm.median / floor.median`.
    pub warm_to_floor: f64,
}

/// The whole matrix, run once.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixFigure {
    /// Wall seconds of the run.
    pub secs: f64,
    /// Listing × kernel pairs it ran (variants counted).
    pub pairs: usize,
    /// `secs / pairs`.
    pub per_pair: f64,
    /// `per_pair` over the mean floor.
    pub per_pair_to_floor: f64,
    /// Whether every pair passed (a failed pair still counts its time).
    pub passed: bool,
}

/// Everything one `verify bench` measured.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    /// CPUs available to this process.
    pub cpus: usize,
    /// The accelerator QEMU used, and why (`tcg (the KVM smoke boot … failed: …)`).
    pub accelerator: String,
    /// Tries per figure.
    pub runs: usize,
    /// Per kernel, in `kernels.toml` order.
    pub kernels: Vec<PerKernel>,
    /// The mean of the kernels' floors.
    pub mean_floor: f64,
    /// The edit loop: change a printk, every kernel, to the diff.
    pub edit_loop: Secs,
    /// `edit_loop.median / mean_floor`.
    pub edit_loop_to_floor: f64,
    /// The whole matrix, when asked.
    pub matrix: Option<MatrixFigure>,
}

/// The trivial listing's name; a directory of that name under `kmods/`
/// makes bench refuse to run rather than shadow it.
pub const TRIVIAL: &str = "bench_trivial";

/// Writes the trivial listing into `kmods/`: the listing `verify new` makes
/// (`crate::scaffold::template`), the text of its first `pr_info()` replaced
/// by `mark`, so an edit is one changed printk.
fn write_trivial(kmods: &Path, mark: &str) -> Result<PathBuf> {
    use crate::scaffold::template;
    let dir = kmods.join(TRIVIAL);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let c = template::module_c(TRIVIAL);
    if !c.contains(MARKED) {
        bail!("the scaffold's module no longer prints `{MARKED}`: bench has no printk to edit");
    }
    std::fs::write(
        dir.join(format!("{TRIVIAL}.c")),
        c.replacen(MARKED, &format!("pr_info(\"{mark}\\n\");"), 1),
    )?;
    std::fs::write(dir.join("Kbuild"), template::kbuild(TRIVIAL))?;
    std::fs::write(
        dir.join("scenario.toml"),
        template::scenario(TRIVIAL, &["6.1".to_string()]),
    )?;
    Ok(dir)
}

/// The scaffold's printk the edits change.
const MARKED: &str = "pr_info(\"thread started\\n\");";

/// Copies what a run of one listing reads from the repository into a
/// scratch repository: `kernels.toml` and the kernel source extracts.
fn scratch_repo(repo: &Path, dir: &Path) -> Result<()> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("kmods"))?;
    std::fs::copy(repo.join("kernels.toml"), dir.join("kernels.toml"))
        .context("copying kernels.toml")?;
    copy_tree(
        &repo.join(crate::kernel_source::STORE_DIR),
        &dir.join(crate::kernel_source::STORE_DIR),
    )
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let e = e?;
        let t = e.file_type()?;
        if t.is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        } else if t.is_file() {
            std::fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}

/// Runs `f` `runs` times, timing each.
fn tries(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Secs> {
    let mut t = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        f()?;
        t.push(started.elapsed().as_secs_f64());
    }
    Ok(Secs::of(t))
}

/// The trivial listing's scenario, read back as a run reads it.
fn trivial_scenario(kmods: &Path, matrix: &Matrix) -> Result<Scenario> {
    manifest::discover(kmods, &matrix.ids())?
        .into_iter()
        .find(|s| s.name == TRIVIAL)
        .context("the trivial listing was not found after writing it")
}

/// One run of `s` on `root` that must boot and end cleanly: a figure of a
/// failed run would not be the cost of a run.
fn run_once(root: &Root, s: &Scenario, paths: &Paths) -> Result<()> {
    let out = pair::run(root, s, paths)?;
    if out.boot.is_none() || out.cut.is_some() {
        bail!(
            "{} on {} did not run to its end ({:?}{}):\n{}",
            s.name,
            root.kernel.id,
            out.outcome,
            out.cut.map(|c| format!(", {c}")).unwrap_or_default(),
            out.text
        );
    }
    Ok(())
}

/// Measures everything (see the module's list), prints each figure as it
/// comes and returns them; the JSON is written by [`main`]. Errors: a root
/// that cannot be made, a run of the trivial listing that did not end
/// cleanly, a repository that already has a listing named [`TRIVIAL`].
pub fn measure(opts: &Options) -> Result<Figures> {
    let matrix = Matrix::load(&opts.repo.join("kernels.toml"))?;
    let kernels = matrix.select(&opts.kernels)?;
    if opts.repo.join("kmods").join(TRIVIAL).exists() {
        bail!(
            "kmods/{TRIVIAL} exists; verify bench writes its own listing of that name in a scratch repository, and a real one would be confused with it: rename it"
        );
    }
    let cache = opts
        .cache_dir
        .clone()
        .unwrap_or_else(provision::default_cache_dir);
    let bench_dir = opts.repo.join("target/verify/bench");
    let scratch = bench_dir.join("repo");
    scratch_repo(&opts.repo, &scratch)?;
    write_trivial(&scratch.join("kmods"), "started")?;
    let trivial = trivial_scenario(&scratch.join("kmods"), &matrix)?;

    let runs = opts.runs.max(1);
    let mut per_kernel = Vec::new();
    let mut accel = None;
    for k in &kernels {
        let root = provision::ensure(&cache, k, &ProgressBar::hidden())?;
        let work = bench_dir.join("work").join(&k.id);
        let insmod = kbuild::guest_insmod(&root, &work.join(".guest"))?;
        // Chosen once, as a run chooses it (with the first kernel).
        let choice = match &accel {
            Some(c) => c,
            None => {
                let c = crate::guest::accel::choose(&root, &insmod, &work.join(".accel"))?;
                eprintln!("accelerator: {} ({})", c.accel, c.why);
                accel.insert(c)
            }
        };
        let accel_used = choice.accel;
        let bare = Scenario {
            steps: Vec::new(),
            ..trivial.clone()
        };
        let floor = tries(runs, || {
            boot_bare(&root, &bare, &insmod, &work.join("bare"), accel_used)
        })?;
        eprintln!("{:>7} floor         {}", k.id, show(&floor, None));
        let paths = Paths {
            work: work.join("trivial"),
            insmod: insmod.clone(),
            accel: accel_used,
            on_idle: None,
            saved: Some(std::sync::Arc::new(crate::guest::restore::Store::new(
                work.join(".saved"),
                insmod.clone(),
                kbuild::guest_reseed(&root, &work.join(".guest"))?,
                accel_used,
            ))),
        };
        // Cold: a source no run has built (a new text each try, so no kept
        // build matches) in an empty work directory.
        let mut cold_try = 0;
        let cold = tries(runs, || {
            cold_try += 1;
            write_trivial(
                &scratch.join("kmods"),
                &format!("started {} cold {cold_try} {}", k.id, std::process::id()),
            )?;
            let _ = std::fs::remove_dir_all(&paths.work);
            std::fs::create_dir_all(&paths.work)?;
            run_once(&root, &trivial, &paths)
        })?;
        eprintln!(
            "{:>7} trivial, cold {}",
            k.id,
            show(&cold, Some(floor.median))
        );
        let warm = tries(runs, || run_once(&root, &trivial, &paths))?;
        eprintln!(
            "{:>7} trivial, warm {}",
            k.id,
            show(&warm, Some(floor.median))
        );
        per_kernel.push(PerKernel {
            kernel: k.id.clone(),
            cold_to_floor: cold.median / floor.median,
            warm_to_floor: warm.median / floor.median,
            floor,
            trivial_cold: cold,
            trivial_warm: warm,
        });
    }
    let mean_floor =
        per_kernel.iter().map(|p| p.floor.median).sum::<f64>() / per_kernel.len() as f64;

    // The edit loop: the listing accepted as it is, then each try changes
    // its printk and runs it on every kernel to the diff.
    let kernel_ids: Vec<String> = kernels.iter().map(|k| k.id.clone()).collect();
    let scratch_opts = |accept: bool| all::Options {
        repo: scratch.clone(),
        examples: vec![TRIVIAL.to_string()],
        kernels: kernel_ids.clone(),
        accept,
        cache_dir: Some(cache.clone()),
        jobs: None,
        report: Some(bench_dir.join("edit-report.json")),
        boot: false,
    };
    eprintln!("accepting the trivial listing in {} ...", scratch.display());
    if !all::run(&scratch_opts(true))? {
        bail!("the trivial listing could not be accepted (its output differed between two runs?)");
    }
    let mut edit = 0;
    let edit_loop = tries(runs, || {
        edit += 1;
        write_trivial(&scratch.join("kmods"), &format!("started, edit {edit}"))?;
        // The changed line must show as a difference, or this timed nothing.
        if all::run(&scratch_opts(false))? {
            bail!("the edited listing matched its snapshot: the edit loop measured no change");
        }
        Ok(())
    })?;
    eprintln!("   edit loop     {}", show(&edit_loop, Some(mean_floor)));

    let matrix_figure = if opts.matrix {
        let pairs = count_pairs(&opts.repo, &matrix, &kernel_ids)?;
        let started = Instant::now();
        let passed = all::run(&all::Options {
            repo: opts.repo.clone(),
            examples: Vec::new(),
            kernels: kernel_ids.clone(),
            accept: false,
            cache_dir: Some(cache.clone()),
            jobs: None,
            report: Some(bench_dir.join("matrix-report.json")),
            boot: false,
        })?;
        let secs = started.elapsed().as_secs_f64();
        let per_pair = secs / pairs.max(1) as f64;
        eprintln!(
            "   matrix        {secs:.1} s for {pairs} pairs: {per_pair:.2} s a pair, {:.2}× the mean floor{}",
            per_pair / mean_floor,
            if passed { "" } else { " (some pairs failed)" }
        );
        Some(MatrixFigure {
            secs,
            pairs,
            per_pair,
            per_pair_to_floor: per_pair / mean_floor,
            passed,
        })
    } else {
        None
    };
    Ok(Figures {
        date: crate::measure::utc_day(std::time::SystemTime::now()),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        accelerator: accel
            .map(|c| format!("{} ({})", c.accel, c.why))
            .unwrap_or_default(),
        runs,
        edit_loop_to_floor: edit_loop.median / mean_floor,
        kernels: per_kernel,
        mean_floor,
        edit_loop,
        matrix: matrix_figure,
    })
}

/// Listing × kernel pairs of the repository on `kernels`, variants expanded.
fn count_pairs(repo: &Path, matrix: &Matrix, kernels: &[String]) -> Result<usize> {
    let scenarios = manifest::discover(&repo.join("kmods"), &matrix.ids())?;
    Ok(scenarios
        .iter()
        .flat_map(Scenario::expand)
        .map(|s| kernels.iter().filter(|k| s.runs_on(k)).count())
        .sum())
}

/// A boot with no module and no step: the init mounts, reports, powers off.
fn boot_bare(
    root: &Root,
    bare: &Scenario,
    insmod: &Path,
    work: &Path,
    accel: crate::guest::vm::Accel,
) -> Result<()> {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work)?;
    let image = crate::guest::initramfs::build(&root.busybox(), insmod, &[], &[], 0)?;
    let initrd = work.join("initramfs.cpio");
    std::fs::write(&initrd, image)?;
    let kernel = root.vmlinux.clone().unwrap_or_else(|| root.bzimage());
    let run = crate::guest::vm::Machine {
        kernel: &kernel,
        initrd: &initrd,
        channel: &work.join("channel.log"),
        vcpus: bare.vcpus,
        cmdline: crate::guest::vm::cmdline(bare.hung_task_timeout_secs, bare.watchdog_thresh, &[]),
        time_limit: Duration::from_secs(60),
        boot_limit: Duration::from_secs(90),
        wake_steps: Vec::new(),
        accel,
        early_end: None,
        on_idle: None,
        disk: None,
        incoming: None,
    }
    .run()?;
    if !matches!(run.exit, crate::guest::vm::Exit::Guest(_)) {
        bail!(
            "the bare boot of {} did not power off ({:?}); console:\n{}",
            root.kernel.id,
            run.exit,
            run.console
        );
    }
    Ok(())
}

/// `1.23 s (1.20–1.31)`, and `, 0.81× the floor` when a floor is given.
fn show(s: &Secs, floor: Option<f64>) -> String {
    let mut t = format!("{:.2} s ({:.2}–{:.2})", s.median, s.min, s.max);
    if let Some(f) = floor {
        t.push_str(&format!(", {:.2}× the floor", s.median / f));
    }
    t
}

/// `verify bench`: measures, prints, writes the JSON to `opts.json`.
pub fn main(opts: &Options) -> Result<()> {
    let figures = measure(opts)?;
    if let Some(dir) = opts.json.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&opts.json, serde_json::to_string_pretty(&figures)? + "\n")
        .with_context(|| format!("writing {}", opts.json.display()))?;
    eprintln!("wrote {}", opts.json.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max() {
        let s = Secs::of(vec![3.0, 1.0, 2.0]);
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(s.tries, vec![3.0, 1.0, 2.0]);
        assert_eq!(Secs::of(vec![4.0, 1.0]).median, 1.0);
        assert_eq!(Secs::of(vec![5.0]).median, 5.0);
    }

    #[test]
    fn the_trivial_listing_is_a_valid_listing_whose_mark_changes() {
        let dir = std::env::temp_dir().join(format!("verify-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let ids: Vec<String> = ["5.10", "6.1"].map(String::from).to_vec();
        write_trivial(&dir, "one").unwrap();
        let s = manifest::discover(&dir, &ids).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].name, TRIVIAL);
        let c = std::fs::read_to_string(dir.join(TRIVIAL).join("bench_trivial.c")).unwrap();
        assert!(c.contains("pr_info(\"one\\n\");"), "{c}");
        write_trivial(&dir, "two").unwrap();
        let c = std::fs::read_to_string(dir.join(TRIVIAL).join("bench_trivial.c")).unwrap();
        assert!(c.contains("pr_info(\"two\\n\");") && !c.contains("pr_info(\"one"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
