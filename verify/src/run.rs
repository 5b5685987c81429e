//! One example on one kernel: build, pack, boot, read the console.

use crate::console;
use crate::initramfs;
use crate::kbuild;
use crate::manifest::Scenario;
use crate::normalize::normalize;
use crate::outcome::Outcome;
use crate::provision::Root;
use crate::vm::{self, Boot, Exit, Machine};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Silence after a crash report that ends a run early: the report is complete
/// and the guest will not finish by itself.
const SETTLE: Duration = Duration::from_secs(3);

/// A kernel that has not reached its init after this long under TCG is not
/// going to; measured boots take 1–3 s on an idle host.
const BOOT_LIMIT: Duration = Duration::from_secs(90);

#[derive(Debug, Clone)]
pub struct RunOutput {
    pub outcome: Outcome,
    /// The normalized text compared with the snapshot.
    pub text: String,
    /// The raw console, kept for debugging and as a fixture source.
    pub console: String,
    pub build_secs: f64,
    pub boot_secs: f64,
    pub boot: Option<Boot>,
    /// W=1 warnings, which make a run fail even when its output matches.
    pub warnings: Vec<String>,
}

pub struct Paths {
    /// Per (kernel, example) scratch directory.
    pub work: PathBuf,
    /// The guest's insmod, built for this root.
    pub insmod: PathBuf,
}

pub fn run(root: &Root, s: &Scenario, paths: &Paths) -> Result<RunOutput> {
    let _lock = lock(&paths.work)?;
    let built = kbuild::build(root, &s.dir, &paths.work.join("build"))?;
    let warnings: Vec<String> = built.warnings().iter().map(|w| w.to_string()).collect();
    if !built.ok {
        return Ok(RunOutput {
            outcome: Outcome::BuildError,
            text: built.diagnostics() + "\n",
            console: built.log.clone(),
            build_secs: built.secs,
            boot_secs: 0.0,
            boot: None,
            warnings,
        });
    }
    let image = initramfs::build(&root.busybox(), &paths.insmod, &built.modules, &s.steps)?;
    let initrd = paths.work.join("initramfs.cpio");
    std::fs::write(&initrd, image).with_context(|| format!("writing {}", initrd.display()))?;

    let (run, boot) = boot(root, s, &initrd)?;
    let finished = console::finished(&run.console);
    let (outcome, text) = match console::scenario_lines(&run.console) {
        Ok(lines) => (
            console::outcome(&lines, &run.exit, finished),
            normalize(&lines),
        ),
        Err(all) => {
            // The guest never reached its init: the boot itself is the story.
            let o = console::outcome(&all, &run.exit, false);
            (o, normalize(&all))
        }
    };
    Ok(RunOutput {
        outcome,
        text,
        console: run.console,
        build_secs: built.secs,
        boot_secs: run.secs,
        boot: Some(boot),
        warnings,
    })
}

/// Boots the extracted vmlinux through PVH; falls back to the bzImage when
/// there is no vmlinux or the PVH boot printed nothing at all.
fn boot(root: &Root, s: &Scenario, initrd: &Path) -> Result<(vm::Run, Boot)> {
    let machine = |kernel: &Path| {
        Machine {
            kernel,
            initrd,
            vcpus: s.vcpus,
            time_limit: Duration::from_secs(s.time_limit),
            boot_limit: BOOT_LIMIT,
            start_marker: initramfs::START,
            settle: SETTLE,
            is_report: console::is_report,
        }
        .run()
    };
    if let Some(vmlinux) = &root.vmlinux {
        let r = machine(vmlinux)?;
        if !r.console.trim().is_empty() || r.exit == Exit::Guest(0) {
            return Ok((r, Boot::Pvh));
        }
        eprintln!(
            "{} on {}: the PVH boot printed nothing ({:?} after {:.1}s{}); booting the bzImage",
            s.name,
            root.kernel.id,
            r.exit,
            r.secs,
            if r.stderr.trim().is_empty() {
                String::new()
            } else {
                format!(", qemu: {}", r.stderr.trim())
            }
        );
    }
    Ok((machine(&root.bzimage())?, Boot::BzImage))
}

/// Holds `dir` for this process: two verify runs over one checkout (a test
/// and a person, say) would otherwise clean each other's build directories.
pub fn lock(dir: &Path) -> Result<std::fs::File> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(".lock");
    let file =
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    file.lock()
        .with_context(|| format!("locking {}", path.display()))?;
    Ok(file)
}
