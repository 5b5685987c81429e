//! Runs that resume a saved guest instead of booting one.
//!
//! Each kernel is booted once per CPU count to an init that has loaded the
//! virtio modules, said so on the side channel and waits for a line on its
//! console; QEMU then saves the whole machine to a file (its migration
//! stream, `migrate "exec:cat > FILE"` over QMP). A run starts a QEMU that
//! loads that file (`-incoming`), so every run begins from the same state,
//! and hands the guest what is the run's own on a read-only virtio-blk disk
//! ([`payload_disk`]): the listing's modules and its script. The saved init
//! reseeds the guest's random number generator from the host (so no two runs
//! draw the same side-channel tokens), unpacks the payload, unloads the
//! virtio modules (a `Modules linked in:` line or `lsmod` then shows what it
//! would after a boot; [`forget_unload`] takes out their `[last unloaded:]`) and runs the script in its place, as PID 1.
//!
//! A run's effects never reach the next: each run is a new QEMU process
//! resumed from the unchanged file. Where a state cannot be made or a
//! resume fails, the run boots instead and the report says why
//! ([`crate::run::report::Entry::boot_why`]).

use crate::guest::initramfs::{self, Cpio};
use crate::guest::vm::{self, Accel, Machine};
use crate::host::provision::Root;
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Bytes of every payload disk. The guest reads the disk's capacity once,
/// when `virtio_blk` probes it during the saved boot, so each run's disk
/// has the same size (a sparse file: only the written part takes space).
pub const DISK_BYTES: u64 = 64 << 20;

/// Where the payload disk holds the host's seed for the guest's CRNG.
const SEED_AT: u64 = 512;
/// Bytes of that seed; `verify/guest/reseed.c` reads as many.
const SEED_BYTES: usize = 64;
/// Where the disk holds the run's archive; its length, in decimal and a
/// multiple of 512, is the disk's first line.
const ARCHIVE_AT: u64 = 1024;

/// What the saved init writes to the side channel once it waits for the
/// host; a channel line, not an event (the state is saved before any).
const READY: &str = "verify-saved: ready";

/// How long the saved boot may take to reach [`READY`].
const BOOT_LIMIT: Duration = Duration::from_secs(90);

/// How long QEMU may take to write a saved state.
const SAVE_LIMIT: Duration = Duration::from_secs(60);

/// A guest saved once it waits for its run.
#[derive(Debug)]
pub struct Saved {
    /// QEMU's migration stream of the whole machine.
    pub state: PathBuf,
    /// The kernel image that booted (a resume names the same one).
    pub kernel: PathBuf,
    /// The initramfs it booted with: the base and the saved init.
    pub initrd: PathBuf,
    /// The kernel command line it booted with: [`vm::CMDLINE`] and a
    /// `watchdog_thresh`; a run's hung-task timeout is written to
    /// `/proc/sys` ([`run_script`]).
    pub cmdline: String,
    /// The module the saved init unloads last ([`forget_unload`]).
    pub unloaded_last: String,
}

/// A state made, or why none could be.
type Made = std::result::Result<Arc<Saved>, String>;

/// The saved states of one kernel's root, one per CPU count and soft-lockup
/// threshold, made when a run first needs one and kept in `dir` across runs
/// of verify as `<vcpus>cpu-<thresh>s-<hash>.state` (the hash of everything
/// that went into it) with the initramfs it booted beside it.
pub struct Store {
    dir: PathBuf,
    insmod: PathBuf,
    reseed: PathBuf,
    accel: Accel,
    made: Mutex<HashMap<(u32, u32), Made>>,
}

impl Store {
    /// A store in `dir` whose states boot with the guest's `insmod` and
    /// `reseed` ([`crate::host::kbuild::guest_reseed`]) under `accel`.
    pub fn new(dir: PathBuf, insmod: PathBuf, reseed: PathBuf, accel: Accel) -> Self {
        Store {
            dir,
            insmod,
            reseed,
            accel,
            made: Mutex::new(HashMap::new()),
        }
    }

    /// The saved state of `root`'s kernel with `vcpus` CPUs booted with
    /// `watchdog_thresh` (a command-line setting: written to `/proc/sys` at
    /// run time it would restart the soft-lockup timers, and on 5.10 and 6.1
    /// `proc_watchdog_thresh()` stores the new value before it stops them),
    /// made at first need (a boot of a few seconds). `Err`: why there is
    /// none — then every run with those settings boots, and the first error
    /// is printed once.
    pub fn get(
        &self,
        root: &Root,
        vcpus: u32,
        watchdog_thresh: u32,
    ) -> std::result::Result<Arc<Saved>, String> {
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = made.get(&(vcpus, watchdog_thresh)) {
            return r.clone();
        }
        let r = self
            .make(root, vcpus, watchdog_thresh)
            .map(Arc::new)
            .map_err(|e| {
                let why = format!(
                    "no saved state of {} ({}): {e:#}",
                    root.kernel.id,
                    settings(vcpus, watchdog_thresh)
                );
                eprintln!("{why}; its runs boot instead");
                why
            });
        made.insert((vcpus, watchdog_thresh), r.clone());
        r
    }

    /// After a resume of a state failed: its file is removed (the next
    /// verify makes it again) and the rest of this run boots.
    pub fn spoil(&self, root: &Root, vcpus: u32, watchdog_thresh: u32, why: &str) {
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(Ok(saved)) = made.get(&(vcpus, watchdog_thresh)) {
            let _ = std::fs::remove_file(&saved.state);
            eprintln!(
                "resuming the saved state of {} ({}) failed, so it was removed and the rest of this run boots (the next run makes it again): {why}",
                root.kernel.id,
                settings(vcpus, watchdog_thresh)
            );
        }
        made.insert(
            (vcpus, watchdog_thresh),
            Err(format!("resuming the saved state failed: {why}")),
        );
    }

    fn make(&self, root: &Root, vcpus: u32, watchdog_thresh: u32) -> Result<Saved> {
        let virtio = virtio_modules(root)?;
        let mut part = Cpio::after_inode(initramfs::RUN_PART_INO);
        part.dir("lib/verify/virtio");
        for (name, bytes) in &virtio {
            part.file(&format!("lib/verify/virtio/{name}.ko"), 0o644, bytes);
        }
        let reseed = std::fs::read(&self.reseed)
            .with_context(|| format!("reading {}", self.reseed.display()))?;
        part.file("bin/reseed", 0o755, &reseed);
        let names: Vec<&str> = virtio.iter().map(|(n, _)| n.as_str()).collect();
        let unloaded_last = names.first().map(|n| n.to_string()).unwrap_or_default();
        part.file("init", 0o755, saved_init(&names).as_bytes());
        let mut initrd = initramfs::base(&root.busybox(), &self.insmod)?.to_vec();
        initrd.extend_from_slice(&part.finish());

        let kernel = root.vmlinux.clone().unwrap_or_else(|| root.bzimage());
        let cmdline = format!("{} watchdog_thresh={watchdog_thresh}", vm::CMDLINE);
        let key = {
            use sha2::Digest;
            let mut h = sha2::Sha256::new();
            let meta = std::fs::metadata(&kernel)
                .with_context(|| format!("reading {}", kernel.display()))?;
            h.update(format!(
                "{}\n{}\n{:?}\n{vcpus}\n{}\n{cmdline}\n{}\n",
                kernel.display(),
                meta.len(),
                meta.modified().ok(),
                self.accel,
                qemu_version()
            ));
            h.update(&initrd);
            // The settings first: a state made again replaces the one
            // made with the same settings before (a changed kernel, init or
            // QEMU), which no run resumes any more.
            format!(
                "{vcpus}cpu-{watchdog_thresh}s-{}",
                &format!("{:x}", h.finalize())[..16]
            )
        };
        let _lock = crate::host::workdir::lock(&self.dir)?;
        let saved = Saved {
            state: self.dir.join(format!("{key}.state")),
            kernel,
            initrd: self.dir.join(format!("{key}.cpio")),
            cmdline,
            unloaded_last,
        };
        if saved.state.is_file() && saved.initrd.is_file() {
            return Ok(saved);
        }
        let prefix = format!("{vcpus}cpu-{watchdog_thresh}s-");
        for old in std::fs::read_dir(&self.dir)
            .with_context(|| format!("reading {}", self.dir.display()))?
            .flatten()
        {
            let name = old.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && !name.starts_with(&key) {
                let _ = std::fs::remove_file(old.path());
            }
        }
        std::fs::write(&saved.initrd, &initrd)
            .with_context(|| format!("writing {}", saved.initrd.display()))?;
        let empty = self.dir.join("empty.img");
        sized_disk(&empty, &[])?;
        let tmp = self.dir.join(format!("{key}.state.tmp"));
        let _ = std::fs::remove_file(&tmp);
        let began = Instant::now();
        let made = save(&saved, &empty, &tmp, vcpus, self.accel, &self.dir);
        let _ = std::fs::remove_file(&empty);
        if let Err(e) = made {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &saved.state)
            .with_context(|| format!("renaming {}", tmp.display()))?;
        // Once per kernel and settings: why the first run took longer.
        eprintln!(
            "saved {} ({}) in {:.1}s, for its runs to resume: {}",
            root.kernel.id,
            settings(vcpus, watchdog_thresh),
            began.elapsed().as_secs_f64(),
            saved.state.display()
        );
        Ok(saved)
    }
}

/// `1 CPU, watchdog_thresh 2`: a state's settings, for people.
fn settings(vcpus: u32, watchdog_thresh: u32) -> String {
    format!(
        "{vcpus} CPU{}, watchdog_thresh {watchdog_thresh}",
        if vcpus == 1 { "" } else { "s" }
    )
}

/// `qemu-system-x86_64 --version`'s first line: a state saved by another
/// QEMU is another state.
fn qemu_version() -> String {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        std::process::Command::new("qemu-system-x86_64")
            .arg("--version")
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_default()
    })
    .clone()
}

/// The modules the saved init loads to read its disk: `virtio_mmio` and
/// `virtio_blk` with what they depend on (`modules.dep` of the root's
/// kernel; `virtio` and `virtio_ring` are modules on 5.10 and 6.1 and
/// built in later), in load order: (name, the uncompressed `.ko`). 6.12 and
/// later ship `.ko.xz`, unpacked here.
fn virtio_modules(root: &Root) -> Result<Vec<(String, Vec<u8>)>> {
    let base = root.dir.join("lib/modules").join(&root.release);
    let dep_file = base.join("modules.dep");
    let deps = std::fs::read_to_string(&dep_file)
        .with_context(|| format!("reading {}", dep_file.display()))?;
    let mut order: Vec<String> = Vec::new();
    for want in ["virtio_mmio", "virtio_blk"] {
        let line = deps
            .lines()
            .find(|l| {
                l.split(':').next().is_some_and(|m| {
                    let file = m.rsplit('/').next().unwrap_or(m);
                    file == format!("{want}.ko") || file == format!("{want}.ko.xz")
                })
            })
            .with_context(|| format!("{} lists no {want} module", dep_file.display()))?;
        let (module, needs) = line.split_once(':').unwrap_or((line, ""));
        // modules.dep lists a module's dependencies so that loading them
        // from the last one back works (kmod's depmod).
        for m in needs.split_whitespace().rev().chain([module.trim()]) {
            if !order.iter().any(|o| o == m) {
                order.push(m.to_string());
            }
        }
    }
    order
        .iter()
        .map(|rel| {
            let path = base.join(rel);
            let raw =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let bytes = if rel.ends_with(".xz") {
                let mut out = Vec::new();
                lzma_rs::xz_decompress(&mut &raw[..], &mut out)
                    .map_err(|e| anyhow::anyhow!("unpacking {}: {e:?}", path.display()))?;
                out
            } else {
                raw
            };
            let file = rel.rsplit('/').next().unwrap_or(rel);
            let name = file.trim_end_matches(".xz").trim_end_matches(".ko");
            Ok((name.to_string(), bytes))
        })
        .collect()
}

/// The init of the saved boot: the [`initramfs::prelude`], the virtio
/// modules `names` (in load order), [`READY`] on the side channel, and a
/// wait for a console line — the state is saved here. Resumed, it reseeds
/// the CRNG from the disk, unpacks the run's archive, unloads the virtio
/// modules and `exec`s the run's script. Anything failing powers the guest
/// off before the run's start event, which the host takes as a failed
/// resume.
fn saved_init(names: &[&str]) -> String {
    let load = names.join(" ");
    let unload: Vec<&str> = names.iter().rev().copied().collect();
    format!(
        r#"{prelude}fail() {{
	echo "verify-saved: $1" > /dev/kmsg
	poweroff -f
}}
for m in {load}; do
	insmod /lib/verify/virtio/$m.ko || fail "insmod $m"
done
[ -b /dev/vda ] || fail "no payload disk"
echo "{READY}" > {dev}
# Saved here; resumed, the host's newline ends the read.
read -r _
# The partition scan's page cache went with its last close (kill_bdev());
# flushbufs makes sure no block of the saved disk is read.
blockdev --flushbufs /dev/vda || fail "flushbufs"
dd if=/dev/vda bs=512 skip={seed_block} count=1 2>/dev/null | /bin/reseed || fail "reseed"
read -r size < /dev/vda
dd if=/dev/vda bs=512 skip={archive_block} count=$((size / 512)) 2>/dev/null |
	cpio -i -d -u 2>/dev/null || fail "unpacking the run"
rmmod {unload} || fail "rmmod"
exec /bin/sh /{run}
"#,
        prelude = initramfs::prelude(),
        dev = crate::guest::channel::GUEST_DEVICE,
        seed_block = SEED_AT / 512,
        archive_block = ARCHIVE_AT / 512,
        unload = unload.join(" "),
        run = initramfs::RESUMED_RUN,
    )
}

/// `line` without the ` [last unloaded: MODULE]` that the kernel adds to
/// its `Modules linked in:` line (`print_modules()`, kernel/module.c on
/// 5.10, kernel/module/main.c from 6.1) when `module` — the saved init's
/// last virtio module — is the last one unloaded: a booted guest has
/// unloaded nothing. `None`: the line stays as it is.
pub fn forget_unload(line: &str, module: &str) -> Option<String> {
    let tail = format!(" [last unloaded: {module}]");
    (line.contains("Modules linked in:") && line.ends_with(&tail))
        .then(|| line[..line.len() - tail.len()].to_string())
}

/// The script a resumed guest runs: the scenario's hung-task timeout, which
/// a boot takes from the command line ([`vm::cmdline`]), written to
/// `/proc/sys` (`proc_dohung_task_timeout_secs()` wakes khungtaskd, whose
/// next scan uses it: `kernel/hung_task.c` on every kernel of the matrix),
/// then [`initramfs::run_script`].
pub fn run_script(hung_task_secs: u32, steps: &[crate::manifest::Step], grace_secs: u32) -> String {
    format!(
        "echo {hung_task_secs} > /proc/sys/kernel/hung_task_timeout_secs\n{}",
        initramfs::run_script(steps, grace_secs)
    )
}

/// Writes the payload disk of one run to `path`: the archive's length, a
/// fresh seed from the host's `getrandom(2)`, the `archive` (a multiple of
/// 512 bytes, [`initramfs::resumed_part`]), [`DISK_BYTES`] in all. Errors:
/// an archive that does not fit, a seed or a file that cannot be written.
pub fn payload_disk(path: &Path, archive: &[u8]) -> Result<()> {
    if archive.len() as u64 > DISK_BYTES - ARCHIVE_AT || !archive.len().is_multiple_of(512) {
        bail!(
            "the run's archive is {} bytes; a payload disk holds {} in 512-byte blocks",
            archive.len(),
            DISK_BYTES - ARCHIVE_AT
        );
    }
    let mut seed = [0u8; SEED_BYTES];
    // SAFETY: getrandom(2) writes at most `seed.len()` bytes into `seed`.
    let n = unsafe { libc::getrandom(seed.as_mut_ptr().cast(), seed.len(), 0) };
    if n != SEED_BYTES as isize {
        bail!("getrandom: {}", std::io::Error::last_os_error());
    }
    let mut head = vec![0u8; ARCHIVE_AT as usize];
    let line = format!("{}\n", archive.len());
    head[..line.len()].copy_from_slice(line.as_bytes());
    head[SEED_AT as usize..SEED_AT as usize + SEED_BYTES].copy_from_slice(&seed);
    head.extend_from_slice(archive);
    sized_disk(path, &head)
}

/// `bytes` followed by a hole up to [`DISK_BYTES`], written anew.
fn sized_disk(path: &Path, bytes: &[u8]) -> Result<()> {
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.set_len(DISK_BYTES))
        .with_context(|| format!("writing {}", path.display()))
}

/// Boots `saved`'s kernel and initrd with the empty disk, waits for
/// [`READY`], and has QEMU save the machine to `to` over QMP.
fn save(
    saved: &Saved,
    empty: &Path,
    to: &Path,
    vcpus: u32,
    accel: Accel,
    dir: &Path,
) -> Result<()> {
    let channel = dir.join("saved-channel.log");
    let _ = std::fs::remove_file(&channel);
    // A socket path must fit in sun_path (108 bytes): a short one in /tmp.
    let socket = std::env::temp_dir().join(format!(
        "verify-qmp-{}-{:?}.sock",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_file(&socket);
    let machine = Machine {
        kernel: &saved.kernel,
        initrd: &saved.initrd,
        channel: &channel,
        vcpus,
        cmdline: saved.cmdline.clone(),
        time_limit: BOOT_LIMIT,
        boot_limit: BOOT_LIMIT,
        wake_steps: Vec::new(),
        accel,
        early_end: None,
        on_idle: None,
        disk: Some(empty),
        incoming: None,
    };
    let mut cmd = machine.command();
    cmd.arg("-qmp").arg(format!(
        "unix:{},server=on,wait=off",
        socket.display().to_string().replace(',', ",,")
    ));
    let mut child = cmd.spawn().context("starting qemu-system-x86_64")?;
    let (console, reader) = vm::collect(child.stdout.take().expect("piped"));
    let result = (|| -> Result<()> {
        let started = Instant::now();
        loop {
            if std::fs::read_to_string(&channel)
                .is_ok_and(|c| c.lines().any(|l| l.trim_end() == READY))
            {
                break;
            }
            if let Some(status) = child.try_wait()? {
                bail!("the guest ended before its init was ready ({status})");
            }
            if started.elapsed() >= BOOT_LIMIT {
                bail!("the init was not ready within {} s", BOOT_LIMIT.as_secs());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let stream = std::os::unix::net::UnixStream::connect(&socket)
            .with_context(|| format!("connecting to QMP at {}", socket.display()))?;
        stream.set_read_timeout(Some(SAVE_LIMIT))?;
        let mut qmp = Qmp {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        };
        qmp.greeting()?;
        qmp.execute(r#"{"execute":"qmp_capabilities"}"#)?;
        let uri = format!(
            "exec:cat > {}",
            crate::manifest::shell_quote(&to.display().to_string())
        );
        qmp.execute(
            &serde_json::json!({"execute": "migrate", "arguments": {"uri": uri}}).to_string(),
        )?;
        let began = Instant::now();
        loop {
            let r = qmp.execute(r#"{"execute":"query-migrate"}"#)?;
            match r["status"].as_str() {
                Some("completed") => break,
                Some("failed") | Some("cancelled") => bail!(
                    "QEMU could not save the guest: {}",
                    r["error-desc"].as_str().unwrap_or("no reason given")
                ),
                _ if began.elapsed() >= SAVE_LIMIT => {
                    bail!("saving the guest took over {} s", SAVE_LIMIT.as_secs())
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        let _ = qmp.execute(r#"{"execute":"quit"}"#);
        Ok(())
    })();
    let _ = std::fs::remove_file(&socket);
    // SAFETY: kill(2) on the process group QEMU leads; no memory involved.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    let _ = child.wait();
    let _ = reader.join();
    let _ = std::fs::remove_file(&channel);
    result.map_err(|e| {
        let console = String::from_utf8_lossy(&console.lock().unwrap()).into_owned();
        let tail: Vec<&str> = console.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        e.context(format!("the console ended with:\n{}", tail.join("\n")))
    })?;
    let len = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        bail!("QEMU wrote no saved state to {}", to.display());
    }
    Ok(())
}

/// A QMP connection: one JSON object a line each way.
struct Qmp {
    reader: BufReader<std::os::unix::net::UnixStream>,
    writer: std::os::unix::net::UnixStream,
}

impl Qmp {
    fn line(&mut self) -> Result<serde_json::Value> {
        let mut l = String::new();
        if self.reader.read_line(&mut l)? == 0 {
            bail!("QMP closed");
        }
        serde_json::from_str(&l).with_context(|| format!("QMP said {l:?}"))
    }

    fn greeting(&mut self) -> Result<()> {
        let g = self.line()?;
        if g.get("QMP").is_none() {
            bail!("QMP greeting {g}");
        }
        Ok(())
    }

    /// Sends `command` and returns its `return`, skipping events.
    fn execute(&mut self, command: &str) -> Result<serde_json::Value> {
        self.writer.write_all(command.as_bytes())?;
        self.writer.write_all(b"\n")?;
        loop {
            let r = self.line()?;
            if let Some(v) = r.get("return") {
                return Ok(v.clone());
            }
            if let Some(e) = r.get("error") {
                bail!("QMP {command}: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_disk_holds_length_seed_and_archive_in_a_fixed_size() {
        let dir = std::env::temp_dir().join(format!("verify-payload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.img");
        let archive = vec![7u8; 1024];
        payload_disk(&path, &archive).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len() as u64, DISK_BYTES);
        assert!(bytes.starts_with(b"1024\n"));
        assert_eq!(&bytes[1024..2048], &archive[..]);
        let seed = bytes[512..512 + SEED_BYTES].to_vec();
        assert!(seed.iter().any(|&b| b != 0));
        // A fresh seed each run.
        payload_disk(&path, &archive).unwrap();
        assert_ne!(
            std::fs::read(&path).unwrap()[512..512 + SEED_BYTES],
            seed[..]
        );
        // An archive that is not whole blocks, or too large, is refused.
        assert!(payload_disk(&path, &[1u8; 100]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_the_harness_unload_is_forgotten() {
        let line = "[    3.1] Modules linked in: null_deref(OE+) [last unloaded: virtio_ring]";
        assert_eq!(
            forget_unload(line, "virtio_ring").as_deref(),
            Some("[    3.1] Modules linked in: null_deref(OE+)")
        );
        // A listing's own unload, or another line, stays.
        let own = "Modules linked in: a(OE) [last unloaded: b(OE)]";
        assert_eq!(forget_unload(own, "virtio_ring"), None);
        assert_eq!(
            forget_unload("x [last unloaded: virtio_ring]", "virtio_ring"),
            None
        );
    }

    #[test]
    fn the_saved_init_loads_in_order_and_unloads_in_reverse() {
        let init = saved_init(&["virtio_ring", "virtio", "virtio_mmio", "virtio_blk"]);
        assert!(init.contains("for m in virtio_ring virtio virtio_mmio virtio_blk; do"));
        assert!(init.contains("rmmod virtio_blk virtio_mmio virtio virtio_ring ||"));
        assert!(init.contains("exec /bin/sh /lib/verify/run"));
        // The wait for the host comes after READY, and nothing of the run
        // before the wait.
        let ready = init.find(READY).unwrap();
        let wait = init.find("read -r _").unwrap();
        assert!(ready < wait && wait < init.find("reseed").unwrap());
    }
}
