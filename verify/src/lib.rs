//! The kthread book's verifier: builds every kernel-module listing for every
//! kernel of the matrix, runs it under QEMU, and snapshot-tests its dmesg.
//!
//! Data flows one way (DESIGN.md §1): [`manifest`] → [`host`] (build roots,
//! the sandboxed module build) → [`guest`] (initramfs, the machine, the side
//! channel) → [`text`] (console, normalization) → [`snapshot`] → [`run`]
//! (the run over kernels × listings, judging, cross-checks, the report) →
//! [`book`], which also quotes the kernel functions of [`kernel_source`].
//! The simulations of the `examples` crate ([`run::sim`]) join at the
//! snapshot stage: explored, rendered, compared and accepted like a
//! listing's output; [`run::crosscheck`] holds a modelled listing's runs
//! against its model. Dependencies point down: `run` uses `host`, `guest`,
//! `text` and `snapshot`; `text` touches no process and no file.
//! [`scaffold`] (`verify new`) makes a new listing and chapter, checked
//! against the build roots' modules ([`host`]) and the book's languages.

#![warn(missing_docs)]

pub mod bench;
pub mod book;
#[cfg(test)]
mod fixtures;
pub mod guest;
pub mod host;
pub mod kernel_source;
pub mod manifest;
pub mod measure;
pub mod regular;
pub mod run;
pub mod scaffold;
pub mod snapshot;
pub mod text;
