//! Reading the serial console: the scenario's part of it, crash reports and
//! the outcome they mean (DESIGN.md §4).

use crate::guest::channel::Event;
use crate::guest::vm::Exit;
use crate::text::outcome::Outcome;
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
///
/// Each pattern is the whole line the kernel prints, from the format string
/// of the function named beside it, anchored at both ends: a module's own
/// line that merely starts like a report ("WARNING: worker stopped with 3
/// requests pending", tests/cases/outcomes/rw_fake_warning) is not one. Where
/// the layout changed between the kernels of the matrix, each layout has its
/// own entry, and the tests feed each kernel's captured line
/// (tests/fixtures/console/, tests/fixtures/cases/).
///
/// Only the header is required, not the lines that follow it (the
/// "Modules linked in:", "CPU: … PID: … Comm:" and "Call Trace:" a WARN or
/// an oops prints next): a module can print those lines as easily as the
/// header, so requiring them keeps out no forgery, while a real report whose
/// tail never reached the console (the guest panicked or was stopped
/// mid-report, printk dropped lines under a flood) would be lost. The
/// complete layout already keeps out what careless modules print.
static HEADERS: LazyLock<Vec<(Regex, Outcome)>> = LazyLock::new(|| {
    [
        // kernel/panic.c, panic(): "Kernel panic - not syncing: %s\n".
        (r"^Kernel panic - not syncing: .*$", Outcome::Panic),
        // kernel/watchdog.c, watchdog_timer_fn(), under its pr_fmt
        // "watchdog: ": "BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]\n".
        (
            r"^(?:watchdog: )?BUG: soft lockup - CPU#{CPU} stuck for {N}s! \[.+:{PID}\]$",
            Outcome::SoftLockup,
        ),
        // kernel/hung_task.c, check_hung_task() on 5.10 to 6.12:
        // "INFO: task %s:%d blocked for more than %ld seconds.\n"; 7.2's
        // hung_task_info() puts " in I/O wait" after "blocked" for a task
        // in I/O wait ("blocked%s for more than").
        (
            r"^INFO: task .+:{PID} blocked(?: in I/O wait)? for more than \d+ seconds\.$",
            Outcome::HungTask,
        ),
        // kernel/rcu/tree_stall.h under kernel/rcu/tree.c's pr_fmt "rcu: ":
        // print_cpu_stall() "INFO: %s self-detected stall on CPU\n",
        // print_other_cpu_stall() "INFO: %s detected stalls on CPUs/tasks:\n".
        (
            r"^rcu: INFO: rcu_\w+ (?:self-detected stall on CPU|detected stalls on CPUs/tasks:)$",
            Outcome::RcuStall,
        ),
        // kernel/rcu/tree_exp.h, synchronize_rcu_expedited_wait():
        // "INFO: %s detected expedited stalls on CPUs/tasks: {", then the
        // CPUs and " } %lu jiffies s: %lu root: %#lx/%c\n" by pr_cont, which
        // another CPU's printk can split off: only the opening is required.
        (
            r"^rcu: INFO: rcu_\w+ detected expedited stalls on CPUs/tasks: \{",
            Outcome::RcuStall,
        ),
        // arch/x86/mm/fault.c, show_fault_oops():
        // "BUG: kernel NULL pointer dereference, address: %px\n" below
        // PAGE_SIZE, "BUG: unable to handle page fault for address: %px\n"
        // above.
        (
            r"^BUG: kernel NULL pointer dereference, address: {PTR16}$",
            Outcome::Oops,
        ),
        (
            r"^BUG: unable to handle page fault for address: {PTR16}$",
            Outcome::Oops,
        ),
        // Use-after-free, as the allocator's checks and refcount_t see it.
        // mm/kfence/report.c, kfence_report_error() (6.12 and 7.2; KFENCE
        // is off until kfence.sample_interval=N): "BUG: KFENCE:
        // use-after-free %s in %pS\n" with "read" or "write", and "BUG:
        // KFENCE: invalid free in %pS\n" (a double free, or a free of a
        // pointer into the object). Before the entry for every other KFENCE
        // report.
        (
            r"^BUG: KFENCE: (?:use-after-free (?:read|write)|invalid free) in \S+(?: \[\S+\])?$",
            Outcome::UseAfterFree,
        ),
        // mm/slub.c with slub_debug poisoning, every kernel: slab_bug()
        // "BUG %s (%s): %pV\n" (the cache, then print_tainted()) with, on
        // 5.10 and 6.1, check_bytes_and_report()'s "%s overwritten" for
        // "Poison": a byte of a freed object changed since the free
        // filled it with POISON_FREE (with the Z redzones an overflow from
        // the object before hits its redzone first); and with
        // free_consistency_checks()'s "Object already free", a double
        // free. Not "Redzone overwritten" (an overflow) nor 6.12's and
        // 7.2's "Object corrupt" (the summary of any failed check): below,
        // as warnings.
        (
            r"^BUG \S+ \((?:Not tainted|Tainted: [A-Z ]*|Tainted: <TAINT>)\): (?:Poison overwritten|Object already free)$",
            Outcome::UseAfterFree,
        ),
        // ... since 6.12, check_bytes_and_report() names what was
        // overwritten on a line of its own before the slab_bug() "Object
        // corrupt": "[%s overwritten] 0x%p-0x%p @offset=%tu. First byte
        // 0x%x instead of 0x%x\n".
        (
            r"^\[Poison overwritten\] (?:0x[0-9a-f]+|<PTR>)-(?:0x[0-9a-f]+|<PTR>) @offset={N}\. First byte 0x[0-9a-f]+ instead of 0x[0-9a-f]+$",
            Outcome::UseAfterFree,
        ),
        // lib/refcount.c, refcount_warn_saturate(), every kernel:
        // REFCOUNT_WARN("addition on 0; use-after-free") and ("underflow;
        // use-after-free"), a WARN_ONCE of "refcount_t: %s.\n". Ranked
        // below an oops (`severity`): refcount_t infers the free.
        (
            r"^refcount_t: (?:addition on 0|underflow); use-after-free\.$",
            Outcome::UseAfterFree,
        ),
        // mm/kasan/report.c "BUG: KASAN: %s in %pS\n"; mm/kfence/report.c
        // "BUG: KFENCE: %s in %pS\n" (the kind may be several words).
        (r"^BUG: (?:KASAN|KFENCE): [\w -]+ in \S+", Outcome::Oops),
        // arch/x86/kernel/dumpstack.c, __die_header(): before 6.12
        // "%s: %04lx [#%d]%s…" (with "Oops" for a page fault), since then
        // "Oops: %s: %04lx [#%d]%s…" (so "Oops: Oops: 0000 [#1]").
        (r"^Oops: (?:.+: )?[0-9a-f]{4} \[#\d+\]", Outcome::Oops),
        // The same header for arch/x86/kernel/traps.c's general protection
        // fault before 6.12 (GPFSTR, ", probably for non-canonical address
        // 0x%lx" appended).
        (
            r"^general protection fault(?:, .+)?: [0-9a-f]{4} \[#\d+\]",
            Outcome::Oops,
        ),
        // lib/bug.c, __report_bug() (from report_bug()): "kernel BUG at %s:%u!\n".
        (r"^kernel BUG at .+:\d+!$", Outcome::Oops),
        // lib/ubsan.c, ubsan_prologue(): "UBSAN: %s in %s:%d:%d\n".
        (r"^(?:BUG: )?UBSAN: [\w -]+ in .+:\d+:\d+$", Outcome::Warn),
        // kernel/panic.c, __warn(), 5.10 to 6.12:
        // "WARNING: CPU: %d PID: %d at %s:%d %pS\n", or without a file
        // "WARNING: CPU: %d PID: %d at %pS\n"; %pS is "sym+off/size [mod]".
        (
            r"^WARNING: CPU: {CPU} PID: {PID} at (?:\S+:\d+ )?\S+(?: \[\S+\])?$",
            Outcome::Warn,
        ),
        // ... and 7.2's: "WARNING: %s:%d at %pS, CPU#%d: %s/%d\n", or
        // "WARNING: at %pS, CPU#%d: %s/%d\n".
        (
            r"^WARNING: (?:\S+:\d+ )?at \S+(?: \[\S+\])?, CPU#{CPU}: .+/{PID}$",
            Outcome::Warn,
        ),
        // mm/slub.c, slab_bug(): "BUG %s (%s): %pV\n", every other check
        // slub_debug makes ("Redzone overwritten", "Object padding
        // overwritten", 6.12's and 7.2's "Object corrupt", "Freepointer
        // corrupt", …):
        // the allocator found its metadata or a neighbour's bytes damaged,
        // and the kernel carries on.
        (
            r"^BUG \S+ \((?:Not tainted|Tainted: [A-Z ]*|Tainted: <TAINT>)\): .+$",
            Outcome::Warn,
        ),
        // kernel/sched/core.c, __might_resched() (___might_sleep() before
        // 5.16): "BUG: sleeping function called from invalid context at %s:%d\n".
        (
            r"^BUG: sleeping function called from invalid context at .+:\d+$",
            Outcome::Warn,
        ),
        // kernel/sched/core.c, __schedule_bug():
        // "BUG: scheduling while atomic: %s/%d/0x%08x\n".
        (
            r"^BUG: scheduling while atomic: .+/{PID}/0x[0-9a-f]{8}$",
            Outcome::Warn,
        ),
        // A module that needs a symbol its kernel does not export fails to
        // load; kernel/module/main.c (kernel/module.c on 5.10),
        // simplify_symbols(): "%s: Unknown symbol %s (err %d)\n".
        (r"^\S+: Unknown symbol \S+ \(err -?\d+\)$", Outcome::Warn),
        // kernel/power/process.c, try_to_freeze_tasks(): on 5.10 and 6.1
        // "Freezing of tasks %s after %d.%03d seconds (%d tasks refusing to
        // freeze, wq_busy=%d):\n", on 6.12 and 7.2 "Freezing %s %s after …"
        // with what was being frozen ("remaining freezable tasks", "user
        // space processes"). Only "failed": "aborted" is a wake-up event
        // cancelling the suspend, not a task that would not freeze.
        (
            r"^Freezing (?:of tasks|user space processes|remaining freezable tasks) failed after {SECS} seconds \(\d+ tasks refusing to freeze, wq_busy=\d+\):$",
            Outcome::FreezeFailed,
        ),
    ]
    .into_iter()
    .map(|(r, o)| (Regex::new(&placeholders(r)).unwrap(), o))
    .collect()
});

/// A header pattern with its number fields spelled `{PID}`, `{CPU}`, `{N}`,
/// `{SECS}` and `{PTR16}` made into regex that also takes the placeholder
/// `normalize` puts there: the cross-check classifies accepted snapshots,
/// whose headers are normalized ("INFO: task insmod:<PID> blocked …").
fn placeholders(pattern: &str) -> String {
    pattern
        .replace("{PID}", r"(?:\d+|<PID>)")
        .replace("{CPU}", r"(?:\d+|<CPU>)")
        .replace("{N}", r"(?:\d+|<N>)")
        .replace("{SECS}", r"(?:\d+\.\d{3}|<N>)")
        .replace("{PTR16}", r"(?:[0-9a-f]{16}|<PTR>)")
}

/// kernel/reboot.c, kernel_restart(), under its pr_fmt "reboot: ":
/// "Restarting system\n" or "Restarting system with command '%s'\n". Not a
/// report: the way a run ends that reached no end marker without panicking.
static REBOOT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^reboot: Restarting system(?: with command '.*')?$").unwrap());

/// The outcome a report header line means, if it is one. `line` may carry
/// its console timestamp; the rest must be the whole header as the kernel
/// prints it (`HEADERS`).
pub fn classify(line: &str) -> Option<Outcome> {
    let l = strip_prefix(line);
    HEADERS
        .iter()
        .find(|(re, _)| re.is_match(l))
        .map(|(_, o)| *o)
}

/// Whether `line` is the kernel saying it restarts the machine.
pub fn is_reboot(line: &str) -> bool {
    REBOOT.is_match(strip_prefix(line))
}

/// How bad each report is, for choosing one when a run shows several (an
/// oops report also carries "BUG: kernel NULL pointer dereference").
/// A freezer failure ranks above a WARN and below a hung task: it names a
/// task that would not freeze, and a task hung in D state is often why.
/// A use-after-free ranks by who saw it ([`Outcome::UseAfterFree`]): the
/// allocator's checks (SLUB, KFENCE) above an oops, refcount_t just above
/// a WARN.
fn severity(r: &Report) -> u8 {
    match r.outcome {
        Outcome::Panic => 9,
        Outcome::UseAfterFree if !r.header.starts_with("refcount_t: ") => 8,
        Outcome::Oops => 7,
        Outcome::SoftLockup => 6,
        Outcome::RcuStall => 5,
        Outcome::HungTask => 4,
        Outcome::FreezeFailed => 3,
        Outcome::UseAfterFree => 2,
        Outcome::Warn => 1,
        Outcome::Clean
        | Outcome::BuildError
        | Outcome::BuildWarning
        | Outcome::Reboot
        | Outcome::Timeout => 0,
    }
}

/// One report header found in a console.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// What the header means.
    pub outcome: Outcome,
    /// The header line, without its timestamp.
    pub header: String,
}

/// Every report header among `lines`, in order.
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

/// One line of a run's console, once the side channel has said which lines
/// are the guest init's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Printed by the kernel, or by a module through it: the console line
    /// without its CR, control characters escaped ([`escape_controls`]). A
    /// module's line that reads like a marker of the init is one of these.
    Kernel(String),
    /// An event of the guest's init, vouched for by the side channel.
    Guest(Event),
}

/// A run's console, split with its side channel ([`split`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    /// The scenario's part: from after the init's start event to its end
    /// event, or to the end of the console. When the init never started,
    /// every line: the boot itself is the story.
    pub lines: Vec<Line>,
    /// The init reached its first step.
    pub started: bool,
    /// The init ran every step and its grace period ([`Event::End`] on the
    /// channel).
    pub finished: bool,
    /// Where the console and the channel disagree, or the channel is
    /// malformed: a fault of the harness or of the guest's userland (a lost
    /// console line, say), never the listing's outcome.
    pub problems: Vec<String>,
}

impl Line {
    /// Console lines that are all the kernel's (a fixture's lines, say).
    pub fn kernel(lines: &[&str]) -> Vec<Line> {
        lines
            .iter()
            .map(|l| Line::Kernel(l.trim_end_matches('\r').to_string()))
            .collect()
    }
}

impl Split {
    /// The kernel's lines, as [`outcome`] and [`reports`] read them.
    pub fn kernel_lines(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter_map(|l| match l {
                Line::Kernel(k) => Some(k.as_str()),
                Line::Guest(_) => None,
            })
            .collect()
    }
}

static MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^verify\[([0-9a-f]+)\]: (.*)$").unwrap());

/// `line` with every control character but the tab shown as `\xNN`: a
/// guest's ANSI escape must not reach the reader's terminal or page as one.
pub fn escape_controls(line: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| (c.is_control() && c != '\t') || c == '\u{7f}';
    if !line.chars().any(bad) {
        return line.into();
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if bad(c) {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Splits a run's console with its side channel (`crate::guest::channel`): a
/// console line `verify[TOKEN]: TEXT` is the init's event only when TOKEN
/// is that of the next record on the channel; then the channel's text is
/// taken, and the console's must be the same. Every other line is the
/// kernel's.
pub fn split(console: &str, channel: &str) -> Split {
    let (records, mut problems) = crate::guest::channel::parse(channel);
    let mut next = 0;
    let mut all = Vec::new();
    let mut start = None;
    let mut end = None;
    for raw in console.lines() {
        let raw = escape_controls(raw.trim_end_matches('\r'));
        let stripped = strip_prefix(&raw);
        let ours = MARKER.captures(stripped).and_then(|c| {
            let r = records.get(next)?;
            (c[1] == *r.token).then(|| (r, c[2].to_string()))
        });
        match ours {
            Some((r, text)) => {
                if text != r.text {
                    problems.push(format!(
                        "the console shows the init's event {} as {text:?}, the side channel as {:?}",
                        next + 1,
                        r.text
                    ));
                }
                match r.event {
                    Event::Start if start.is_none() => start = Some(all.len()),
                    Event::End if end.is_none() => end = Some(all.len()),
                    _ => {}
                }
                next += 1;
                all.push(Line::Guest(r.event.clone()));
            }
            None => all.push(Line::Kernel(raw.into_owned())),
        }
    }
    if next < records.len() {
        problems.push(format!(
            "the console lost {} of the init's {} events (first missing: {:?})",
            records.len() - next,
            records.len(),
            records[next].text
        ));
    }
    let finished = records.iter().any(|r| r.event == Event::End);
    let started = start.is_some();
    let lines = match start {
        Some(s) => {
            let e = end.unwrap_or(all.len());
            all.drain(s + 1..e).collect()
        }
        None => all,
    };
    Split {
        lines,
        started,
        finished,
        problems,
    }
}

/// The outcome of one run: the most severe report; otherwise `clean` when
/// the guest reached its end marker (`finished`); otherwise `reboot` when the
/// kernel said it restarts the machine; otherwise `panic` when QEMU exited 0
/// (the guest was reset: panic() prints its line before it reboots with
/// panic=-1, so this is a reset the kernel did not announce, or an
/// announcement the console lost); otherwise `timeout`.
pub fn outcome(lines: &[&str], exit: &Exit, finished: bool) -> Outcome {
    if let Some(r) = reports(lines).into_iter().max_by_key(severity) {
        return r.outcome;
    }
    if finished {
        return Outcome::Clean;
    }
    if lines.iter().any(|l| is_reboot(l)) {
        return Outcome::Reboot;
    }
    match exit {
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
        // Reconstructed from 7.2's kernel/hung_task.c, hung_task_info():
        //   "INFO: task %s:%d blocked%s for more than %ld seconds.\n"
        // with " in I/O wait" for a task in I/O wait (the vmlinux of the
        // matrix's 7.2 holds both strings).
        assert_eq!(
            classify("[    5.482584] INFO: task kworker/0:1:42 blocked in I/O wait for more than 10 seconds."),
            Some(Outcome::HungTask)
        );
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
    fn expedited_rcu_stall() {
        // Reconstructed (no fixture has one): kernel/rcu/tree_exp.h,
        // synchronize_rcu_expedited_wait(), as tests/cases/outcomes/normprobe.rs
        // quotes it. The opening alone is enough, since pr_cont() pieces
        // can be split by another CPU's printk.
        let l = "[    1.000000] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 0-... } 21 jiffies s: 9 root: 0x1/.";
        assert_eq!(classify(l), Some(Outcome::RcuStall));
        assert_eq!(
            classify(
                "[    1.000000] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: {"
            ),
            Some(Outcome::RcuStall)
        );
    }

    /// The WARN header of every kernel of the matrix, as captured from
    /// rw_bind_after_run (kthread_bind() on a running thread).
    const WARNINGS: [(&str, &str); 4] = [
        (
            BIND_5_10,
            "[    2.875583] WARNING: CPU: 0 PID: 76 at kernel/kthread.c:474 __kthread_bind_mask+0x1e/0x60",
        ),
        (
            BIND_6_1,
            "[    4.154254] WARNING: CPU: 0 PID: 85 at kernel/kthread.c:524 __kthread_bind+0x1c/0x80",
        ),
        (
            BIND_6_12,
            "[    6.029197] WARNING: CPU: 0 PID: 134 at kernel/kthread.c:525 __kthread_bind+0x1c/0x80",
        ),
        (
            BIND_LATEST,
            "[    3.526746] WARNING: kernel/kthread.c:569 at kthread_bind+0x5e/0x100, CPU#0: insmod/100",
        ),
    ];

    #[test]
    fn warning_in_each_kernels_layout() {
        for (fixture, line) in WARNINGS {
            assert_eq!(classify(real(fixture, line)), Some(Outcome::Warn), "{line}");
        }
        // Reconstructed: the same layouts for a WARN in a module (the file
        // as kbuild passed it, the caller with its module) and without a
        // file (kernel/panic.c, __warn(), the `else` branch).
        for line in [
            "[    1.2] WARNING: CPU: 0 PID: 73 at /mnt/kthread-book-build/warn_demo.c:12 warn_demo_init+0x15/0x1000 [warn_demo]",
            "[    1.2] WARNING: CPU: 0 PID: 73 at warn_demo_init+0x15/0x1000 [warn_demo]",
            "[    1.2] WARNING: warn_demo.c:12 at warn_demo_init+0x15/0xff0 [warn_demo], CPU#0: insmod/73",
            "[    1.2] WARNING: at warn_demo_init+0x15/0xff0 [warn_demo], CPU#0: cancel/1/73",
        ] {
            assert_eq!(classify(line), Some(Outcome::Warn), "{line}");
        }
    }

    #[test]
    fn a_modules_own_warning_line_is_not_a_report() {
        // rw_fake_warning prints "WARNING: …" with printk(KERN_WARNING) and
        // no prefix; it is not __warn()'s layout on any kernel.
        for fixture in [
            FAKE_WARNING_5_10,
            FAKE_WARNING_6_1,
            FAKE_WARNING_6_12,
            FAKE_WARNING_LATEST,
        ] {
            let line = fixture
                .lines()
                .find(|l| l.contains("WARNING: worker stopped"))
                .unwrap();
            assert_eq!(
                strip_prefix(line),
                "WARNING: worker stopped with 3 requests pending"
            );
            assert_eq!(classify(line), None, "{line}");
            let lines = legacy_scenario_lines(fixture).unwrap();
            assert!(legacy_finished(fixture));
            assert_eq!(
                outcome(&lines, &Exit::Guest(crate::guest::initramfs::DONE), true),
                Outcome::Clean
            );
        }
        // Nor is a line that starts like a header but leaves out its fields.
        for line in [
            "WARNING: CPU: 0 PID: 73 at",
            "WARNING: CPU: 0 PID: 73 at kernel/kthread.c:474 f+0x1/0x2 and more",
            "WARNING: at f+0x1/0x2, CPU#0:",
            "Kernel panic - not syncing",
            "BUG: kernel NULL pointer dereference, address: 24",
            "INFO: task insmod:85 blocked for more than a while",
            "kernel BUG at the end of the road",
        ] {
            assert_eq!(classify(line), None, "{line}");
        }
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
        // Reconstructed (no kernel of the matrix has
        // CONFIG_DEBUG_ATOMIC_SLEEP): kernel/sched/core.c, __might_resched():
        //   pr_err("BUG: sleeping function called from invalid context at %s:%d\n", ...)
        assert_eq!(
            classify("[    1.234567] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580"),
            Some(Outcome::Warn)
        );
    }

    #[test]
    fn scheduling_while_atomic_on_the_kernels_that_see_it() {
        // rw_stop_spinlock: kthread_stop() under spin_lock(). 5.10 has no
        // PREEMPT_COUNT and says nothing; the others report twice.
        for (fixture, line) in [
            (
                SPINLOCK_6_1,
                "[    3.365178] BUG: scheduling while atomic: rmmod/90/0x00000002",
            ),
            (
                SPINLOCK_6_1,
                "[    3.372248] BUG: scheduling while atomic: rmmod/90/0x00000000",
            ),
            (
                SPINLOCK_6_12,
                "[    9.602793] BUG: scheduling while atomic: rmmod/140/0x00000002",
            ),
            (
                SPINLOCK_LATEST,
                "[    3.852288] BUG: scheduling while atomic: rmmod/105/0x00000002",
            ),
        ] {
            assert_eq!(classify(real(fixture, line)), Some(Outcome::Warn), "{line}");
        }
        let lines = legacy_scenario_lines(SPINLOCK_5_10).unwrap();
        assert_eq!(
            outcome(&lines, &Exit::Guest(crate::guest::initramfs::DONE), true),
            Outcome::Clean
        );
        for fixture in [SPINLOCK_6_1, SPINLOCK_6_12, SPINLOCK_LATEST] {
            let lines = legacy_scenario_lines(fixture).unwrap();
            assert_eq!(
                outcome(&lines, &Exit::Guest(crate::guest::initramfs::DONE), true),
                Outcome::Warn
            );
        }
    }

    #[test]
    fn unknown_symbol() {
        // Reconstructed from kernel/module/main.c, simplify_symbols():
        //   pr_warn("%s: Unknown symbol %s (err %d)\n", mod->name, name, ret);
        assert_eq!(
            classify("[    0.951234] null_deref: Unknown symbol kthread_stop_put (err -2)"),
            Some(Outcome::Warn)
        );
        // A module's own line with the words in it is not that layout
        // (tests/cases/outcomes/normprobe.rs).
        assert_eq!(
            classify("[    1.000000] rw_probe: Unknown symbol table entry 3 ignored"),
            None
        );
    }

    #[test]
    fn the_freezer_giving_up_is_its_own_outcome() {
        // rw_freeze_no_try: a freezable thread that never calls
        // try_to_freeze(). 5.10 and 6.1 say "of tasks", 6.12 and 7.2 name
        // what was being frozen.
        for (fixture, line) in [
            (FREEZE_5_10, "[   23.313522] Freezing of tasks failed after 20.005 seconds (1 tasks refusing to freeze, wq_busy=0):"),
            (FREEZE_6_1, "[   22.204453] Freezing of tasks failed after 20.005 seconds (1 tasks refusing to freeze, wq_busy=0):"),
            (FREEZE_6_12, "[   26.406639] Freezing remaining freezable tasks failed after 20.005 seconds (1 tasks refusing to freeze, wq_busy=0):"),
            (FREEZE_LATEST, "[   26.271524] Freezing remaining freezable tasks failed after 20.005 seconds (1 tasks refusing to freeze, wq_busy=0):"),
        ] {
            assert_eq!(classify(real(fixture, line)), Some(Outcome::FreezeFailed), "{line}");
            let lines = legacy_scenario_lines(fixture).unwrap();
            assert!(legacy_finished(fixture));
            assert_eq!(
                outcome(&lines, &Exit::Guest(crate::guest::initramfs::DONE), true),
                Outcome::FreezeFailed
            );
        }
        // The freezer's progress lines are not reports.
        for (fixture, line) in [
            (
                FREEZE_5_10,
                "[    3.300143] Freezing user space processes ... (elapsed 0.008 seconds) done.",
            ),
            (
                FREEZE_6_1,
                "[    2.199223] Freezing user space processes completed (elapsed 0.008 seconds)",
            ),
            (
                FREEZE_LATEST,
                "[    6.269960] Freezing remaining freezable tasks",
            ),
        ] {
            assert_eq!(classify(real(fixture, line)), None, "{line}");
        }
    }

    #[test]
    fn a_hung_task_and_7_2s_blocker_line() {
        for (fixture, line) in [
            (
                MUTEX_5_10,
                "[    7.987894] INFO: task rw_mutex_stop:78 blocked for more than 3 seconds.",
            ),
            (
                MUTEX_6_1,
                "[    6.353167] INFO: task rw_mutex_stop:86 blocked for more than 3 seconds.",
            ),
            (
                MUTEX_6_12,
                "[    7.462725] INFO: task rw_mutex_stop:137 blocked for more than 3 seconds.",
            ),
            (
                MUTEX_LATEST,
                "[    6.874793] INFO: task rw_mutex_stop:102 blocked for more than 3 seconds.",
            ),
        ] {
            assert_eq!(
                classify(real(fixture, line)),
                Some(Outcome::HungTask),
                "{line}"
            );
        }
        // 7.2's DETECT_HUNG_TASK_BLOCKER line belongs to the same report.
        let blocker = real(
            MUTEX_LATEST,
            "[    6.887707] INFO: task rw_mutex_stop:102 is blocked on a mutex likely owned by task rmmod:106.",
        );
        assert_eq!(classify(blocker), None);
    }

    /// Every header line the tests above quote (captured or reconstructed),
    /// for the checks that hold for all of them.
    fn header_lines() -> Vec<&'static str> {
        let mut v: Vec<&str> = WARNINGS.iter().map(|(_, l)| *l).collect();
        v.extend([
            "[    0.956974] BUG: kernel NULL pointer dereference, address: 0000000000000000",
            "[    1.000000] BUG: kernel NULL pointer dereference, address: 0000000000000024",
            "[    0.958702] Oops: 0000 [#1] SMP NOPTI",
            "[    1.454513] Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI",
            "[    4.268296] INFO: task insmod:76 blocked for more than 3 seconds.",
            "[    1.060000] Kernel panic - not syncing: Fatal exception",
            "[   26.512345] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [never_checks:73]",
            "[   23.456789] rcu: INFO: rcu_preempt self-detected stall on CPU",
            "[   23.456789] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:",
            "[    1.000000] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 0-... } 21 jiffies s: 9 root: 0x1/.",
            "[    1.234567] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP NOPTI",
            "[    1.234567] kernel BUG at /mnt/kthread-book-build/bug_demo.c:21!",
            "[    1.234567] BUG: unable to handle page fault for address: ffffc90000a3c000",
            "[    1.234567] BUG: KASAN: slab-use-after-free in thread_fn+0x2a/0x40 [uaf_demo]",
            "[    1.234567] BUG: KFENCE: out-of-bounds read in thread_fn+0x2a/0x40 [oob_demo]",
            "[    1.234567] UBSAN: array-index-out-of-bounds in /mnt/kthread-book-build/ubsan_demo.c:14:9",
            "[    1.234567] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580",
            "[    3.365178] BUG: scheduling while atomic: rmmod/90/0x00000002",
            "[    0.951234] null_deref: Unknown symbol kthread_stop_put (err -2)",
            "[   22.204453] Freezing of tasks failed after 20.005 seconds (1 tasks refusing to freeze, wq_busy=0):",
            "[   26.406639] Freezing remaining freezable tasks failed after 20.005 seconds (1 tasks refusing to freeze, wq_busy=0):",
            "[    2.400088] BUG task_struct (Tainted: G      D    OE    ): Poison overwritten",
            "[    3.314646] [Poison overwritten] 0xffff88800617a3e8-0xffff88800617a3e8 @offset=9192. First byte 0x6c instead of 0x6b",
            "[    1.709372] refcount_t: addition on 0; use-after-free.",
            "[    1.234567] BUG: KFENCE: use-after-free read in thread_fn+0x2a/0x40 [uaf_demo]",
            "[    2.935512] BUG task_struct (Tainted: G      D    OE     ): Object corrupt",
        ]);
        v
    }

    #[test]
    fn every_header_is_a_header_after_normalization_too() {
        // The cross-check splits accepted (normalized) snapshots into loads
        // and classifies each: a header must stay one with its numbers
        // replaced by placeholders.
        for line in header_lines() {
            let want = classify(line);
            assert!(want.is_some(), "{line}");
            let normalized = crate::text::normalize::normalize(&Line::kernel(&[line]));
            assert_eq!(classify(normalized.trim_end()), want, "{normalized}");
        }
    }

    #[test]
    fn every_header_is_matched_by_some_test_line() {
        // Each entry of HEADERS has a line above that it (first) matches.
        for (i, (re, _)) in HEADERS.iter().enumerate() {
            assert!(
                header_lines().iter().any(|l| re.is_match(strip_prefix(l))),
                "header {i} ({re}) has no test line"
            );
        }
    }

    #[test]
    fn every_header_is_tested() {
        // The tests above cover one line per header; this one keeps the count
        // honest when a header is added.
        assert_eq!(
            HEADERS.len(),
            23,
            "a header was added or removed: test it with a real line"
        );
    }

    // ---- use-after-free ----

    /// The kernels of the matrix, in the order of the `RUN_UAF*` fixtures.
    const KERNELS: [&str; 4] = ["5.10", "6.1", "6.12", "latest"];

    #[test]
    fn slub_poison_reports_are_use_after_free_on_every_kernel() {
        // oneshot_stop_after_exit with slub_debug=FZPU: the freed
        // task_struct's refcount byte went from 0x6b to 0x6c.
        for (run, line) in [
            (&RUN_UAF_SLUB[0], "[    2.400088] BUG task_struct (Tainted: G      D    OE    ): Poison overwritten"),
            (&RUN_UAF_SLUB[1], "[    2.887004] BUG task_struct (Tainted: G      D    OE     ): Poison overwritten"),
            (&RUN_UAF_SLUB[2], "[    2.934247] [Poison overwritten] 0xffff888005710068-0xffff888005710068 @offset=104. First byte 0x6c instead of 0x6b"),
            (&RUN_UAF_SLUB[3], "[    3.314646] [Poison overwritten] 0xffff88800617a3e8-0xffff88800617a3e8 @offset=9192. First byte 0x6c instead of 0x6b"),
        ] {
            assert_eq!(classify(real(run.console, line)), Some(Outcome::UseAfterFree), "{line}");
        }
        // 6.12's summary line follows any failed check, a redzone as well
        // as the poison: on its own, a warning.
        for (run, line) in [
            (
                &RUN_UAF_SLUB[2],
                "[    2.935512] BUG task_struct (Tainted: G      D    OE     ): Object corrupt",
            ),
            (
                &RUN_UAF_SLUB[3],
                "[    3.315796] BUG task_struct (Tainted: G      D    OE      ): Object corrupt",
            ),
        ] {
            assert_eq!(
                classify(real(run.console, line)),
                Some(Outcome::Warn),
                "{line}"
            );
        }
        // Reconstructed from mm/slub.c (the strings are in every vmlinux of
        // the matrix): a double free, and an overflow, which is no
        // use-after-free.
        assert_eq!(
            classify(
                "[    1.0] BUG kmalloc-64 (Tainted: G           OE     ): Object already free"
            ),
            Some(Outcome::UseAfterFree)
        );
        assert_eq!(
            classify("[    1.0] BUG kmalloc-64 (Not tainted): Redzone overwritten"),
            Some(Outcome::Warn)
        );
        // The rest of the report is not a header, nor a module's line
        // with the words in it.
        for (run, line) in [
            (&RUN_UAF_SLUB[0], "[    2.400088] INFO: 0x00000000b84386f2-0x00000000b84386f2 @offset=16864. First byte 0x6c instead of 0x6b"),
            (&RUN_UAF_SLUB[1], "[    2.888706] FIX task_struct: Restoring Poison 0xffff888005ac21a8-0xffff888005ac21a8=0x6b"),
            (&RUN_UAF_SLUB[2], "[    2.936027] Freed in rcu_do_batch+0x1c6/0x560 age=33 cpu=0 pid=0"),
        ] {
            assert_eq!(classify(real(run.console, line)), None, "{line}");
        }
        assert_eq!(
            classify("[    1.0] demo: BUG task_struct: Poison overwritten"),
            None
        );
    }

    #[test]
    fn refcount_use_after_free() {
        for (run, line) in [
            (
                &RUN_UAF[0],
                "[    1.709372] refcount_t: addition on 0; use-after-free.",
            ),
            (
                &RUN_UAF[0],
                "[    1.722997] refcount_t: underflow; use-after-free.",
            ),
            (
                &RUN_UAF[1],
                "[    1.845863] refcount_t: addition on 0; use-after-free.",
            ),
        ] {
            assert_eq!(
                classify(real(run.console, line)),
                Some(Outcome::UseAfterFree),
                "{line}"
            );
        }
        // Reconstructed from lib/refcount.c: a saturated counter leaks, it
        // is no use-after-free (its WARNING line is the header).
        assert_eq!(
            classify("[    1.0] refcount_t: saturated; leaking memory."),
            None
        );
    }

    #[test]
    fn kfence_use_after_free() {
        // Reconstructed from mm/kfence/report.c, kfence_report_error()
        // (6.12 and 7.2 hold these format strings): use-after-free and
        // invalid free are a use-after-free; out-of-bounds stays an oops.
        for l in [
            "[    1.234567] BUG: KFENCE: use-after-free read in thread_fn+0x2a/0x40 [uaf_demo]",
            "[    1.234567] BUG: KFENCE: use-after-free write in kthread_stop+0x1a/0x160",
            "[    1.234567] BUG: KFENCE: invalid free in demo_exit+0x11/0x20 [uaf_demo]",
        ] {
            assert_eq!(classify(l), Some(Outcome::UseAfterFree), "{l}");
        }
        assert_eq!(
            classify(
                "[    1.234567] BUG: KFENCE: out-of-bounds read in thread_fn+0x2a/0x40 [oob_demo]"
            ),
            Some(Outcome::Oops)
        );
    }

    #[test]
    fn claim_4_1_with_and_without_the_allocator_s_checks() {
        // Without the checks: refcount_t's WARNs alone on 5.10 are a
        // use-after-free; on 6.1 and later the NULL dereference that
        // follows the first WARN outranks it.
        let want = [
            Outcome::UseAfterFree,
            Outcome::Oops,
            Outcome::Oops,
            Outcome::Oops,
        ];
        for ((run, want), k) in RUN_UAF.iter().zip(want).zip(KERNELS) {
            let split = run.split();
            assert!(split.problems.is_empty(), "{k}: {:?}", split.problems);
            assert_eq!(
                outcome(&split.kernel_lines(), &Exit::Guest(42), split.finished),
                want,
                "{k}"
            );
        }
        // With slub_debug: a fault on the poison pattern (an oops), then
        // the allocator's report, which outranks it.
        for (run, k) in RUN_UAF_SLUB.iter().zip(KERNELS) {
            let split = run.split();
            assert!(split.problems.is_empty(), "{k}: {:?}", split.problems);
            let lines = split.kernel_lines();
            assert!(
                reports(&lines).iter().any(|r| r.outcome == Outcome::Oops),
                "{k}"
            );
            assert_eq!(
                outcome(&lines, &Exit::Guest(42), split.finished),
                Outcome::UseAfterFree,
                "{k}"
            );
        }
    }

    #[test]
    fn a_panic_outranks_a_use_after_free() {
        let split = RUN_UAF_SLUB[2].split();
        let mut lines = split.kernel_lines();
        // Reconstructed: kernel/panic.c, panic(), as with panic_on_oops.
        lines.push("[    6.0] Kernel panic - not syncing: Fatal exception");
        assert_eq!(outcome(&lines, &Exit::Qemu(Some(0)), false), Outcome::Panic);
        // And refcount_t's report ranks above a plain WARN only.
        let warn = WARNINGS[0].1;
        let refcount = "[    1.709372] refcount_t: addition on 0; use-after-free.";
        let hung = "[    4.268296] INFO: task insmod:76 blocked for more than 3 seconds.";
        let g = Exit::Guest(42);
        assert_eq!(outcome(&[warn, refcount], &g, true), Outcome::UseAfterFree);
        assert_eq!(outcome(&[refcount, hung], &g, true), Outcome::HungTask);
    }

    // ---- split ----

    /// The init's last event in the scenario's lines.
    fn last_event(split: &Split) -> Option<&Event> {
        split.lines.iter().rev().find_map(|l| match l {
            Line::Guest(e) => Some(e),
            Line::Kernel(_) => None,
        })
    }

    #[test]
    fn split_cuts_at_the_init_s_start_and_end() {
        let split = RUN_CANCEL_6_1.split();
        assert!(split.problems.is_empty(), "{:?}", split.problems);
        assert!(split.started && split.finished);
        // The boot lines before the start event and the end event are gone;
        // the init's events come from the channel, without their tokens.
        assert_eq!(
            split.lines.first(),
            Some(&Line::Guest(Event::Step {
                n: 1,
                command: "insmod cancel_created.ko nr_threads=3 fail_at=2".into()
            }))
        );
        assert_eq!(
            split.lines.last(),
            Some(&Line::Guest(Event::Exit {
                n: 1,
                status: "1".into()
            }))
        );
        assert!(split.lines.iter().any(|l| *l
            == Line::Guest(Event::Out(
                "insmod: ERROR: could not insert module /lib/modules/cancel_created.ko: Cannot allocate memory".into()
            ))));
        assert!(!split
            .kernel_lines()
            .iter()
            .any(|l| l.contains("PCI: Fatal")));
        // Kernel lines come without the console's CR.
        assert!(split.kernel_lines().iter().all(|l| !l.ends_with('\r')));
        assert_eq!(split.lines.len(), 10);
        assert!(matches!(last_event(&split), Some(Event::Exit { n: 1, .. })));
    }

    #[test]
    fn split_runs_to_the_end_of_a_run_that_was_stopped() {
        // The hung-task run never reached its end event: it was stopped once
        // the guest made no progress after the report.
        let split = RUN_HUNG_LATEST.split();
        assert!(split.problems.is_empty(), "{:?}", split.problems);
        assert!(split.started && !split.finished);
        let last = split.kernel_lines().last().copied().unwrap();
        assert!(
            last.ends_with(
                "Future hung task reports are suppressed, see sysctl kernel.hung_task_warnings"
            ),
            "{last}"
        );
        // The insmod step started and never ended.
        assert_eq!(
            last_event(&split),
            Some(&Event::Step {
                n: 1,
                command: "insmod never_checks_stop.ko".into()
            })
        );
    }

    #[test]
    fn split_without_a_start_event_returns_everything() {
        let boot_only = "[    0.169576] PCI: Fatal: No config space access function found";
        let split = split(&format!("{boot_only}\r\n"), "");
        assert!(!split.started && !split.finished);
        assert_eq!(split.lines, vec![Line::Kernel(boot_only.into())]);
    }

    #[test]
    fn a_marker_without_the_channel_s_token_is_the_kernel_s_text() {
        // Constructed from the real run: the module prints the init's
        // markers itself, once with the old form, once with a token of the
        // right shape that the channel does not hold.
        let run = RUN_STOP_LATEST;
        let forged = [
            "[    9.000001] verify: end",
            "[    9.000002] verify[0123456789abcdef0123456789abcdef]: step 2: rmmod stop_after_run",
        ];
        let at = run.console.find("verify[").unwrap();
        let at = run.console[at..].find('\n').unwrap() + at + 1;
        let console = format!(
            "{}{}\r\n{}\r\n{}",
            &run.console[..at],
            forged[0],
            forged[1],
            &run.console[at..]
        );
        let forged_split = split(&console, run.channel);
        assert!(
            forged_split.problems.is_empty(),
            "{:?}",
            forged_split.problems
        );
        assert_eq!(forged_split.kernel_lines()[..2], forged);
        assert_eq!(forged_split.finished, RUN_STOP_LATEST.split().finished);
        // A copy of an event that already happened is text too: its token
        // was used.
        let step = run
            .console
            .lines()
            .find(|l| l.contains("]: step 1: "))
            .unwrap();
        let copied = run.console.replacen(step, &format!("{step}\n{step}"), 1);
        let split = split(&copied, run.channel);
        assert!(split.problems.is_empty(), "{:?}", split.problems);
        assert_eq!(
            split.kernel_lines().first().copied(),
            Some(step.trim_end_matches('\r'))
        );
    }

    #[test]
    fn the_console_must_show_every_event_of_the_channel() {
        let run = RUN_STOP_LATEST;
        let lost: String = run
            .console
            .lines()
            .filter(|l| !l.contains("]: step 2"))
            .map(|l| format!("{l}\n"))
            .collect();
        let problems = split(&lost, run.channel).problems;
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("lost"), "{problems:?}");
        // A channel line that is not an event is the harness's fault too.
        let problems = split(run.console, &format!("{}garbage\n", run.channel)).problems;
        assert!(
            problems.iter().any(|p| p.contains("garbage")),
            "{problems:?}"
        );
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(escape_controls("plain\ttab"), "plain\ttab");
        assert_eq!(
            escape_controls("\u{1b}[2J\u{1b}]0;owned\u{7}"),
            "\\x1b[2J\\x1b]0;owned\\x07"
        );
        let split = split("[    1.0] x\u{1b}[31mred\r\n", "");
        assert_eq!(
            split.lines,
            vec![Line::Kernel("[    1.0] x\\x1b[31mred".into())]
        );
    }

    // ---- outcome ----

    #[test]
    fn an_oops_run_is_an_oops() {
        // The run carries two headers, the NULL-dereference BUG line and the
        // Oops line; both mean an oops, and it is one report.
        let split = RUN_NULL_DEREF_6_12.split();
        let lines = split.kernel_lines();
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
        assert!(split.finished);
        assert_eq!(outcome(&lines, &Exit::Guest(42), true), Outcome::Oops);
    }

    #[test]
    fn a_hung_task_run_is_a_hung_task() {
        let split = RUN_HUNG_5_10.split();
        assert_eq!(
            outcome(&split.kernel_lines(), &Exit::Settled, split.finished),
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
        let g = Exit::Guest(crate::guest::initramfs::DONE);
        assert_eq!(outcome(&[warn, hung], &g, true), Outcome::HungTask);
        assert_eq!(outcome(&[hung, lockup], &g, true), Outcome::SoftLockup);
        assert_eq!(outcome(&[warn, bug, oops], &g, true), Outcome::Oops);
        assert_eq!(
            outcome(&[bug, oops, panic], &Exit::Qemu(Some(0)), false),
            Outcome::Panic
        );
    }

    #[test]
    fn no_report_and_no_end_event_is_a_timeout() {
        let split = RUN_STOP_LATEST.split();
        let lines = split.kernel_lines();
        // The same run, as if the guest had stopped printing before its end.
        let cut = &lines[..1];
        assert_eq!(outcome(cut, &Exit::TimedOut, false), Outcome::Timeout);
        assert_eq!(outcome(cut, &Exit::Settled, false), Outcome::Timeout);
    }

    #[test]
    fn no_report_and_the_end_event_is_clean() {
        let split = RUN_STOP_LATEST.split();
        assert!(split.finished);
        assert_eq!(
            outcome(&split.kernel_lines(), &Exit::Guest(42), true),
            Outcome::Clean
        );
    }

    #[test]
    fn case_fixtures_have_their_cases_expected_outcome() {
        // Each captured console of tests/cases/outcomes/ is the outcome
        // its scenario.toml says the kernel really produces. Runs of that
        // day were stopped after a report went quiet, before the end marker.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let ids: Vec<String> = ["5.10", "6.1", "6.12", "latest"].map(String::from).into();
        for (case, fixtures) in [
            (
                "rw_bind_after_run",
                [BIND_5_10, BIND_6_1, BIND_6_12, BIND_LATEST],
            ),
            (
                "rw_fake_warning",
                [
                    FAKE_WARNING_5_10,
                    FAKE_WARNING_6_1,
                    FAKE_WARNING_6_12,
                    FAKE_WARNING_LATEST,
                ],
            ),
            (
                "rw_freeze_no_try",
                [FREEZE_5_10, FREEZE_6_1, FREEZE_6_12, FREEZE_LATEST],
            ),
            (
                "rw_mutex_stop_deadlock",
                [MUTEX_5_10, MUTEX_6_1, MUTEX_6_12, MUTEX_LATEST],
            ),
            (
                "rw_stop_spinlock",
                [SPINLOCK_5_10, SPINLOCK_6_1, SPINLOCK_6_12, SPINLOCK_LATEST],
            ),
        ] {
            let dir = root.join("tests/cases/outcomes").join(case);
            let scenario = crate::manifest::Scenario::load(&dir, &ids).unwrap();
            for (kernel, console) in ids.iter().zip(fixtures) {
                let lines = legacy_scenario_lines(console).unwrap();
                let done = legacy_finished(console);
                let exit = if done {
                    Exit::Guest(crate::guest::initramfs::DONE)
                } else {
                    Exit::Settled
                };
                assert_eq!(
                    outcome(&lines, &exit, done),
                    scenario.expected(kernel),
                    "{case} on {kernel}"
                );
            }
        }
    }

    #[test]
    fn a_guest_that_restarts_without_a_panic_is_a_reboot() {
        // rw_reboot (scratch, see tests/fixtures/cases/README.md): init
        // calls kernel_restart(NULL); QEMU, run with -no-reboot, exits 0.
        for (fixture, line) in [
            (REBOOT_5_10, "[    2.120563] reboot: Restarting system"),
            (REBOOT_6_1, "[    2.347038] reboot: Restarting system"),
            (REBOOT_6_12, "[    3.249411] reboot: Restarting system"),
            (REBOOT_LATEST, "[    3.997412] reboot: Restarting system"),
        ] {
            assert!(is_reboot(real(fixture, line)), "{line}");
            assert_eq!(classify(line), None, "not a report: {line}");
            assert!(!legacy_finished(fixture));
            let lines = legacy_scenario_lines(fixture).unwrap();
            assert_eq!(
                outcome(&lines, &Exit::Qemu(Some(0)), false),
                Outcome::Reboot
            );
        }
        // Reconstructed: kernel_restart() with a command.
        assert!(is_reboot(
            "[    2.1] reboot: Restarting system with command 'bootloader'"
        ));
        // The line machine_restart() prints next is not what says so, nor
        // is a module's line with the words in it.
        assert!(!is_reboot(real(
            REBOOT_5_10,
            "[    2.120716] reboot: machine restart"
        )));
        assert!(!is_reboot("[    2.1] rw_probe: reboot: Restarting system"));
        // A panic that reboots is still a panic: its header wins.
        let mut lines = legacy_scenario_lines(REBOOT_6_1).unwrap();
        lines.push("[    2.4] Kernel panic - not syncing: Fatal exception");
        assert_eq!(outcome(&lines, &Exit::Qemu(Some(0)), false), Outcome::Panic);
    }

    #[test]
    fn qemu_exiting_0_without_the_end_event_is_a_panic() {
        // With panic=-1 the guest reboots on a panic and -no-reboot makes
        // QEMU exit 0: a panic whose report did not reach the console.
        let split = RUN_STOP_LATEST.split();
        assert_eq!(
            outcome(&split.kernel_lines()[..1], &Exit::Qemu(Some(0)), false),
            Outcome::Panic
        );
    }
}
