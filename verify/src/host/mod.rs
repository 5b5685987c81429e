//! The second stage, what lives on the host: the kernel matrix
//! ([`matrix`], `kernels.toml`), the host tools ([`prereq`]), the build roots
//! ([`provision`]) and their uncompressed kernels ([`vmlinux`]), the
//! sandboxed module build ([`kbuild`], [`sandbox`]) and the builds it keeps
//! by content ([`build_cache`]), and the work directories' locks ([`workdir`]).
//!
//! What it touches: the network (mmdebstrap fetches each root from the
//! Debian mirrors of `kernels.toml`, in a private mount namespace); the
//! cache directory ([`provision::default_cache_dir`] or `--cache-dir`:
//! `roots/<id>/` with its `.lock`, `.stamp.json` and `.manifest` beside it,
//! `vmlinux/<release>`, and `builds/<key>/`, the kept builds); `target/verify/work/` in the repository (each
//! listing's scratch copy and build, the guest's insmod); and, only when
//! verify runs as root and a tool is missing, the host's apt-get. A
//! listing's `make` runs under bubblewrap with the root read-only as `/`.
//! Nothing is ever loaded into the host kernel.

pub mod build_cache;
pub mod kbuild;
pub mod matrix;
pub mod prereq;
pub mod provision;
pub mod sandbox;
pub mod vmlinux;
pub mod workdir;
