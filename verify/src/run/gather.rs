//! Each listing's kernel verdicts as the (kernel, listing) pairs finish, in
//! whatever order the threads finish them: a listing is handed back, its
//! verdicts in kernel (matrix) order, the moment its last kernel is in, so
//! that its outputs are shown and its snapshots written then, not after
//! every listing on every kernel has run.

use std::collections::BTreeMap;

/// The verdicts (`T`) of listings not complete yet, by listing index.
pub struct Gather<T> {
    /// Listing index → (how many kernels it runs on, the verdicts in so far
    /// by kernel index).
    waiting: BTreeMap<usize, (usize, BTreeMap<usize, T>)>,
}

impl<T> Gather<T> {
    /// For the `(kernel, listing)` pairs of a run (indices into its kernels
    /// and listings).
    pub fn new(pairs: &[(usize, usize)]) -> Gather<T> {
        let mut waiting: BTreeMap<usize, (usize, BTreeMap<usize, T>)> = BTreeMap::new();
        for &(_, s) in pairs {
            waiting.entry(s).or_insert((0, BTreeMap::new())).0 += 1;
        }
        Gather { waiting }
    }

    /// Adds the verdict of listing `listing` on kernel `kernel`. Returns the
    /// listing's verdicts, in kernel order, when this was its last one;
    /// `None` while some are missing, and for a pair the run does not have
    /// or one already handed back (which the run never adds).
    pub fn add(&mut self, listing: usize, kernel: usize, verdict: T) -> Option<Vec<T>> {
        let (expected, got) = self.waiting.get_mut(&listing)?;
        got.insert(kernel, verdict);
        if got.len() < *expected {
            return None;
        }
        let (_, got) = self.waiting.remove(&listing)?;
        Some(got.into_values().collect())
    }

    /// Whether every listing has been handed back.
    pub fn is_done(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_is_handed_back_when_its_last_kernel_is_in_whatever_the_order() {
        // Listing 0 on kernels 0, 1, 2; listing 1 on kernels 1 and 2 only.
        let pairs = [(0, 0), (1, 0), (1, 1), (2, 0), (2, 1)];
        let mut g = Gather::new(&pairs);
        assert_eq!(g.add(0, 2, "0@2"), None);
        assert_eq!(g.add(1, 2, "1@2"), None);
        assert_eq!(g.add(0, 0, "0@0"), None);
        assert_eq!(g.add(1, 1, "1@1"), Some(vec!["1@1", "1@2"]));
        assert!(!g.is_done());
        assert_eq!(g.add(0, 1, "0@1"), Some(vec!["0@0", "0@1", "0@2"]));
        assert!(g.is_done());
        // Nothing more is expected of either.
        assert_eq!(g.add(0, 1, "again"), None);
        assert_eq!(g.add(7, 0, "unknown"), None);
    }
}
