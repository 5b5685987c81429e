//! Building a listing inside its kernel's build root, never with the host
//! toolchain: the module must be built by the compiler its kernel was built
//! with (DESIGN.md §2).

use crate::provision::Root;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Where the example's sources are mounted inside the root.
const MOUNT: &str = "/mnt/kthread-book-build";

#[derive(Debug)]
pub struct Built {
    /// The `.ko` files, when the build succeeded.
    pub modules: Vec<PathBuf>,
    /// make's combined output.
    pub log: String,
    pub ok: bool,
    pub secs: f64,
}

impl Built {
    /// Compiler and modpost warnings (W=1 must be warning-free).
    pub fn warnings(&self) -> Vec<&str> {
        self.log
            .lines()
            .filter(|l| l.contains("warning:") || l.starts_with("WARNING: modpost"))
            .collect()
    }

    /// The compiler's diagnostics as the book shows a build error: make's own
    /// chatter dropped, paths made relative to the example.
    pub fn diagnostics(&self) -> String {
        let mut out = Vec::new();
        for line in self.log.lines() {
            let l = line.trim_end();
            if l.starts_with("make")
                || l.trim_start().starts_with("CC [M]")
                || l.trim_start().starts_with("MODPOST")
                || l.trim_start().starts_with("LD [M]")
                || l.trim_start().starts_with("CC ")
                || l.trim_start().starts_with("BTF")
                || l.starts_with("# ")
                || l.is_empty()
            {
                continue;
            }
            out.push(l.replace(&format!("{MOUNT}/"), "").replace(MOUNT, "."));
        }
        out.join("\n")
    }
}

/// Copies the listing's sources (not its manifest or snapshots) to `work` and
/// runs `make W=1 modules` there, inside the root, in a private mount namespace.
/// `work` must be held with `run::lock` by the caller.
pub fn build(root: &Root, example: &Path, work: &Path) -> Result<Built> {
    if work.exists() {
        std::fs::remove_dir_all(work).with_context(|| format!("cleaning {}", work.display()))?;
    }
    std::fs::create_dir_all(work)?;
    for entry in std::fs::read_dir(example)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_file()
            && (name.ends_with(".c") || name.ends_with(".h") || name == "Kbuild")
        {
            std::fs::copy(entry.path(), work.join(&*name))?;
        }
    }
    // Listings share headers through kmods/include.
    if let Some(include) = example
        .parent()
        .map(|p| p.join(crate::manifest::SHARED_DIR))
    {
        if include.is_dir() {
            for entry in std::fs::read_dir(&include)? {
                let entry = entry?;
                std::fs::copy(entry.path(), work.join(entry.file_name()))?;
            }
        }
    }
    let started = Instant::now();
    let make = format!("make -C '{}' M={MOUNT} W=1 modules", root.headers());
    let out = in_root(root, work, &make)?;
    let mut log = String::from_utf8_lossy(&out.stdout).into_owned();
    log.push_str(&String::from_utf8_lossy(&out.stderr));
    let mut modules: Vec<PathBuf> = std::fs::read_dir(work)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ko"))
        .collect();
    modules.sort();
    Ok(Built {
        ok: out.status.success() && !modules.is_empty(),
        modules,
        log,
        secs: started.elapsed().as_secs_f64(),
    })
}

/// Runs `command` in the root with `work` mounted at MOUNT, in a private mount
/// namespace so nothing is left mounted on the host.
fn in_root(root: &Root, work: &Path, command: &str) -> Result<std::process::Output> {
    let mountpoint = root.dir.join(MOUNT.trim_start_matches('/'));
    std::fs::create_dir_all(&mountpoint)
        .with_context(|| format!("creating {}", mountpoint.display()))?;
    let r = root.dir.display().to_string();
    // objtool reads /proc, so the root needs one.
    let script = format!(
        "set -e; mount --rbind /proc '{r}/proc'; mount --bind '{w}' '{r}{MOUNT}'; \
         exec chroot '{r}' sh -c \"cd {MOUNT} && {command}\"",
        w = work.display(),
    );
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--fork"]);
    if !crate::prereq::is_root() {
        cmd.arg("--map-root-user");
    }
    cmd.args(["sh", "-c", &script])
        .env("LC_ALL", "C")
        .output()
        .context("running unshare to build inside the root")
}

/// Builds the guest's insmod (verify/guest/insmod.c) statically with the
/// root's compiler.
pub fn guest_insmod(root: &Root, work: &Path) -> Result<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("guest/insmod.c");
    let _lock = crate::run::lock(work)?;
    let bin = work.join("insmod");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&bin).is_some() && modified(&bin) >= modified(&src) {
        return Ok(bin);
    }
    std::fs::copy(&src, work.join("insmod.c"))
        .with_context(|| format!("copying {}", src.display()))?;
    // sid's roots have only the target-prefixed linker, which the kernel's
    // Makefile names itself; a plain compiler call looks for `ld`.
    let prefix = if root.dir.join("usr/bin/ld").exists() {
        String::new()
    } else {
        let link = work.join("ld");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("/usr/bin/x86_64-linux-gnu-ld", &link)?;
        format!("-B{MOUNT}/ ")
    };
    let out = in_root(
        root,
        work,
        &format!(
            "{} {prefix}-static -O2 -Wall -Wextra -Werror -o insmod insmod.c",
            root.cc
        ),
    )?;
    if !out.status.success() {
        anyhow::bail!(
            "building the guest's insmod for kernel {} failed:\n{}{}",
            root.kernel.id,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(bin)
}
