//! The guest's userland: a newc cpio archive written here, with busybox from
//! the build root, the modules, and a generated `/init` (DESIGN.md §3).

use crate::manifest::Step;
use anyhow::{Context, Result};
use std::path::Path;

/// Marker lines the guest writes to `/dev/kmsg`; `console` splits on them.
pub const START: &str = "verify: start";
pub const END: &str = "verify: end";
pub const STEP: &str = "verify: step ";
pub const OUT: &str = "verify: out: ";

/// Port of QEMU's isa-debug-exit device; QEMU exits with `value*2+1`.
pub const DEBUG_EXIT_PORT: u16 = 0xf4;

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
        while self.buf.len() % 4 != 0 {
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
        while self.buf.len() % 512 != 0 {
            self.buf.push(0);
        }
        self.buf
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The guest's `/init`: raise the console loglevel, run each step with its
/// output forwarded to the kernel log, and report through isa-debug-exit.
pub fn init_script(steps: &[Step]) -> String {
    let mut s = String::from(
        r#"#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# "quiet" would hide warnings and oopses from the console.
echo 8 > /proc/sys/kernel/printk
log() { echo "verify: $*" > /dev/kmsg; }
run() {
	log "step $1: $2"
	{ sh -c "$3"; echo $? > /tmp/rc; } 2>&1 |
		while IFS= read -r line; do log "out: $line"; done
	log "step $1: exit $(cat /tmp/rc)"
}
log start
"#,
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
        "log end\nprintf '\\000' | dd of=/dev/port bs=1 seek={DEBUG_EXIT_PORT} count=1 2>/dev/null\npoweroff -f\n"
    ));
    s
}

/// Builds the initramfs for one scenario run.
pub fn build(busybox: &Path, modules: &[std::path::PathBuf], steps: &[Step]) -> Result<Vec<u8>> {
    let mut c = Cpio::default();
    for d in ["bin", "dev", "proc", "sys", "tmp", "lib", "lib/modules"] {
        c.dir(d);
    }
    // Needed before devtmpfs is mounted, or init has no console.
    c.char_dev("dev/console", 5, 1);
    let bb = std::fs::read(busybox).with_context(|| format!("reading {}", busybox.display()))?;
    c.file("bin/busybox", 0o755, &bb);
    c.symlink("bin/sh", "busybox");
    for m in modules {
        let name = m.file_name().and_then(|n| n.to_str()).context("module file name")?;
        let data = std::fs::read(m).with_context(|| format!("reading {}", m.display()))?;
        c.file(&format!("lib/modules/{name}"), 0o644, &data);
    }
    c.file("init", 0o755, init_script(steps).as_bytes());
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
    fn init_runs_every_step_quoted() {
        let steps = [
            Step::Insmod {
                file: "a.ko".into(),
                params: vec!["n=1".into()],
            },
            Step::Rmmod { name: "a".into() },
        ];
        let s = init_script(&steps);
        assert!(s.contains("run 1 'insmod a.ko n=1' 'insmod /lib/modules/a.ko n=1'\n"), "{s}");
        assert!(s.contains("run 2 'rmmod a' 'rmmod a'\n"));
        assert!(s.find("log start").unwrap() < s.find("run 1").unwrap());
        assert!(s.contains("seek=244"));
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
