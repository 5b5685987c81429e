//! Build roots: one Debian chroot per kernel of the matrix, made with
//! mmdebstrap, kept in a cache outside the repository (DESIGN.md §2).
//!
//! A root is created in a temporary directory and renamed into place only when
//! it passed its checks, so a crash or a failed download never leaves a
//! half-made root where a later run would use it. A lock file per kernel keeps
//! two runs from making the same root at once.

use crate::matrix::Kernel;
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
    pub kernel: Kernel,
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
    pub fn headers(&self) -> String {
        format!("/usr/src/linux-headers-{}", self.release)
    }
    pub fn bzimage(&self) -> PathBuf {
        self.dir.join(format!("boot/vmlinuz-{}", self.release))
    }
    pub fn busybox(&self) -> PathBuf {
        self.dir.join("bin/busybox")
    }
}

/// What a finished root records about itself; a root whose stamp does not
/// match the matrix entry is stale and is made again.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Stamp {
    kernel: Kernel,
    release: String,
}

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

/// Returns a checked root for `kernel`, creating it when it is missing or stale.
pub fn ensure(cache: &Path, kernel: &Kernel, bar: &ProgressBar) -> Result<Root> {
    let roots = roots_dir(cache);
    fs::create_dir_all(&roots).with_context(|| format!("creating {}", roots.display()))?;
    let dir = roots.join(&kernel.id);
    let stamp_path = roots.join(format!("{}.stamp.json", kernel.id));

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

    match check(&dir, &stamp_path, kernel) {
        Ok((release, cc)) => return finish(cache, kernel, dir, release, cc, 0.0, bar),
        Err(why) if dir.exists() || stamp_path.exists() => {
            bar.println(format!(
                "build root {} is not usable ({why:#}); making it again",
                dir.display()
            ));
            let _ = fs::remove_file(&stamp_path);
            fs::remove_dir_all(&dir).ok();
        }
        Err(_) => {}
    }

    let started = Instant::now();
    let tmp = roots.join(format!(".tmp-{}-{}", kernel.id, std::process::id()));
    let result = create(&tmp, kernel, bar).and_then(|()| {
        let release = release_of(&tmp)?;
        let cc = check_files(&tmp, &release)?;
        Ok((release, cc))
    });
    let (release, cc) = match result {
        Ok(r) => r,
        Err(e) => {
            fs::remove_dir_all(&tmp).ok();
            return Err(e.context(format!(
                "could not make the build root for kernel {} (Debian {}); nothing was left behind in {}",
                kernel.id,
                kernel.suite,
                roots.display()
            )));
        }
    };
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
    let vmlinux = match crate::vmlinux::cached(&root.bzimage(), cache, &root.release) {
        Ok(v) => Some(v),
        Err(e) => {
            bar.println(format!(
                "kernel {}: {e:#}; booting the bzImage instead (slower)",
                kernel.id
            ));
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
    let mut cmd = Command::new("mmdebstrap");
    cmd.arg("--variant=apt")
        .arg("--aptopt=Acquire::Check-Valid-Until \"false\"")
        .arg("--aptopt=Acquire::Retries \"3\"")
        .arg("--dpkgopt=path-exclude=/usr/share/doc/*")
        .arg("--dpkgopt=path-exclude=/usr/share/man/*")
        .arg("--dpkgopt=path-exclude=/usr/share/locale/*")
        .arg(format!("--include={}", kernel.packages.join(",")))
        .arg(&kernel.suite)
        .arg(tmp)
        .args(&kernel.mirrors)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if !crate::prereq::is_root() {
        cmd.arg("--mode=unshare");
    }
    let mut child = cmd.spawn().context("starting mmdebstrap")?;
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
}
