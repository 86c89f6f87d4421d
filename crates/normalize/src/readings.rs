//! Readings of one table row: how the numbers found under a row label can be placed in the
//! row's columns.
//!
//! When the count matches, the row reads as stated. Otherwise every reading is generated —
//! digits split apart (flattened tables), extra numbers dropped, missing cells inserted — and
//! only those that satisfy the row's identities (`总计` = sum of its parts) survive. The caller
//! decides: one distinct reading is a repair, several are ambiguous unless other identities
//! settle them.

use crate::tokens::Kind;

/// A number or blank found in a row's stretch of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<'a> {
    /// Token index.
    pub tok: usize,
    /// `Num`, `Blank` or `Empty`.
    pub kind: Kind,
    /// The number.
    pub value: Option<f64>,
    /// The digits, when the number is a plain unsigned integer.
    pub digits: Option<&'a str>,
    /// Source text.
    pub raw: &'a str,
}

impl<'a> Item<'a> {
    /// The item read as stated, into one cell.
    fn stated(&self) -> CellRead<'a> {
        CellRead {
            value: self.value,
            raw: Some(self.raw),
            tok: Some(self.tok),
        }
    }
}

/// One cell of a reading.
#[derive(Debug, Clone, PartialEq)]
pub struct CellRead<'a> {
    /// The value, or null.
    pub value: Option<f64>,
    /// The source text (a piece of the token when digits were split).
    pub raw: Option<&'a str>,
    /// The token it came from.
    pub tok: Option<usize>,
}

/// How the readings were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As many numbers as columns.
    Exact,
    /// As many cells (numbers, blanks and empty cells between them) as columns.
    Positional,
    /// Digits run together, split apart.
    Split,
    /// Fewer numbers than columns; blanks inserted.
    Insert,
    /// More numbers than columns; some dropped.
    Drop,
    /// No number at all under the label.
    Empty,
}

/// A group of cells whose last member is the sum of the others (`total` = Σ parts).
pub type Group = std::ops::Range<usize>;

/// The readings of a row.
#[derive(Debug, Clone)]
pub struct Readings<'a> {
    /// How they were made.
    pub mode: Mode,
    /// Distinct readings that satisfy the row's identities (for `Exact` and `Positional`, the
    /// one stated reading, checked or not).
    pub candidates: Vec<Vec<CellRead<'a>>>,
    /// Why no reading was possible, when `candidates` is empty.
    pub note: Option<String>,
    /// How many numbers and blank markers were found under the label.
    pub found: usize,
}

const MAX_CANDIDATES: usize = 200;
const MAX_STEPS: usize = 2_000_000;

/// Reads the items under a row with `k` columns and the given sum groups.
pub fn read_row<'a>(items: &[Item<'a>], k: usize, groups: &[Group]) -> Readings<'a> {
    let values: Vec<&Item> = items.iter().filter(|i| i.kind != Kind::Empty).collect();
    let n = values.len();
    let stated = |v: &[&Item<'a>]| -> Vec<CellRead<'a>> { v.iter().map(|i| i.stated()).collect() };
    if n == 0 {
        return Readings {
            mode: Mode::Empty,
            candidates: vec![],
            note: None,
            found: 0,
        };
    }
    if n == k {
        return Readings {
            mode: Mode::Exact,
            candidates: vec![stated(&values)],
            note: None,
            found: n,
        };
    }
    if n < k && items.len() == k {
        // Exactly one cell per column (a table row from HTML/DOCX, or a tab-separated row):
        // the empty cells are the blank ones.
        let all: Vec<&Item> = items.iter().collect();
        return Readings {
            mode: Mode::Positional,
            candidates: vec![stated(&all)],
            note: None,
            found: n,
        };
    }
    if n < k {
        // Empty cells between the first and last value may be the row's blank cells.
        let first = items
            .iter()
            .position(|i| i.kind != Kind::Empty)
            .unwrap_or(0);
        let last = items
            .iter()
            .rposition(|i| i.kind != Kind::Empty)
            .unwrap_or(0);
        let inner: Vec<&Item> = items[first..=last].iter().collect();
        if inner.len() == k {
            return Readings {
                mode: Mode::Positional,
                candidates: vec![stated(&inner)],
                note: None,
                found: n,
            };
        }
        let split = split_readings(&values, k, groups);
        if !split.is_empty() {
            return finish(Mode::Split, split, n);
        }
        return finish(Mode::Insert, insert_readings(&values, k, groups), n);
    }
    finish(Mode::Drop, drop_readings(&values, k, groups), n)
}

fn finish(mode: Mode, mut c: Vec<Vec<CellRead>>, found: usize) -> Readings {
    let mut seen: Vec<Vec<Option<f64>>> = Vec::new();
    c.retain(|r| {
        let v: Vec<Option<f64>> = r.iter().map(|x| x.value).collect();
        if seen.contains(&v) {
            false
        } else {
            seen.push(v);
            true
        }
    });
    let note = c
        .is_empty()
        .then(|| "no reading satisfies the row's identities".to_owned());
    Readings {
        mode,
        candidates: c,
        note,
        found,
    }
}

/// Checks the sum groups of a full reading, filling cells the groups force. Returns false when
/// a group is violated or a forced value would be negative or fractional.
pub fn settle(cells: &mut [CellRead], groups: &[Group]) -> bool {
    for g in groups {
        if g.end > cells.len() || g.is_empty() {
            continue;
        }
        let total = g.end - 1;
        let parts = g.start..total;
        let unknown: Vec<usize> = g.clone().filter(|&i| cells[i].value.is_none()).collect();
        let known_parts: f64 = parts.clone().filter_map(|i| cells[i].value).sum();
        match unknown.len() {
            0 => {
                if (known_parts - cells[total].value.unwrap_or(0.0)).abs() > 1e-6 {
                    return false;
                }
            }
            1 => {
                let u = unknown[0];
                let v = if u == total {
                    known_parts
                } else {
                    cells[total].value.unwrap_or(0.0) - known_parts
                };
                if v < -1e-9 || (v - v.round()).abs() > 1e-9 {
                    return false;
                }
                cells[u].value = Some(v.round());
            }
            _ => {
                if let Some(t) = cells[total].value {
                    if known_parts > t + 1e-9 {
                        return false;
                    }
                    if (known_parts - t).abs() < 1e-9 {
                        for u in unknown {
                            cells[u].value = Some(0.0);
                        }
                    }
                }
            }
        }
    }
    true
}

fn group_ok(cells: &[CellRead], groups: &[Group]) -> bool {
    // Checks only the groups that are complete and fully known.
    groups.iter().all(|g| {
        if g.end > cells.len() || g.is_empty() {
            return true;
        }
        let vals: Option<Vec<f64>> = cells[g.clone()].iter().map(|c| c.value).collect();
        match vals {
            Some(v) => {
                let (parts, total) = v.split_at(v.len() - 1);
                (parts.iter().sum::<f64>() - total[0]).abs() < 1e-6
            }
            None => true,
        }
    })
}

fn split_readings<'a>(values: &[&Item<'a>], k: usize, groups: &[Group]) -> Vec<Vec<CellRead<'a>>> {
    let splittable =
        |i: &Item| i.kind == Kind::Num && i.digits.as_ref().is_some_and(|d| d.len() >= 2);
    if !values.iter().any(|i| splittable(i)) {
        return vec![];
    }
    let max_pieces: usize = values
        .iter()
        .map(|i| {
            if splittable(i) {
                i.digits.as_ref().map_or(1, |d| d.len())
            } else {
                1
            }
        })
        .sum();
    if max_pieces < k {
        return vec![];
    }
    let mut out = Vec::new();
    let mut cur: Vec<CellRead> = Vec::new();
    let mut steps = 0usize;
    struct Ctx<'c, 'a> {
        values: &'c [&'c Item<'a>],
        k: usize,
        groups: &'c [Group],
        out: &'c mut Vec<Vec<CellRead<'a>>>,
        steps: &'c mut usize,
    }
    fn rest_bounds(values: &[&Item], from: usize) -> (usize, usize) {
        let mut lo = 0;
        let mut hi = 0;
        for i in &values[from..] {
            lo += 1;
            hi += match (&i.kind, &i.digits) {
                (Kind::Num, Some(d)) if d.len() >= 2 => d.len(),
                _ => 1,
            };
        }
        (lo, hi)
    }
    fn dfs<'a>(c: &mut Ctx<'_, 'a>, item: usize, pos: usize, cur: &mut Vec<CellRead<'a>>) {
        *c.steps += 1;
        if *c.steps > MAX_STEPS || c.out.len() >= MAX_CANDIDATES {
            return;
        }
        if !group_ok(cur, c.groups) {
            return;
        }
        if item == c.values.len() {
            if cur.len() == c.k {
                c.out.push(cur.clone());
            }
            return;
        }
        let it = c.values[item];
        let digits = match (&it.kind, &it.digits) {
            (Kind::Num, Some(d)) if d.len() >= 2 => Some(*d),
            _ => None,
        };
        match digits {
            None => {
                let (lo, hi) = rest_bounds(c.values, item + 1);
                if cur.len() + 1 + lo > c.k || cur.len() + 1 + hi < c.k {
                    return;
                }
                cur.push(CellRead {
                    value: it.value,
                    raw: Some(it.raw),
                    tok: Some(it.tok),
                });
                dfs(c, item + 1, 0, cur);
                cur.pop();
            }
            Some(d) => {
                let bytes = d.as_bytes();
                let (lo, hi) = rest_bounds(c.values, item + 1);
                for e in pos + 1..=d.len() {
                    let piece = &d[pos..e];
                    if piece.len() > 1 && bytes[pos] == b'0' {
                        break;
                    }
                    let digits_left = d.len() - e;
                    let (lo_here, hi_here) = if digits_left == 0 {
                        (0, 0)
                    } else {
                        (1, digits_left)
                    };
                    if cur.len() + 1 + lo_here + lo > c.k || cur.len() + 1 + hi_here + hi < c.k {
                        continue;
                    }
                    cur.push(CellRead {
                        value: piece.parse().ok(),
                        raw: Some(piece),
                        tok: Some(it.tok),
                    });
                    if e == d.len() {
                        dfs(c, item + 1, 0, cur);
                    } else {
                        dfs(c, item, e, cur);
                    }
                    cur.pop();
                }
            }
        }
    }
    let mut ctx = Ctx {
        values,
        k,
        groups,
        out: &mut out,
        steps: &mut steps,
    };
    dfs(&mut ctx, 0, 0, &mut cur);
    out.retain_mut(|r| settle(r, groups));
    out
}

fn combinations(n: usize, r: usize, limit: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut idx: Vec<usize> = (0..r).collect();
    if r > n {
        return out;
    }
    loop {
        out.push(idx.clone());
        if out.len() >= limit {
            return out;
        }
        let mut i = r;
        loop {
            if i == 0 {
                return out;
            }
            i -= 1;
            if idx[i] != i + n - r {
                break;
            }
            if i == 0 && idx[0] == n - r {
                return out;
            }
        }
        idx[i] += 1;
        for j in i + 1..r {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

fn insert_readings<'a>(values: &[&Item<'a>], k: usize, groups: &[Group]) -> Vec<Vec<CellRead<'a>>> {
    let mut out = Vec::new();
    for blanks in combinations(k, k - values.len(), 20_000) {
        let mut it = values.iter();
        let mut r: Vec<CellRead> = (0..k)
            .map(|i| {
                if blanks.contains(&i) {
                    CellRead {
                        value: None,
                        raw: None,
                        tok: None,
                    }
                } else {
                    it.next().expect("k - blanks values").stated()
                }
            })
            .collect();
        if settle(&mut r, groups) {
            out.push(r);
        }
    }
    out
}

fn drop_readings<'a>(values: &[&Item<'a>], k: usize, groups: &[Group]) -> Vec<Vec<CellRead<'a>>> {
    let mut out = Vec::new();
    for dropped in combinations(values.len(), values.len() - k, 20_000) {
        let mut r: Vec<CellRead> = values
            .iter()
            .enumerate()
            .filter(|(i, _)| !dropped.contains(i))
            .map(|(_, v)| v.stated())
            .collect();
        if settle(&mut r, groups) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items<'a>(words: &[&'a str]) -> Vec<Item<'a>> {
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let num = w.parse::<f64>().ok();
                Item {
                    tok: i,
                    kind: if num.is_some() {
                        Kind::Num
                    } else {
                        Kind::Blank
                    },
                    value: num,
                    digits: num
                        .filter(|_| w.chars().all(|c| c.is_ascii_digit()))
                        .map(|_| *w),
                    raw: w,
                }
            })
            .collect()
    }
    fn vals(r: &Readings) -> Vec<Vec<Option<f64>>> {
        r.candidates
            .iter()
            .map(|c| c.iter().map(|x| x.value).collect())
            .collect()
    }
    #[allow(clippy::single_range_in_vec_init)]
    const ROW: &[Group] = &[0..7];

    #[test]
    fn flattened_row_splits_uniquely_by_its_total() {
        let r = read_row(&items(&["640020470"]), 7, ROW);
        assert_eq!(r.mode, Mode::Split);
        assert_eq!(vals(&r), [[64.0, 0.0, 0.0, 2.0, 0.0, 4.0, 70.0].map(Some)]);
        let r = read_row(&items(&["500000", "5"]), 7, ROW);
        assert_eq!(vals(&r), [[5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0].map(Some)]);
    }

    #[test]
    fn flattened_row_with_two_splits_is_left_to_the_column_identities() {
        let r = read_row(&items(&["270020130"]), 7, ROW);
        assert_eq!(r.candidates.len(), 2, "{:?}", vals(&r));
        assert!(vals(&r).contains(&[27.0, 0.0, 0.0, 2.0, 0.0, 1.0, 30.0].map(Some).to_vec()));
    }

    #[test]
    fn part_four_seventeen_digits_split_by_three_totals() {
        let r = read_row(&items(&["10203120001200000"]), 15, &[0..5, 5..10, 10..15]);
        let want: Vec<Option<f64>> = [
            1.0, 0.0, 2.0, 0.0, 3.0, 12.0, 0.0, 0.0, 0.0, 12.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        ]
        .map(Some)
        .to_vec();
        assert_eq!(vals(&r), [want]);
    }

    #[test]
    fn extra_or_missing_numbers_are_repaired_only_when_unique() {
        // 8 zeros for 7 columns: every reading is the same.
        let r = read_row(&items(&["0"; 8]), 7, ROW);
        assert_eq!((r.mode, r.candidates.len()), (Mode::Drop, 1));
        // 6 numbers for 7 columns with a nonzero: several placements remain.
        let r = read_row(&items(&["5", "0", "0", "0", "0", "5"]), 7, ROW);
        assert_eq!(r.mode, Mode::Insert);
        assert!(r.candidates.len() > 1);
        // 3 + 0 + ... : the identity pins the missing total
        let r = read_row(&items(&["3", "1", "0", "0", "0", "0"]), 7, ROW);
        assert!(vals(&r).contains(&[3.0, 1.0, 0.0, 0.0, 0.0, 0.0, 4.0].map(Some).to_vec()));
    }

    #[test]
    fn three_columns_without_identity_stay_ambiguous() {
        let r = read_row(&items(&["693665"]), 3, &[]);
        assert!(r.candidates.len() > 1);
        assert!(vals(&r).contains(&vec![Some(69.0), Some(3.0), Some(665.0)]));
        let r = read_row(&items(&["000"]), 3, &[]);
        assert_eq!(vals(&r), [[Some(0.0); 3]]);
    }
}
