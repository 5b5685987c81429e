//! `--watch`: the files of the listings being watched, looked at every
//! half second ([`POLL`]), so that a run starts again when one of them
//! changes. Polling the modification times and sizes of a dozen files needs
//! no dependency and works on every file system (a change-notification
//! crate would be the other way); it touches nothing.
//!
//! What is watched: every regular file under the listings' directories
//! (and `kmods/include/`, the headers they share), except what a run or an
//! editor writes beside them: the `snapshots/` directory (a run leaves its
//! pending files there), hidden files (`.x.c.swp`) and backups (`x.c~`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How often the files are looked at.
pub const POLL: Duration = Duration::from_millis(500);

/// The watched files at one moment: path → (modification time, size).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files(BTreeMap<PathBuf, (Option<SystemTime>, u64)>);

/// Whether a file or directory named `name` is left out of the watch.
fn ignored(name: &str, is_dir: bool) -> bool {
    name.starts_with('.') || name.ends_with('~') || (is_dir && name == "snapshots")
}

impl Files {
    /// The files under `dirs` now (a directory that is missing or cannot be
    /// read has none: a listing removed and made again is a change). Links
    /// are not followed.
    pub fn scan(dirs: &[PathBuf]) -> Files {
        let mut files = Files::default();
        for dir in dirs {
            files.add(dir);
        }
        files
    }

    fn add(&mut self, dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            if ignored(&name.to_string_lossy(), kind.is_dir()) {
                continue;
            }
            if kind.is_dir() {
                self.add(&entry.path());
            } else if let Ok(meta) = entry.metadata() {
                self.0
                    .insert(entry.path(), (meta.modified().ok(), meta.len()));
            }
        }
    }

    /// The files added, removed or changed (time or size) from `self` to
    /// `now`, sorted.
    pub fn changed(&self, now: &Files) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = now
            .0
            .iter()
            .filter(|(p, state)| self.0.get(*p) != Some(state))
            .map(|(p, _)| p.clone())
            .chain(self.0.keys().filter(|p| !now.0.contains_key(*p)).cloned())
            .collect();
        out.sort();
        out
    }
}

/// Waits, looking every `poll`, until the files under `dirs` differ from
/// `since` and then stay the same for one more look (an editor saves in
/// steps); returns the files then and what changed.
pub fn wait_for_change(dirs: &[PathBuf], since: &Files, poll: Duration) -> (Files, Vec<PathBuf>) {
    loop {
        std::thread::sleep(poll);
        let now = Files::scan(dirs);
        if since.changed(&now).is_empty() {
            continue;
        }
        let mut settled = now;
        loop {
            std::thread::sleep(poll);
            let again = Files::scan(dirs);
            if again == settled {
                break;
            }
            settled = again;
        }
        let changed = since.changed(&settled);
        if !changed.is_empty() {
            return (settled, changed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::{self, File};

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("verify-watch-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("demo/snapshots")).unwrap();
        fs::write(d.join("demo/demo.c"), "int x;\n").unwrap();
        fs::write(d.join("demo/Kbuild"), "obj-m += demo.o\n").unwrap();
        fs::write(d.join("demo/snapshots/demo.snap"), "---\n---\nx\n").unwrap();
        d
    }

    /// Sets `path`'s modification time `secs` seconds after the epoch.
    fn touch(path: &Path, secs: u64) {
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap();
    }

    #[test]
    fn edits_additions_and_removals_are_changes() {
        let d = tmp("changes");
        let dirs = [d.join("demo")];
        let before = Files::scan(&dirs);
        assert_eq!(before.0.len(), 2, "{before:?}");
        assert!(before.changed(&Files::scan(&dirs)).is_empty());
        // The same size, another time: an edit.
        touch(&d.join("demo/demo.c"), 1_000_000);
        let after = Files::scan(&dirs);
        assert_eq!(before.changed(&after), [d.join("demo/demo.c")]);
        // The same time, another size: an edit too.
        let t = fs::metadata(d.join("demo/Kbuild"))
            .unwrap()
            .modified()
            .unwrap();
        fs::write(d.join("demo/Kbuild"), "obj-m += demo.o other.o\n").unwrap();
        File::options()
            .write(true)
            .open(d.join("demo/Kbuild"))
            .unwrap()
            .set_modified(t)
            .unwrap();
        assert_eq!(after.changed(&Files::scan(&dirs)), [d.join("demo/Kbuild")]);
        // A file added in a subdirectory, and one removed.
        let before = Files::scan(&dirs);
        fs::create_dir_all(d.join("demo/include")).unwrap();
        fs::write(d.join("demo/include/demo.h"), "#define X 1\n").unwrap();
        fs::remove_file(d.join("demo/demo.c")).unwrap();
        assert_eq!(
            before.changed(&Files::scan(&dirs)),
            [d.join("demo/demo.c"), d.join("demo/include/demo.h")]
        );
        fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn what_a_run_or_an_editor_writes_beside_is_not_a_change() {
        let d = tmp("ignored");
        let dirs = [d.join("demo")];
        let before = Files::scan(&dirs);
        fs::write(d.join("demo/snapshots/demo.snap.new"), "x").unwrap();
        fs::write(d.join("demo/snapshots/demo.snap"), "changed").unwrap();
        fs::write(d.join("demo/.demo.c.swp"), "x").unwrap();
        fs::write(d.join("demo/demo.c~"), "x").unwrap();
        assert!(before.changed(&Files::scan(&dirs)).is_empty());
        // A missing directory has no files; made again, they are changes.
        let gone = Files::scan(&[d.join("nothing")]);
        assert!(gone.0.is_empty());
        fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn waiting_returns_once_a_change_has_settled() {
        let d = tmp("wait");
        let dirs = vec![d.join("demo")];
        let before = Files::scan(&dirs);
        let file = d.join("demo/demo.c");
        let writer = {
            let file = file.clone();
            std::thread::spawn(move || {
                // Saved in two steps, as an editor may.
                std::thread::sleep(Duration::from_millis(60));
                fs::write(&file, "").unwrap();
                std::thread::sleep(Duration::from_millis(5));
                fs::write(&file, "int y = 2;\n").unwrap();
            })
        };
        let (now, changed) = wait_for_change(&dirs, &before, Duration::from_millis(20));
        writer.join().unwrap();
        assert_eq!(changed, [file]);
        assert_eq!(now, Files::scan(&dirs), "the state after the last write");
        fs::remove_dir_all(d).unwrap();
    }
}
