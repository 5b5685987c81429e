//! Build roots: one Debian chroot per kernel of the matrix, made with
//! mmdebstrap, kept in a cache outside the repository (DESIGN.md §2).
//!
//! A root is created in a temporary directory and renamed into place only when
//! it passed its checks, so a crash or a failed download never leaves a
//! half-made root where a later run would use it. A lock file per kernel keeps
//! two runs from making the same root at once.

use crate::host::matrix::Kernel;
use anyhow::{bail, Context, Result};
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// A checked, ready build root.
#[derive(Debug, Clone)]
pub struct Root {
    /// The matrix entry the root was made from; a root whose stamp records
    /// another is stale and made again.
    pub kernel: Kernel,
    /// The root's directory: `CACHE/roots/<id>`.
    pub dir: PathBuf,
    /// `uname -r` of the kernel in this root.
    pub release: String,
    /// The compiler the kernel was built with (from its headers' .config).
    pub cc: String,
    /// The uncompressed kernel for PVH boot, when it could be extracted.
    pub vmlinux: Option<PathBuf>,
    /// Seconds spent creating it in this run (0 when it came from the cache).
    pub provision_secs: f64,
}

impl Root {
    /// The kernel headers' directory as seen inside the root (the sandbox's
    /// `/`), for `make -C`.
    pub fn headers(&self) -> String {
        format!("/usr/src/linux-headers-{}", self.release)
    }
    /// The root's bzImage, the boot fallback when there is no usable vmlinux.
    pub fn bzimage(&self) -> PathBuf {
        self.dir.join(format!("boot/vmlinuz-{}", self.release))
    }
    /// The root's `busybox-static`, the guest's whole userland.
    pub fn busybox(&self) -> PathBuf {
        self.dir.join("bin/busybox")
    }
    /// The cache this root is in: [`Root::dir`] is `CACHE/roots/<id>`.
    pub fn cache(&self) -> PathBuf {
        self.dir
            .parent()
            .and_then(Path::parent)
            .map_or_else(|| self.dir.clone(), Path::to_path_buf)
    }
}

/// What a finished root records about itself; a root whose stamp does not
/// match the matrix entry is stale and is made again.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Stamp {
    kernel: Kernel,
    release: String,
}

/// The build-root cache when none is given: `$XDG_CACHE_HOME/kthread-book`,
/// else `$HOME/.cache/kthread-book` (`/tmp/.cache/kthread-book` without
/// `$HOME`).
pub fn default_cache_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(x).join("kthread-book");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
    PathBuf::from(home).join(".cache/kthread-book")
}

fn roots_dir(cache: &Path) -> PathBuf {
    cache.join("roots")
}

/// A root already in the cache for kernel `id`: its directory and the
/// release its stamp records, without checking or making it ([`ensure`]
/// does that). `None` when there is no readable stamp.
pub fn stamped_root(cache: &Path, id: &str) -> Option<(PathBuf, String)> {
    let roots = roots_dir(cache);
    let text = fs::read_to_string(roots.join(format!("{id}.stamp.json"))).ok()?;
    let stamp: Stamp = serde_json::from_str(&text).ok()?;
    Some((roots.join(id), stamp.release))
}

/// Where the integrity manifest of the root of kernel `id` is kept.
pub fn manifest_path(cache: &Path, id: &str) -> PathBuf {
    roots_dir(cache).join(format!("{id}.manifest"))
}

/// Prints a line above the progress bar, or on stderr when the bar is
/// hidden (no terminal): indicatif drops `println` of a hidden bar.
pub fn note(bar: &ProgressBar, msg: impl AsRef<str>) {
    note_to(bar, msg.as_ref(), &mut std::io::stderr());
}

fn note_to(bar: &ProgressBar, msg: &str, out: &mut dyn std::io::Write) {
    if bar.is_hidden() {
        let _ = writeln!(out, "{msg}");
    } else {
        bar.println(msg);
    }
}

/// Returns a checked root for `kernel`, creating it when it is missing,
/// stale or damaged. The host's prerequisites come first
/// ([`crate::host::prereq::ensure`]: installed as root, else the command).
pub fn ensure(cache: &Path, kernel: &Kernel, bar: &ProgressBar) -> Result<Root> {
    crate::host::prereq::ensure()?;
    let roots = roots_dir(cache);
    fs::create_dir_all(&roots).with_context(|| format!("creating {}", roots.display()))?;
    let dir = roots.join(&kernel.id);
    let stamp_path = roots.join(format!("{}.stamp.json", kernel.id));
    let manifest = manifest_path(cache, &kernel.id);

    let lock_path = roots.join(format!("{}.lock", kernel.id));
    let lock =
        File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        bar.set_message(format!(
            "{}: waiting for another run to finish this root",
            kernel.id
        ));
        lock.lock()
            .with_context(|| format!("locking {}", lock_path.display()))?;
    }
    clean_stale(&roots, &kernel.id, bar)?;

    match check(&dir, &stamp_path, kernel).and_then(|r| {
        integrity(&dir, &manifest, bar)?;
        Ok(r)
    }) {
        Ok((release, cc)) => return finish(cache, kernel, dir, release, cc, 0.0, bar),
        Err(why) if dir.symlink_metadata().is_ok() || stamp_path.exists() => {
            note(
                bar,
                format!(
                    "build root {} is not usable ({why:#}); making it again",
                    dir.display()
                ),
            );
            for f in [&stamp_path, &manifest] {
                if let Err(e) = fs::remove_file(f) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        return Err(e).with_context(|| format!("removing {}", f.display()));
                    }
                }
            }
            if dir.symlink_metadata().is_ok() {
                remove_tree(&dir).with_context(|| {
                    format!("removing the unusable build root {}", dir.display())
                })?;
            }
        }
        Err(_) => {}
    }

    let started = Instant::now();
    let tmp = roots.join(format!(".tmp-{}-{}", kernel.id, std::process::id()));
    let result = create(&tmp, kernel, bar).and_then(|()| {
        let release = release_of(&tmp)?;
        let cc = check_files(&tmp, &release)?;
        // The sandbox binds the listing's scratch copy here; the root is
        // read-only to it, so the mount point is made with the root (by
        // mmdebstrap's hook: unprivileged, the root's directories belong to
        // a subordinate uid this user cannot write as).
        let mount = tmp.join(crate::host::sandbox::MOUNT.trim_start_matches('/'));
        if !mount.is_dir() {
            fs::create_dir_all(&mount)
                .with_context(|| format!("making the sandbox's mount point {}", mount.display()))?;
        }
        Ok((release, cc))
    });
    let (release, cc) = match result {
        Ok(r) => r,
        Err(e) => {
            let left = match remove_tree(&tmp) {
                Ok(()) => format!("nothing was left behind in {}", roots.display()),
                Err(rm) => format!(
                    "and removing the half-made root failed ({rm:#}): remove {} by hand",
                    tmp.display()
                ),
            };
            return Err(e.context(format!(
                "could not make the build root for kernel {} (Debian {}); {left}",
                kernel.id, kernel.suite,
            )));
        }
    };
    fs::write(&manifest, record(&tmp)?)
        .with_context(|| format!("writing {}", manifest.display()))?;
    fs::rename(&tmp, &dir)
        .with_context(|| format!("renaming {} to {}", tmp.display(), dir.display()))?;
    let stamp = Stamp {
        kernel: kernel.clone(),
        release: release.clone(),
    };
    fs::write(&stamp_path, serde_json::to_string_pretty(&stamp)?)?;
    finish(
        cache,
        kernel,
        dir,
        release,
        cc,
        started.elapsed().as_secs_f64(),
        bar,
    )
}

/// Removes temporary roots of kernel `id` left by runs that died (Ctrl-C,
/// a crash): making one needs `id`'s lock, which the caller holds, so any
/// other is stale. Says what it removes.
fn clean_stale(roots: &Path, id: &str, bar: &ProgressBar) -> Result<()> {
    let prefix = format!(".tmp-{id}-");
    let ours = format!("{prefix}{}", std::process::id());
    for e in fs::read_dir(roots).with_context(|| format!("reading {}", roots.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(&prefix) else {
            continue;
        };
        if name == ours || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        note(
            bar,
            format!(
                "removing {}, a build root left half-made by an interrupted run",
                e.path().display()
            ),
        );
        remove_tree(&e.path())
            .with_context(|| format!("removing the stale temporary root {}", e.path().display()))?;
    }
    Ok(())
}

/// The mount points at or under `dir`, deepest first, as the calling
/// thread's mount namespace sees them (/proc/thread-self/mountinfo, field 5,
/// with the kernel's octal escapes undone).
fn mounts_under(dir: &Path) -> Vec<PathBuf> {
    let info = fs::read_to_string("/proc/thread-self/mountinfo").unwrap_or_default();
    let mut out: Vec<PathBuf> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|m| {
            let mut s = String::new();
            let mut rest = m;
            while let Some(i) = rest.find('\\') {
                s.push_str(&rest[..i]);
                match u8::from_str_radix(rest.get(i + 1..i + 4).unwrap_or(""), 8) {
                    Ok(b) => {
                        s.push(b as char);
                        rest = &rest[i + 4..];
                    }
                    Err(_) => {
                        s.push('\\');
                        rest = &rest[i + 1..];
                    }
                }
            }
            s.push_str(rest);
            PathBuf::from(s)
        })
        .filter(|m| m.starts_with(dir))
        .collect();
    out.sort_by_key(|m| std::cmp::Reverse(m.components().count()));
    out.dedup();
    out
}

/// Removes a (half-made or unusable) root. Whatever an interrupted
/// mmdebstrap of an older verify left mounted in it (proc, sys, dev/pts) is
/// detached first when running as root; the removal never crosses into
/// another file system, so a mount that stays is an error naming it, never
/// a reason to delete the host's files.
pub fn remove_tree(dir: &Path) -> Result<()> {
    let Ok(canonical) = dir.canonicalize() else {
        return Ok(());
    };
    match remove_tree_here(&canonical) {
        Err(e) if !crate::host::prereq::is_root() && canonical.exists() => {
            // A root mmdebstrap made unprivileged belongs to this user's
            // subordinate uids: only a user namespace that maps them may
            // delete it (`--one-file-system`: never into a mount).
            let status = Command::new("unshare")
                .args([
                    "--map-auto",
                    "--map-root-user",
                    "--",
                    "rm",
                    "-rf",
                    "--one-file-system",
                    "--",
                ])
                .arg(&canonical)
                .status();
            match status {
                Ok(s) if s.success() && !canonical.exists() => Ok(()),
                _ => Err(e.context(format!(
                    "and `unshare --map-auto --map-root-user rm -rf {}` failed too",
                    canonical.display()
                ))),
            }
        }
        r => r,
    }
}

fn remove_tree_here(canonical: &Path) -> Result<()> {
    let canonical = canonical.to_path_buf();
    for m in mounts_under(&canonical) {
        if crate::host::prereq::is_root() {
            let c = std::ffi::CString::new(m.as_os_str().as_encoded_bytes())?;
            // SAFETY: a plain system call on a NUL-terminated path.
            unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
        }
    }
    let left = mounts_under(&canonical);
    if !left.is_empty() {
        bail!(
            "{} is still mounted (unmount it with `sudo umount -R {}`, then run again)",
            left[0].display(),
            canonical.display()
        );
    }
    use std::os::unix::fs::MetadataExt;
    fn walk(p: &Path, dev: u64) -> Result<()> {
        let m = p
            .symlink_metadata()
            .with_context(|| format!("reading {}", p.display()))?;
        if m.is_dir() {
            if m.dev() != dev {
                bail!("{} is on another file system; not removed", p.display());
            }
            for e in fs::read_dir(p).with_context(|| format!("reading {}", p.display()))? {
                walk(&e?.path(), dev)?;
            }
            fs::remove_dir(p).with_context(|| format!("removing {}", p.display()))
        } else {
            fs::remove_file(p).with_context(|| format!("removing {}", p.display()))
        }
    }
    let dev = canonical.symlink_metadata()?.dev();
    walk(&canonical, dev)
}

/// Top-level directories of a root that are not part of what it holds:
/// mounted over or written at build time by the sandbox or the guest.
const UNRECORDED: &[&str] = &["proc", "sys", "dev", "run", "tmp", "var/tmp"];

/// The integrity manifest of a root: one line per entry (path, kind, mode,
/// and size or link target), sorted — cheap to make (a stat per entry, no
/// reading of contents) and enough to see a deleted, truncated or added file.
pub fn record(dir: &Path) -> Result<String> {
    use std::os::unix::fs::PermissionsExt;
    fn walk(top: &Path, p: &Path, out: &mut Vec<String>) -> Result<()> {
        let m = p
            .symlink_metadata()
            .with_context(|| format!("reading {}", p.display()))?;
        let rel = p.strip_prefix(top).expect("under top");
        let mode = m.permissions().mode() & 0o7777;
        let what = if m.file_type().is_symlink() {
            format!("l {mode:o} {}", fs::read_link(p)?.display())
        } else if m.is_dir() {
            format!("d {mode:o}")
        } else if m.is_file() {
            format!("f {mode:o} {}", m.len())
        } else {
            format!("o {mode:o}")
        };
        if !rel.as_os_str().is_empty() {
            out.push(format!("{}\t{what}", rel.display()));
        }
        // Only what any user may read is recorded: it is all an unprivileged
        // build can see, and the manifest is the same whoever records it
        // (root's own directories, such as the chroot's /root, are 0700).
        let public = mode & 0o005 == 0o005;
        if m.is_dir() && public && !UNRECORDED.iter().any(|u| rel == Path::new(u)) {
            let entries = fs::read_dir(p).with_context(|| format!("reading {}", p.display()))?;
            for e in entries {
                walk(top, &e?.path(), out)?;
            }
        }
        Ok(())
    }
    let mut lines = Vec::new();
    walk(dir, dir, &mut lines)?;
    lines.sort();
    Ok(lines.join("\n") + "\n")
}

/// Checks `dir` against its manifest; the error names the first differing
/// paths as the root's damage. A root made by an older verify has no
/// manifest: it is recorded now (and said so).
fn integrity(dir: &Path, manifest: &Path, bar: &ProgressBar) -> Result<()> {
    if !manifest.exists() {
        note(
            bar,
            format!(
                "build root {} has no integrity manifest (made by an older verify); recording it in {}",
                dir.display(),
                manifest.display()
            ),
        );
        return fs::write(manifest, record(dir)?)
            .with_context(|| format!("writing {}", manifest.display()));
    }
    check_integrity(dir, manifest)
}

/// Compares the root `dir` with the manifest recorded when it was made; an
/// error says the root is damaged and names what differs (at most five
/// paths, and how many more).
pub fn check_integrity(dir: &Path, manifest: &Path) -> Result<()> {
    let want = fs::read_to_string(manifest)
        .with_context(|| format!("reading the integrity manifest {}", manifest.display()))?;
    let have = record(dir)?;
    if want == have {
        return Ok(());
    }
    let split = |t: &str| -> std::collections::BTreeMap<String, String> {
        t.lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(p, w)| (p.to_string(), w.to_string()))
            .collect()
    };
    let (want, have) = (split(&want), split(&have));
    let mut diffs = Vec::new();
    for (p, w) in &want {
        match have.get(p) {
            None => diffs.push(format!("{p} is missing")),
            Some(h) if h != w => diffs.push(format!("{p} changed ({w} → {h})")),
            _ => {}
        }
    }
    for p in have.keys().filter(|p| !want.contains_key(*p)) {
        diffs.push(format!("{p} was added"));
    }
    let more = diffs.len().saturating_sub(5);
    diffs.truncate(5);
    bail!(
        "the build root is damaged (it differs from {}): {}{}",
        manifest.display(),
        diffs.join("; "),
        if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        }
    )
}

fn finish(
    cache: &Path,
    kernel: &Kernel,
    dir: PathBuf,
    release: String,
    cc: String,
    provision_secs: f64,
    bar: &ProgressBar,
) -> Result<Root> {
    let root = Root {
        kernel: kernel.clone(),
        dir,
        release,
        cc,
        vmlinux: None,
        provision_secs,
    };
    bar.set_message(format!("{}: extracting vmlinux", kernel.id));
    let vmlinux = match crate::host::vmlinux::cached(&root.bzimage(), cache, &root.release) {
        Ok(v) => Some(v),
        Err(e) => {
            note(
                bar,
                format!(
                    "kernel {}: {e:#}; booting the bzImage instead (slower)",
                    kernel.id
                ),
            );
            None
        }
    };
    Ok(Root { vmlinux, ..root })
}

/// The compiler named by the headers' CONFIG_CC_VERSION_TEXT.
fn compiler(dir: &Path, release: &str) -> Result<String> {
    let config_path = dir.join(format!("usr/src/linux-headers-{release}/.config"));
    let config = fs::read_to_string(&config_path)
        .with_context(|| format!("reading {}", config_path.display()))?;
    config
        .lines()
        .find_map(|l| l.strip_prefix("CONFIG_CC_VERSION_TEXT=\""))
        .and_then(|rest| rest.split_whitespace().next())
        .map(String::from)
        .context("CONFIG_CC_VERSION_TEXT missing from the headers' .config")
}

/// A finished root's kernel release and compiler, or why it is not usable.
fn check(dir: &Path, stamp_path: &Path, kernel: &Kernel) -> Result<(String, String)> {
    let stamp: Stamp = serde_json::from_str(
        &fs::read_to_string(stamp_path).context("no stamp: the root was never finished")?,
    )
    .context("unreadable stamp")?;
    if &stamp.kernel != kernel {
        bail!("kernels.toml changed for this kernel since the root was made");
    }
    let release = release_of(dir)?;
    if release != stamp.release {
        bail!("root holds kernel {release}, stamp says {}", stamp.release);
    }
    let cc = check_files(dir, &release)?;
    Ok((release, cc))
}

/// The one kernel release whose image is in `boot/`.
fn release_of(dir: &Path) -> Result<String> {
    let boot = dir.join("boot");
    let mut releases: Vec<String> = fs::read_dir(&boot)
        .with_context(|| format!("reading {}", boot.display()))?
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_prefix("vmlinuz-")
                .map(String::from)
        })
        .collect();
    match releases.len() {
        1 => Ok(releases.remove(0)),
        0 => bail!("no kernel image in {}", boot.display()),
        _ => bail!(
            "several kernel images in {}: {}",
            boot.display(),
            releases.join(", ")
        ),
    }
}

/// Checks that a root has what builds and boots need; returns the kernel's
/// compiler.
fn check_files(dir: &Path, release: &str) -> Result<String> {
    let headers = dir.join(format!("usr/src/linux-headers-{release}"));
    for needed in [
        headers.join("Makefile"),
        headers.join("Module.symvers"),
        headers.join(".config"),
        dir.join("usr/bin/make"),
        dir.join("bin/busybox"),
        dir.join("usr/lib/x86_64-linux-gnu/libc.a"),
        dir.join(format!("boot/vmlinuz-{release}")),
    ] {
        if !needed.exists() {
            bail!("{} is missing", needed.display());
        }
    }
    // The headers name the compiler the kernel was built with; it must be there.
    let cc = compiler(dir, release)?;
    if !dir.join("usr/bin").join(&cc).exists() {
        bail!("the kernel's compiler {cc} is not installed in the root");
    }
    Ok(cc)
}

fn create(tmp: &Path, kernel: &Kernel, bar: &ProgressBar) -> Result<()> {
    // As root, mmdebstrap mounts proc, sys and dev/pts into the new root in
    // the caller's mount namespace; interrupted, it leaves them mounted on
    // the host. In a private namespace they vanish with it. (Unprivileged,
    // its unshare mode makes namespaces of its own.)
    let mut cmd = if crate::host::prereq::is_root() {
        let mut c = Command::new("unshare");
        c.args(["--mount", "--propagation", "private", "--", "mmdebstrap"]);
        c
    } else {
        Command::new("mmdebstrap")
    };
    cmd.arg("--variant=apt")
        .arg("--aptopt=Acquire::Check-Valid-Until \"false\"")
        .arg("--aptopt=Acquire::Retries \"3\"")
        .arg("--dpkgopt=path-exclude=/usr/share/doc/*")
        .arg("--dpkgopt=path-exclude=/usr/share/man/*")
        .arg("--dpkgopt=path-exclude=/usr/share/locale/*")
        .arg(format!("--include={}", kernel.packages.join(",")))
        .arg(format!(
            "--customize-hook=mkdir -p \"$1{}\"",
            crate::host::sandbox::MOUNT
        ))
        .arg(&kernel.suite)
        .arg(tmp)
        .args(&kernel.mirrors)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if !crate::host::prereq::is_root() {
        cmd.arg("--mode=unshare");
    }
    let mut child = cmd
        .spawn()
        .context("starting mmdebstrap (under unshare when root)")?;
    let stderr = child.stderr.take().expect("piped");
    let started = Instant::now();
    let mut log = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap_or_default();
        if let Some(step) = line.strip_prefix("I: ") {
            bar.set_message(format!(
                "{} ({}): {} [{}s]",
                kernel.id,
                kernel.suite,
                step.trim_end_matches("..."),
                started.elapsed().as_secs()
            ));
        }
        log.push(line);
    }
    let status = child.wait()?;
    if status.success() {
        return Ok(());
    }
    Err(anyhow::anyhow!(explain_failure(&log, &kernel.suite)))
}

/// Turns mmdebstrap's log into one sentence naming the package and the suite.
pub fn explain_failure(log: &[String], suite: &str) -> String {
    for line in log {
        if let Some(rest) = line.strip_prefix("E: Failed to fetch ") {
            let url = rest.split_whitespace().next().unwrap_or(rest);
            let file = url.rsplit('/').next().unwrap_or(url);
            let package = file.split('_').next().unwrap_or(file);
            let why = rest
                .split_whitespace()
                .skip(1)
                .take_while(|w| !w.starts_with('['))
                .collect::<Vec<_>>()
                .join(" ");
            return format!(
                "the mirror did not serve package {package} of suite {suite} ({why}; {url})"
            );
        }
        if let Some(pkg) = line.strip_prefix("E: Unable to locate package ") {
            return format!("suite {suite} has no package {pkg}");
        }
        if line.starts_with("E: Package '") {
            return format!("suite {suite}: {}", line.trim_start_matches("E: "));
        }
    }
    let tail: Vec<&str> = log.iter().rev().take(8).rev().map(String::as_str).collect();
    format!(
        "mmdebstrap failed for suite {suite}; its last lines:\n{}",
        tail.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_download_names_package_and_suite() {
        // The failure seen here with bullseye-security among the mirror lines:
        // its index lists 5.10.262, its pool answers 404.
        let log = vec![
            "I: downloading packages with apt...".to_string(),
            "E: Failed to fetch http://deb.debian.org/debian-security/pool/updates/main/l/linux-signed-amd64/linux-headers-cloud-amd64_5.10.262-1_amd64.deb  404  Not Found [IP: 192.0.2.1 80]".to_string(),
        ];
        let msg = explain_failure(&log, "bullseye");
        assert!(
            msg.contains("package linux-headers-cloud-amd64 of suite bullseye"),
            "{msg}"
        );
        assert!(msg.contains("404 Not Found"), "{msg}");
        let msg = explain_failure(
            &["E: Unable to locate package busybox-statik".into()],
            "sid",
        );
        assert_eq!(msg, "suite sid has no package busybox-statik");
    }

    #[test]
    fn unfinished_root_is_not_used() {
        let tmp = std::env::temp_dir().join(format!("verify-prov-{}", std::process::id()));
        let dir = tmp.join("6.1");
        fs::create_dir_all(dir.join("boot")).unwrap();
        fs::write(dir.join("boot/vmlinuz-6.1.0-1-cloud-amd64"), b"").unwrap();
        let k = Kernel {
            id: "6.1".into(),
            suite: "bookworm".into(),
            mirrors: vec!["deb x bookworm main".into()],
            packages: vec![],
        };
        let err = check(&dir, &tmp.join("6.1.stamp.json"), &k).unwrap_err();
        assert!(format!("{err:#}").contains("never finished"), "{err:#}");
        let stamp = Stamp {
            kernel: k.clone(),
            release: "6.1.0-1-cloud-amd64".into(),
        };
        fs::write(
            tmp.join("6.1.stamp.json"),
            serde_json::to_string(&stamp).unwrap(),
        )
        .unwrap();
        let err = check(&dir, &tmp.join("6.1.stamp.json"), &k).unwrap_err();
        assert!(format!("{err:#}").contains("is missing"), "{err:#}");
        let mut other = k.clone();
        other.suite = "trixie".into();
        let err = check(&dir, &tmp.join("6.1.stamp.json"), &other).unwrap_err();
        assert!(
            format!("{err:#}").contains("kernels.toml changed"),
            "{err:#}"
        );
        fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn a_stamped_root_is_found_by_its_stamp_alone() {
        let cache = scratch("stamped");
        assert_eq!(stamped_root(&cache, "6.1"), None);
        fs::create_dir_all(roots_dir(&cache)).unwrap();
        fs::write(roots_dir(&cache).join("6.1.stamp.json"), "not json").unwrap();
        assert_eq!(stamped_root(&cache, "6.1"), None, "an unreadable stamp");
        let stamp = Stamp {
            kernel: Kernel {
                id: "6.1".into(),
                suite: "bookworm".into(),
                mirrors: vec![],
                packages: vec![],
            },
            release: "6.1.0-1-cloud-amd64".into(),
        };
        fs::write(
            roots_dir(&cache).join("6.1.stamp.json"),
            serde_json::to_string(&stamp).unwrap(),
        )
        .unwrap();
        assert_eq!(
            stamped_root(&cache, "6.1"),
            Some((cache.join("roots/6.1"), "6.1.0-1-cloud-amd64".into()))
        );
        fs::remove_dir_all(&cache).unwrap();
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("verify-prov-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn notes_reach_stderr_without_a_terminal() {
        let mut out = Vec::new();
        note_to(&ProgressBar::hidden(), "remaking the root", &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "remaking the root\n");
    }

    #[test]
    fn a_deleted_header_is_named_as_damage() {
        let tmp = scratch("damage");
        let root = tmp.join("root");
        let h = root.join("usr/src/linux-headers-6.1.0-1-cloud-amd64/include/linux");
        fs::create_dir_all(&h).unwrap();
        fs::write(h.join("kthread.h"), "/* kthread */").unwrap();
        fs::write(h.join("sched.h"), "/* sched */").unwrap();
        std::os::unix::fs::symlink("kthread.h", h.join("alias.h")).unwrap();
        fs::create_dir_all(root.join("tmp")).unwrap();
        let manifest = tmp.join("6.1.manifest");
        fs::write(&manifest, record(&root).unwrap()).unwrap();
        check_integrity(&root, &manifest).unwrap();
        // What builds write at run time is not part of the root.
        fs::write(root.join("tmp/cc123.s"), "").unwrap();
        check_integrity(&root, &manifest).unwrap();

        fs::remove_file(h.join("kthread.h")).unwrap();
        let msg = format!("{:#}", check_integrity(&root, &manifest).unwrap_err());
        assert!(
            msg.contains("damaged")
                && msg.contains(
                    "usr/src/linux-headers-6.1.0-1-cloud-amd64/include/linux/kthread.h is missing"
                ),
            "{msg}"
        );
        fs::write(h.join("kthread.h"), "/* kthread, truncated").unwrap();
        fs::write(root.join("etc-poison"), "").unwrap();
        let msg = format!("{:#}", check_integrity(&root, &manifest).unwrap_err());
        assert!(
            msg.contains("kthread.h changed") && msg.contains("etc-poison was added"),
            "{msg}"
        );
        fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn stale_temporary_roots_are_removed_and_live_ones_kept() {
        let roots = scratch("stale");
        let stale = roots.join(".tmp-6.1-4000000000");
        fs::create_dir_all(stale.join("usr/bin")).unwrap();
        fs::write(stale.join("usr/bin/make"), "").unwrap();
        let ours = roots.join(format!(".tmp-6.1-{}", std::process::id()));
        let other_kernel = roots.join(".tmp-6.12-4000000000");
        fs::create_dir_all(&ours).unwrap();
        fs::create_dir_all(&other_kernel).unwrap();
        clean_stale(&roots, "6.1", &ProgressBar::hidden()).unwrap();
        assert!(!stale.exists());
        assert!(ours.exists() && other_kernel.exists());
        fs::remove_dir_all(&roots).unwrap();
    }
}
