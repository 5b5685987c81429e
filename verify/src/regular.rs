//! Opening the repository's files, which pull requests bring: a regular file
//! only, never through a symbolic link. A listing's `Kbuild` that links to
//! `/proc/self/environ`, or a snapshot that links to a host file, would
//! otherwise put what it points at into a build, a snapshot or a page
//! (`cases/trust/xss`, `leak_ko`, `snapwrite`).
//!
//! The last component is opened with `O_NOFOLLOW`, and with `O_NONBLOCK` so
//! that a FIFO cannot hang the run; the open file is then checked to be a
//! regular file, so a link swapped in after a directory listing is refused
//! too. Callers that also need every directory on the way checked do so
//! themselves (`book::files`).

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Why a file was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path's last component is a symbolic link.
    #[error("{} is a symbolic link", .0.display())]
    Link(PathBuf),
    /// It is a directory, a FIFO, a device or a socket.
    #[error("{} is not a regular file", .0.display())]
    NotRegular(PathBuf),
    /// Anything else the system said (not found, no permission…).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file that could not be opened or read.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
}

impl OpenError {
    /// Whether the file is simply not there.
    pub fn not_found(&self) -> bool {
        matches!(self, OpenError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Opens `path` for reading when it is a regular file reached without a
/// link at its last component.
pub fn open(path: &Path) -> Result<File, OpenError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => OpenError::Link(path.to_path_buf()),
            _ => OpenError::Io {
                path: path.to_path_buf(),
                source: e,
            },
        })?;
    let meta = file.metadata().map_err(|e| OpenError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular(path.to_path_buf()));
    }
    Ok(file)
}

/// The bytes of the regular file `path` ([`open`]).
pub fn read(path: &Path) -> Result<Vec<u8>, OpenError> {
    let mut bytes = Vec::new();
    open(path)?
        .read_to_end(&mut bytes)
        .map_err(|e| OpenError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
    Ok(bytes)
}

/// The text of the regular file `path` ([`open`]); invalid UTF-8 is an
/// error.
pub fn read_to_string(path: &Path) -> Result<String, OpenError> {
    String::from_utf8(read(path)?).map_err(|e| OpenError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_open() {
        let d = std::env::temp_dir().join(format!("verify-regular-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let file = d.join("a.txt");
        std::fs::write(&file, "text").unwrap();
        assert_eq!(read_to_string(&file).unwrap(), "text");
        let link = d.join("link.txt");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(matches!(read(&link), Err(OpenError::Link(_))));
        assert!(matches!(read(&d), Err(OpenError::NotRegular(_))));
        // A FIFO neither hangs nor is read.
        let fifo = d.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(read(&fifo), Err(OpenError::NotRegular(_))));
        let missing = read(&d.join("missing")).unwrap_err();
        assert!(missing.not_found(), "{missing}");
        assert!(missing.to_string().contains("missing"), "{missing}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
