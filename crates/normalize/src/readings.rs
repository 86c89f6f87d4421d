//! Readings of one table row: how the numbers found under a row label can be placed in the
//! row's columns.
//!
//! When the count matches, the row reads as stated. Otherwise *every* reading the text allows
//! is generated, under this damage model (README, "How it works"; ACCURACY.md):
//!
//! - **digit runs**: a number glued to its neighbours with no space or cell boundary
//!   (`予以公开270020130`, `5（三）`) may hold the digits of several adjacent cells; a piece has
//!   no leading zero unless it is `0`. A number that stands alone between spaces or in its own
//!   cell is one cell's value only while its row shows every cell: in a row short of cells,
//!   every number may be a run (`政府集中采购 1267.2` for 1 | 267.2).
//! - **spanning labels**: in a table whose rows show the empty cell a label spanning two
//!   columns leaves ([`Frame::SpannedText`]), empty cells before the first value may be nothing.
//! - **rule lines**: a glued run of [`RULE_DASHES`] or more dashes may be no cell at all.
//! - **glued signs**: a dash glued before digits (`35-15`, `—3`) is a minus sign (only in a
//!   signed column: 本年增/减) or a blank marker of its own cell.
//! - **surplus numbers** (a stray column): when the row shows more numbers than columns, any
//!   of the pieces may be the surplus — together with every split of the runs (a surplus cut
//!   from a run has at most [`MAX_STRAY_DIGITS`] digits).
//! - **missing cells**: when even the finest split gives fewer pieces than columns, blank cells
//!   may have been left out anywhere — again together with every split.
//!
//! A run that can fill every column is assumed to hide no unmarked blank cell, and a row that
//! shows no more numbers than columns no surplus. Only readings whose counts are whole numbers
//! ≥ 0 (signed columns: whole numbers) and that satisfy the row's identities (`总计` = sum of its
//! parts) survive. If the enumeration would exceed its budget it stops and says so
//! ([`Readings::truncated`]): the caller must then treat the row as ambiguous, never pick.

use crate::tokens::Kind;
use nianbao_vocab::ValueKind;

/// A number or blank found in a row's stretch of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<'a> {
    /// Token index.
    pub tok: usize,
    /// `Num`, `Blank` or `Empty`.
    pub kind: Kind,
    /// The number (for a glued dash, without its sign).
    pub value: Option<f64>,
    /// The digits, when the number is a plain unsigned integer.
    pub digits: Option<&'a str>,
    /// Source text.
    pub raw: &'a str,
    /// Glued to its neighbours: its digits may be a run of several cells.
    pub glued: bool,
    /// A dash glued before it: minus sign or blank marker.
    pub dash: bool,
    /// The digits after the decimal point (`digits` is then the whole part).
    pub frac: Option<&'a str>,
    /// How many dash characters the glued dash has (`—-6`: 2).
    pub dash_run: usize,
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

    /// The digits when they may be split into several cells.
    fn run(&self) -> Option<&'a str> {
        self.digits
            .filter(|d| self.kind == Kind::Num && self.glued && d.len() >= 2)
    }

    /// Whether the text shows this item to be a run of several cells' digits: glued to its
    /// neighbours, or written with a leading zero (`020`).
    fn shows_run(&self) -> bool {
        self.glued
            || self
                .digits
                .is_some_and(|d| d.len() > 1 && d.starts_with('0'))
    }

    /// Fewest and most pieces (cells) this item can give.
    fn pieces(&self) -> (usize, usize) {
        let digits = self.run().map_or(1, str::len);
        if self.kind == Kind::Blank {
            // (a long glued run of dashes may be a rule line: no cell)
            let rule = self.glued && self.dash_run >= RULE_DASHES;
            return (usize::from(!rule), self.dash_run.max(1));
        }
        (1, digits + if self.dash { self.dash_run.max(1) } else { 0 })
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

const NULL_CELL: CellRead<'static> = CellRead {
    value: None,
    raw: None,
    tok: None,
};

/// How the readings were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As many numbers as columns.
    Exact,
    /// As many cells (numbers, blanks and empty cells between them) as columns.
    Positional,
    /// Digits run together, or a glued dash: split apart / read as a sign.
    Split,
    /// Fewer numbers than columns; blanks inserted (with every split of the runs).
    Insert,
    /// More numbers than columns; some dropped (with every split of the runs).
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
    /// The enumeration hit its budget: `candidates` is incomplete and must not be chosen from.
    pub truncated: bool,
    /// How many cells the row shows beyond its columns (a stray column's evidence).
    pub excess: usize,
}

/// Most distinct readings kept for one row before it is declared "too many readings".
pub const MAX_CANDIDATES: usize = 4_096;
/// Most digits of a stray cell cut from a run of digits (see `Surplus::Never`).
pub const MAX_STRAY_DIGITS: usize = 4;
/// A glued run of this many dashes or more may be a rule line rather than blank markers.
pub const RULE_DASHES: usize = 3;
/// Most search steps for one row.
pub const MAX_STEPS: usize = 200_000;

fn fixed<'a>(mode: Mode, reading: Vec<CellRead<'a>>, found: usize) -> Readings<'a> {
    Readings {
        mode,
        candidates: vec![reading],
        note: None,
        found,
        truncated: false,
        excess: 0,
    }
}

/// Where a row's items come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// The cells of one table row (HTML/DOCX): an empty cell at either end is a blank cell of
    /// the row, not an artefact of the text.
    Grid,
    /// Text: empty cells after the last value may be artefacts (trailing tabs).
    Text,
    /// Text of a table whose rows show the empty cell a label spanning two columns leaves
    /// (every row with values starts with an empty cell, or one that does holds a run of
    /// digits): empty cells before the first value may be artefacts too.
    SpannedText,
}

/// [`read_row_in`] a grid row (`grid`) or text.
pub fn read_row<'a>(
    items: &[Item<'a>],
    cols: &[ValueKind],
    groups: &[Group],
    grid: bool,
    surplus: usize,
) -> Readings<'a> {
    let frame = if grid { Frame::Grid } else { Frame::Text };
    read_row_in(items, cols, groups, frame, surplus)
}

/// Whether the rows of a text table (each row's items) show the empty cell a label spanning
/// two columns leaves: every row with values starts with an empty cell, or one that does
/// holds a run of digits (glued, or written with a leading zero).
pub fn spanned_labels(rows: &[&[Item]]) -> bool {
    let starts_empty = |r: &[Item]| r.first().is_some_and(|i| i.kind == Kind::Empty);
    let valued: Vec<&[Item]> = rows
        .iter()
        .copied()
        .filter(|r| r.iter().any(|i| i.kind != Kind::Empty))
        .collect();
    !valued.is_empty()
        && (valued.iter().all(|r| starts_empty(r))
            || valued
                .iter()
                .any(|r| starts_empty(r) && r.iter().any(Item::shows_run)))
}

/// Reads the items under a row whose columns hold `cols` kinds, with the given sum groups.
/// `frame`: where the items come from (see [`Frame`]).
/// `surplus`: how many stray cells the table shows in its other rows (0: none). Then a row may
/// hide as many surplus pieces (in a run of digits, or beside a real blank cell at its end).
pub fn read_row_in<'a>(
    items: &[Item<'a>],
    cols: &[ValueKind],
    groups: &[Group],
    frame: Frame,
    surplus: usize,
) -> Readings<'a> {
    let grid = frame == Frame::Grid;
    let k = cols.len();
    // The row's cells: every cell of a grid row; in text, every cell up to the last value, then
    // the empty cells after it, which may be artefacts (trailing tabs, dropped at no cost) or
    // real blank cells.
    let last = items
        .iter()
        .rposition(|i| i.kind != Kind::Empty)
        .unwrap_or(0);
    let main_len = if grid || items.is_empty() {
        items.len()
    } else {
        last + 1
    };
    let cells: Vec<&Item<'a>> = items.iter().collect();
    let trailing = cells.len() > main_len;
    let values: Vec<&Item> = items.iter().filter(|i| i.kind != Kind::Empty).collect();
    let n = values.len();
    let stated = |v: &[&Item<'a>]| -> Vec<CellRead<'a>> { v.iter().map(|i| i.stated()).collect() };
    if n == 0 {
        return Readings {
            mode: Mode::Empty,
            candidates: vec![],
            note: None,
            found: 0,
            truncated: false,
            excess: 0,
        };
    }
    // A grid row of one column showing one number, its other cells empty: the empty cells are
    // what a merged cell of the source table left (`行政许可 | 2 | | `), the number the value.
    if grid
        && k == 1
        && n == 1
        && values[0].kind == Kind::Num
        && values[0].value.is_some()
        && !values[0].dash
    {
        return fixed(Mode::Exact, vec![values[0].stated()], n);
    }
    // When any number of the row is glued (a flattened row), every number of it may be a run,
    // spaces or not: the spaces of flattened text mark some cell boundaries, not all. A
    // number written with a leading zero (`020`) is always several cells.
    // In text, so does a dash glued before digits: a blank marker or a sign run into them
    // (`—-130` may be a blank, then −13 | 0).
    let runs = values.iter().any(|i| i.shows_run() || (!grid && i.dash));
    // In text, empty cells before the first value may be artefacts too: a label cell spanning
    // two columns of the source table leaves an empty cell after it (`标签\t\t0001001`).
    let leading = if frame != Frame::SpannedText {
        0
    } else {
        items
            .iter()
            .position(|i| i.kind != Kind::Empty)
            .unwrap_or(0)
    };
    // (under a spanning label, the empty cells before the first value are not the row's cells)
    let excess = (main_len - leading.min(main_len)).saturating_sub(k);
    let mut owned: Vec<Item<'a>> = cells
        .iter()
        .map(|i| {
            let mut i = (*i).clone();
            i.glued |= runs && i.kind == Kind::Num;
            // In a row whose cells ran together, a word of dashes (`———`) may be the blank
            // markers of several cells run together, as digits are (issue 27: `5 ——— 0` for
            // 5 | _ | _ | _ | 0): one to as many blanks as it has dashes.
            if runs && !grid && i.kind == Kind::Blank && !i.glued {
                let dashes = i
                    .raw
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .try_fold(0usize, |n, c| {
                        matches!(c, '-' | '\u{2212}' | '–' | '—' | '－').then_some(n + 1)
                    })
                    .unwrap_or(0);
                if dashes > 1 {
                    i.glued = true;
                    i.dash_run = dashes;
                }
            }
            i
        })
        .collect();
    // A row that, even split as the evidence allows, shows fewer cells than columns has lost
    // cells: left blank, or glued to a neighbour where no space or tab shows it (`政府集中采购
    // 1267.2` for 1 and 267.2, a tabbed row whose cells ran together in one). Every number may
    // then be a run as well. (Under a spanning label, neither the empty cells before the first
    // value nor those after the last are counted: both may be artefacts of that converter.)
    let shown_to = if frame == Frame::SpannedText {
        main_len
    } else {
        owned.len()
    };
    let shown: usize = owned[leading..shown_to].iter().map(|i| i.pieces().1).sum();
    let short = shown < k;
    if short {
        for i in owned.iter_mut() {
            i.glued |= i.kind == Kind::Num;
        }
    }
    let cells: Vec<&Item<'a>> = owned.iter().collect();
    let has_dash = cells.iter().any(|i| i.dash);
    let has_empty = cells.iter().any(|i| i.kind == Kind::Empty);
    // (a row short of cells reads its numbers as runs: they may hide a stray piece too)
    let hidden_surplus = surplus > 0 && (runs || trailing || short);
    // One cell per column, when the row shows exactly that. An empty cell before the first
    // value is then a blank cell too; beside a trailing one it may be the empty cell a label
    // spanning two columns leaves (`政府集中采购⇥⇥65854.21⇥`: 6 | 5854.21 glued), and the
    // row is not read by position.
    let one_per_column = main_len == k && (leading == 0 || cells.len() == k);
    if one_per_column && !has_dash && !hidden_surplus {
        let reading = stated(&cells[..k]);
        if !has_empty {
            return fixed(Mode::Exact, reading, n);
        }
        // one cell per column, the empty ones blank
        if settle(&mut reading.clone(), groups) {
            return fixed(Mode::Positional, reading, n);
        }
    }
    let drops = if excess > 0 || hidden_surplus {
        excess.max(surplus)
    } else {
        0
    };
    let inserts = short.then(|| k.saturating_sub(main_len - leading));
    let mut r = enumerate(
        &cells,
        cols,
        groups,
        (drops, inserts),
        (leading, main_len),
        n,
    );
    // A short row of a table with a stray column: its runs may hide the stray piece (read
    // above), or it may have lost blank cells (read here); both sets of readings are kept.
    if drops > 0 && inserts.is_some() {
        let b = enumerate(&cells, cols, groups, (0, inserts), (leading, main_len), n);
        if b.truncated && !r.truncated {
            r.truncated = true;
            r.note = b.note;
        }
        for c in b.candidates {
            if !r.candidates.iter().any(|x| same_values(x, &c)) {
                r.candidates.push(c);
            }
        }
        if !r.truncated && !r.candidates.is_empty() {
            r.note = None;
        }
    }
    r.excess = excess;
    r
}

/// Whether two readings give the same values.
fn same_values(a: &[CellRead], b: &[CellRead]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x.value, y.value) {
            (Some(x), Some(y)) => x.to_bits() == y.to_bits(),
            (None, None) => true,
            _ => false,
        })
}

/// Every reading of the model (module doc) that satisfies the row's identities.
/// `drops`: how many pieces may be surplus (0: none); `inserts`: how many blank cells may
/// have been left out, when the row is short of cells (`None`: it is not). Cells before
/// `free.0` are empty cells before the first value and cells from `free.1` on empty cells after
/// the last value: each is a blank cell, or an artefact dropped at no cost.
fn enumerate<'a>(
    values: &[&Item<'a>],
    cols: &[ValueKind],
    groups: &[Group],
    (drops, inserts): (usize, Option<usize>),
    free: (usize, usize),
    found: usize,
) -> Readings<'a> {
    let (leading_to, trailing_from) = free;
    let k = cols.len();
    let n = values.len();
    let allow_drop = drops > 0;
    let allow_insert = inserts.is_some() && !allow_drop;
    let mode = if allow_drop {
        Mode::Drop
    } else if allow_insert {
        Mode::Insert
    } else {
        Mode::Split
    };
    let mut e = Enum {
        values,
        cols,
        groups,
        allow_drop,
        max_drops: drops,
        leading_to,
        trailing_from,
        max_inserts: inserts.unwrap_or(0),
        allow_insert,
        out: Vec::new(),
        seen: std::collections::HashSet::new(),
        memo: std::collections::HashSet::new(),
        steps: 0,
        truncated: false,
        // rest_lo[i]: fewest pieces items i.. must give (empty cells before the first value or
        // after the last may give none)
        rest_lo: {
            let mut v = vec![0usize; n + 1];
            for i in (0..n).rev() {
                let free = i < leading_to || i >= trailing_from;
                v[i] = v[i + 1] + if free { 0 } else { values[i].pieces().0 };
            }
            v
        },
        // rest_hi[i]: most pieces items i.. can give
        rest_hi: {
            let mut v = vec![0usize; n + 1];
            for i in (0..n).rev() {
                v[i] = v[i + 1] + values[i].pieces().1;
            }
            v
        },
    };
    let mut cur = Vec::with_capacity(k + 1);
    e.item(0, &mut cur, 0);
    let truncated = e.truncated;
    let candidates = e.out;
    let note = if truncated {
        Some(format!(
            "too many readings: the search stopped after {} steps and {} readings",
            e.steps,
            candidates.len()
        ))
    } else if candidates.is_empty() {
        Some("no reading satisfies the row's identities".to_owned())
    } else {
        None
    };
    Readings {
        mode,
        candidates,
        note,
        found,
        truncated,
        excess: 0,
    }
}

/// Whether a piece may be dropped as a surplus cell.
#[derive(Clone, Copy)]
enum Surplus {
    /// Yes, within the row's budget of stray cells.
    Counted,
    /// Yes, at no cost: an empty cell after the row's last value.
    Free,
    /// No: a long piece of a run (see [`MAX_STRAY_DIGITS`]).
    Never,
}

struct Enum<'c, 'a> {
    values: &'c [&'c Item<'a>],
    cols: &'c [ValueKind],
    groups: &'c [Group],
    allow_drop: bool,
    /// Most pieces dropped as surplus (counted in the `inserted` slot of the search state,
    /// which insertion uses only when dropping is off).
    max_drops: usize,
    /// Items before this are leading empty cells, dropped at no cost.
    leading_to: usize,
    /// Items from here on are trailing empty cells, dropped at no cost.
    trailing_from: usize,
    allow_insert: bool,
    max_inserts: usize,
    out: Vec<Vec<CellRead<'a>>>,
    seen: std::collections::HashSet<Vec<u64>>,
    steps: usize,
    truncated: bool,
    rest_lo: Vec<usize>,
    rest_hi: Vec<usize>,
    /// States already explored: (item, digit offset, sign, inserted, cells so far). What can
    /// follow depends only on these, so a state reached twice adds no new reading.
    memo: std::collections::HashSet<(usize, usize, bool, usize, Vec<u64>)>,
}

/// −v, with −0 read as 0.
fn negate(v: f64) -> f64 {
    if v == 0.0 {
        0.0
    } else {
        -v
    }
}

fn fits(kind: ValueKind, v: Option<f64>) -> bool {
    let Some(v) = v else { return true };
    let whole = (v - v.round()).abs() < 1e-9;
    match kind {
        ValueKind::Count => whole && v >= 0.0,
        ValueKind::Signed => whole,
        ValueKind::Amount => v >= 0.0,
    }
}

impl<'a> Enum<'_, 'a> {
    /// Whether this state was explored before (and records it).
    fn again(&mut self, i: usize, from: usize, neg: bool, ins: usize, cur: &[CellRead]) -> bool {
        let key: Vec<u64> = cur
            .iter()
            .map(|c| c.value.map_or(u64::MAX, f64::to_bits))
            .collect();
        !self.memo.insert((i, from, neg, ins, key))
    }

    fn stop(&mut self) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS || self.out.len() >= MAX_CANDIDATES {
            self.truncated = true;
        }
        self.truncated
    }

    /// Whether `cur` can still be completed to `k` cells from item `i` on (with `extra` more
    /// pieces of the current item still to come).
    fn feasible(&self, i: usize, extra: usize, cur: &[CellRead], inserted: usize) -> bool {
        let k = self.cols.len();
        let need = k.saturating_sub(cur.len());
        if cur.len() > k {
            return false;
        }
        let hi = self.rest_hi[i] + extra;
        let lo = if self.allow_drop {
            0
        } else {
            self.rest_lo[i] + usize::from(extra > 0)
        };
        let ins = if self.allow_insert {
            self.max_inserts - inserted
        } else {
            0
        };
        lo <= need && need <= hi + ins
    }

    /// Places `cell` (or drops it as a surplus cell, when surplus is allowed), then continues
    /// with `next`.
    fn place(
        &mut self,
        cell: CellRead<'a>,
        cur: &mut Vec<CellRead<'a>>,
        inserted: usize,
        next: &mut dyn FnMut(&mut Self, &mut Vec<CellRead<'a>>, usize),
    ) {
        self.place_as(cell, Surplus::Counted, cur, inserted, next);
    }

    /// Places `cell`, or drops it as `surplus` says, then continues with `next`.
    fn place_as(
        &mut self,
        cell: CellRead<'a>,
        surplus: Surplus,
        cur: &mut Vec<CellRead<'a>>,
        inserted: usize,
        next: &mut dyn FnMut(&mut Self, &mut Vec<CellRead<'a>>, usize),
    ) {
        let k = self.cols.len();
        if cur.len() < k && fits(self.cols[cur.len()], cell.value) {
            cur.push(cell);
            if group_closed_ok(cur, self.groups) {
                next(self, cur, inserted);
            }
            cur.pop();
        }
        match surplus {
            Surplus::Free => next(self, cur, inserted),
            Surplus::Counted if self.allow_drop && inserted < self.max_drops => {
                next(self, cur, inserted + 1)
            }
            _ => {}
        }
    }

    /// Reads item `i` onwards.
    fn item(&mut self, i: usize, cur: &mut Vec<CellRead<'a>>, inserted: usize) {
        if self.stop() || self.again(i, usize::MAX, false, inserted, cur) {
            return;
        }
        // a missing (blank) cell here
        if self.allow_insert && inserted < self.max_inserts && cur.len() < self.cols.len() {
            cur.push(NULL_CELL);
            if group_closed_ok(cur, self.groups) && self.feasible(i, 0, cur, inserted + 1) {
                self.item(i, cur, inserted + 1);
            }
            cur.pop();
        }
        if i == self.values.len() {
            if cur.len() == self.cols.len() {
                self.complete(cur);
            }
            return;
        }
        if !self.feasible(i, 0, cur, inserted) {
            return;
        }
        let it = self.values[i];
        if it.dash {
            // A glued run of m dashes before digits: b blank markers (1 ≤ b ≤ m: `——` may be
            // one blank or two) and the number; or b blanks (0 ≤ b < m) and a minus sign.
            let m = it.dash_run.max(1);
            for b in 0..m {
                self.blanks(b, cur, inserted, &mut |e, cur, ins| {
                    e.digits(i, 0, true, cur, ins)
                });
            }
            for b in 1..=m {
                self.blanks(b, cur, inserted, &mut |e, cur, ins| {
                    e.digits(i, 0, false, cur, ins)
                });
            }
        } else if it.kind == Kind::Blank && it.glued && it.dash_run > 1 {
            // `——` glued between numbers: one blank marker, or several; a longer run of dashes
            // may also be no cell at all, a rule line glued to the row (`…000------`)
            let fewest = usize::from(it.dash_run < RULE_DASHES);
            for b in fewest..=it.dash_run {
                self.blanks(b, cur, inserted, &mut |e, cur, ins| e.item(i + 1, cur, ins));
            }
        } else {
            let minus = it.value.is_some_and(|v| v < 0.0);
            self.digits(i, 0, minus, cur, inserted);
        }
    }

    /// Places `count` blank cells, then continues with `next`.
    fn blanks(
        &mut self,
        count: usize,
        cur: &mut Vec<CellRead<'a>>,
        inserted: usize,
        next: &mut dyn FnMut(&mut Self, &mut Vec<CellRead<'a>>, usize),
    ) {
        if count == 0 {
            next(self, cur, inserted);
            return;
        }
        self.place(NULL_CELL, cur, inserted, &mut |e, cur, ins| {
            e.blanks(count - 1, cur, ins, next)
        });
    }

    /// Reads the digits of item `i` from byte `from` (pieces of a run, or the whole number).
    fn digits(
        &mut self,
        i: usize,
        from: usize,
        negative: bool,
        cur: &mut Vec<CellRead<'a>>,
        inserted: usize,
    ) {
        if self.stop() || self.again(i, from, negative, inserted, cur) {
            return;
        }
        let it = self.values[i];
        let Some(d) = it.run() else {
            let mut cell = it.stated();
            cell.value = cell
                .value
                .map(|v| if negative { negate(v.abs()) } else { v.abs() });
            let surplus = if i >= self.trailing_from || i < self.leading_to {
                Surplus::Free
            } else {
                Surplus::Counted
            };
            self.place_as(cell, surplus, cur, inserted, &mut |e, cur, ins| {
                e.item(i + 1, cur, ins)
            });
            return;
        };
        let bytes = d.as_bytes();
        // where the digits start in the item's raw text (the same for every piece)
        let ds = it.raw.find(d).unwrap_or(0);
        for end in from + 1..=d.len() {
            if end - from > 1 && bytes[from] == b'0' {
                break;
            }
            let left = d.len() - end;
            let piece = &d[from..end];
            // the last piece of a decimal number carries its fraction
            let frac = it.frac.filter(|_| left == 0);
            let mut value: Option<f64> = match frac {
                Some(fr) => format!("{piece}.{fr}").parse().ok(),
                None => piece.parse().ok(),
            };
            if negative {
                value = value.map(negate);
            }
            // raw: the piece, with the dash when it carries the sign, the fraction when it ends
            let tail = frac.map_or(0, |f| f.len() + 1);
            let raw = if negative && from == 0 {
                it.raw.get(..ds + end + tail)
            } else {
                it.raw.get(ds + from..ds + end + tail)
            };
            let cell = CellRead {
                value,
                raw,
                tok: Some(it.tok),
            };
            // A stray cell hidden in a run is a short number: a piece of more than
            // MAX_STRAY_DIGITS digits is never the surplus (it would swallow whole rows of
            // digits that belong to a misplaced label).
            let surplus = if end - from <= MAX_STRAY_DIGITS {
                Surplus::Counted
            } else {
                Surplus::Never
            };
            if left == 0 {
                self.place_as(cell, surplus, cur, inserted, &mut |e, cur, ins| {
                    e.item(i + 1, cur, ins)
                });
            } else {
                self.place_as(cell, surplus, cur, inserted, &mut |e, cur, ins| {
                    if e.feasible(i + 1, left, cur, ins) {
                        e.digits(i, end, false, cur, ins)
                    }
                });
            }
        }
    }

    fn complete(&mut self, cur: &[CellRead<'a>]) {
        let mut r = cur.to_vec();
        if !settle(&mut r, self.groups) {
            return;
        }
        if !r.iter().zip(self.cols).all(|(c, k)| fits(*k, c.value)) {
            return;
        }
        let key: Vec<u64> = r
            .iter()
            .map(|c| c.value.map_or(u64::MAX, f64::to_bits))
            .collect();
        if self.seen.insert(key) {
            self.out.push(r);
        }
    }
}

/// Checks the group that `cur`'s last cell closes, if it is fully known.
fn group_closed_ok(cur: &[CellRead], groups: &[Group]) -> bool {
    let len = cur.len();
    groups
        .iter()
        .filter(|g| g.end == len && !g.is_empty())
        .all(|g| {
            let vals: Option<Vec<f64>> = cur[g.clone()].iter().map(|c| c.value).collect();
            match vals {
                Some(v) => {
                    let (parts, total) = v.split_at(v.len() - 1);
                    (parts.iter().sum::<f64>() - total[0]).abs() < 1e-6
                }
                None => true,
            }
        })
}

/// Checks the sum groups of a full reading, filling cells the groups force. Returns false when
/// a group is violated or a forced value would be negative or fractional. Several blank
/// parts of a group whose known parts already make the total are 0 (counts are ≥ 0).
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Items from words: `*` marks a glued number (a run), a leading `~` a glued dash.
    fn items<'a>(words: &[&'a str]) -> Vec<Item<'a>> {
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let glued = w.starts_with('*');
                let w = w.trim_start_matches('*');
                let dash = w.starts_with('~');
                let w = w.trim_start_matches('~');
                let num = w.parse::<f64>().ok();
                Item {
                    tok: i,
                    kind: if num.is_some() {
                        Kind::Num
                    } else if w.is_empty() {
                        Kind::Empty
                    } else {
                        Kind::Blank
                    },
                    value: num,
                    digits: num
                        .filter(|_| w.chars().all(|c| c.is_ascii_digit()))
                        .map(|_| w),
                    raw: w,
                    glued,
                    dash,
                    frac: None,
                    dash_run: usize::from(dash),
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
    fn counts(k: usize) -> Vec<ValueKind> {
        vec![ValueKind::Count; k]
    }
    #[allow(clippy::single_range_in_vec_init)]
    const ROW: &[Group] = &[0..7];

    #[test]
    fn flattened_row_splits_uniquely_by_its_total() {
        let r = read_row(&items(&["*640020470"]), &counts(7), ROW, false, 0);
        assert_eq!(r.mode, Mode::Split);
        assert_eq!(vals(&r), [[64.0, 0.0, 0.0, 2.0, 0.0, 4.0, 70.0].map(Some)]);
        let r = read_row(&items(&["*500000", "*5"]), &counts(7), ROW, false, 0);
        assert_eq!(vals(&r), [[5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0].map(Some)]);
    }

    /// Issue 27 A1: a label spanning two columns leaves an empty cell before the digits. It is
    /// a blank cell or nothing: the true reading is among the candidates, so no wrong one is
    /// "the only reading".
    #[test]
    fn an_empty_cell_after_the_label_may_be_an_artefact() {
        let spanned = items(&["", "*0001001", ""]);
        assert!(spanned_labels(&[&spanned, &items(&["", "5", "5"])]));
        let r = read_row_in(&spanned, &counts(7), ROW, Frame::SpannedText, 0);
        let truth = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0].map(Some).to_vec();
        assert!(!r.truncated);
        assert!(vals(&r).contains(&truth), "{:?}", vals(&r));
        // and still a blank cell when the digits need it (the total then makes it 0); six
        // digits for seven columns may also hide a blank anywhere, so that is one of many
        let r = read_row_in(
            &items(&["", "*300003"]),
            &counts(7),
            ROW,
            Frame::SpannedText,
            0,
        );
        let v = vals(&r);
        assert!(v.contains(&[0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 3.0].map(Some).to_vec()));
        assert!(v.len() > 1 && !r.truncated);
        // a table where only some rows start with an empty cell, holding plain numbers: those
        // are blank cells of the first column
        let blank_first = items(&["", "3", "0", "0", "0", "0", "3"]);
        assert!(!spanned_labels(&[
            &blank_first,
            &items(&["1", "0", "0", "0", "0", "0", "1"])
        ]));
        let r = read_row(&blank_first, &counts(7), ROW, false, 0);
        assert_eq!(r.mode, Mode::Positional);
    }

    #[test]
    fn flattened_row_with_two_splits_is_left_to_the_column_identities() {
        let r = read_row(&items(&["*270020130"]), &counts(7), ROW, false, 0);
        assert_eq!(r.candidates.len(), 2, "{:?}", vals(&r));
        assert!(vals(&r).contains(&[27.0, 0.0, 0.0, 2.0, 0.0, 1.0, 30.0].map(Some).to_vec()));
    }

    #[test]
    fn part_four_seventeen_digits_split_by_three_totals() {
        let r = read_row(
            &items(&["*10203120001200000"]),
            &counts(15),
            &[0..5, 5..10, 10..15],
            false,
            0,
        );
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
        let r = read_row(&items(&["0"; 8]), &counts(7), ROW, false, 0);
        assert_eq!((r.mode, r.candidates.len()), (Mode::Drop, 1));
        // 6 numbers for 7 columns with a nonzero: several placements remain.
        let r = read_row(
            &items(&["5", "0", "0", "0", "0", "5"]),
            &counts(7),
            ROW,
            false,
            0,
        );
        assert_eq!(r.mode, Mode::Insert);
        assert!(r.candidates.len() > 1);
        // 3 + 0 + ... : the identity pins the missing total
        let r = read_row(
            &items(&["3", "1", "0", "0", "0", "0"]),
            &counts(7),
            ROW,
            false,
            0,
        );
        assert!(vals(&r).contains(&[3.0, 1.0, 0.0, 0.0, 0.0, 0.0, 4.0].map(Some).to_vec()));
    }

    #[test]
    fn three_columns_without_identity_stay_ambiguous() {
        let r = read_row(&items(&["*693665"]), &counts(3), &[], false, 0);
        assert!(r.candidates.len() > 1);
        assert!(vals(&r).contains(&vec![Some(69.0), Some(3.0), Some(665.0)]));
        let r = read_row(&items(&["*000"]), &counts(3), &[], false, 0);
        assert_eq!(vals(&r), [[Some(0.0); 3]]);
    }

    /// Issue 19.1: the missing cell may be any. Issue 27 A2: a row short of cells may also have
    /// lost a boundary where a space shows none (`19` for 1 and 9), so that reading is a
    /// candidate too, and the row is left to the column identities.
    #[test]
    fn issue_19_1_and_27_a2_a_short_row_may_be_missing_a_cell_or_a_boundary() {
        let r = read_row(
            &items(&["2", "2", "2", "2", "0", "19"]),
            &counts(7),
            ROW,
            false,
            0,
        );
        assert_eq!(r.mode, Mode::Insert);
        let v = vals(&r);
        assert!(v.contains(&[2.0, 2.0, 2.0, 2.0, 0.0, 19.0, 27.0].map(Some).to_vec()));
        assert!(v.contains(&[2.0, 2.0, 2.0, 2.0, 0.0, 1.0, 9.0].map(Some).to_vec()));
        // a row that shows every cell is read as it stands
        let r = read_row(
            &items(&["2", "2", "2", "2", "0", "19", "27"]),
            &counts(7),
            ROW,
            false,
            0,
        );
        assert_eq!((r.mode, r.candidates.len()), (Mode::Exact, 1));
    }

    /// Issue 27 A2: `政府集中采购 1267.2`, two columns and no identity: 1 | 267.2 is as good a
    /// reading as _ | 1267.2, so none is chosen.
    #[test]
    fn a_lone_amount_in_a_two_column_row_is_not_one_cell_for_sure() {
        let mut its = items(&["1267"]);
        its[0].frac = Some("2");
        its[0].value = Some(1267.2);
        its[0].raw = "1267.2";
        let r = read_row(&its, &[ValueKind::Count, ValueKind::Amount], &[], false, 0);
        let v = vals(&r);
        assert!(v.contains(&vec![Some(1.0), Some(267.2)]), "{v:?}");
        assert!(v.contains(&vec![None, Some(1267.2)]), "{v:?}");
    }

    /// Issue 27 A3: a rule line of dashes glued after part 四's digits is no cell.
    #[test]
    fn a_rule_line_after_the_digits_may_be_no_cell() {
        let mut its = items(&["*000220000000000", "------"]);
        its[1].glued = true;
        its[1].dash_run = 6;
        let r = read_row(&its, &counts(15), &[0..5, 5..10, 10..15], false, 0);
        let truth = [
            0.0, 0.0, 0.0, 2.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        ]
        .map(Some)
        .to_vec();
        assert!(!r.truncated);
        assert!(vals(&r).contains(&truth), "{:?}", vals(&r));
    }

    /// Issue 13 (surplus and a run together): both explanations are considered.
    #[test]
    fn surplus_and_runs_together() {
        // 8 numbers for 7 columns, the last glued: one stray cell, any run split.
        let r = read_row(
            &items(&["1", "0", "0", "0", "9", "0", "0", "*10"]),
            &counts(7),
            ROW,
            false,
            0,
        );
        assert_eq!(r.mode, Mode::Drop);
        let v = vals(&r);
        assert!(v.contains(&[1.0, 0.0, 0.0, 9.0, 0.0, 0.0, 10.0].map(Some).to_vec()));
        // splitting 10 would make a second surplus cell: one stray column is one cell
        assert!(!v.contains(&[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0].map(Some).to_vec()));
        // a table with a stray column elsewhere: a run may hide the row's surplus cell
        let r = read_row(&items(&["*10200013"]), &counts(7), ROW, false, 1);
        let v = vals(&r);
        assert!(
            v.contains(&[1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 3.0].map(Some).to_vec()),
            "{v:?}"
        );
        // ... and a trailing empty cell may be a real blank beside it
        let r = read_row(
            &items(&["1", "0", "0", "7", "0", "0", "1", ""]),
            &counts(7),
            ROW,
            false,
            1,
        );
        let v = vals(&r);
        assert!(
            v.contains(&[1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0].map(Some).to_vec()),
            "{v:?}"
        );
        assert!(v.len() > 1);
    }

    /// Issue 27 (found by the candidate-completeness property): a row short of cells in a table
    /// with a stray column reads its number as a run that may hide the stray piece, and still as
    /// a row that lost blank cells.
    #[test]
    fn a_short_row_may_hide_the_tables_stray_piece() {
        // `结转下年度继续办理 410131313`: 4|1|(0)|1|3|1|3|13, the 0 a stray column's cell
        let r = read_row(&items(&["410131313"]), &counts(7), ROW, false, 1);
        let v = vals(&r);
        assert!(!r.truncated);
        assert!(
            v.contains(&[4.0, 1.0, 1.0, 3.0, 1.0, 3.0, 13.0].map(Some).to_vec()),
            "{v:?}"
        );
        // without a stray column in the table, that reading needs a dropped piece: not read
        let r0 = read_row(&items(&["410131313"]), &counts(7), ROW, false, 0);
        assert!(!vals(&r0).contains(&[4.0, 1.0, 1.0, 3.0, 1.0, 3.0, 13.0].map(Some).to_vec()));
        // a short row whose digits cannot fill the columns keeps its readings with blanks
        let few = read_row(&items(&["3", "3"]), &counts(7), ROW, false, 1);
        let few0 = read_row(&items(&["3", "3"]), &counts(7), ROW, false, 0);
        assert!(!few0.candidates.is_empty());
        for c in vals(&few0) {
            assert!(vals(&few).contains(&c), "{c:?}");
        }
    }

    #[test]
    fn a_glued_dash_is_a_sign_only_in_a_signed_column() {
        let signed = [ValueKind::Count, ValueKind::Signed];
        // 35-15 for (prev_year_items, change): 35 | −15
        let r = read_row(&items(&["*35", "*~15"]), &signed, &[], false, 0);
        assert_eq!(vals(&r), [[Some(35.0), Some(-15.0)]]);
        // in two count columns the dash cannot be a sign: 35 | (blank) | 15 is one too many
        let r = read_row(&items(&["*35", "*~15"]), &counts(2), &[], false, 0);
        assert!(r.candidates.is_empty());
        // three columns: 35 | − | 15 or 3 | 5 | −15 ...
        let kinds = [ValueKind::Count, ValueKind::Signed, ValueKind::Signed];
        let r = read_row(&items(&["*35", "*~15"]), &kinds, &[], false, 0);
        let v = vals(&r);
        assert!(v.contains(&vec![Some(35.0), None, Some(15.0)]), "{v:?}");
        assert!(
            v.contains(&vec![Some(35.0), Some(-1.0), Some(5.0)]),
            "{v:?}"
        );
    }

    #[test]
    fn trailing_empty_cells_of_text_may_be_artefacts_but_grid_cells_are_cells() {
        let its = items(&["1", "0", "0", "0", "0", "0", ""]);
        let r = read_row(&its, &counts(7), ROW, true, 0);
        assert_eq!(r.mode, Mode::Positional);
        // text: the trailing empty cell is a blank (the total, forced to 1) or an artefact
        let r = read_row(&its, &counts(7), ROW, false, 0);
        assert_eq!(vals(&r), [[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0].map(Some)]);
        // `0 —3` and a trailing empty cell in (count, signed, count): −3 with a blank, or a
        // blank marker and 3: both readings remain (issue 19's case 5 family)
        let kinds = [ValueKind::Count, ValueKind::Signed, ValueKind::Count];
        let r = read_row(&items(&["0", "~3", ""]), &kinds, &[], false, 0);
        let v = vals(&r);
        assert!(v.contains(&vec![Some(0.0), Some(-3.0), None]), "{v:?}");
        assert!(v.contains(&vec![Some(0.0), None, Some(3.0)]), "{v:?}");
    }

    #[test]
    fn a_positional_reading_must_satisfy_the_row() {
        // 6 5 0 1 0 12 and an empty cell: total blank would be 24, but with the identity the
        // row stays open between the placements of the missing cell.
        let its = items(&["6", "", "5", "0", "1", "0", "12"]);
        let r = read_row(&its, &counts(7), ROW, true, 0);
        assert_eq!(r.mode, Mode::Positional);
        let its = items(&["6", "", "5", "0", "1", "0", "11"]);
        let r = read_row(&its, &counts(7), ROW, true, 0);
        assert_ne!(r.mode, Mode::Positional);
    }

    #[test]
    fn a_search_over_budget_says_so() {
        let long = "*1".to_owned() + &"1".repeat(60);
        let r = read_row(&items(&[long.as_str()]), &counts(30), &[], false, 0);
        assert!(r.truncated);
        assert!(r.note.unwrap().contains("too many readings"));
    }
}
