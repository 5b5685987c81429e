//! Which accelerator QEMU uses: KVM when a short smoke boot shows that it
//! works on this host, else TCG (software emulation, which works anywhere).
//!
//! `/dev/kvm` being there is not enough: on some hosts (nested
//! virtualization without the MSRs QEMU sets) it opens, and QEMU then aborts
//! ("failed to set MSR 0x10a", an assertion in `kvm_buf_set_msrs`) or the
//! guest never reaches its init. The smoke boot is the harness's own init
//! with no step and no module, under a short boot limit, so a broken KVM
//! costs a few seconds and never hangs the run.

use crate::guest::initramfs;
use crate::guest::vm::{self, Accel, Exit, Machine};
use crate::host::provision::Root;
use anyhow::Result;
use std::path::Path;
use std::time::Duration;

/// The environment variable that forces TCG (`VERIFY_ACCEL=tcg`), for runs
/// that must not depend on the host's KVM.
pub const ENV: &str = "VERIFY_ACCEL";

/// How long the smoke boot may take to reach its init and end: a working
/// KVM boots these kernels in well under a second.
const SMOKE_LIMIT: Duration = Duration::from_secs(20);

/// The accelerator chosen, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What every guest of the run uses.
    pub accel: Accel,
    /// One line for people: `kvm (smoke boot of 6.1 passed in 0.6 s)`, or
    /// `tcg (no /dev/kvm)`.
    pub why: String,
}

impl Choice {
    fn tcg(why: String) -> Choice {
        Choice {
            accel: Accel::Tcg,
            why,
        }
    }
}

/// Chooses the accelerator for a run, booting `root`'s kernel once under
/// KVM when `/dev/kvm` can be opened. Errors: only the smoke boot's files
/// (the initramfs, its directory) that cannot be written; a failed boot is
/// a [`Choice`] of TCG.
pub fn choose(root: &Root, insmod: &Path, work: &Path) -> Result<Choice> {
    // The host's KVM does not change within a process: one smoke boot for
    // every run it makes (bench's edit loop runs many).
    static CHOSEN: std::sync::Mutex<Option<Choice>> = std::sync::Mutex::new(None);
    let mut chosen = CHOSEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = chosen.as_ref() {
        return Ok(c.clone());
    }
    let c = choose_now(root, insmod, work)?;
    *chosen = Some(c.clone());
    Ok(c)
}

fn choose_now(root: &Root, insmod: &Path, work: &Path) -> Result<Choice> {
    if let Ok(v) = std::env::var(ENV) {
        return match v.as_str() {
            "tcg" => Ok(Choice::tcg(format!("{ENV}=tcg"))),
            other => anyhow::bail!(
                "{ENV}={other}: the only value is `tcg` (KVM is used when its smoke boot passes)"
            ),
        };
    }
    if let Err(e) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
    {
        return Ok(Choice::tcg(format!("no usable /dev/kvm: {e}")));
    }
    std::fs::create_dir_all(work)?;
    let image = initramfs::build(&root.busybox(), insmod, &[], &[], 0)?;
    let initrd = work.join("smoke.cpio");
    std::fs::write(&initrd, image)?;
    let kernel = root.vmlinux.clone().unwrap_or_else(|| root.bzimage());
    let machine = Machine {
        kernel: &kernel,
        initrd: &initrd,
        channel: &work.join("smoke-channel.log"),
        vcpus: 1,
        cmdline: vm::cmdline(10, 10, &[]),
        time_limit: SMOKE_LIMIT,
        boot_limit: SMOKE_LIMIT,
        wake_steps: Vec::new(),
        accel: Accel::Kvm,
        early_end: None,
        on_idle: None,
        disk: None,
        incoming: None,
    };
    Ok(judge(&root.kernel.id, machine.run()))
}

/// What a smoke boot's result says.
fn judge(kernel: &str, run: Result<vm::Run>) -> Choice {
    match run {
        Ok(r) if r.exit == Exit::Guest(initramfs::DONE) && r.cut.is_none() => Choice {
            accel: Accel::Kvm,
            why: format!("smoke boot of {kernel} passed in {:.1} s", r.secs),
        },
        Ok(r) => Choice::tcg(format!(
            "the KVM smoke boot of {kernel} failed: {}{}",
            r.cut.unwrap_or_else(|| ended(&r.exit)),
            first_line(&r.stderr)
                .map(|l| format!(" (qemu: {l})"))
                .unwrap_or_default()
        )),
        Err(e) => Choice::tcg(format!(
            "the KVM smoke boot of {kernel} failed: {}",
            first_line(&format!("{e:#}")).unwrap_or("no message")
        )),
    }
}

/// How a smoke boot that did not pass ended, in words.
fn ended(exit: &Exit) -> String {
    match exit {
        Exit::Guest(code) => format!("the guest wrote exit code {code}, not the init's"),
        Exit::Qemu(None) => "QEMU was killed by a signal".into(),
        Exit::Qemu(Some(c)) => format!("QEMU exited with status {c}"),
        Exit::TimedOut => "it was stopped at its time limit".into(),
        Exit::Settled => "the init ended but the guest did not power off".into(),
        Exit::Shown => "it was stopped after a watchdog report".into(),
    }
}

fn first_line(s: &str) -> Option<&str> {
    s.lines().map(str::trim).find(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(exit: Exit, cut: Option<&str>, stderr: &str) -> Result<vm::Run> {
        Ok(vm::Run {
            console: String::new(),
            channel: String::new(),
            stderr: stderr.into(),
            exit,
            cut: cut.map(String::from),
            secs: 0.7,
        })
    }

    #[test]
    fn only_an_init_that_ended_chooses_kvm() {
        let c = judge("6.1", run(Exit::Guest(initramfs::DONE), None, ""));
        assert_eq!(c.accel, Accel::Kvm);
        assert_eq!(c.why, "smoke boot of 6.1 passed in 0.7 s");
        // A module-less guest that hung, or wrote another exit code.
        let c = judge(
            "6.1",
            run(
                Exit::TimedOut,
                Some("stopped: the guest did not reach its init within 20 s"),
                "",
            ),
        );
        assert_eq!(c.accel, Accel::Tcg);
        assert!(c.why.contains("did not reach its init"), "{}", c.why);
        assert_eq!(
            judge("6.1", run(Exit::Guest(7), None, "")).accel,
            Accel::Tcg
        );
        // QEMU aborting on this host's KVM (seen here: an assertion after
        // "failed to set MSR 0x10a").
        let c = judge(
            "5.10",
            Err(anyhow::anyhow!(
                "qemu failed: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\nassertion"
            )),
        );
        assert_eq!(c.accel, Accel::Tcg);
        assert!(c.why.contains("failed to set MSR 0x10a"), "{}", c.why);
    }
}
