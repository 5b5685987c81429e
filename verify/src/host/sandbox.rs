//! The build sandbox. A listing's `Kbuild` is code (`$(shell …)` runs during
//! `make`), so every build runs under bubblewrap: an unprivileged uid inside
//! and outside, its own user, pid, mount, network, ipc and uts namespaces,
//! its own `/proc` (objtool reads it) and `/dev`, a fresh `/tmp`, the build
//! root read-only as `/`, and only the listing's scratch copy writable, at
//! [`MOUNT`]. The environment is cleared.
//!
//! When verify runs as root, the sandbox runs as [`NOBODY`]: bubblewrap is
//! started with that uid, after the root and the scratch directory were
//! bind-mounted (in a private mount namespace of the starting process only)
//! under a directory that uid can reach — the cache usually lives under
//! `/root`, which it cannot. The scratch directory must belong to that uid
//! ([`hand_over`]).

use anyhow::{bail, Context, Result};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Where the listing's scratch copy is mounted inside the sandbox; the
/// normalization and the book strip it from paths.
pub const MOUNT: &str = "/mnt/kthread-book-build";

/// The uid and gid a build runs as when verify runs as root (Debian's
/// `nobody`/`nogroup`).
pub const NOBODY: u32 = 65534;

/// Where, in the private mount namespace of a root-started sandbox, the root
/// and the scratch directory are staged for bubblewrap to bind. An existing
/// directory is over-mounted with a tmpfs there, so nothing appears on the host.
const STAGE: &str = "/mnt";

/// `PATH` inside the sandbox.
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Gives the scratch directory `dir` (and everything in it, links not
/// followed) to the uid the sandbox runs as; nothing to do when verify does
/// not run as root.
pub fn hand_over(dir: &Path) -> Result<()> {
    if !crate::host::prereq::is_root() {
        return Ok(());
    }
    fn walk(p: &Path) -> Result<()> {
        std::os::unix::fs::lchown(p, Some(NOBODY), Some(NOBODY))
            .with_context(|| format!("giving {} to uid {NOBODY}", p.display()))?;
        if p.symlink_metadata()?.is_dir() {
            for e in std::fs::read_dir(p)? {
                walk(&e?.path())?;
            }
        }
        Ok(())
    }
    walk(dir)
}

fn cstr(p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes())
        .with_context(|| format!("{} has a NUL byte", p.display()))
}

/// Runs `argv` in the sandbox with `root` as `/` (read-only) and `work` at
/// [`MOUNT`] (writable, the working directory). Returns its output; a
/// failure to start the sandbox at all is an error.
pub fn run(root: &Path, work: &Path, argv: &[&str]) -> Result<Output> {
    // bubblewrap makes the mount points of its binds; the root is read-only
    // to it, so the scratch mount point must be there already (provision
    // makes it with the root).
    if !root.join(MOUNT.trim_start_matches('/')).is_dir() {
        bail!(
            "the build root {} has no {MOUNT}; it was made by an older verify: delete it to have it made again",
            root.display()
        );
    }
    let as_root = crate::host::prereq::is_root();
    let (root_src, work_src) = if as_root {
        (Path::new(STAGE).join("root"), Path::new(STAGE).join("work"))
    } else {
        (root.to_path_buf(), work.to_path_buf())
    };
    let mut cmd = Command::new("bwrap");
    cmd.args([
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
    ])
    .arg("--ro-bind")
    .arg(&root_src)
    .arg("/")
    .args(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"])
    .arg("--bind")
    .arg(&work_src)
    .arg(MOUNT)
    .args(["--chdir", MOUNT, "--clearenv"])
    .args(["--setenv", "PATH", PATH])
    .args(["--setenv", "LC_ALL", "C"])
    .args(["--setenv", "HOME", "/tmp"])
    .arg("--")
    .args(argv)
    .env_clear()
    .env("PATH", PATH)
    .stdin(Stdio::null());
    if as_root {
        if !Path::new(STAGE).is_dir() {
            bail!("{STAGE} is missing on this host; the build sandbox stages its mounts over it (in a private namespace): create it with `mkdir {STAGE}`");
        }
        let stage = cstr(Path::new(STAGE))?;
        let stage_root = cstr(&root_src)?;
        let stage_work = cstr(&work_src)?;
        let root = cstr(root)?;
        let work = cstr(work)?;
        let tmpfs = CString::new("tmpfs").unwrap();
        let opts = CString::new("mode=0755,size=64k").unwrap();
        let slash = CString::new("/").unwrap();
        // SAFETY: only async-signal-safe system calls on memory prepared
        // before the fork.
        unsafe {
            cmd.pre_exec(move || {
                let check = |r: libc::c_int| {
                    if r == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                };
                let null = std::ptr::null();
                check(libc::unshare(libc::CLONE_NEWNS))?;
                check(libc::mount(
                    null,
                    slash.as_ptr(),
                    null,
                    libc::MS_REC | libc::MS_PRIVATE,
                    null as _,
                ))?;
                check(libc::mount(
                    tmpfs.as_ptr(),
                    stage.as_ptr(),
                    tmpfs.as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV,
                    opts.as_ptr() as _,
                ))?;
                check(libc::mkdir(stage_root.as_ptr(), 0o755))?;
                check(libc::mkdir(stage_work.as_ptr(), 0o755))?;
                // Not recursive: whatever is mounted inside the root stays out.
                check(libc::mount(
                    root.as_ptr(),
                    stage_root.as_ptr(),
                    null,
                    libc::MS_BIND,
                    null as _,
                ))?;
                check(libc::mount(
                    work.as_ptr(),
                    stage_work.as_ptr(),
                    null,
                    libc::MS_BIND,
                    null as _,
                ))?;
                check(libc::setgroups(0, std::ptr::null()))?;
                check(libc::setresgid(NOBODY, NOBODY, NOBODY))?;
                check(libc::setresuid(NOBODY, NOBODY, NOBODY))?;
                Ok(())
            });
        }
    }
    cmd.output()
        .context("starting bubblewrap (bwrap) for the build sandbox")
}
