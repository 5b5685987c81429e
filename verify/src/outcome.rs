//! What a scenario can end in (DESIGN.md §4).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Clean,
    BuildError,
    Warn,
    Oops,
    Panic,
    HungTask,
    SoftLockup,
    RcuStall,
    Timeout,
}

impl Outcome {
    pub const ALL: [Outcome; 9] = [
        Outcome::Clean,
        Outcome::BuildError,
        Outcome::Warn,
        Outcome::Oops,
        Outcome::Panic,
        Outcome::HungTask,
        Outcome::SoftLockup,
        Outcome::RcuStall,
        Outcome::Timeout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Clean => "clean",
            Outcome::BuildError => "build-error",
            Outcome::Warn => "warn",
            Outcome::Oops => "oops",
            Outcome::Panic => "panic",
            Outcome::HungTask => "hung-task",
            Outcome::SoftLockup => "soft-lockup",
            Outcome::RcuStall => "rcu-stall",
            Outcome::Timeout => "timeout",
        }
    }

    pub fn allowed() -> String {
        Outcome::ALL.map(Outcome::as_str).join(", ")
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| format!("unknown outcome `{s}`; allowed: {}", Outcome::allowed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse::<Outcome>().unwrap(), o);
        }
        let err = "hang".parse::<Outcome>().unwrap_err();
        assert!(err.contains("hung-task"), "{err}");
    }
}
