//! Normalizing the scenario's console so a snapshot is stable across runs and
//! point releases, and reads well in the book (DESIGN.md §4).

use crate::guest::channel::Event;
use crate::text::console::{strip_prefix, Line};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

fn re(s: &str) -> Regex {
    Regex::new(s).unwrap()
}

/// Lines dropped entirely.
static DROP: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"loading out-of-tree module taints kernel\.$",
        r"module verification failed: signature and/or required key missing",
        r"^Hardware name: ",
        // The clocksource watchdog switches sources whenever the TCG guest
        // happens to be ready; it says nothing about the scenario.
        r"^clocksource: ",
        r"^tsc: Refined TSC",
        // `? func` frames are stale stack words, not the call chain.
        r"^\s*\? ",
        // What SLUB does after a corruption depends on which check found
        // it (mm/slub.c): the allocation path gives up the whole slab
        // (slab_fix(…, "Marking all objects used")), after which a
        // validation counts one slab less (validate_slab_node(), "SLUB:
        // %s %ld slabs counted but counter=%ld"); a validation alone does
        // neither. The report before them is the same either way.
        r"^FIX [\w-]+: Marking all objects used$",
        r"^SLUB:? [\w-]+:? \d+ (partial )?slabs counted but counter=\d+$",
    ]
    .iter()
    .map(|s| re(s))
    .collect()
});

/// Register lines that follow `RIP:` and are collapsed into it.
static REGISTERS: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:Code: |RSP: |RAX: |RDX: |RBP: |R10: |R13: |FS: |CS: |CR2: |DR0: |DR3: |DR6: |PKRU: )")
});
static RIP: LazyLock<Regex> = LazyLock::new(|| re(r"^RIP: [0-9a-f]{4}:(.*)$"));

/// (pattern, replacement), applied in order to every kept line.
static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    vec![
        // Paths of the build directory inside the root.
        (re(r"/mnt/kthread-book-build/"), ""),
        // Compiler clones: fn.isra.0, fn.constprop.0, fn.cold, fn.part.0
        (re(r"\.(?:isra|constprop|part|llvm)\.\d+|\.cold\b"), ""),
        // Symbol offsets: func+0x47/0x1000 → func+<OFF>
        (re(r"\+0x[0-9a-f]+/0x[0-9a-f]+"), "+<OFF>"),
        // Tainted flags and kernel version: the release changes with every
        // Debian point release, the flags with what was loaded before.
        (
            re(
                r"(?:Tainted: [A-Z ]+?|Not tainted)\s+\d+\.\d+\.\d+\S*(?:\s+#\d+)?(?:\s+PREEMPT\S*)?(?:\s+Debian \S+)?",
            ),
            "Tainted: <TAINT> <KERNEL>",
        ),
        (re(r"\b\d+\.\d+\.\d+[-+]\S*-cloud-amd64\b"), "<KERNEL>"),
        // Task flags are not addresses.
        (re(r"\b(flags|task_flags):0x[0-9a-f]+"), "$1:<FLAGS>"),
        // Pointers printed as "0x%lx" or "%#lx": see `POINTER_0X`.
        (re(POINTER_0X), "<PTR>"),
        // Page-table entries of the faulting address (PMD 0 stays: it is
        // where the walk ended).
        (
            re(r"\b(PGD|P4D|PUD|PMD|PTE) [0-9a-f]*[1-9a-f][0-9a-f]*\b"),
            "$1 <PTR>",
        ),
        (re(r"\(____ptrval____\)"), "<PTR>"),
        // PIDs and CPU numbers
        (re(r"\bPID: \d+"), "PID: <PID>"),
        (re(r"\b(pid|ppid|tgid):\s*\d+"), "$1:<PID>"),
        (re(r"\bstack:\s*\d+"), "stack:<N>"),
        (re(r"\bCPU: \d+"), "CPU: <CPU>"),
        (re(r"\bCPU#\d+"), "CPU#<CPU>"),
        (re(r"\bUID: \d+"), "UID: <UID>"),
        // kernel/irq/manage.c, __setup_irq(): "... for %s (irq %d)". The
        // number is the lowest free one at or above x86's dynamic base
        // (irq_alloc_desc() -> __irq_alloc_descs(),
        // arch_dynirq_lower_bound()). In a resumed guest the payload disk's
        // virtio-mmio transport (ACPI LNRO0005) had its GSI mapped at boot,
        // and the mapping outlives the rmmod (crate::guest::restore). Not
        // the kernel's " <IRQ>" stack marker: that one has no "(irq".
        (re(r"\(irq \d+\)$"), "(irq <IRQ>)"),
        // kernel/hung_task.c: "INFO: task %s:%d blocked for more than …",
        // and 7.2's blocker lines "INFO: task %s:%d is blocked on a mutex
        // likely owned by task %s:%d." ("<reader> blocked on an
        // rw-semaphore", "blocked on a semaphore likely last held by",
        // debug_show_blocker()).
        (
            re(r"^(INFO: task .+?):\d+( (?:blocked|is blocked|<\w+> blocked) )"),
            "$1:<PID>$2",
        ),
        (
            re(r"(likely (?:owned|last held) by task .+?):\d+\b"),
            "$1:<PID>",
        ),
        // kernel/sched/core.c, __schedule_bug(): "BUG: scheduling while
        // atomic: %s/%d/0x%08x": comm, PID, and the preempt count, which
        // stays (it says what the task held).
        (
            re(r"^(BUG: scheduling while atomic: .+)/\d+/(0x[0-9a-f]{8})$"),
            "$1/<PID>/$2",
        ),
        // 7.2's WARNING line ends in "CPU#%d: %s/%d": the PID is the number
        // after the last slash, since a kthread's comm may have slashes of
        // its own ("cancel/1").
        (re(r"(CPU#<CPU>: .+)/\d+\s*$"), "$1/<PID>"),
        // kernel/exit.c, make_task_dead() (do_exit() on 5.10, which has
        // only the second): "note: %s[%d] exited with irqs disabled" and
        // "... with preempt_count %d". Only this layout: a
        // module's "slot[3]" is an index, not a PID.
        (re(r"^(note: .+)\[\d+\]( exited with )"), "$1[<PID>]$2"),
        // Durations that depend on how fast the machine ran
        (re(r"stuck for \d+s"), "stuck for <N>s"),
        // ... and the soft-lockup line ends in "[%s:%d]", comm and PID.
        (re(r"(stuck for <N>s! \[.+):\d+\]"), "$1:<PID>]"),
        // The hung-task line pads each field to the width of its number.
        (re(r"(\w:<(?:N|PID)>) +"), "$1 "),
        (re(r"\(\d+ ticks this GP\)"), "(<N> ticks this GP)"),
        // kernel/rcu/tree_stall.h, print_cpu_stall(): "(t=%lu jiffies
        // g=%ld q=%lu ncpus=%d)", print_other_cpu_stall(): "(detected by
        // %d, t=%ld jiffies, g=%ld, q=%lu ncpus=%d)" (5.10 without ncpus).
        (
            re(r"\bt=\d+ jiffies(,?) g=-?\d+(,?) q=\d+"),
            "t=<N> jiffies$1 g=<N>$2 q=<N>",
        ),
        // kernel/rcu/tree_exp.h, synchronize_rcu_expedited_wait():
        // " } %lu jiffies s: %lu root: %#lx/%c" -- the wait so far and the
        // expedited grace-period sequence number.
        (
            re(r"\} \d+ jiffies s: \d+ root: "),
            "} <N> jiffies s: <N> root: ",
        ),
        // The time the freezer and the sync before a suspend took:
        // kernel/power/process.c, try_to_freeze_tasks() ("Freezing of tasks
        // failed after 20.005 seconds", "(elapsed 0.008 seconds)"), and
        // kernel/power/main.c, ksys_sync_helper() ("Filesystems sync: 0.000
        // seconds").
        (
            re(r"\b(failed after|elapsed|Filesystems sync:) \d+\.\d+ seconds\b"),
            "$1 <N> seconds",
        ),
        // mm/slub.c, slab_bug(): "BUG %s (%s): %pV" with print_tainted():
        // the flags say what happened earlier in the run.
        (
            re(r"^(BUG \S+ \()(?:Tainted: [A-Z ]*|Not tainted)(\): )"),
            "${1}Tainted: <TAINT>$2",
        ),
        // mm/slub.c, check_bytes_and_report() "0x%p-0x%p @offset=%tu" and
        // print_trailer() "Object 0x%p @offset=%tu fp=0x%p": the offset in
        // the slab page depends on which of its objects was used.
        (re(r"@offset=\d+\b"), "@offset=<N>"),
        // ... print_track(): "%s in %pS age=%lu cpu=%u pid=%d" (with "INFO: "
        // on 5.10), age in jiffies.
        (
            re(r"\bage=\d+ cpu=\d+ pid=\d+$"),
            "age=<N> cpu=<CPU> pid=<PID>",
        ),
        // ... print_slab_info(): "Slab 0x%p objects=%u used=%u fp=0x%p
        // flags=%pGp" (5.10: "INFO: Slab … flags=0x%04lx"): how full the
        // slab is and its page flags change from run to run.
        (
            re(r"^((?:INFO: )?Slab \S+ objects=\d+ used=)\d+ fp=\S+ flags=\S+$"),
            "$1<N> fp=<PTR> flags=<FLAGS>",
        ),
        // ... print_trailer(): "Object 0x%p @offset=%tu fp=0x%p", the free
        // pointer, NULL or not.
        (
            re(r"^((?:INFO: )?Object \S+ @offset=<N> fp=)\S+$"),
            "$1<PTR>",
        ),
        // mm/kfence/report.c: "(in kfence-#%td)", "kfence-#%td: 0x%p-0x%p,
        // size=%d, cache=%s", the slot of the KFENCE pool, and
        // kfence_print_stack(): "%s by task %d on cpu %d at %lu.%06lus
        // (%lu.%06lus ago):".
        (re(r"\bkfence-#\d+"), "kfence-#<N>"),
        (
            re(r"\b(by task )\d+( on cpu )\d+( at )\d+\.\d+s \(\d+\.\d+s ago\)"),
            "$1<PID>$2<CPU>$3<N>s (<N>s ago)",
        ),
    ]
});

/// The slab poison and redzone bytes of include/linux/poison.h
/// (POISON_INUSE 0x5a, POISON_FREE 0x6b, POISON_END 0xa5,
/// SLUB_RED_INACTIVE 0xbb, SLUB_RED_ACTIVE 0xcc) filling a 64-bit word:
/// not an address but the proof of what the memory held ("general
/// protection fault, probably for non-canonical address 0x6b6b6b6b6b6b6b6b"
/// is a pointer read from a freed object), so it stays.
static POISON: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b0x(?:(?:5a){8}|(?:6b){8}|(?:a5){8}|(?:bb){8}|(?:cc){8})\b"));

/// A poison word as `apply_rules` hides it.
static HIDDEN: LazyLock<Regex> = LazyLock::new(|| re(r"\b0X((?:[0-9a-f]{2}){8})\b"));

/// A line of the hex dump SLUB prints of an object and its surroundings
/// (mm/slub.c, print_section(): print_hex_dump() with the prefix
/// "Redzone  ", "Object   ", "Padding  " or "Left Redzone"), once its
/// address is masked.
static HEX_DUMP: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:Left Redzone|Redzone|Object|Padding) +<PTR>: [0-9a-f]{2}(?: [0-9a-f]{2})*")
});

/// The first line of an allocation or free track (mm/slub.c,
/// print_track(): "%s in %pS age=…", "INFO: " before it on 5.10); the
/// frames that follow are indented.
static TRACK: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:INFO: )?(?:Allocated|Freed) in "));

/// The interrupt entry in a track's frames. Since 5.12 the stack depot
/// (lib/stackdepot.c, filter_irq_stacks()) ends a track there, so a free
/// done by RCU in a timer interrupt does not show what the interrupt
/// happened to stop; 5.10 records the whole stack, which changes with
/// whatever the CPU was doing. The frames below it are dropped.
static IRQ_ENTRY: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s+asm_(?:sysvec_\w+|common_interrupt)\+"));

/// A "0x" number is a pointer when it has at least four significant digits
/// and no zero padding: "0x%lx"/"%#lx" of an address. Below 0x1000
/// (PAGE_SIZE) it is NULL plus an offset, a count or a small code ("address
/// 0x24", "root: 0x1/."); zero-padded ("0x%08x", "%#06x") it is a
/// fixed-width field such as a preempt count or an error code
/// ("0x00000002", "error_code(0x0002)"). Both stay readable.
const POINTER_0X: &str = r"\b0x[1-9a-f][0-9a-f]{3,}\b";

/// A bare 16-digit hex word: "%px", or "%p" hashed, of an x86-64 address.
/// 8-digit words are not masked: no pointer prints that way on x86-64, and
/// an 8-digit number ("12345678") is usually a decimal count.
/// With "0x" in front it is "0x%p" hashed, zero-padded (5.10's SLUB
/// reports: "INFO: 0x00000000f2af6d44-0x00000000f2af6d44").
static HEX: LazyLock<Regex> = LazyLock::new(|| re(r"\b(?:0x)?[0-9a-f]{16}\b"));

/// Bare 16-digit hex words become `<PTR>`, except below 0x1000: the NULL
/// (or NULL plus a field offset) a report is about, as in "BUG: kernel NULL
/// pointer dereference, address: 0000000000000024", stays readable.
fn mask_pointers(s: &str) -> String {
    HEX.replace_all(s, |c: &regex::Captures| {
        let digits = c[0].trim_start_matches("0x");
        if u64::from_str_radix(digits, 16).is_ok_and(|v| v < 0x1000) || POISON.is_match(&c[0]) {
            c[0].to_string()
        } else {
            "<PTR>".to_string()
        }
    })
    .into_owned()
}

fn apply_rules(line: &str) -> String {
    // A poison word is hidden from the pointer rules as "0X…" and given
    // back after them.
    let hidden = POISON.replace_all(line, |c: &regex::Captures| c[0].replacen("0x", "0X", 1));
    let mut s = mask_pointers(&hidden);
    for (pattern, with) in RULES.iter() {
        if pattern.is_match(&s) {
            s = pattern.replace_all(&s, *with).into_owned();
        }
    }
    if s.contains("0X") {
        s = HIDDEN
            .replace_all(&s, |c: &regex::Captures| {
                let word = format!("0x{}", &c[1]);
                if POISON.is_match(&word) {
                    word
                } else {
                    c[0].to_string()
                }
            })
            .into_owned();
    }
    s.trim_end().to_string()
}

/// The guest init's events as the book shows them: the command with a `$`
/// prompt, its output, and its exit status when it failed. A background
/// step (its command ends with ` &`) ends some steps later, so its end is
/// always shown, with its command, as a shell reports a finished job:
/// `[done] rmmod x`, `[exit status 1] rmmod x`. `background` holds the
/// commands of the background steps seen so far, by step number.
fn guest_line(e: &Event, background: &mut BTreeMap<usize, String>) -> Option<String> {
    match e {
        Event::Step { n, command } => {
            if let Some(c) = command.strip_suffix(" &") {
                background.insert(*n, c.to_string());
            }
            Some(format!("$ {command}"))
        }
        Event::Out(out) => Some(out.clone()),
        Event::Exit { n, status } => match (background.get(n), status.as_str()) {
            (Some(c), "0") => Some(format!("[done] {c}")),
            (Some(c), _) => Some(format!("[exit status {status}] {c}")),
            (None, "0") => None,
            (None, _) => Some(format!("[exit status {status}]")),
        },
        Event::Start | Event::End => None,
    }
}

/// The first line of a SLUB report: `BUG <cache> (<taint>): <what>`
/// (`slab_bug()`) or 6.12's and 7.2's `[Poison overwritten] …`
/// (`check_bytes_and_report()`), both mm/slub.c.
static SLUB_REPORT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(BUG [\w-]+ \(.*\): |\[Poison overwritten\] )"));

/// Where a SLUB report's detector context begins: its `CPU:` line
/// (`dump_stack()`, 5.10 and 6.1) or the WARN that 6.12 and later raise in
/// `object_err()`.
static SLUB_DETECTOR: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(CPU: \d+ |------------\[ cut here \]------------)"));

/// Normalizes the scenario's console lines into snapshot text.
pub fn normalize(lines: &[Line]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_registers = false;
    // In a SLUB track: None outside; Some(true) once its interrupt entry
    // was seen (the frames below it go).
    let mut in_track: Option<bool> = None;
    let mut background = BTreeMap::new();
    // In a SLUB report: None outside; Some(true) once its detector's
    // context began (dropped up to the report's FIX lines).
    let mut in_slub: Option<bool> = None;
    for line in lines {
        let raw = match line {
            Line::Guest(e) => {
                in_registers = false;
                out.extend(guest_line(e, &mut background).map(|g| apply_rules(&g)));
                continue;
            }
            Line::Kernel(raw) => raw,
        };
        let l = strip_prefix(raw);
        // Who found a SLUB corruption is chance: the next allocation of the
        // object checks it (the fork of whichever process comes next), the
        // freeing of its slab (free_slab()) does, or a validation of the
        // cache does. The report itself (what was overwritten, where the
        // object was allocated and freed) is what
        // the listing caused; the detector's CPU line, WARN and call trace
        // are dropped up to the report's `FIX` lines (mm/slub.c,
        // slab_fix()).
        if SLUB_REPORT.is_match(l) {
            in_slub = Some(false);
        } else if let Some(dropping) = in_slub {
            if l.starts_with("FIX ") {
                in_slub = None;
            } else if dropping {
                continue;
            } else if SLUB_DETECTOR.is_match(l) {
                in_slub = Some(true);
                out.push("<the stack of the check that found it>".to_string());
                continue;
            }
        }
        if let Some(rip) = RIP.captures(l) {
            in_registers = true;
            out.push(apply_rules(&format!("RIP: {} <registers>", &rip[1])));
            continue;
        }
        if in_registers && REGISTERS.is_match(l) {
            continue;
        }
        in_registers = false;
        if DROP.iter().any(|d| d.is_match(l)) {
            continue;
        }
        if TRACK.is_match(l) {
            in_track = Some(false);
        } else if let Some(cut) = in_track {
            if !l.starts_with([' ', '\t']) {
                in_track = None;
            } else if cut {
                continue;
            } else if IRQ_ENTRY.is_match(l) {
                in_track = Some(true);
            }
        }
        out.push(apply_rules(l));
    }
    let out = collapse_hex_dumps(out);
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// SLUB dumps every byte of a damaged object, hundreds of lines of the
/// same poison: a run of three or more identical dump lines keeps its first
/// and says how many more there were, so the line that differs (the byte
/// written after the free) stands out.
fn collapse_hex_dumps(lines: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let mut j = i + 1;
        if HEX_DUMP.is_match(&lines[i]) {
            while j < lines.len() && lines[j] == lines[i] {
                j += 1;
            }
        }
        out.push(lines[i].clone());
        match j - i {
            1 => {}
            2 => out.push(lines[i].clone()),
            n => out.push(format!("[{} more lines the same]", n - 1)),
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    //! One test per rule, each fed a line captured from a kernel of the
    //! matrix (the console fixtures under `tests/fixtures/console/`, checked
    //! by `real`), with the exact output. Where no fixture has such a line
    //! yet, the line is reconstructed from the format the kernel source
    //! prints, and the test says so.
    use super::*;

    use crate::fixtures::*;

    /// One console line through the whole normalization.
    fn one(line: &str) -> String {
        normalize(&Line::kernel(&[line])).trim_end().to_string()
    }

    /// The rules alone, for lines `normalize` drops or collapses as a whole.
    fn rules(line: &str) -> String {
        apply_rules(strip_prefix(line))
    }

    #[test]
    fn every_rule_is_tested() {
        // The tests below cover each entry of DROP and RULES; these counts
        // make whoever adds one add its test with a real line.
        assert_eq!(DROP.len(), 8, "a DROP entry was added or removed: test it");
        assert_eq!(RULES.len(), 35, "a rule was added or removed: test it");
    }

    // ---- SLUB and KFENCE reports ----

    #[test]
    fn slub_report_lines() {
        let [r510, r61, r612, _] = &RUN_UAF_SLUB;
        for (run, line, want) in [
            (r510, "[    2.400088] BUG task_struct (Tainted: G      D    OE    ): Poison overwritten",
                "BUG task_struct (Tainted: <TAINT>): Poison overwritten"),
            (r612, "[    2.935512] BUG task_struct (Tainted: G      D    OE     ): Object corrupt",
                "BUG task_struct (Tainted: <TAINT>): Object corrupt"),
            // 5.10 hashes "0x%p" zero-padded.
            (r510, "[    2.400088] INFO: 0x00000000b84386f2-0x00000000b84386f2 @offset=16864. First byte 0x6c instead of 0x6b",
                "INFO: <PTR>-<PTR> @offset=<N>. First byte 0x6c instead of 0x6b"),
            (r612, "[    2.934247] [Poison overwritten] 0xffff888005710068-0xffff888005710068 @offset=104. First byte 0x6c instead of 0x6b",
                "[Poison overwritten] <PTR>-<PTR> @offset=<N>. First byte 0x6c instead of 0x6b"),
            (r510, "[    2.400088] INFO: Allocated in copy_process+0x203/0x2100 age=36 cpu=0 pid=2",
                "INFO: Allocated in copy_process+<OFF> age=<N> cpu=<CPU> pid=<PID>"),
            (r612, "[    2.936027] Freed in rcu_do_batch+0x1c6/0x560 age=33 cpu=0 pid=0",
                "Freed in rcu_do_batch+<OFF> age=<N> cpu=<CPU> pid=<PID>"),
            (r510, "[    2.400088] INFO: Slab 0x000000006c8707e9 objects=3 used=3 fp=0x0000000000000000 flags=0xfffffc0010200",
                "INFO: Slab <PTR> objects=3 used=<N> fp=<PTR> flags=<FLAGS>"),
            (r61, "[    2.888706] Slab 0xffffea000016b000 objects=3 used=2 fp=0xffff888005ac42c0 flags=0xfffffc0010200(slab|head|node=0|zone=1|lastcpupid=0x1fffff)",
                "Slab <PTR> objects=3 used=<N> fp=<PTR> flags=<FLAGS>"),
            (r510, "[    2.400088] INFO: Object 0x00000000973ca3d1 @offset=16832 fp=0x0000000000000000",
                "INFO: Object <PTR> @offset=<N> fp=<PTR>"),
            (r61, "[    2.888706] Object 0xffff888005ac2180 @offset=8576 fp=0xffff888005ac42c0",
                "Object <PTR> @offset=<N> fp=<PTR>"),
            (r61, "[    2.888706] FIX task_struct: Restoring Poison 0xffff888005ac21a8-0xffff888005ac21a8=0x6b",
                "FIX task_struct: Restoring Poison <PTR>-<PTR>=0x6b"),
            (r510, "[    2.400088] Object   00000000b84386f2: 6c 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  lkkkkkkkkkkkkkkk",
                "Object   <PTR>: 6c 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  lkkkkkkkkkkkkkkk"),
        ] {
            assert_eq!(one(real(run.console, line)), want, "{line}");
        }
    }

    #[test]
    fn the_poison_pattern_is_no_pointer() {
        // A pointer read from a freed object is POISON_FREE repeated: it
        // stays, in both layouts of the header.
        for (run, line) in [
            (&RUN_UAF_SLUB[0], "[    2.362701] general protection fault, probably for non-canonical address 0x6b6b6b6b6b6b6b6b: 0000 [#1] SMP NOPTI"),
            (&RUN_UAF_SLUB[3], "[    3.275841] Oops: general protection fault, probably for non-canonical address 0x6b6b6b6b6b6b6b6b: 0000 [#1] SMP NOPTI"),
        ] {
            assert_eq!(one(real(run.console, line)), strip_prefix(line), "{line}");
        }
        // Any other non-canonical address is still one.
        assert_eq!(
            one("[    1.0] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP NOPTI"),
            "general protection fault, probably for non-canonical address <PTR>: 0000 [#1] SMP NOPTI"
        );
        // A hashed pointer that happens to hold the letters "0X" is left.
        assert_eq!(
            one("[    1.0] demo: 0X6b6b6b6b6b6b6b6c"),
            "demo: 0X6b6b6b6b6b6b6b6c"
        );
    }

    #[test]
    fn kfence_report_lines() {
        // Reconstructed from mm/kfence/report.c (6.12 and 7.2 hold these
        // format strings): "Use-after-free %s at 0x%p (in kfence-#%td):",
        // "kfence-#%td: 0x%p-0x%p, size=%d, cache=%s", and
        // kfence_print_stack()'s "%s by task %d on cpu %d at %lu.%06lus
        // (%lu.%06lus ago):".
        assert_eq!(
            one("[    5.1] Use-after-free read at 0xffff88803fdc3f80 (in kfence-#12):"),
            "Use-after-free read at <PTR> (in kfence-#<N>):"
        );
        assert_eq!(
            one("[    5.1] kfence-#12: 0xffff88803fdc3f80-0xffff88803fdc4fff, size=4096, cache=task_struct"),
            "kfence-#<N>: <PTR>-<PTR>, size=4096, cache=task_struct"
        );
        assert_eq!(
            one("[    5.1] freed by task 0 on cpu 0 at 5.012345s (0.104321s ago):"),
            "freed by task <PID> on cpu <CPU> at <N>s (<N>s ago):"
        );
    }

    #[test]
    fn a_slub_report_is_short_and_stable() {
        let written = Regex::new(r"(?m)^Object +<PTR>:(?: 6b)* 6c(?: 6b)*  k*lk*$").unwrap();
        let addr = Regex::new(r"[0-9a-f]{12,}").unwrap();
        for (run, k) in RUN_UAF_SLUB.iter().zip(["5.10", "6.1", "6.12", "latest"]) {
            let text = normalize(&run.split().lines);
            // Hundreds of identical dump lines become one and a count; the
            // line with the byte written after the free stays.
            assert!(text.contains("more lines the same]"), "{k}:\n{text}");
            assert!(written.is_match(&text), "{k}:\n{text}");
            assert!(
                text.lines().count() < 150,
                "{k}: {} lines",
                text.lines().count()
            );
            // No address, hashed or not, is left but the poison pattern.
            for l in text.lines() {
                // The poison pattern and the zero trace id stay.
                let l = l
                    .replace("6b6b6b6b6b6b6b6b", "")
                    .replace("0000000000000000", "");
                assert!(!addr.is_match(&l), "{k}: {l}");
            }
            // The track of the free ends at the interrupt that ran RCU,
            // not in whatever the interrupt stopped (5.10's idle loop).
            assert!(!text.contains("do_idle"), "{k}:\n{text}");
        }
    }

    #[test]
    fn a_track_keeps_its_frames_up_to_the_interrupt() {
        let [r510, ..] = &RUN_UAF_SLUB;
        let text = normalize(&r510.split().lines);
        let track: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("INFO: Freed in"))
            .take_while(|l| !l.starts_with("INFO: Slab"))
            .collect();
        assert_eq!(
            track.first(),
            Some(&"INFO: Freed in rcu_core+<OFF> age=<N> cpu=<CPU> pid=<PID>")
        );
        assert_eq!(
            track.last(),
            Some(&"\tasm_sysvec_apic_timer_interrupt+<OFF>")
        );
        // The allocation's track, without an interrupt, is whole.
        assert!(
            text.contains("\tkthreadd+<OFF>\n\tret_from_fork+<OFF>\n"),
            "{text}"
        );
    }

    #[test]
    fn only_runs_of_three_identical_dump_lines_collapse() {
        let d = |s: &str| s.to_string();
        let a = d("Object   <PTR>: 6b 6b 6b 6b  kkkk");
        let b = d("Object   <PTR>: 6b 6b 6b a5  kkk.");
        assert_eq!(
            collapse_hex_dumps(vec![a.clone(), a.clone(), b.clone()]),
            vec![a.clone(), a.clone(), b.clone()]
        );
        assert_eq!(
            collapse_hex_dumps(vec![a.clone(), a.clone(), a.clone(), a.clone(), b.clone()]),
            vec![a.clone(), d("[3 more lines the same]"), b.clone()]
        );
        // Other repeated lines are the listing's, and stay.
        let m = d("demo: tick");
        assert_eq!(
            collapse_hex_dumps(vec![m.clone(), m.clone(), m.clone()]),
            vec![m.clone(), m.clone(), m]
        );
    }

    // ---- prefixes ----

    #[test]
    fn timestamps_go() {
        let l = real(
            NULL_DEREF_6_1,
            "[    1.053955] null_deref: about to dereference a NULL pointer",
        );
        assert_eq!(one(l), "null_deref: about to dereference a NULL pointer");
        assert_eq!(
            one(&format!("{l}\r")),
            "null_deref: about to dereference a NULL pointer"
        );
        // Reconstructed (Debian kernels lack CONFIG_PRINTK_CALLER): the caller
        // id kernel/printk/printk.c prints after the time as "[%6s]".
        assert_eq!(
            one("[    1.053955][   T86] null_deref: about to dereference a NULL pointer"),
            "null_deref: about to dereference a NULL pointer"
        );
    }

    // ---- guest marker lines ----

    #[test]
    fn guest_events() {
        // The init's events of a real run, as the side channel vouched for
        // them, read as a shell session.
        let text = normalize(&RUN_CANCEL_6_1.split().lines);
        assert!(
            text.starts_with("$ insmod cancel_created.ko nr_threads=3 fail_at=2\n"),
            "{text}"
        );
        assert!(text.ends_with(
            "insmod: ERROR: could not insert module /lib/modules/cancel_created.ko: Cannot allocate memory\n[exit status 1]\n"
        ), "{text}");
        // A step that succeeded says nothing of its status; start and end
        // are not shown.
        let e = |e: Event| normalize(&[Line::Guest(e)]);
        assert_eq!(
            e(Event::Exit {
                n: 1,
                status: "0".into()
            }),
            "\n"
        );
        assert_eq!(e(Event::Start), "\n");
        assert_eq!(e(Event::End), "\n");
        assert_eq!(
            e(Event::Step {
                n: 2,
                command: "sleep 1".into()
            }),
            "$ sleep 1\n"
        );
    }

    /// Whichever check finds a SLUB corruption (the next allocation of the
    /// object, or a validation of the cache), the snapshot reads the same.
    #[test]
    fn a_slub_report_s_detector_is_dropped_up_to_its_fix_lines() {
        let k = |l: &str| Line::Kernel(format!("[    4.000000] {l}"));
        let report = |detector: &[&str]| {
            let mut lines = vec![
                k("BUG task_struct (Tainted: G    B D    OE    ): Poison overwritten"),
                k("INFO: Slab 0xffffea0000169a00 objects=3 used=3 fp=0x0 flags=0x100"),
            ];
            lines.extend(detector.iter().map(|l| k(l)));
            lines.push(k("FIX task_struct: Marking all objects used"));
            lines.push(k("SLUB: task_struct 13 slabs counted but counter=14"));
            lines.push(k("CPU: 0 PID: 7 Comm: later Tainted: G"));
            normalize(&lines)
        };
        let at_fork = report(&[
            "CPU: 0 PID: 95 Comm: sh Tainted: G    B D    OE     5.10.0-32-cloud-amd64 #1",
            "Call Trace:",
            " copy_process+0x3f1/0x1a40",
        ]);
        let at_validate = report(&[
            "------------[ cut here ]------------",
            "WARNING: mm/slub.c:1239 at object_err+0x2e/0x40, CPU#0: sh/120",
            "Call Trace:",
            " validate_store+0x2a/0x40",
        ]);
        assert_eq!(at_fork, at_validate);
        assert!(
            at_fork.contains(
                "<the stack of the check that found it>\nCPU: <CPU> PID: <PID> Comm: later"
            ),
            "{at_fork}"
        );
        // The slab given up, and the count that follows, are dropped.
        assert!(
            !at_fork.contains("Marking all objects used") && !at_fork.contains("slabs counted"),
            "{at_fork}"
        );
    }

    #[test]
    fn a_background_step_s_end_names_it() {
        let g = |e: Event| Line::Guest(e);
        let lines = [
            g(Event::Step {
                n: 1,
                command: "rmmod a &".into(),
            }),
            g(Event::Step {
                n: 2,
                command: "show a_thread".into(),
            }),
            g(Event::Out("a_thread: state D (disk sleep)".into())),
            g(Event::Exit {
                n: 2,
                status: "0".into(),
            }),
            g(Event::Step {
                n: 3,
                command: "rmmod b &".into(),
            }),
            g(Event::Step {
                n: 4,
                command: "wait".into(),
            }),
            g(Event::Exit {
                n: 3,
                status: "1".into(),
            }),
            g(Event::Exit {
                n: 1,
                status: "0".into(),
            }),
            g(Event::Exit {
                n: 4,
                status: "0".into(),
            }),
        ];
        assert_eq!(
            normalize(&lines),
            "$ rmmod a &\n$ show a_thread\na_thread: state D (disk sleep)\n$ rmmod b &\n$ wait\n\
             [exit status 1] rmmod b\n[done] rmmod a\n"
        );
    }

    #[test]
    fn a_module_s_marker_lines_are_its_text() {
        // The old marker form, as cases/trust/forge_step prints it: not a
        // step, not output, just a line of the kernel log.
        assert_eq!(
            one("[    1.000000] verify: step 2: rmmod forge_step"),
            "verify: step 2: rmmod forge_step"
        );
        assert_eq!(
            one("[    1.000000] verify: out: everything is fine"),
            "verify: out: everything is fine"
        );
    }

    // ---- DROP ----

    #[test]
    fn taint_and_signature_lines_drop() {
        for l in [
            real(CANCEL_6_1, "[    0.956558] cancel_created: loading out-of-tree module taints kernel."),
            real(
                CANCEL_6_1,
                "[    0.957903] cancel_created: module verification failed: signature and/or required key missing - tainting kernel",
            ),
        ] {
            assert_eq!(one(l), "", "{l}");
        }
    }

    #[test]
    fn hardware_name_drops() {
        // Reconstructed: the microvm guests have no DMI, so no fixture has
        // one. lib/dump_stack.c, dump_stack_print_info():
        //   printk("%sHardware name: %s\n", log_lvl, dump_stack_arch_desc_str);
        assert_eq!(
            one("[    1.055300] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.3-debian-1.16.3-2 04/01/2014"),
            ""
        );
    }

    #[test]
    fn clocksource_lines_drop() {
        // On latest the switch to the TSC landed between two steps.
        for l in [
            real(
                CANCEL_LATEST,
                "[    1.624846] clocksource: tsc: mask: 0xffffffffffffffff max_cycles: 0x256beeeb689, max_idle_ns: 440795338834 ns",
            ),
            real(CANCEL_LATEST, "[    1.626099] clocksource: Switched to clocksource tsc"),
        ] {
            assert_eq!(one(l), "", "{l}");
        }
    }

    #[test]
    fn refined_tsc_drops() {
        // Reconstructed: arch/x86/kernel/tsc.c, under `pr_fmt "tsc: "`:
        //   pr_info("Refined TSC clocksource calibration: %lu.%03lu MHz\n", ...)
        assert_eq!(
            one("[    2.345678] tsc: Refined TSC clocksource calibration: 2495.998 MHz"),
            ""
        );
    }

    #[test]
    fn question_mark_frames_drop() {
        for l in [
            real(HUNG_5_10, "[    4.270397]  ? usleep_range+0x90/0x90"),
            real(HUNG_5_10, "[    4.270959]  ? 0xffffffffc0007000"),
            real(
                NULL_DEREF_5_10,
                "[    0.962702]  ? thread_fn+0x25/0x3b [null_deref]",
            ),
            real(
                HUNG_6_12,
                "[    5.326157]  ? __pfx_never_checks_stop_init+0x10/0x10 [never_checks_stop]",
            ),
        ] {
            assert_eq!(one(l), "", "{l}");
        }
        // A reliable frame stays.
        assert_eq!(
            one(real(HUNG_5_10, "[    4.270439]  schedule+0x46/0xb0")),
            " schedule+<OFF>"
        );
    }

    // ---- RULES ----

    #[test]
    fn build_paths_become_relative() {
        // Reconstructed: no fixture has a WARNING or BUG yet. 5.10's kbuild
        // compiles an M= module by its absolute path, so __FILE__ in
        // kernel/panic.c __warn()'s
        //   "WARNING: CPU: %d PID: %d at %s:%d %pS\n"
        // is the build mount.
        assert_eq!(
            one("[    1.234567] WARNING: CPU: 0 PID: 73 at /mnt/kthread-book-build/warn_demo.c:12 warn_demo_init+0x15/0x1000 [warn_demo]"),
            "WARNING: CPU: <CPU> PID: <PID> at warn_demo.c:12 warn_demo_init+<OFF> [warn_demo]"
        );
        // lib/bug.c: pr_crit("kernel BUG at %s:%u!\n", file, line);
        assert_eq!(
            one("[    1.234567] kernel BUG at /mnt/kthread-book-build/bug_demo.c:21!"),
            "kernel BUG at bug_demo.c:21!"
        );
    }

    #[test]
    fn compiler_clone_suffixes_go() {
        // Captured, each in a `? ` frame (which `normalize` then drops), so
        // the rules are applied to them directly.
        for (fixture, line, want) in [
            (
                HUNG_6_12,
                "[    5.327861]  ? finish_task_switch.isra.0+0x97/0x2f0",
                " ? finish_task_switch+<OFF>",
            ),
            (
                NULL_DEREF_5_10,
                "[    0.962540]  ? no_context.constprop.0+0x120/0x330",
                " ? no_context+<OFF>",
            ),
            (
                HUNG_LATEST,
                "[    5.489890]  ? set_ptes.constprop.0+0x5/0x10",
                " ? set_ptes+<OFF>",
            ),
            (
                NULL_DEREF_5_10,
                "[    0.962490]  ? __die_body.cold+0x1a/0x1f",
                " ? __die_body+<OFF>",
            ),
            (
                HUNG_LATEST,
                "[    5.489351]  ? dput.part.0+0x27/0x190",
                " ? dput+<OFF>",
            ),
        ] {
            assert_eq!(rules(real(fixture, line)), want, "{line}");
        }
        // Reconstructed: the same symbols as reliable frames, as they would
        // read in a call chain.
        assert_eq!(
            one("[    1.0]  finish_task_switch.isra.0+0x97/0x2f0"),
            " finish_task_switch+<OFF>"
        );
        assert_eq!(
            one("[    1.0]  __die_body.cold+0x1a/0x1f"),
            " __die_body+<OFF>"
        );
        // Reconstructed: clang ThinLTO's promoted locals (Debian builds with
        // gcc, so these do not occur on the matrix).
        assert_eq!(
            one("[    1.0]  kthread_worker_fn.llvm.6307461231441853478+0x1c0/0x2b0"),
            " kthread_worker_fn+<OFF>"
        );
    }

    #[test]
    fn symbol_offsets_go() {
        assert_eq!(
            one(real(
                HUNG_5_10,
                "[    4.270802]  never_checks_stop_init+0x51/0x1000 [never_checks_stop]"
            )),
            " never_checks_stop_init+<OFF> [never_checks_stop]"
        );
        assert_eq!(
            one(real(
                HUNG_6_12,
                "[    5.326034]  never_checks_stop_init+0x55/0xff0 [never_checks_stop]"
            )),
            " never_checks_stop_init+<OFF> [never_checks_stop]"
        );
    }

    #[test]
    fn tainted_flags_and_kernel_version_are_normalized() {
        for (fixture, line, want) in [
            (
                NULL_DEREF_5_10,
                "[    0.959088] CPU: 0 PID: 77 Comm: null_deref Tainted: G           OE     5.10.0-32-cloud-amd64 #1 Debian 5.10.223-1",
                "CPU: <CPU> PID: <PID> Comm: null_deref Tainted: <TAINT> <KERNEL>",
            ),
            (
                NULL_DEREF_6_1,
                "[    1.055195] CPU: 0 PID: 86 Comm: null_deref Tainted: G           OE      6.1.0-56-cloud-amd64 #1  Debian 6.1.192-2",
                "CPU: <CPU> PID: <PID> Comm: null_deref Tainted: <TAINT> <KERNEL>",
            ),
            (
                NULL_DEREF_6_12,
                "[    1.454748] CPU: 0 UID: 0 PID: 135 Comm: null_deref Tainted: G           OE      6.12.117+deb13-cloud-amd64 #1  Debian 6.12.117-1",
                "CPU: <CPU> UID: <UID> PID: <PID> Comm: null_deref Tainted: <TAINT> <KERNEL>",
            ),
            (
                // 7.2 adds the preemption model, and a trailing space.
                NULL_DEREF_LATEST,
                "[    1.690175] CPU: 0 UID: 0 PID: 102 Comm: null_deref Tainted: G           OE       7.2.13+deb14-cloud-amd64 #1 PREEMPT(lazy)  Debian 7.2.13-1 ",
                "CPU: <CPU> UID: <UID> PID: <PID> Comm: null_deref Tainted: <TAINT> <KERNEL>",
            ),
            (
                // The hung-task report's own taint line keeps its indent.
                HUNG_5_10,
                "[    4.268927]       Tainted: G           OE     5.10.0-32-cloud-amd64 #1 Debian 5.10.223-1",
                "      Tainted: <TAINT> <KERNEL>",
            ),
            (
                HUNG_LATEST,
                "[    5.483169]       Tainted: G           OE       7.2.13+deb14-cloud-amd64 #1 Debian 7.2.13-1",
                "      Tainted: <TAINT> <KERNEL>",
            ),
            (
                // 6.12's spelled-out taint list names only what the modules
                // did, so it is stable and stays.
                NULL_DEREF_6_12,
                "[    1.454977] Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE",
                "Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE",
            ),
        ] {
            assert_eq!(one(real(fixture, line)), want, "{line}");
        }
    }

    #[test]
    fn kernel_release_elsewhere_is_normalized() {
        // Reconstructed: kernel/module/main.c, check_modinfo():
        //   pr_err("%s: version magic '%s' should be '%s'\n", ...)
        assert_eq!(
            one("[    0.95] null_deref: version magic '6.1.0-55-cloud-amd64 SMP preempt mod_unload modversions ' should be '6.1.0-56-cloud-amd64 SMP preempt mod_unload modversions '"),
            "null_deref: version magic '<KERNEL> SMP preempt mod_unload modversions ' should be '<KERNEL> SMP preempt mod_unload modversions '"
        );
    }

    #[test]
    fn task_flags_are_not_pointers() {
        assert_eq!(
            one(real(
                HUNG_LATEST,
                "[    5.483560] task:insmod          state:D stack:0     pid:100   tgid:100   ppid:99     task_flags:0x400100 flags:0x00080000"
            )),
            "task:insmod          state:D stack:<N> pid:<PID> tgid:<PID> ppid:<PID> task_flags:<FLAGS> flags:<FLAGS>"
        );
    }

    #[test]
    fn hex_pointers_are_masked() {
        // 0x-prefixed: the user-space RIP of the blocked insmod.
        assert_eq!(
            one(real(HUNG_5_10, "[    4.271424] RIP: 0033:0x44b8b9")),
            "RIP: <PTR> <registers>"
        );
        // A bare 16-digit hex word: 5.10's random end-of-trace id.
        assert_eq!(
            one(real(
                NULL_DEREF_5_10,
                "[    0.963955] ---[ end trace c6206b79dd85b0a2 ]---"
            )),
            "---[ end trace <PTR> ]---"
        );
        // Reconstructed: lib/vsprintf.c prints "(____ptrval____)" for %p
        // before the pointer-hashing key is ready.
        assert_eq!(
            one("[    0.95] demo: thread at (____ptrval____)"),
            "demo: thread at <PTR>"
        );
    }

    #[test]
    fn all_zero_addresses_are_kept() {
        for (fixture, line, want) in [
            (
                NULL_DEREF_5_10,
                "[    0.956974] BUG: kernel NULL pointer dereference, address: 0000000000000000",
                "BUG: kernel NULL pointer dereference, address: 0000000000000000",
            ),
            (
                NULL_DEREF_6_1,
                "[    1.058044] CR2: 0000000000000000",
                "CR2: 0000000000000000",
            ),
            (
                NULL_DEREF_6_1,
                "[    1.058190] ---[ end trace 0000000000000000 ]---",
                "---[ end trace 0000000000000000 ]---",
            ),
            (
                NULL_DEREF_6_1,
                "[    1.054623] #PF: error_code(0x0000) - not-present page",
                "#PF: error_code(0x0000) - not-present page",
            ),
        ] {
            assert_eq!(one(real(fixture, line)), want, "{line}");
        }
    }

    #[test]
    fn page_table_entries_are_masked_but_pmd_0_stays() {
        for (fixture, line) in [
            (
                NULL_DEREF_5_10,
                "[    0.958215] PGD 4669067 P4D 4669067 PUD 466a067 PMD 0 ",
            ),
            (
                NULL_DEREF_6_1,
                "[    1.054767] PGD 5640067 P4D 5640067 PUD 563f067 PMD 0 ",
            ),
            (
                NULL_DEREF_LATEST,
                "[    1.689642] PGD 59c5067 P4D 59c5067 PUD 5986067 PMD 0 ",
            ),
        ] {
            assert_eq!(
                one(real(fixture, line)),
                "PGD <PTR> P4D <PTR> PUD <PTR> PMD 0",
                "{line}"
            );
        }
    }

    #[test]
    fn pids_and_cpus_become_placeholders() {
        assert_eq!(
            one(real(
                HUNG_6_1,
                "[    4.277449] INFO: task insmod:85 blocked for more than 3 seconds."
            )),
            "INFO: task insmod:<PID> blocked for more than 3 seconds."
        );
        // kmods/no_primary on 6.1, booted and resumed: the descriptor differs.
        for n in [52, 53] {
            assert_eq!(
                one(&format!("[    2.100000] genirq: Threaded irq requested with handler=NULL and !ONESHOT for nopri (irq {n})")),
                "genirq: Threaded irq requested with handler=NULL and !ONESHOT for nopri (irq <IRQ>)"
            );
        }
        assert_eq!(
            one(real(
                NULL_DEREF_6_1,
                "[    1.059874] note: null_deref[86] exited with irqs disabled"
            )),
            "note: null_deref[<PID>] exited with irqs disabled"
        );
        assert_eq!(
            one(real(
                NULL_DEREF_LATEST,
                "[    1.700051] note: null_deref[102] exited with irqs disabled"
            )),
            "note: null_deref[<PID>] exited with irqs disabled"
        );
    }

    #[test]
    fn hung_task_line_loses_its_padding() {
        // The task line pads each number to a fixed width, so its spacing
        // changes with the PID; the comm's own padding (%-15.15s) stays.
        for (fixture, line, want) in [
            (
                HUNG_5_10,
                "[    4.269166] task:insmod          state:D stack:    0 pid:   76 ppid:    74 flags:0x00004000",
                "task:insmod          state:D stack:<N> pid:<PID> ppid:<PID> flags:<FLAGS>",
            ),
            (
                HUNG_6_1,
                "[    4.278388] task:insmod          state:D stack:0     pid:85    ppid:83     flags:0x00004002",
                "task:insmod          state:D stack:<N> pid:<PID> ppid:<PID> flags:<FLAGS>",
            ),
            (
                HUNG_6_12,
                "[    5.323204] task:insmod          state:D stack:0     pid:133   tgid:133   ppid:132    flags:0x00004002",
                "task:insmod          state:D stack:<N> pid:<PID> tgid:<PID> ppid:<PID> flags:<FLAGS>",
            ),
        ] {
            assert_eq!(one(real(fixture, line)), want, "{line}");
        }
    }

    #[test]
    fn warning_in_the_7_2_layout() {
        // Reconstructed: no fixture has a WARNING yet. kernel/panic.c,
        // __warn(), as 7.2 prints it:
        //   pr_warn("WARNING: %s:%d at %pS, CPU#%d: %s/%d\n", ...)
        assert_eq!(
            one("[    1.234567] WARNING: warn_demo.c:12 at warn_demo_init+0x15/0xff0 [warn_demo], CPU#0: insmod/73"),
            "WARNING: warn_demo.c:12 at warn_demo_init+<OFF> [warn_demo], CPU#<CPU>: insmod/<PID>"
        );
        // From a kthread named like cancel_created's "cancel/%d": the PID is
        // after the last slash.
        assert_eq!(
            one("[    1.234567] WARNING: cancel_created.c:30 at thread_fn+0x15/0x40 [cancel_created], CPU#0: cancel/1/85"),
            "WARNING: cancel_created.c:30 at thread_fn+<OFF> [cancel_created], CPU#<CPU>: cancel/1/<PID>"
        );
    }

    #[test]
    fn soft_lockup_duration_cpu_and_pid() {
        // Reconstructed: kernel/watchdog.c, under `pr_fmt "watchdog: "`:
        //   pr_emerg("BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]\n", ...)
        assert_eq!(
            one("[   26.512345] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [never_checks:73]"),
            "watchdog: BUG: soft lockup - CPU#<CPU> stuck for <N>s! [never_checks:<PID>]"
        );
        assert_eq!(
            one("[   26.512345] watchdog: BUG: soft lockup - CPU#0 stuck for 23s! [cancel/1:85]"),
            "watchdog: BUG: soft lockup - CPU#<CPU> stuck for <N>s! [cancel/1:<PID>]"
        );
    }

    #[test]
    fn rcu_stall_ticks() {
        // Reconstructed: kernel/rcu/tree_stall.h, print_cpu_stall_info(),
        // under `pr_fmt "rcu: "`:
        //   pr_err("\t%d-%c%c%c%c: (%lu %s) idle=%04x/%ld/%#lx softirq=%u/%u fqs=%ld%s%s\n", ...)
        assert_eq!(
            one("[   23.456789] rcu: \t0-....: (5249 ticks this GP) idle=c6c4/1/0x4000000000000000 softirq=1044/1044 fqs=2625"),
            "rcu: \t0-....: (<N> ticks this GP) idle=c6c4/1/<PTR> softirq=1044/1044 fqs=2625"
        );
    }

    #[test]
    fn rcu_stall_jiffies_and_grace_period() {
        // Reconstructed: kernel/rcu/tree_stall.h, print_cpu_stall() and
        // print_other_cpu_stall(), each under `pr_fmt "rcu: "`.
        assert_eq!(
            one("[   23.4] rcu: \t(t=5250 jiffies g=1181 q=56 ncpus=1)"),
            "rcu: \t(t=<N> jiffies g=<N> q=<N> ncpus=1)"
        );
        assert_eq!(
            one("[   23.4] rcu: \t(detected by 0, t=5252 jiffies, g=-1183, q=7 ncpus=2)"),
            "rcu: \t(detected by 0, t=<N> jiffies, g=<N>, q=<N> ncpus=2)"
        );
    }

    #[test]
    fn expedited_rcu_stall_wait_and_sequence() {
        // Reconstructed, as tests/cases/outcomes/normprobe.rs quotes it:
        // kernel/rcu/tree_exp.h, synchronize_rcu_expedited_wait(). The
        // root mask 0x1 is a small value and stays.
        assert_eq!(
            one("[    1.000000] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 0-... } 21 jiffies s: 9 root: 0x1/."),
            "rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 0-... } <N> jiffies s: <N> root: 0x1/."
        );
    }

    #[test]
    fn freezer_and_sync_durations() {
        for (fixture, line, want) in [
            (
                FREEZE_5_10,
                "[   23.313522] Freezing of tasks failed after 20.005 seconds (1 tasks refusing to freeze, wq_busy=0):",
                "Freezing of tasks failed after <N> seconds (1 tasks refusing to freeze, wq_busy=0):",
            ),
            (
                FREEZE_LATEST,
                "[   26.271524] Freezing remaining freezable tasks failed after 20.005 seconds (1 tasks refusing to freeze, wq_busy=0):",
                "Freezing remaining freezable tasks failed after <N> seconds (1 tasks refusing to freeze, wq_busy=0):",
            ),
            (
                FREEZE_5_10,
                "[    3.300143] Freezing user space processes ... (elapsed 0.008 seconds) done.",
                "Freezing user space processes ... (elapsed <N> seconds) done.",
            ),
            (
                FREEZE_6_12,
                "[    6.401920] Freezing user space processes completed (elapsed 0.004 seconds)",
                "Freezing user space processes completed (elapsed <N> seconds)",
            ),
            (
                FREEZE_6_1,
                "[    2.186946] Filesystems sync: 0.000 seconds",
                "Filesystems sync: <N> seconds",
            ),
        ] {
            assert_eq!(one(real(fixture, line)), want, "{line}");
        }
    }

    #[test]
    fn scheduling_while_atomic_loses_its_pid_keeps_its_preempt_count() {
        for (fixture, line, want) in [
            (
                SPINLOCK_6_1,
                "[    3.365178] BUG: scheduling while atomic: rmmod/90/0x00000002",
                "BUG: scheduling while atomic: rmmod/<PID>/0x00000002",
            ),
            (
                SPINLOCK_6_12,
                "[    9.614723] BUG: scheduling while atomic: rmmod/140/0x00000000",
                "BUG: scheduling while atomic: rmmod/<PID>/0x00000000",
            ),
            (
                SPINLOCK_LATEST,
                "[    3.852288] BUG: scheduling while atomic: rmmod/105/0x00000002",
                "BUG: scheduling while atomic: rmmod/<PID>/0x00000002",
            ),
        ] {
            assert_eq!(one(real(fixture, line)), want, "{line}");
        }
    }

    #[test]
    fn hung_task_and_blocker_pids() {
        assert_eq!(
            one(real(
                MUTEX_6_12,
                "[    7.462725] INFO: task rw_mutex_stop:137 blocked for more than 3 seconds."
            )),
            "INFO: task rw_mutex_stop:<PID> blocked for more than 3 seconds."
        );
        // 7.2's DETECT_HUNG_TASK_BLOCKER line names two tasks.
        assert_eq!(
            one(real(
                MUTEX_LATEST,
                "[    6.887707] INFO: task rw_mutex_stop:102 is blocked on a mutex likely owned by task rmmod:106."
            )),
            "INFO: task rw_mutex_stop:<PID> is blocked on a mutex likely owned by task rmmod:<PID>."
        );
        // Reconstructed: kernel/hung_task.c's rw-semaphore and semaphore
        // variants of the same line.
        assert_eq!(
            one("[    6.8] INFO: task a:102 <writer> blocked on an rw-semaphore likely owned by task b:106 <reader>"),
            "INFO: task a:<PID> <writer> blocked on an rw-semaphore likely owned by task b:<PID> <reader>"
        );
        assert_eq!(
            one("[    6.8] INFO: task a:102 blocked on a semaphore likely last held by task b:106"),
            "INFO: task a:<PID> blocked on a semaphore likely last held by task b:<PID>"
        );
        // A module's own "task NAME:N" is not a PID.
        assert_eq!(
            one("[    6.8] rw_probe: task worker:3 blocked for now"),
            "rw_probe: task worker:3 blocked for now"
        );
    }

    #[test]
    fn report_lines_of_two_kernels_agree_once_normalized() {
        // The same report on kernels whose PIDs differ normalizes to the same
        // text (this is what made `--accept` refuse rw_mutex_stop_deadlock).
        let header = |fixture: &str, starts: &str| {
            let l = fixture
                .lines()
                .find(|l| strip_prefix(l).starts_with(starts))
                .unwrap();
            one(l)
        };
        let atomic = "BUG: scheduling while atomic: rmmod/<PID>/0x00000002";
        for fixture in [SPINLOCK_6_1, SPINLOCK_6_12, SPINLOCK_LATEST] {
            assert_eq!(header(fixture, "BUG: scheduling while atomic"), atomic);
        }
        let hung = "INFO: task rw_mutex_stop:<PID> blocked for more than 3 seconds.";
        for fixture in [MUTEX_5_10, MUTEX_6_1, MUTEX_6_12, MUTEX_LATEST] {
            assert_eq!(header(fixture, "INFO: task"), hung);
        }
    }

    #[test]
    fn normprobe_lines() {
        // tests/cases/outcomes/normprobe.rs: each line, normalized, and what
        // it is. Numbers that are not pointers or PIDs stay.
        use crate::text::console::classify;
        use crate::text::outcome::Outcome;
        for (line, want, class) in [
            (
                "[    1.000000] rw_probe: polls in one second: 12345678",
                "rw_probe: polls in one second: 12345678",
                None,
            ),
            (
                "[    1.000000] rw_probe: polls in one second: 1234567",
                "rw_probe: polls in one second: 1234567",
                None,
            ),
            (
                "[    1.000000] rw_probe: slot[3] busy",
                "rw_probe: slot[3] busy",
                None,
            ),
            (
                "[    1.000000] BUG: scheduling while atomic: rmmod/90/0x00000002",
                "BUG: scheduling while atomic: rmmod/<PID>/0x00000002",
                Some(Outcome::Warn),
            ),
            (
                "[    7.184713] INFO: task rw_mutex_stop:102 is blocked on a mutex likely owned by task rmmod:106.",
                "INFO: task rw_mutex_stop:<PID> is blocked on a mutex likely owned by task rmmod:<PID>.",
                None,
            ),
            (
                "[    1.000000] Freezing of tasks failed after 20.005 seconds (1 tasks refusing to freeze, wq_busy=0):",
                "Freezing of tasks failed after <N> seconds (1 tasks refusing to freeze, wq_busy=0):",
                Some(Outcome::FreezeFailed),
            ),
            (
                "[    1.000000] BUG: kernel NULL pointer dereference, address: 0000000000000024",
                "BUG: kernel NULL pointer dereference, address: 0000000000000024",
                Some(Outcome::Oops),
            ),
            (
                "[    1.000000] rw_probe: Unknown symbol table entry 3 ignored",
                "rw_probe: Unknown symbol table entry 3 ignored",
                None,
            ),
            (
                "[    1.000000] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 0-... } 21 jiffies s: 9 root: 0x1/.",
                "rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 0-... } <N> jiffies s: <N> root: 0x1/.",
                Some(Outcome::RcuStall),
            ),
        ] {
            assert_eq!(one(line), want, "{line}");
            assert_eq!(classify(line), class, "{line}");
        }
    }

    #[test]
    fn small_and_padded_numbers_are_not_pointers() {
        // Reconstructed from arch/x86/mm/fault.c: a NULL dereference at a
        // field offset, its fault address and error code.
        for (line, want) in [
            (
                "[    1.0] BUG: kernel NULL pointer dereference, address: 0000000000000024",
                "BUG: kernel NULL pointer dereference, address: 0000000000000024",
            ),
            ("[    1.0] CR2: 0000000000000024", "CR2: 0000000000000024"),
            (
                "[    1.0] #PF: error_code(0x0010) - not-present page",
                "#PF: error_code(0x0010) - not-present page",
            ),
            // A "0x%lx" below PAGE_SIZE.
            ("[    1.0] demo: fault at 0x24", "demo: fault at 0x24"),
            // From 0x1000 up it is an address.
            ("[    1.0] demo: fault at 0x1000", "demo: fault at <PTR>"),
            (
                "[    1.0] BUG: unable to handle page fault for address: 0000000000001000",
                "BUG: unable to handle page fault for address: <PTR>",
            ),
        ] {
            assert_eq!(one(line), want, "{line}");
        }
        // Captured: the preempt count of a real report, and the all-zero
        // error code, stay.
        assert_eq!(
            one(real(
                SPINLOCK_LATEST,
                "[    3.862262] BUG: scheduling while atomic: rmmod/105/0x00000000"
            )),
            "BUG: scheduling while atomic: rmmod/<PID>/0x00000000"
        );
        // Captured: 5.10's random end-of-trace id, with digits and letters.
        assert_eq!(
            one(real(
                BIND_5_10,
                "[    2.887046] ---[ end trace 135e4442f5dab74e ]---"
            )),
            "---[ end trace <PTR> ]---"
        );
    }

    // ---- the register dump ----

    #[test]
    fn register_dump_collapses_into_the_rip_line() {
        // 5.10's oops, from its RIP line to the call trace, as captured.
        let all: Vec<&str> = NULL_DEREF_5_10
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .collect();
        let from = all.iter().position(|l| l.contains("RIP: 0010:")).unwrap();
        let lines = &all[from..from + 13];
        assert_eq!(
            lines[0],
            "[    0.960102] RIP: 0010:thread_fn+0x25/0x3b [null_deref]"
        );
        assert_eq!(lines[11], "[    0.961825] PKRU: 55555554");
        assert_eq!(lines[12], "[    0.961884] Call Trace:");
        assert_eq!(
            normalize(&Line::kernel(lines)),
            "RIP: thread_fn+<OFF> [null_deref] <registers>\nCall Trace:\n"
        );
    }

    #[test]
    fn user_space_register_dump_collapses_too() {
        // 6.1's blocked insmod: the RIP block ends at </TASK>, which stays.
        let all: Vec<&str> = HUNG_6_1.lines().map(|l| l.trim_end_matches('\r')).collect();
        let from = all
            .iter()
            .position(|l| l.ends_with("RIP: 0033:0x439259"))
            .unwrap();
        let block = &all[from..];
        assert_eq!(block.len(), 8, "{block:#?}");
        assert_eq!(
            normalize(&Line::kernel(block)),
            "RIP: <PTR> <registers>\n </TASK>\n"
        );
    }

    #[test]
    fn a_register_line_outside_the_dump_stays() {
        // The CR2 line after "Modules linked in:" is the faulting address of
        // the oops summary, not part of a register dump.
        let lines = [
            real(
                NULL_DEREF_6_12,
                "[    1.461163] Modules linked in: null_deref(OE+)",
            ),
            real(NULL_DEREF_6_12, "[    1.461538] CR2: 0000000000000000"),
        ];
        assert_eq!(
            normalize(&Line::kernel(&lines)),
            "Modules linked in: null_deref(OE+)\nCR2: 0000000000000000\n"
        );
    }
}
