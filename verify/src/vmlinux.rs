//! Extracting the uncompressed `vmlinux` from a bzImage, for PVH boot
//! (DESIGN.md §3): most of a bzImage boot under TCG is spent decompressing.

use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The payload of a bzImage: `(setup_sects+1)*512 + payload_offset`, `payload_length` bytes.
pub fn payload(bz: &[u8]) -> Result<&[u8]> {
    if bz.len() < 0x250 || &bz[0x202..0x206] != b"HdrS" {
        bail!("not a bzImage (no HdrS setup header)");
    }
    let setup_sects = match bz[0x1f1] {
        0 => 4,
        n => n as usize,
    };
    let le32 = |off: usize| u32::from_le_bytes(bz[off..off + 4].try_into().unwrap()) as usize;
    let start = (setup_sects + 1) * 512 + le32(0x248);
    let end = start + le32(0x24c);
    bz.get(start..end)
        .context("payload lies outside the bzImage")
}

/// Decompresses a payload by its magic bytes.
pub fn decompress(p: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match p {
        [0x28, 0xb5, 0x2f, 0xfd, ..] => {
            ruzstd::decoding::StreamingDecoder::new(p)
                .context("zstd header")?
                .read_to_end(&mut out)
                .context("zstd payload")?;
        }
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => {
            lzma_rs::xz_decompress(&mut &p[..], &mut out).context("xz payload")?;
        }
        [0x02, 0x21, 0x4c, 0x18, ..] => out = lz4_legacy(&p[4..])?,
        [a, b, c, d, ..] => {
            bail!("unsupported payload compression (magic {a:02x}{b:02x}{c:02x}{d:02x})")
        }
        _ => bail!("empty payload"),
    }
    if !out.starts_with(b"\x7fELF") {
        bail!("decompressed payload is not an ELF file");
    }
    Ok(out)
}

/// The kernel's lz4 "legacy" frame: blocks of (le32 size, data), each at most
/// 8 MiB decompressed; the kernel appends its own size after the last block.
fn lz4_legacy(mut p: &[u8]) -> Result<Vec<u8>> {
    const BLOCK: usize = 8 << 20;
    let mut out = Vec::new();
    while p.len() >= 4 {
        let size = u32::from_le_bytes(p[..4].try_into().unwrap()) as usize;
        if size == 0x184c2102 {
            p = &p[4..];
            continue;
        }
        if size > p.len() - 4 {
            break; // trailing size word or padding
        }
        let block = lz4_flex::block::decompress(&p[4..4 + size], BLOCK).context("lz4 block")?;
        out.extend_from_slice(&block);
        p = &p[4 + size..];
    }
    Ok(out)
}

/// Path to the cached vmlinux of `bzimage`, extracting it on first use.
pub fn cached(bzimage: &Path, cache: &Path, release: &str) -> Result<PathBuf> {
    let dir = cache.join("vmlinux");
    let path = dir.join(release);
    if path.exists() {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir)?;
    let bz = std::fs::read(bzimage).with_context(|| format!("reading {}", bzimage.display()))?;
    let elf = decompress(payload(&bz)?)
        .with_context(|| format!("extracting vmlinux from {}", bzimage.display()))?;
    let tmp = dir.join(format!(".{release}.{}", std::process::id()));
    std::fs::write(&tmp, elf)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lz4_legacy_blocks_are_concatenated() {
        let a = lz4_flex::block::compress(b"\x7fELF hello ");
        let b = lz4_flex::block::compress(b"world");
        let mut frame = vec![0x02, 0x21, 0x4c, 0x18];
        for blk in [&a, &b] {
            frame.extend_from_slice(&(blk.len() as u32).to_le_bytes());
            frame.extend_from_slice(blk);
        }
        frame.extend_from_slice(&16u32.to_le_bytes()); // the kernel's size trailer
        assert_eq!(decompress(&frame).unwrap(), b"\x7fELF hello world");
    }

    #[test]
    fn rejects_what_is_not_a_bzimage() {
        assert!(payload(&[0u8; 4096])
            .unwrap_err()
            .to_string()
            .contains("HdrS"));
        assert!(decompress(b"\x1f\x8b\x08\x00")
            .unwrap_err()
            .to_string()
            .contains("unsupported"));
    }
}
