//! Turns the Rust code blocks written in the book's text into tests
//! (`tests/skeptic.rs`), with skeptic 0.14 (DESIGN.md §5). skeptic reads
//! Markdown as it is, so the chapters of every language are first copied into
//! `OUT_DIR/book/` with mdBook's includes expanded and the language in the
//! file name (`en_how-verified.md`): without that, skeptic would miss included
//! code, and `src/en/x.md` and `src/zh/x.md` would make two tests of one name.
//! skeptic compiles each block with the newest edition it knows, 2021, as the
//! workspace is: a block must not need a later edition.

#[path = "src/book/flatten.rs"]
#[allow(dead_code)]
mod flatten;

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let src = manifest.join("../src");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("book");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/book/flatten.rs");
    // A directory: cargo looks at every file under it.
    println!("cargo:rerun-if-changed={}", src.display());
    let (copies, read) = flatten::flatten_book(&src, &out)
        .unwrap_or_else(|e| panic!("flattening the book's chapters for skeptic: {e}"));
    for file in read {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    skeptic::generate_doc_tests(&copies);
    // For tests/skeptic.rs, which hands skeptic snippets of its own.
    println!(
        "cargo:rustc-env=SKEPTIC_TARGET={}",
        std::env::var("TARGET").unwrap()
    );
}
