//! Snapshots next to their listing, in insta's file format.
//!
//! `kmods/<name>/snapshots/<name>.snap` holds the output shared by every
//! kernel that prints the same thing; `<name>@<kernel>.snap` holds the output
//! of a kernel that differs. Files are read with insta itself, so what we
//! write stays readable by `cargo insta`, and a pending `.snap.new` can be
//! reviewed with `cargo insta review`.
//!
//! A simulation's output does not depend on the kernel: it has one file,
//! `examples/snapshots/<name>.snap` ([`Store::simulation`]), which the
//! examples crate's own insta test reads too; the `*_single` methods work on it.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Match,
    Mismatch,
    Missing,
}

pub struct Store {
    pub dir: PathBuf,
    pub name: String,
    /// insta's `source` and `expression` header fields of the files written.
    header: (String, String),
}

impl Store {
    /// A listing's snapshots: `kmods/<name>/snapshots/`.
    pub fn new(example_dir: &Path, name: &str) -> Store {
        Store {
            dir: example_dir.join("snapshots"),
            name: name.to_string(),
            header: (
                format!("kmods/{name}/scenario.toml"),
                "normalized dmesg".into(),
            ),
        }
    }

    /// A simulation's snapshot: `<examples_dir>/snapshots/<name>.snap`, with
    /// the header the examples crate's insta test (`tests/snapshots.rs`)
    /// writes, so the file is the same whichever of the two accepts it.
    pub fn simulation(examples_dir: &Path, name: &str) -> Store {
        Store {
            dir: examples_dir.join("snapshots"),
            name: name.to_string(),
            header: ("examples/tests/snapshots.rs".into(), "text".into()),
        }
    }

    pub fn shared_path(&self) -> PathBuf {
        self.dir.join(format!("{}.snap", self.name))
    }

    pub fn kernel_path(&self, kernel: &str) -> PathBuf {
        self.dir.join(format!("{}@{}.snap", self.name, kernel))
    }

    /// The snapshot that applies to `kernel`: its own, else the shared one.
    pub fn expected(&self, kernel: &str) -> Result<Option<(PathBuf, String)>> {
        match read_if_exists(self.kernel_path(kernel))? {
            Some(own) => Ok(Some(own)),
            None => read_if_exists(self.shared_path()),
        }
    }

    /// Whether a snapshot applies to `kernel`, without reading it.
    pub fn has(&self, kernel: &str) -> bool {
        self.kernel_path(kernel).exists() || self.shared_path().exists()
    }

    pub fn compare(&self, kernel: &str, text: &str) -> Result<(Status, Option<(PathBuf, String)>)> {
        let expected = self.expected(kernel)?;
        Ok((status(&expected, text), expected))
    }

    /// Writes `.snap.new` beside the snapshot the output should replace, for
    /// `cargo insta review`.
    pub fn write_pending(&self, kernel: &str, text: &str) -> Result<PathBuf> {
        let target = match self.expected(kernel)? {
            Some((path, _)) => path,
            None => self.shared_path(),
        };
        let path = target.with_extension("snap.new");
        self.write_file(&path, text)?;
        Ok(path)
    }

    /// Output that is the same everywhere (a simulation) against the one file.
    pub fn compare_single(&self, text: &str) -> Result<(Status, Option<(PathBuf, String)>)> {
        let expected = read_if_exists(self.shared_path())?;
        Ok((status(&expected, text), expected))
    }

    /// `.snap.new` beside the one file, for `cargo insta review`.
    pub fn write_pending_single(&self, text: &str) -> Result<PathBuf> {
        let path = self.shared_path().with_extension("snap.new");
        self.write_file(&path, text)?;
        Ok(path)
    }

    /// Accepts `text` into the one file; returns it if it was written (new
    /// or changed), and removes a pending `.snap.new` either way.
    pub fn accept_single(&self, text: &str) -> Result<Option<PathBuf>> {
        let path = self.shared_path();
        remove_pending(&path);
        if read_if_exists(path.clone())?.is_some_and(|(_, old)| same(&old, text)) {
            return Ok(None);
        }
        self.write_file(&path, text)?;
        Ok(Some(path))
    }

    /// Writes `text` to `path` with this store's header.
    pub(crate) fn write_file(&self, path: &Path, text: &str) -> Result<()> {
        write_with_header(path, &self.header.0, &self.header.1, text)
    }

    /// Stores accepted outputs. With every kernel of the matrix in `outputs`,
    /// the layout is made anew: the most common output is shared, the others
    /// get a file of their own. With only some kernels, the shared snapshot
    /// stays and a kernel gets its own file only where it differs. Only new or
    /// changed files are written; returns them, and the files removed. A
    /// pending `.snap.new` of an accepted kernel is removed either way.
    pub fn accept(
        &self,
        outputs: &BTreeMap<String, String>,
        whole_matrix: bool,
    ) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
        let mut written = Vec::new();
        let mut removed = Vec::new();
        let current_shared = if self.shared_path().exists() {
            Some(read(&self.shared_path())?)
        } else {
            None
        };
        let shared = match (&current_shared, whole_matrix) {
            (Some(s), false) => s.clone(),
            _ => most_common(outputs),
        };
        if current_shared.as_deref().is_none_or(|c| !same(c, &shared)) {
            self.write_file(&self.shared_path(), &shared)?;
            written.push(self.shared_path());
        }
        remove_pending(&self.shared_path());
        for (kernel, text) in outputs {
            let path = self.kernel_path(kernel);
            remove_pending(&path);
            if same(text, &shared) {
                if path.exists() {
                    std::fs::remove_file(&path)?;
                    removed.push(path);
                }
            } else if !path.exists() || !same(&read(&path)?, text) {
                self.write_file(&path, text)?;
                written.push(path);
            }
        }
        Ok((written, removed))
    }
}

/// Whether `text` is what the snapshot `expected` (if any) holds.
fn status(expected: &Option<(PathBuf, String)>, text: &str) -> Status {
    match expected {
        None => Status::Missing,
        Some((_, old)) if same(old, text) => Status::Match,
        Some(_) => Status::Mismatch,
    }
}

fn read_if_exists(path: PathBuf) -> Result<Option<(PathBuf, String)>> {
    if !path.exists() {
        return Ok(None);
    }
    let text = read(&path)?;
    Ok(Some((path, text)))
}

/// A pending `.snap.new` beside `snapshot` is moot once the output is accepted.
fn remove_pending(snapshot: &Path) {
    let _ = std::fs::remove_file(snapshot.with_extension("snap.new"));
}

/// Ties go to the output seen first, in matrix order.
fn most_common(outputs: &BTreeMap<String, String>) -> String {
    let mut best: Option<(&String, usize)> = None;
    for text in outputs.values() {
        let n = outputs.values().filter(|t| same(t, text)).count();
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((text, n));
        }
    }
    best.map(|(t, _)| t.clone()).unwrap_or_default()
}

/// Snapshot equality as insta defines it: trailing whitespace does not count.
pub fn same(a: &str, b: &str) -> bool {
    a.trim_end() == b.trim_end()
}

pub fn read(path: &Path) -> Result<String> {
    let snap = insta::Snapshot::from_file(path)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("reading snapshot {}", path.display()))?;
    let text = snap
        .contents()
        .as_text()
        .with_context(|| format!("{} is not a text snapshot", path.display()))?;
    Ok(text.to_string())
}

/// insta's file format: a YAML header between `---` lines, then the text.
fn write_with_header(path: &Path, source: &str, expression: &str, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let body = format!(
        "---\nsource: {source}\nexpression: {expression}\n---\n{}\n",
        text.trim_end()
    );
    std::fs::write(path, body).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("verify-snap-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn insta_reads_what_we_write() {
        let d = tmp("rt");
        let p = d.join("x.snap");
        Store::new(&d, "x")
            .write_file(&p, "$ insmod x.ko\nx: hello\n")
            .unwrap();
        assert_eq!(read(&p).unwrap(), "$ insmod x.ko\nx: hello");
        let snap = insta::Snapshot::from_file(&p).unwrap();
        assert_eq!(snap.metadata().expression(), Some("normalized dmesg"));
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_simulation_has_one_file_written_as_insta_writes_it() {
        let d = tmp("sim");
        let s = Store::simulation(&d, "demo");
        assert_eq!(s.compare_single("a\n").unwrap().0, Status::Missing);
        let pending = s.write_pending_single("a\n").unwrap();
        assert_eq!(pending, d.join("snapshots/demo.snap.new"));
        assert_eq!(
            s.accept_single("a\n").unwrap(),
            Some(d.join("snapshots/demo.snap"))
        );
        assert!(!pending.exists(), "accepting removes the pending file");
        assert_eq!(
            std::fs::read_to_string(s.shared_path()).unwrap(),
            "---\nsource: examples/tests/snapshots.rs\nexpression: text\n---\na\n"
        );
        assert_eq!(
            s.accept_single("a").unwrap(),
            None,
            "unchanged: not written"
        );
        assert_eq!(s.compare_single("a").unwrap().0, Status::Match);
        assert_eq!(s.compare_single("b").unwrap().0, Status::Mismatch);
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn the_committed_simulation_snapshots_have_the_header_we_write() {
        // What examples/tests/snapshots.rs (insta) wrote is what
        // Store::simulation writes: accepting through verify changes no byte.
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        for name in examples::scenarios::names() {
            let s = Store::simulation(&examples, name);
            let file = std::fs::read_to_string(s.shared_path()).unwrap();
            let d = tmp(&format!("hdr-{name}"));
            let copy = Store::simulation(&d, name);
            copy.accept_single(&read(&s.shared_path()).unwrap())
                .unwrap();
            assert_eq!(std::fs::read_to_string(copy.shared_path()).unwrap(), file);
            std::fs::remove_dir_all(d).unwrap();
        }
    }

    #[test]
    fn identical_outputs_are_stored_once() {
        let d = tmp("acc");
        let s = Store::new(&d, "ex");
        let outs: BTreeMap<String, String> = [
            ("5.10", "a\n"),
            ("6.1", "b\n"),
            ("6.12", "b\n"),
            ("latest", "b\n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (written, _) = s.accept(&outs, true).unwrap();
        assert_eq!(written, vec![s.shared_path(), s.kernel_path("5.10")]);
        assert_eq!(read(&s.shared_path()).unwrap(), "b");
        assert_eq!(s.compare("6.12", "b\n").unwrap().0, Status::Match);
        assert_eq!(s.compare("5.10", "a").unwrap().0, Status::Match);
        assert_eq!(s.compare("5.10", "b").unwrap().0, Status::Mismatch);
        // Accepting the same outputs again writes nothing, and clears what
        // an earlier run left pending for them.
        let pending = s.write_pending("5.10", "c\n").unwrap();
        assert_eq!(pending, s.kernel_path("5.10").with_extension("snap.new"));
        assert_eq!(s.accept(&outs, true).unwrap(), (vec![], vec![]));
        assert!(!pending.exists());
        // 5.10 converging on the shared output removes its own file.
        let one: BTreeMap<String, String> = [("5.10".to_string(), "b".to_string())].into();
        let (w, r) = s.accept(&one, false).unwrap();
        assert!(w.is_empty());
        assert_eq!(r, vec![s.kernel_path("5.10")]);
        std::fs::remove_dir_all(d).unwrap();
    }
}
