//! Writing a scaffold all or nothing: every file is first written beside its
//! place under a temporary name, then moved in; a failure at any point
//! removes what this run made and puts back what it replaced, so an error
//! never leaves a half-written listing or chapter behind.

use anyhow::{anyhow, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// What a scaffold writes, applied by [`Plan::apply`].
#[derive(Debug, Default)]
pub struct Plan {
    /// New directories with their files (name, text), made whole.
    dirs: Vec<(PathBuf, Vec<(String, String)>)>,
    /// New files; one that exists by then is an error, never overwritten.
    files: Vec<(PathBuf, String)>,
    /// Files replaced: (path, the text read before, the new text).
    replaced: Vec<(PathBuf, String, String)>,
}

/// A step of [`Plan::apply`] that is done and can be undone.
enum Done {
    Dir(PathBuf),
    File(PathBuf),
    Replaced(PathBuf, String),
}

impl Plan {
    /// A new directory `dir` holding `files` (name, text).
    pub fn new_dir(&mut self, dir: PathBuf, files: Vec<(String, String)>) {
        self.dirs.push((dir, files));
    }

    /// A new file.
    pub fn new_file(&mut self, path: PathBuf, text: String) {
        self.files.push((path, text));
    }

    /// A file whose text `old` (as read) becomes `new`.
    pub fn replace(&mut self, path: PathBuf, old: String, new: String) {
        self.replaced.push((path, old, new));
    }

    /// Writes everything: the new directories, then the new files, then the
    /// replaced ones. On an error, what was done is undone, newest first,
    /// and the error says whether that left anything behind.
    pub fn apply(&self) -> Result<()> {
        let mut temps: Vec<PathBuf> = Vec::new();
        let staged = self.stage(&mut temps);
        let mut done = Vec::new();
        let result = staged.and_then(|staged| self.move_in(&staged, &mut done));
        let Err(e) = result else {
            return Ok(());
        };
        let mut left = Vec::new();
        for d in done.into_iter().rev() {
            if let Err(u) = undo(d) {
                left.push(format!("{u:#}"));
            }
        }
        for t in temps {
            if t.symlink_metadata().is_ok() {
                if let Err(u) = remove_any(&t) {
                    left.push(format!("{u:#}"));
                }
            }
        }
        if left.is_empty() {
            Err(e.context("nothing was written"))
        } else {
            Err(e.context(format!(
                "and undoing what was written failed, fix by hand: {}",
                left.join("; ")
            )))
        }
    }

    /// Writes every text under a temporary name beside its place; returns
    /// the temporary paths in the order of `dirs`, `files`, `replaced`.
    fn stage(&self, temps: &mut Vec<PathBuf>) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for (dir, files) in &self.dirs {
            let tmp = temp_beside(dir);
            temps.push(tmp.clone());
            fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
            for (name, text) in files {
                let p = tmp.join(name);
                fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
            }
            out.push(tmp);
        }
        let texts = self
            .files
            .iter()
            .map(|(p, t)| (p, t))
            .chain(self.replaced.iter().map(|(p, _, t)| (p, t)));
        for (path, text) in texts {
            let tmp = temp_beside(path);
            temps.push(tmp.clone());
            fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
            out.push(tmp);
        }
        Ok(out)
    }

    /// Moves the staged texts into place, recording each step in `done`.
    fn move_in(&self, staged: &[PathBuf], done: &mut Vec<Done>) -> Result<()> {
        let mut staged = staged.iter();
        for (dir, _) in &self.dirs {
            let tmp = staged.next().expect("one staged path per item");
            // rename(2) would replace an empty directory made meanwhile.
            if dir.symlink_metadata().is_ok() {
                return Err(anyhow!("{} exists", dir.display()));
            }
            fs::rename(tmp, dir)
                .with_context(|| format!("renaming {} to {}", tmp.display(), dir.display()))?;
            done.push(Done::Dir(dir.clone()));
        }
        for (path, _) in &self.files {
            let tmp = staged.next().expect("one staged path per item");
            // A hard link fails where a file exists: never overwritten.
            fs::hard_link(tmp, path).with_context(|| format!("creating {}", path.display()))?;
            done.push(Done::File(path.clone()));
            fs::remove_file(tmp).with_context(|| format!("removing {}", tmp.display()))?;
        }
        for (path, old, _) in &self.replaced {
            let tmp = staged.next().expect("one staged path per item");
            fs::rename(tmp, path)
                .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
            done.push(Done::Replaced(path.clone(), old.clone()));
        }
        Ok(())
    }
}

/// `.NAME.verify-new-PID` in the directory of `path`: on the same file
/// system, so that the move is a rename; hidden, so that `kmods/` readers
/// ([`crate::manifest::discover`]) skip it.
fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.verify-new-{}", std::process::id()))
}

fn undo(d: Done) -> Result<()> {
    match d {
        Done::Dir(p) | Done::File(p) => remove_any(&p),
        Done::Replaced(p, old) => {
            let tmp = temp_beside(&p);
            fs::write(&tmp, old).with_context(|| format!("writing {}", tmp.display()))?;
            fs::rename(&tmp, &p).with_context(|| format!("restoring {}", p.display()))
        }
    }
}

fn remove_any(p: &Path) -> Result<()> {
    let r = if p.symlink_metadata().is_ok_and(|m| m.is_dir()) {
        fs::remove_dir_all(p)
    } else {
        fs::remove_file(p)
    };
    r.with_context(|| format!("removing {}", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "verify-scaffold-write-{tag}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn everything_is_written() {
        let d = scratch("all");
        fs::write(d.join("SUMMARY.md"), "old").unwrap();
        let mut plan = Plan::default();
        plan.new_dir(d.join("demo"), vec![("demo.c".into(), "int x;".into())]);
        plan.new_file(d.join("ch.md"), "# Ch".into());
        plan.replace(d.join("SUMMARY.md"), "old".into(), "new".into());
        plan.apply().unwrap();
        assert_eq!(fs::read_to_string(d.join("demo/demo.c")).unwrap(), "int x;");
        assert_eq!(fs::read_to_string(d.join("ch.md")).unwrap(), "# Ch");
        assert_eq!(fs::read_to_string(d.join("SUMMARY.md")).unwrap(), "new");
        assert_eq!(
            names(&d),
            ["SUMMARY.md", "ch.md", "demo"],
            "no temporary left"
        );
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_failure_removes_what_was_made_and_restores_what_was_replaced() {
        let d = scratch("undo");
        fs::write(d.join("SUMMARY.md"), "old").unwrap();
        // The second replacement's target is a directory: its rename fails
        // after the listing, the chapter and the first replacement are in.
        fs::create_dir(d.join("zh")).unwrap();
        let mut plan = Plan::default();
        plan.new_dir(d.join("demo"), vec![("demo.c".into(), "int x;".into())]);
        plan.new_file(d.join("ch.md"), "# Ch".into());
        plan.replace(d.join("SUMMARY.md"), "old".into(), "new".into());
        plan.replace(d.join("zh"), String::new(), "new".into());
        let e = format!("{:#}", plan.apply().unwrap_err());
        assert!(e.contains("nothing was written") && e.contains("zh"), "{e}");
        assert_eq!(fs::read_to_string(d.join("SUMMARY.md")).unwrap(), "old");
        assert_eq!(names(&d), ["SUMMARY.md", "zh"], "{e}");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_file_that_appeared_is_not_overwritten() {
        let d = scratch("exists");
        fs::write(d.join("ch.md"), "theirs").unwrap();
        let mut plan = Plan::default();
        plan.new_dir(
            d.join("demo"),
            vec![("Kbuild".into(), "obj-m += demo.o\n".into())],
        );
        plan.new_file(d.join("ch.md"), "ours".into());
        let e = format!("{:#}", plan.apply().unwrap_err());
        assert!(
            e.contains("ch.md") && e.contains("nothing was written"),
            "{e}"
        );
        assert_eq!(fs::read_to_string(d.join("ch.md")).unwrap(), "theirs");
        assert_eq!(names(&d), ["ch.md"]);
        fs::remove_dir_all(&d).unwrap();
    }
}
