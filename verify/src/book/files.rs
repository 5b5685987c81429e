//! Reading the repository for a page: regular files inside the repository,
//! never through a link. A listing's file is contributed text; a symbolic
//! link among them (a `Kbuild` pointing at `/proc/self/environ`, a snapshot
//! pointing at a host file) would put whatever it points at on a public
//! page, so every path below the repository root is checked component by
//! component with `symlink_metadata`, and the file itself is opened with
//! `O_NOFOLLOW` (and `O_NONBLOCK`, so a FIFO cannot hang the build).

use std::path::{Component, Path};

/// What a refused path is part of, for the fix in the message.
#[derive(Debug, Clone, Copy)]
pub enum Holder {
    /// `kmods/NAME/` and its `snapshots/`.
    Listing,
    /// `kmods/include/`, the headers every listing shares.
    Include,
    /// Any other file of the repository the book reads (`kernels.toml`,
    /// `examples/snapshots/`).
    Repository,
}

impl Holder {
    fn fix(self) -> &'static str {
        match self {
            Holder::Listing => "a listing may hold only regular files; replace the link with the file",
            Holder::Include => {
                "kmods/include may hold only regular files; replace the link with the file"
            }
            Holder::Repository => {
                "the book reads only regular files inside the repository; replace the link with the file"
            }
        }
    }
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Refuses `path` unless it is below `root` through plain directories:
/// no component below `root` is a symbolic link or `..`. The last
/// component may be missing (`Ok(false)`); `Ok(true)` when it exists.
/// Errors name the path relative to `root` and the fix.
pub fn inside(root: &Path, path: &Path, holder: Holder) -> Result<bool, String> {
    let below = path.strip_prefix(root).map_err(|_| {
        format!(
            "{} is outside the repository {}; the book reads only files inside it",
            path.display(),
            root.display()
        )
    })?;
    let mut at = root.to_path_buf();
    for c in below.components() {
        match c {
            Component::Normal(c) => at.push(c),
            Component::CurDir => continue,
            _ => {
                return Err(format!(
                    "{} leads outside the repository; the book reads only files inside it",
                    rel(root, path)
                ))
            }
        }
        let meta = match std::fs::symlink_metadata(&at) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(format!("reading {}: {e}", rel(root, &at))),
        };
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&at)
                .map(|t| format!(" (to {})", t.display()))
                .unwrap_or_default();
            return Err(format!(
                "{} is a symbolic link{target}; {}",
                rel(root, &at),
                holder.fix()
            ));
        }
    }
    Ok(true)
}

/// Checks every entry of directory `dir` (below `root`): each must be a
/// regular file, or a directory named in `subdirs`, whose entries must all
/// be regular files. A missing `dir` is not checked here: whoever reads
/// it names it.
pub fn check_dir(root: &Path, dir: &Path, subdirs: &[&str], holder: Holder) -> Result<(), String> {
    if !inside(root, dir, holder)? {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", rel(root, dir)))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", rel(root, dir)))?;
        let path = entry.path();
        let t = entry
            .file_type()
            .map_err(|e| format!("reading {}: {e}", rel(root, &path)))?;
        let name = entry.file_name();
        if t.is_dir() && subdirs.iter().any(|s| name == *s) {
            check_dir(root, &path, &[], holder)?;
        } else if t.is_symlink() {
            inside(root, &path, holder)?; // names the link and its target
        } else if !t.is_file() && !t.is_dir() {
            return Err(format!(
                "{} is not a regular file (a device, FIFO or socket); {}",
                rel(root, &path),
                holder.fix().replace("replace the link", "replace it")
            ));
        } else if t.is_dir() && matches!(holder, Holder::Include | Holder::Listing) {
            return Err(format!(
                "{} is a directory; {}",
                rel(root, &path),
                holder
                    .fix()
                    .replace("replace the link with the file", "move its files up")
            ));
        }
    }
    Ok(())
}

/// The text of `path`, a regular file below `root` reached through no link.
pub fn read(root: &Path, path: &Path, holder: Holder) -> Result<String, String> {
    if !inside(root, path, holder)? {
        return Err(format!("{} does not exist", rel(root, path)));
    }
    use crate::regular::OpenError;
    crate::regular::read_to_string(path).map_err(|e| match e {
        OpenError::Link(_) => format!("{} is a symbolic link; {}", rel(root, path), holder.fix()),
        OpenError::NotRegular(_) => format!(
            "{} is not a regular file; {}",
            rel(root, path),
            holder.fix().replace("replace the link", "replace it")
        ),
        OpenError::Io { source, .. } => format!("reading {}: {source}", rel(root, path)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("verify-files-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("kmods/demo/snapshots")).unwrap();
        std::fs::write(d.join("kmods/demo/demo.c"), "int x;\n").unwrap();
        std::fs::write(d.join("kmods/demo/snapshots/demo.snap"), "s\n").unwrap();
        d
    }

    #[test]
    fn regular_files_inside_are_read() {
        let d = scratch("ok");
        let dir = d.join("kmods/demo");
        check_dir(&d, &dir, &["snapshots"], Holder::Listing).unwrap();
        assert_eq!(
            read(&d, &dir.join("demo.c"), Holder::Listing).unwrap(),
            "int x;\n"
        );
        let err = read(&d, &dir.join("Kbuild"), Holder::Listing).unwrap_err();
        assert_eq!(err, "kmods/demo/Kbuild does not exist");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn links_anywhere_below_the_root_are_refused_naming_them() {
        let d = scratch("links");
        let dir = d.join("kmods/demo");
        std::os::unix::fs::symlink("/proc/self/environ", dir.join("Kbuild")).unwrap();
        for err in [
            check_dir(&d, &dir, &["snapshots"], Holder::Listing).unwrap_err(),
            read(&d, &dir.join("Kbuild"), Holder::Listing).unwrap_err(),
        ] {
            assert_eq!(
                err,
                "kmods/demo/Kbuild is a symbolic link (to /proc/self/environ); a listing may hold only regular files; replace the link with the file"
            );
        }
        // A link in the middle of the path: the file behind it is not read.
        std::fs::remove_file(dir.join("Kbuild")).unwrap();
        std::os::unix::fs::symlink(&dir, d.join("kmods/other")).unwrap();
        let err = read(&d, &d.join("kmods/other/demo.c"), Holder::Listing).unwrap_err();
        assert!(err.starts_with("kmods/other is a symbolic link"), "{err}");
        // Under snapshots/ too.
        std::fs::remove_file(d.join("kmods/other")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.join("snapshots/demo@x.snap")).unwrap();
        let err = check_dir(&d, &dir, &["snapshots"], Holder::Listing).unwrap_err();
        assert!(
            err.starts_with("kmods/demo/snapshots/demo@x.snap is a symbolic link"),
            "{err}"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn other_kinds_and_escapes_are_refused() {
        let d = scratch("kinds");
        let dir = d.join("kmods/demo");
        let fifo = std::ffi::CString::new(dir.join("Kbuild").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let err = check_dir(&d, &dir, &["snapshots"], Holder::Listing).unwrap_err();
        assert!(
            err.starts_with("kmods/demo/Kbuild is not a regular file"),
            "{err}"
        );
        // Opening it does not wait for a writer.
        let err = read(&d, &dir.join("Kbuild"), Holder::Listing).unwrap_err();
        assert!(
            err.starts_with("kmods/demo/Kbuild is not a regular file"),
            "{err}"
        );
        std::fs::remove_file(dir.join("Kbuild")).unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        let err = check_dir(&d, &dir, &["snapshots"], Holder::Listing).unwrap_err();
        assert!(err.starts_with("kmods/demo/sub is a directory"), "{err}");
        let err = read(&d, &dir.join("../../../etc/passwd"), Holder::Listing).unwrap_err();
        assert!(err.contains("leads outside the repository"), "{err}");
        let err = read(&d, Path::new("/etc/passwd"), Holder::Repository).unwrap_err();
        assert!(err.contains("is outside the repository"), "{err}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
