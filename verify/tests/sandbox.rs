//! The build sandbox against the hostile listings of issue 9 (needs the
//! build roots; made on first use in the user's cache).

mod common;

use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Instant;
use verify::host::matrix::Matrix;
use verify::host::provision::{self, Root};

fn root(id: &str) -> Root {
    let m = Matrix::load(&common::repo().join("kernels.toml")).unwrap();
    let k = m.select(&[id.to_string()]).unwrap().remove(0);
    provision::ensure(&provision::default_cache_dir(), &k, &ProgressBar::hidden()).unwrap()
}

/// A fresh directory `target/verify-cases/TEST/`.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = common::repo().join("target/verify-cases").join(test);
    if dir.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// FNV-1a, enough to see any change of a file's bytes.
fn fnv(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x100000001b3);
    }
    h
}

/// Every entry of the tree (links not followed, other file systems not
/// entered): its mode, owner, and its bytes' hash (regular files) or target
/// (links).
fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(top: &Path, p: &Path, dev: u64, out: &mut BTreeMap<PathBuf, String>) {
        let m = p.symlink_metadata().unwrap();
        if m.dev() != dev {
            return;
        }
        let what = if m.file_type().is_symlink() {
            format!("-> {}", std::fs::read_link(p).unwrap().display())
        } else if m.is_file() {
            let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            format!("{} {:x}", bytes.len(), fnv(&bytes, 0xcbf29ce484222325))
        } else {
            String::new()
        };
        let rel = p.strip_prefix(top).unwrap().to_path_buf();
        out.insert(
            rel,
            format!(
                "{:o} {}:{} {what}",
                m.permissions().mode(),
                m.uid(),
                m.gid()
            ),
        );
        if m.is_dir() {
            for e in std::fs::read_dir(p).unwrap() {
                walk(top, &e.unwrap().path(), dev, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    let dev = dir.symlink_metadata().unwrap().dev();
    walk(dir, dir, dev, &mut out);
    // A build of an older verify running at the same time (chroot, no
    // sandbox) leaves the compiler's temporaries in the root's /tmp; the
    // sandbox mounts a fresh tmpfs there, so nothing of it is looked at.
    out.retain(|p, _| !p.starts_with("tmp") || p == Path::new("tmp"));
    out
}

/// trust/kbuild_escape: a Kbuild whose `$(shell …)` walks `/proc/*/root`
/// to the host, reads a planted secret, writes next to it, and writes into
/// the build root. In the sandbox none of it works, the build runs as an
/// unprivileged uid, and the build root is byte-identical afterwards; an
/// ordinary listing still builds.
#[test]
fn kbuild_cannot_escape_the_sandbox() {
    let r = root("6.1");
    let dir = scratch_dir("sandbox-escape");
    // The case looks in /tmp/kthread-book-trust, as its README says.
    let trust = Path::new("/tmp/kthread-book-trust");
    std::fs::create_dir_all(trust).unwrap();
    std::fs::write(trust.join("secret.txt"), "HOST-SECRET-42\n").unwrap();
    let _ = std::fs::remove_file(trust.join("ESCAPED_WRITE"));

    let started = Instant::now();
    let before = tree(&r.dir);
    eprintln!(
        "hashing the 6.1 root ({} entries) took {:.1}s",
        before.len(),
        started.elapsed().as_secs_f64()
    );

    let built = verify::host::kbuild::build(
        &r,
        &common::case("trust", "kbuild_escape"),
        &dir.join("escape"),
    )
    .unwrap();
    assert!(built.ok, "{}", built.log);
    let work = dir.join("escape");
    let escape = std::fs::read_to_string(work.join("escape.txt")).unwrap_or_default();
    assert!(
        !escape.contains("HOST-SECRET"),
        "the secret was read: {escape}"
    );
    assert!(
        !trust.join("ESCAPED_WRITE").exists(),
        "the build wrote next to the secret"
    );
    let id = std::fs::read_to_string(work.join("kbuild_id.txt")).unwrap();
    assert!(id.starts_with("uid="), "{id}");
    assert!(!id.starts_with("uid=0("), "the build ran as root: {id}");
    // The build's own files belong to an unprivileged uid on the host too.
    let owner = work
        .join("kbuild_escape.ko")
        .symlink_metadata()
        .unwrap()
        .uid();
    assert_ne!(owner, 0, "the .ko was written by root on the host");

    let after = tree(&r.dir);
    assert!(
        !r.dir.join("etc/kthread-book-poison").exists(),
        "the build root was poisoned"
    );
    let changed: Vec<_> = before
        .iter()
        .filter(|(p, v)| after.get(*p) != Some(v))
        .map(|(p, _)| p.display().to_string())
        .chain(
            after
                .keys()
                .filter(|p| !before.contains_key(*p))
                .map(|p| format!("new {}", p.display())),
        )
        .collect();
    assert!(changed.is_empty(), "the build root changed: {changed:?}");

    let ordinary = verify::host::kbuild::build(
        &r,
        &common::repo().join("kmods/stop_after_run"),
        &dir.join("ordinary"),
    )
    .unwrap();
    assert!(ordinary.ok, "{}", ordinary.log);
    assert_eq!(ordinary.modules.len(), 1);
}

/// The guest's insmod builds in the sandbox on every kernel (sid's root has
/// only the target-prefixed linker).
#[test]
fn guest_insmod_builds_on_every_kernel() {
    let dir = scratch_dir("sandbox-insmod");
    for id in common::kernels() {
        let r = root(&id);
        let bin = verify::host::kbuild::guest_insmod(&r, &dir.join(&id)).unwrap();
        assert!(bin.symlink_metadata().unwrap().is_file(), "{id}");
    }
}

/// Build time of one ordinary listing on every kernel (three builds each,
/// the best kept); prints the numbers for the report.
#[test]
#[ignore = "timing only; run by hand"]
fn build_times() {
    let work = scratch_dir("sandbox-times");
    let example = common::repo().join("kmods/stop_after_run");
    for id in common::kernels() {
        let started = Instant::now();
        let r = root(&id);
        eprintln!(
            "checking the {id} root: {:.2}s",
            started.elapsed().as_secs_f64()
        );
        let mut best = f64::MAX;
        for i in 0..3 {
            let started = Instant::now();
            let b =
                verify::host::kbuild::build(&r, &example, &work.join(format!("{id}-{i}"))).unwrap();
            assert!(b.ok, "{}", b.log);
            assert!(b.warnings().is_empty(), "{}", b.log);
            best = best.min(started.elapsed().as_secs_f64());
        }
        eprintln!("build time {id}: {best:.2}s (best of 3)");
    }
}

/// A listing directory `DIR/kmods/NAME` copied from `tests/cases/trust/NAME`,
/// with the project's kmods/include.
fn listing(dir: &Path, name: &str) -> PathBuf {
    let kmods = dir.join("kmods");
    common::copy_tree(
        &common::repo().join("kmods/include"),
        &kmods.join("include"),
    );
    common::copy_tree(&common::case("trust", name), &kmods.join(name));
    kmods.join(name)
}

/// trust/leak_ko: the Kbuild makes `zz_leak.ko` a symbolic link to a host
/// file; the build fails naming it, and nothing is packed.
#[test]
fn a_ko_that_is_a_link_is_refused() {
    let r = root("6.1");
    let dir = scratch_dir("sandbox-leak-ko");
    let example = listing(&dir, "leak_ko");
    let err = verify::host::kbuild::build(&r, &example, &dir.join("work"))
        .map(|b| b.modules)
        .unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("zz_leak.ko") && msg.contains("symbolic link"),
        "{msg}"
    );
}

/// trust/inc_leak, and the same kind of link among a listing's own files:
/// refused by name before anything is built, never copied with its target.
#[test]
fn links_among_sources_are_refused() {
    let r = root("6.1");
    let dir = scratch_dir("sandbox-inc-leak");
    let example = listing(&dir, "inc_leak");
    let secret = dir.join("secret.txt");
    std::fs::write(&secret, "HOST-SECRET-42\n").unwrap();
    let link = dir.join("kmods/include/zz_inc_leak.h");
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    let err = verify::host::kbuild::build(&r, &example, &dir.join("work")).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains(&link.display().to_string()) && msg.contains("symbolic link"),
        "{msg}"
    );
    assert!(!dir.join("work/zz_inc_leak.h").exists());

    std::fs::remove_file(&link).unwrap();
    let c = example.join("extra.h");
    std::os::unix::fs::symlink(&secret, &c).unwrap();
    let msg = format!(
        "{:#}",
        verify::host::kbuild::build(&r, &example, &dir.join("work")).unwrap_err()
    );
    assert!(msg.contains(&c.display().to_string()), "{msg}");
}

/// A listing without Kbuild (nor Makefile) is named as such, not reported as
/// whatever make prints about an empty directory.
#[test]
fn a_missing_kbuild_is_named() {
    let r = root("6.1");
    let dir = scratch_dir("sandbox-no-kbuild");
    let example = listing(&dir, "kbuild_escape");
    std::fs::remove_file(example.join("Kbuild")).unwrap();
    let msg = format!(
        "{:#}",
        verify::host::kbuild::build(&r, &example, &dir.join("work")).unwrap_err()
    );
    assert!(
        msg.contains("has no Kbuild") && msg.contains("kbuild_escape"),
        "{msg}"
    );
}

/// trust/env/kernels_dotdot_id.toml: a kernel id `..` (roots/.. is the cache
/// itself, deleted as a "stale root") is refused before the cache is
/// touched; the error names the id.
#[test]
fn a_dotdot_kernel_id_touches_nothing() {
    let dir = scratch_dir("sandbox-dotdot");
    // Any listing that is not also a simulation (those run before the matrix is needed).
    common::copy_tree(
        &common::case("trust", "forge_step"),
        &dir.join("kmods/forge_step"),
    );
    std::fs::copy(
        common::case("trust", "env").join("kernels_dotdot_id.toml"),
        dir.join("kernels.toml"),
    )
    .unwrap();
    let cache = dir.join("cache");
    std::fs::create_dir_all(cache.join("roots")).unwrap();
    std::fs::write(cache.join("canary"), "still here").unwrap();
    let ran = common::verify(
        &dir,
        &["--cache-dir", cache.to_str().unwrap(), "forge_step"],
    );
    assert!(!ran.status.success(), "{}", ran.stderr);
    assert!(ran.stderr.contains("kernel id `..`"), "{}", ran.stderr);
    assert_eq!(
        std::fs::read_to_string(cache.join("canary")).unwrap(),
        "still here"
    );
    assert!(cache.join("roots").is_dir());
}

/// A root damaged after it was made (a header deleted) is named as damaged
/// by the integrity check, not left for a listing's build to fail on. The
/// real 6.1 root is copied with hard links; only the copy loses the file.
#[test]
fn a_damaged_root_is_named() {
    let r = root("6.1");
    let dir = scratch_dir("sandbox-damaged");
    let copy = dir.join("6.1");
    let started = Instant::now();
    let cp = std::process::Command::new("cp")
        .arg("-al")
        .arg(&r.dir)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(cp.success());
    let manifest = provision::manifest_path(&provision::default_cache_dir(), "6.1");
    provision::check_integrity(&copy, &manifest).unwrap();
    eprintln!(
        "copy and check of the 6.1 root: {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let header = format!(
        "usr/src/linux-headers-{}/include/linux/kthread.h",
        r.release
    );
    let header = if copy.join(&header).exists() {
        header
    } else {
        // Debian splits the headers: the common part holds include/.
        let common = std::fs::read_dir(copy.join("usr/src"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .find(|n| {
                n.ends_with("-common")
                    && copy
                        .join("usr/src")
                        .join(n)
                        .join("include/linux/kthread.h")
                        .exists()
            })
            .expect("kthread.h in the headers");
        format!("usr/src/{common}/include/linux/kthread.h")
    };
    std::fs::remove_file(copy.join(&header)).unwrap();
    let msg = format!(
        "{:#}",
        provision::check_integrity(&copy, &manifest).unwrap_err()
    );
    assert!(
        msg.contains("damaged") && msg.contains(&format!("{header} is missing")),
        "{msg}"
    );
    // The real root still has it.
    provision::check_integrity(&r.dir, &manifest).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A root that could not be made: the error says nothing was left behind
/// only when nothing was; a temporary root that an interrupted older run
/// left with a host directory mounted in it is cleaned at start without
/// deleting through the mount, and said so.
#[test]
fn failed_and_stale_roots_are_cleaned() {
    if !verify::host::prereq::is_root() {
        eprintln!("skipped: needs root to mount");
        return;
    }
    // Mounts made here stay in this thread's own namespace.
    unsafe {
        assert_eq!(libc::unshare(libc::CLONE_NEWNS), 0);
        let slash = std::ffi::CString::new("/").unwrap();
        assert_eq!(
            libc::mount(
                std::ptr::null(),
                slash.as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null()
            ),
            0
        );
    }
    let dir = scratch_dir("sandbox-failed-root");
    let cache = dir.join("cache");
    let host = dir.join("host");
    std::fs::create_dir_all(&host).unwrap();
    std::fs::write(host.join("precious"), "keep").unwrap();
    let stale = cache.join("roots/.tmp-t1-4000000000");
    std::fs::create_dir_all(stale.join("proc")).unwrap();
    let bind = std::process::Command::new("mount")
        .arg("--bind")
        .arg(&host)
        .arg(stale.join("proc"))
        .status()
        .unwrap();
    assert!(bind.success());

    let kernel = verify::host::matrix::Kernel {
        id: "t1".into(),
        suite: "bookworm".into(),
        // Nothing listens on port 9: mmdebstrap fails at once.
        mirrors: vec!["deb http://127.0.0.1:9/debian bookworm main".into()],
        packages: vec!["make".into()],
    };
    let err = provision::ensure(&cache, &kernel, &ProgressBar::hidden()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("nothing was left behind"), "{msg}");
    assert_eq!(
        std::fs::read_to_string(host.join("precious")).unwrap(),
        "keep"
    );
    assert!(!stale.exists(), "the stale root is still there");
    let left: Vec<_> = std::fs::read_dir(cache.join("roots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let mounts = std::fs::read_to_string("/proc/thread-self/mountinfo").unwrap();
    assert!(
        !mounts.contains(cache.to_str().unwrap()),
        "still mounted under the cache:\n{mounts}"
    );
}
