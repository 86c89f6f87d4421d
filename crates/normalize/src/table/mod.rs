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

/// Reads the three tables.
pub fn read_tables(ctx: &Ctx, regions: &HashMap<Section, Option<Region>>) -> Tables {
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
            Some(region) => read_rows(ctx, section, region, &rows, &mut reads, &mut findings),
        }
    }
    let other = other_rows(t, &mut reads, &mut findings);
    let identities = v.identities(t, other);
    resolve_with_columns(&mut reads, identities);
    withdraw_inconsistent_repairs(&mut reads, identities);

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
    let readings = read_row_in(
        &items,
        &kinds_of(&keys),
        &groups_for(section, keys.len()),
        frame_of(ctx, &[&items]),
        0,
    );
    let anchor = Some(Anchor {
        start: region.p_from,
        end: region.p_from,
        garbled: false,
    });
    let mut rr = row_read(v, t, rows[0], anchor, Some(readings));
    rr.keys = keys;
    reads.push(rr);
}

/// A table read row by row (parts 二 and 三): each row's label found, the numbers up to the
/// next label read into its columns (again with a stray column's surplus when some row shows
/// one).
fn read_rows<'a>(
    ctx: &Ctx<'a>,
    section: Section,
    region: Region,
    rows: &[&'static RowDef],
    reads: &mut Vec<RowRead<'a>>,
    findings: &mut Vec<Finding>,
) {
    let (v, t) = (Vocabulary::get(), ctx.template);
    let anchors = find_anchors(ctx.proj, region.p_from, region.p_to, rows);
    let mut bounds: Vec<usize> = anchors.iter().flatten().map(|a| a.start).collect();
    if section == Section::S3 {
        for g in ["本年度办理结果", "不予公开", "无法提供", "不予处理"] {
            if let Some(p) = ctx.proj.find(g, region.p_from, region.p_to) {
                bounds.push(p);
            }
        }
        check_s3_header(ctx, region, &anchors, findings);
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
    let read = |surplus: usize| -> Vec<Option<Readings>> {
        rows.iter()
            .zip(&row_items)
            .map(|(r, items)| {
                items.as_ref().map(|items| {
                    if items_2021 && r.key == "other_processing" {
                        return Readings {
                            mode: Mode::Drop,
                            candidates: vec![],
                            note: Some(
                                "the document gives the 2021 format's three items instead of this row"
                                    .into(),
                            ),
                            found: items.len(),
                            truncated: false,
                            excess: 0,
                        };
                    }
                    let keys = v.row_keys(t, r);
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
    let mut all_readings = read(0);
    if let Some(s) = stray_surplus(&all_readings) {
        all_readings = read(s);
    }
    for ((r, a), readings) in rows.iter().zip(&anchors).zip(all_readings) {
        if let Some(a) = a.filter(|a| a.garbled) {
            findings.push(garbled_label(ctx, section, r, a));
        }
        reads.push(row_read(v, t, r, *a, readings));
    }
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
                        && x.note.as_deref().is_none_or(|n| !n.contains("2021 format"))
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
