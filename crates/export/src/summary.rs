//! `summary.html`: the dataset at a glance, in Chinese for the analysts who read the reports,
//! self-contained (inline SVG and CSS, no script, no network), each chart with its numbers in a
//! table beside it and gridlines to read it by. It holds no time stamp, so the same inputs give
//! the same page. It shows the reports by year and status, the pooled rates and headline figures
//! over the balanced panel (or says the panel is unbalanced), coverage by province, cells by
//! status, the findings with each rule's meaning, and the reports with errors to look at; it
//! links the codebook and the data dictionary written beside it.

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
    /// Agencies of the panel per year.
    pub panel_years: BTreeMap<i32, usize>,
    /// Agencies in the panel, any year.
    pub panel_agencies: usize,
    /// Agencies with a report in every year of the panel (0 when the panel has one year).
    pub balanced: usize,
    /// Whether [`headlines`](Self::headlines) and [`rates`](Self::rates) are taken over the
    /// balanced panel (else over every agency of each year).
    pub series_balanced: bool,
    /// Headline figures: (label, key, per year (sum over the agencies, agencies with a value)).
    pub headlines: Vec<Headline>,
    /// Rates pooled over the agencies: (label, indicator name, per year (rate, agencies)); a
    /// name ending in `_rate` is a share, the others are per 100 applications.
    pub rates: Vec<Headline>,
    /// The reports with error findings, most errors first (at most [`ERROR_LIST`]).
    pub error_reports: Vec<ErrorReport>,
    /// How many reports have error findings in all.
    pub error_reports_total: usize,
}

/// A report with error findings: the agencies to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    /// Its document.
    pub document: String,
    /// Its agency, when known.
    pub agency: Option<String>,
    /// Its year, when known.
    pub year: Option<i32>,
    /// Its error findings (cross-report ones included).
    pub errors: u32,
}

/// How many reports with errors the page lists (the `reports` table has them all:
/// `status = 'error'`).
pub const ERROR_LIST: usize = 200;

impl SummaryData {
    /// Counts a report with errors, keeping the [`ERROR_LIST`] with the most.
    pub fn error_report(&mut self, r: ErrorReport) {
        self.error_reports_total += 1;
        self.error_reports.push(r);
        if self.error_reports.len() >= 4 * ERROR_LIST {
            self.trim_errors();
        }
    }

    fn trim_errors(&mut self) {
        self.error_reports.sort_by(|a, b| {
            b.errors
                .cmp(&a.errors)
                .then_with(|| a.document.cmp(&b.document))
        });
        self.error_reports.truncate(ERROR_LIST);
    }
}

/// One series over time: (label, column or indicator name, year → (value, agencies)).
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

/// Gridline values for an axis from 0 to at least `max`: a step of 1, 2 or 5 × 10ⁿ giving at
/// most five lines, and the axis top (a multiple of the step).
fn ticks(max: f64) -> (f64, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    (step, (max / step).ceil() * step)
}

/// Horizontal gridlines with their values, for a plot area `left..right` × `top..top+h`
/// whose axis runs from 0 to `axis_top`.
fn grid(
    s: &mut String,
    (left, right, top, h): (f64, f64, f64, f64),
    step: f64,
    axis_top: f64,
    fmt: &dyn Fn(f64) -> String,
) {
    let mut v = 0.0;
    while v <= axis_top + step * 1e-9 {
        let y = top + h - h * v / axis_top;
        let class = if v == 0.0 { "axis" } else { "grid" };
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{right}\" y2=\"{y:.1}\" class=\"{class}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"val\">{}</text>",
            left - 4.0,
            y + 4.0,
            fmt(v)
        );
        v += step;
    }
}

/// Stacked vertical bars: per x label, its segments; gridlines on the count axis.
fn stacked(cols: &[(String, Vec<Segment<'_>>)]) -> String {
    let max = cols
        .iter()
        .map(|(_, segs)| segs.iter().map(|s| s.1).sum::<usize>())
        .max()
        .unwrap_or(1) as f64;
    let (step, axis) = ticks(max);
    let (h, top, bottom, left) = (220.0, 16.0, 28.0, 52.0);
    let bw = 46.0;
    let w = left + cols.len() as f64 * (bw + 14.0) + 10.0;
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {}\" width=\"{w}\" height=\"{}\" role=\"img\">",
        h + top + bottom,
        h + top + bottom
    );
    grid(&mut s, (left, w, top, h), step, axis, &num);
    for (i, (label, segs)) in cols.iter().enumerate() {
        let x = left + 8.0 + i as f64 * (bw + 14.0);
        let mut y = top + h;
        for (name, v, c) in segs {
            let sh = h * (*v as f64) / axis;
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

/// A line chart of one series over years, with gridlines; `fmt` writes an axis value.
fn line(points: &[(i32, f64)], stroke: &str, fmt: &dyn Fn(f64) -> String) -> String {
    let (w, h, left, top, bottom) = (320.0, 140.0, 56.0, 12.0, 24.0);
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {}\" width=\"{w}\" height=\"{}\" role=\"img\">",
        h + top + bottom,
        h + top + bottom
    );
    if points.is_empty() {
        s.push_str("<text x=\"10\" y=\"20\" class=\"lbl\">无数据</text></svg>");
        return s;
    }
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let (step, axis) = ticks(max);
    grid(&mut s, (left, w - 8.0, top, h), step, axis, fmt);
    let (y0, y1) = (points[0].0, points.last().map_or(points[0].0, |p| p.0));
    let span = f64::from((y1 - y0).max(1));
    let px = |y: i32| left + 10.0 + (w - left - 28.0) * f64::from(y - y0) / span;
    let py = |v: f64| top + h - h * v / axis;
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
            fmt(v),
            px(y),
            top + h + 17.0
        );
    }
    s.push_str("</svg>");
    s
}

/// A share as a percentage (`0.4567` → `45.7%`).
fn pct(x: f64) -> String {
    let p = 100.0 * x;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

/// A rate per 100 applications, to two decimals at most.
fn per100(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        num(r)
    } else {
        format!("{r:.2}").trim_end_matches('0').to_owned()
    }
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
            // numbers right-aligned, words and names left
            let numeric = !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_digit() || matches!(ch, ',' | '.' | '%' | '-'));
            let class = if i > 0 && numeric { " class=\"n\"" } else { "" };
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

/// The status words of the page.
fn status_zh(s: &str) -> &str {
    match s {
        "ok" => "正常 ok",
        "warning" => "警告 warning",
        "error" => "错误 error",
        "not_a_report" => "非年报 not_a_report",
        "unreadable" => "无法读取 unreadable",
        "info" => "提示 info",
        other => other,
    }
}

/// The page: the headline numbers, then one section per view, each chart with its numbers
/// in a table beside it.
pub fn summary_html(d: &SummaryData) -> String {
    let mut h = String::new();
    h.push_str(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>nianbao 数据集概览</title><style>\
         body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:24px auto;max-width:1180px;color:#222;padding:0 16px}\
         h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\
         h2 small{font-weight:normal;color:#777;font-size:13px;margin-left:8px}\
         .sub{color:#666;margin-top:0}.row{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start}\
         .card{background:#fafafa;border:1px solid #e4e4e4;border-radius:8px;padding:12px 16px}\
         .kpis{display:flex;gap:16px;flex-wrap:wrap}.kpi{background:#f3f6fa;border-radius:8px;padding:10px 16px;min-width:120px}\
         .kpi b{display:block;font-size:22px}.kpi span{color:#555;font-size:13px}\
         .mark{display:inline-block;border-radius:4px;padding:2px 8px;font-size:13px;margin:4px 0}\
         .mark.ok{background:#e3f1e8;color:#245c3a}.mark.warn{background:#fbecd0;color:#7a4d00}\
         table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}\
         th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}\
         .chart text{font-size:12px;fill:#333}.chart .val{fill:#555;font-size:11px}.axis{stroke:#888}.grid{stroke:#e3e3e3}\
         .legend{font-size:12px;margin:4px 0 8px}.legend span{margin-right:14px}.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px;border-radius:2px}\
         .heat td{text-align:center;min-width:52px}.small{color:#666;font-size:12px}\
         </style></head><body>\n",
    );
    kpis(&mut h, d);
    reports_per_year(&mut h, d);
    panel_shape(&mut h, d);
    rates(&mut h, d);
    headlines(&mut h, d);
    coverage(&mut h, d);
    cells_by_status(&mut h, d);
    findings_by_rule(&mut h, d);
    error_list(&mut h, d);
    h.push_str(
        "<h2>数据说明<small>the data</small></h2><p>每个数字也在数据集的表中：<code>reports</code>、<code>cells</code>、\
         <code>cells_wide</code>、<code>findings</code>、<code>panel</code>、<code>coverage</code>、<code>indicators</code>。\
         单元格键与宽表列名的含义见 <a href=\"codebook.csv\">codebook.csv</a>（键、宽表列、部分、分组、中文行列标签、单位、2019 与 2021 版对应），\
         各表各列见 <a href=\"DATA_DICTIONARY.md\">DATA_DICTIONARY.md</a>，字段类型见 <a href=\"datapackage.json\">datapackage.json</a>。</p>\
         <p class=\"small\">Made by nianbao. This page needs no network and no script.</p></body></html>\n",
    );
    h
}

/// The headline numbers: documents, reports read, cells, the share stated, findings, reports
/// with errors.
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
        "<h1>nianbao 数据集概览</h1><p class=\"sub\">政府信息公开工作年度报告：本次构建读到了什么。\
         <span class=\"small\">Government information-disclosure annual reports: what this build read.</span></p>\
         <div class=\"kpis\"><div class=\"kpi\"><b>{}</b><span>文件 documents</span></div><div class=\"kpi\"><b>{}</b><span>年报 reports read</span></div>\
         <div class=\"kpi\"><b>{}</b><span>单元格 cells</span></div><div class=\"kpi\"><b>{:.1}%</b><span>按原文读出 stated</span></div>\
         <div class=\"kpi\"><b>{}</b><span>发现 findings</span></div><div class=\"kpi\"><b>{}</b><span>有错误的报告 reports with errors</span></div></div>",
        num(d.documents as f64),
        num(readable as f64),
        num(cells as f64),
        if cells > 0 { 100.0 * stated as f64 / cells as f64 } else { 0.0 },
        num(findings as f64),
        num(d.error_reports_total as f64)
    );
    h.push('\n');
}

/// Reports per year and status; documents per file format and table format.
fn reports_per_year(h: &mut String, d: &SummaryData) {
    h.push_str("<h2>各年度报告数（按状态）<small>reports per year, by status</small></h2><div class=\"row\"><div>");
    let statuses: Vec<&str> = STATUS_COLORS.iter().map(|(n, _)| *n).collect();
    let cols: Vec<(String, Vec<Segment<'_>>)> = d
        .by_year_status
        .iter()
        .map(|(y, m)| {
            (
                y.map_or("无年度".to_owned(), |y| y.to_string()),
                statuses
                    .iter()
                    .map(|s| {
                        (
                            status_zh(s).to_owned(),
                            m.get(*s).copied().unwrap_or(0),
                            color(&STATUS_COLORS, s),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let named: Vec<(&str, &str)> = STATUS_COLORS
        .iter()
        .map(|(n, c)| (status_zh(n), *c))
        .collect();
    h.push_str(&legend(&named));
    h.push_str(&stacked(&cols));
    h.push_str("</div><div>");
    let mut head = vec!["年度"];
    head.extend(statuses.iter().map(|s| status_zh(s)));
    head.push("合计");
    let rows: Vec<Vec<String>> = d
        .by_year_status
        .iter()
        .map(|(y, m)| {
            let mut r = vec![y.map_or("无年度".to_owned(), |y| y.to_string())];
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
    h.push_str("<p class=\"small\">正常：无提示以上的发现；警告：有修复、缺失或异常之处；错误：文件中的数字违反恒等式；<br>\
                非年报：可读但没有年报结构（列表页、错误页），不计为报告；无法读取：原因见 <code>reports.reason</code>。</p></div>");
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
        table(&["文件格式", "文件数"], &fmt_rows),
        table(&["表格格式", "报告数"], &tpl_rows)
    );
}

/// The panel's shape: agencies per year, and whether the series below are over a balanced
/// panel.
fn panel_shape(h: &mut String, d: &SummaryData) {
    h.push_str("<h2>面板<small>the panel: one chosen report per agency and year</small></h2>");
    if d.panel_years.is_empty() {
        h.push_str("<p>面板为空：没有同时具有机关和年度的报告。</p>");
        return;
    }
    let (first, last) = (
        d.panel_years.keys().next().copied().unwrap_or(0),
        d.panel_years.keys().last().copied().unwrap_or(0),
    );
    if d.series_balanced {
        let _ = write!(
            h,
            "<p><span class=\"mark ok\">平衡面板 balanced panel</span> 以下比率与主要数字只计在 {first}–{last} 每一年都有报告的 {} 个机关（面板共 {} 个机关），\
             因此各年之间的变化是工作量的变化，而不是覆盖范围的变化。</p>",
            num(d.balanced as f64),
            num(d.panel_agencies as f64)
        );
    } else {
        let _ = write!(
            h,
            "<p><span class=\"mark warn\">非平衡面板 unbalanced panel</span> 没有机关在 {first}–{last} 每一年都有报告（或只有一个年度）：\
             以下比率与主要数字计入各年所有机关，各年机关不同，合计的变化可能来自覆盖范围而非工作量。</p>"
        );
    }
    let rows: Vec<Vec<String>> = d
        .panel_years
        .iter()
        .map(|(y, n)| vec![y.to_string(), num(*n as f64)])
        .collect();
    h.push_str(&table(&["年度", "面板中的机关"], &rows));
}

/// Rates pooled over the agencies, one card each.
fn rates(h: &mut String, d: &SummaryData) {
    if d.rates.is_empty() {
        return;
    }
    h.push_str("<h2>主要比率<small>rates, pooled over the agencies</small></h2><p class=\"small\">汇总比率：各机关分子之和 ÷ 分母之和（只计分子分母都已知的机关），\
                与 <code>indicators</code> 表中逐份报告的定义相同（见 DATA_DICTIONARY.md）。</p><div class=\"row\">");
    for (i, series) in d.rates.iter().enumerate() {
        let fmt: &dyn Fn(f64) -> String = if series.1.ends_with("_rate") {
            &pct
        } else {
            &per100
        };
        card(h, i, series, "比率", fmt);
    }
    h.push_str("</div>");
}

/// One series as a card: its label and column name, a line chart and its table (`value`: the
/// value column's heading; `fmt` writes a value). `i` picks the line's colour.
fn card(
    h: &mut String,
    i: usize,
    (label, name, series): &Headline,
    value: &str,
    fmt: &dyn Fn(f64) -> String,
) {
    const STROKES: [&str; 4] = ["#3b6ea5", "#4c9f70", "#b5563c", "#8e6cbf"];
    let pts: Vec<(i32, f64)> = series.iter().map(|(y, (v, _))| (*y, *v)).collect();
    let rows: Vec<Vec<String>> = series
        .iter()
        .map(|(y, (v, n))| vec![y.to_string(), fmt(*v), n.to_string()])
        .collect();
    let _ = write!(
        h,
        "<div class=\"card\"><b>{}</b><br><span class=\"small\"><code>{}</code></span><br>{}{}</div>",
        esc(label),
        esc(name),
        line(&pts, STROKES[i % STROKES.len()], fmt),
        table(&["年度", value, "机关数"], &rows)
    );
}

/// Headline figures over time, one card each.
fn headlines(h: &mut String, d: &SummaryData) {
    h.push_str("<h2>主要数字<small>headline figures over time</small></h2><p class=\"small\">面板中各机关的合计（每个机关每年一份报告）；\
                有数值的机关数见表。列名见 <a href=\"codebook.csv\">codebook.csv</a>。</p><div class=\"row\">");
    for (i, series) in d.headlines.iter().enumerate() {
        card(h, i, series, "合计", &num);
    }
    h.push_str("</div>");
}

/// Coverage by province and year, as a heat table.
fn coverage(h: &mut String, d: &SummaryData) {
    h.push_str("<h2>覆盖情况（省份 × 年度）<small>coverage by province and year</small></h2>");
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
        h.push_str("<p>没有同时具有机关和年度的报告。</p>");
        return;
    }
    h.push_str("<p class=\"small\">已报告的机关 / 应报告的机关（<code>coverage</code> 表：从机关的第一份报告到语料的最新年度；在应报告名单上的机关为每一年）。颜色：已报告的比例。</p><table class=\"heat\"><thead><tr><th>省份</th>");
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
                        "<td style=\"background:{}\" title=\"{} {y}: {rep} / {all}\">{rep}/{all}</td>",
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

/// Cells by status.
fn cells_by_status(h: &mut String, d: &SummaryData) {
    let cells: usize = d.cells_by_status.values().sum();
    h.push_str("<h2>单元格状态<small>cells by status</small></h2><div class=\"row\"><div>");
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
    h.push_str(&table(&["状态", "单元格", "占比"], &rows));
    h.push_str("<p class=\"small\">stated：按原文读出；repaired：数字粘连等，唯一满足恒等式的读法；inferred：空单元格，由恒等式唯一确定；<br>\
                corrected：更正文件所改；blank：空白；ambiguous：多种读法都可能（空值）；missing：行或表缺失（空值）。</p></div></div>");
}

/// Findings by rule (the 25 most frequent charted, all in the table with their meaning).
fn findings_by_rule(h: &mut String, d: &SummaryData) {
    h.push_str("<h2>发现（按规则）<small>findings by rule</small></h2><div class=\"row\"><div>");
    let mut f: Vec<&(String, String, usize)> = d.findings.iter().collect();
    f.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let named: Vec<(&str, &str)> = SEVERITY_COLORS
        .iter()
        .map(|(n, c)| (status_zh(n), *c))
        .collect();
    h.push_str(&legend(&named));
    let bars: Vec<(String, usize, &str)> = f
        .iter()
        .take(25)
        .map(|(r, sev, n)| (r.clone(), *n, color(&SEVERITY_COLORS, sev)))
        .collect();
    if bars.is_empty() {
        h.push_str("<p>没有发现。</p>");
    } else {
        h.push_str(&hbars(&bars));
    }
    h.push_str("</div><div>");
    let rows: Vec<Vec<String>> = f
        .iter()
        .map(|(r, sev, n)| {
            vec![
                r.clone(),
                nianbao_vocab::rules::zh(r).unwrap_or("").to_owned(),
                status_zh(sev).to_owned(),
                num(*n as f64),
            ]
        })
        .collect();
    h.push_str(&table(&["规则", "含义", "严重程度", "数量"], &rows));
    h.push_str("<p class=\"small\">每条规则的完整说明（英文）见 <a href=\"DATA_DICTIONARY.md\">DATA_DICTIONARY.md</a>。</p></div></div>");
}

/// The reports with error findings, most errors first.
fn error_list(h: &mut String, d: &SummaryData) {
    h.push_str("<h2>需要查看的报告<small>reports with errors</small></h2>");
    if d.error_reports_total == 0 {
        h.push_str("<p>没有状态为“错误”的报告。</p>");
        return;
    }
    let mut list = d.error_reports.clone();
    list.sort_by(|a, b| {
        b.errors
            .cmp(&a.errors)
            .then_with(|| a.document.cmp(&b.document))
    });
    list.truncate(ERROR_LIST);
    let _ = write!(
        h,
        "<p class=\"small\">{} 份报告的状态为“错误”（有错误级别的发现：文件中的数字违反恒等式，或跨年度不衔接）：这些机关的数字在使用前值得核对。\
         列出错误最多的 {} 份；全部见 <code>reports</code> 表（<code>status = 'error'</code>），每条发现见 <code>findings</code> 表。</p>",
        num(d.error_reports_total as f64),
        list.len()
    );
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            vec![
                r.agency
                    .clone()
                    .unwrap_or_else(|| "（未知机关）".to_owned()),
                r.year.map_or_else(String::new, |y| y.to_string()),
                r.document.clone(),
                r.errors.to_string(),
            ]
        })
        .collect();
    h.push_str(&table(&["机关", "年度", "文件", "错误数"], &rows));
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
        d.panel_years = BTreeMap::from([(2023, 1), (2024, 2)]);
        d.balanced = 1;
        d.series_balanced = true;
        d.rates.push((
            "予以公开率".into(),
            "grant_rate".into(),
            BTreeMap::from([(2023, (0.5, 1)), (2024, (0.4567, 2))]),
        ));
        d.rates.push((
            "每百件新收申请的行政复议数".into(),
            "review_per_100_applications".into(),
            BTreeMap::from([(2024, (2.5, 2))]),
        ));
        for (doc, errors) in [("a.txt", 1), ("b.txt", 3)] {
            d.error_report(ErrorReport {
                document: doc.into(),
                agency: Some("明湖县教育局".into()),
                year: Some(2024),
                errors,
            });
        }
        let h = summary_html(&d);
        for want in [
            "1,234",
            "s3_balance",
            "河南省",
            "1/2",
            "25",
            "unreadable",
            "<svg",
            "lang=\"zh-CN\"",
            // the rule's meaning in Chinese
            "新收 + 上年结转 应等于 办理结果总计 + 结转下年度",
            // the rates, as shares and per 100
            "45.7%",
            "50%",
            "2.5",
            // the balanced panel is said
            "平衡面板",
            // the reports to look at, most errors first
            "需要查看的报告",
            "明湖县教育局",
            // gridlines and the codebook
            "class=\"grid\"",
            "href=\"codebook.csv\"",
            "href=\"DATA_DICTIONARY.md\"",
        ] {
            assert!(h.contains(want), "{want}");
        }
        assert!(h.find("b.txt") < h.find("a.txt"), "most errors first");
        assert!(!h.contains("<script"));
        assert!(!h.contains("http"), "no network references");
        d.series_balanced = false;
        assert!(summary_html(&d).contains("非平衡面板"));
    }

    #[test]
    fn gridlines_fall_on_round_numbers() {
        assert_eq!(ticks(0.0), (0.2, 1.0));
        assert_eq!(ticks(7.0), (2.0, 8.0));
        assert_eq!(ticks(1234.0), (500.0, 1500.0));
        let (step, top) = ticks(0.4567);
        assert!((step - 0.1).abs() < 1e-12 && (top - 0.5).abs() < 1e-12);
        assert_eq!(pct(0.4567), "45.7%");
        assert_eq!(per100(2.5), "2.5");
        assert_eq!(per100(3.0), "3");
    }

    #[test]
    fn the_error_list_keeps_the_worst_reports() {
        let mut d = SummaryData::default();
        for i in 0..(5 * ERROR_LIST) {
            d.error_report(ErrorReport {
                document: format!("{i:05}.txt"),
                agency: None,
                year: None,
                errors: if i % 20 == 0 { 10 } else { 1 },
            });
        }
        assert_eq!(d.error_reports_total, 5 * ERROR_LIST);
        assert!(d.error_reports.len() < 4 * ERROR_LIST);
        d.trim_errors();
        // every one of the 50 worst survives the trims
        assert_eq!(
            d.error_reports.iter().filter(|r| r.errors == 10).count(),
            50
        );
        assert_eq!(d.error_reports.len(), ERROR_LIST);
    }
}
