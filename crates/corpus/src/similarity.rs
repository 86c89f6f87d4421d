//! Prose reuse: how much of a part's text repeats the same agency's report of the year before.
//!
//! The measure is the Jaccard similarity of the two texts' sets of character 5-grams, after
//! removing whitespace, digits and punctuation (so a report that only updates its numbers and
//! dates is still a copy): 1 is the same text, 0 nothing in common. It is estimated with a
//! MinHash signature of [`SLOTS`] 16-bit slots (64 bytes a part, kept for the whole run
//! instead of the text): the standard error is about 0.09 at 0.5 and shrinks towards 0 and 1.
//! A part shorter than [`MIN_CHARS`] characters has no signature (its similarity is null).
//!
//! A run keeps the signatures of every report's parts in a [`SignatureFile`] (a temporary file
//! of fixed-size records) until the panel says which report each is compared with.

use std::path::Path;

use crate::CorpusError;

/// Slots of a signature.
pub const SLOTS: usize = 32;
/// Shingle length in characters.
const SHINGLE: usize = 5;
/// Parts shorter than this (after removing whitespace, digits and punctuation) get no
/// signature.
pub const MIN_CHARS: usize = 20;

/// A part's MinHash signature.
pub type Signature = [u16; SLOTS];

/// 64-bit mix (splitmix64's finaliser).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The signature of a text, or `None` when it is too short.
pub fn signature(text: &str) -> Option<Signature> {
    let chars: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if chars.len() < MIN_CHARS.max(SHINGLE) {
        return None;
    }
    // the k-th hash of a shingle is a + k·b (two halves of one mixed 64-bit hash: Kirsch and
    // Mitzenmacher's double hashing), so a shingle costs one mix, not one per slot
    let mut mins = [u32::MAX; SLOTS];
    for w in chars.windows(SHINGLE) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for c in w {
            h = (h ^ u64::from(*c as u32)).wrapping_mul(0x0100_0000_01b3);
        }
        let h = mix(h);
        let (a, b) = (h as u32, ((h >> 32) as u32) | 1);
        for (k, m) in mins.iter_mut().enumerate() {
            let v = a.wrapping_add((k as u32).wrapping_mul(b));
            if v < *m {
                *m = v;
            }
        }
    }
    Some(std::array::from_fn(|k| (mins[k] >> 16) as u16))
}

/// The estimated similarity (0–1) of two signatures.
pub fn similarity(a: &Signature, b: &Signature) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / SLOTS as f64
}

/// The parts of a report (一 to 六) that can have a signature.
pub const PARTS: usize = 6;
/// A signature's bytes.
const SIG_BYTES: usize = 2 * SLOTS;
/// One document's record in a [`SignatureFile`]: which parts have a signature (a bit each), then
/// every part's signature.
const SIG_RECORD: usize = 1 + PARTS * SIG_BYTES;

/// The MinHash signatures of every report's parts, parked on disk until the end of the run (at
/// ~400 bytes a report they were the largest thing a run held: 400 MB at 1 M reports): a
/// temporary file of one fixed-size record per document, written and read at the document's
/// offset.
pub struct SignatureFile {
    file: std::fs::File,
}

#[cfg(unix)]
fn write_at(f: &std::fs::File, buf: &[u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(f, buf, at)
}

#[cfg(unix)]
fn read_at(f: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, at)
}

#[cfg(windows)]
fn write_at(f: &std::fs::File, mut buf: &[u8], mut at: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(f, buf, at)?;
        buf = &buf[n..];
        at += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_at(f: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, at)
}

impl SignatureFile {
    /// An empty file in `dir` (removed when dropped).
    pub fn new(dir: &Path) -> Result<SignatureFile, CorpusError> {
        Ok(SignatureFile {
            file: tempfile::tempfile_in(dir).map_err(|source| CorpusError::Io {
                what: format!("creating a temporary file in {}", dir.display()),
                source,
            })?,
        })
    }

    /// Writes the signatures of one document's parts (part, signature).
    pub fn put(&self, doc: u32, sigs: &[(u8, Signature)]) -> Result<(), CorpusError> {
        let mut rec = [0u8; SIG_RECORD];
        for (part, sig) in sigs {
            let k = usize::from(*part);
            if !(1..=PARTS).contains(&k) {
                continue;
            }
            rec[0] |= 1 << (k - 1);
            let at = 1 + (k - 1) * SIG_BYTES;
            for (j, v) in sig.iter().enumerate() {
                rec[at + 2 * j..at + 2 * j + 2].copy_from_slice(&v.to_le_bytes());
            }
        }
        write_at(&self.file, &rec, u64::from(doc) * SIG_RECORD as u64).map_err(|source| {
            CorpusError::Io {
                what: "parking section signatures in a temporary file".into(),
                source,
            }
        })
    }

    /// The signatures of one document's parts 1 to 6 (none where it has none).
    pub fn get(&self, doc: u32) -> Result<[Option<Signature>; PARTS], CorpusError> {
        let mut rec = [0u8; SIG_RECORD];
        let mut got = 0;
        while got < SIG_RECORD {
            let n = read_at(
                &self.file,
                &mut rec[got..],
                u64::from(doc) * SIG_RECORD as u64 + got as u64,
            )
            .map_err(|source| CorpusError::Io {
                what: "reading section signatures back".into(),
                source,
            })?;
            if n == 0 {
                break; // past the end: a document without signatures
            }
            got += n;
        }
        let mut out = [None; PARTS];
        for (k, o) in out.iter_mut().enumerate() {
            if got == SIG_RECORD && rec[0] & (1 << k) != 0 {
                let at = 1 + k * SIG_BYTES;
                let mut sig = [0u16; SLOTS];
                for (j, v) in sig.iter_mut().enumerate() {
                    *v = u16::from_le_bytes([rec[at + 2 * j], rec[at + 2 * j + 1]]);
                }
                *o = Some(sig);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_score_one_and_unrelated_texts_near_zero() {
        let a = "2023年，本局认真贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息120条，依申请公开工作规范有序。";
        let b = "2024年，本局认真贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息135条，依申请公开工作规范有序。";
        let c = "今年我们重点推进了农村公路建设、义务教育均衡发展、医疗卫生服务体系改革以及生态环境保护督察整改等工作。";
        let (sa, sb, sc) = (
            signature(a).unwrap(),
            signature(b).unwrap(),
            signature(c).unwrap(),
        );
        assert_eq!(similarity(&sa, &sb), 1.0, "only numbers changed");
        assert!(similarity(&sa, &sc) < 0.15, "{}", similarity(&sa, &sc));
        assert_eq!(signature("无。"), None);
        // half the text replaced: in between
        let d = "2024年，本局认真贯彻落实《中华人民共和国政府信息公开条例》，今年重点推进了农村公路建设和义务教育均衡发展。";
        let s = similarity(&sa, &signature(d).unwrap());
        assert!((0.15..0.85).contains(&s), "{s}");
    }

    #[test]
    fn a_signature_file_gives_back_what_was_put_by_document_and_part() {
        let dir = tempfile::tempdir().unwrap();
        let file = SignatureFile::new(dir.path()).unwrap();
        let a = signature(
            "本局认真贯彻落实政府信息公开条例，全年主动公开政府信息，依申请公开工作规范有序。",
        )
        .unwrap();
        let mut b = a;
        b[0] ^= 1;
        file.put(3, &[(1, a), (6, b), (9, a)]).unwrap();
        file.put(1, &[(2, b)]).unwrap();
        let three = file.get(3).unwrap();
        assert_eq!(three[0], Some(a));
        assert_eq!(three[5], Some(b));
        assert!(
            three[1..5].iter().all(Option::is_none),
            "part 9 is not a part"
        );
        assert_eq!(file.get(1).unwrap()[1], Some(b));
        // a document never written, before or past the end: no signatures
        assert_eq!(file.get(2).unwrap(), [None; PARTS]);
        assert_eq!(file.get(40).unwrap(), [None; PARTS]);
    }
}
