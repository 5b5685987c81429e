//! The fourth stage, pure text: the console split into the init's events
//! and the kernel's lines, and its crash reports classified ([`console`]);
//! the outcomes ([`outcome`]); the normalization that makes a snapshot
//! stable across runs and point releases ([`normalize`]).
//!
//! What it touches: nothing. No process, no file, no clock: the same
//! console and side channel always give the same text and outcome, which is
//! what lets the unit tests replay consoles captured from real kernels
//! (`tests/fixtures/`).

pub mod console;
pub mod normalize;
pub mod outcome;
