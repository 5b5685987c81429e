//! The fifth stage: snapshots next to their listing, in insta's file format,
//! against which a run's normalized text is compared and into which
//! `--accept` writes it. It touches only the snapshot directories
//! (`kmods/<name>/snapshots/`, `examples/snapshots/`).
//!
//! `kmods/<name>/snapshots/<name>.snap` holds the output shared by every
//! kernel that prints the same thing; `<name>@<kernel>.snap` holds the output
//! of a kernel that differs. Files are read with insta itself, so what we
//! write stays readable by `cargo insta`. A run that finds another output
//! leaves the layout `--accept` would write as pending files beside them,
//! `FILE.snap.new` for `FILE.snap` ([`Store::plan`], [`Store::write_pending`]),
//! insta's convention. `cargo insta review` does not find those of listings:
//! it looks only in the directories of the workspace's cargo packages
//! (cargo-insta 1.49, `find_snapshot_roots`), and `kmods/` is none of them;
//! `--accept` is the way to accept them.
//!
//! A simulation's output does not depend on the kernel: it has one file,
//! `examples/snapshots/<name>.snap` ([`Store::simulation`]), which the
//! examples crate's own insta test reads too; the `*_single` methods work on it.
//!
//! The snapshot directories are repository content, so a pull request can put
//! anything there. A store's files must be regular files in a real directory:
//! a symbolic link (to a host file, say) is refused with an error naming it,
//! before anything is read or written, because reading it would print a host
//! file into the diff and the book, and writing through it would overwrite
//! one. Files are written to a temporary file beside the target and renamed
//! over it, which replaces a link made in the meantime instead of following
//! it. A damaged file is named with the line to fix ([`parse`]).

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// How an output compares with the snapshot that applies to it
/// ([`Store::compare`]); kebab-case in `report.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The same text, trailing whitespace aside ([`same`]).
    Match,
    /// A snapshot applies and holds other text.
    Mismatch,
    /// No snapshot applies: neither the kernel's own nor the shared one.
    Missing,
}

/// The snapshot files of one listing run or simulation in one directory:
/// `NAME.snap`, `NAME@KERNEL.snap` and their pending `.snap.new`.
pub struct Store {
    /// `kmods/<listing>/snapshots/` or `examples/snapshots/`.
    pub dir: PathBuf,
    /// The files' stem: the run's id (`LISTING` or `LISTING.VARIANT`,
    /// [`crate::manifest::Scenario::id`]) or the simulation's name.
    pub name: String,
    /// insta's `source` and `expression` header fields of the files written.
    header: (String, String),
}

impl Store {
    /// A listing's snapshots: `kmods/<listing>/snapshots/<name>.snap`, where
    /// `name` is the listing's, or `LISTING.VARIANT` for a variant of it
    /// (whose manifest is still the listing's).
    pub fn new(example_dir: &Path, name: &str) -> Store {
        let listing = name.split('.').next().unwrap_or(name);
        Store {
            dir: example_dir.join("snapshots"),
            name: name.to_string(),
            header: (
                format!("kmods/{listing}/scenario.toml"),
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

    /// `DIR/NAME.snap`: the output of every kernel without a file of its own.
    pub fn shared_path(&self) -> PathBuf {
        self.dir.join(format!("{}.snap", self.name))
    }

    /// `DIR/NAME@KERNEL.snap`: the output of `kernel` (a matrix id) where it
    /// differs from the shared one. The path, whether or not the file exists.
    pub fn kernel_path(&self, kernel: &str) -> PathBuf {
        self.dir.join(format!("{}@{}.snap", self.name, kernel))
    }

    /// This store's files in its directory (`NAME.snap`, `NAME@KERNEL.snap`
    /// and their `.snap.new`), sorted; empty when the directory does not
    /// exist. Errors: the directory is a link or not a directory, or one of
    /// the files is a link or not a regular file (each names the path).
    pub fn files(&self) -> Result<Vec<PathBuf>> {
        if !real_dir(&self.dir)? {
            return Ok(Vec::new());
        }
        let mut files = Vec::new();
        let entries = std::fs::read_dir(&self.dir)
            .with_context(|| format!("reading {}", self.dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("reading {}", self.dir.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !self.owns(name) {
                continue;
            }
            let path = entry.path();
            let kind = entry
                .file_type()
                .with_context(|| format!("reading {}", path.display()))?;
            refuse_unless_regular(&path, kind)?;
            files.push(path);
        }
        files.sort();
        Ok(files)
    }

    /// The pending `.snap.new` files of this store (see [`Store::files`]).
    pub fn pending(&self) -> Result<Vec<PathBuf>> {
        Ok(self
            .files()?
            .into_iter()
            .filter(|p| p.to_string_lossy().ends_with(".snap.new"))
            .collect())
    }

    /// Whether a file name is one of this store's snapshots or pending files.
    fn owns(&self, file: &str) -> bool {
        let Some(rest) = file.strip_prefix(self.name.as_str()) else {
            return false;
        };
        let stem = rest
            .strip_suffix(".snap.new")
            .or_else(|| rest.strip_suffix(".snap"));
        stem.is_some_and(|s| s.is_empty() || s.starts_with('@'))
    }

    /// The snapshot that applies to `kernel`: its own, else the shared one.
    /// Errors name the file: a link or other non-regular file among the
    /// store's files, or a damaged file ([`parse`]).
    pub fn expected(&self, kernel: &str) -> Result<Option<(PathBuf, String)>> {
        self.files()?;
        match read_if_exists(self.kernel_path(kernel))? {
            Some(own) => Ok(Some(own)),
            None => read_if_exists(self.shared_path()),
        }
    }

    /// Whether a snapshot applies to `kernel`, without reading it (a link
    /// counts: reading it is what refuses it).
    pub fn has(&self, kernel: &str) -> bool {
        self.kernel_path(kernel).symlink_metadata().is_ok()
            || self.shared_path().symlink_metadata().is_ok()
    }

    /// `text` against the snapshot for `kernel`; errors as [`Store::expected`].
    pub fn compare(&self, kernel: &str, text: &str) -> Result<(Status, Option<(PathBuf, String)>)> {
        let expected = self.expected(kernel)?;
        Ok((status(&expected, text), expected))
    }

    /// Writes `plan` as pending files in insta's convention (accepting one
    /// renames `FILE.snap.new` to `FILE.snap`): every file the plan writes,
    /// as `FILE.snap.new`. A kernel file the plan removes (its output is the
    /// shared one again) cannot be expressed as a rename, so its pending file
    /// holds the shared text: renamed, the file says what the shared one
    /// does. Returns the files written, in the plan's order. Refuses (naming
    /// it) a link among the store's files rather than write through it.
    pub fn write_pending(&self, plan: &Plan) -> Result<Vec<PathBuf>> {
        self.files()?;
        let mut written = Vec::new();
        let removed = plan.remove.iter().map(|p| (p, &plan.shared));
        for (path, text) in plan.write.iter().map(|(p, t)| (p, t)).chain(removed) {
            let pending = path.with_extension("snap.new");
            self.write_file(&pending, text)?;
            written.push(pending);
        }
        Ok(written)
    }

    /// Output that is the same everywhere (a simulation) against the one file.
    pub fn compare_single(&self, text: &str) -> Result<(Status, Option<(PathBuf, String)>)> {
        self.files()?;
        let expected = read_if_exists(self.shared_path())?;
        Ok((status(&expected, text), expected))
    }

    /// `.snap.new` beside the one file, which `cargo insta review` finds (it
    /// is in the examples package).
    pub fn write_pending_single(&self, text: &str) -> Result<PathBuf> {
        self.files()?;
        let path = self.shared_path().with_extension("snap.new");
        self.write_file(&path, text)?;
        Ok(path)
    }

    /// Accepts `text` into the one file; returns it if it was written (new
    /// or changed), and removes a pending `.snap.new` either way.
    pub fn accept_single(&self, text: &str) -> Result<Option<PathBuf>> {
        self.files()?;
        let path = self.shared_path();
        remove_pending(&path)?;
        if read_if_exists(path.clone())?.is_some_and(|(_, old)| same(&old, text)) {
            return Ok(None);
        }
        self.write_file(&path, text)?;
        Ok(Some(path))
    }

    /// Writes `text` to `path` with this store's header, without following
    /// a link at `path` or at its directory ([`write_no_follow`]).
    pub(crate) fn write_file(&self, path: &Path, text: &str) -> Result<()> {
        write_with_header(path, &self.header.0, &self.header.1, text)
    }

    /// What accepting `outputs` (matrix id → text) would do to this store's
    /// files, without touching them. With every kernel of the matrix in
    /// `outputs`, the layout is made anew: the most common output is shared,
    /// the others get a file of their own. With only some kernels, the shared
    /// snapshot stays and a kernel gets its own file only where it differs.
    /// Only new or changed files are in [`Plan::write`]. Errors: a store's file
    /// is a link or damaged (the error names it).
    pub fn plan(&self, outputs: &BTreeMap<String, String>, whole_matrix: bool) -> Result<Plan> {
        self.files()?;
        let mut plan = Plan::default();
        let current_shared = read_if_exists(self.shared_path())?.map(|(_, text)| text);
        plan.shared = match (&current_shared, whole_matrix) {
            (Some(s), false) => s.clone(),
            _ => most_common(outputs),
        };
        if current_shared
            .as_deref()
            .is_none_or(|c| !same(c, &plan.shared))
        {
            plan.write.push((self.shared_path(), plan.shared.clone()));
        }
        for (kernel, text) in outputs {
            let path = self.kernel_path(kernel);
            let own = read_if_exists(path.clone())?;
            if same(text, &plan.shared) {
                if own.is_some() {
                    plan.remove.push(path);
                }
            } else if own.is_none_or(|(_, old)| !same(&old, text)) {
                plan.write.push((path, text.clone()));
            }
        }
        Ok(plan)
    }

    /// Stores accepted outputs as [`Store::plan`] lays them out. Only new or
    /// changed files are written; returns them, and the files removed. A
    /// pending `.snap.new` of an accepted kernel, and the shared one, are
    /// removed either way. Nothing is written when a store's file is a link
    /// (the error names it).
    pub fn accept(
        &self,
        outputs: &BTreeMap<String, String>,
        whole_matrix: bool,
    ) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
        let plan = self.plan(outputs, whole_matrix)?;
        remove_pending(&self.shared_path())?;
        for kernel in outputs.keys() {
            remove_pending(&self.kernel_path(kernel))?;
        }
        for (path, text) in &plan.write {
            self.write_file(path, text)?;
        }
        for path in &plan.remove {
            std::fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
        }
        let written = plan.write.into_iter().map(|(p, _)| p).collect();
        Ok((written, plan.remove))
    }
}

/// What accepting some outputs makes of a store's files ([`Store::plan`]):
/// `--accept` carries it out ([`Store::accept`]); a run without it leaves it
/// as pending files ([`Store::write_pending`]), so that a review accepts the
/// same layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The shared output after accepting (`NAME.snap`'s text).
    pub shared: String,
    /// The files to write, new or changed, with their text: the shared file
    /// first when it changes, then kernel files in matrix-id order.
    pub write: Vec<(PathBuf, String)>,
    /// Kernel files whose output is now the shared one.
    pub remove: Vec<PathBuf>,
}

impl Plan {
    /// Nothing to write or remove: the snapshots already say it.
    pub fn is_empty(&self) -> bool {
        self.write.is_empty() && self.remove.is_empty()
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

/// Whether `dir` is a real directory (`false`: it does not exist). A link
/// is refused even when it points at a directory: through it a pull request
/// could have snapshots read from, and written to, anywhere.
fn real_dir(dir: &Path) -> Result<bool> {
    match dir.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
        Ok(m) if m.file_type().is_symlink() => bail!(
            "{}: the snapshot directory is a symbolic link; snapshots are regular files in a real directory of the repository, and a link could read or write files outside it: replace it with a directory",
            dir.display()
        ),
        Ok(m) if !m.is_dir() => bail!(
            "{}: not a directory; snapshots live in a directory of that name: remove it",
            dir.display()
        ),
        Ok(_) => Ok(true),
    }
}

/// The error for a symbolic link where a snapshot file is.
fn link_refused(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{}: a symbolic link in a snapshot directory; snapshots are regular files, and reading or writing through a link would reach a file outside the repository: remove it (`rm`, or `git rm` if it is committed)",
        path.display()
    )
}

/// The error for anything else that is not a regular file there.
fn not_regular(path: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{}: not a regular file; a snapshot is a text file in insta's format: remove it",
        path.display()
    )
}

/// Refuses a snapshot file that is not a regular file, naming it.
fn refuse_unless_regular(path: &Path, kind: std::fs::FileType) -> Result<()> {
    if kind.is_symlink() {
        return Err(link_refused(path));
    }
    if !kind.is_file() {
        return Err(not_regular(path));
    }
    Ok(())
}

/// The bytes of the snapshot file at `path`, `None` when there is none. It
/// is opened without following a link (`O_NOFOLLOW`), so a link made after
/// [`Store::files`] looked is refused too.
fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>> {
    use crate::regular::OpenError;
    match crate::regular::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.not_found() => Ok(None),
        Err(OpenError::Link(_)) => Err(link_refused(path)),
        Err(OpenError::NotRegular(_)) => Err(not_regular(path)),
        Err(e) => {
            Err(anyhow::Error::new(e).context(format!("reading snapshot {}", path.display())))
        }
    }
}

/// The snapshot at `path`, if there is one.
fn read_if_exists(path: PathBuf) -> Result<Option<(PathBuf, String)>> {
    match read_bytes(&path)? {
        None => Ok(None),
        Some(bytes) => {
            let text = text_of(&path, &bytes)?;
            Ok(Some((path, text)))
        }
    }
}

/// A pending `.snap.new` beside `snapshot` is moot once the output is
/// accepted. Absent is fine; any other failure to remove it is an error,
/// since it would hold a stale output.
fn remove_pending(snapshot: &Path) -> Result<()> {
    let pending = snapshot.with_extension("snap.new");
    match std::fs::remove_file(&pending) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        r => r.with_context(|| format!("removing the pending snapshot {}", pending.display())),
    }
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

/// The text of the snapshot at `path`. The file is opened without following
/// a link, checked line by line ([`parse`], so a damaged file is named with
/// its line), then read with insta, the reference reader of the format.
pub fn read(path: &Path) -> Result<String> {
    let bytes = read_bytes(path)?
        .with_context(|| format!("reading snapshot {}: there is no such file", path.display()))?;
    text_of(path, &bytes)
}

/// The text of the snapshot at `path`, whose bytes are `bytes`.
fn text_of(path: &Path, bytes: &[u8]) -> Result<String> {
    let (header_lines, _) = parse(path, bytes)?;
    let snap = insta::Snapshot::from_file(path).map_err(|e| {
        anyhow::anyhow!(
            "{}:2-{}: insta cannot read the header ({e}); {}",
            path.display(),
            header_lines + 1,
            fix(path)
        )
    })?;
    let text = snap.contents().as_text().with_context(|| {
        format!(
            "{} is not a text snapshot (its header names another kind); {}",
            path.display(),
            fix(path)
        )
    })?;
    Ok(text.to_string())
}

/// How to mend the damaged snapshot at `path`, said after what is wrong.
fn fix(path: &Path) -> String {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = file.split(['@', '.']).next().unwrap_or_default();
    format!(
        "restore it from git (`git checkout -- {}`), or delete it and make it anew with `cargo run -p verify -- --accept {name}`",
        path.display()
    )
}

/// Checks `bytes` (the file at `path`, named in errors) against insta's
/// file format as this project writes it: a `---` line, a YAML header of
/// `key: value` lines, a `---` line, then the output. Returns the number of
/// header lines and the output (lines joined by `\n`, as insta reads it).
/// insta only says "Failed parsing the YAML", with no place, so the checks
/// that find the usual damage (not text, no header, an unclosed header or
/// bracket or quote, nothing after the header) are made here, each error
/// naming `path:LINE[:COLUMN]`.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<(usize, String)> {
    let p = path.display();
    let fix = fix(path);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let col = good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
            bail!("{p}:{line}:{col}: not UTF-8 text; a snapshot is text in insta's format (a `---` header, then the output): {fix}");
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    match lines.first() {
        Some(first) if first.trim_end() == "---" => {}
        Some(first) => bail!(
            "{p}:1: expected `---`, the start of insta's header, found {}; the file has no header: {fix}",
            shown(first)
        ),
        None => bail!("{p}: empty; a snapshot is a `---` header, then the output: {fix}"),
    }
    let Some(close) = lines.iter().skip(1).position(|l| l.trim_end() == "---") else {
        bail!("{p}:1: the header opened here is never closed: no `---` line follows it; {fix}");
    };
    let close = close + 1;
    for (i, line) in lines.iter().enumerate().take(close).skip(1) {
        if let Some((col, what)) = header_fault(line) {
            bail!(
                "{p}:{}:{col}: {what} in the header line {}; {fix}",
                i + 1,
                shown(line)
            );
        }
    }
    let body = lines[close + 1..].join("\n");
    if body.trim().is_empty() {
        bail!(
            "{p}:{}: nothing after the header; a snapshot holds the output it expects (at least the steps): {fix}",
            close + 2
        );
    }
    Ok((close - 1, body))
}

/// What is wrong with one line of a snapshot's YAML header, and its column
/// (1-based): only the forms insta writes are checked (`key: value`, an
/// indented continuation, a comment); a line that passes may still be
/// refused by insta, whose error is then given with the header's lines.
fn header_fault(line: &str) -> Option<(usize, String)> {
    if line.trim().is_empty() || line.starts_with([' ', '\t', '#']) {
        return None;
    }
    let Some((key, value)) = line.split_once(':') else {
        return Some((1, "expected `key: value`".into()));
    };
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Some((1, format!("`{key}` is not a key")));
    }
    if !value.is_empty() && !value.starts_with(' ') {
        return Some((key.len() + 2, "expected a space after `:`".into()));
    }
    let v = value.trim();
    let col = key.len() + 1 + (value.len() - value.trim_start().len()) + 1;
    let closed =
        |open: char, close: char| v.len() >= 2 && v.starts_with(open) && v.ends_with(close);
    match v.chars().next() {
        Some('[') if !closed('[', ']') => {
            Some((col, "a `[` that is not closed on its line".into()))
        }
        Some('{') if !closed('{', '}') => {
            Some((col, "a `{` that is not closed on its line".into()))
        }
        Some(q @ ('"' | '\'')) if !closed(q, q) => {
            Some((col, format!("a {q} quote that is not closed on its line")))
        }
        Some(c @ ('&' | '*' | '!' | '%' | '@' | '`')) => Some((
            col,
            format!("a value starting with `{c}`, which insta never writes"),
        )),
        _ => None,
    }
}

/// A line of a damaged file as an error shows it: quoted, escaped, short.
fn shown(line: &str) -> String {
    let cut: String = line.chars().take(60).collect();
    let more = if cut.len() < line.len() { "…" } else { "" };
    format!("{:?}{more}", cut)
}

/// insta's file format: a YAML header between `---` lines, then the text.
fn write_with_header(path: &Path, source: &str, expression: &str, text: &str) -> Result<()> {
    let body = format!(
        "---\nsource: {source}\nexpression: {expression}\n---\n{}\n",
        text.trim_end()
    );
    write_no_follow(path, body.as_bytes())
}

/// Writes `bytes` to `path` through a new temporary file in the same
/// directory (created exclusively, so never an existing file or link) that
/// is then renamed over `path`: a rename replaces a link at `path` rather
/// than writing where it points, and a reader never sees half a file. A link
/// already at `path`, or a directory that is a link, is refused (it is
/// repository content that should not be there), naming the path.
pub fn write_no_follow(path: &Path, bytes: &[u8]) -> Result<()> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .with_context(|| format!("{}: no directory to write in", path.display()))?;
    if !real_dir(dir)? {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        real_dir(dir)?;
    }
    match path.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("writing {}", path.display())),
        Ok(m) => refuse_unless_regular(path, m.file_type())?,
    }
    let file_name = path
        .file_name()
        .with_context(|| format!("{}: no file name", path.display()))?
        .to_string_lossy();
    let tmp = dir.join(format!(
        ".{file_name}.tmp-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("verify-snap-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
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
        let c: BTreeMap<String, String> = [("5.10".to_string(), "c\n".to_string())].into();
        let pending = s.write_pending(&s.plan(&c, false).unwrap()).unwrap();
        assert_eq!(pending, [s.kernel_path("5.10").with_extension("snap.new")]);
        let pending = &pending[0];
        assert_eq!(s.accept(&outs, true).unwrap(), (vec![], vec![]));
        assert!(!pending.exists());
        // 5.10 converging on the shared output removes its own file.
        let one: BTreeMap<String, String> = [("5.10".to_string(), "b".to_string())].into();
        let (w, r) = s.accept(&one, false).unwrap();
        assert!(w.is_empty());
        assert_eq!(r, vec![s.kernel_path("5.10")]);
        std::fs::remove_dir_all(d).unwrap();
    }

    fn outputs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// What a review does with a pending file: renames it over its target.
    fn review(s: &Store) {
        for p in s.pending().unwrap() {
            std::fs::rename(&p, p.with_extension("")).unwrap();
        }
    }

    #[test]
    fn one_pending_file_per_output_in_the_layout_accept_writes() {
        // A variant's store: its files are `ex.full…`.
        let d = tmp("plan");
        let s = Store::new(&d, "ex.full");
        let outs = outputs(&[("5.10", "a"), ("6.1", "a"), ("6.12", "c"), ("latest", "d")]);
        let plan = s.plan(&outs, true).unwrap();
        let files = s.write_pending(&plan).unwrap();
        assert_eq!(
            files,
            [
                s.dir.join("ex.full.snap.new"),
                s.dir.join("ex.full@6.12.snap.new"),
                s.dir.join("ex.full@latest.snap.new"),
            ]
        );
        assert_eq!(read(&files[2]).unwrap(), "d");
        // Renamed as a review would, they are what --accept writes.
        let accepted = tmp("plan-accepted");
        let a = Store::new(&accepted, "ex.full");
        a.accept(&outs, true).unwrap();
        review(&s);
        let names = |s: &Store| -> Vec<(String, String)> {
            s.files()
                .unwrap()
                .iter()
                .map(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    (name, read(p).unwrap())
                })
                .collect()
        };
        assert_eq!(names(&s), names(&a));
        std::fs::remove_dir_all(d).unwrap();
        std::fs::remove_dir_all(accepted).unwrap();
    }

    #[test]
    fn a_moved_shared_output_is_pending_everywhere_it_lands() {
        // Was: 5.10, 6.1, 6.12 print A (shared), latest B (its own file).
        // Now 6.1 and 6.12 print B too: B becomes the shared output, 5.10
        // gets a file of its own though its output did not change, and
        // latest's file goes (a removal is pending as the shared text).
        let d = tmp("moved");
        let s = Store::new(&d, "ex");
        let before = outputs(&[("5.10", "A"), ("6.1", "A"), ("6.12", "A"), ("latest", "B")]);
        s.accept(&before, true).unwrap();
        let now = outputs(&[("5.10", "A"), ("6.1", "B"), ("6.12", "B"), ("latest", "B")]);
        let plan = s.plan(&now, true).unwrap();
        assert_eq!(plan.shared, "B");
        assert_eq!(
            plan.write,
            [
                (s.shared_path(), "B".to_string()),
                (s.kernel_path("5.10"), "A".to_string())
            ]
        );
        assert_eq!(plan.remove, [s.kernel_path("latest")]);
        let files = s.write_pending(&plan).unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(read(&s.dir.join("ex@latest.snap.new")).unwrap(), "B");
        review(&s);
        for (k, text) in &now {
            assert_eq!(s.compare(k, text).unwrap().0, Status::Match, "{k}");
        }
        // Only some kernels: the shared output stays, a kernel that
        // differs gets its own file.
        let plan = s.plan(&outputs(&[("6.1", "C")]), false).unwrap();
        assert_eq!(plan.write, [(s.kernel_path("6.1"), "C".to_string())]);
        assert!(plan.remove.is_empty());
        // The review left latest a copy of the shared output, which the
        // next --accept removes; nothing is left to write.
        let plan = s.plan(&now, true).unwrap();
        assert!(plan.write.is_empty(), "{plan:?}");
        assert_eq!(plan.remove, [s.kernel_path("latest")]);
        std::fs::remove_dir_all(d).unwrap();
    }

    /// A victim outside the snapshot directory, and a link to it.
    fn victim(d: &Path) -> PathBuf {
        let v = d.join("victim.txt");
        std::fs::write(&v, "a host file\n").unwrap();
        v
    }

    fn err(r: Result<impl std::fmt::Debug>) -> String {
        format!("{:#}", r.unwrap_err())
    }

    #[test]
    fn a_pending_link_is_refused_and_never_written_through() {
        // trust/snapwrite: a committed `snapshots/NAME.snap.new` link to a
        // host file; a plain run wrote the output into the host file.
        let d = tmp("link-new");
        let v = victim(&d);
        let s = Store::new(&d.join("ex"), "ex");
        std::fs::create_dir_all(&s.dir).unwrap();
        let link = s.dir.join("ex.snap.new");
        std::os::unix::fs::symlink(&v, &link).unwrap();
        let outs: BTreeMap<String, String> = [("6.1".to_string(), "out".to_string())].into();
        let e = err(s.plan(&outs, true).and_then(|p| s.write_pending(&p)));
        assert!(e.contains(&link.display().to_string()), "{e}");
        assert!(e.contains("symbolic link"), "{e}");
        let e = err(s.compare("6.1", "out\n"));
        assert!(e.contains("ex.snap.new"), "reading refuses it too: {e}");
        let e = err(s.accept(&outs, true));
        assert!(e.contains("ex.snap.new"), "{e}");
        assert_eq!(std::fs::read_to_string(&v).unwrap(), "a host file\n");
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        assert!(!s.shared_path().exists(), "accept wrote nothing");
        // The simulation store is held to the same rule.
        let sim = Store::simulation(&d.join("ex"), "ex");
        let e = err(sim.write_pending_single("out\n"));
        assert!(e.contains("ex.snap.new"), "{e}");
        assert!(err(sim.accept_single("out\n")).contains("ex.snap.new"));
        assert_eq!(std::fs::read_to_string(&v).unwrap(), "a host file\n");
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_snapshot_link_is_never_read() {
        // Reading through a `.snap` link would print a host file into the
        // diff and the book; the target here is even a valid snapshot.
        let d = tmp("link-snap");
        let secret = d.join("secret.snap");
        std::fs::write(&secret, "---\nsource: x\n---\nHOST-SECRET-42\n").unwrap();
        let s = Store::new(&d.join("ex"), "ex");
        std::fs::create_dir_all(&s.dir).unwrap();
        std::os::unix::fs::symlink(&secret, s.kernel_path("6.1")).unwrap();
        for e in [
            err(s.expected("6.1")),
            err(s.expected("5.10")),
            err(s.compare("6.1", "x")),
            err(read(&s.kernel_path("6.1"))),
        ] {
            assert!(e.contains("ex@6.1.snap"), "{e}");
            assert!(!e.contains("HOST-SECRET"), "{e}");
        }
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_linked_snapshot_directory_is_refused() {
        let d = tmp("link-dir");
        let elsewhere = d.join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::create_dir_all(d.join("ex")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, d.join("ex/snapshots")).unwrap();
        let s = Store::new(&d.join("ex"), "ex");
        for e in [
            err(s.compare("6.1", "x")),
            err(s.write_pending(&Plan {
                write: vec![(s.shared_path(), "x".into())],
                ..Plan::default()
            })),
            err(s.files()),
        ] {
            assert!(
                e.contains("ex/snapshots: the snapshot directory is a symbolic link"),
                "{e}"
            );
        }
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_link_at_the_target_is_refused_by_the_writer_itself() {
        let d = tmp("link-write");
        let v = victim(&d);
        let link = d.join("x.snap");
        std::os::unix::fs::symlink(&v, &link).unwrap();
        let e = err(write_no_follow(&link, b"new"));
        assert!(e.contains("x.snap: a symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&v).unwrap(), "a host file\n");
        // No temporary file is left behind, and a plain write replaces.
        write_no_follow(&d.join("y.snap"), b"one").unwrap();
        write_no_follow(&d.join("y.snap"), b"two").unwrap();
        assert_eq!(std::fs::read_to_string(d.join("y.snap")).unwrap(), "two");
        let names: Vec<String> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_pending_file_that_cannot_be_removed_is_an_error() {
        // Was ignored: the stale output would stay pending.
        let d = tmp("rm-pending");
        std::fs::create_dir_all(d.join("x.snap.new/inside")).unwrap();
        let e = err(remove_pending(&d.join("x.snap")));
        assert!(e.contains("x.snap.new"), "{e}");
        remove_pending(&d.join("absent.snap")).unwrap();
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn pending_lists_only_this_stores_files() {
        let d = tmp("pending");
        let s = Store::new(&d, "ex");
        for f in [
            "ex.snap.new",
            "ex@6.1.snap.new",
            "ex.snap",
            "exx.snap.new",
            "other.snap.new",
            ".ex.snap.tmp-1-0",
        ] {
            std::fs::create_dir_all(&s.dir).unwrap();
            std::fs::write(s.dir.join(f), "x").unwrap();
        }
        assert_eq!(
            s.pending().unwrap(),
            vec![s.dir.join("ex.snap.new"), s.dir.join("ex@6.1.snap.new")]
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    /// The malformed files of `tests/cases/trust/snapshots/`, each with what
    /// its error must say: the file and the line (and column) to fix.
    #[test]
    fn each_malformed_snapshot_is_named_with_its_line() {
        let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/trust/snapshots");
        let want = [
            (
                "bad_yaml.snap",
                "bad_yaml.snap:2:9: a `[` that is not closed",
            ),
            (
                "empty_body.snap",
                "empty_body.snap:5: nothing after the header",
            ),
            ("garbage.snap", "garbage.snap:1:1: not UTF-8"),
            (
                "no_closing.snap",
                "no_closing.snap:1: the header opened here is never closed",
            ),
            ("no_header.snap", "no_header.snap:1: expected `---`"),
        ];
        let mut seen = 0;
        for entry in std::fs::read_dir(&cases).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let (_, msg) = want
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("{name}: a new case; say what its error is"));
            let e = err(read(&path));
            assert!(e.contains(msg), "{name}: {e}");
            assert!(
                e.contains(&cases.display().to_string()),
                "the whole path: {e}"
            );
            assert!(
                e.contains(&format!("git checkout -- {}", path.display())),
                "says how to mend it: {e}"
            );
            let stem = name.trim_end_matches(".snap");
            assert!(e.contains(&format!("--accept {stem}`")), "{e}");
            seen += 1;
        }
        assert_eq!(seen, want.len());
    }

    #[test]
    fn a_header_only_insta_refuses_is_named_with_its_lines() {
        let d = tmp("yaml");
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("x.snap");
        std::fs::write(&p, "---\nsource: a: b\nexpression: e\n---\nout\n").unwrap();
        let e = err(read(&p));
        assert!(
            e.contains("x.snap:2-3: insta cannot read the header"),
            "{e}"
        );
        std::fs::write(&p, "---\nsource: \"a\nexpression: e\n---\nout\n").unwrap();
        assert!(err(read(&p)).contains("x.snap:2:9: a \" quote"));
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn every_committed_snapshot_passes_the_checks() {
        // The checks of `parse` are stricter than insta's reader in places
        // (an empty body, a value starting with `&`): no accepted file may
        // trip them.
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo.join("kmods"))
            .unwrap()
            .map(|e| e.unwrap().path().join("snapshots"))
            .collect();
        dirs.push(repo.join("examples/snapshots"));
        let mut n = 0;
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            for e in std::fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path();
                if path.extension().is_some_and(|x| x == "snap") {
                    read(&path).unwrap_or_else(|e| panic!("{e:#}"));
                    n += 1;
                }
            }
        }
        assert!(n > 40, "{n} snapshots");
    }
}
