//! One example on one kernel: build, pack, boot, read the console.

use crate::guest::initramfs;
use crate::guest::restore;
use crate::guest::vm::{self, Boot, Exit, Machine};
use crate::host::kbuild;
use crate::host::provision::Root;
use crate::host::workdir;
use crate::manifest::Scenario;
use crate::text::console;
use crate::text::normalize::normalize;
use crate::text::outcome::Outcome;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A kernel that has not reached its init after this long under TCG is not
/// going to; measured boots take 1–3 s on an idle host.
const BOOT_LIMIT: Duration = Duration::from_secs(90);

/// Seconds the guest's init waits after the last step, in guest time, so a
/// crash that the last step set off is part of the run: a thread running
/// freed module text oopses about 0.3 s after `rmmod`
/// (`cases/outcomes/rw_unload_no_sleep`, on 6.1 and latest).
pub const GRACE_SECS: u32 = 1;

/// One run of a listing on one kernel, as [`run`] read it.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// What the kernel did ([`crate::text::console::outcome`]: its lines,
    /// how QEMU ended, whether the init finished); `BuildError` when `make`
    /// failed.
    pub outcome: Outcome,
    /// The normalized text compared with the snapshot.
    pub text: String,
    /// The raw console, kept for debugging and as a fixture source.
    pub console: String,
    /// The raw side channel, kept beside it.
    pub channel: String,
    /// Why the run was stopped before the guest finished, if it was
    /// (also the last line of `text`).
    pub cut: Option<String>,
    /// Seconds `make` took ([`kbuild::Built::secs`]); for a kept build, what
    /// it took when it was made.
    pub build_secs: f64,
    /// The build was a kept one ([`kbuild::build_cached`]), not made in this run.
    pub build_cached: bool,
    /// Seconds QEMU ran, boot included ([`vm::Run::secs`]); 0 after a build
    /// error.
    pub boot_secs: f64,
    /// The kernel image that booted, or [`Boot::Resumed`]; `None` after a
    /// build error.
    pub boot: Option<Boot>,
    /// Why the run booted instead of resuming a saved guest, when it did
    /// and resuming was on ([`crate::guest::restore`]).
    pub boot_why: Option<String>,
    /// W=1 warnings, which make a run fail even when its output matches.
    pub warnings: Vec<String>,
    /// The values of the scenario's measures in this run (empty lists when
    /// the listing printed none; none at all without a boot), and the UTC
    /// day the run ended (`crate::measure`).
    pub measured: crate::measure::Values,
    /// `YYYY-MM-DD`, UTC: when the run ended.
    pub date: String,
}

/// Where one (kernel, listing run) pair works; made by [`crate::run::all`].
pub struct Paths {
    /// Per (kernel, example) scratch directory.
    pub work: PathBuf,
    /// The guest's insmod, built for this root.
    pub insmod: PathBuf,
    /// The accelerator the run's guests use ([`crate::guest::accel::choose`]).
    pub accel: vm::Accel,
    /// Told when the guest goes idle or busy ([`vm::Machine::on_idle`]);
    /// `None`: nobody is waiting for a core.
    pub on_idle: Option<std::sync::Arc<dyn Fn(bool) + Send + Sync>>,
    /// The kernel's saved guests, which a run resumes instead of booting;
    /// `None`: every run boots.
    pub saved: Option<std::sync::Arc<restore::Store>>,
}

/// Every `insmod FILE.ko` step of `s` must name a module its build made:
/// a typo would otherwise boot a guest only to print insmod's "No such file
/// or directory" as if it were the listing's output. Errors: the step, the
/// manifest and the modules the build made.
fn unbuilt_insmods(s: &Scenario, modules: &[std::path::PathBuf]) -> Result<()> {
    let made: Vec<String> = modules
        .iter()
        .filter_map(|m| m.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for step in &s.steps {
        if let crate::manifest::Action::Insmod { file, .. } = &step.action {
            if !made.iter().any(|m| m == file) {
                let stem = file.trim_end_matches(".ko");
                anyhow::bail!(
                    "{}: step `insmod {file}`: the build made no {file} ({}); name a module the listing builds, or add `obj-m += {stem}.o` to its Kbuild",
                    s.dir.join("scenario.toml").display(),
                    if made.is_empty() {
                        "it made no module".to_string()
                    } else {
                        format!("it made {}", made.join(", "))
                    }
                );
            }
        }
    }
    Ok(())
}

/// Builds, packs and boots scenario `s` on `root`, and reads the result.
/// Errors: the harness failed (QEMU, the side channel, a file it writes);
/// a listing's own failure is an outcome, never an error.
pub fn run(root: &Root, s: &Scenario, paths: &Paths) -> Result<RunOutput> {
    let _lock = workdir::lock(&paths.work)?;
    let built = kbuild::build_cached(root, &s.dir, &paths.work.join("build"), &mut |m| {
        eprintln!("{}: {m}", s.name)
    })?;
    let warnings: Vec<String> = built.warnings().iter().map(|w| w.to_string()).collect();
    let expected = s.expected(&root.kernel.id);
    if let Some(outcome) = after_build(built.ok, !warnings.is_empty(), expected) {
        // A build that is the whole story: its diagnostics are the
        // snapshot. Expected warnings are the outcome, not a fault.
        let warnings = if outcome == Outcome::BuildError {
            warnings
        } else {
            Vec::new()
        };
        return Ok(RunOutput {
            outcome,
            text: built.diagnostics() + "\n",
            console: built.log.clone(),
            channel: String::new(),
            cut: None,
            build_secs: built.secs,
            build_cached: built.cached,
            boot_secs: 0.0,
            boot: None,
            boot_why: None,
            warnings,
            measured: Default::default(),
            date: crate::measure::utc_day(std::time::SystemTime::now()),
        });
    }
    unbuilt_insmods(s, &built.modules)?;
    let channel = paths.work.join("channel.log");
    let mut unloaded_last = None;
    let resumed = match saved_state(root, s, paths) {
        Ok((store, saved)) => match resume(root, s, paths, &saved, &built.modules, &channel) {
            Ok(run) => {
                unloaded_last = Some(saved.unloaded_last.clone());
                Ok(run)
            }
            Err(why) => {
                store.spoil(root, s.vcpus, s.watchdog_thresh, &why);
                Err(Some(format!("resuming failed: {why}")))
            }
        },
        Err(why) => Err(why),
    };
    let (run, boot, boot_why) = match resumed {
        Ok(run) => (run, Boot::Resumed, None),
        Err(why) => {
            let image = initramfs::build(
                &root.busybox(),
                &paths.insmod,
                &built.modules,
                &s.steps,
                GRACE_SECS,
            )?;
            let initrd = paths.work.join("initramfs.cpio");
            std::fs::write(&initrd, image)
                .with_context(|| format!("writing {}", initrd.display()))?;
            let (run, boot) = boot(root, s, paths, &initrd, &channel)?;
            (run, boot, why)
        }
    };
    let mut split = console::split(&run.console, &run.channel);
    if let Some(last) = &unloaded_last {
        for line in &mut split.lines {
            if let console::Line::Kernel(text) = line {
                if let Some(kept) = restore::forget_unload(text, last) {
                    *text = kept;
                }
            }
        }
    }
    if !split.problems.is_empty() {
        let kept = paths.work.join("console-failed.log");
        std::fs::write(&kept, &run.console)
            .with_context(|| format!("writing {}", kept.display()))?;
        anyhow::bail!(
            "the guest's console and its side channel disagree (a harness fault, not the listing's; console kept in {}):\n{}",
            kept.display(),
            split.problems.join("\n")
        );
    }
    let mut cut = run.cut.clone();
    if cut.is_none() && split.started && !split.finished {
        if let Exit::Guest(_) = run.exit {
            // A module can write isa-debug-exit too.
            cut = Some("stopped: the guest powered off before its init finished".into());
        }
    }
    let kernel_lines = split.kernel_lines();
    let outcome = console::outcome(&kernel_lines, &run.exit, split.finished);
    // The measured numbers become `<N>` before the normalization, which
    // would otherwise keep them, and the snapshot would change every run.
    let (lines, measured) = crate::measure::extract(&s.measures, &split.lines);
    let mut text = normalize(&lines);
    if let Some(why) = &cut {
        text.push_str(&format!("[{why}]\n"));
    }
    Ok(RunOutput {
        outcome,
        text,
        console: run.console,
        channel: run.channel,
        cut,
        build_secs: built.secs,
        build_cached: built.cached,
        boot_secs: run.secs,
        boot: Some(boot),
        boot_why,
        warnings,
        measured,
        date: crate::measure::utc_day(std::time::SystemTime::now()),
    })
}

/// The saved guest this run can resume. `Err(None)`: resuming is off;
/// `Err(Some(why))`: the run boots, and the report says why (the
/// scenario's own kernel parameters need a boot; no state could be made).
fn saved_state(
    root: &Root,
    s: &Scenario,
    paths: &Paths,
) -> std::result::Result<
    (
        std::sync::Arc<restore::Store>,
        std::sync::Arc<restore::Saved>,
    ),
    Option<String>,
> {
    let store = paths.saved.clone().ok_or(None)?;
    if !s.cmdline.is_empty() {
        return Err(Some(format!(
            "its kernel parameters ({}) need a boot of their own",
            s.cmdline.join(" ")
        )));
    }
    let saved = store.get(root, s.vcpus, s.watchdog_thresh).map_err(Some)?;
    Ok((store, saved))
}

/// Resumes `saved` with the run's modules and steps on its payload disk.
/// `Err`: why the resume failed (QEMU refused the state, or the guest
/// powered off before the run's start event); the caller boots instead.
fn resume(
    root: &Root,
    s: &Scenario,
    paths: &Paths,
    saved: &restore::Saved,
    modules: &[PathBuf],
    channel: &Path,
) -> std::result::Result<vm::Run, String> {
    let script = restore::run_script(s.hung_task_timeout_secs, &s.steps, GRACE_SECS);
    let disk = paths.work.join("payload.img");
    let archive = initramfs::resumed_part(modules, &script).map_err(|e| format!("{e:#}"))?;
    restore::payload_disk(&disk, &archive).map_err(|e| format!("{e:#}"))?;
    let run = Machine {
        cmdline: saved.cmdline.clone(),
        boot_limit: RESUME_LIMIT,
        disk: Some(&disk),
        incoming: Some(&saved.state),
        ..machine(root, s, paths, &saved.kernel, &saved.initrd, channel)
    }
    .run()
    .map_err(|e| format!("{e:#}"))?;
    // The start event is the init's own, on the channel.
    let (events, _) = crate::guest::channel::parse(&run.channel);
    if !events
        .iter()
        .any(|r| r.event == crate::guest::channel::Event::Start)
    {
        let tail: Vec<&str> = run.console.lines().rev().take(3).collect();
        return Err(format!(
            "the guest did not start the run ({:?}; console: {})",
            run.exit,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    Ok(run)
}

/// How long a resumed guest may take to reach its run's start event: a
/// resume takes well under a second on an idle host.
const RESUME_LIMIT: Duration = Duration::from_secs(30);

/// Whether the run ends with its build, and with what outcome: a failed
/// build is `build-error`; on a kernel whose manifest expects
/// `build-warning`, a build with warnings is `build-warning` and a clean one
/// `clean` (which fails the expectation: the warning went away). `None`:
/// boot the module; warnings nobody expected then fail the run (the judge
/// reports them), as on every kernel that does not expect them.
pub fn after_build(built: bool, warned: bool, expected: Outcome) -> Option<Outcome> {
    if !built {
        return Some(Outcome::BuildError);
    }
    if expected != Outcome::BuildWarning {
        return None;
    }
    Some(if warned {
        Outcome::BuildWarning
    } else {
        Outcome::Clean
    })
}

/// A scenario whose expected outcome on this kernel is a watchdog report
/// ends once that report is shown ([`vm::EarlyEnd`]); any other runs on.
fn early_end(s: &Scenario, expected: Outcome) -> Option<vm::EarlyEnd> {
    matches!(
        expected,
        Outcome::HungTask | Outcome::SoftLockup | Outcome::RcuStall
    )
    .then(|| vm::EarlyEnd {
        outcome: expected,
        sleeps: numbered(s, |step| {
            !step.background && matches!(step.action, crate::manifest::Action::Sleep { .. })
        })
        .into_iter()
        .filter_map(|n| match s.steps[n - 1].action {
            crate::manifest::Action::Sleep { seconds } => {
                Some((n, Duration::from_secs(seconds.into())))
            }
            _ => None,
        })
        .collect(),
        waits: if s.steps.iter().any(|step| {
            step.background && matches!(step.action, crate::manifest::Action::Sleep { .. })
        }) {
            Vec::new()
        } else {
            numbered(s, |step| {
                matches!(step.action, crate::manifest::Action::Wait)
            })
        },
    })
}

/// The numbers (from 1, as the side channel numbers them) of `s`'s steps
/// that `pick` picks.
fn numbered(s: &Scenario, pick: impl Fn(&crate::manifest::Step) -> bool) -> Vec<usize> {
    s.steps
        .iter()
        .enumerate()
        .filter(|(_, step)| pick(step))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The machine that boots scenario `s` from `kernel` and `initrd`: its
/// CPUs, command line, limits, freeze steps, early end and idle reports;
/// a resume ([`resume`]) changes what differs.
fn machine<'a>(
    root: &Root,
    s: &Scenario,
    paths: &'a Paths,
    kernel: &'a Path,
    initrd: &'a Path,
    channel: &'a Path,
) -> Machine<'a> {
    Machine {
        kernel,
        initrd,
        channel,
        vcpus: s.vcpus,
        cmdline: vm::cmdline(s.hung_task_timeout_secs, s.watchdog_thresh, &s.cmdline),
        time_limit: Duration::from_secs(s.time_limit),
        boot_limit: BOOT_LIMIT,
        wake_steps: numbered(s, |step| step.is_freeze()),
        accel: paths.accel,
        early_end: early_end(s, s.expected(&root.kernel.id)),
        on_idle: paths
            .on_idle
            .as_deref()
            .map(|f| f as &(dyn Fn(bool) + Sync)),
        disk: None,
        incoming: None,
    }
}

/// Boots the extracted vmlinux through PVH; falls back to the bzImage when
/// there is no vmlinux, QEMU refused it (a damaged file: QEMU's message is
/// shown), or the PVH boot printed nothing at all.
fn boot(
    root: &Root,
    s: &Scenario,
    paths: &Paths,
    initrd: &Path,
    channel: &Path,
) -> Result<(vm::Run, Boot)> {
    let machine = |kernel: &Path| machine(root, s, paths, kernel, initrd, channel).run();
    if let Some(vmlinux) = &root.vmlinux {
        let why = match machine(vmlinux) {
            Ok(r) if !r.console.trim().is_empty() => return Ok((r, Boot::Pvh)),
            Ok(r) => format!(
                "the PVH boot printed nothing ({:?} after {:.1}s{})",
                r.exit,
                r.secs,
                if r.stderr.trim().is_empty() {
                    String::new()
                } else {
                    format!(", qemu: {}", r.stderr.trim())
                }
            ),
            Err(e) => format!("the PVH boot of {} failed: {e:#}", vmlinux.display()),
        };
        eprintln!(
            "{} on {}: {why}; booting the bzImage",
            s.name, root.kernel.id
        );
    }
    Ok((machine(&root.bzimage())?, Boot::BzImage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_ends_the_run_only_when_it_is_the_story() {
        use Outcome::*;
        // A failed build is a build error, whatever was expected.
        for expected in [Clean, BuildError, BuildWarning, Oops] {
            assert_eq!(after_build(false, true, expected), Some(BuildError));
            assert_eq!(after_build(false, false, expected), Some(BuildError));
        }
        // Expected warnings: the build is the outcome.
        assert_eq!(after_build(true, true, BuildWarning), Some(BuildWarning));
        // Expected but gone: stop with `clean`, which the judge fails.
        assert_eq!(after_build(true, false, BuildWarning), Some(Clean));
        // Not expected: boot; the judge fails unexpected warnings.
        assert_eq!(after_build(true, true, Clean), None);
        assert_eq!(after_build(true, true, Oops), None);
        assert_eq!(after_build(true, false, Clean), None);
    }

    #[test]
    fn an_insmod_of_a_module_the_build_did_not_make_is_named() {
        let text =
            "title = \"t\"\ntitle_zh = \"t\"\nvcpus = 1\ntime_limit = 10\nexpect = \"clean\"\n\
            steps = [\"insmod demo.ko\", \"insmod demo_helper.ko\", \"rmmod demo\"]\n";
        let s = Scenario::parse(
            std::path::Path::new("kmods/demo"),
            text,
            &["5.10".to_string()],
        )
        .unwrap();
        let built = |names: &[&str]| -> Vec<std::path::PathBuf> {
            names
                .iter()
                .map(|n| std::path::PathBuf::from("/w/build").join(n))
                .collect()
        };
        assert!(unbuilt_insmods(&s, &built(&["demo.ko", "demo_helper.ko"])).is_ok());
        let e = unbuilt_insmods(&s, &built(&["demo.ko"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "kmods/demo/scenario.toml: step `insmod demo_helper.ko`: the build made no demo_helper.ko (it made demo.ko); name a module the listing builds, or add `obj-m += demo_helper.o` to its Kbuild"
        );
        let e = unbuilt_insmods(&s, &[]).unwrap_err().to_string();
        assert!(e.contains("(it made no module)"), "{e}");
    }
}
