//! Listing builds kept by content, so a listing is built once per kernel
//! until something that goes into its build changes.
//!
//! The key is a SHA-256 over everything `make` reads that can change between
//! runs: [`FORMAT`] (bumped when the build procedure changes), the kernel's
//! matrix entry, release and compiler, the build root's integrity manifest
//! (every file of the root by path, mode and size: headers, compiler,
//! `Module.symvers`), the `make` command line (`W=1` included), and each
//! source file's name and bytes (the listing's and `kmods/include/`'s, as
//! [`crate::host::kbuild::sources`] lists them).
//!
//! An entry is `CACHE/builds/<key>/`: make's log, whether it succeeded, the
//! `.ko` files, and `SHA256SUMS` over all of them. It is written into a
//! temporary directory and renamed into place, so concurrent runs never see
//! half an entry (the first rename wins; the other run's copy is dropped).
//! An entry whose files do not match its `SHA256SUMS`, or that holds
//! anything but regular files, is refused: removed, said so, and built
//! again. A build error is kept too: it is as much the listing's result as
//! a module.

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The cache's format and the build procedure's version: part of every key.
pub const FORMAT: &str = "kthread-book build cache 1";

/// A build's key: 64 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(pub String);

/// What goes into a key besides the sources.
pub struct Inputs<'a> {
    /// `serde_json` of the kernel's matrix entry, its release and compiler.
    pub kernel: String,
    /// The build root's integrity manifest (`roots/<id>.manifest`).
    pub root_manifest: &'a [u8],
    /// `make`'s argument vector.
    pub argv: &'a [&'a str],
    /// The files copied into the build, by the name they get there.
    pub sources: &'a [PathBuf],
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_file(p: &Path) -> Result<String> {
    let mut f = crate::regular::open(p)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).with_context(|| format!("reading {}", p.display()))?;
    Ok(hex(&h.finalize()))
}

/// The key of a build from `inputs`. Errors: a source that cannot be read
/// as a regular file.
pub fn key(inputs: &Inputs) -> Result<Key> {
    let mut h = Sha256::new();
    let mut field = |name: &str, bytes: &[u8]| {
        h.update(name.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field("format", FORMAT.as_bytes());
    field("kernel", inputs.kernel.as_bytes());
    field("root", inputs.root_manifest);
    field("argc", &(inputs.argv.len() as u64).to_le_bytes());
    for a in inputs.argv {
        field("arg", a.as_bytes());
    }
    for src in inputs.sources {
        let name = src.file_name().context("a source file name")?;
        let bytes = crate::regular::read(src)?;
        field("name", name.to_string_lossy().as_bytes());
        field("file", &bytes);
    }
    Ok(Key(hex(&h.finalize())))
}

/// A kept build.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// make's combined output.
    pub log: String,
    /// Whether make succeeded and left a `.ko`.
    pub ok: bool,
    /// Seconds the build took when it was made.
    pub secs: f64,
    /// The `.ko` files of the entry, by file name, sorted.
    pub modules: Vec<PathBuf>,
}

/// The cache in `dir` (`CACHE/builds`).
pub struct Cache {
    dir: PathBuf,
}

const LOG: &str = "log";
const STATUS: &str = "status";
const SUMS: &str = "SHA256SUMS";

impl Cache {
    /// The cache under `dir`; made on the first [`Cache::put`].
    pub fn new(dir: &Path) -> Cache {
        Cache {
            dir: dir.to_path_buf(),
        }
    }

    fn entry_dir(&self, key: &Key) -> PathBuf {
        self.dir.join(&key.0)
    }

    /// The entry for `key`: `Ok(None)` when there is none, or when there was
    /// a corrupt one, which is removed (`corrupt` is told why). Errors: the
    /// cache directory cannot be read or a corrupt entry cannot be removed.
    pub fn get(&self, key: &Key, corrupt: &mut dyn FnMut(String)) -> Result<Option<Entry>> {
        let dir = self.entry_dir(key);
        if dir.symlink_metadata().is_err() {
            return Ok(None);
        }
        match read_entry(&dir) {
            Ok(e) => Ok(Some(e)),
            Err(why) => {
                corrupt(format!(
                    "the kept build {} is corrupt ({why:#}); removed, building again",
                    dir.display()
                ));
                remove(&dir)?;
                Ok(None)
            }
        }
    }

    /// Keeps a build: `log`, `ok`, `secs` and the `.ko` files `modules`
    /// (copied). A concurrent run may have kept the same key first: that
    /// entry stays. Errors: a file that cannot be written or read.
    pub fn put(
        &self,
        key: &Key,
        log: &str,
        ok: bool,
        secs: f64,
        modules: &[PathBuf],
    ) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let tmp = self
            .dir
            .join(format!(".{}.{}.tmp", key.0, std::process::id()));
        remove(&tmp)?;
        std::fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let written = (|| -> Result<()> {
            std::fs::write(tmp.join(LOG), log)?;
            std::fs::write(tmp.join(STATUS), format!("ok={ok}\nsecs={secs}\n"))?;
            let mut names = vec![LOG.to_string(), STATUS.to_string()];
            for m in modules {
                let name = m.file_name().context("a module file name")?;
                let bytes = crate::regular::read(m)?;
                std::fs::write(tmp.join(name), bytes)?;
                names.push(name.to_string_lossy().into_owned());
            }
            names.sort();
            let mut sums = String::new();
            for n in &names {
                sums.push_str(&format!("{}  {n}\n", sha256_file(&tmp.join(n))?));
            }
            std::fs::write(tmp.join(SUMS), sums)?;
            Ok(())
        })();
        if let Err(e) = written {
            let _ = remove(&tmp);
            return Err(e.context(format!("keeping a build in {}", self.dir.display())));
        }
        if std::fs::rename(&tmp, self.entry_dir(key)).is_err() {
            // Another run kept this key first; its entry is as good.
            remove(&tmp)?;
        }
        Ok(())
    }
}

fn remove(p: &Path) -> Result<()> {
    match p.symlink_metadata() {
        Err(_) => Ok(()),
        Ok(m) if m.is_dir() => {
            std::fs::remove_dir_all(p).with_context(|| format!("removing {}", p.display()))
        }
        Ok(_) => std::fs::remove_file(p).with_context(|| format!("removing {}", p.display())),
    }
}

/// Reads and checks an entry: regular files only, exactly those of its
/// `SHA256SUMS` (plus that file), each with its sum.
fn read_entry(dir: &Path) -> Result<Entry> {
    let sums = String::from_utf8(crate::regular::read(&dir.join(SUMS))?)
        .context("SHA256SUMS is not text")?;
    let mut listed = Vec::new();
    for line in sums.lines() {
        let Some((sum, name)) = line.split_once("  ") else {
            bail!("SHA256SUMS line `{line}`");
        };
        if name.contains('/') || name.starts_with('.') {
            bail!("SHA256SUMS names `{name}`");
        }
        let got = sha256_file(&dir.join(name))?;
        if got != sum {
            bail!("{name} does not match its SHA-256");
        }
        listed.push(name.to_string());
    }
    let mut present = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !e.file_type()?.is_file() {
            bail!("{name} is not a regular file");
        }
        if name != SUMS {
            present.push(name);
        }
    }
    present.sort();
    listed.sort();
    if present != listed {
        bail!("it holds {present:?} but SHA256SUMS lists {listed:?}");
    }
    let log = String::from_utf8_lossy(&crate::regular::read(&dir.join(LOG))?).into_owned();
    let status = String::from_utf8(crate::regular::read(&dir.join(STATUS))?)?;
    let field = |k: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .with_context(|| format!("status has no {k}"))
    };
    let ok = field("ok=")?.parse::<bool>().context("status ok=")?;
    let secs = field("secs=")?.parse::<f64>().context("status secs=")?;
    let modules = listed
        .iter()
        .filter(|n| n.ends_with(".ko"))
        .map(|n| dir.join(n))
        .collect();
    Ok(Entry {
        log,
        ok,
        secs,
        modules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("verify-bcache-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn key_of(dir: &Path, c_text: &str, manifest: &[u8], argv: &[&str]) -> Key {
        std::fs::write(dir.join("a.c"), c_text).unwrap();
        std::fs::write(dir.join("Kbuild"), "obj-m += a.o\n").unwrap();
        key(&Inputs {
            kernel: "6.1 6.1.0-57 gcc-12".into(),
            root_manifest: manifest,
            argv,
            sources: &[dir.join("Kbuild"), dir.join("a.c")],
        })
        .unwrap()
    }

    #[test]
    fn the_key_changes_with_every_input_and_only_then() {
        let d = scratch("key");
        let base = key_of(&d, "int x;", b"m1", &["make", "W=1"]);
        assert_eq!(base.0.len(), 64);
        assert_eq!(base, key_of(&d, "int x;", b"m1", &["make", "W=1"]));
        assert_ne!(base, key_of(&d, "int y;", b"m1", &["make", "W=1"]));
        assert_ne!(base, key_of(&d, "int x;", b"m2", &["make", "W=1"]));
        assert_ne!(base, key_of(&d, "int x;", b"m1", &["make"]));
        // Field boundaries count: moving bytes between fields is another key.
        assert_ne!(
            key_of(&d, "int x;", b"m1", &["make", "W=1"]),
            key_of(&d, "int x;", b"m1", &["make\0W=1"])
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn an_entry_round_trips_and_a_corrupt_one_is_refused_and_removed() {
        let d = scratch("entry");
        let ko = d.join("a.ko");
        std::fs::write(&ko, b"\x7fELF module").unwrap();
        let cache = Cache::new(&d.join("builds"));
        let k = Key("ab".repeat(32));
        let mut said = Vec::new();
        assert_eq!(cache.get(&k, &mut |m| said.push(m)).unwrap(), None);
        cache
            .put(&k, "CC [M] a.o\n", true, 1.5, std::slice::from_ref(&ko))
            .unwrap();
        let e = cache.get(&k, &mut |m| said.push(m)).unwrap().unwrap();
        assert!(e.ok && e.secs == 1.5 && e.log == "CC [M] a.o\n");
        assert_eq!(std::fs::read(&e.modules[0]).unwrap(), b"\x7fELF module");
        assert!(said.is_empty());
        // A flipped byte in a kept module.
        std::fs::write(&e.modules[0], b"\x7fELF modulX").unwrap();
        assert_eq!(cache.get(&k, &mut |m| said.push(m)).unwrap(), None);
        assert!(
            said[0].contains("corrupt (a.ko does not match its SHA-256)"),
            "{said:?}"
        );
        assert!(!d.join("builds").join(&k.0).exists(), "removed");
        // A file nobody listed, and a link, are refused too.
        cache.put(&k, "", false, 0.1, &[]).unwrap();
        std::fs::write(d.join("builds").join(&k.0).join("extra.ko"), b"x").unwrap();
        assert_eq!(cache.get(&k, &mut |m| said.push(m)).unwrap(), None);
        assert!(said[1].contains("SHA256SUMS lists"), "{said:?}");
        cache.put(&k, "", false, 0.1, &[]).unwrap();
        let log = d.join("builds").join(&k.0).join(LOG);
        std::fs::remove_file(&log).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", &log).unwrap();
        assert_eq!(cache.get(&k, &mut |m| said.push(m)).unwrap(), None);
        assert!(
            said[2].contains("symbolic link") || said[2].contains("not a regular file"),
            "{said:?}"
        );
        // A build error is kept like a module.
        cache.put(&k, "error: x", false, 0.2, &[]).unwrap();
        let e = cache.get(&k, &mut |_| {}).unwrap().unwrap();
        assert!(!e.ok && e.modules.is_empty() && e.log == "error: x");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_second_put_of_the_same_key_keeps_the_first() {
        let d = scratch("race");
        let cache = Cache::new(&d.join("builds"));
        let k = Key("cd".repeat(32));
        cache.put(&k, "first", true, 1.0, &[]).unwrap();
        cache.put(&k, "second", true, 1.0, &[]).unwrap();
        assert_eq!(cache.get(&k, &mut |_| {}).unwrap().unwrap().log, "first");
        let leftovers: Vec<_> = std::fs::read_dir(d.join("builds"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers.len(),
            1,
            "no temporary directory left: {leftovers:?}"
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
