//! The third stage, what runs in QEMU: the initramfs and its `/init`
//! ([`initramfs`]), the machine ([`vm`]), and the side channel that carries
//! the init's events ([`channel`]), the accelerator a run uses
//! ([`accel`]: KVM when a smoke boot passes, else TCG), and the saved
//! guests a run resumes instead of booting ([`restore`]).
//!
//! What it touches: it reads busybox from the build root, the guest's
//! insmod and the built `.ko` files, and packs them with the generated
//! `/init` in memory; it starts `qemu-system-x86_64` (TCG or KVM, a process group
//! of its own, killed when its time is up or verify dies) on the build
//! root's kernel, reads the serial console from a pipe and the side channel
//! from the file QEMU writes (`channel.log` in the pair's work directory,
//! removed before each boot), and writes to the console only to wake a
//! frozen guest. A listing's module is only ever loaded into the guest.

pub mod accel;
pub mod channel;
pub mod initramfs;
pub mod restore;
pub mod vm;
