//! What runs in QEMU: the initramfs and its init, the machine, and the side
//! channel that carries the init's markers and status.

pub mod channel;
pub mod initramfs;
pub mod vm;
