//! The kthread book's verifier: builds every kernel-module listing for every
//! kernel of the matrix, runs it under QEMU, and snapshot-tests its dmesg.
//!
//! Data flows one way (DESIGN.md §1): manifest → provision → kbuild →
//! initramfs → vm → console → normalize → crosscheck → snapshot → report →
//! book. The simulations of the `examples` crate ([`sim`]) join at the
//! snapshot stage: explored, rendered, compared and accepted like a listing's
//! output; [`crosscheck`] holds a modelled listing's runs against its model.

pub mod book;
pub mod channel;
pub mod console;
pub mod crosscheck;
#[cfg(test)]
mod fixtures;
pub mod initramfs;
pub mod judge;
pub mod kbuild;
pub mod manifest;
pub mod matrix;
pub mod measure;
pub mod normalize;
pub mod outcome;
pub mod prereq;
pub mod provision;
pub mod regular;
pub mod report;
pub mod run;
pub mod sandbox;
pub mod sim;
pub mod snapshot;
pub mod vm;
pub mod vmlinux;
