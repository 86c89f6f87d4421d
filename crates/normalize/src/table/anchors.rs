//! Finding each canonical row's label in the projection: in template order, tolerating
//! variants, wrapped labels and garbled wording.

use super::*;

#[derive(Debug, Clone, Copy)]
pub(super) struct Anchor {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) garbled: bool,
}

pub(super) fn lcs(a: &[char], b: &[char]) -> usize {
    let mut prev = vec![0usize; b.len() + 1];
    for &x in a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, &y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(super) fn find_anchors(
    proj: &Projection,
    from: usize,
    to: usize,
    rows: &[&RowDef],
) -> Vec<Option<Anchor>> {
    let mut found: Vec<Option<Anchor>> = vec![None; rows.len()];
    let mut cursor = from;
    // Phase 1: distinctive labels, in order.
    for (i, r) in rows.iter().enumerate() {
        if r.matches[0].chars().count() < 4 {
            continue;
        }
        for core in &r.matches {
            if let Some(p) = proj.find(core, cursor, to) {
                let end = p + core.chars().count();
                found[i] = Some(Anchor {
                    start: label_start(proj, r, core, p, cursor),
                    end,
                    garbled: false,
                });
                cursor = end;
                break;
            }
        }
    }
    // Phase 2: short labels and unfound rows, only in the gap between their neighbours.
    for i in 0..rows.len() {
        if found[i].is_some() {
            continue;
        }
        let lo = found[..i]
            .iter()
            .rev()
            .flatten()
            .next()
            .map_or(from, |a| a.end);
        let hi = found[i + 1..]
            .iter()
            .flatten()
            .next()
            .map_or(to, |a| a.start);
        if lo >= hi {
            continue;
        }
        let r = rows[i];
        if let Some((p, core)) = r
            .matches
            .iter()
            .find_map(|c| proj.find(c, lo, hi).map(|p| (p, c)))
        {
            found[i] = Some(Anchor {
                start: label_start(proj, r, core, p, lo),
                end: p + core.chars().count(),
                garbled: false,
            });
            continue;
        }
        let core: Vec<char> = r.matches[0].chars().collect();
        if core.len() < 4 {
            continue;
        }
        // best LCS score; among equal scores the window that shares the longest prefix with
        // the label (`…公开申请|申请人逾期…`: the label starts at the second 申请, not in the
        // end of the label before it)
        let mut best = (0usize, 0usize, lo);
        for s in lo..hi {
            let w = &proj.chars[s..(s + core.len() + 2).min(hi)];
            if w.first() != Some(&core[0]) && w.get(1) != Some(&core[1]) {
                continue;
            }
            let score = lcs(&core, w);
            let prefix = w.iter().zip(&core).take_while(|(a, b)| a == b).count();
            if (score, prefix) > (best.0, best.1) {
                best = (score, prefix, s);
            }
        }
        let best = (best.0, best.2);
        if best.0 * 10 >= core.len() * 6 {
            let end = (best.1 + core.len()).min(hi);
            found[i] = Some(Anchor {
                start: best.1,
                end,
                garbled: true,
            });
        }
    }
    found
}

/// Where the label really starts when it was found by a shorter core (`大量反复申请` of
/// `无正当理由大量反复申请`) because its first words are garbled: the characters before the match
/// are the label's first words when at least half of them agree. In PDF text the row's
/// numbers often stand inside the wrapped label, so the row must start at its first word.
pub(super) fn label_start(proj: &Projection, r: &RowDef, core: &str, p: usize, lo: usize) -> usize {
    let full: Vec<char> = r.matches[0].chars().collect();
    let core: Vec<char> = core.chars().collect();
    let Some(o) = (0..full.len().saturating_sub(core.len()) + 1)
        .find(|&o| full[o..].starts_with(&core))
        .filter(|&o| o > 0)
    else {
        return p;
    };
    if p < lo + o {
        return p;
    }
    let same = (0..o).filter(|&j| proj.chars[p - o + j] == full[j]).count();
    if same * 2 >= o {
        p - o
    } else {
        p
    }
}
