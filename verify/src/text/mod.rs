//! Pure text, no process and no file: the console split and classified, the
//! outcomes, the normalization.

pub mod console;
pub mod normalize;
pub mod outcome;
