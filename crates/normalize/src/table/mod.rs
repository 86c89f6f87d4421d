//! Template-guided alignment of the three tables: find each canonical row's label in the
//! projection (in template order, tolerating variants and garbling), collect the numbers that
//! lie between it and the next label, read them into the row's columns, settle what the row
//! alone cannot settle with the column identities, and infer blank cells the identities force.

use nianbao_vocab::rules::name as rule;
use std::collections::HashMap;

use nianbao_extract::Document;
use nianbao_vocab::{OtherRows, RowDef, Section, Template, ValueKind, Vocabulary};

use crate::model::{Cell, CellStatus, Finding};
use crate::readings::{read_row_in, spanned_labels, CellRead, Frame, Group, Item, Mode, Readings};
use crate::tokens::{location, Kind, Projection, Token};

mod anchors;
mod checks;
mod columns;
mod emit;
mod solver;

use anchors::*;
use checks::*;
use columns::*;
use emit::*;
use solver::*;

/// A region of the document: projection range and token range.
#[derive(Debug, Clone, Copy)]
pub struct Region {
    /// Projection start (first label character after the heading).
    pub p_from: usize,
    /// Projection end (start of the next part's heading).
    pub p_to: usize,
    /// First token after the heading.
    pub t_from: usize,
    /// Token of the next part's heading.
    pub t_to: usize,
}

/// Everything needed to read the tables of one document.
pub struct Ctx<'a> {
    /// The document.
    pub doc: &'a Document,
    /// Its tokens.
    pub tokens: &'a [Token],
    /// Its projection.
    pub proj: &'a Projection,
    /// The template in use.
    pub template: Template,
}

/// What the tables yield.
pub struct Tables {
    /// Cells in vocabulary order.
    pub cells: Vec<Cell>,
    /// Findings of reading.
    pub findings: Vec<Finding>,
    /// How 其他处理 was given.
    pub other: OtherRows,
}

fn groups_for(section: Section, k: usize) -> Vec<Group> {
    match section {
        Section::S2 => vec![],
        Section::S3 => std::iter::once(0..k).collect(),
        Section::S4 => (0..k / 5).map(|g| g * 5..g * 5 + 5).collect(),
    }
}

/// The numbers, blanks and empty cells of a row's stretch of tokens. An empty cell counts only
/// on a line that carries one of the row's numbers or blanks, and never as the first cell of
/// its line (the label column): the empty first cell of the next row's line (a merged first
/// column) is not this row's.
fn items_in<'a>(ctx: &Ctx<'a>, t_from: usize, t_to: usize) -> Vec<Item<'a>> {
    let toks = &ctx.tokens[t_from.min(t_to)..t_to];
    let value_lines: Vec<u32> = toks
        .iter()
        .filter(|t| matches!(t.kind, Kind::Num | Kind::Blank))
        .map(|t| t.line)
        .collect();
    toks.iter()
        .enumerate()
        .filter(|(_, t)| match t.kind {
            Kind::Num | Kind::Blank => true,
            // the first cell of a line is the label column, not a value
            Kind::Empty => t.cell > 1 && value_lines.contains(&t.line),
            Kind::Text => false,
        })
        .map(|(i, t)| Item {
            tok: t_from + i,
            kind: t.kind,
            value: t.value,
            digits: t.digits.as_deref(),
            raw: with_unit(&ctx.doc.text, t.start, t.end),
            glued: t.glued,
            dash: t.dash,
            frac: t.frac.as_deref(),
            dash_run: if t.dash || (t.kind == Kind::Blank && t.glued) {
                let raw = &ctx.doc.text[t.start..t.end];
                raw.chars()
                    .take_while(|c| matches!(c, '-' | '\u{2212}' | '–' | '—' | '－'))
                    .count()
                    .max(1)
            } else {
                0
            },
        })
        .collect()
}

/// The kind of value each column of a row holds.
fn kinds_of(keys: &[&str]) -> Vec<ValueKind> {
    let v = Vocabulary::get();
    keys.iter()
        .map(|k| v.cell(k).map_or(ValueKind::Count, |c| c.column.kind))
        .collect()
}

/// The token's text, with a currency unit written right after it (`251000元`, `3.5万元`), so
/// that the `raw` column shows what the document says and validation can check the unit.
fn with_unit(text: &str, start: usize, end: usize) -> &str {
    let rest = &text[end..];
    let unit = ["万元", "元"].iter().find(|u| rest.starts_with(*u));
    &text[start..end + unit.map_or(0, |u| u.len())]
}

struct RowRead<'a> {
    row: &'static RowDef,
    keys: Vec<&'static str>,
    anchor: Option<Anchor>,
    readings: Option<Readings<'a>>,
    chosen: Option<usize>,
    settled_by_columns: bool,
    table_missing: bool,
    /// Why the row is left open (ambiguous), when it is.
    open_note: Option<String>,
}

fn fmt_num(v: Option<f64>) -> String {
    v.map_or_else(|| "_".into(), nianbao_vocab::fmt_number)
}

fn fmt_reading(r: &[CellRead]) -> String {
    r.iter()
        .map(|c| fmt_num(c.value))
        .collect::<Vec<_>>()
        .join("|")
}

/// One row's complete set of readings as the reader enumerated them, before any choice among
/// them: what the candidate-completeness property of the differential test checks (the true
/// reading must be among them unless the enumeration was cut short).
#[derive(Debug, Clone)]
pub struct RowCandidates {
    /// The row's cell keys, in column order (all 15 of part 四).
    pub keys: Vec<&'static str>,
    /// Every reading kept (the values, column by column; null for a blank cell).
    pub candidates: Vec<Vec<Option<f64>>>,
    /// The enumeration hit a budget: `candidates` is incomplete (and never chosen from).
    pub truncated: bool,
    /// How the readings were made.
    pub mode: Mode,
    /// Why there is no reading, when there is none.
    pub note: Option<String>,
}

/// The readings of every row found — part 三's after its re-read with a stray cell when the
/// identities call for one (see `settle_rows`) — whatever is then chosen among them.
pub fn row_candidates(ctx: &Ctx, regions: &HashMap<Section, Option<Region>>) -> Vec<RowCandidates> {
    let Settled { reads, .. } = settle_rows(ctx, regions);
    reads
        .iter()
        .filter_map(|r| {
            let x = r.readings.as_ref()?;
            // a row with no number under its label is read blank (see `emit_row`)
            let candidates = if x.mode == Mode::Empty {
                vec![vec![None; r.keys.len()]]
            } else {
                x.candidates
                    .iter()
                    .map(|c| c.iter().map(|c| c.value).collect())
                    .collect()
            };
            Some(RowCandidates {
                keys: r.keys.clone(),
                candidates,
                truncated: x.truncated,
                mode: x.mode,
                note: x.note.clone(),
            })
        })
        .collect()
}

/// The rows of the three tables, each with its reading chosen where the evidence settles it.
struct Settled<'a> {
    reads: Vec<RowRead<'a>>,
    findings: Vec<Finding>,
    other: OtherRows,
    identities: &'static [nianbao_vocab::Identity],
}

/// Reads every row and settles what the rows and the column identities settle. A part 三 that
/// showed no stray column (read with no surplus), whose rows run their digits together, and
/// whose readings then fit no combination of the identities (or whose only readings break
/// them, or whose combinations were too many to search, or that leave a run's row open) may
/// hide a stray column in every row's run: it is read again allowing one (a superset of the
/// readings) and settled again.
fn settle_rows<'a>(ctx: &Ctx<'a>, regions: &HashMap<Section, Option<Region>>) -> Settled<'a> {
    let v = Vocabulary::get();
    let settle = |s3_surplus: Option<usize>| {
        let (mut reads, findings, other, used) = read_all_rows(ctx, regions, s3_surplus);
        let identities = v.identities(ctx.template, other);
        resolve_with_columns(&mut reads, identities);
        withdraw_inconsistent_repairs(&mut reads, identities);
        (
            Settled {
                reads,
                findings,
                other,
                identities,
            },
            used,
        )
    };
    let (first, used) = settle(None);
    let s3 = |r: &&RowRead| r.row.section == Section::S3;
    let runs = first.reads.iter().filter(s3).any(|r| {
        r.readings.as_ref().is_some_and(|x| {
            matches!(x.mode, Mode::Split | Mode::Insert | Mode::Drop) && x.found > 0
        })
    });
    let unfit = first.reads.iter().filter(s3).any(|r| {
        r.chosen.is_none()
            && r.open_note.as_deref().is_some_and(|n| {
                n.starts_with("no combination")
                    || n.starts_with("its only reading")
                    || n.starts_with("too many combinations")
            })
    });
    // (…or, in text that keeps its cells, leave a run's row open: under a spanning label's
    // empty cell, with the stray read as data, the identities may admit several combinations,
    // none of them the truth. Flattened text showed no such row in 100,000 documents, and
    // re-reading it on every open row cost 0.7 points of its recovery.)
    let keeps_cells = matches!(
        ctx.doc.layout,
        nianbao_model::Layout::Tabbed | nianbao_model::Layout::Piped
    );
    let ambiguous = keeps_cells
        && first.reads.iter().filter(s3).any(|r| {
            r.chosen.is_none()
                && r.readings.as_ref().is_some_and(|x| {
                    matches!(x.mode, Mode::Split | Mode::Insert | Mode::Drop) && x.found > 0
                })
        });
    if used == 0 && runs && (unfit || ambiguous) {
        settle(Some(1)).0
    } else {
        first
    }
}

/// Reads the three tables.
pub fn read_tables(ctx: &Ctx, regions: &HashMap<Section, Option<Region>>) -> Tables {
    let Settled {
        reads,
        mut findings,
        other,
        identities,
    } = settle_rows(ctx, regions);

    // Emit cells.
    let mut cells = Vec::new();
    for r in &reads {
        emit_row(ctx, r, &mut cells, &mut findings, other);
    }
    amounts_in_yuan(ctx, regions, &mut cells, &mut findings);
    infer_blanks(&mut cells, identities, &mut findings);
    report_blanks(&cells, &mut findings);
    Tables {
        cells,
        findings,
        other,
    }
}

/// Every row of the three tables with its readings (none chosen yet), the findings of
/// reading, how （六）其他处理 was given, and the stray cells part 三's rows were read with
/// (`s3_surplus`: that many, instead of what the table shows).
fn read_all_rows<'a>(
    ctx: &Ctx<'a>,
    regions: &HashMap<Section, Option<Region>>,
    s3_surplus: Option<usize>,
) -> (Vec<RowRead<'a>>, Vec<Finding>, OtherRows, usize) {
    let mut used = 0;
    let v = Vocabulary::get();
    let t = ctx.template;
    let mut findings = Vec::new();
    let mut reads: Vec<RowRead> = Vec::new();
    for section in Section::ALL {
        let rows: Vec<&'static RowDef> = v.rows(t, section).collect();
        match regions.get(&section).copied().flatten() {
            None => {
                findings.push(Finding::new(
                    rule::MISSING_TABLE,
                    format!(
                        "part {}: the table was not found; its cells are null",
                        section.numeral()
                    ),
                ));
                missing_rows(&rows, t, &mut reads);
            }
            Some(region) if section == Section::S4 => {
                read_s4(ctx, region, &rows, &mut reads, &mut findings);
            }
            Some(region) => {
                let forced = s3_surplus.filter(|_| section == Section::S3);
                let u = read_rows(
                    ctx,
                    section,
                    region,
                    &rows,
                    forced,
                    &mut reads,
                    &mut findings,
                );
                if section == Section::S3 {
                    used = u;
                }
            }
        }
    }
    let other = other_rows(t, &mut reads, &mut findings);
    (reads, findings, other, used)
}

/// The rows of a table that is not there: null, `missing`.
fn missing_rows(rows: &[&'static RowDef], t: Template, reads: &mut Vec<RowRead>) {
    let v = Vocabulary::get();
    for r in rows {
        let mut rr = row_read(v, t, r, None, None);
        rr.table_missing = true;
        reads.push(rr);
    }
}

/// Part 四: one segment of 15 numbers (行政复议, 未经复议直接起诉, 复议后起诉 × 5 columns),
/// read as one row.
fn read_s4<'a>(
    ctx: &Ctx<'a>,
    region: Region,
    rows: &[&'static RowDef],
    reads: &mut Vec<RowRead<'a>>,
    findings: &mut Vec<Finding>,
) {
    let (v, t, section) = (Vocabulary::get(), ctx.template, Section::S4);
    // One segment of 15 numbers: 行政复议, 未经复议直接起诉, 复议后起诉 × 5 columns.
    let items = items_in(ctx, region.t_from, region.t_to);
    let keys: Vec<&'static str> = rows.iter().flat_map(|r| keys_of(v, t, r)).collect();
    if items.iter().all(|i| i.kind == Kind::Empty) {
        findings.push(Finding::new(
            rule::MISSING_TABLE,
            "part 四: the table is missing (heading only); its cells are null",
        ));
        missing_rows(rows, t, reads);
        return;
    }
    let readings = match transposed_s4(ctx, region, rows) {
        None => read_row_in(
            &items,
            &kinds_of(&keys),
            &groups_for(section, keys.len()),
            frame_of(ctx, &[&items]),
            0,
        ),
        Some(Ok(placed)) => {
            findings.push(Finding::new(
                rule::COLUMN_ORDER,
                "part 四 is printed transposed (a row per result, a column per proceeding); cells are placed by their labels",
            ));
            read_row_in(
                &placed,
                &kinds_of(&keys),
                &groups_for(section, keys.len()),
                Frame::Grid,
                0,
            )
        }
        Some(Err(why)) => {
            findings.push(Finding::new(
                rule::COLUMN_ORDER,
                format!("part 四 is printed transposed (a row per result), but {why}; its cells are null"),
            ));
            no_reading(NOTE_COLUMN_ORDER, items.len())
        }
    };
    let anchor = Some(Anchor {
        start: region.p_from,
        end: region.p_from,
        garbled: false,
    });
    let mut rr = row_read(v, t, rows[0], anchor, Some(readings));
    rr.keys = keys;
    reads.push(rr);
}

/// Part 四 printed transposed: a row per result (结果维持 … 总计), a column per proceeding
/// (行政复议, 未经复议直接起诉, 复议后起诉, in the header's order). `None` when it is not (no
/// number stands between the first two result labels); else its 15 cells in template order,
/// when every result row shows exactly one cell per proceeding, or why they cannot be placed.
fn transposed_s4<'a>(
    ctx: &Ctx<'a>,
    region: Region,
    rows: &[&'static RowDef],
) -> Option<Result<Vec<Item<'a>>, String>> {
    let v = Vocabulary::get();
    let results: Vec<&nianbao_vocab::ColumnDef> = v.columns(ctx.template, Section::S4).collect();
    let (from, to) = (region.p_from, region.p_to);
    let find = |ms: &[&str], lo: usize, hi: usize| {
        ms.iter().filter_map(|m| ctx.proj.find(m, lo, hi)).min()
    };
    let mut at: Vec<(usize, usize)> = Vec::new(); // (projection position, result column)
    for (c, col) in results.iter().enumerate() {
        at.push((find(&col.matches, from, to)?, c));
    }
    at.sort_unstable();
    let tok = |p: usize| ctx.proj.tok_at(p, ctx.tokens.len());
    let first_row = items_in(ctx, tok(at[0].0), tok(at[1].0));
    if !first_row.iter().any(|i| i.kind == Kind::Num) {
        return None;
    }
    // the proceedings' order, from the header before the first result label
    let mut procs: Vec<(usize, usize)> = Vec::new();
    for (p, r) in rows.iter().enumerate() {
        match find(&r.matches, from, at[0].0) {
            Some(x) => procs.push((x, p)),
            None => return Some(Err(format!("the header does not name {}", r.label))),
        }
    }
    procs.sort_unstable();
    let n = results.len();
    let mut placed: Vec<Option<Item<'a>>> = vec![None; rows.len() * n];
    for (j, &(p, c)) in at.iter().enumerate() {
        let end = at.get(j + 1).map_or(region.t_to, |&(q, _)| tok(q));
        let mut cells = items_in(ctx, tok(p), end);
        while cells.len() > procs.len() && cells.last().is_some_and(|i| i.kind == Kind::Empty) {
            cells.pop();
        }
        if cells.len() != procs.len() || cells.iter().any(|i| i.glued || i.dash) {
            return Some(Err(format!(
                "the row {} does not show one cell per proceeding",
                results[c].label
            )));
        }
        for (cell, &(_, proc)) in cells.into_iter().zip(&procs) {
            placed[proc * n + c] = Some(cell);
        }
    }
    placed.into_iter().collect::<Option<Vec<_>>>().map(Ok)
}

/// A table read row by row (parts 二 and 三): each row's label found, the numbers up to the
/// next label read into its columns (again with a stray column's surplus when some row shows
/// one, or with `forced` surplus cells). Returns the surplus the rows were read with.
fn read_rows<'a>(
    ctx: &Ctx<'a>,
    section: Section,
    region: Region,
    rows: &[&'static RowDef],
    forced: Option<usize>,
    reads: &mut Vec<RowRead<'a>>,
    findings: &mut Vec<Finding>,
) -> usize {
    let (v, t) = (Vocabulary::get(), ctx.template);
    let anchors = find_anchors(ctx.proj, region.p_from, region.p_to, rows);
    let mut bounds: Vec<usize> = anchors.iter().flatten().map(|a| a.start).collect();
    let mut order = ColumnOrder::Standard;
    if section == Section::S3 {
        for g in ["本年度办理结果", "不予公开", "无法提供", "不予处理"] {
            if let Some(p) = ctx.proj.find(g, region.p_from, region.p_to) {
                bounds.push(p);
            }
        }
        check_s3_header(ctx, region, &anchors, findings);
        order = s3_column_order(ctx, region, &anchors);
        check_group_headings(ctx, rows, &anchors, findings);
    }
    bounds.sort_unstable();
    if anchors.iter().all(|a| a.is_none()) {
        findings.push(Finding::new(
            rule::MISSING_TABLE,
            format!(
                "part {}: no row of the table was found; its cells are null",
                section.numeral()
            ),
        ));
    }
    let row_items = items_of_rows(ctx, region, &anchors, &bounds);
    let frame = frame_of(
        ctx,
        &row_items
            .iter()
            .flatten()
            .map(Vec::as_slice)
            .collect::<Vec<_>>(),
    );
    // A 2019-format report whose part 三 has the 2021 format's three items under （六）:
    // the single 其他处理 row of 2019 is their sum, which the document does not state.
    let items_2021 = section == Section::S3
        && t == Template::Y2019
        && ["逾期不补正", "缴纳费用"]
            .iter()
            .any(|w| ctx.proj.find(w, region.p_from, region.p_to).is_some());
    if items_2021 {
        findings.push(
            Finding::new(
                rule::MIXED_TEMPLATE,
                "part 三 gives （六）其他处理 as the three items 1.–3. of the 2021 format in a 2019-format report; the 2019 row 其他处理 (their sum) is not stated, its cells are null",
            )
            .at_row("（六）其他处理"),
        );
    }
    // Part 二's 规章 and 规范性文件 rows under the other format's column header: the
    // document's three numbers are not the template's three quantities.
    let foreign_s2 = if section == Section::S2 {
        s2_foreign_columns(ctx, region)
    } else {
        Vec::new()
    };
    for (keys, header) in &foreign_s2 {
        let labels: Vec<&str> = rows
            .iter()
            .filter(|r| keys.contains(&r.key))
            .map(|r| r.label)
            .collect();
        findings.push(
            Finding::new(
                rule::MIXED_TEMPLATE,
                format!(
                    "part 二: {} given under the columns {header} of the other format; their cells are null",
                    labels.join("、")
                ),
            )
            .at_row(labels.first().copied().unwrap_or("")),
        );
    }
    match &order {
        ColumnOrder::Standard => {}
        ColumnOrder::Printed(perm) => {
            let labels: Vec<&str> = perm
                .iter()
                .filter_map(|&i| v.columns(t, Section::S3).nth(i).map(|c| c.label))
                .collect();
            findings.push(Finding::new(
                rule::COLUMN_ORDER,
                format!(
                    "part 三: the header prints the columns in the order {}; cells are placed by their header",
                    labels.join("、")
                ),
            ));
        }
    }
    // A text table whose rows that do not start with an empty cell show no more cells than
    // columns has no stray column: a row that starts with one and then shows exactly one cell
    // per column has a label spanning two columns (the real template's 一、二、四 rows).
    let no_excess_elsewhere = frame == Frame::Text
        && rows.iter().zip(&row_items).all(|(r, items)| {
            items.as_ref().is_none_or(|items| {
                items.first().is_some_and(|i| i.kind == Kind::Empty)
                    || cells_to_last_value(items) <= v.row_keys(t, r).len()
            })
        });
    let read = |surplus: usize| -> Vec<Option<Readings>> {
        rows.iter()
            .zip(&row_items)
            .map(|(r, items)| {
                items.as_ref().map(|items| {
                    if foreign_s2.iter().any(|(keys, _)| keys.contains(&r.key)) {
                        return no_reading(NOTE_FOREIGN_COLUMNS, items.len());
                    }
                    if items_2021 && r.key == "other_processing" {
                        return no_reading(NOTE_2021_ITEMS, items.len());
                    }
                    let keys = v.row_keys(t, r);
                    let placed;
                    let items = match &order {
                        ColumnOrder::Standard => items,
                        ColumnOrder::Printed(perm) => match placed_by_header(items, perm) {
                            Some(p) => {
                                placed = p;
                                &placed
                            }
                            None => return no_reading(NOTE_COLUMN_ORDER, items.len()),
                        },
                    };
                    // (the empty cell a spanning label left is not a cell of the row)
                    let items = if no_excess_elsewhere && spans_own_label(items, keys.len()) {
                        &items[1..]
                    } else {
                        items
                    };
                    read_row_in(
                        items,
                        &kinds_of(keys),
                        &groups_for(section, keys.len()),
                        frame,
                        surplus,
                    )
                })
            })
            .collect()
    };
    let mut all_readings = read(forced.unwrap_or(0));
    let mut used = forced.unwrap_or(0);
    if let Some(s) = stray_surplus(&all_readings).filter(|_| forced.is_none()) {
        all_readings = read(s);
        used = s;
    }
    for ((r, a), readings) in rows.iter().zip(&anchors).zip(all_readings) {
        if let Some(a) = a.filter(|a| a.garbled) {
            findings.push(garbled_label(ctx, section, r, a));
        }
        reads.push(row_read(v, t, r, *a, readings));
    }
    used
}

/// Why a 2019-format row 其他处理 has no reading when the 2021 items are given instead.
pub(crate) const NOTE_2021_ITEMS: &str =
    "the document gives the 2021 format's three items instead of this row";
/// Why a part 二 row under the other format's columns has no reading.
pub(crate) const NOTE_FOREIGN_COLUMNS: &str =
    "the document gives this row under the other format's columns";

/// How many cells a row shows up to its last value.
fn cells_to_last_value(items: &[Item<'_>]) -> usize {
    items
        .iter()
        .rposition(|i| i.kind != Kind::Empty)
        .map_or(0, |p| p + 1)
}

/// A text row that starts with one empty cell and then shows exactly one cell per column, every
/// cell a plain number or blank (no run): the empty cell is what a label spanning two columns
/// left.
fn spans_own_label(items: &[Item<'_>], k: usize) -> bool {
    items.first().is_some_and(|i| i.kind == Kind::Empty)
        && items.get(1).is_some_and(|i| i.kind != Kind::Empty)
        && cells_to_last_value(items) == k + 1
        && !items.iter().any(|i| i.glued || i.dash)
}

/// Why a part 三 row has no reading when its columns are printed in another order and its
/// cells are not one per column.
pub(crate) const NOTE_COLUMN_ORDER: &str =
    "the header prints the columns in another order, and the row's cells are not one per column";

/// A row the document gives but that is not read (`note` says why): null, `ambiguous`.
fn no_reading<'a>(note: &str, found: usize) -> Readings<'a> {
    Readings {
        mode: Mode::Drop,
        candidates: vec![],
        note: Some(note.into()),
        found,
        truncated: false,
        excess: 0,
    }
}

/// A row's items put into the template's column order (`perm[i]`: the template column of
/// printed column `i`), when the row shows exactly one cell per column and no run of digits
/// (trailing empty cells beyond the columns are tabs, not cells); `None` otherwise.
fn placed_by_header<'a>(items: &[Item<'a>], perm: &[usize]) -> Option<Vec<Item<'a>>> {
    let k = perm.len();
    let mut cells: &[Item<'a>] = items;
    while cells.len() > k && cells.last().is_some_and(|i| i.kind == Kind::Empty) {
        cells = &cells[..cells.len() - 1];
    }
    if cells.len() != k
        || cells.iter().any(|i| {
            i.glued || i.dash || i.digits.is_some_and(|d| d.len() > 1 && d.starts_with('0'))
        })
    {
        return None;
    }
    let mut out: Vec<Option<Item<'a>>> = vec![None; k];
    for (i, it) in cells.iter().enumerate() {
        out[perm[i]] = Some(it.clone());
    }
    out.into_iter().collect()
}

/// Part 二's rows given under the other format's column header, with that header: 规章 and
/// 规范性文件 under 本年新制作数量 / 本年新公开数量 / 对外公开总数量 in a 2021-format report (or
/// under 本年制发件数 / 本年废止件数 / 现行有效件数 in a 2019-format one), and in a 2021-format
/// report the rows 行政许可 … under 上一年项目数量 / 本年增/减 (with 行政事业性收费 too when no
/// 收费金额 column is named). The report's own columns named as well leave the rows alone.
fn s2_foreign_columns(
    ctx: &Ctx<'_>,
    region: Region,
) -> Vec<(&'static [&'static str], &'static str)> {
    let has = |ws: &[&str]| {
        ws.iter()
            .any(|w| ctx.proj.find(w, region.p_from, region.p_to).is_some())
    };
    const DOCS: &[&str] = &["regulation", "normative_document"];
    const ITEMS: &[&str] = &["licensing", "punishment", "enforcement"];
    const FEE: &[&str] = &["admin_fee"];
    let y2019 = ["新制作", "新公开", "对外公开总"];
    let y2021 = ["制发件", "废止件", "有效件数"];
    let mut out = Vec::new();
    match ctx.template {
        Template::Y2021 => {
            if has(&y2019) && !has(&y2021) {
                out.push((DOCS, "本年新制作数量 / 本年新公开数量 / 对外公开总数量"));
            }
            if has(&["上一年项目", "本年增"]) {
                out.push((ITEMS, "上一年项目数量 / 本年增/减 / 处理决定数量"));
                if !has(&["收费金额"]) {
                    out.push((FEE, "上一年项目数量 / 本年增/减"));
                }
            }
        }
        Template::Y2019 => {
            if has(&y2021) && !has(&y2019) {
                out.push((DOCS, "本年制发件数 / 本年废止件数 / 现行有效件数"));
            }
        }
    }
    out
}

/// Where a table's rows come from: grid cells, or text (whose labels may span two columns).
fn frame_of(ctx: &Ctx<'_>, rows: &[&[Item<'_>]]) -> Frame {
    if ctx.doc.layout == nianbao_extract::Layout::Grid {
        Frame::Grid
    } else if spanned_labels(rows) {
        Frame::SpannedText
    } else {
        Frame::Text
    }
}

/// The items (numbers and blanks) of each found row: from its label to the next label or group
/// heading (`bounds`), or the table's end.
fn items_of_rows<'a>(
    ctx: &Ctx<'a>,
    region: Region,
    anchors: &[Option<Anchor>],
    bounds: &[usize],
) -> Vec<Option<Vec<Item<'a>>>> {
    anchors
        .iter()
        .map(|a| {
            a.map(|a| {
                let t_from = ctx.proj.tok_at(a.start, ctx.tokens.len());
                let next = bounds
                    .iter()
                    .copied()
                    .find(|&b| b > a.start)
                    .unwrap_or(region.p_to);
                let t_to = if next >= region.p_to {
                    region.t_to
                } else {
                    ctx.proj.tok_at(next, ctx.tokens.len())
                };
                items_in(ctx, t_from, t_to.max(t_from))
            })
        })
        .collect()
}

/// The surplus cells a stray column leaves, when some row shows one (more cells than columns:
/// the fewest such; or a row with no reading at all: one): then any row of the table whose
/// digits run together, or that ends in empty cells, may hide as many.
fn stray_surplus(all_readings: &[Option<Readings>]) -> Option<usize> {
    all_readings
        .iter()
        .flatten()
        .filter(|x| x.excess > 0)
        .map(|x| x.excess)
        .min()
        .or_else(|| {
            all_readings
                .iter()
                .flatten()
                .any(|x| {
                    x.mode != Mode::Empty
                        && x.candidates.is_empty()
                        && !x.truncated
                        && !matches!(
                            x.note.as_deref(),
                            Some(NOTE_2021_ITEMS | NOTE_FOREIGN_COLUMNS | NOTE_COLUMN_ORDER)
                        )
                })
                .then_some(1)
        })
}

/// The finding for a row label found only garbled.
fn garbled_label(ctx: &Ctx, section: Section, r: &RowDef, a: Anchor) -> Finding {
    let seen = ctx.proj.slice(a.start, a.end);
    Finding::new(
        rule::LABEL_GARBLED,
        format!(
            "part {}: the label of {} is garbled: {seen} instead of {}",
            section.numeral(),
            r.label,
            r.matches[0]
        ),
    )
    .at_row(r.label)
    .at(Some(location(
        ctx.doc,
        &ctx.tokens[ctx
            .proj
            .tok_at(a.start, ctx.tokens.len())
            .min(ctx.tokens.len() - 1)],
    )))
}

/// How （六）其他处理 is given (the 2019 single row, the 2021 three items, or both), with
/// the rows the template does not have removed.
fn other_rows(t: Template, reads: &mut Vec<RowRead>, findings: &mut Vec<Finding>) -> OtherRows {
    let has_numbers = |key: &str| {
        reads
            .iter()
            .any(|r| r.row.key == key && r.readings.as_ref().is_some_and(|x| x.mode != Mode::Empty))
    };
    let anchored = |key: &str| reads.iter().any(|r| r.row.key == key && r.anchor.is_some());
    let items_present = ["other_no_correction", "other_fee_unpaid", "other_other"]
        .iter()
        .any(|k| anchored(k));
    let single = has_numbers("other_processing");
    let other = OtherRows::given(t, single, items_present);
    if t == Template::Y2021 {
        if other == OtherRows::Items {
            reads.retain(|r| r.row.key != "other_processing");
        } else if other == OtherRows::Single {
            findings.push(Finding::new(
                rule::MISSING_ROW,
                "part 三: （六）其他处理 is given as a single row (2019-format style) instead of the three items 1.–3. of the 2021 format",
            ).at_row("（六）其他处理"));
        }
    }

    other
}

fn keys_of(v: &Vocabulary, t: Template, r: &RowDef) -> Vec<&'static str> {
    v.row_keys(t, r).to_vec()
}

fn row_read<'a>(
    v: &Vocabulary,
    t: Template,
    row: &'static RowDef,
    anchor: Option<Anchor>,
    readings: Option<Readings<'a>>,
) -> RowRead<'a> {
    RowRead {
        row,
        keys: keys_of(v, t, row),
        anchor,
        readings,
        chosen: None,
        settled_by_columns: false,
        table_missing: false,
        open_note: None,
    }
}
