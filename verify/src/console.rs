//! Reading the serial console: the scenario's part of it, crash reports and
//! the outcome they mean (DESIGN.md §4).

use crate::initramfs::{END, START};
use crate::outcome::Outcome;
use crate::vm::Exit;
use regex::Regex;
use std::sync::LazyLock;

static PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\[\s*\d+\.\d+\]\s?)?(?:\[\s*[TC]\d+\]\s?)?").unwrap());

/// A console line without its `[   1.234567]` timestamp and `[T12]` caller id.
pub fn strip_prefix(line: &str) -> &str {
    let line = line.trim_end_matches('\r');
    let end = PREFIX.find(line).map_or(0, |m| m.end());
    &line[end..]
}

/// Header lines that open a kernel report, with the outcome each means. The
/// first match wins, so the more specific headers come first.
static HEADERS: LazyLock<Vec<(Regex, Outcome)>> = LazyLock::new(|| {
    [
        (r"^Kernel panic - not syncing", Outcome::Panic),
        // kernel/watchdog.c prints this with its pr_fmt, "watchdog: ".
        (
            r"^(?:watchdog: )?BUG: soft lockup - CPU#\d+ stuck for",
            Outcome::SoftLockup,
        ),
        (r"^INFO: task \S+ blocked for more than", Outcome::HungTask),
        (
            r"^rcu: INFO: rcu_\w+ (?:self-)?detected stalls?",
            Outcome::RcuStall,
        ),
        (r"^BUG: kernel NULL pointer dereference", Outcome::Oops),
        (r"^BUG: unable to handle", Outcome::Oops),
        (r"^BUG: (?:KASAN|KFENCE)", Outcome::Oops),
        (r"^Oops: ", Outcome::Oops),
        (r"^general protection fault", Outcome::Oops),
        (r"^kernel BUG at", Outcome::Oops),
        // lib/ubsan.c prints "UBSAN: <reason> in FILE:LINE:COL", no "BUG: ".
        (r"^(?:BUG: )?UBSAN: ", Outcome::Warn),
        (r"^WARNING: ", Outcome::Warn),
        (
            r"^BUG: sleeping function called from invalid context",
            Outcome::Warn,
        ),
        (r"^BUG: scheduling while atomic", Outcome::Warn),
        // A module that needs a symbol its kernel does not export fails to
        // load; the kernel says so as a warning.
        (r"Unknown symbol ", Outcome::Warn),
    ]
    .into_iter()
    .map(|(r, o)| (Regex::new(r).unwrap(), o))
    .collect()
});

/// The outcome a report header line means, if it is one.
pub fn classify(line: &str) -> Option<Outcome> {
    let l = strip_prefix(line);
    HEADERS
        .iter()
        .find(|(re, _)| re.is_match(l))
        .map(|(_, o)| *o)
}

pub fn is_report(line: &str) -> bool {
    classify(line).is_some()
}

/// How bad each outcome is, for choosing one when a run shows several reports
/// (an oops report also carries "BUG: kernel NULL pointer dereference").
fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Panic => 6,
        Outcome::Oops => 5,
        Outcome::SoftLockup => 4,
        Outcome::RcuStall => 3,
        Outcome::HungTask => 2,
        Outcome::Warn => 1,
        _ => 0,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub outcome: Outcome,
    pub header: String,
}

pub fn reports(lines: &[&str]) -> Vec<Report> {
    lines
        .iter()
        .filter_map(|l| {
            classify(l).map(|outcome| Report {
                outcome,
                header: strip_prefix(l).to_string(),
            })
        })
        .collect()
}

/// The scenario's part of the console: from the guest's start marker to its
/// end marker (or to the end, if the guest never finished). `None` when the
/// guest never started, with everything the kernel printed.
pub fn scenario_lines(console: &str) -> Result<Vec<&str>, Vec<&str>> {
    let all: Vec<&str> = console.lines().map(|l| l.trim_end_matches('\r')).collect();
    let Some(start) = all.iter().position(|l| strip_prefix(l) == START) else {
        return Err(all);
    };
    let rest = &all[start + 1..];
    let end = rest
        .iter()
        .position(|l| strip_prefix(l) == END)
        .unwrap_or(rest.len());
    Ok(rest[..end].to_vec())
}

pub fn finished(console: &str) -> bool {
    console.lines().any(|l| strip_prefix(l) == END)
}

/// The outcome of one run: the most severe report; otherwise `timeout` when
/// the guest did not reach its end marker; otherwise `clean`.
pub fn outcome(lines: &[&str], exit: &Exit, finished: bool) -> Outcome {
    if let Some(r) = reports(lines)
        .into_iter()
        .max_by_key(|r| severity(r.outcome))
    {
        return r.outcome;
    }
    match exit {
        _ if finished => Outcome::Clean,
        // The guest rebooted before its end marker: with panic=-1 that is a
        // panic whose report we did not see.
        Exit::Qemu(Some(0)) => Outcome::Panic,
        _ => Outcome::Timeout,
    }
}

#[cfg(test)]
mod tests {
    //! Every header and every decision here is tested with a line captured
    //! from one of the kernels of the matrix (the console fixtures under
    //! `tests/fixtures/console/`), or, for reports no fixture has yet, with a
    //! line reconstructed from the format string the kernel source prints,
    //! marked as such.
    use super::*;

    use crate::fixtures::*;

    #[test]
    fn strip_prefix_removes_the_timestamp() {
        let l = real(
            NULL_DEREF_6_1,
            "[    1.054302] BUG: kernel NULL pointer dereference, address: 0000000000000000",
        );
        assert_eq!(
            strip_prefix(l),
            "BUG: kernel NULL pointer dereference, address: 0000000000000000"
        );
        // The serial console ends lines with CR LF.
        assert_eq!(strip_prefix(&format!("{l}\r")), strip_prefix(l));
        // Only the one space printk puts after the timestamp goes: the
        // hung-task report indents its taint line by six spaces.
        let l = real(
            HUNG_6_1,
            "[    4.278032]       Tainted: G           OE      6.1.0-56-cloud-amd64 #1 Debian 6.1.192-2",
        );
        assert_eq!(
            strip_prefix(l),
            "      Tainted: G           OE      6.1.0-56-cloud-amd64 #1 Debian 6.1.192-2"
        );
        // A line without a timestamp is left alone.
        assert_eq!(strip_prefix("verify: start"), "verify: start");
    }

    #[test]
    fn strip_prefix_removes_the_caller_id() {
        // Reconstructed, not captured (Debian kernels are built without
        // CONFIG_PRINTK_CALLER): kernel/printk/printk.c prints the time as
        // "[%5lu.%06lu]", then the caller as "[%6s]" of "T<pid>" or "C<cpu>",
        // then one space.
        assert_eq!(
            strip_prefix("[    1.054302][   T86] BUG: kernel NULL pointer dereference, address: 0000000000000000"),
            "BUG: kernel NULL pointer dereference, address: 0000000000000000"
        );
        assert_eq!(strip_prefix("[   22.123456][    C0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [insmod:73]"),
            "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [insmod:73]");
    }

    // ---- classify: captured headers ----

    #[test]
    fn null_pointer_dereference_is_an_oops_on_every_kernel() {
        for (fixture, line) in [
            (
                NULL_DEREF_5_10,
                "[    0.956974] BUG: kernel NULL pointer dereference, address: 0000000000000000",
            ),
            (
                NULL_DEREF_6_1,
                "[    1.054302] BUG: kernel NULL pointer dereference, address: 0000000000000000",
            ),
            (
                NULL_DEREF_6_12,
                "[    1.453003] BUG: kernel NULL pointer dereference, address: 0000000000000000",
            ),
            (
                NULL_DEREF_LATEST,
                "[    1.689303] BUG: kernel NULL pointer dereference, address: 0000000000000000",
            ),
        ] {
            assert_eq!(classify(real(fixture, line)), Some(Outcome::Oops), "{line}");
        }
    }

    #[test]
    fn oops_line_is_an_oops_in_both_layouts() {
        for (fixture, line) in [
            (NULL_DEREF_5_10, "[    0.958702] Oops: 0000 [#1] SMP NOPTI"),
            (
                NULL_DEREF_6_1,
                "[    1.055027] Oops: 0000 [#1] PREEMPT SMP NOPTI",
            ),
            // Since 6.12 __die_header() prefixes the description with
            // "Oops: ", and the description of a page fault is "Oops".
            (
                NULL_DEREF_6_12,
                "[    1.454513] Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI",
            ),
            (
                NULL_DEREF_LATEST,
                "[    1.689852] Oops: Oops: 0000 [#1] SMP NOPTI",
            ),
        ] {
            assert_eq!(classify(real(fixture, line)), Some(Outcome::Oops), "{line}");
        }
    }

    #[test]
    fn blocked_task_is_a_hung_task_on_every_kernel() {
        for (fixture, line) in [
            (
                HUNG_5_10,
                "[    4.268296] INFO: task insmod:76 blocked for more than 3 seconds.",
            ),
            (
                HUNG_6_1,
                "[    4.277449] INFO: task insmod:85 blocked for more than 3 seconds.",
            ),
            (
                HUNG_6_12,
                "[    5.321101] INFO: task insmod:133 blocked for more than 3 seconds.",
            ),
            (
                HUNG_LATEST,
                "[    5.482584] INFO: task insmod:100 blocked for more than 3 seconds.",
            ),
        ] {
            assert_eq!(
                classify(real(fixture, line)),
                Some(Outcome::HungTask),
                "{line}"
            );
        }
    }

    #[test]
    fn the_rest_of_a_report_is_not_a_header() {
        for (fixture, line) in [
            (NULL_DEREF_6_1, "[    1.054518] #PF: supervisor read access in kernel mode"),
            (NULL_DEREF_6_1, "[    1.058190] ---[ end trace 0000000000000000 ]---"),
            (NULL_DEREF_6_1, "[    1.059874] note: null_deref[86] exited with irqs disabled"),
            (NULL_DEREF_6_1, "[    1.057852] Modules linked in: null_deref(OE+)"),
            (NULL_DEREF_LATEST, "[    1.690496] Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE"),
            (HUNG_6_1, "[    4.278195] \"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message."),
            (HUNG_LATEST, "[    5.492748] Future hung task reports are suppressed, see sysctl kernel.hung_task_warnings"),
            (
                CANCEL_6_1,
                "[    1.006540] verify: out: insmod: ERROR: could not insert module /lib/modules/cancel_created.ko: Cannot allocate memory",
            ),
            (CANCEL_6_1, "[    0.963464] cancel_created: creating thread 2 failed: -12"),
        ] {
            assert_eq!(classify(real(fixture, line)), None, "{line}");
        }
        // Reconstructed from kernel/panic.c: the line that closes a panic is
        // not a second one.
        assert_eq!(
            classify("[    2.000000] ---[ end Kernel panic - not syncing: Fatal exception ]---"),
            None
        );
    }

    // ---- classify: reconstructed headers (no fixture has these reports yet) ----

    #[test]
    fn kernel_panic() {
        // Reconstructed from kernel/panic.c, panic():
        //   pr_emerg("Kernel panic - not syncing: %s\n", buf);
        // with the message oops_end() passes after an oops in
        // arch/x86/kernel/dumpstack.c.
        assert_eq!(
            classify("[    1.060000] Kernel panic - not syncing: Fatal exception"),
            Some(Outcome::Panic)
        );
        // ... and the one kernel/hung_task.c passes with hung_task_panic.
        assert_eq!(
            classify("[    8.000000] Kernel panic - not syncing: hung_task: blocked tasks"),
            Some(Outcome::Panic)
        );
    }

    #[test]
    fn soft_lockup() {
        // Reconstructed from kernel/watchdog.c, watchdog_timer_fn():
        //   pr_emerg("BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]\n", ...)
        // under that file's `#define pr_fmt(fmt) "watchdog: " fmt`.
        assert_eq!(
            classify("[   26.512345] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [never_checks:73]"),
            Some(Outcome::SoftLockup)
        );
        // Without the prefix, as the same line reads in kernels before the
        // pr_fmt was added.
        assert_eq!(
            classify("[   26.512345] BUG: soft lockup - CPU#0 stuck for 22s! [never_checks:73]"),
            Some(Outcome::SoftLockup)
        );
    }

    #[test]
    fn rcu_stall() {
        // Reconstructed from kernel/rcu/tree_stall.h under kernel/rcu/tree.c's
        // `#define pr_fmt(fmt) "rcu: " fmt`; print_cpu_stall():
        //   pr_err("INFO: %s self-detected stall on CPU\n", rcu_state.name);
        assert_eq!(
            classify("[   23.456789] rcu: INFO: rcu_preempt self-detected stall on CPU"),
            Some(Outcome::RcuStall)
        );
        // print_other_cpu_stall():
        //   pr_err("INFO: %s detected stalls on CPUs/tasks:\n", rcu_state.name);
        assert_eq!(
            classify("[   23.456789] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:"),
            Some(Outcome::RcuStall)
        );
    }

    #[test]
    fn warning_in_both_layouts() {
        // Reconstructed from kernel/panic.c, __warn(), as 5.10 prints it:
        //   pr_warn("WARNING: CPU: %d PID: %d at %s:%d %pS\n", ...)
        assert_eq!(
            classify("[    1.234567] WARNING: CPU: 0 PID: 73 at /mnt/kthread-book-build/warn_demo.c:12 warn_demo_init+0x15/0x1000 [warn_demo]"),
            Some(Outcome::Warn)
        );
        // ... and as 7.2 prints it:
        //   pr_warn("WARNING: %s:%d at %pS, CPU#%d: %s/%d\n", ...)
        assert_eq!(
            classify("[    1.234567] WARNING: warn_demo.c:12 at warn_demo_init+0x15/0xff0 [warn_demo], CPU#0: insmod/73"),
            Some(Outcome::Warn)
        );
    }

    #[test]
    fn general_protection_fault() {
        // Reconstructed from arch/x86/kernel/traps.c (GPFSTR ", probably for
        // non-canonical address 0x%lx") and dumpstack.c, __die_header(),
        // before 6.12 ("%s: %04lx [#%d]...") ...
        assert_eq!(
            classify("[    1.234567] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP NOPTI"),
            Some(Outcome::Oops)
        );
        // ... and since ("Oops: %s: %04lx [#%d]...").
        assert_eq!(
            classify("[    1.234567] Oops: general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI"),
            Some(Outcome::Oops)
        );
    }

    #[test]
    fn kernel_bug_at() {
        // Reconstructed from lib/bug.c, report_bug():
        //   pr_crit("kernel BUG at %s:%u!\n", file, line);
        assert_eq!(
            classify("[    1.234567] kernel BUG at /mnt/kthread-book-build/bug_demo.c:21!"),
            Some(Outcome::Oops)
        );
    }

    #[test]
    fn unable_to_handle_page_fault() {
        // Reconstructed from arch/x86/mm/fault.c, show_fault_oops():
        //   pr_alert("BUG: unable to handle page fault for address: %px\n", ...)
        assert_eq!(
            classify(
                "[    1.234567] BUG: unable to handle page fault for address: ffffc90000a3c000"
            ),
            Some(Outcome::Oops)
        );
    }

    #[test]
    fn kasan_kfence_ubsan() {
        // Reconstructed from mm/kasan/report.c:
        //   pr_err("BUG: KASAN: %s in %pS\n", bug_type, ip);
        assert_eq!(
            classify(
                "[    1.234567] BUG: KASAN: slab-use-after-free in thread_fn+0x2a/0x40 [uaf_demo]"
            ),
            Some(Outcome::Oops)
        );
        // mm/kfence/report.c:
        //   pr_err("BUG: KFENCE: out-of-bounds %s in %pS\n\n", ...)
        assert_eq!(
            classify(
                "[    1.234567] BUG: KFENCE: out-of-bounds read in thread_fn+0x2a/0x40 [oob_demo]"
            ),
            Some(Outcome::Oops)
        );
        // lib/ubsan.c, ubsan_prologue(), has no "BUG: ":
        //   pr_err("UBSAN: %s in %s:%d:%d\n", reason, file, line, column);
        assert_eq!(
            classify("[    1.234567] UBSAN: array-index-out-of-bounds in /mnt/kthread-book-build/ubsan_demo.c:14:9"),
            Some(Outcome::Warn)
        );
    }

    #[test]
    fn sleeping_in_atomic_context() {
        // Reconstructed from kernel/sched/core.c, __might_resched():
        //   pr_err("BUG: sleeping function called from invalid context at %s:%d\n", ...)
        assert_eq!(
            classify("[    1.234567] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580"),
            Some(Outcome::Warn)
        );
        // ... and __schedule_bug():
        //   printk(KERN_ERR "BUG: scheduling while atomic: %s/%d/0x%08x\n", ...)
        assert_eq!(
            classify("[    1.234567] BUG: scheduling while atomic: insmod/73/0x00000002"),
            Some(Outcome::Warn)
        );
    }

    #[test]
    fn unknown_symbol() {
        // Reconstructed from kernel/module/main.c, simplify_symbols():
        //   pr_warn("%s: Unknown symbol %s (err %d)\n", mod->name, name, ret);
        assert_eq!(
            classify("[    0.951234] null_deref: Unknown symbol kthread_stop_put (err -2)"),
            Some(Outcome::Warn)
        );
    }

    #[test]
    fn every_header_is_tested() {
        // The tests above cover one line per header; this one keeps the count
        // honest when a header is added.
        assert_eq!(
            HEADERS.len(),
            15,
            "a header was added or removed: test it with a real line"
        );
    }

    // ---- scenario_lines ----

    #[test]
    fn scenario_lines_cut_at_the_markers() {
        let lines = scenario_lines(CANCEL_6_1).unwrap();
        // The boot line before the start marker and the end marker are gone.
        assert_eq!(
            lines.first().copied(),
            Some(real(
                CANCEL_6_1,
                "[    0.941317] verify: step 1: insmod cancel_created.ko nr_threads=3 fail_at=2"
            ))
        );
        assert_eq!(
            lines.last().copied(),
            Some(real(CANCEL_6_1, "[    1.018615] verify: step 1: exit 1"))
        );
        assert!(!lines
            .iter()
            .any(|l| l.contains("PCI: Fatal") || l.ends_with(END)));
        // Lines come without the console's CR.
        assert!(lines.iter().all(|l| !l.ends_with('\r')));
        assert_eq!(lines.len(), 10);
    }

    #[test]
    fn scenario_lines_run_to_the_end_without_an_end_marker() {
        // The hung-task run never reached its end marker: it was stopped
        // once the report went quiet.
        assert!(!finished(HUNG_LATEST));
        let lines = scenario_lines(HUNG_LATEST).unwrap();
        assert_eq!(
            lines.last().copied(),
            Some(real(HUNG_LATEST, "[    5.492748] Future hung task reports are suppressed, see sysctl kernel.hung_task_warnings"))
        );
    }

    #[test]
    fn scenario_lines_without_a_start_marker_return_everything() {
        let boot_only = real(
            CANCEL_6_1,
            "[    0.169576] PCI: Fatal: No config space access function found",
        );
        assert_eq!(
            scenario_lines(&format!("{boot_only}\r\n")),
            Err(vec![boot_only])
        );
    }

    // ---- outcome ----

    #[test]
    fn an_oops_run_is_an_oops() {
        // The run carries two headers, the NULL-dereference BUG line and the
        // Oops line; both mean an oops, and it is one report.
        let lines = scenario_lines(NULL_DEREF_6_12).unwrap();
        let found = reports(&lines);
        assert_eq!(
            found,
            vec![
                Report {
                    outcome: Outcome::Oops,
                    header: "BUG: kernel NULL pointer dereference, address: 0000000000000000"
                        .into()
                },
                Report {
                    outcome: Outcome::Oops,
                    header: "Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI".into()
                },
            ]
        );
        assert!(finished(NULL_DEREF_6_12));
        assert_eq!(outcome(&lines, &Exit::Guest(0), true), Outcome::Oops);
    }

    #[test]
    fn a_hung_task_run_is_a_hung_task() {
        let lines = scenario_lines(HUNG_5_10).unwrap();
        assert_eq!(
            outcome(&lines, &Exit::Settled, finished(HUNG_5_10)),
            Outcome::HungTask
        );
    }

    #[test]
    fn the_most_severe_report_wins() {
        let bug = real(
            NULL_DEREF_6_1,
            "[    1.054302] BUG: kernel NULL pointer dereference, address: 0000000000000000",
        );
        let oops = real(
            NULL_DEREF_6_1,
            "[    1.055027] Oops: 0000 [#1] PREEMPT SMP NOPTI",
        );
        let hung = real(
            HUNG_6_1,
            "[    4.277449] INFO: task insmod:85 blocked for more than 3 seconds.",
        );
        // Reconstructed (kernel/panic.c __warn(), 7.2 layout; kernel/panic.c
        // panic(); kernel/watchdog.c), see the classify tests above.
        let warn = "[    1.0] WARNING: warn_demo.c:12 at warn_demo_init+0x15/0xff0 [warn_demo], CPU#0: insmod/73";
        let panic = "[    1.1] Kernel panic - not syncing: Fatal exception";
        let lockup =
            "[   26.5] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [never_checks:73]";
        let g = Exit::Guest(0);
        assert_eq!(outcome(&[warn, hung], &g, true), Outcome::HungTask);
        assert_eq!(outcome(&[hung, lockup], &g, true), Outcome::SoftLockup);
        assert_eq!(outcome(&[warn, bug, oops], &g, true), Outcome::Oops);
        assert_eq!(
            outcome(&[bug, oops, panic], &Exit::Qemu(Some(0)), false),
            Outcome::Panic
        );
    }

    #[test]
    fn no_report_and_no_end_marker_is_a_timeout() {
        let lines = scenario_lines(STOP_LATEST).unwrap();
        // The same run, as if the guest had stopped printing before its end.
        let cut = &lines[..3];
        assert_eq!(outcome(cut, &Exit::TimedOut, false), Outcome::Timeout);
        assert_eq!(outcome(cut, &Exit::Settled, false), Outcome::Timeout);
    }

    #[test]
    fn no_report_and_the_end_marker_is_clean() {
        let lines = scenario_lines(STOP_LATEST).unwrap();
        assert!(finished(STOP_LATEST));
        assert_eq!(outcome(&lines, &Exit::Guest(0), true), Outcome::Clean);
    }

    #[test]
    fn qemu_exiting_0_without_the_end_marker_is_a_panic() {
        // With panic=-1 the guest reboots on a panic and -no-reboot makes
        // QEMU exit 0: a panic whose report did not reach the console.
        let lines = scenario_lines(STOP_LATEST).unwrap();
        assert_eq!(
            outcome(&lines[..3], &Exit::Qemu(Some(0)), false),
            Outcome::Panic
        );
    }
}
