//! `summary.html`: the dataset at a glance, self-contained (inline SVG and CSS, no script, no
//! network), charts with their numbers in tables beside them. It holds no time stamp, so the
//! same inputs give the same page.

use std::collections::BTreeMap;
use std::fmt::Write;

/// What the page shows; every count is the caller's.
#[derive(Debug, Clone, Default)]
pub struct SummaryData {
    /// Input documents.
    pub documents: usize,
    /// Reports per year (`None`: no year) and status.
    pub by_year_status: BTreeMap<Option<i32>, BTreeMap<String, usize>>,
    /// Reports per file format.
    pub by_format: BTreeMap<String, usize>,
    /// Reports per table format (2019/2021; `unknown`).
    pub by_template: BTreeMap<String, usize>,
    /// Findings per rule, with the rule's severity.
    pub findings: Vec<(String, String, usize)>,
    /// Cells per status.
    pub cells_by_status: BTreeMap<String, usize>,
    /// Coverage per (province, year): (reported or duplicate, agencies counted).
    pub coverage: BTreeMap<(String, i32), (usize, usize)>,
    /// Headline figures: (label, key, per year (sum over the panel's agencies, agencies with
    /// a value)).
    pub headlines: Vec<Headline>,
}

/// One headline figure over time: (label, wide column name, year → (sum, agencies)).
pub type Headline = (String, String, BTreeMap<i32, (f64, usize)>);

const STATUS_COLORS: [(&str, &str); 5] = [
    ("ok", "#4c9f70"),
    ("warning", "#e0a030"),
    ("error", "#d0473d"),
    ("not_a_report", "#b8b8b8"),
    ("unreadable", "#8a8a8a"),
];
const SEVERITY_COLORS: [(&str, &str); 3] = [
    ("info", "#6c8ebf"),
    ("warning", "#e0a030"),
    ("error", "#d0473d"),
];
const CELL_COLORS: [(&str, &str); 7] = [
    ("stated", "#4c9f70"),
    ("repaired", "#6c8ebf"),
    ("inferred", "#9fc5e8"),
    ("corrected", "#8e6cbf"),
    ("blank", "#cfcfcf"),
    ("ambiguous", "#e0a030"),
    ("missing", "#8a8a8a"),
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn color<'a>(table: &[(&str, &'a str)], k: &str) -> &'a str {
    table
        .iter()
        .find(|(n, _)| *n == k)
        .map_or("#999999", |(_, c)| c)
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        let n = x as i64;
        let s = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        if n < 0 {
            format!("-{out}")
        } else {
            out
        }
    } else {
        format!("{x:.2}")
    }
}

/// A horizontal bar chart: one bar per (label, value, color).
fn hbars(rows: &[(String, usize, &str)]) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let (w, label_w, h) = (560.0, 210.0, 22.0);
    let height = h * rows.len() as f64 + 10.0;
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {height}\" width=\"{w}\" height=\"{height}\" role=\"img\">"
    );
    for (i, (label, v, c)) in rows.iter().enumerate() {
        let y = 5.0 + i as f64 * h;
        let bw = (w - label_w - 70.0) * (*v as f64) / max;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"lbl\">{}</text>\
             <rect x=\"{label_w}\" y=\"{}\" width=\"{bw:.1}\" height=\"{}\" fill=\"{c}\"><title>{}: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{}\" class=\"val\">{}</text>",
            label_w - 6.0,
            y + 15.0,
            esc(label),
            y + 3.0,
            h - 6.0,
            esc(label),
            num(*v as f64),
            label_w + bw + 4.0,
            y + 15.0,
            num(*v as f64)
        );
    }
    s.push_str("</svg>");
    s
}

/// One bar segment: (name, value, colour).
type Segment<'a> = (String, usize, &'a str);

/// Stacked vertical bars: per x label, its segments.
fn stacked(cols: &[(String, Vec<Segment<'_>>)]) -> String {
    let max = cols
        .iter()
        .map(|(_, segs)| segs.iter().map(|s| s.1).sum::<usize>())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let (h, top, bottom, left) = (220.0, 16.0, 28.0, 44.0);
    let bw = 46.0;
    let w = left + cols.len() as f64 * (bw + 14.0) + 10.0;
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {}\" width=\"{w}\" height=\"{}\" role=\"img\">",
        h + top + bottom,
        h + top + bottom
    );
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{w}\" y2=\"{}\" class=\"axis\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"val\">{}</text>",
        top + h,
        top + h,
        left - 4.0,
        top + 10.0,
        num(max)
    );
    for (i, (label, segs)) in cols.iter().enumerate() {
        let x = left + 8.0 + i as f64 * (bw + 14.0);
        let mut y = top + h;
        for (name, v, c) in segs {
            let sh = h * (*v as f64) / max;
            y -= sh;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw}\" height=\"{sh:.1}\" fill=\"{c}\"><title>{} {}: {}</title></rect>",
                esc(label),
                esc(name),
                num(*v as f64)
            );
        }
        let total: usize = segs.iter().map(|s| s.1).sum();
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"val\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"lbl\">{}</text>",
            x + bw / 2.0,
            y - 3.0,
            num(total as f64),
            x + bw / 2.0,
            top + h + 18.0,
            esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// A line chart of one series over years.
fn line(points: &[(i32, f64)], stroke: &str) -> String {
    let (w, h, left, top, bottom) = (300.0, 140.0, 50.0, 12.0, 24.0);
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {}\" width=\"{w}\" height=\"{}\" role=\"img\">",
        h + top + bottom,
        h + top + bottom
    );
    if points.is_empty() {
        s.push_str("<text x=\"10\" y=\"20\" class=\"lbl\">no data</text></svg>");
        return s;
    }
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max).max(1.0);
    let (y0, y1) = (points[0].0, points.last().map_or(points[0].0, |p| p.0));
    let span = f64::from((y1 - y0).max(1));
    let px = |y: i32| left + (w - left - 14.0) * f64::from(y - y0) / span;
    let py = |v: f64| top + h - h * v / max;
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"axis\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"val\">{}</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"val\">0</text>",
        top + h,
        w - 8.0,
        top + h,
        left - 4.0,
        top + 8.0,
        num(max),
        left - 4.0,
        top + h
    );
    let path: Vec<String> = points
        .iter()
        .map(|&(y, v)| format!("{:.1},{:.1}", px(y), py(v)))
        .collect();
    let _ = write!(
        s,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2.5\"/>",
        path.join(" ")
    );
    for &(y, v) in points {
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{stroke}\"><title>{y}: {}</title></circle>\
             <text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" class=\"lbl\">{y}</text>",
            px(y),
            py(v),
            num(v),
            px(y),
            top + h + 17.0
        );
    }
    s.push_str("</svg>");
    s
}

fn table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>");
    for r in rows {
        s.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if i > 0 { " class=\"n\"" } else { "" };
            let _ = write!(s, "<td{class}>{}</td>", esc(c));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

fn legend(items: &[(&str, &str)]) -> String {
    let mut s = String::from("<div class=\"legend\">");
    for (name, c) in items {
        let _ = write!(
            s,
            "<span><i style=\"background:{c}\"></i>{}</span>",
            esc(name)
        );
    }
    s.push_str("</div>");
    s
}

/// The heat colour of a coverage share (0–1).
fn heat(share: f64) -> String {
    // from red-ish (nothing reported) through amber to green (all reported)
    let (r, g, b) = if share < 0.5 {
        let t = share / 0.5;
        (
            208.0 + (224.0 - 208.0) * t,
            71.0 + (160.0 - 71.0) * t,
            61.0 + (48.0 - 61.0) * t,
        )
    } else {
        let t = (share - 0.5) / 0.5;
        (
            224.0 + (76.0 - 224.0) * t,
            160.0 + (159.0 - 160.0) * t,
            48.0 + (112.0 - 48.0) * t,
        )
    };
    format!("rgb({:.0},{:.0},{:.0})", r, g, b)
}

/// The page: the headline numbers, then one section per view, each chart with its numbers
/// in a table beside it.
pub fn summary_html(d: &SummaryData) -> String {
    let mut h = String::new();
    h.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>nianbao dataset summary</title><style>\
         body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','PingFang SC',sans-serif;margin:24px auto;max-width:1180px;color:#222;padding:0 16px}\
         h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\
         .sub{color:#666;margin-top:0}.row{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start}\
         .card{background:#fafafa;border:1px solid #e4e4e4;border-radius:8px;padding:12px 16px}\
         .kpis{display:flex;gap:16px;flex-wrap:wrap}.kpi{background:#f3f6fa;border-radius:8px;padding:10px 16px;min-width:120px}\
         .kpi b{display:block;font-size:22px}.kpi span{color:#555;font-size:13px}\
         table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}\
         th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}\
         .chart text{font-size:12px;fill:#333}.chart .val{fill:#555;font-size:11px}.axis{stroke:#999}\
         .legend{font-size:12px;margin:4px 0 8px}.legend span{margin-right:14px}.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px;border-radius:2px}\
         .heat td{text-align:center;min-width:52px}.small{color:#666;font-size:12px}\
         </style></head><body>\n",
    );
    kpis(&mut h, d);
    reports_per_year(&mut h, d);
    cells_by_status(&mut h, d);
    findings_by_rule(&mut h, d);
    coverage(&mut h, d);
    headlines(&mut h, d);
    h.push_str("</div>\n<p class=\"small\">Made by nianbao. This page needs no network and no script.</p></body></html>\n");
    h
}

/// The headline numbers: documents, reports read, cells, the share stated, findings.
fn kpis(h: &mut String, d: &SummaryData) {
    let readable: usize = d
        .by_year_status
        .values()
        .flat_map(|m| m.iter())
        .filter(|(k, _)| !matches!(k.as_str(), "unreadable" | "not_a_report"))
        .map(|(_, v)| v)
        .sum();
    let cells: usize = d.cells_by_status.values().sum();
    let stated = d.cells_by_status.get("stated").copied().unwrap_or(0);
    let findings: usize = d.findings.iter().map(|f| f.2).sum();
    let _ = write!(
        h,
        "<h1>nianbao dataset summary</h1><p class=\"sub\">Government information-disclosure annual reports (政府信息公开工作年度报告): what this build read. \
         Every number here is also in the tables of the dataset (<code>reports</code>, <code>cells</code>, <code>findings</code>, <code>panel</code>, <code>coverage</code>).</p>\
         <div class=\"kpis\"><div class=\"kpi\"><b>{}</b><span>documents</span></div><div class=\"kpi\"><b>{}</b><span>reports read</span></div>\
         <div class=\"kpi\"><b>{}</b><span>cells</span></div><div class=\"kpi\"><b>{:.1}%</b><span>cells stated as printed</span></div>\
         <div class=\"kpi\"><b>{}</b><span>findings</span></div></div>",
        num(d.documents as f64),
        num(readable as f64),
        num(cells as f64),
        if cells > 0 { 100.0 * stated as f64 / cells as f64 } else { 0.0 },
        num(findings as f64)
    );
    h.push('\n');
}

/// Reports per year and status; documents per file format and table format.
fn reports_per_year(h: &mut String, d: &SummaryData) {
    h.push_str("<h2>Reports per year, by status</h2><div class=\"row\"><div>");
    let statuses: Vec<&str> = STATUS_COLORS.iter().map(|(n, _)| *n).collect();
    let cols: Vec<(String, Vec<Segment<'_>>)> = d
        .by_year_status
        .iter()
        .map(|(y, m)| {
            (
                y.map_or("no year".to_owned(), |y| y.to_string()),
                statuses
                    .iter()
                    .map(|s| {
                        (
                            (*s).to_owned(),
                            m.get(*s).copied().unwrap_or(0),
                            color(&STATUS_COLORS, s),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    h.push_str(&legend(&STATUS_COLORS));
    h.push_str(&stacked(&cols));
    h.push_str("</div><div>");
    let mut head = vec!["year"];
    head.extend(statuses.iter());
    head.push("total");
    let rows: Vec<Vec<String>> = d
        .by_year_status
        .iter()
        .map(|(y, m)| {
            let mut r = vec![y.map_or("no year".to_owned(), |y| y.to_string())];
            r.extend(
                statuses
                    .iter()
                    .map(|s| num(m.get(*s).copied().unwrap_or(0) as f64)),
            );
            r.push(num(m.values().sum::<usize>() as f64));
            r
        })
        .collect();
    h.push_str(&table(&head, &rows));
    h.push_str("<p class=\"small\">ok: no finding above info; warning: something repaired, missing or unusual; error: a number in the document breaks an identity; unreadable: see <code>reports.reason</code>.</p></div>");
    let fmt_rows: Vec<Vec<String>> = d
        .by_format
        .iter()
        .map(|(k, v)| vec![k.clone(), num(*v as f64)])
        .collect();
    let tpl_rows: Vec<Vec<String>> = d
        .by_template
        .iter()
        .map(|(k, v)| vec![k.clone(), num(*v as f64)])
        .collect();
    let _ = write!(
        h,
        "<div>{}<br>{}</div></div>",
        table(&["file format", "documents"], &fmt_rows),
        table(&["table format", "reports"], &tpl_rows)
    );
}

/// Cells by status.
fn cells_by_status(h: &mut String, d: &SummaryData) {
    let cells: usize = d.cells_by_status.values().sum();
    h.push_str("<h2>Cells by status</h2><div class=\"row\"><div>");
    let mut cell_rows: Vec<(String, usize, &str)> = CELL_COLORS
        .iter()
        .filter_map(|(k, c)| d.cells_by_status.get(*k).map(|v| ((*k).to_owned(), *v, *c)))
        .collect();
    for (k, v) in &d.cells_by_status {
        if !CELL_COLORS.iter().any(|(n, _)| n == k) {
            cell_rows.push((k.clone(), *v, "#999999"));
        }
    }
    h.push_str(&hbars(&cell_rows));
    h.push_str("</div><div>");
    let rows: Vec<Vec<String>> = cell_rows
        .iter()
        .map(|(k, v, _)| {
            vec![
                k.clone(),
                num(*v as f64),
                format!("{:.2}%", 100.0 * *v as f64 / cells.max(1) as f64),
            ]
        })
        .collect();
    h.push_str(&table(&["status", "cells", "share"], &rows));
    h.push_str("<p class=\"small\">stated: as printed; repaired: re-read, exactly one reading fits the identities; inferred: empty, forced by the identities;<br>corrected: the pipeline's corrections file; blank: empty; ambiguous: several readings fit (null); missing: row or table absent (null).</p></div></div>");
}

/// Findings by rule (the 25 most frequent charted, all in the table).
fn findings_by_rule(h: &mut String, d: &SummaryData) {
    h.push_str("<h2>Findings by rule</h2><div class=\"row\"><div>");
    let mut f: Vec<&(String, String, usize)> = d.findings.iter().collect();
    f.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    h.push_str(&legend(&SEVERITY_COLORS));
    let bars: Vec<(String, usize, &str)> = f
        .iter()
        .take(25)
        .map(|(r, sev, n)| (r.clone(), *n, color(&SEVERITY_COLORS, sev)))
        .collect();
    if bars.is_empty() {
        h.push_str("<p>No findings.</p>");
    } else {
        h.push_str(&hbars(&bars));
    }
    h.push_str("</div><div>");
    let rows: Vec<Vec<String>> = f
        .iter()
        .map(|(r, sev, n)| vec![r.clone(), sev.clone(), num(*n as f64)])
        .collect();
    h.push_str(&table(&["rule", "severity", "findings"], &rows));
    h.push_str("<p class=\"small\">Each rule is described in DATA_DICTIONARY.md.</p></div></div>");
}

/// Coverage by province and year, as a heat table.
fn coverage(h: &mut String, d: &SummaryData) {
    h.push_str("<h2>Coverage by province and year</h2>");
    let years: Vec<i32> = d
        .coverage
        .keys()
        .map(|(_, y)| *y)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let provinces: Vec<&String> = d
        .coverage
        .keys()
        .map(|(p, _)| p)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if provinces.is_empty() {
        h.push_str("<p>No agency with a year.</p>");
    } else {
        h.push_str("<p class=\"small\">Agencies that reported / agencies expected that year (from the <code>coverage</code> table: every year between an agency's first and last report, every year for agencies on the expected list). Colour: the share reported.</p><table class=\"heat\"><thead><tr><th>province</th>");
        for y in &years {
            let _ = write!(h, "<th>{y}</th>");
        }
        h.push_str("</tr></thead><tbody>");
        for p in &provinces {
            let _ = write!(h, "<tr><th>{}</th>", esc(p));
            for y in &years {
                match d.coverage.get(&((*p).clone(), *y)) {
                    Some(&(rep, all)) if all > 0 => {
                        let share = rep as f64 / all as f64;
                        let _ = write!(
                            h,
                            "<td style=\"background:{}\" title=\"{} {y}: {rep} of {all}\">{rep}/{all}</td>",
                            heat(share),
                            esc(p)
                        );
                    }
                    _ => h.push_str("<td></td>"),
                }
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
    }
}

/// Headline figures over time, one card each.
fn headlines(h: &mut String, d: &SummaryData) {
    h.push_str("<h2>Headline figures over time</h2><p class=\"small\">Sums over the agencies of the <code>panel</code> (one chosen report per agency and year); the number of agencies with a value is in the table. A change in coverage moves a sum as much as a change in activity.</p><div class=\"row\">");
    let strokes = ["#3b6ea5", "#4c9f70", "#b5563c", "#8e6cbf"];
    for (i, (label, key, series)) in d.headlines.iter().enumerate() {
        let pts: Vec<(i32, f64)> = series.iter().map(|(y, (v, _))| (*y, *v)).collect();
        let rows: Vec<Vec<String>> = series
            .iter()
            .map(|(y, (v, n))| vec![y.to_string(), num(*v), n.to_string()])
            .collect();
        let _ = write!(
            h,
            "<div class=\"card\"><b>{}</b><br><span class=\"small\"><code>{}</code></span><br>{}{}</div>",
            esc(label),
            esc(key),
            line(&pts, strokes[i % strokes.len()]),
            table(&["year", "sum", "agencies"], &rows)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_every_number_and_no_script() {
        let mut d = SummaryData {
            documents: 3,
            ..SummaryData::default()
        };
        d.by_year_status
            .entry(Some(2024))
            .or_default()
            .insert("ok".into(), 2);
        d.by_year_status
            .entry(None)
            .or_default()
            .insert("unreadable".into(), 1);
        d.findings.push(("s3_balance".into(), "error".into(), 1234));
        d.cells_by_status.insert("stated".into(), 400);
        d.coverage.insert(("河南省".into(), 2024), (1, 2));
        d.headlines.push((
            "新收申请".into(),
            "s3_received_new_total".into(),
            BTreeMap::from([(2023, (10.0, 1)), (2024, (25.0, 2))]),
        ));
        let h = summary_html(&d);
        for want in [
            "1,234",
            "s3_balance",
            "河南省",
            "1/2",
            "25",
            "unreadable",
            "<svg",
        ] {
            assert!(h.contains(want), "{want}");
        }
        assert!(!h.contains("<script"));
        assert!(!h.contains("http"), "no network references");
    }
}
