//! `cargo run -p verify -- sources --update`: makes the extracts of
//! `src/kernel-sources/` again from each kernel's Debian source package.
//! The only part of verify besides provisioning that uses the network; the
//! normal run and the book never call it.
//!
//! For each kernel of the matrix (or those given with `--kernel`):
//!
//! 1. its build root is made or checked ([`provision::ensure`]); the version
//!    of its `linux-image-RELEASE` package is the source's version
//!    ([`super::image_version`]), and `linux-source-MAJOR.MINOR` the package;
//! 2. the suite's `InRelease` of each mirror line of `kernels.toml` is
//!    fetched and its signature checked with `gpgv` against Debian's archive
//!    keyring; the `main/binary-amd64/Packages.xz` it lists is fetched and
//!    checked against the SHA-256 and size it gives (binary-amd64, which apt
//!    uses, also lists the `Architecture: all` packages; some mirrors serve a
//!    stale `binary-all` index);
//! 3. the `.deb` that index names for that version is fetched and checked
//!    against its SHA-256 and size, then only the files `wanted.toml` names
//!    are unpacked from the source tarball inside it (into the cache,
//!    `CACHE/kernel-sources/PACKAGE_VERSION/`, kept for the next update; the
//!    `.deb` is deleted);
//! 4. each wanted function is cut ([`super::cut`]) from the first file that
//!    defines it, and the kernel's directory of the store is written anew;
//! 5. the kernel's API table ([`super::api`]) is computed from the build
//!    root's headers and `Module.symvers` and written as its `api.toml`.
//!
//! With `--api-only`, only steps 1 and 5: no download (beyond making a
//! missing build root), no extract touched. The tables need nothing but the
//! roots, so a header-only change (a name added to `[[api]]`) costs seconds,
//! not the ~150 MB source package of every kernel.
//!
//! Downloads run `curl` (and `gpgv`, `sha256sum`, `dpkg-deb`, `tar`, `xz`)
//! as child processes: no HTTP client is in Cargo.lock, the mirrors are plain
//! HTTP whose integrity the signed index gives, and curl is on every Debian
//! host, so a TLS stack is not compiled into every CI build for a command
//! only maintainers run.

use super::{cut, image_version, Extract, Found, Store, Wanted, STORE_DIR, WANTED_FILE};
use crate::host::matrix::{Kernel, Matrix};
use crate::host::provision;
use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The keyring `gpgv` checks the suites' `InRelease` against.
pub const KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";

/// What `sources --update` is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The repository root.
    pub repo: PathBuf,
    /// Kernels to update (matrix ids); all when empty.
    pub kernels: Vec<String>,
    /// Where build roots and downloaded sources are kept.
    pub cache_dir: Option<PathBuf>,
    /// `ID=DIR`: use this unpacked kernel tree for kernel ID instead of
    /// downloading the package (still checked against the signed index, and
    /// recorded as that package: give only a tree unpacked from it).
    pub trees: Vec<(String, PathBuf)>,
    /// Make only the API tables (`api.toml`), from the build roots: no
    /// source package is downloaded, no extract is written.
    pub api_only: bool,
}

/// The programs the update runs, with the Debian package of each.
const TOOLS: &[(&str, &str)] = &[
    ("curl", "curl"),
    ("gpgv", "gpgv"),
    ("sha256sum", "coreutils"),
    ("dpkg-deb", "dpkg"),
    ("tar", "tar"),
    ("xz", "xz-utils"),
];

/// Makes the extracts of the selected kernels again; prints what it did.
pub fn update(opts: &Options) -> Result<()> {
    let matrix = Matrix::load(&opts.repo.join("kernels.toml"))?;
    let kernels = matrix.select(&opts.kernels)?;
    let store_dir = opts.repo.join(STORE_DIR);
    let wanted_path = store_dir.join(WANTED_FILE);
    let list = super::parse_wanted_list(
        &std::fs::read_to_string(&wanted_path)
            .with_context(|| format!("reading {}", wanted_path.display()))?,
    )
    .with_context(|| format!("in {}", wanted_path.display()))?;
    let wanted = list.functions;
    if opts.api_only {
        if !opts.trees.is_empty() {
            bail!("--tree gives a source tree for the extracts; --api-only makes only the API tables, from the build roots");
        }
        if list.api.is_empty() {
            bail!("--api-only: {} has no [[api]] table", wanted_path.display());
        }
    }
    let missing: Vec<&str> = TOOLS
        .iter()
        .filter(|(p, _)| !crate::host::prereq::on_path(p))
        .map(|(_, pkg)| *pkg)
        .collect();
    if !opts.api_only && (!missing.is_empty() || !Path::new(KEYRING).is_file()) {
        bail!(
            "sources --update needs curl, gpgv, sha256sum, dpkg-deb, tar, xz and {KEYRING}: sudo apt-get install {} debian-archive-keyring",
            missing.join(" ")
        );
    }
    for (id, _) in &opts.trees {
        if !kernels.iter().any(|k| &k.id == id) {
            bail!("--tree {id}=…: kernel {id} is not among those updated");
        }
    }
    let cache = opts
        .cache_dir
        .clone()
        .unwrap_or_else(provision::default_cache_dir);
    let work = cache.join("kernel-sources");
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let files: BTreeSet<String> = wanted.iter().flat_map(|w| w.files().cloned()).collect();
    for k in &kernels {
        let bar = indicatif::ProgressBar::hidden();
        let root = provision::ensure(&cache, k, &bar)?;
        let version = image_version(&root.dir, &root.release)?;
        if opts.api_only {
            write_api(&store_dir, k, &root, &version, &list.api)?;
            continue;
        }
        let package = format!("linux-source-{}", major_minor(&version)?);
        eprintln!(
            "{}: build root release {}, {package} {version}",
            k.id, root.release
        );
        let pkg = find_package(k, &package, &version, &work)?;
        eprintln!("{}: {} (SHA-256 {})", k.id, pkg.url, pkg.sha256);
        let tree = match opts.trees.iter().find(|(id, _)| id == &k.id) {
            Some((_, dir)) => dir.clone(),
            None => unpack(&pkg, &files, &work)?,
        };
        let extracts = cut_all(k, &root.release, &pkg, &wanted, &tree)?;
        let dir = store_dir.join(&k.id);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        for (w, x) in wanted.iter().zip(&extracts) {
            let path = store_dir.join(w.rel_path(&k.id));
            std::fs::create_dir_all(path.parent().unwrap_or(&store_dir))?;
            std::fs::write(&path, x.to_text())
                .with_context(|| format!("writing {}", path.display()))?;
            let what = match &x.found {
                Some(f) => format!(
                    "{} in {}, lines {}-{}",
                    f.kind, f.file, f.lines.0, f.lines.1
                ),
                None => format!("absent from {}", x.looked_in.join(", ")),
            };
            eprintln!("  {STORE_DIR}/{}: {what}", w.rel_path(&k.id).display());
        }
        if !list.api.is_empty() {
            write_api(&store_dir, k, &root, &version, &list.api)?;
        }
    }
    // Kernels no longer in the matrix go when the whole matrix is updated.
    if opts.kernels.is_empty() {
        if let Ok(entries) = std::fs::read_dir(&store_dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if e.path().is_dir() && !matrix.kernels.iter().any(|k| k.id == name) {
                    std::fs::remove_dir_all(e.path())?;
                    eprintln!("  removed {STORE_DIR}/{name}/: not in kernels.toml");
                }
            }
        }
    }
    Store::load(&opts.repo, &matrix.ids()).context("checking the store just written")?;
    if opts.api_only {
        eprintln!(
            "the API tables are in {STORE_DIR}/<kernel>/{}; read them, then commit them",
            super::api::API_FILE
        );
    } else {
        eprintln!("the extracts are in {STORE_DIR}/; read them, then commit them");
    }
    Ok(())
}

/// Computes kernel `k`'s API table from its build root and writes it as
/// `STORE/<id>/api.toml`; prints how many functions of each kind it has.
fn write_api(
    store_dir: &Path,
    k: &Kernel,
    root: &provision::Root,
    version: &str,
    wanted: &[super::api::WantedApi],
) -> Result<()> {
    use super::api::{self, ApiKind};
    let table = api::from_root(&root.dir, &k.id, &root.release, version, wanted)?;
    let dir = store_dir.join(&k.id);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(api::API_FILE);
    std::fs::write(&path, table.to_text())
        .with_context(|| format!("writing {}", path.display()))?;
    let counts: Vec<String> = ApiKind::ALL
        .iter()
        .map(|kind| {
            let n = table.rows.iter().filter(|r| r.kind == *kind).count();
            format!("{n} {kind}")
        })
        .collect();
    eprintln!(
        "  {STORE_DIR}/{}/{}: release {}, {} functions: {}",
        k.id,
        api::API_FILE,
        root.release,
        table.rows.len(),
        counts.join(", ")
    );
    Ok(())
}

/// `6.1` of `6.1.192-3`, `7.2` of `7.2.13-1`.
pub fn major_minor(version: &str) -> Result<String> {
    let mut parts = version.split(['.', '-', '+', '~']);
    match (parts.next(), parts.next()) {
        (Some(a), Some(b))
            if !a.is_empty()
                && !b.is_empty()
                && a.chars().all(|c| c.is_ascii_digit())
                && b.chars().all(|c| c.is_ascii_digit()) =>
        {
            Ok(format!("{a}.{b}"))
        }
        _ => bail!("kernel package version `{version}` does not start with MAJOR.MINOR"),
    }
}

/// A package as the signed index gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `linux-source-6.1`.
    pub name: String,
    /// `6.1.192-3`.
    pub version: String,
    /// The whole URL of the .deb.
    pub url: String,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// `deb URL SUITE COMPONENT…` → (URL, SUITE).
fn mirror_line(line: &str) -> Option<(String, String)> {
    let mut w = line.split_whitespace();
    if w.next() != Some("deb") {
        return None;
    }
    let mut url = w.next()?;
    if url.starts_with('[') {
        url = w.next()?; // options such as [arch=amd64]
    }
    let suite = w.next()?;
    Some((url.trim_end_matches('/').to_string(), suite.to_string()))
}

/// The `(sha256, size)` a Release file's SHA256 section gives for `path`.
pub fn release_entry(release: &str, path: &str) -> Option<(String, u64)> {
    let mut in_sha256 = false;
    for l in release.lines() {
        if !l.starts_with(' ') {
            in_sha256 = l.trim_end() == "SHA256:";
            continue;
        }
        if in_sha256 {
            let f: Vec<&str> = l.split_whitespace().collect();
            if let [hash, size, p] = f.as_slice() {
                if *p == path {
                    return Some((hash.to_string(), size.parse().ok()?));
                }
            }
        }
    }
    None
}

/// The stanza of `name` at `version` in a Packages index: (Filename,
/// SHA256, Size). Also the versions the index has, for the error.
pub fn packages_entry(
    index: &str,
    name: &str,
    version: &str,
) -> (Option<(String, String, u64)>, Vec<String>) {
    let mut versions = Vec::new();
    for stanza in index.split("\n\n") {
        let field = |k: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix(": ")))
                .map(str::trim)
        };
        if field("Package") != Some(name) {
            continue;
        }
        let v = field("Version").unwrap_or("");
        if v != version {
            versions.push(v.to_string());
            continue;
        }
        if let (Some(f), Some(h), Some(s)) = (
            field("Filename"),
            field("SHA256"),
            field("Size").and_then(|s| s.parse().ok()),
        ) {
            return (Some((f.to_string(), h.to_ascii_lowercase(), s)), versions);
        }
    }
    (None, versions)
}

fn run(cmd: &mut Command, what: &str) -> Result<std::process::Output> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out)
}

fn download(url: &str, to: &Path) -> Result<()> {
    run(
        Command::new("curl")
            .args(["--fail", "--silent", "--show-error", "--location"])
            .args(["--retry", "2", "--connect-timeout", "20", "--output"])
            .arg(to)
            .arg(url),
        &format!("curl {url}"),
    )
    .map(|_| ())
}

fn sha256(path: &Path) -> Result<String> {
    let out = run(
        Command::new("sha256sum").arg(path),
        &format!("sha256sum {}", path.display()),
    )?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.split_whitespace().next().unwrap_or("").to_string())
}

fn check_file(path: &Path, url: &str, want: &str, size: u64) -> Result<()> {
    let got_size = std::fs::metadata(path)?.len();
    let got = sha256(path)?;
    if got_size != size || got != want {
        bail!("{url}: got {got_size} bytes with SHA-256 {got}, but the signed index says {size} bytes with SHA-256 {want}");
    }
    Ok(())
}

/// Finds `name` `version` in the signed `binary-amd64` index of each of the
/// kernel's mirror lines, in order.
fn find_package(k: &Kernel, name: &str, version: &str, work: &Path) -> Result<Package> {
    let mut seen = Vec::new();
    for line in &k.mirrors {
        let Some((base, suite)) = mirror_line(line) else {
            continue;
        };
        let inrelease = work.join(format!("{}_InRelease", suite));
        let url = format!("{base}/dists/{suite}/InRelease");
        download(&url, &inrelease)?;
        let out = run(
            Command::new("gpgv")
                .args(["--keyring", KEYRING, "--output", "-"])
                .arg(&inrelease),
            &format!("gpgv {url} (against {KEYRING})"),
        )?;
        let release = String::from_utf8_lossy(&out.stdout).to_string();
        let index_path = "main/binary-amd64/Packages.xz";
        let (hash, size) = release_entry(&release, index_path)
            .with_context(|| format!("{url} lists no {index_path}"))?;
        let index_url = format!("{base}/dists/{suite}/{index_path}");
        let local = work.join(format!("{suite}_Packages.xz"));
        download(&index_url, &local)?;
        check_file(&local, &index_url, &hash, size)?;
        let xz = std::fs::read(&local)?;
        let mut plain = Vec::new();
        lzma_rs::xz_decompress(&mut &xz[..], &mut plain)
            .map_err(|e| anyhow::anyhow!("{index_url}: {e:?}"))?;
        let index = String::from_utf8_lossy(&plain);
        let (hit, versions) = packages_entry(&index, name, version);
        if let Some((filename, sha256, size)) = hit {
            return Ok(Package {
                name: name.to_string(),
                version: version.to_string(),
                url: format!("{base}/{filename}"),
                sha256,
                size,
            });
        }
        seen.push(format!(
            "{suite}: {}",
            if versions.is_empty() {
                "none".to_string()
            } else {
                versions.join(", ")
            }
        ));
    }
    bail!(
        "kernel {}: {name} {version} (the version of the build root's kernel) is in no signed index of its mirrors ({}); \
         if the mirror moved on, the build root is stale: run `cargo run -p verify -- --kernel {}` to make it again",
        k.id,
        seen.join("; "),
        k.id
    )
}

/// Downloads and checks the package, and unpacks `files` (the ones it has)
/// from its source tarball into `work/NAME_VERSION/`; returns that tree.
/// A tree already unpacked from the same package file with the same files
/// is used as it is.
fn unpack(pkg: &Package, files: &BTreeSet<String>, work: &Path) -> Result<PathBuf> {
    let tree = work.join(format!("{}_{}", pkg.name, pkg.version));
    let stamp = work.join(format!("{}_{}.stamp", pkg.name, pkg.version));
    let stamp_text = format!(
        "{}\n{}\n",
        pkg.sha256,
        files.iter().cloned().collect::<Vec<_>>().join("\n")
    );
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(stamp_text.as_str()) {
        return Ok(tree);
    }
    let _ = std::fs::remove_file(&stamp);
    let _ = std::fs::remove_dir_all(&tree);
    let deb = work.join(format!("{}_{}_all.deb", pkg.name, pkg.version));
    eprintln!("  downloading {} ({} MB)", pkg.url, pkg.size / 1_000_000);
    download(&pkg.url, &deb)?;
    check_file(&deb, &pkg.url, &pkg.sha256, pkg.size)?;
    // The .deb holds usr/src/linux-source-X.Y.tar.xz, whose top directory
    // is linux-source-X.Y/.
    let inner_dir = work.join(format!("{}_{}.inner", pkg.name, pkg.version));
    let _ = std::fs::remove_dir_all(&inner_dir);
    std::fs::create_dir_all(&inner_dir)?;
    let mut dpkg = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(&deb)
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .context("running dpkg-deb --fsys-tarfile")?;
    let pipe = dpkg.stdout.take().context("dpkg-deb's output")?;
    let inner_name = format!("./usr/src/{}.tar.xz", pkg.name);
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&inner_dir)
        .arg("-f")
        .arg("-")
        .arg(&inner_name)
        .stdin(pipe)
        .output()
        .context("running tar on dpkg-deb's output")?;
    let dpkg_status = dpkg.wait()?;
    if !tar.status.success() || !dpkg_status.success() {
        bail!(
            "{}: no {inner_name} in it ({}): {}",
            deb.display(),
            dpkg_status,
            String::from_utf8_lossy(&tar.stderr).trim()
        );
    }
    let inner = inner_dir.join(&inner_name);
    std::fs::create_dir_all(&tree)?;
    let members: Vec<String> = files.iter().map(|f| format!("{}/{f}", pkg.name)).collect();
    let out = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&tree)
        .arg("--strip-components=1")
        .arg("-f")
        .arg(&inner)
        .args(&members)
        .stdin(Stdio::null())
        .output()
        .context("running tar on the source tarball")?;
    // A file that a kernel does not have (one of `also`) is not an error.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let other: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            !l.ends_with("Not found in archive")
                && !l.contains("Exiting with failure status due to previous errors")
        })
        .collect();
    if !other.is_empty() {
        bail!(
            "unpacking {} from {}: {}",
            members.join(" "),
            inner.display(),
            other.join("\n")
        );
    }
    let _ = std::fs::remove_dir_all(&inner_dir);
    let _ = std::fs::remove_file(&deb);
    std::fs::write(&stamp, stamp_text)?;
    Ok(tree)
}

/// Cuts every wanted function out of `tree` (the kernel's source).
fn cut_all(
    k: &Kernel,
    release: &str,
    pkg: &Package,
    wanted: &[Wanted],
    tree: &Path,
) -> Result<Vec<Extract>> {
    let mut out = Vec::new();
    for w in wanted {
        let mut found = None;
        for f in w.files() {
            let path = tree.join(f);
            let text = match std::fs::read(&path) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            };
            if let Some(c) = cut::cut(&text, &w.name)
                .map_err(|e| anyhow::anyhow!("kernel {}, {f}: {e}", k.id))?
            {
                found = Some(Found {
                    kind: c.kind,
                    file: f.clone(),
                    lines: (c.first, c.last),
                    text: c.text,
                });
                break;
            }
        }
        out.push(Extract {
            kernel: k.id.clone(),
            release: release.to_string(),
            package: pkg.name.clone(),
            version: pkg.version.clone(),
            url: pkg.url.clone(),
            sha256: pkg.sha256.clone(),
            file: w.file.clone(),
            name: w.name.clone(),
            found,
            looked_in: w.files().cloned().collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_mirrors_and_index_entries() {
        assert_eq!(major_minor("6.1.192-3").unwrap(), "6.1");
        assert_eq!(major_minor("7.2.13-1").unwrap(), "7.2");
        assert_eq!(major_minor("5.10.223-1").unwrap(), "5.10");
        assert!(major_minor("x.1").is_err() && major_minor("6").is_err());
        assert_eq!(
            mirror_line("deb http://deb.debian.org/debian-security bookworm-security main"),
            Some((
                "http://deb.debian.org/debian-security".into(),
                "bookworm-security".into()
            ))
        );
        assert_eq!(mirror_line("# deb x y"), None);
        // From the signed InRelease of bookworm-security (2026-11-29).
        let release = "Origin: Debian\nMD5Sum:\n 0123 383424 main/binary-amd64/Packages.xz\nSHA256:\n 5cdd7de1a3b79c8b1f4b9365e2b33582b92a5d49bcf107f031ae17d475aae38f   137704 main/binary-all/Packages.xz\n f9556704820a471d41f399a81a2c38c3675d61979d7262c6f3231353a0871ac2   383424 main/binary-amd64/Packages.xz\n";
        assert_eq!(
            release_entry(release, "main/binary-amd64/Packages.xz"),
            Some((
                "f9556704820a471d41f399a81a2c38c3675d61979d7262c6f3231353a0871ac2".into(),
                383424
            ))
        );
        assert_eq!(release_entry(release, "main/binary-i386/Packages.xz"), None);
        let index = "Package: linux-source-6.1\nVersion: 6.1.190-1\nFilename: pool/a.deb\nSize: 1\nSHA256: aa\n\n\
                     Package: linux-source-6.1\nSource: linux\nVersion: 6.1.192-3\nInstalled-Size: 136138\n\
                     Filename: pool/updates/main/l/linux/linux-source-6.1_6.1.192-3_all.deb\nSize: 139417592\n\
                     SHA256: 5259C57CA92092DA39BD2EA803046DA0E3C28F2B6A11EA20F6297468188CEB67\n";
        let (hit, _) = packages_entry(index, "linux-source-6.1", "6.1.192-3");
        assert_eq!(
            hit,
            Some((
                "pool/updates/main/l/linux/linux-source-6.1_6.1.192-3_all.deb".into(),
                "5259c57ca92092da39bd2ea803046da0e3c28f2b6a11ea20f6297468188ceb67".into(),
                139417592
            ))
        );
        let (hit, versions) = packages_entry(index, "linux-source-6.1", "6.1.193-1");
        assert_eq!(
            (hit, versions),
            (None, vec!["6.1.190-1".to_string(), "6.1.192-3".to_string()])
        );
    }
}
