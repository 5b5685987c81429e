//! `Module.symvers`: what a built kernel exports to modules. Pure text.
//!
//! One line per symbol, tab-separated: CRC, symbol, the module that exports
//! it (`vmlinux` for the kernel itself), the export macro, and (since 5.4) a
//! namespace, empty for most. A namespace `module:NAME,…` (Linux 6.17's
//! `EXPORT_SYMBOL_FOR_MODULES`) lets only the modules named link the
//! symbol.

use std::collections::BTreeMap;

/// Which export macro a symbol was exported with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum License {
    /// `EXPORT_SYMBOL`: any module may link it.
    Any,
    /// `EXPORT_SYMBOL_GPL` (or the old `_GPL_FUTURE`): only modules whose
    /// `MODULE_LICENSE` is GPL-compatible.
    Gpl,
}

/// One exported symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The export macro's kind.
    pub license: License,
    /// Who exports it: `vmlinux`, or a module's path (`fs/ext4/ext4`).
    pub module: String,
    /// Its namespace; empty for none.
    pub namespace: String,
}

impl Export {
    /// Whether any module may link it (given the license and, for a
    /// namespace, `MODULE_IMPORT_NS`): false for an export only to named
    /// modules.
    pub fn open_to_modules(&self) -> bool {
        !self.namespace.starts_with("module:")
    }
}

/// Every symbol of a `Module.symvers`. Errors name the line: fewer than
/// four fields, an empty symbol, an export macro that is not one.
pub fn parse(text: &str) -> Result<BTreeMap<String, Export>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let bad = |why: &str| format!("line {}: {why}: `{line}`", i + 1);
        if f.len() < 4 || f.len() > 5 {
            return Err(bad(
                "not CRC, symbol, module, export and namespace, tab-separated",
            ));
        }
        if f[1].is_empty() {
            return Err(bad("no symbol"));
        }
        let license = match f[3] {
            "EXPORT_SYMBOL" | "EXPORT_UNUSED_SYMBOL" => License::Any,
            "EXPORT_SYMBOL_GPL" | "EXPORT_SYMBOL_GPL_FUTURE" | "EXPORT_UNUSED_SYMBOL_GPL" => {
                License::Gpl
            }
            _ => return Err(bad("the fourth field is not an EXPORT_SYMBOL macro")),
        };
        // A symbol listed twice keeps its first line, as modpost reads it.
        out.entry(f[1].to_string()).or_insert(Export {
            license,
            module: f[2].to_string(),
            namespace: f.get(4).copied().unwrap_or("").trim_end().to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_the_roots_symvers() {
        // 5.10's (four fields and an empty fifth), 7.2's (a module-only export).
        let text = "0x68c8657f\tipv6_chk_custom_prefix\tvmlinux\tEXPORT_SYMBOL\t\n\
                    0x55417264\tkthread_park\tvmlinux\tEXPORT_SYMBOL_GPL\t\n\
                    0x00000000\twrite_ibpb\tvmlinux\tEXPORT_SYMBOL_GPL\tmodule:kvm,kvm-amd,kvm-intel\n\
                    0x1234abcd\tjbd2_journal_start\tfs/jbd2/jbd2\tEXPORT_SYMBOL\n\
                    0x00000001\tdma_buf_get\tvmlinux\tEXPORT_SYMBOL_GPL\tDMA_BUF\n";
        let s = parse(text).unwrap();
        assert_eq!(s.len(), 5);
        assert_eq!(s["kthread_park"].license, License::Gpl);
        assert_eq!(s["ipv6_chk_custom_prefix"].license, License::Any);
        assert_eq!(s["jbd2_journal_start"].module, "fs/jbd2/jbd2");
        assert_eq!(s["dma_buf_get"].namespace, "DMA_BUF");
        assert!(s["dma_buf_get"].open_to_modules());
        assert!(!s["write_ibpb"].open_to_modules());
    }

    #[test]
    fn malformed_lines_are_named() {
        for (text, why) in [
            ("0x1 a vmlinux EXPORT_SYMBOL\n", "tab-separated"),
            ("0x1\t\tvmlinux\tEXPORT_SYMBOL\n", "no symbol"),
            (
                "0x1\tx\tvmlinux\tEXPORT_SOMETHING\n",
                "not an EXPORT_SYMBOL",
            ),
        ] {
            let e = parse(&format!("0x2\tok\tvmlinux\tEXPORT_SYMBOL\t\n{text}")).unwrap_err();
            assert!(e.starts_with("line 2: ") && e.contains(why), "{e}");
        }
    }
}
