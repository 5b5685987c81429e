//! The kernel matrix, read from `kernels.toml` at the repository root.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One `[[kernel]]` of `kernels.toml`: a Debian kernel and how to make its
/// build root.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct Kernel {
    /// Short id used on the command line and in snapshot names (`6.1`).
    pub id: String,
    /// Debian suite whose cloud-amd64 kernel this is.
    pub suite: String,
    /// `deb …` lines handed to mmdebstrap.
    pub mirrors: Vec<String>,
    /// Packages installed into the build root.
    pub packages: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixFile {
    kernel: Vec<Kernel>,
}

/// The kernels of `kernels.toml`, checked ([`Matrix::parse`]).
#[derive(Debug, Clone)]
pub struct Matrix {
    /// In file order, the order of the table and the book; `--kernel` picks
    /// from it without reordering ([`Matrix::select`]).
    pub kernels: Vec<Kernel>,
}

impl Matrix {
    /// Reads and checks `path` (`kernels.toml`); errors name the file and what
    /// is wrong with it ([`Matrix::parse`]).
    pub fn load(path: &Path) -> Result<Matrix> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the kernel matrix {}", path.display()))?;
        Matrix::parse(&text).with_context(|| format!("in the kernel matrix {}", path.display()))
    }

    /// Parses and checks the text of `kernels.toml`. Errors: bad TOML or an
    /// unknown key, an `id` that does not start with a letter or digit or holds
    /// anything but letters, digits and dots (it names cache directories), an
    /// `id` given twice, a kernel without `mirrors`, no `[[kernel]]` at all.
    pub fn parse(text: &str) -> Result<Matrix> {
        let file: MatrixFile = toml::from_str(text)?;
        let mut seen = std::collections::HashSet::new();
        for k in &file.kernel {
            // The id names the root's directory in the cache (roots/ID), which
            // is deleted when stale: `..` would be the cache itself.
            let first_ok = k.id.starts_with(|c: char| c.is_ascii_alphanumeric());
            if !first_ok || !k.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
                bail!(
                    "kernel id `{}` (key `id` of a [[kernel]]) must start with a letter or digit \
                     and hold only letters, digits and dots (it names files in the cache)",
                    k.id
                );
            }
            if !seen.insert(k.id.clone()) {
                bail!("kernel id `{}` appears twice", k.id);
            }
            if k.mirrors.is_empty() {
                bail!("kernel `{}` has no mirror lines", k.id);
            }
        }
        if file.kernel.is_empty() {
            bail!("no [[kernel]] entries");
        }
        Ok(Matrix {
            kernels: file.kernel,
        })
    }

    /// The kernels named by `--kernel`, in matrix order; all of them when none is named.
    pub fn select(&self, ids: &[String]) -> Result<Vec<Kernel>> {
        for id in ids {
            if !self.kernels.iter().any(|k| &k.id == id) {
                bail!(
                    "unknown kernel `{id}`; the matrix (kernels.toml) has: {}",
                    self.ids().join(", ")
                );
            }
        }
        Ok(self
            .kernels
            .iter()
            .filter(|k| ids.is_empty() || ids.contains(&k.id))
            .cloned()
            .collect())
    }

    /// Every kernel's id, in matrix order.
    pub fn ids(&self) -> Vec<String> {
        self.kernels.iter().map(|k| k.id.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_matrix_has_the_four_kernels() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kernels.toml");
        let m = Matrix::load(&path).unwrap();
        assert_eq!(m.ids(), ["5.10", "6.1", "6.12", "latest"]);
    }

    #[test]
    fn ids_that_could_name_other_files_are_refused() {
        for id in ["..", ".", ".hidden", "", "a/b", "-x"] {
            let err = Matrix::parse(&format!(
                "[[kernel]]\nid='{id}'\nsuite='s'\nmirrors=['deb a b c']\npackages=[]\n"
            ))
            .unwrap_err();
            let msg = format!("{err:#}");
            assert!(
                msg.contains(&format!("kernel id `{id}`")) && msg.contains("key `id`"),
                "{msg}"
            );
        }
        Matrix::parse("[[kernel]]\nid='6.1'\nsuite='s'\nmirrors=['deb a b c']\npackages=[]\n")
            .unwrap();
    }

    #[test]
    fn unknown_key_and_unknown_kernel_are_named() {
        let err = Matrix::parse(
            "[[kernel]]\nid='x'\nsuite='s'\nmirrors=['deb a b c']\npackages=[]\nflavour='y'\n",
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("flavour"), "{err:#}");
        let m =
            Matrix::parse("[[kernel]]\nid='x'\nsuite='s'\nmirrors=['deb a b c']\npackages=[]\n")
                .unwrap();
        let err = m.select(&["y".into()]).unwrap_err().to_string();
        assert!(
            err.contains("unknown kernel `y`") && err.contains("x"),
            "{err}"
        );
    }
}
