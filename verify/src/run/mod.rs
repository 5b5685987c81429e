//! The run: every selected listing on every selected kernel ([`all`]), one
//! listing on one kernel ([`pair`]), the judging of their output against the
//! snapshots ([`judge`]) and against the models ([`crosscheck`]), the
//! simulations ([`sim`]), and the report ([`report`]).

pub mod all;
pub mod crosscheck;
pub mod judge;
pub mod pair;
pub mod report;
pub mod sim;
