//! What lives on the host: the kernel matrix (`kernels.toml`), the
//! prerequisites, the build roots, the vmlinux extraction, the sandboxed
//! module build, and the work directories' locks.

pub mod kbuild;
pub mod matrix;
pub mod prereq;
pub mod provision;
pub mod sandbox;
pub mod vmlinux;
pub mod workdir;
