//! Building a listing inside its kernel's build root, never with the host
//! toolchain: the module must be built by the compiler its kernel was built
//! with (DESIGN.md §2).

use crate::host::build_cache;
use crate::host::provision::Root;
use crate::host::sandbox::{self, MOUNT};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `make W=1 modules` left in the work directory.
#[derive(Debug)]
pub struct Built {
    /// The `.ko` files, when the build succeeded.
    pub modules: Vec<PathBuf>,
    /// make's combined output.
    pub log: String,
    /// `make` succeeded and left at least one `.ko`; `false` is the listing's
    /// build error, an outcome rather than an `Err`.
    pub ok: bool,
    /// Wall seconds `make` took (the copy of the sources not counted); for
    /// a kept build, what it took when it was made.
    pub secs: f64,
    /// Whether this result came from the kept builds ([`build_cached`])
    /// rather than a `make` of this run.
    pub cached: bool,
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
/// runs `make W=1 modules` there, inside the root, in the build sandbox
/// ([`crate::host::sandbox`]). `work` must be held with `workdir::lock` by
/// the caller.
///
/// Errors (rather than a build-error outcome, which a scenario could expect):
/// a symbolic link or special file among the listing's files or under
/// `kmods/include/`, a listing with neither `Kbuild` nor `Makefile`, and a
/// `.ko` that the build left as anything but a regular file.
pub fn build(root: &Root, example: &Path, work: &Path) -> Result<Built> {
    let sources = sources(example)?;
    if work.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(work).with_context(|| format!("cleaning {}", work.display()))?;
    }
    std::fs::create_dir_all(work)?;
    for src in &sources {
        copy_regular(src, &work.join(src.file_name().expect("a file")))?;
    }
    sandbox::hand_over(work)?;
    let started = Instant::now();
    let argv = make_argv(&root.headers());
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let out = sandbox::run(&root.dir, work, &argv)?;
    let mut log = String::from_utf8_lossy(&out.stdout).into_owned();
    log.push_str(&String::from_utf8_lossy(&out.stderr));
    let modules = modules(work)?;
    Ok(Built {
        ok: out.status.success() && !modules.is_empty(),
        modules,
        log,
        secs: started.elapsed().as_secs_f64(),
        cached: false,
    })
}

/// The `make` command line of [`build`].
fn make_argv(headers: &str) -> Vec<String> {
    [
        "make".to_string(),
        "-C".to_string(),
        headers.to_string(),
        format!("M={MOUNT}"),
        "W=1".to_string(),
        "modules".to_string(),
    ]
    .to_vec()
}

/// [`build`], unless the same build is kept in the root's cache
/// ([`crate::host::build_cache`]: same sources, root and command line): then
/// its `.ko` files are copied into `work` and its log is the build's.
/// A build made here is kept for the next run. `note` is told about a
/// corrupt kept build (removed, built again).
pub fn build_cached(
    root: &Root,
    example: &Path,
    work: &Path,
    note: &mut dyn FnMut(String),
) -> Result<Built> {
    let sources = sources(example)?;
    let cache_dir = root.cache();
    let manifest = crate::host::provision::manifest_path(&cache_dir, &root.kernel.id);
    let root_manifest = std::fs::read(&manifest)
        .with_context(|| format!("reading the build root's manifest {}", manifest.display()))?;
    let argv = make_argv(&root.headers());
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let key = build_cache::key(&build_cache::Inputs {
        kernel: format!(
            "{}\n{}\n{}",
            serde_json::to_string(&root.kernel)?,
            root.release,
            root.cc
        ),
        root_manifest: &root_manifest,
        argv: &argv,
        sources: &sources,
    })?;
    let cache = build_cache::Cache::new(&cache_dir.join("builds"));
    if let Some(entry) = cache.get(&key, note)? {
        if work.symlink_metadata().is_ok() {
            std::fs::remove_dir_all(work)
                .with_context(|| format!("cleaning {}", work.display()))?;
        }
        std::fs::create_dir_all(work)?;
        let mut modules = Vec::new();
        for m in &entry.modules {
            let to = work.join(m.file_name().expect("a module file"));
            copy_regular(m, &to)?;
            modules.push(to);
        }
        return Ok(Built {
            modules,
            log: entry.log,
            ok: entry.ok,
            secs: entry.secs,
            cached: true,
        });
    }
    let built = build(root, example, work)?;
    cache.put(&key, &built.log, built.ok, built.secs, &built.modules)?;
    Ok(built)
}

/// The files of `example` a build needs (`*.c`, `*.h`, `Kbuild`, `Makefile`)
/// and the shared headers of `kmods/include/`. Every entry of both
/// directories is looked at without following links: a symbolic link (it
/// could lead out of the repository) or a special file is refused by name.
pub fn sources(example: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let wanted = |name: &str| {
        name.ends_with(".c") || name.ends_with(".h") || name == "Kbuild" || name == "Makefile"
    };
    for e in entries(example)? {
        let name = e.file_name().expect("a directory entry").to_string_lossy();
        if e.symlink_metadata()?.is_file() && wanted(&name) {
            out.push(e.clone());
        }
    }
    if !out
        .iter()
        .any(|p| p.ends_with("Kbuild") || p.ends_with("Makefile"))
    {
        bail!(
            "{} has no Kbuild (nor Makefile): add a Kbuild naming the module, e.g. `obj-m += {}.o`",
            example.display(),
            example
                .file_name()
                .map_or("NAME".into(), |n| n.to_string_lossy())
        );
    }
    // Listings share headers through kmods/include.
    if let Some(include) = example
        .parent()
        .map(|p| p.join(crate::manifest::SHARED_DIR))
    {
        if include.symlink_metadata().is_ok() {
            for e in entries(&include)? {
                if e.symlink_metadata()?.is_file() {
                    out.push(e);
                }
            }
        }
    }
    Ok(out)
}

/// The entries of `dir` (itself a real directory), sorted; a symbolic link or
/// anything but a regular file or directory is an error naming it.
fn entries(dir: &Path) -> Result<Vec<PathBuf>> {
    refuse_odd(dir, true)?;
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = e?.path();
        refuse_odd(&p, false)?;
        out.push(p);
    }
    out.sort();
    Ok(out)
}

fn refuse_odd(p: &Path, must_be_dir: bool) -> Result<()> {
    let t = p
        .symlink_metadata()
        .with_context(|| format!("reading {}", p.display()))?
        .file_type();
    if t.is_symlink() {
        bail!(
            "{} is a symbolic link; listings and kmods/include may hold only regular files \
             (a link could lead out of the repository): replace it with the file itself",
            p.display()
        );
    }
    if must_be_dir && !t.is_dir() {
        bail!("{} is not a directory", p.display());
    }
    if !t.is_dir() && !t.is_file() {
        bail!(
            "{} is not a regular file (a device, socket or pipe); remove it from the listing",
            p.display()
        );
    }
    Ok(())
}

/// Copies a regular file without following a link at `from` (checked on the
/// open file, so a link swapped in after [`sources`] looked is refused too)
/// and without writing through one at `to`.
fn copy_regular(from: &Path, to: &Path) -> Result<()> {
    let mut src = crate::regular::open(from).context(
        "copying a listing's source; a listing may hold only regular files (replace a link with the file)",
    )?;
    let mut dst = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .with_context(|| format!("creating {}", to.display()))?;
    std::io::copy(&mut src, &mut dst)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    Ok(())
}

/// The `.ko` files the build made directly in `work`, sorted. Only regular
/// files are packed: a `.ko` that is a link (a `Kbuild` can make one to any
/// host file) or anything else is an error naming it.
pub fn modules(work: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(work).with_context(|| format!("reading {}", work.display()))? {
        let p = e?.path();
        if p.extension().is_none_or(|x| x != "ko") {
            continue;
        }
        let t = p.symlink_metadata()?.file_type();
        if !t.is_file() {
            let what = if t.is_symlink() {
                format!(
                    "a symbolic link (to {})",
                    std::fs::read_link(&p).unwrap_or_default().display()
                )
            } else {
                "not a regular file".into()
            };
            bail!(
                "the build left {} as {what}; only regular .ko files the build made are packed. \
                 Check the listing's Kbuild",
                p.file_name().unwrap_or_default().to_string_lossy()
            );
        }
        out.push(p);
    }
    out.sort();
    Ok(out)
}

/// Builds the guest's insmod (verify/guest/insmod.c) statically with the
/// root's compiler, in the build sandbox.
pub fn guest_insmod(root: &Root, work: &Path) -> Result<PathBuf> {
    guest_program(root, work, "insmod")
}

/// Builds the guest's reseed (verify/guest/reseed.c), which a guest resumed
/// from a saved state runs first ([`crate::guest::restore`]).
pub fn guest_reseed(root: &Root, work: &Path) -> Result<PathBuf> {
    guest_program(root, work, "reseed")
}

/// Builds `verify/guest/NAME.c` statically with the root's compiler, in the
/// build sandbox, into `work/NAME`; kept while it is newer than its source.
fn guest_program(root: &Root, work: &Path, name: &str) -> Result<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("guest/{name}.c"));
    let _lock = crate::host::workdir::lock(work)?;
    let bin = work.join(name);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&bin).is_some() && modified(&bin) >= modified(&src) {
        return Ok(bin);
    }
    let c_file = format!("{name}.c");
    let copy = work.join(&c_file);
    let _ = std::fs::remove_file(&copy);
    copy_regular(&src, &copy)?;
    // sid's roots have only the target-prefixed linker, which the kernel's
    // Makefile names itself; a plain compiler call looks for `ld`.
    let prefix = if root.dir.join("usr/bin/ld").exists() {
        None
    } else {
        let link = work.join("ld");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink("/usr/bin/x86_64-linux-gnu-ld", &link)?;
        Some(format!("-B{MOUNT}/"))
    };
    sandbox::hand_over(work)?;
    let mut argv = vec![root.cc.as_str()];
    argv.extend(prefix.as_deref());
    argv.extend([
        "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", name, &c_file,
    ]);
    let out = sandbox::run(&root.dir, work, &argv)?;
    if !out.status.success() {
        anyhow::bail!(
            "building the guest's {name} for kernel {} failed:\n{}{}",
            root.kernel.id,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Built by the sandbox's uid: packed only as a regular file.
    if !bin.symlink_metadata()?.is_file() {
        bail!(
            "the guest's {name} in {} is not a regular file",
            work.display()
        );
    }
    Ok(bin)
}
