//! Whether a new listing's name is already a module of a kernel of the
//! matrix: built in (`lib/modules/RELEASE/modules.builtin`, and
//! `modules.builtin.modinfo` for built-in code that cannot be a module but
//! has a name in `/sys/module/`, such as `vt`) or loadable (a `.ko`,
//! `.ko.xz`, `.ko.zst` or `.ko.gz` under `lib/modules/RELEASE/`), read from
//! each kernel's build root. A module's name is its file's with `-` made
//! `_` (Kbuild's `KBUILD_MODNAME`, `scripts/Makefile.lib`), and kmod
//! compares names the same way (`modname_normalize()`), so `amd-uncore.ko`
//! is `amd_uncore` and clashes with it.
//!
//! A listing named like a built-in fails to load when the built-in has a
//! `/sys/module/` entry ("module is already loaded", `mod_sysfs_init()`;
//! e.g. `vt`, DESIGN.md §3): one with a parameter, a version or, from
//! 6.12, a driver has one. The name is refused either way; one named like a
//! loadable module is the kernel's own to `modprobe` on a reader's machine.

use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// A module of some kernel whose name is the listing's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    /// The module's name as the kernel's files spell it.
    pub module: String,
    /// The file it was found in: `modules.builtin` or the module itself.
    pub file: PathBuf,
    /// For a built-in module, its line in `modules.builtin`.
    pub entry: Option<String>,
}

/// What the kernel compares: `-` read as `_`.
pub fn normalize(name: &str) -> String {
    name.replace('-', "_")
}

/// The module name of a file name: `af_key.ko` or `af_key.ko.xz` gives
/// `af_key`; `None` for anything else.
fn module_of(file_name: &str) -> Option<&str> {
    [".ko", ".ko.xz", ".ko.zst", ".ko.gz"]
        .iter()
        .find_map(|ext| file_name.strip_suffix(ext))
        .filter(|m| !m.is_empty())
}

/// The module directories (`lib/modules/*/`) of the build root `root`.
/// `lib` may be Debian's merged-/usr link to `usr/lib`; a path that leads
/// out of the root (an absolute link) is an error, never followed.
fn module_dirs(root: &Path) -> Result<Vec<PathBuf>> {
    let top = root
        .canonicalize()
        .with_context(|| format!("reading the build root {}", root.display()))?;
    let lib_modules = root.join("lib/modules");
    let real = lib_modules.canonicalize().with_context(|| {
        format!(
            "{}: no module directory in the build root",
            lib_modules.display()
        )
    })?;
    if !real.starts_with(&top) {
        bail!(
            "{} leads out of the build root (to {}); the root is damaged: remove {} and run again to make it anew",
            lib_modules.display(),
            real.display(),
            root.display()
        );
    }
    // Named through `lib/modules`, as the kernel's tools name them.
    let mut dirs: Vec<PathBuf> = fs::read_dir(&real)
        .with_context(|| format!("reading {}", real.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| lib_modules.join(e.file_name()))
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// The module of the build root `root` named `name` (`-` and `_` alike),
/// if there is one: first in each release's `modules.builtin`, then among
/// the module files of its tree (links, such as `build` and `source`, are
/// not followed).
pub fn find(name: &str, root: &Path) -> Result<Option<Clash>> {
    let want = normalize(name);
    for dir in module_dirs(root)? {
        let builtin = dir.join("modules.builtin");
        match fs::read_to_string(&builtin) {
            Ok(text) => {
                for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    let file = line.rsplit('/').next().unwrap_or(line);
                    if let Some(m) = module_of(file).filter(|m| normalize(m) == want) {
                        return Ok(Some(Clash {
                            module: m.to_string(),
                            file: builtin,
                            entry: Some(line.to_string()),
                        }));
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", builtin.display())),
        }
        if let Some(c) = find_in_modinfo(&want, &dir)? {
            return Ok(Some(c));
        }
        if let Some(c) = find_in_tree(&want, &dir)? {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// A built-in name `want` (normalized) in `dir/modules.builtin.modinfo`:
/// NUL-separated `NAME.KEY=VALUE` entries, the `MODULE_*` and parameter
/// information of all built-in code, also what `modules.builtin` leaves
/// out (code that is never a module, such as `vt`, whose parameters make
/// `/sys/module/vt`, so that a module of that name cannot be loaded).
fn find_in_modinfo(want: &str, dir: &Path) -> Result<Option<Clash>> {
    let path = dir.join("modules.builtin.modinfo");
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    for entry in bytes.split(|&b| b == 0) {
        let entry = String::from_utf8_lossy(entry);
        let Some((module, _)) = entry.split_once('.') else {
            continue;
        };
        if !module.is_empty() && normalize(module) == want {
            return Ok(Some(Clash {
                module: module.to_string(),
                file: path,
                entry: Some(entry.into_owned()),
            }));
        }
    }
    Ok(None)
}

/// A module file named `want` (normalized) under `dir`, in sorted order.
fn find_in_tree(want: &str, dir: &Path) -> Result<Option<Clash>> {
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("reading {}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let kind = e.file_type()?;
        let name = e.file_name().to_string_lossy().into_owned();
        if kind.is_dir() {
            if let Some(c) = find_in_tree(want, &e.path())? {
                return Ok(Some(c));
            }
        } else if kind.is_file() {
            if let Some(m) = module_of(&name).filter(|m| normalize(m) == want) {
                return Ok(Some(Clash {
                    module: m.to_string(),
                    file: e.path(),
                    entry: None,
                }));
            }
        }
    }
    Ok(None)
}

/// Checks `name` against every `(kernel id, build root)`; the error names
/// the module, the kernel and the file it is in, and suggests a name that
/// is free on every one of them (and for which `taken` is false: a listing
/// that exists).
pub fn check(name: &str, roots: &[(String, PathBuf)], taken: &dyn Fn(&str) -> bool) -> Result<()> {
    let first_clash = |n: &str| -> Result<Option<(String, Clash)>> {
        for (id, root) in roots {
            if let Some(c) = find(n, root)? {
                return Ok(Some((id.clone(), c)));
            }
        }
        Ok(None)
    };
    let Some((kernel, c)) = first_clash(name)? else {
        return Ok(());
    };
    let found = match &c.entry {
        Some(entry) => format!("built in, listed in {} as `{entry}`", c.file.display()),
        None => format!("a loadable module, {}", c.file.display()),
    };
    let same = if c.module == name {
        String::new()
    } else {
        " (Kbuild names a module's file with `-` as `_`)".to_string()
    };
    let mut suggestion = None;
    for candidate in suggestions(name) {
        if crate::manifest::check_listing_name(&candidate).is_ok()
            && !taken(&candidate)
            && first_clash(&candidate)?.is_none()
        {
            suggestion = Some(candidate);
            break;
        }
    }
    let advice = match suggestion {
        Some(s) => format!("choose another name, e.g. `{s}`"),
        None => "choose another name".to_string(),
    };
    bail!(
        "`{name}` is the name of module `{}` of kernel {kernel}{same}: {found}; \
         a listing must not take a name the kernel already uses (a built-in one with a /sys/module entry cannot be loaded, \
         a loadable one is the kernel's own to modprobe); {advice}",
        c.module
    )
}

/// Names to offer instead of `name`, best first.
fn suggestions(name: &str) -> Vec<String> {
    let mut out: Vec<String> = ["demo", "kthread", "example"]
        .iter()
        .map(|s| format!("{name}_{s}"))
        .collect();
    out.push(format!("my_{name}"));
    out.extend((2..10).map(|i| format!("{name}{i}")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake build root: a merged-/usr `lib` link, a `modules.builtin`, a
    /// module tree, and `build`, an absolute link out of the root to a
    /// directory holding `trap.ko`, which must never be read.
    fn fake_root(tag: &str, release: &str, builtin: &str, modules: &[&str]) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "verify-scaffold-clash-{tag}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        let root = d.join("root");
        let dir = root.join("usr/lib/modules").join(release);
        fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
        fs::write(dir.join("modules.builtin"), builtin).unwrap();
        fs::write(
            dir.join("modules.builtin.modinfo"),
            b"printk.parmtype=time:bool\0vt.parm=default_utf8:Use UTF-8\0",
        )
        .unwrap();
        for m in modules {
            let p = dir.join(m);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "").unwrap();
        }
        let outside = d.join("headers");
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("trap.ko"), "").unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("build")).unwrap();
        root
    }

    fn roots(tag: &str) -> Vec<(String, PathBuf)> {
        vec![
            (
                "5.10".into(),
                fake_root(
                    &format!("{tag}-a"),
                    "5.10.0-32-cloud-amd64",
                    "kernel/fs/binfmt_script.ko\n",
                    &["kernel/net/key/af_key.ko"],
                ),
            ),
            (
                "latest".into(),
                fake_root(
                    &format!("{tag}-b"),
                    "7.2.13-cloud-amd64",
                    "kernel/crypto/crc32c_generic.ko\n",
                    &[
                        "kernel/arch/x86/events/amd/amd-uncore.ko.xz",
                        "kernel/net/vmw_vsock/vsock_loopback.ko.zst",
                        "kernel/net/vmw_vsock/vsock_demo.ko",
                    ],
                ),
            ),
        ]
    }

    fn err(name: &str, roots: &[(String, PathBuf)]) -> String {
        format!("{:#}", check(name, roots, &|_| false).unwrap_err())
    }

    #[test]
    fn a_built_in_module_is_named_with_its_kernel_and_file() {
        let roots = roots("builtin");
        let e = err("binfmt_script", &roots);
        assert!(
            e.contains("module `binfmt_script` of kernel 5.10")
                && e.contains(
                    "5.10.0-32-cloud-amd64/modules.builtin as `kernel/fs/binfmt_script.ko`"
                )
                && e.contains("e.g. `binfmt_script_demo`"),
            "{e}"
        );
        // Only the second root has it.
        let e = err("crc32c_generic", &roots);
        assert!(
            e.contains("of kernel latest") && e.contains("modules.builtin"),
            "{e}"
        );
        for (_, r) in &roots {
            fs::remove_dir_all(r.parent().unwrap()).unwrap();
        }
    }

    #[test]
    fn a_loadable_module_is_found_compressed_and_with_dashes() {
        let roots = roots("loadable");
        let e = err("af_key", &roots);
        assert!(
            e.contains("a loadable module") && e.contains("kernel/net/key/af_key.ko;"),
            "{e}"
        );
        let e = err("amd_uncore", &roots);
        assert!(
            e.contains("module `amd-uncore` of kernel latest")
                && e.contains("`-` as `_`")
                && e.contains("amd-uncore.ko.xz"),
            "{e}"
        );
        assert!(err("vsock_loopback", &roots).contains("vsock_loopback.ko.zst"));
        check("vsock", &roots, &|_| false).unwrap();
        // The suggestion is free everywhere, and no listing has it.
        let e = format!(
            "{:#}",
            check("vsock_loopback", &roots, &|n| n == "vsock_loopback_demo").unwrap_err()
        );
        assert!(e.contains("e.g. `vsock_loopback_kthread`"), "{e}");
        for (_, r) in &roots {
            fs::remove_dir_all(r.parent().unwrap()).unwrap();
        }
    }

    #[test]
    fn a_free_name_passes_and_links_out_of_the_root_are_not_followed() {
        let roots = roots("free");
        for name in ["my_listing", "trap", "vt_demo", "af"] {
            check(name, &roots, &|_| false).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
        let e = err("vt", &roots);
        assert!(
            e.contains("of kernel 5.10")
                && e.contains("modules.builtin.modinfo as `vt.parm=default_utf8:Use UTF-8`"),
            "{e}"
        );
        for (_, r) in &roots {
            fs::remove_dir_all(r.parent().unwrap()).unwrap();
        }
    }

    #[test]
    fn a_module_directory_outside_the_root_is_refused() {
        let d =
            std::env::temp_dir().join(format!("verify-scaffold-clash-out-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("root")).unwrap();
        fs::create_dir_all(d.join("host/modules/1.0")).unwrap();
        std::os::unix::fs::symlink(d.join("host"), d.join("root/lib")).unwrap();
        let e = format!("{:#}", find("vt", &d.join("root")).unwrap_err());
        assert!(e.contains("leads out of the build root"), "{e}");
        fs::remove_dir_all(&d).unwrap();
    }
}
