//! The contributor's path, end to end (issue 13, point 6), in a copy of the
//! repository's tracked files: `verify new` makes a listing and its chapter,
//! the first run shows its output as new, `--accept` writes its snapshot,
//! and the book built from the copy shows the chapter in both languages
//! with the listing's verified output. One kernel of the matrix runs it
//! (the first of kernels.toml); the build roots and kept builds are the
//! user's, as for a contributor.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const NAME: &str = "e2e_probe";
const SLUG: &str = "e2e-probe";

/// The repository's tracked files (`git ls-files`, as they are in the
/// working tree) copied into `to`, made anew.
fn copy_tracked(to: &Path) {
    let repo = common::repo();
    let out = Command::new("git")
        .arg("-C")
        .arg(&repo)
        .args(["ls-files", "-z"])
        .output()
        .expect(
            "running git ls-files: this test copies the repository's tracked files and needs git",
        );
    assert!(
        out.status.success(),
        "git ls-files in {}: {}",
        repo.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    if to.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(to).unwrap();
    }
    for file in out.stdout.split(|&b| b == 0).filter(|f| !f.is_empty()) {
        let rel = Path::new(std::str::from_utf8(file).expect("a UTF-8 file name"));
        let from = repo.join(rel);
        let Ok(meta) = from.symlink_metadata() else {
            continue; // deleted in the working tree, not yet in git
        };
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from).unwrap(), &dest).unwrap();
        } else {
            std::fs::copy(&from, &dest)
                .unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
        }
    }
}

/// `verify --repo DIR ARGS` with CI as the caller has it; its output.
fn verify_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_verify"))
        .arg("--repo")
        .arg(dir)
        .args(args)
        .output()
        .expect("running verify")
}

/// `text` as mdBook 0.5 writes it into a page: only `<`, `>` and `&`
/// escaped, whatever character references the preprocessor used.
fn in_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn a_new_listing_and_chapter_reach_the_book() {
    let dir: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("contributor-path");
    copy_tracked(&dir);
    let kernels = common::kernels();
    let kernel = kernels[0].as_str();

    // 1. The scaffold. It checks the name against every kernel's modules,
    // making the build roots that are missing.
    let out = verify_in(&dir, &["new", NAME, "--chapter", SLUG]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "verify new failed:\n{stdout}\n{stderr}"
    );
    let run = format!("cargo run -p verify -- {NAME} ");
    let accept = format!("cargo run -p verify -- --accept {NAME}");
    assert!(
        stdout.find(&run).unwrap_or(usize::MAX) < stdout.find(&accept).unwrap_or(0),
        "the next commands, in order:\n{stdout}"
    );
    let listing = dir.join("kmods").join(NAME);
    for f in [format!("{NAME}.c"), "Kbuild".into(), "scenario.toml".into()] {
        assert!(
            listing.join(&f).is_file(),
            "kmods/{NAME}/{f} missing:\n{stdout}"
        );
    }
    for lang in ["en", "zh"] {
        let summary =
            std::fs::read_to_string(dir.join("src").join(lang).join("SUMMARY.md")).unwrap();
        assert!(
            summary.contains(&format!("]({SLUG}.md)")),
            "{lang}:\n{summary}"
        );
    }
    // The same name again is refused, and nothing changes.
    let again = verify_in(&dir, &["new", NAME]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("exists"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // 2. The first run: the output is new, written as pending, not failed.
    let first = common::verify(&dir, &["--kernel", kernel, NAME]);
    let e = first.entry(NAME, kernel);
    assert_eq!(e["outcome"], "clean", "{e}\n{}", first.stderr);
    assert_eq!(e["snapshot"], "missing", "{e}\n{}", first.stderr);
    let snapshots = listing.join("snapshots");
    assert!(
        snapshots.join(format!("{NAME}.snap.new")).is_file(),
        "no pending snapshot:\n{}",
        first.stderr
    );

    // 3. --accept: run twice, the same output both times, written. CI=true
    // would refuse to write (common::verify runs without it).
    let accepted = common::verify(&dir, &["--kernel", kernel, "--accept", NAME]);
    assert!(accepted.status.success(), "{}", accepted.stderr);
    let e = accepted.entry(NAME, kernel);
    assert_eq!(
        (e["outcome"].as_str(), e["snapshot"].as_str()),
        (Some("clean"), Some("match")),
        "{e}"
    );
    let mut files: Vec<String> = std::fs::read_dir(&snapshots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    // Accepted on one kernel, the output is the listing's base snapshot,
    // which stands for every kernel that has no snapshot of its own.
    assert_eq!(files, [format!("{NAME}.snap")], "the pending file is gone");
    let snapshot = verify::snapshot::read(&snapshots.join(format!("{NAME}.snap"))).unwrap();
    assert!(
        snapshot.contains(&format!("{NAME}: thread started"))
            && snapshot.contains("state S (sleeping)"),
        "{snapshot}"
    );

    // 4. The book, built from the copy.
    let out_dir = dir.join("book-out");
    let book = verify_in(&dir, &["book", "--out", out_dir.to_str().unwrap()]);
    assert!(
        book.status.success(),
        "verify book failed:\n{}",
        String::from_utf8_lossy(&book.stderr)
    );
    for lang in ["en", "zh"] {
        let page_path = out_dir.join(lang).join(format!("{SLUG}.html"));
        let page = std::fs::read_to_string(&page_path)
            .unwrap_or_else(|e| panic!("{}: {e}", page_path.display()));
        assert!(
            page.contains(&format!("id=\"kmod-{NAME}\"")),
            "{lang}: no listing"
        );
        for line in snapshot.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                page.contains(&in_html(line)),
                "{lang}: the verified line `{line}` is not on {}",
                page_path.display()
            );
        }
        // What the book claims: it shows the base snapshot as the output of
        // every kernel of the matrix, though this test ran only `kernel`.
        // The claim is made good by CI, whose matrix run (tests/matrix.rs)
        // compares every listing on every kernel with these snapshots; a
        // kernel that printed otherwise fails there, not here.
        let all = kernels.join(if lang == "zh" { "、" } else { ", " });
        assert!(
            page.contains(&all),
            "{lang}: the caption names every kernel ({all}) while only {kernel} ran"
        );
        let title = if lang == "zh" {
            verify::scaffold::template::TITLE_ZH
        } else {
            verify::scaffold::template::TITLE
        };
        assert!(
            page.contains(&in_html(title)),
            "{lang}: no caption `{title}`"
        );
    }
}
