//! Prose reuse: how much of a part's text repeats the same agency's report of the year before.
//!
//! The measure is the Jaccard similarity of the two texts' sets of character 5-grams, after
//! removing whitespace, digits and punctuation (so a report that only updates its numbers and
//! dates is still a copy): 1 is the same text, 0 nothing in common. It is estimated with a
//! MinHash signature of [`SLOTS`] 16-bit slots (64 bytes a part, kept for the whole run
//! instead of the text): the standard error is about 0.09 at 0.5 and shrinks towards 0 and 1.
//! A part shorter than [`MIN_CHARS`] characters has no signature (its similarity is null).

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
}
