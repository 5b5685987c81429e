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

/// Checks that `head` (the first bytes of a file `len` bytes long) starts an
/// x86-64 ELF executable whose program headers, and every segment they
/// describe, lie inside the file: a vmlinux cut short (a full disk, a killed
/// run) fails here rather than in QEMU.
///
/// `head` must hold at least the ELF header and the program header table
/// ([`elf_head_len`] says how much that is).
pub fn check_elf(head: &[u8], len: u64) -> Result<()> {
    let u16_at = |o: usize| {
        head.get(o..o + 2)
            .map(|b| u16::from_le_bytes(b.try_into().unwrap()))
    };
    let u64_at = |o: usize| {
        head.get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
    };
    if head.len() < 64 || &head[..4] != b"\x7fELF" || head[4] != 2 || head[5] != 1 {
        bail!("not a 64-bit little-endian ELF file");
    }
    if u16_at(18) != Some(0x3e) {
        bail!("not an x86-64 ELF file");
    }
    let (phoff, phentsize, phnum) = (
        u64_at(32).unwrap(),
        u16_at(54).unwrap(),
        u16_at(56).unwrap(),
    );
    if phnum == 0 || phentsize < 56 {
        bail!("no program headers");
    }
    for i in 0..phnum as u64 {
        let at = phoff + i * phentsize as u64;
        let (Some(offset), Some(filesz)) = (u64_at(at as usize + 8), u64_at(at as usize + 32))
        else {
            bail!(
                "program header {i} lies outside the file's first {} bytes",
                head.len()
            );
        };
        if offset.saturating_add(filesz) > len {
            bail!(
                "segment {i} ends at byte {} but the file has {len}: it was cut short",
                offset.saturating_add(filesz)
            );
        }
    }
    Ok(())
}

/// How many bytes of an ELF file [`check_elf`] needs, from its header.
pub fn elf_head_len(header: &[u8]) -> usize {
    if header.len() < 64 {
        return 64;
    }
    let phoff = u64::from_le_bytes(header[32..40].try_into().unwrap());
    let table = u16::from_le_bytes(header[54..56].try_into().unwrap()) as u64
        * u16::from_le_bytes(header[56..58].try_into().unwrap()) as u64;
    (phoff.saturating_add(table)).min(1 << 20) as usize
}

/// Checks the ELF file at `path` with [`check_elf`], reading only its headers.
pub fn check_file(path: &Path) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let len = f.metadata()?.len();
    let mut head = vec![0u8; 64.min(len as usize)];
    f.read_exact(&mut head)?;
    let want = elf_head_len(&head).min(len as usize);
    if want > head.len() {
        head.resize(want, 0);
        f.seek(SeekFrom::Start(0))?;
        f.read_exact(&mut head)?;
    }
    check_elf(&head, len).with_context(|| format!("{}", path.display()))
}

/// Path to the cached vmlinux of `bzimage`, extracting it on first use, and
/// again when the cached file is not a whole ELF file ([`check_file`]).
/// Errors: the bzImage cannot be read or its payload decompressed, or the
/// cache cannot be written; the caller boots the bzImage then.
pub fn cached(bzimage: &Path, cache: &Path, release: &str) -> Result<PathBuf> {
    let dir = cache.join("vmlinux");
    let path = dir.join(release);
    if path.exists() {
        match check_file(&path) {
            Ok(()) => return Ok(path),
            Err(e) => eprintln!("the cached vmlinux is damaged ({e:#}); extracting it again"),
        }
    }
    std::fs::create_dir_all(&dir)?;
    let bz = std::fs::read(bzimage).with_context(|| format!("reading {}", bzimage.display()))?;
    let elf = decompress(payload(&bz)?)
        .with_context(|| format!("extracting vmlinux from {}", bzimage.display()))?;
    check_elf(&elf, elf.len() as u64)
        .with_context(|| format!("the vmlinux extracted from {}", bzimage.display()))?;
    let tmp = dir.join(format!(".{release}.{}", std::process::id()));
    std::fs::write(&tmp, elf).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
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

    /// A minimal x86-64 ELF header with one program header whose segment
    /// is `filesz` bytes at offset 0x1000.
    fn elf(filesz: u64) -> Vec<u8> {
        let mut e = vec![0u8; 64 + 56];
        e[..6].copy_from_slice(b"\x7fELF\x02\x01");
        e[18..20].copy_from_slice(&0x3eu16.to_le_bytes());
        e[32..40].copy_from_slice(&64u64.to_le_bytes());
        e[54..56].copy_from_slice(&56u16.to_le_bytes());
        e[56..58].copy_from_slice(&1u16.to_le_bytes());
        e[64 + 8..64 + 16].copy_from_slice(&0x1000u64.to_le_bytes());
        e[64 + 32..64 + 40].copy_from_slice(&filesz.to_le_bytes());
        e
    }

    #[test]
    fn a_cut_elf_file_is_refused() {
        let e = elf(0x500);
        assert_eq!(elf_head_len(&e), 120);
        check_elf(&e, 0x1500).unwrap();
        let err = check_elf(&e, 0x1400).unwrap_err().to_string();
        assert!(err.contains("cut short"), "{err}");
        assert!(check_elf(&e[..40], 0x1500).is_err());
        let mut arm = e.clone();
        arm[18] = 0xb7;
        assert!(check_elf(&arm, 0x1500)
            .unwrap_err()
            .to_string()
            .contains("x86-64"));
    }

    #[test]
    fn a_damaged_cached_vmlinux_is_checked_before_use() {
        let dir = std::env::temp_dir().join(format!("vmlinux-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("vmlinux")).unwrap();
        let path = dir.join("vmlinux/r1");
        let mut whole = elf(0x500);
        whole.resize(0x1500, 0);
        std::fs::write(&path, &whole).unwrap();
        check_file(&path).unwrap();
        std::fs::write(&path, &whole[..0x1200]).unwrap();
        assert!(check_file(&path).is_err());
        // The cached file is damaged and the bzImage missing: an error, so
        // the caller boots the bzImage, never the damaged file.
        assert!(cached(&dir.join("missing-bzImage"), &dir, "r1").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
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
