//! The sixth stage, the run: every selected listing on every selected kernel
//! ([`all`]), one listing on one kernel ([`pair`]), the judging of their
//! output against the snapshots ([`judge`]) and against the models
//! ([`crosscheck`]), the simulations ([`sim`]), the report ([`report`]),
//! the wording for people ([`messages`], [`shown`]), the files that
//! `--watch` waits on ([`watch`]), and the merge of reports of runs that
//! each covered part of the matrix ([`merge`]).
//!
//! What it touches: the stages before it, through their interfaces
//! (manifests through [`crate::manifest`], build roots and builds through
//! [`crate::host`], QEMU through [`crate::guest`], the console through
//! [`crate::text`], snapshot files through [`crate::snapshot`]); the
//! `examples` crate's simulations, run in-process; and files of its own:
//! each pair's logs under `target/verify/work/<kernel>/<run id>/`
//! (`console-N.log`, `channel-N.log`, `normalized-N.txt`) and
//! `target/verify/report.json`. Snapshots are written only with `--accept`;
//! a changed output leaves the files `--accept` would write as pending
//! `.snap.new` files ([`crate::snapshot::Plan`]), never with CI=true.
//! `--jobs` guests keep cores busy at once and idle ones make room for more
//! ([`cores`]), each pair in a work directory of its own; each
//! pair's verdict is said when it finishes, and a listing's outputs
//! ([`shown`]) when its last kernel does ([`gather`]).

pub mod all;
pub mod cores;
pub mod crosscheck;
pub mod gather;
pub mod judge;
pub mod merge;
pub mod messages;
pub mod pair;
pub mod report;
pub mod shown;
pub mod sim;
pub mod watch;
