//! Checks of a table's frame: the part 三 header's columns, the group headings of part 三,
//! and amounts written in 元.

use super::*;

/// A money unit written in a header, and how many 万元 one of it is.
const MONEY_UNITS: [(&str, f64); 4] = [
    ("万元", 1.0),
    ("亿元", 10_000.0),
    ("千元", 0.1),
    ("元", 0.0001),
];

/// The money unit written right after `at` in the projection (`（单位：人民币元）` projects to
/// `单位人民币元`): `单位` and `人民币` may come first, in either order.
fn unit_at(proj: &Projection, at: usize, to: usize) -> Option<(&'static str, f64)> {
    let mut rest = proj.slice(at, (at + 10).min(to));
    for _ in 0..2 {
        for p in ["单位", "人民币"] {
            if let Some(r) = rest.strip_prefix(p) {
                rest = r.to_owned();
            }
        }
    }
    MONEY_UNITS
        .iter()
        .copied()
        .find(|(u, _)| rest.starts_with(u))
}

/// The unit of part 二's fee amount as the document states it: in the fee column's header
/// (`本年收费金额（元）`, `本年收费金额（单位：千元）`), else in a unit note of the table
/// (`（单位：人民币元）`); `None` when neither states a money unit.
fn fee_unit(proj: &Projection, region: Region) -> Option<(&'static str, f64)> {
    let (from, to) = (region.p_from, region.p_to);
    let mut at = from;
    while let Some(p) = proj.find("收费金额", at, to) {
        if let Some(u) = unit_at(proj, p + 4, to) {
            return Some(u);
        }
        at = p + 1;
    }
    let mut at = from;
    while let Some(p) = proj.find("单位", at, to) {
        // another column's own unit (`采购总金额（单位：元）`) is not the table's
        let own_column = p >= 2 && proj.slice(p - 2, p) == "金额";
        if let Some(u) = unit_at(proj, p, to).filter(|_| !own_column) {
            return Some(u);
        }
        at = p + 1;
    }
    None
}

/// The 2021 format's fee amount is in 万元. When the header states another unit
/// (`本年收费金额（单位：元）`, `本年收费金额（元）`, `（单位：人民币元）`, `（单位：千元）`) or the
/// cell is written `8188900元`, the number is converted to 万元, with an `amount_unit`
/// finding — never kept as written under a 万元 key.
pub(super) fn amounts_in_yuan(
    ctx: &Ctx,
    regions: &HashMap<Section, Option<Region>>,
    cells: &mut [Cell],
    findings: &mut Vec<Finding>,
) {
    let header = regions
        .get(&Section::S2)
        .copied()
        .flatten()
        .and_then(|r| fee_unit(ctx.proj, r))
        .filter(|(u, _)| *u != "万元");
    for c in cells.iter_mut().filter(|c| c.column == "amount_10k_yuan") {
        let Some(x) = c.value else { continue };
        let raw = c.raw.as_deref().unwrap_or("");
        let cell_yuan = raw.ends_with('元') && !raw.ends_with("万元");
        let (unit, factor, why) = if cell_yuan {
            ("元", 0.0001, format!("the cell is written {raw}"))
        } else if let Some((u, f)) = header {
            (u, f, format!("the header gives the unit as {u}"))
        } else {
            continue;
        };
        let wan = (x * factor * 1e6).round() / 1e6;
        c.value = Some(wan);
        findings.push(
            Finding::new(
                rule::AMOUNT_UNIT,
                format!(
                    "part 二: {} is in 万元 but {why}: {} {unit} recorded as {} 万元",
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

/// Where part 三's header ends: at its first row's label (the table's end without one).
fn header_end(region: Region, anchors: &[Option<Anchor>]) -> usize {
    anchors
        .iter()
        .flatten()
        .map(|a| a.start)
        .next()
        .unwrap_or(region.p_to)
}

/// How part 三's columns are printed, by the header's words.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ColumnOrder {
    /// The template's order (or a header that does not tell).
    Standard,
    /// Another order: printed column `i` is the template's column `perm[i]`.
    Printed(Vec<usize>),
}

/// Part 三's column order from the header between the part's heading and its first row: the
/// top-level order of 自然人, 法人或其他组织 and 总计, and the order of the five 法人或其他组织
/// columns under it.
///
/// Where the text keeps the table's cells (tabbed, piped, HTML/DOCX), a word's column is its
/// cell's. Where it does not (flattened or PDF text), only the order of words on one header
/// line tells: the sub-columns' order, and 自然人 before 法人或其他组织. 总计 is then the last
/// column wherever it stands: the national template puts its header cell, three rows high, at
/// the right end of the first header row, so flattened text shows `申请人情况总计自然人…` for
/// the standard order. A header missing one of the column words tells nothing (`Standard`; the
/// `missing_column_header` check reports it).
pub(super) fn s3_column_order(
    ctx: &Ctx,
    region: Region,
    anchors: &[Option<Anchor>],
) -> ColumnOrder {
    let first = header_end(region, anchors);
    let (from, to) = (region.p_from, first);
    let v = Vocabulary::get();
    let cols: Vec<&nianbao_vocab::ColumnDef> = v.columns(ctx.template, Section::S3).collect();
    let k = cols.len();
    let find = |c: &nianbao_vocab::ColumnDef| -> Option<usize> {
        c.matches
            .iter()
            .filter_map(|m| ctx.proj.find(m, from, to))
            .min()
    };
    // 其他 as a column, not inside 法人或其他组织
    let other_at = || {
        let mut at = from;
        while let Some(p) = ctx.proj.find("其他", at, to) {
            if p == 0 || ctx.proj.chars[p - 1] != '或' {
                return Some(p);
            }
            at = p + 1;
        }
        None
    };
    let pos: Vec<Option<usize>> = cols
        .iter()
        .map(|c| {
            if c.key == "other_org" {
                other_at()
            } else {
                find(c)
            }
        })
        .collect();
    let idx = |key: &str| cols.iter().position(|c| c.key == key);
    let (Some(natural), Some(total), Some(other)) =
        (idx("natural_person"), idx("total"), idx("other_org"))
    else {
        return ColumnOrder::Standard;
    };
    // every column word but 其他 (a header may leave it as the last, unnamed column)
    if (0..k).any(|i| i != other && pos[i].is_none()) {
        return ColumnOrder::Standard;
    }
    let Some(group) = ctx
        .proj
        .find("法人", from, to)
        .or_else(|| ctx.proj.find("其他组织", from, to))
    else {
        return ColumnOrder::Standard;
    };
    // the column of a header word: its cell's where the text keeps cells, else none
    let celled = matches!(
        ctx.doc.layout,
        nianbao_extract::Layout::Tabbed
            | nianbao_extract::Layout::Piped
            | nianbao_extract::Layout::Grid
    );
    let column = |p: usize| -> Option<u32> {
        if !celled {
            return None;
        }
        let t = ctx.tokens.get(*ctx.proj.tok.get(p)?)?;
        let line = ctx.doc.lines.get((t.line as usize).checked_sub(1)?)?;
        Some(match line.cols.get((t.cell as usize).checked_sub(1)?) {
            Some(&c) => c,
            None => t.cell,
        })
    };
    // (column, position) orders by column where known, then by position
    let key = |p: usize| (column(p).unwrap_or(0), p);
    let at = |i: usize| pos[i].map_or((u32::MAX, usize::MAX), key);
    let subs: Vec<usize> = (0..k).filter(|&i| i != natural && i != total).collect();
    let mut sub_order = subs;
    sub_order.sort_by_key(|&i| at(i));
    let mut top = vec![(at(natural), Some(natural)), (key(group), None)];
    if celled {
        top.push((at(total), Some(total)));
        top.sort_by_key(|x| x.0);
    } else {
        top.sort_by_key(|x| x.0);
        top.push((at(total), Some(total)));
    }
    let printed: Vec<usize> = top
        .into_iter()
        .flat_map(|t| match t.1 {
            Some(i) => vec![i],
            None => sub_order.clone(),
        })
        .collect();
    if printed.iter().copied().eq(0..k) {
        ColumnOrder::Standard
    } else {
        ColumnOrder::Printed(printed)
    }
}

pub(super) fn check_s3_header(
    ctx: &Ctx,
    region: Region,
    anchors: &[Option<Anchor>],
    findings: &mut Vec<Finding>,
) {
    if anchors.iter().all(Option::is_none) {
        // no row: no table, so no header (`missing_table` says so)
        return;
    }
    let first = header_end(region, anchors);
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

pub(super) fn check_group_headings(
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
