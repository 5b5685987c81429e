//! The guest's userland: a newc cpio archive written here, with busybox from
//! the build root, the modules, and a generated `/init` (DESIGN.md §3).

use crate::manifest::Step;
use anyhow::{Context, Result};
use std::path::Path;

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

    pub fn dir(&mut self, name: &str) {
        self.entry(name, 0o040755, (0, 0), &[]);
    }
    pub fn file(&mut self, name: &str, mode: u32, data: &[u8]) {
        self.entry(name, 0o100000 | mode, (0, 0), data);
    }
    pub fn symlink(&mut self, name: &str, target: &str) {
        self.entry(name, 0o120777, (0, 0), target.as_bytes());
    }
    pub fn char_dev(&mut self, name: &str, major: u32, minor: u32) {
        self.entry(name, 0o020600, (major, minor), &[]);
    }
    pub fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        // The kernel reads the archive in 512-byte records.
        while !self.buf.len().is_multiple_of(512) {
            self.buf.push(0);
        }
        self.buf
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The guest's `/init`: raise the console loglevel, run each step with its
/// output forwarded as events, wait `grace_secs` (guest time) for what the
/// last step set off, then say so and power off through isa-debug-exit.
///
/// Every event goes into the kernel log and onto the side channel with a
/// fresh random token (`crate::guest::channel`). Each write to the channel opens
/// the port anew: the last close of a tty waits until the UART has sent
/// every byte, so an event has reached the host before the init goes on.
pub fn init_script(steps: &[Step], grace_secs: u32) -> String {
    let mut s = format!(
        r#"#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# "quiet" would hide warnings and oopses from the console.
echo 8 > /proc/sys/kernel/printk
stty -F {dev} raw -echo || echo "verify-init: no side channel on {dev}" > /dev/kmsg
ev() {{
	read -r t < /proc/sys/kernel/random/uuid
	t=${{t//-/}}
	echo "verify[$t]: $1" > /dev/kmsg
	echo "$t $1" > {dev}
}}
run() {{
	ev "step $1: $2"
	{{ sh -c "$3"; echo $? > /tmp/rc; }} 2>&1 |
		while IFS= read -r line; do ev "out: $line"; done
	ev "step $1: exit $(cat /tmp/rc)"
}}
ev start
"#,
        dev = crate::guest::channel::GUEST_DEVICE,
    );
    for (i, step) in steps.iter().enumerate() {
        s.push_str(&format!(
            "run {} {} {}\n",
            i + 1,
            shell_quote(&step.display()),
            shell_quote(&step.command())
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

/// Builds the initramfs for one scenario run.
pub fn build(
    busybox: &Path,
    insmod: &Path,
    modules: &[std::path::PathBuf],
    steps: &[Step],
    grace_secs: u32,
) -> Result<Vec<u8>> {
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
    for m in modules {
        let name = m
            .file_name()
            .and_then(|n| n.to_str())
            .context("module file name")?;
        let data = std::fs::read(m).with_context(|| format!("reading {}", m.display()))?;
        c.file(&format!("lib/modules/{name}"), 0o644, &data);
    }
    c.file("init", 0o755, init_script(steps, grace_secs).as_bytes());
    Ok(c.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn init_runs_every_step_quoted() {
        let steps = [
            Step::Insmod {
                file: "a.ko".into(),
                params: vec!["n=1".into()],
            },
            Step::Rmmod { name: "a".into() },
        ];
        let s = init_script(&steps, 1);
        assert!(
            s.contains("run 1 'insmod a.ko n=1' '/sbin/insmod /lib/modules/a.ko n=1'\n"),
            "{s}"
        );
        assert!(s.contains("run 2 'rmmod a' 'rmmod a'\n"));
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
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
