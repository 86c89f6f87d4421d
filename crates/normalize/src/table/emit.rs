//! A row's cells as the dataset has them (status, raw text, source), blank rows and cells
//! reported, and the blank cells the identities force inferred.

use super::*;

pub(super) fn emit_row(
    ctx: &Ctx,
    r: &RowRead,
    cells: &mut Vec<Cell>,
    findings: &mut Vec<Finding>,
    other: OtherRows,
) {
    let mut out = Out { cells, findings };
    let Some(readings) = &r.readings else {
        emit_missing(r, other, &mut out);
        return;
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
    let row = Emitted {
        ctx,
        r,
        readings,
        anchor_loc,
        label,
    };
    match (readings.mode, r.chosen) {
        (Mode::Empty, _) => row.blank(&mut out),
        // From an image, a number the detector passed over is not a blank: a row with fewer
        // numbers than columns is never completed by placing blanks (when the document's own
        // numbers disagree, the one placement the identities accept can be a wrong one).
        (Mode::Insert, Some(_)) if ctx.doc.ocr.is_some() => row.ambiguous(&mut out),
        (mode, Some(c)) => row.chosen(mode, c, &mut out),
        (_, None) => row.ambiguous(&mut out),
    }
}

/// Where a row's cells and findings go.
struct Out<'o> {
    cells: &'o mut Vec<Cell>,
    findings: &'o mut Vec<Finding>,
}

/// A cell of the vocabulary.
fn new_cell(
    key: &'static str,
    value: Option<f64>,
    raw: Option<String>,
    status: CellStatus,
    source: Option<String>,
) -> Cell {
    let c = Vocabulary::get()
        .cell(key)
        .expect("keys come from the vocabulary");
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
}

/// A row not found: its cells null, `missing` (one finding for a missing table, and none for
/// the 2021 items when 其他处理 is given as a single row).
fn emit_missing(r: &RowRead, other: OtherRows, out: &mut Out<'_>) {
    // One finding for a missing table, and one for 其他处理 given as a single row.
    let skip_finding = r.table_missing
        || (other == OtherRows::Single
            && matches!(
                r.row.key,
                "other_no_correction" | "other_fee_unpaid" | "other_other"
            ));
    for k in &r.keys {
        out.cells
            .push(new_cell(k, None, None, CellStatus::Missing, None));
    }
    if !skip_finding {
        out.findings.push(
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
}

/// A row found, with its readings.
struct Emitted<'e, 'a> {
    ctx: &'e Ctx<'a>,
    r: &'e RowRead<'a>,
    readings: &'e Readings<'a>,
    /// Where its label is.
    anchor_loc: Option<String>,
    /// How messages name it.
    label: String,
}

impl Emitted<'_, '_> {
    fn loc(&self, tok: Option<usize>) -> Option<String> {
        tok.and_then(|t| self.ctx.tokens.get(t))
            .map(|t| location(self.ctx.doc, t))
    }

    /// A row blank in every column.
    fn blank(&self, out: &mut Out<'_>) {
        let (r, label, anchor_loc) = (self.r, &self.label, &self.anchor_loc);
        for k in &r.keys {
            out.cells.push(new_cell(
                k,
                None,
                None,
                CellStatus::Blank,
                anchor_loc.clone(),
            ));
        }
        out.findings.push(
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

    /// A row with its reading chosen (stated, or repaired with a `row_repaired` finding).
    fn chosen(&self, mode: Mode, c: usize, out: &mut Out<'_>) {
        let (ctx, r, readings, label, anchor_loc) = (
            self.ctx,
            self.r,
            self.readings,
            &self.label,
            &self.anchor_loc,
        );
        let loc = |tok| self.loc(tok);
        let reading = &readings.candidates[c];
        let repaired = !matches!(mode, Mode::Exact | Mode::Positional);
        for (k, cell) in r.keys.iter().zip(reading) {
            // a cell that holds several numbers has no value of its own
            let several = cell.value.is_none()
                && cell
                    .raw
                    .is_some_and(|x| x.chars().any(|c| c.is_ascii_digit()));
            let status = if several {
                out.findings.push(
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
            out.cells.push(new_cell(
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
                format!(
                    "{} readings fit the row; only {} satisfies the column identities of the table",
                    readings.candidates.len(),
                    fmt_reading(reading)
                )
            } else {
                format!(
                    "the only reading that satisfies the identities is {}",
                    fmt_reading(reading)
                )
            };
            out.findings.push(
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

    /// A row whose readings nothing settles: its cells null, `ambiguous`, with the candidates
    /// and the reason.
    fn ambiguous(&self, out: &mut Out<'_>) {
        let (ctx, r, readings, label, anchor_loc) = (
            self.ctx,
            self.r,
            self.readings,
            &self.label,
            &self.anchor_loc,
        );
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
            out.cells.push(new_cell(
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
        out.findings.push(
            Finding::new(rule::ROW_AMBIGUOUS, msg)
                .at_row(r.row.label)
                .at(anchor_loc.clone()),
        );
    }
}

/// Blank cells no identity could fill: one `blank_cell` finding each. Rows blank in every
/// column already have their `blank_row` finding (part 四 is read as one segment, so its
/// rows get theirs here).
pub(super) fn report_blanks(cells: &[Cell], findings: &mut Vec<Finding>) {
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
pub(super) fn infer_blanks(
    cells: &mut [Cell],
    identities: &[nianbao_vocab::Identity],
    findings: &mut Vec<Finding>,
) {
    let idx: nianbao_vocab::FastMap<&str, usize> =
        cells.iter().enumerate().map(|(i, c)| (c.key, i)).collect();
    // cells withdrawn, with the values the identities put forward for them
    let mut withdrawn: Vec<(usize, Vec<(f64, &'static str)>)> = Vec::new();
    loop {
        let filled = fill_forced(cells, identities, &idx, &withdrawn);
        // every identity that reaches a filled cell must hold
        let bad = disputed(cells, identities, &idx, &filled);
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

/// Cells of the current index.
type Index<'k> = nianbao_vocab::FastMap<&'k str, usize>;

/// Fills, to a fixpoint, every blank cell an identity forces (one unknown in it, or a side of
/// unknown counts that must be 0), skipping the `withdrawn` cells; returns what was filled and
/// by which identity.
fn fill_forced(
    cells: &mut [Cell],
    identities: &[nianbao_vocab::Identity],
    idx: &Index<'_>,
    withdrawn: &[(usize, Vec<(f64, &'static str)>)],
) -> Vec<(usize, f64, &'static str)> {
    let v = Vocabulary::get();
    let non_negative = |key: &str| {
        v.cell(key)
            .is_some_and(|c| c.column.kind != ValueKind::Signed)
    };
    let mut filled: Vec<(usize, f64, &'static str)> = Vec::new();
    loop {
        let mut changed = false;
        for id in identities {
            let Some(pos): Option<Vec<usize>> = id.keys().map(|k| idx.get(k).copied()).collect()
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
                    cells[i].status != CellStatus::Blank || withdrawn.iter().any(|(w, _)| *w == i)
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
    filled
}

/// The filled cells some identity that reaches them breaks, each with the values the
/// identities put forward for it.
fn disputed(
    cells: &[Cell],
    identities: &[nianbao_vocab::Identity],
    idx: &Index<'_>,
    filled: &[(usize, f64, &'static str)],
) -> Vec<(usize, Vec<(f64, &'static str)>)> {
    let mut bad: Vec<(usize, Vec<(f64, &'static str)>)> = Vec::new();
    for id in identities {
        let Some(res) = id.residual(|k| idx.get(k).and_then(|&i| cells[i].value)) else {
            continue;
        };
        if res.abs() < 1e-6 {
            continue;
        }
        for (i, val, rule) in filled {
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
    bad
}
