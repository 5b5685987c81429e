//! The work directories under `target/verify/work`, shared by the module
//! build and the runs.

use anyhow::{Context, Result};
use std::path::Path;

/// Holds `dir` for this process: two verify runs over one checkout (a test
/// and a person, say) would otherwise clean each other's build directories.
pub fn lock(dir: &Path) -> Result<std::fs::File> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(".lock");
    let file =
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    file.lock()
        .with_context(|| format!("locking {}", path.display()))?;
    Ok(file)
}
