//! Checks of a table's frame: the part 三 header's columns, the group headings of part 三,
//! and amounts written in 元.

use super::*;

/// The 2021 format's fee amount is in 万元. When the header says the unit is 元
/// (`本年收费金额（单位：元）`) or the cell is written `8188900元`, the number is yuan: it is
/// converted to 万元, with an `amount_unit` finding — never kept as written under a 万元 key.
pub(super) fn amounts_in_yuan(
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

pub(super) fn check_s3_header(
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
