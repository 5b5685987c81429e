//! The guest's userland: a newc cpio archive written here, with busybox from
//! the build root, the modules, and a generated `/init` (DESIGN.md §3).

use crate::manifest::{shell_quote, Action, Step};
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Port of QEMU's isa-debug-exit device; QEMU exits with `value*2+1`.
pub const DEBUG_EXIT_PORT: u16 = 0xf4;

/// What the init writes to isa-debug-exit once its end event is out: QEMU
/// then exits with `2*DONE+1` (85). Not 0, whose exit code 1 is also what
/// QEMU returns when it fails by itself ("Error while loading elf kernel").
pub const DONE: u8 = 42;

/// Writes a newc ("070701") cpio archive in memory.
#[derive(Default)]
pub struct Cpio {
    buf: Vec<u8>,
    ino: u32,
}

impl Cpio {
    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
        self.ino += 1;
        let fields = [
            self.ino,
            mode,
            0, // uid
            0, // gid
            if mode & 0o170000 == 0o040000 { 2 } else { 1 },
            0, // mtime: fixed, so archives are reproducible
            data.len() as u32,
            0,
            0,
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0,
        ];
        self.buf.extend_from_slice(b"070701");
        for f in fields {
            self.buf.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(0);
        self.pad();
        self.buf.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }

    /// An empty archive whose inode numbers start past `ino`: a part that
    /// follows another archive in the same initramfs.
    pub fn after_inode(ino: u32) -> Self {
        Cpio {
            buf: Vec::new(),
            ino,
        }
    }

    /// A directory, mode 0755.
    pub fn dir(&mut self, name: &str) {
        self.entry(name, 0o040755, (0, 0), &[]);
    }
    /// A regular file; `mode` is the permission bits (`0o755`).
    pub fn file(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.entry(name, 0o100000 | mode, (0, 0), data);
    }
    /// A symbolic link to `target`.
    pub fn symlink(&mut self, name: &str, target: &str) {
        self.entry(name, 0o120777, (0, 0), target.as_bytes());
    }
    /// A character device node, mode 0600: `dev/console`, which the init
    /// needs before devtmpfs is mounted.
    pub fn char_dev(&mut self, name: &str, major: u32, minor: u32) {
        self.entry(name, 0o020600, (major, minor), &[]);
    }
    /// Ends the archive with its `TRAILER!!!` entry and pads it to 512 bytes:
    /// the bytes of the `initrd`.
    pub fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        // cpio's 512-byte records; the kernel needs only 4-byte alignment
        // and skips the NUL padding (`init/initramfs.c`, `do_reset()`).
        while !self.buf.len().is_multiple_of(512) {
            self.buf.push(0);
        }
        self.buf
    }
}

/// `kthreads COMM`: the PIDs of the kernel threads named COMM, one a line,
/// in PID order; the one lookup behind [`SHOW`] and [`SIGNAL`]. A kernel
/// thread has `PF_KTHREAD` (0x00200000 on every kernel of the matrix,
/// `include/linux/sched.h`) in field 9 of `/proc/PID/stat`.
const KTHREADS: &str = r#"# A name of 15 characters (TASK_COMM_LEN - 1) also matches a longer
# kthread name that starts with it: 6.1 and later show a kthread's full name
# in /proc/PID/comm (get_kthread_comm()), 5.10 its first 15 characters.
named() {
	[ "$1" = "$2" ] && return
	[ ${#2} -eq 15 ] && case $1 in "$2"*) return 0 ;; esac
	return 1
}
for pid in $(cd /proc && ls -d [0-9]* | sort -n); do
	# A process of the caller's own pipeline can be gone before it is read.
	{ read -r comm < /proc/$pid/comm; } 2>/dev/null || continue
	named "$comm" "$1" || continue
	{ read -r stat < /proc/$pid/stat; } 2>/dev/null || continue
	set -- ${stat##*) }
	[ $(( $7 & 0x200000 )) -eq 0 ] || echo $pid
done
"#;

/// `show COMM`: one line per kernel thread named COMM (exact `comm`), in
/// PID order: its state, allowed CPUs, policy and priority, freezability.
///
/// From `/proc/PID/stat` (fields after the `(comm)`: 3 state, 9 flags,
/// 19 nice, 40 rt_priority, 41 policy; `proc(5)`) and `/proc/PID/status`
/// (`State:`, `Cpus_allowed_list:`). `PF_KTHREAD` is 0x00200000 and
/// `PF_NOFREEZE` 0x00008000 on every kernel of the matrix
/// (`include/linux/sched.h`); a kthread is created with `PF_NOFREEZE`
/// (`kthreadd()`) and loses it in `set_freezable()`. Whether a thread is
/// frozen cannot be shown: while kthreads are frozen, the other tasks are
/// too, and the shell that wrote `freeze` is inside that write until all thaw.
const SHOW: &str = r#"name=$1
found=
for pid in $(sh /lib/verify/kthreads "$name"); do
	# The thread can end between the lookup and this read.
	{ read -r stat < /proc/$pid/stat; } 2>/dev/null || continue
	set -- ${stat##*) }
	flags=$7 nice=${17} rtprio=${38} policy=${39}
	state= cpus=
	while IFS=':	' read -r key value; do
		case $key in
		State) state=$value ;;
		Cpus_allowed_list) cpus=$value ;;
		esac
	done < /proc/$pid/status
	case $policy in
	0) sched="SCHED_NORMAL nice $nice" ;;
	1) sched="SCHED_FIFO priority $rtprio" ;;
	2) sched="SCHED_RR priority $rtprio" ;;
	3) sched="SCHED_BATCH nice $nice" ;;
	5) sched="SCHED_IDLE" ;;
	6) sched="SCHED_DEADLINE" ;;
	*) sched="policy $policy" ;;
	esac
	freezable=yes
	[ $(( flags & 0x8000 )) -eq 0 ] || freezable=no
	echo "$name: state $state, cpus $cpus, $sched, freezable $freezable"
	found=1
done
[ -n "$found" ] || { echo "show: no kernel thread named $name"; exit 1; }
"#;

/// `pkill -SIGNAL -x COMM`, for kernel threads only (busybox has no
/// `pkill`); exits 1 when no thread has that name, as `pkill` does.
const SIGNAL: &str = r#"sig=$1 name=$2
pids=$(sh /lib/verify/kthreads "$name")
[ -n "$pids" ] || { echo "pkill: no kernel thread named $name"; exit 1; }
kill -$sig $pids
"#;

/// `echo freeze > /sys/power/state` with the console's UART as a wake-up
/// source: the host writes to it while this step runs ([`crate::guest::vm`]),
/// since no kernel of the matrix has `pm_test` and an RTC alarm does not
/// wake a microvm guest (DESIGN.md §8).
const FREEZE: &str = "echo enabled > /sys/class/tty/ttyS0/power/wakeup\n\
                      echo freeze > /sys/power/state\n";

/// The guest's `/init`: raise the console loglevel, run each step with its
/// output forwarded as events, wait `grace_secs` (guest time) for what the
/// last step set off, then say so and power off through isa-debug-exit.
///
/// Every event goes into the kernel log and onto the side channel with a
/// fresh random token (`crate::guest::channel`). Each write to the channel opens
/// the port anew: the last close of a tty waits until the UART has sent
/// every byte, so an event has reached the host before the init goes on.
/// With background steps, two shells write events: a lock (a directory,
/// since busybox has no `flock`) keeps each event's two writes together, so
/// the console and the channel list events in the same order.
pub fn init_script(steps: &[Step], grace_secs: u32) -> String {
    prelude() + &run_script(steps, grace_secs)
}

/// What every guest's init does before anything else: busybox's applets,
/// `/proc`, `/sys` and `/dev`, every kernel message on the console, the side
/// channel raw, and no echo of what the host writes to the console.
pub fn prelude() -> String {
    format!(
        r#"#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# "quiet" would hide warnings and oopses from the console.
echo 8 > /proc/sys/kernel/printk
stty -F {dev} raw -echo || echo "verify-init: no side channel on {dev}" > /dev/kmsg
# The host writes to the console to wake a frozen guest: not echoed.
stty -echo
"#,
        dev = crate::guest::channel::GUEST_DEVICE,
    )
}

/// The scenario part of the init, after [`prelude`]: its steps as events,
/// then the end event and the poweroff ([`init_script`]).
pub fn run_script(steps: &[Step], grace_secs: u32) -> String {
    let background = steps.iter().any(|s| s.background);
    let (lock, unlock) = if background {
        (
            "\tuntil mkdir /tmp/ev.lock 2>/dev/null; do :; done\n",
            "\trmdir /tmp/ev.lock\n",
        )
    } else {
        ("", "")
    };
    let mut s = format!(
        r#"ev() {{
{lock}	read -r t < /proc/sys/kernel/random/uuid
	t=${{t//-/}}
	echo "verify[$t]: $1" > /dev/kmsg
	echo "$t $1" > {dev}
{unlock}}}
# The step's start event comes from the init itself, even for a background
# step, so that steps start in the order they are written.
run() {{
	{{ sh -c "$2"; echo $? > /tmp/rc.$1; }} 2>&1 |
		while IFS= read -r line; do ev "out: $line"; done
	# read, not cat: no process is made between a step and the next one's
	# start event (a fork allocates a task_struct, which lets SLUB check a
	# freed one at a moment that varies: oneshot_stop_after_exit).
	read -r rc < /tmp/rc.$1
	ev "step $1: exit $rc"
}}
ev start
"#,
        dev = crate::guest::channel::GUEST_DEVICE,
    );
    for (i, step) in steps.iter().enumerate() {
        let n = i + 1;
        if step.action == Action::Wait {
            s.push_str(&format!(
                "ev 'step {n}: wait'\nwait\nev 'step {n}: exit 0'\n"
            ));
            continue;
        }
        s.push_str(&format!(
            "ev {}\nrun {n} {}{}\n",
            shell_quote(&format!("step {n}: {}", step.display())),
            shell_quote(&step.command()),
            if step.background { " &" } else { "" }
        ));
    }
    s.push_str(&format!(
        "# A crash can follow the last step by a moment (a thread running freed\n\
         # module text, say): it belongs to the run.\n\
         sleep {grace_secs}\nev end\n/bin/debug-exit\npoweroff -f\n"
    ));
    s
}

/// A static x86-64 ELF program that writes `status` to isa-debug-exit.
///
/// The cloud kernels have no `/dev/port` (CONFIG_DEVPORT is off), so the
/// guest needs `ioperm(2)` and an `out` instruction; busybox has neither, and
/// the build roots have no assembler for the guest, so the few instructions
/// are written here.
pub fn debug_exit_program(status: u8) -> Vec<u8> {
    let port = DEBUG_EXIT_PORT.to_le_bytes();
    #[rustfmt::skip]
    let code: Vec<u8> = vec![
        0xb8, 173, 0, 0, 0,                  // mov eax, SYS_ioperm
        0xbf, port[0], port[1], 0, 0,        // mov edi, port
        0xbe, 1, 0, 0, 0,                    // mov esi, 1 (one port)
        0xba, 1, 0, 0, 0,                    // mov edx, 1 (turn on)
        0x0f, 0x05,                          // syscall
        0xb0, status,                        // mov al, status
        0x66, 0xba, port[0], port[1],        // mov dx, port
        0xee,                                // out dx, al
        0xb8, 60, 0, 0, 0,                   // mov eax, SYS_exit
        0xbf, 1, 0, 0, 0,                    // mov edi, 1: only reached if QEMU did not exit
        0x0f, 0x05,                          // syscall
    ];
    const BASE: u64 = 0x40_0000;
    const HEADERS: u64 = 64 + 56;
    let size = HEADERS + code.len() as u64;
    let mut elf = Vec::new();
    elf.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    elf.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    elf.extend_from_slice(&0x3eu16.to_le_bytes()); // EM_X86_64
    elf.extend_from_slice(&1u32.to_le_bytes());
    elf.extend_from_slice(&(BASE + HEADERS).to_le_bytes()); // entry
    elf.extend_from_slice(&64u64.to_le_bytes()); // program headers
    elf.extend_from_slice(&0u64.to_le_bytes()); // no sections
    elf.extend_from_slice(&0u32.to_le_bytes());
    for half in [64u16, 56, 1, 64, 0, 0] {
        elf.extend_from_slice(&half.to_le_bytes());
    }
    elf.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    elf.extend_from_slice(&5u32.to_le_bytes()); // R+X
    for word in [0, BASE, BASE, size, size, 0x1000] {
        elf.extend_from_slice(&word.to_le_bytes());
    }
    elf.extend_from_slice(&code);
    elf
}

/// The part of every run's archive that depends only on the build root:
/// the directories, the console node, busybox, the exit program, the
/// guest's insmod and the helper scripts. Made once per (busybox, insmod)
/// in a process and shared: a run adds only [`run_part`] after it (the
/// kernel unpacks concatenated archives in turn, `init/initramfs.c`).
pub fn base(busybox: &Path, insmod: &Path) -> Result<Arc<Vec<u8>>> {
    type Made = HashMap<(PathBuf, PathBuf, String), Arc<Vec<u8>>>;
    static MADE: Mutex<Option<Made>> = Mutex::new(None);
    // A file changed under the same path (a root made again, insmod
    // rebuilt) is another base.
    let identity = |p: &Path| -> String {
        std::fs::metadata(p)
            .map(|m| format!("{}:{:?}", m.len(), m.modified().ok()))
            .unwrap_or_default()
    };
    let key = (
        busybox.to_path_buf(),
        insmod.to_path_buf(),
        identity(busybox) + "/" + &identity(insmod),
    );
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(b) = made.as_ref().and_then(|m| m.get(&key)) {
        return Ok(b.clone());
    }
    let b = Arc::new(base_archive(busybox, insmod)?);
    made.get_or_insert_with(HashMap::new).insert(key, b.clone());
    Ok(b)
}

fn base_archive(busybox: &Path, insmod: &Path) -> Result<Vec<u8>> {
    let mut c = Cpio::default();
    for d in ["bin", "dev", "proc", "sys", "tmp", "lib", "lib/modules"] {
        c.dir(d);
    }
    // Needed before devtmpfs is mounted, or init has no console.
    c.char_dev("dev/console", 5, 1);
    let bb = std::fs::read(busybox).with_context(|| format!("reading {}", busybox.display()))?;
    c.file("bin/busybox", 0o755, &bb);
    c.symlink("bin/sh", "busybox");
    c.file("bin/debug-exit", 0o755, &debug_exit_program(DONE));
    c.dir("sbin");
    let ins = std::fs::read(insmod).with_context(|| format!("reading {}", insmod.display()))?;
    c.file("sbin/insmod", 0o755, &ins);
    c.dir("lib/verify");
    c.file("lib/verify/kthreads", 0o755, KTHREADS.as_bytes());
    c.file("lib/verify/show", 0o755, SHOW.as_bytes());
    c.file("lib/verify/signal", 0o755, SIGNAL.as_bytes());
    c.file("lib/verify/freeze", 0o755, FREEZE.as_bytes());
    Ok(c.finish())
}

/// What one run adds after the [`base`]: its modules and its `/init`. Its
/// inode numbers start past the base's, so no two entries share one.
pub fn run_part(modules: &[PathBuf], steps: &[Step], grace_secs: u32) -> Result<Vec<u8>> {
    let mut c = modules_part(modules)?;
    c.file("init", 0o755, init_script(steps, grace_secs).as_bytes());
    Ok(c.finish())
}

/// Where a resumed guest finds the script it runs ([`resumed_part`]).
pub const RESUMED_RUN: &str = "lib/verify/run";

/// What a guest resumed from a saved state reads from its payload disk
/// ([`crate::guest::restore`]): the run's modules and, at [`RESUMED_RUN`],
/// `script`, which the saved init runs in its place.
pub fn resumed_part(modules: &[PathBuf], script: &str) -> Result<Vec<u8>> {
    let mut c = modules_part(modules)?;
    c.file(RESUMED_RUN, 0o755, script.as_bytes());
    Ok(c.finish())
}

/// An archive holding `modules` under `lib/modules/`, its inode numbers
/// past the base's.
fn modules_part(modules: &[PathBuf]) -> Result<Cpio> {
    let mut c = Cpio::after_inode(RUN_PART_INO);
    for m in modules {
        let name = m
            .file_name()
            .and_then(|n| n.to_str())
            .context("module file name")?;
        let data = std::fs::read(m).with_context(|| format!("reading {}", m.display()))?;
        c.file(&format!("lib/modules/{name}"), 0o644, &data);
    }
    Ok(c)
}

/// Where [`run_part`]'s inode numbers start: far above the base's few dozen.
pub const RUN_PART_INO: u32 = 1 << 20;

/// Builds the initramfs for one scenario run: the [`base`] of the root,
/// then the run's [`run_part`].
pub fn build(
    busybox: &Path,
    insmod: &Path,
    modules: &[PathBuf],
    steps: &[Step],
    grace_secs: u32,
) -> Result<Vec<u8>> {
    let base = base(busybox, insmod)?;
    let part = run_part(modules, steps, grace_secs)?;
    let mut out = Vec::with_capacity(base.len() + part.len());
    out.extend_from_slice(&base);
    out.extend_from_slice(&part);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_is_made_once_per_root_file_and_the_run_part_follows_it() {
        let d = std::env::temp_dir().join(format!("verify-initrd-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let (bb, ins, ko) = (d.join("busybox"), d.join("insmod"), d.join("m.ko"));
        std::fs::write(&bb, b"busybox").unwrap();
        std::fs::write(&ins, b"insmod").unwrap();
        std::fs::write(&ko, b"module").unwrap();
        let a = base(&bb, &ins).unwrap();
        let b = base(&bb, &ins).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "made once");
        let part = run_part(std::slice::from_ref(&ko), &[], 1).unwrap();
        let whole = build(&bb, &ins, std::slice::from_ref(&ko), &[], 1).unwrap();
        assert_eq!(whole, [a.as_slice(), part.as_slice()].concat());
        // Each archive ends on a 512-byte record (cpio's convention).
        assert!(a.len().is_multiple_of(512) && part.len().is_multiple_of(512));
        // The run part's inodes are past the base's.
        let inodes = |buf: &[u8]| -> Vec<u32> {
            let text = String::from_utf8_lossy(buf).into_owned();
            text.match_indices("070701")
                .map(|(i, _)| u32::from_str_radix(&text[i + 6..i + 14], 16).unwrap())
                .collect()
        };
        let (ai, pi) = (inodes(&a), inodes(&part));
        assert!(pi.iter().all(|p| !ai.contains(p)), "{ai:?} {pi:?}");
        // Another insmod under the same path is another base.
        std::fs::write(&ins, b"insmod, rebuilt").unwrap();
        let c = base(&bb, &ins).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(String::from_utf8_lossy(&c).contains("insmod, rebuilt"));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn newc_layout() {
        let mut c = Cpio::default();
        c.file("init", 0o755, b"#!/bin/sh\n");
        let a = c.finish();
        assert_eq!(&a[..6], b"070701");
        // mode field follows magic and ino
        assert_eq!(&a[14..22], b"000081ed");
        // name "init\0" starts at 110 and header+name is padded to 4
        assert_eq!(&a[110..115], b"init\0");
        assert_eq!(&a[116..126], b"#!/bin/sh\n");
        let trailer = a.windows(10).position(|w| w == b"TRAILER!!!").unwrap();
        assert_eq!((trailer - 110) % 4, 0);
        assert_eq!(a.len() % 512, 0);
    }

    #[test]
    fn debug_exit_program_is_a_loadable_elf() {
        let elf = debug_exit_program(7);
        assert_eq!(&elf[..4], b"\x7fELF");
        let entry = u64::from_le_bytes(elf[24..32].try_into().unwrap());
        assert_eq!(entry, 0x40_0000 + 120);
        // the status byte follows `mov al,`
        let code = &elf[120..];
        let at = code.windows(2).position(|w| w == [0xb0, 7]).unwrap();
        assert_eq!(&code[at + 2..at + 7], &[0x66, 0xba, 0xf4, 0x00, 0xee]);
        let filesz = u64::from_le_bytes(elf[64 + 32..64 + 40].try_into().unwrap());
        assert_eq!(filesz as usize, elf.len());
    }

    fn steps(texts: &[&str]) -> Vec<Step> {
        texts.iter().map(|t| Step::parse(t).unwrap()).collect()
    }

    #[test]
    fn init_runs_every_step_quoted() {
        let s = init_script(&steps(&["insmod a.ko n=1", "rmmod a"]), 1);
        assert!(
            s.contains(
                r#"ev 'step 1: insmod a.ko n=1'
run 1 '/sbin/insmod '\''/lib/modules/a.ko'\'' '\''n=1'\'''
"#
            ),
            "{s}"
        );
        assert!(
            s.contains(
                r#"ev 'step 2: rmmod a'
run 2 'rmmod '\''a'\'''
"#
            ),
            "{s}"
        );
        assert!(s.find("ev start").unwrap() < s.find("run 1").unwrap());
        assert!(s.contains("sleep 1\nev end\n/bin/debug-exit\n"), "{s}");
        // Every event has a fresh token, a random UUID read by the shell
        // itself, on both channels.
        assert!(
            s.contains("read -r t < /proc/sys/kernel/random/uuid\n\tt=${t//-/}\n"),
            "{s}"
        );
        assert!(s.contains(r#"echo "verify[$t]: $1" > /dev/kmsg"#), "{s}");
        assert!(s.contains(r#"echo "$t $1" > /dev/ttyS1"#), "{s}");
        // Without background steps, events need no lock.
        assert!(!s.contains("ev.lock"), "{s}");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn background_steps_start_in_order_and_events_are_locked() {
        let s = init_script(&steps(&["rmmod a &", "show a_thread", "wait"]), 1);
        // The start event is the init's own, then the step runs in the
        // background.
        assert!(
            s.contains(
                r#"ev 'step 1: rmmod a &'
run 1 'rmmod '\''a'\''' &
"#
            ),
            "{s}"
        );
        assert!(
            s.contains(r#"run 2 'sh /lib/verify/show '\''a_thread'\'''"#),
            "{s}"
        );
        assert!(
            s.contains("ev 'step 3: wait'\nwait\nev 'step 3: exit 0'\n"),
            "{s}"
        );
        // Two shells write events: each event's two writes are kept together.
        let ev = &s[s.find("ev() {").unwrap()..s.find("run() {").unwrap()];
        assert!(
            ev.find("mkdir /tmp/ev.lock").unwrap() < ev.find("> /dev/kmsg").unwrap()
                && ev.find("> /dev/ttyS1").unwrap() < ev.find("rmdir /tmp/ev.lock").unwrap(),
            "{ev}"
        );
        // Each step keeps its own status file.
        assert!(s.contains("echo $? > /tmp/rc.$1"), "{s}");
    }

    /// The name test of `show` and `pkill`, run by the host's `sh` (the
    /// helpers are POSIX shell; busybox ash runs them in the guest).
    #[test]
    fn a_long_kthread_name_matches_by_its_first_15_characters() {
        let helper = &KTHREADS[..KTHREADS.find("for pid").unwrap()];
        let named = |comm: &str, name: &str| {
            std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("{helper}named \"$1\" \"$2\""))
                .args(["sh", comm, name])
                .status()
                .unwrap()
                .success()
        };
        assert!(named("term_waiter", "term_waiter"));
        assert!(!named("term_waiter", "term_wait"));
        assert!(!named("term_wait", "term_waiter"));
        // 6.1 and later show the whole name; 5.10 its first 15 characters.
        assert!(named("term_waiter_for_sigterm", "term_waiter_for"));
        assert!(named("term_waiter_for", "term_waiter_for"));
        assert!(!named("xterm_waiter_for_sigterm", "term_waiter_for"));
        // Shell patterns in a name are text.
        assert!(!named("term_waiter_for_x", "term*"));
        assert!(!named("abcdefghijklmnopq", "?bcdefghijklmno"));
    }

    #[test]
    fn the_helpers_are_packed() {
        let d = std::env::temp_dir().join(format!("verify-initramfs-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let bb = d.join("busybox");
        std::fs::write(&bb, b"bb").unwrap();
        let a = build(&bb, &bb, &[], &steps(&["show x"]), 1).unwrap();
        for name in [
            "lib/verify/show\0",
            "lib/verify/signal\0",
            "lib/verify/freeze\0",
        ] {
            assert!(
                a.windows(name.len()).any(|w| w == name.as_bytes()),
                "{name} missing"
            );
        }
        // Only kernel threads are shown or signalled: both look them up
        // with the one helper, which checks PF_KTHREAD.
        assert!(KTHREADS.contains("0x200000"));
        assert!(
            SHOW.contains("sh /lib/verify/kthreads") && SIGNAL.contains("sh /lib/verify/kthreads")
        );
        assert!(
            FREEZE.contains("ttyS0/power/wakeup") && FREEZE.contains("freeze > /sys/power/state")
        );
        std::fs::remove_dir_all(&d).unwrap();
    }
}
