//! Template-guided alignment of the three tables: find each canonical row's label in the
//! projection (in template order, tolerating variants and garbling), collect the numbers that
//! lie between it and the next label, read them into the row's columns, settle what the row
//! alone cannot settle with the column identities, and infer blank cells the identities force.

use nianbao_vocab::rules::name as rule;
use std::collections::HashMap;

use nianbao_extract::Document;
use nianbao_vocab::{OtherRows, RowDef, Section, Template, ValueKind, Vocabulary};

use crate::model::{Cell, CellStatus, Finding};
use crate::readings::{read_row, CellRead, Group, Item, Mode, Readings};
use crate::tokens::{location, Kind, Projection, Token};

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

#[derive(Debug, Clone, Copy)]
struct Anchor {
    start: usize,
    end: usize,
    garbled: bool,
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

fn lcs(a: &[char], b: &[char]) -> usize {
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

fn find_anchors(
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
fn label_start(proj: &Projection, r: &RowDef, core: &str, p: usize, lo: usize) -> usize {
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
        let region = regions.get(&section).copied().flatten();
        let Some(region) = region else {
            findings.push(Finding::new(
                rule::MISSING_TABLE,
                format!(
                    "part {}: the table was not found; its cells are null",
                    section.numeral()
                ),
            ));
            for r in rows {
                let mut rr = row_read(v, t, r, None, None);
                rr.table_missing = true;
                reads.push(rr);
            }
            continue;
        };
        if section == Section::S4 {
            // One segment of 15 numbers: 行政复议, 未经复议直接起诉, 复议后起诉 × 5 columns.
            let items = items_in(ctx, region.t_from, region.t_to);
            let keys: Vec<&'static str> = rows.iter().flat_map(|r| keys_of(v, t, r)).collect();
            if items.iter().all(|i| i.kind == Kind::Empty) {
                findings.push(Finding::new(
                    rule::MISSING_TABLE,
                    "part 四: the table is missing (heading only); its cells are null",
                ));
                for r in rows {
                    let mut rr = row_read(v, t, r, None, None);
                    rr.table_missing = true;
                    reads.push(rr);
                }
                continue;
            }
            let grid = ctx.doc.layout == nianbao_extract::Layout::Grid;
            let readings = read_row(
                &items,
                &kinds_of(&keys),
                &groups_for(section, keys.len()),
                grid,
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
            // the two other rows are covered by the combined segment
            continue;
        }
        let anchors = find_anchors(ctx.proj, region.p_from, region.p_to, &rows);
        let mut bounds: Vec<usize> = anchors.iter().flatten().map(|a| a.start).collect();
        if section == Section::S3 {
            for g in ["本年度办理结果", "不予公开", "无法提供", "不予处理"] {
                if let Some(p) = ctx.proj.find(g, region.p_from, region.p_to) {
                    bounds.push(p);
                }
            }
            check_s3_header(ctx, region, &anchors, &mut findings);
            check_group_headings(ctx, &rows, &anchors, &mut findings);
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
        let grid = ctx.doc.layout == nianbao_extract::Layout::Grid;
        let row_items: Vec<Option<Vec<Item>>> = anchors
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
            .collect();
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
                        read_row(
                            items,
                            &kinds_of(keys),
                            &groups_for(section, keys.len()),
                            grid,
                            surplus,
                        )
                    })
                })
                .collect()
        };
        let mut all_readings = read(0);
        // A stray column shows in some row (more cells than columns, or no reading at all):
        // then any row of the table whose digits run together, or that ends in empty cells,
        // may hide as many surplus cells.
        let stray = all_readings
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
            });
        if let Some(s) = stray {
            all_readings = read(s);
        }
        for ((r, a), readings) in rows.iter().zip(&anchors).zip(all_readings) {
            if let Some(a) = a.filter(|a| a.garbled) {
                let seen = ctx.proj.slice(a.start, a.end);
                findings.push(
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
                    ))),
                );
            }
            reads.push(row_read(v, t, r, *a, readings));
        }
    }

    // How （六）其他处理 is given.
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
    let other = match (t, single, items_present) {
        (Template::Y2019, _, _) => OtherRows::Single,
        (_, true, true) => OtherRows::Both,
        (_, true, false) => OtherRows::Single,
        _ => OtherRows::Items,
    };
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

/// The 2021 format's fee amount is in 万元. When the header says the unit is 元
/// (`本年收费金额（单位：元）`) or the cell is written `8188900元`, the number is yuan: it is
/// converted to 万元, with an `amount_unit` finding — never kept as written under a 万元 key.
fn amounts_in_yuan(
    ctx: &Ctx,
    regions: &HashMap<Section, Option<Region>>,
    cells: &mut [Cell],
    findings: &mut Vec<Finding>,
) {
    let header_yuan = regions
        .get(&Section::S2)
        .copied()
        .flatten()
        .is_some_and(|r| ctx.proj.find("金额单位元", r.p_from, r.p_to).is_some());
    for c in cells.iter_mut().filter(|c| c.column == "amount_10k_yuan") {
        let Some(x) = c.value else { continue };
        let cell_yuan = c
            .raw
            .as_deref()
            .is_some_and(|r| r.ends_with('元') && !r.ends_with("万元"));
        if !(header_yuan || cell_yuan) {
            continue;
        }
        let wan = (x / 10_000.0 * 1e6).round() / 1e6;
        c.value = Some(wan);
        let why = if cell_yuan {
            format!("the cell is written {}", c.raw.as_deref().unwrap_or(""))
        } else {
            "the header gives the unit as 元 (本年收费金额（单位：元）)".to_owned()
        };
        findings.push(
            Finding::new(
                rule::AMOUNT_UNIT,
                format!(
                    "part 二: {} is in 万元 but {why}: {} 元 recorded as {} 万元",
                    c.key,
                    fmt_num(Some(x)),
                    fmt_num(Some(wan))
                ),
            )
            .at_key(c.key)
            .numbers(Some(wan), Some(x))
            .at(c.source.clone()),
        );
    }
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

fn check_s3_header(
    ctx: &Ctx,
    region: Region,
    anchors: &[Option<Anchor>],
    findings: &mut Vec<Finding>,
) {
    let first = anchors
        .iter()
        .flatten()
        .map(|a| a.start)
        .next()
        .unwrap_or(region.p_to);
    let header: Vec<char> = ctx.proj.chars[region.p_from..first].to_vec();
    let is_subseq = |needle: &str| {
        let mut it = header.iter();
        needle.chars().all(|c| it.any(|&h| h == c))
    };
    let v = Vocabulary::get();
    let missing: Vec<&str> = v
        .columns(ctx.template, Section::S3)
        .filter(|c| c.key != "other_org" && c.key != "total")
        .filter(|c| !c.matches.iter().any(|m| is_subseq(m)))
        .map(|c| c.label)
        .collect();
    if !missing.is_empty() && first > region.p_from {
        findings.push(Finding::new(
            rule::MISSING_COLUMN_HEADER,
            format!(
                "part 三: the header does not name the columns {}",
                missing.join("、")
            ),
        ));
    }
}

fn check_group_headings(
    ctx: &Ctx,
    rows: &[&RowDef],
    anchors: &[Option<Anchor>],
    findings: &mut Vec<Finding>,
) {
    for (heading, first_item) in [
        ("（三）不予公开", "denied_state_secret"),
        ("（四）无法提供", "unable_not_held"),
        ("（五）不予处理", "not_processed_petition"),
    ] {
        let Some(i) = rows.iter().position(|r| r.key == first_item) else {
            continue;
        };
        let Some(a) = anchors[i] else { continue };
        let lo = anchors[..i]
            .iter()
            .rev()
            .flatten()
            .next()
            .map_or(0, |p| p.end);
        let gap = ctx.proj.slice(lo, a.start);
        let core: String = heading.chars().skip(3).take(3).collect();
        if !gap.contains(&core) {
            findings.push(
                Finding::new(
                    rule::MISSING_GROUP_HEADING,
                    format!("part 三: the heading {heading} is missing before its items"),
                )
                .at_row(heading),
            );
        }
    }
}

/// Settles rows with several readings by the column identities of the whole table.
///
/// An exact search, not a heuristic: the open rows are split into groups that share an
/// identity; within a group, readings no combination can satisfy are pruned by interval
/// bounds, then every combination that satisfies all identities is enumerated (with the same
/// bounds). A row is settled only when exactly one of its readings occurs in the solutions and
/// the search finished. A row no identity reaches, a search over its budget, a table whose own
/// fixed cells already break an identity, or no solution at all: the row stays ambiguous with
/// the reason in `open_note`.
fn resolve_with_columns(reads: &mut [RowRead], identities: &[nianbao_vocab::Identity]) {
    for r in reads.iter_mut() {
        if let Some(x) = &r.readings {
            if x.truncated {
                r.open_note = x.note.clone();
            } else if x.candidates.len() == 1 {
                r.chosen = Some(0);
            }
        }
    }
    let open: Vec<usize> = (0..reads.len())
        .filter(|&i| {
            reads[i]
                .readings
                .as_ref()
                .is_some_and(|x| x.candidates.len() > 1 && !x.truncated)
        })
        .collect();
    if open.is_empty() {
        return;
    }
    // Fixed values: chosen rows. Cells of open, truncated or missing rows, and blank cells,
    // are unknown; an identity with an unknown fixed cell constrains nothing here.
    let mut known: HashMap<&str, f64> = HashMap::new();
    for r in reads.iter() {
        if let (Some(c), Some(x)) = (r.chosen, &r.readings) {
            for (k, cell) in r.keys.iter().zip(&x.candidates[c]) {
                if let Some(v) = cell.value {
                    known.insert(k, v);
                }
            }
        }
    }
    let mut slot: HashMap<&str, (usize, usize)> = HashMap::new(); // key -> (open index, column)
    for (j, &i) in open.iter().enumerate() {
        for (c, k) in reads[i].keys.iter().enumerate() {
            slot.insert(k, (j, c));
        }
    }
    // The table's own fixed cells must obey the identities before they can be evidence.
    let broken: Vec<&nianbao_vocab::Identity> = identities
        .iter()
        .filter(|id| {
            id.residual(|k| known.get(k).copied())
                .is_some_and(|r| r.abs() > 1e-6)
        })
        .collect();
    // Linear constraints over the open rows: const + Σ coeff·cell = 0.
    let mut cons: Vec<Constraint> = Vec::new();
    if broken.is_empty() {
        for id in identities {
            let mut c = Constraint {
                constant: 0.0,
                terms: Vec::new(),
            };
            let mut usable = true;
            for (coeff, k) in id
                .lhs
                .iter()
                .map(|k| (1.0, *k))
                .chain(id.rhs.iter().map(|k| (-1.0, *k)))
            {
                if let Some(&(j, col)) = slot.get(k) {
                    c.terms.push((j, col, coeff));
                } else if let Some(v) = known.get(k) {
                    c.constant += coeff * v;
                } else {
                    usable = false;
                    break;
                }
            }
            if usable && !c.terms.is_empty() {
                cons.push(c);
            }
        }
    }
    let cands: Vec<Vec<Vec<Option<f64>>>> = open
        .iter()
        .map(|&i| {
            reads[i]
                .readings
                .as_ref()
                .map(|x| {
                    x.candidates
                        .iter()
                        .map(|r| r.iter().map(|c| c.value).collect())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let outcome = solve(&cands, &cons);
    // No combination of the open rows' readings fits: some fixed number is wrong, or the
    // document breaks its identities. A repair among the fixed rows that share an identity
    // with such a row is then not trusted.
    let infeasible: Vec<&str> = open
        .iter()
        .zip(&outcome)
        .filter(|(_, o)| matches!(o, Solved::Open(w) if w.starts_with("no combination")))
        .flat_map(|(&i, _)| reads[i].keys.iter().copied())
        .collect();
    if !infeasible.is_empty() {
        let linked: Vec<&str> = identities
            .iter()
            .filter(|id| id.keys().any(|k| infeasible.contains(&k)))
            .flat_map(|id| id.keys())
            .collect();
        for r in reads.iter_mut() {
            let repaired = r.chosen.is_some()
                && r.readings
                    .as_ref()
                    .is_some_and(|x| !matches!(x.mode, Mode::Exact | Mode::Positional));
            if repaired && r.keys.iter().any(|k| linked.contains(k)) {
                r.chosen = None;
                r.open_note = Some(
                    "its only reading leaves no combination of the table's other rows that satisfies the column identities"
                        .into(),
                );
            }
        }
    }
    for (j, &i) in open.iter().enumerate() {
        let r = &mut reads[i];
        match &outcome[j] {
            Solved::Unique(c) => {
                r.chosen = Some(*c);
                r.settled_by_columns = true;
            }
            Solved::Open(why) => {
                r.open_note = Some(if broken.is_empty() {
                    why.clone()
                } else {
                    format!(
                        "the table's own numbers break {} ({}), so its identities cannot settle the row",
                        broken[0].rule,
                        broken[0].describe()
                    )
                });
            }
        }
    }
}

/// A repair must agree with every identity of the table that reaches it: a repaired row in an
/// identity that the final numbers break is withdrawn (ambiguous, with the identity named). A
/// repair that only its own row could check is not trusted against a table that says otherwise.
fn withdraw_inconsistent_repairs(reads: &mut [RowRead], identities: &[nianbao_vocab::Identity]) {
    let repaired = |r: &RowRead| {
        r.chosen.is_some()
            && r.readings
                .as_ref()
                .is_some_and(|x| !matches!(x.mode, Mode::Exact | Mode::Positional))
    };
    let mut values: HashMap<&str, f64> = HashMap::new();
    for r in reads.iter() {
        if let (Some(c), Some(x)) = (r.chosen, &r.readings) {
            for (k, cell) in r.keys.iter().zip(&x.candidates[c]) {
                if let Some(v) = cell.value {
                    values.insert(k, v);
                }
            }
        }
    }
    for id in identities {
        // Cells not known yet are counts ≥ 0: a side with an unknown cell has no upper bound.
        let side = |keys: &[&str]| -> (f64, bool) {
            let known: f64 = keys.iter().filter_map(|k| values.get(k)).sum();
            (known, keys.iter().any(|k| !values.contains_key(k)))
        };
        let (l, l_open) = side(&id.lhs);
        let (r, r_open) = side(&id.rhs);
        let broken = (l > r + 1e-6 && !r_open) || (r > l + 1e-6 && !l_open);
        if !broken {
            continue;
        }
        for r in reads.iter_mut() {
            if repaired(r) && r.keys.iter().any(|k| id.keys().any(|x| x == *k)) {
                r.chosen = None;
                r.settled_by_columns = false;
                r.open_note = Some(format!(
                    "its only reading breaks the identity {} of the table ({})",
                    id.rule,
                    id.describe()
                ));
            }
        }
    }
}

/// `constant + Σ coeff · value(row j, column)` must be 0.
struct Constraint {
    constant: f64,
    terms: Vec<(usize, usize, f64)>,
}

/// What the column search says of an open row.
#[derive(Debug, Clone, PartialEq)]
enum Solved {
    /// Exactly one reading occurs in the solutions.
    Unique(usize),
    /// Several, none, or the search could not finish: why.
    Open(String),
}

/// Most search nodes for one group of rows.
const MAX_NODES: usize = 500_000;

/// The exact search over open rows' candidates (`cands[row][candidate][column]`).
fn solve(cands: &[Vec<Vec<Option<f64>>>], cons: &[Constraint]) -> Vec<Solved> {
    let n = cands.len();
    let mut out: Vec<Solved> = vec![Solved::Open(String::new()); n];
    // The contribution of candidate c of row j to constraint i (None: a blank cell, unknown),
    // computed once: table[i][position of j among the constraint's rows][c].
    let contrib_of = |i: usize, j: usize, c: usize| -> Option<f64> {
        cons[i]
            .terms
            .iter()
            .filter(|t| t.0 == j)
            .map(|t| cands[j][c][t.1].map(|v| v * t.2))
            .sum()
    };
    // rows of each constraint, constraints of each row
    let mut rows_of: Vec<Vec<usize>> = cons
        .iter()
        .map(|c| c.terms.iter().map(|t| t.0).collect())
        .collect();
    for r in &mut rows_of {
        r.sort_unstable();
        r.dedup();
    }
    let mut cons_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, rs) in rows_of.iter().enumerate() {
        for &j in rs {
            cons_of[j].push(i);
        }
    }
    let table: Vec<HashMap<usize, Vec<Option<f64>>>> = rows_of
        .iter()
        .enumerate()
        .map(|(i, rs)| {
            rs.iter()
                .map(|&j| {
                    (
                        j,
                        (0..cands[j].len()).map(|c| contrib_of(i, j, c)).collect(),
                    )
                })
                .collect()
        })
        .collect();
    let contrib = |i: usize, j: usize, c: usize| -> Option<f64> { table[i][&j][c] };
    // groups of rows linked by constraints (union-find)
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], x: usize) -> usize {
        let mut x = x;
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for rs in &rows_of {
        for w in rs.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            parent[a] = b;
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for j in 0..n {
        let root = find(&mut parent, j);
        let g = *group_of.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(j);
    }
    for rows in groups {
        if rows.iter().all(|&j| cons_of[j].is_empty()) {
            for &j in &rows {
                out[j] = Solved::Open(
                    "no identity of the table reaches the row, so nothing can choose among its readings"
                        .into(),
                );
            }
            continue;
        }
        let group_cons: Vec<usize> = {
            let mut v: Vec<usize> = rows.iter().flat_map(|&j| cons_of[j].clone()).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        // live candidates, pruned by interval bounds to a fixpoint
        let mut live: Vec<Vec<usize>> = (0..n).map(|j| (0..cands[j].len()).collect()).collect();
        let range = |live: &[Vec<usize>], i: usize, j: usize| -> (f64, f64) {
            let mut lo = f64::INFINITY;
            let mut hi = f64::NEG_INFINITY;
            for &c in &live[j] {
                match contrib(i, j, c) {
                    Some(v) => {
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                    None => return (f64::NEG_INFINITY, f64::INFINITY),
                }
            }
            (lo, hi)
        };
        loop {
            let mut changed = false;
            for &i in &group_cons {
                for &j in &rows_of[i] {
                    let (mut lo, mut hi) = (cons[i].constant, cons[i].constant);
                    for &o in rows_of[i].iter().filter(|&&o| o != j) {
                        let (a, b) = range(&live, i, o);
                        lo += a;
                        hi += b;
                    }
                    let before = live[j].len();
                    live[j].retain(|&c| {
                        contrib(i, j, c).is_none_or(|v| lo + v <= 1e-6 && hi + v >= -1e-6)
                    });
                    changed |= live[j].len() != before;
                }
            }
            if !changed {
                break;
            }
        }
        if rows.iter().any(|&j| live[j].is_empty()) {
            for &j in &rows {
                out[j] = Solved::Open(
                    "no combination of the rows' readings satisfies the column identities".into(),
                );
            }
            continue;
        }
        // exhaustive search, fewest candidates first; the ranges of the live candidates are
        // computed once
        let ranges: Vec<HashMap<usize, (f64, f64)>> = (0..cons.len())
            .map(|i| {
                if group_cons.contains(&i) {
                    rows_of[i]
                        .iter()
                        .map(|&o| (o, range(&live, i, o)))
                        .collect()
                } else {
                    HashMap::new()
                }
            })
            .collect();
        let mut order = rows.clone();
        order.sort_by_key(|&j| live[j].len());
        let mut seen: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut assign: Vec<Option<usize>> = vec![None; n];
        let mut nodes = 0usize;
        let mut stopped = false;
        #[allow(clippy::too_many_arguments)]
        fn dfs(
            d: usize,
            order: &[usize],
            live: &[Vec<usize>],
            assign: &mut [Option<usize>],
            seen: &mut [Vec<usize>],
            nodes: &mut usize,
            stopped: &mut bool,
            ok: &dyn Fn(&[Option<usize>], usize) -> bool,
        ) -> bool {
            // returns true to stop (every row already has two readings, or the budget ran out)
            *nodes += 1;
            if *nodes > MAX_NODES {
                *stopped = true;
                return true;
            }
            if d == order.len() {
                for &j in order {
                    let c = assign[j].expect("assigned");
                    if !seen[j].contains(&c) {
                        seen[j].push(c);
                    }
                }
                return order.iter().all(|&j| seen[j].len() >= 2);
            }
            let j = order[d];
            for &c in &live[j] {
                assign[j] = Some(c);
                if ok(assign, j) && dfs(d + 1, order, live, assign, seen, nodes, stopped, ok) {
                    assign[j] = None;
                    return true;
                }
            }
            assign[j] = None;
            false
        }
        let ok = |assign: &[Option<usize>], j: usize| -> bool {
            cons_of[j].iter().all(|&i| {
                let (mut lo, mut hi) = (cons[i].constant, cons[i].constant);
                for &o in &rows_of[i] {
                    match assign[o] {
                        Some(c) => match contrib(i, o, c) {
                            Some(v) => {
                                lo += v;
                                hi += v;
                            }
                            None => return true,
                        },
                        None => {
                            let (a, b) = ranges[i][&o];
                            lo += a;
                            hi += b;
                        }
                    }
                }
                lo <= 1e-6 && hi >= -1e-6
            })
        };
        dfs(
            0,
            &order,
            &live,
            &mut assign,
            &mut seen,
            &mut nodes,
            &mut stopped,
            &ok,
        );
        for &j in &rows {
            out[j] = if stopped {
                Solved::Open(format!(
                    "too many combinations of readings: the search stopped after {MAX_NODES} steps"
                ))
            } else {
                match seen[j].as_slice() {
                    [c] => Solved::Unique(*c),
                    [] => Solved::Open(
                        "no combination of the rows' readings satisfies the column identities"
                            .into(),
                    ),
                    _ => Solved::Open(format!(
                        "{} of its readings are consistent with the column identities",
                        if seen[j].len() > 2 {
                            "several".to_owned()
                        } else {
                            "two".to_owned()
                        }
                    )),
                }
            };
        }
    }
    out
}

fn emit_row(
    ctx: &Ctx,
    r: &RowRead,
    cells: &mut Vec<Cell>,
    findings: &mut Vec<Finding>,
    other: OtherRows,
) {
    let v = Vocabulary::get();
    let mk = |key: &'static str, value, raw, status, source| {
        let c = v.cell(key).expect("keys come from the vocabulary");
        Cell {
            key,
            section: c.row.section.as_str(),
            row: c.row.key,
            column: c.column.key,
            value,
            raw,
            status,
            source,
        }
    };
    let loc = |tok: Option<usize>| {
        tok.and_then(|t| ctx.tokens.get(t))
            .map(|t| location(ctx.doc, t))
    };
    let anchor_loc = r.anchor.map(|a| {
        location(
            ctx.doc,
            &ctx.tokens[ctx
                .proj
                .tok_at(a.start, ctx.tokens.len())
                .min(ctx.tokens.len().saturating_sub(1))],
        )
    });
    let label = if r.row.section == Section::S4 {
        "part 四".to_owned()
    } else {
        r.row.label.to_owned()
    };
    let Some(readings) = &r.readings else {
        // One finding for a missing table, and one for 其他处理 given as a single row.
        let skip_finding = r.table_missing
            || (other == OtherRows::Single
                && matches!(
                    r.row.key,
                    "other_no_correction" | "other_fee_unpaid" | "other_other"
                ));
        for k in &r.keys {
            cells.push(mk(k, None, None, CellStatus::Missing, None));
        }
        if !skip_finding {
            findings.push(
                Finding::new(
                    rule::MISSING_ROW,
                    format!(
                        "part {}: the row {} was not found; its cells are null",
                        r.row.section.numeral(),
                        r.row.label
                    ),
                )
                .at_row(r.row.label),
            );
        }
        return;
    };
    match (readings.mode, r.chosen) {
        (Mode::Empty, _) => {
            for k in &r.keys {
                cells.push(mk(k, None, None, CellStatus::Blank, anchor_loc.clone()));
            }
            findings.push(
                Finding::new(
                    rule::BLANK_ROW,
                    format!(
                        "part {}: the row {} is blank in every column",
                        r.row.section.numeral(),
                        label
                    ),
                )
                .at_row(r.row.label)
                .at(anchor_loc.clone()),
            );
        }
        (mode, Some(c)) => {
            let reading = &readings.candidates[c];
            let repaired = !matches!(mode, Mode::Exact | Mode::Positional);
            for (k, cell) in r.keys.iter().zip(reading) {
                // a cell that holds several numbers has no value of its own
                let several = cell.value.is_none()
                    && cell
                        .raw
                        .is_some_and(|x| x.chars().any(|c| c.is_ascii_digit()));
                let status = if several {
                    findings.push(
                        Finding::new(
                            rule::ROW_AMBIGUOUS,
                            format!(
                                "{k}: the cell holds several numbers ({}); it is null",
                                cell.raw.unwrap_or("")
                            ),
                        )
                        .at_key(k)
                        .at(loc(cell.tok)),
                    );
                    CellStatus::Ambiguous
                } else if repaired {
                    CellStatus::Repaired
                } else if cell.value.is_some() {
                    CellStatus::Stated
                } else {
                    CellStatus::Blank
                };
                cells.push(mk(
                    k,
                    cell.value,
                    cell.raw.map(str::to_owned),
                    status,
                    loc(cell.tok),
                ));
            }
            if repaired {
                let found: Vec<String> = {
                    let mut seen = Vec::new();
                    for c in reading.iter().filter_map(|c| c.tok) {
                        if !seen.contains(&c) {
                            seen.push(c);
                        }
                    }
                    seen.iter()
                        .map(|&t| ctx.doc.text[ctx.tokens[t].start..ctx.tokens[t].end].to_owned())
                        .collect()
                };
                let what = match mode {
                    Mode::Split => {
                        format!("digits run together or a glued sign ({})", found.join(" "))
                    }
                    Mode::Drop | Mode::Insert => {
                        format!("{} numbers for {} columns", readings.found, r.keys.len())
                    }
                    _ => String::new(),
                };
                let why = if r.settled_by_columns {
                    format!("{} readings fit the row; only {} satisfies the column identities of the table", readings.candidates.len(), fmt_reading(reading))
                } else {
                    format!(
                        "the only reading that satisfies the identities is {}",
                        fmt_reading(reading)
                    )
                };
                findings.push(
                    Finding::new(
                        rule::ROW_REPAIRED,
                        format!(
                            "part {}: the row {}: {what}; {why}",
                            r.row.section.numeral(),
                            label
                        ),
                    )
                    .at_row(r.row.label)
                    .at(anchor_loc.clone()),
                );
            }
        }
        (_, None) => {
            let raw: Vec<String> = {
                let mut toks: Vec<usize> = readings
                    .candidates
                    .iter()
                    .flatten()
                    .filter_map(|c| c.tok)
                    .collect();
                toks.sort_unstable();
                toks.dedup();
                toks.iter()
                    .map(|&t| ctx.doc.text[ctx.tokens[t].start..ctx.tokens[t].end].to_owned())
                    .collect()
            };
            for k in &r.keys {
                cells.push(mk(
                    k,
                    None,
                    Some(raw.join(" ")),
                    CellStatus::Ambiguous,
                    anchor_loc.clone(),
                ));
            }
            let cands: Vec<String> = readings
                .candidates
                .iter()
                .take(6)
                .map(|c| fmt_reading(c))
                .collect();
            let why = r
                .open_note
                .clone()
                .or_else(|| readings.note.clone())
                .unwrap_or_default();
            let msg = if readings.truncated {
                format!(
                    "part {}: the row {}: the numbers {} can be read into its {} columns in too many ways to check them all ({why}); the cells are null",
                    r.row.section.numeral(),
                    label,
                    raw.join(" "),
                    r.keys.len(),
                )
            } else if cands.is_empty() {
                format!(
                    "part {}: the row {}: the numbers {} do not fit its {} columns ({why}); the cells are null",
                    r.row.section.numeral(),
                    label,
                    raw.join(" "),
                    r.keys.len(),
                )
            } else {
                format!(
                    "part {}: the row {}: the numbers {} fit its {} columns in {} ways ({}{}); {why}; the cells are null",
                    r.row.section.numeral(),
                    label,
                    raw.join(" "),
                    r.keys.len(),
                    readings.candidates.len(),
                    cands.join(" or "),
                    if readings.candidates.len() > 6 { " …" } else { "" }
                )
            };
            findings.push(
                Finding::new(rule::ROW_AMBIGUOUS, msg)
                    .at_row(r.row.label)
                    .at(anchor_loc.clone()),
            );
        }
    }
}

/// Blank cells no identity could fill: one `blank_cell` finding each. Rows blank in every
/// column already have their `blank_row` finding (part 四 is read as one segment, so its
/// rows get theirs here).
fn report_blanks(cells: &[Cell], findings: &mut Vec<Finding>) {
    let v = Vocabulary::get();
    let mut i = 0;
    while i < cells.len() {
        let row = cells[i].row;
        let mut j = i;
        while j < cells.len() && cells[j].row == row && cells[j].section == cells[i].section {
            j += 1;
        }
        let group = &cells[i..j];
        let blank = |c: &&Cell| c.status == CellStatus::Blank;
        if group.iter().all(|c| c.status == CellStatus::Blank) {
            if group[0].section == "s4" {
                let label = v.cell(group[0].key).map_or(row, |c| c.row.label);
                findings.push(
                    Finding::new(
                        rule::BLANK_ROW,
                        format!(
                            "part 四: the row {label} is blank in every column; its cells are null"
                        ),
                    )
                    .at_row(label)
                    .at(group[0].source.clone()),
                );
            }
        } else {
            for c in group.iter().filter(blank) {
                findings.push(
                    Finding::new(
                        rule::BLANK_CELL,
                        format!(
                            "{} is blank in the document and no identity forces its value; it is null",
                            c.key
                        ),
                    )
                    .at_key(c.key)
                    .at(c.source.clone()),
                );
            }
        }
        i = j;
    }
}

/// Fills blank cells whose value the identities force, to a fixpoint — and keeps a filled
/// value only when every identity that reaches the cell agrees with it. When two identities
/// force different values (or a filled value breaks another identity), the cell is null and
/// `ambiguous`, with the candidates in the finding; the filling is then redone without it, so
/// nothing is inferred from a value that was withdrawn. Several blanks are filled with 0 only
/// in columns of counts (≥ 0).
fn infer_blanks(
    cells: &mut [Cell],
    identities: &[nianbao_vocab::Identity],
    findings: &mut Vec<Finding>,
) {
    let v = Vocabulary::get();
    let idx: nianbao_vocab::FastMap<&str, usize> =
        cells.iter().enumerate().map(|(i, c)| (c.key, i)).collect();
    let non_negative = |key: &str| {
        v.cell(key)
            .is_some_and(|c| c.column.kind != ValueKind::Signed)
    };
    // cells withdrawn, with the values the identities put forward for them
    let mut withdrawn: Vec<(usize, Vec<(f64, &'static str)>)> = Vec::new();
    loop {
        let mut filled: Vec<(usize, f64, &'static str)> = Vec::new();
        loop {
            let mut changed = false;
            for id in identities {
                let Some(pos): Option<Vec<usize>> =
                    id.keys().map(|k| idx.get(k).copied()).collect()
                else {
                    continue;
                };
                let unknown: Vec<usize> = pos
                    .iter()
                    .copied()
                    .filter(|&i| cells[i].value.is_none())
                    .collect();
                if unknown.is_empty()
                    || unknown.iter().any(|&i| {
                        cells[i].status != CellStatus::Blank
                            || withdrawn.iter().any(|(w, _)| *w == i)
                    })
                {
                    continue;
                }
                let side = |keys: &[&str]| -> (f64, Vec<usize>) {
                    let mut s = 0.0;
                    let mut u = Vec::new();
                    for k in keys {
                        let i = idx[*k];
                        match cells[i].value {
                            Some(v) => s += v,
                            None => u.push(i),
                        }
                    }
                    (s, u)
                };
                let (ls, lu) = side(&id.lhs);
                let (rs, ru) = side(&id.rhs);
                let all_counts = |u: &[usize]| u.iter().all(|&i| non_negative(cells[i].key));
                let fill: Vec<(usize, f64)> = match (lu.len(), ru.len()) {
                    (1, 0) => vec![(lu[0], rs - ls)],
                    (0, 1) => vec![(ru[0], ls - rs)],
                    (0, _) if (ls - rs).abs() < 1e-9 && all_counts(&ru) => {
                        ru.iter().map(|&i| (i, 0.0)).collect()
                    }
                    (_, 0) if (ls - rs).abs() < 1e-9 && all_counts(&lu) => {
                        lu.iter().map(|&i| (i, 0.0)).collect()
                    }
                    _ => vec![],
                };
                if fill
                    .iter()
                    .any(|(_, v)| *v < -1e-9 || (v - v.round()).abs() > 1e-9)
                {
                    continue;
                }
                for (i, val) in fill {
                    cells[i].value = Some(val.round());
                    filled.push((i, val.round(), id.rule));
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // every identity that reaches a filled cell must hold
        let mut bad: Vec<(usize, Vec<(f64, &'static str)>)> = Vec::new();
        for id in identities {
            let Some(res) = id.residual(|k| idx.get(k).and_then(|&i| cells[i].value)) else {
                continue;
            };
            if res.abs() < 1e-6 {
                continue;
            }
            for (i, val, rule) in &filled {
                let key = cells[*i].key;
                let other = if id.lhs.contains(&key) {
                    val - res
                } else if id.rhs.contains(&key) {
                    val + res
                } else {
                    continue;
                };
                let entry = match bad.iter().position(|(b, _)| b == i) {
                    Some(p) => &mut bad[p].1,
                    None => {
                        bad.push((*i, vec![(*val, *rule)]));
                        &mut bad.last_mut().expect("pushed").1
                    }
                };
                if !entry.iter().any(|(x, r)| *x == other && *r == id.rule) {
                    entry.push((other, id.rule));
                }
            }
        }
        if bad.is_empty() {
            for (i, val, rule) in filled {
                cells[i].status = CellStatus::Inferred;
                findings.push(
                    Finding::new(
                        rule::CELL_INFERRED,
                        format!(
                            "{} is blank in the document; the identity {rule} forces it to {}",
                            cells[i].key,
                            fmt_num(Some(val))
                        ),
                    )
                    .at_key(cells[i].key)
                    .numbers(Some(val), None)
                    .at(cells[i].source.clone()),
                );
            }
            break;
        }
        // withdraw every filled value and start again without the disputed cells
        for (i, _, _) in &filled {
            cells[*i].value = None;
        }
        withdrawn.extend(bad);
    }
    for (i, cands) in withdrawn {
        cells[i].value = None;
        cells[i].status = CellStatus::Ambiguous;
        let said: Vec<String> = cands
            .iter()
            .map(|(x, rule)| format!("{rule} gives {}", fmt_num(Some(*x))))
            .collect();
        findings.push(
            Finding::new(
                rule::ROW_AMBIGUOUS,
                format!(
                    "{} is blank in the document and the identities disagree on its value ({}); it is null",
                    cells[i].key,
                    said.join(", ")
                ),
            )
            .at_key(cells[i].key)
            .at(cells[i].source.clone()),
        );
    }
}
