//! What a scenario can end in (DESIGN.md §4).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How one run ended; in manifests, reports and the book by its kebab-case
/// name (`as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// No report, and the guest reached its end marker.
    Clean,
    /// The listing did not build for this kernel.
    BuildError,
    /// The listing built, but with W=1 warnings (compiler or modpost), on a
    /// kernel whose manifest expects exactly that: the warning is the
    /// listing's point there. The run stops after the build, and the
    /// compiler's diagnostics are the snapshot, as for `build-error`.
    /// Only an expected outcome: on a kernel that does not expect it,
    /// warnings fail the run as they always have (the run goes on and is
    /// judged by what it printed, plus the warnings). Where it is expected
    /// but the build is clean, the run also stops after the build, with
    /// outcome `clean`, which fails the expectation; its snapshot (no
    /// diagnostics) shows that the warning went away.
    BuildWarning,
    /// A WARN, a `BUG:` the kernel survives (sleeping in atomic context),
    /// UBSAN, or a module that failed to load for an unknown symbol.
    Warn,
    /// An oops: a fault or `BUG()` in kernel mode.
    Oops,
    /// A report that memory was used after it was freed: SLUB's debug
    /// checks (`slub_debug` with poisoning: "Poison overwritten", "Object
    /// already free"), KFENCE ("use-after-free read/write", "invalid
    /// free"), or refcount_t ("addition on 0; use-after-free", "underflow;
    /// use-after-free"); `console::HEADERS` cites the kernel source of each.
    ///
    /// Precedence (`console::outcome` picks the most severe report): a
    /// report from the allocator (SLUB, KFENCE) ranks above an oops and
    /// below a panic: it saw the freed memory itself, and the oops it often
    /// comes with (a fault on the poison pattern 0x6b6b6b6b6b6b6b6b) is its
    /// symptom, while a panic is still the machine going down. A refcount_t
    /// report ranks just above a WARN (which it is) and below everything
    /// else: refcount_t only infers the free from a counter at zero and
    /// never looks at the memory, so a run whose plain NULL dereference
    /// follows it is an oops.
    UseAfterFree,
    /// `Kernel panic - not syncing`, or a guest that went down with a panic
    /// whose report never reached the console.
    Panic,
    /// The hung-task detector reported a task blocked in D state.
    HungTask,
    /// The soft-lockup watchdog reported a CPU that did not schedule.
    SoftLockup,
    /// RCU reported a stalled grace period, normal or expedited.
    RcuStall,
    /// The freezer gave up on a task that would not freeze
    /// (kernel/power/process.c, try_to_freeze_tasks(): "Freezing of tasks
    /// failed after …" on 5.10 and 6.1, "Freezing remaining freezable tasks
    /// failed after …" on 6.12 and 7.2); the kernel carries on with suspend
    /// aborted.
    FreezeFailed,
    /// The guest restarted through kernel_restart() ("reboot: Restarting
    /// system", kernel/reboot.c) without a panic, before its end marker.
    Reboot,
    /// The guest neither finished nor reported anything before the time limit.
    Timeout,
}

impl Outcome {
    /// Every outcome, in the order `allowed()` lists them.
    pub const ALL: [Outcome; 13] = [
        Outcome::Clean,
        Outcome::BuildError,
        Outcome::BuildWarning,
        Outcome::Warn,
        Outcome::Oops,
        Outcome::UseAfterFree,
        Outcome::Panic,
        Outcome::HungTask,
        Outcome::SoftLockup,
        Outcome::RcuStall,
        Outcome::FreezeFailed,
        Outcome::Reboot,
        Outcome::Timeout,
    ];

    /// The name manifests and reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Clean => "clean",
            Outcome::BuildError => "build-error",
            Outcome::BuildWarning => "build-warning",
            Outcome::Warn => "warn",
            Outcome::Oops => "oops",
            Outcome::UseAfterFree => "use-after-free",
            Outcome::Panic => "panic",
            Outcome::HungTask => "hung-task",
            Outcome::SoftLockup => "soft-lockup",
            Outcome::RcuStall => "rcu-stall",
            Outcome::FreezeFailed => "freeze-failed",
            Outcome::Reboot => "reboot",
            Outcome::Timeout => "timeout",
        }
    }

    /// Every name, comma-separated, for error messages.
    pub fn allowed() -> String {
        Outcome::ALL.map(Outcome::as_str).join(", ")
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| format!("unknown outcome `{s}`; allowed: {}", Outcome::allowed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse::<Outcome>().unwrap(), o);
        }
        assert_eq!("freeze-failed".parse(), Ok(Outcome::FreezeFailed));
        assert_eq!("reboot".parse(), Ok(Outcome::Reboot));
        assert_eq!("use-after-free".parse(), Ok(Outcome::UseAfterFree));
        assert_eq!("build-warning".parse(), Ok(Outcome::BuildWarning));
        // serde spells them as manifests and report.json do.
        for o in Outcome::ALL {
            assert_eq!(serde_json::to_string(&o).unwrap(), format!("\"{o}\""));
        }
        let err = "hang".parse::<Outcome>().unwrap_err();
        assert!(err.contains("hung-task"), "{err}");
    }

    #[test]
    fn the_readme_lists_every_outcome() {
        // The contributor's guide names the outcomes a manifest may expect.
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
        let listed = readme
            .lines()
            .find_map(|l| l.trim().strip_prefix("expect = \"clean\""))
            .and_then(|rest| rest.split_once('#'))
            .map(|(_, list)| list.trim())
            .expect("README shows `expect = \"clean\"  # …` in its manifest example");
        assert_eq!(listed, Outcome::allowed());
    }
}
