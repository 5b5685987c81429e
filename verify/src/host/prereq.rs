//! Host prerequisites, checked before anything else runs.

use anyhow::{bail, Result};
use std::path::Path;
use std::process::Command;

/// (programs on PATH or absolute paths, any one of which will do; the
/// Debian package that provides the first)
pub const REQUIRED: &[(&[&str], &str)] = &[
    (&["qemu-system-x86_64"], "qemu-system-x86"),
    (&["mmdebstrap"], "mmdebstrap"),
    // mmdebstrap runs in a private mount namespace (provision), so an
    // interrupted root leaves nothing mounted on the host.
    (&["unshare"], "util-linux"),
    // Every listing's build runs in a bubblewrap sandbox (sandbox.rs).
    (&["bwrap"], "bubblewrap"),
    // Unprivileged, mmdebstrap's unshare mode maps the user's subordinate
    // ids with newuidmap/newgidmap.
    (&["newuidmap"], "uidmap"),
    // mmdebstrap checks the suites' signatures; Ubuntu hosts lack Debian's keys.
    (
        &["/usr/share/keyrings/debian-archive-keyring.gpg"],
        "debian-archive-keyring",
    ),
    // The book's browser tests (tests/book.rs) read the pages in headless
    // Chromium: the one tool of the book that cannot be a library.
    (&CHROMIUMS, "chromium"),
    // Chinese pages in those screenshots need a CJK font, or show empty boxes.
    (
        &["/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"],
        "fonts-wqy-microhei",
    ),
];

/// The names a Chromium goes by on PATH, in the order the browser tests try them.
pub const CHROMIUMS: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// Whether `program` is a file on `$PATH` (or, given as an absolute path,
/// a file there). The execute bit is not checked.
pub fn on_path(program: &str) -> bool {
    if program.starts_with('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// Whether verify runs as root (effective uid 0), which may install the
/// missing packages itself.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The packages whose programs are missing, in `REQUIRED` order.
pub fn missing_packages(present: impl Fn(&str) -> bool) -> Vec<&'static str> {
    let mut pkgs: Vec<&str> = REQUIRED
        .iter()
        .filter(|(progs, _)| !progs.iter().any(|p| present(p)))
        .map(|(_, pkg)| *pkg)
        .collect();
    pkgs.dedup();
    pkgs
}

/// The command a user other than root runs to install `pkgs`.
pub fn install_command(pkgs: &[&str]) -> String {
    format!("sudo apt-get install -y {}", pkgs.join(" "))
}

/// Installs what is missing when running as root; otherwise stops with the
/// exact command to run. One caller at a time in a process (test threads
/// share it): apt-get holds dpkg's lock.
pub fn ensure() -> Result<()> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let missing = missing_packages(on_path);
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() || !Path::new("/usr/bin/apt-get").exists() {
        bail!(
            "missing host tools ({}). Install them with:\n    {}",
            missing.join(", "),
            install_command(&missing)
        );
    }
    eprintln!("installing missing host packages: {}", missing.join(" "));
    // A second round after a failed install: `apt-get update` exits 0 even
    // when some index could not be fetched (a mirror mid-sync), and the
    // stale lists then name versions the mirror no longer has ("Can't find
    // a source to download version"), seen on a fresh machine.
    let mut updated = false;
    let mut installed = false;
    for _ in 0..2 {
        updated = Command::new("apt-get")
            .args(["update", "-q"])
            .status()?
            .success();
        installed = Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()?
            .success();
        if installed {
            break;
        }
    }
    if !installed {
        bail!(
            "apt-get could not install {} (apt-get update {}); try by hand:\n    sudo apt-get update && {}",
            missing.join(" "),
            if updated { "passed" } else { "failed too" },
            install_command(&missing)
        );
    }
    let still = missing_packages(on_path);
    if !still.is_empty() {
        bail!("still missing after apt-get install: {}", still.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_packages_and_the_command() {
        let missing = missing_packages(|p| {
            p == "unshare"
                || p == "bwrap"
                || p == "newuidmap"
                || p.starts_with('/')
                || p == "google-chrome"
        });
        assert_eq!(missing, ["qemu-system-x86", "mmdebstrap"]);
        assert_eq!(
            missing_packages(|p| !p.contains("chrom") && !p.ends_with(".ttc")),
            ["chromium", "fonts-wqy-microhei"]
        );
        assert_eq!(
            missing_packages(|p| !p.ends_with(".gpg")),
            ["debian-archive-keyring"]
        );
        assert_eq!(
            install_command(&missing),
            "sudo apt-get install -y qemu-system-x86 mmdebstrap"
        );
        assert!(missing_packages(|_| true).is_empty());
        assert_eq!(missing_packages(|p| p != "bwrap"), ["bubblewrap"]);
    }

    /// CI installs the host packages from .ci/host-packages before verify
    /// runs; a package REQUIRED here and missing there would fail CI only
    /// on a machine without it.
    #[test]
    fn ci_installs_every_required_package() {
        let list = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/host-packages"),
        )
        .unwrap();
        let listed: Vec<&str> = list.lines().filter(|l| !l.starts_with('#')).collect();
        for (_, package) in REQUIRED {
            assert!(
                listed.contains(package),
                "{package} is not in .ci/host-packages"
            );
        }
    }
}
