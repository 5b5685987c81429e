//! Normalizing the scenario's console so a snapshot is stable across runs and
//! point releases, and reads well in the book (DESIGN.md §4).

use crate::console::strip_prefix;
use crate::initramfs::{OUT, STEP};
use regex::Regex;
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
            re(r"(?:Tainted: [A-Z ]+?|Not tainted)\s+\d+\.\d+\.\d+\S*(?:\s+#\d+)?(?:\s+PREEMPT\S*)?(?:\s+Debian \S+)?"),
            "Tainted: <TAINT> <KERNEL>",
        ),
        (re(r"\b\d+\.\d+\.\d+[-+]\S*-cloud-amd64\b"), "<KERNEL>"),
        // Task flags are not addresses.
        (re(r"\b(flags|task_flags):0x[0-9a-f]+"), "$1:<FLAGS>"),
        // Pointers and hashed %p values: see `mask_pointers`.
        (re(r"\b0x(?:0*[1-9a-f][0-9a-f]*)\b"), "<PTR>"),
        // Page-table entries of the faulting address (PMD 0 stays: it is
        // where the walk ended).
        (re(r"\b(PGD|P4D|PUD|PMD|PTE) [0-9a-f]*[1-9a-f][0-9a-f]*\b"), "$1 <PTR>"),
        (re(r"\(____ptrval____\)"), "<PTR>"),
        // PIDs and CPU numbers
        (re(r"\bPID: \d+"), "PID: <PID>"),
        (re(r"\b(pid|ppid|tgid):\s*\d+"), "$1:<PID>"),
        (re(r"\bstack:\s*\d+"), "stack:<N>"),
        (re(r"\bCPU: \d+"), "CPU: <CPU>"),
        (re(r"\bCPU#\d+"), "CPU#<CPU>"),
        (re(r"\bUID: \d+"), "UID: <UID>"),
        (re(r"(\btask [\w/.:-]+?):\d+( blocked)"), "$1:<PID>$2"),
        (re(r"(CPU#<CPU>: [^/\s]+)/\d+"), "$1/<PID>"),
        (re(r"([\w/.-]+)\[\d+\]"), "$1[<PID>]"),
        // Durations that depend on how fast the machine ran
        (re(r"stuck for \d+s"), "stuck for <N>s"),
        // The hung-task line pads each field to the width of its number.
        (re(r"(\w:<(?:N|PID)>) +"), "$1 "),
        (re(r"\(\d+ ticks this GP\)"), "(<N> ticks this GP)"),
    ]
});

static HEX: LazyLock<Regex> = LazyLock::new(|| re(r"\b(?:[0-9a-f]{16}|[0-9a-f]{8})\b"));

/// Bare 8- and 16-digit hex words are addresses or hashes; an all-zero one is
/// kept, since it is the NULL a report is about.
fn mask_pointers(s: &str) -> String {
    HEX.replace_all(s, |c: &regex::Captures| {
        if c[0].bytes().all(|b| b == b'0') {
            c[0].to_string()
        } else {
            "<PTR>".to_string()
        }
    })
    .into_owned()
}

fn apply_rules(line: &str) -> String {
    let mut s = mask_pointers(line);
    for (pattern, with) in RULES.iter() {
        if pattern.is_match(&s) {
            s = pattern.replace_all(&s, *with).into_owned();
        }
    }
    s.trim_end().to_string()
}

/// The guest's own marker lines as the book shows them: the command with a
/// `$` prompt, its output, and its exit status when it failed.
fn guest_line(l: &str) -> Option<Option<String>> {
    if let Some(out) = l.strip_prefix(OUT) {
        return Some(Some(out.to_string()));
    }
    let rest = l.strip_prefix(STEP)?;
    let (_, what) = rest.split_once(": ")?;
    Some(match what.strip_prefix("exit ") {
        Some("0") => None,
        Some(status) => Some(format!("[exit status {status}]")),
        None => Some(format!("$ {what}")),
    })
}

/// Normalizes the scenario's console lines into snapshot text.
pub fn normalize(lines: &[&str]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_registers = false;
    for raw in lines {
        let l = strip_prefix(raw);
        if let Some(g) = guest_line(l) {
            in_registers = false;
            out.extend(g.map(|g| apply_rules(&g)));
            continue;
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
        out.push(apply_rules(l));
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> String {
        normalize(&[line]).trim_end().to_string()
    }

    #[test]
    fn guest_markers() {
        assert_eq!(one("[    1.5] verify: step 1: insmod a.ko n=1"), "$ insmod a.ko n=1");
        assert_eq!(one("[    1.6] verify: step 1: exit 0"), "");
        assert_eq!(one("[    1.6] verify: step 1: exit 1"), "[exit status 1]");
        assert_eq!(
            one("[    1.6] verify: out: insmod: can't insert '/lib/modules/a.ko': Cannot allocate memory"),
            "insmod: can't insert '/lib/modules/a.ko': Cannot allocate memory"
        );
    }
}
