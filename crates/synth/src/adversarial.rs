//! The adversarial generator: random truth tables that satisfy every identity, rendered in
//! every layout with the damage real converters do, and the truth kept for every cell — so a
//! differential test can assert that no value the pipeline writes ever differs from the truth.
//!
//! Truth: counts from 0 to six digits, negative changes (本年增/减, 2019 format), amounts with
//! decimals. Damage kinds ([`DAMAGES`]), one or two per document:
//!
//! | damage | what the document shows |
//! |---|---|
//! | `clean` | the table as it is |
//! | `runs` | the table flattened: a row's digits run together, glued to the labels |
//! | `runs_spaced` | flattened, with a space at some cell boundaries only |
//! | `signs` | negative changes written with `-`, `−` (U+2212), `－` or `—`, glued when flattened |
//! | `stray_column` | an extra number at the same position in several rows of part 三 |
//! | `missing_cell` | a cell left out entirely (spaced layouts) |
//! | `blank_cell` | cells written blank (`—`, `-`, `/`, empty), the truth still known |
//! | `typos` | garbled row labels, a heading with a typo (`行政法复议`) |
//! | `header_spaces` | header words broken by spaces (`结 果 维 持`) |
//! | `page_number` | a page number line (`- 3 -`) between two rows, at a page edge |
//! | `trailing_punct` | a value followed by punctuation (`117.`, `106、`) |
//! | `merged_first_col` | lines of item rows start with an empty cell (tabbed) |
//! | `repeated_label` | the column header repeated in the middle of part 三 |
//! | `struck` | HTML cells with deleted, struck-out, hidden or superscript digits beside the value |
//! | `mixed_template` | a 2019-format report whose part 三 gives （六） as the 2021 format's three items |
//! | `title_variant` | titles worded `…局政府信息公开工作2024年度报告`, `【…局】2024年…`, `…关于印发…的通知` |
//! | `label_span` | tabbed rows whose label spanned two columns: `label⇥⇥0001001⇥`, the row's cells run together in one cell after an empty one |
//! | `label_space` | flattened rows with a space after the label and the cells glued: `政府集中采购 1267.2` for 1 and 267.2 |
//! | `rule_line` | flattened, part 四 followed by a rule line of dashes glued to its last digit (`…000------`) |
//!
//! ```
//! let d = nianbao_synth::adversarial::generate(7, 3);
//! assert!(!d.truth.is_empty());
//! assert!(!d.damage.is_empty());
//! ```

use std::collections::BTreeMap;

use nianbao_vocab::{cell_key, fmt_number, Section, Template, ValueKind, Vocabulary};

use crate::{hdr, markup, render_row, row, s3_header, s3_rows, Rng, Row};

/// Every damage kind the generator applies.
pub const DAMAGES: [&str; 19] = [
    "clean",
    "struck",
    "mixed_template",
    "title_variant",
    "runs",
    "runs_spaced",
    "signs",
    "stray_column",
    "missing_cell",
    "blank_cell",
    "typos",
    "header_spaces",
    "page_number",
    "trailing_punct",
    "merged_first_col",
    "repeated_label",
    "label_span",
    "label_space",
    "rule_line",
];

/// The layouts the adversarial generator writes.
pub const LAYOUTS: [&str; 6] = [
    "tabbed",
    "piped",
    "pdf_text",
    "cell_per_line",
    "flattened",
    "html",
];

/// One adversarial document with its truth.
#[derive(Debug, Clone)]
pub struct AdvDoc {
    /// File name.
    pub name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Layout written.
    pub layout: &'static str,
    /// Damage kinds applied.
    pub damage: Vec<&'static str>,
    /// Template.
    pub template: Template,
    /// Report year.
    pub year: i32,
    /// The agency.
    pub agency: String,
    /// The true value of every cell of the template (the tables satisfy every identity).
    pub truth: BTreeMap<String, f64>,
    /// Cells the document prints with their number (the rest are blank or left out).
    pub shown: std::collections::BTreeSet<String>,
}

fn count(rng: &mut Rng) -> f64 {
    match rng.below(10) {
        0..=4 => 0.0,
        5..=7 => rng.below(10) as f64,
        8 => rng.below(1000) as f64,
        _ => rng.below(200_000) as f64,
    }
}

fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.below(xs.len() as u64) as usize]
}

/// Damage kinds that make sense for a layout.
fn damages_for(layout: &str) -> Vec<&'static str> {
    let mut d = vec![
        "clean",
        "signs",
        "blank_cell",
        "typos",
        "header_spaces",
        "stray_column",
        "mixed_template",
        "title_variant",
    ];
    match layout {
        "html" => d.push("struck"),
        "flattened" => d.extend(["runs", "runs_spaced", "label_space", "rule_line"]),
        "pdf_text" => d.extend(["missing_cell", "page_number", "repeated_label"]),
        "tabbed" => d.extend([
            "trailing_punct",
            "merged_first_col",
            "repeated_label",
            "label_span",
        ]),
        "piped" => d.extend(["trailing_punct", "repeated_label"]),
        "cell_per_line" => d.extend(["repeated_label"]),
        _ => {}
    }
    d
}

/// Generates adversarial document `i` of a seed.
pub fn generate(seed: u64, i: usize) -> AdvDoc {
    let mut rng = Rng::new(seed.wrapping_mul(0x5851_F42D).wrapping_add(i as u64 * 7919));
    let v = Vocabulary::get();
    let layout = LAYOUTS[i % LAYOUTS.len()];
    let year = 2019 + rng.below(7) as i32;
    let t = Template::for_year(year);
    let agency = format!(
        "{}{}{}",
        pick(&mut rng, &["青山", "白水", "云岭", "明湖", "松原", "东川"]),
        pick(&mut rng, &["县", "区", "市"]),
        pick(
            &mut rng,
            &["科学技术局", "教育局", "民政局", "人民政府办公室"]
        )
    );
    let options = damages_for(layout);
    let mut damage: Vec<&'static str> = vec![options[rng.below(options.len() as u64) as usize]];
    if rng.below(2) == 0 {
        let second = options[rng.below(options.len() as u64) as usize];
        if !damage.contains(&second) && second != "clean" && damage[0] != "clean" {
            damage.push(second);
        }
    }
    if layout == "flattened" && !damage.contains(&"runs") && !damage.contains(&"runs_spaced") {
        damage.push("runs");
    }
    let has = |d: &str| damage.contains(&d);
    let flat = layout == "flattened";

    // Truth.
    let mut truth: BTreeMap<String, f64> = BTreeMap::new();
    let mut s2: Vec<Row> = Vec::new();
    let mut shown = std::collections::BTreeSet::new();
    // which cells are blank / left out, decided as rows are rendered
    let blank_rate = if has("blank_cell") { 6 } else { 0 };
    let struck = has("struck");
    let mut cell_text = |rng: &mut Rng, key: &str, x: f64, kind: ValueKind| -> Option<String> {
        if blank_rate > 0 && rng.below(blank_rate) == 0 && x == 0.0 {
            return None;
        }
        shown.insert(key.to_owned());
        let mut s = fmt_number(x);
        if struck && rng.below(4) == 0 && x >= 0.0 {
            let other = rng.below(10);
            s = match rng.below(4) {
                0 => format!("{}<del>{other}</del><ins>{s}</ins>", markup::RAW),
                1 => format!("{}<s>{other}</s>{s}", markup::RAW),
                2 => format!("{}{s}<sup>{other}</sup>", markup::RAW),
                _ => format!(
                    "{}<span style=\"display:none\">{other}</span>{s}",
                    markup::RAW
                ),
            };
            return Some(s);
        }
        if kind == ValueKind::Signed && x < 0.0 && has("signs") {
            let m = pick(rng, &["-", "−", "－", "—"]);
            s = format!("{m}{}", fmt_number(-x));
        }
        Some(s)
    };
    for r in v.rows(t, Section::S2) {
        let cols = v.columns_for(t, r);
        if matches!(
            r.key,
            "regulation" | "licensing" | "punishment" | "admin_fee" | "central_procurement"
        ) {
            s2.push(hdr("第二十条"));
            let head: Vec<Option<String>> = cols.iter().map(|c| Some(c.label.to_owned())).collect();
            s2.push(row("信息内容", head));
        }
        let mut vals = Vec::new();
        for c in &cols {
            let x = match c.kind {
                ValueKind::Amount => {
                    if rng.below(2) == 0 {
                        (rng.below(1_000_000) as f64) / 100.0
                    } else {
                        count(&mut rng)
                    }
                }
                ValueKind::Signed => rng.below(41) as f64 - 20.0,
                ValueKind::Count => count(&mut rng),
            };
            let k = cell_key(Section::S2, r.key, c.key);
            truth.insert(k.clone(), x);
            vals.push(cell_text(&mut rng, &k, x, c.kind));
        }
        s2.push(row(r.label, vals));
    }

    // Part 三.
    let (s3rows, outcome) = s3_rows(v, t);
    let mut grid: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let busy = rng.below(4) + 1;
    for &o in &outcome {
        let active = rng.below(busy + 2) == 0;
        let vals: Vec<f64> = (0..6)
            .map(|_| {
                if active && rng.below(2) == 0 {
                    match rng.below(6) {
                        0 => rng.below(3000) as f64,
                        _ => rng.below(30) as f64,
                    }
                } else {
                    0.0
                }
            })
            .collect();
        grid.insert(o, vals);
    }
    let results: Vec<f64> = (0..6)
        .map(|a| outcome.iter().map(|o| grid[o][a]).sum())
        .collect();
    let forward: Vec<f64> = (0..6)
        .map(|a| {
            if results[a] > 0.0 {
                rng.below(5) as f64
            } else {
                0.0
            }
        })
        .collect();
    let over: Vec<f64> = (0..6)
        .map(|a| rng.below(forward[a] as u64 + results[a] as u64 + 1).min(9) as f64)
        .collect();
    let received: Vec<f64> = (0..6).map(|a| results[a] + forward[a] - over[a]).collect();
    grid.insert("received_new", received);
    grid.insert("carried_over", over);
    grid.insert("results_total", results);
    grid.insert("carried_forward", forward);
    let s3cols: Vec<_> = v.columns(t, Section::S3).collect();
    let header_words = |w: &str, spaced: bool| -> String {
        if spaced {
            w.chars().map(String::from).collect::<Vec<_>>().join(" ")
        } else {
            w.to_owned()
        }
    };
    let spaced_header = has("header_spaces");
    let s3_header = s3_header(&s3cols, &|w| header_words(w, spaced_header));
    let mut s3 = s3_header.clone();
    let stray_at = if has("stray_column") {
        Some(rng.below(8) as usize)
    } else {
        None
    };
    let garble = |rng: &mut Rng, label: &str| -> String {
        // one character replaced by a look-alike; labels of four or more characters only
        let chars: Vec<char> = label.chars().collect();
        let cjk: Vec<usize> = (0..chars.len())
            .filter(|&i| ('\u{4e00}'..='\u{9fff}').contains(&chars[i]))
            .collect();
        if cjk.len() < 8 {
            return label.to_owned();
        }
        let at = cjk[2 + rng.below(cjk.len() as u64 - 4) as usize];
        chars
            .iter()
            .enumerate()
            .map(|(i, c)| if i == at { '口' } else { *c })
            .collect()
    };
    let mixed = has("mixed_template") && t == Template::Y2019;
    let mut left_out: Vec<String> = Vec::new();
    for (ri, r) in s3rows.iter().enumerate() {
        let mut vals = grid[r.key].clone();
        vals.push(vals.iter().sum());
        if mixed && r.key == "other_processing" {
            // the truth keeps the 2019 row; the document shows the three 2021 items, the
            // whole amount under 3.其他
            for (c, x) in s3cols.iter().zip(&vals) {
                truth.insert(cell_key(Section::S3, r.key, c.key), *x);
            }
            s3.push(hdr("（六）其他处理"));
            let zeros: Vec<Option<String>> = vec![Some("0".into()); 7];
            s3.push(row(
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                zeros.clone(),
            ));
            s3.push(row(
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                zeros,
            ));
            s3.push(row(
                "3.其他",
                vals.iter().map(|x| Some(fmt_number(*x))).collect(),
            ));
            continue;
        }
        match r.key {
            "denied_state_secret" => s3.push(hdr("（三）不予公开")),
            "unable_not_held" => s3.push(hdr("（四）无法提供")),
            "not_processed_petition" => s3.push(hdr("（五）不予处理")),
            "other_no_correction" => s3.push(hdr("（六）其他处理")),
            "granted" => s3.push(hdr("三、本年度办理结果")),
            _ => {}
        }
        if has("repeated_label") && ri == 9 {
            s3.extend(
                s3_header
                    .iter()
                    .skip(1)
                    .map(|r| row(&r.label, r.values.clone())),
            );
        }
        let mut cells = Vec::new();
        let mut keys = Vec::new();
        for (c, x) in s3cols.iter().zip(&vals) {
            let k = cell_key(Section::S3, r.key, c.key);
            truth.insert(k.clone(), *x);
            cells.push(cell_text(&mut rng, &k, *x, ValueKind::Count));
            keys.push(k);
        }
        let mut strayed = false;
        if let Some(p) = stray_at {
            if ri % 3 == 1 {
                cells.insert(p.min(cells.len()), Some(fmt_number(rng.below(3) as f64)));
                strayed = true;
            }
        }
        // Missing cells (spaced layouts): one cell of a few rows left out, then not printed.
        if has("missing_cell") && !strayed && rng.below(4) == 0 {
            let at = rng.below(7) as usize;
            cells.remove(at);
            left_out.push(keys.swap_remove(at));
        }
        let label = if has("typos") && rng.below(6) == 0 {
            garble(&mut rng, r.label)
        } else {
            r.label.to_owned()
        };
        s3.push(row(&label, cells));
    }

    // Part 四.
    let mut s4vals: Vec<Option<String>> = Vec::new();
    for r in v.rows(t, Section::S4) {
        let parts: Vec<f64> = (0..4)
            .map(|_| {
                if rng.below(2) == 0 {
                    0.0
                } else {
                    rng.below(40) as f64
                }
            })
            .collect();
        let total: f64 = parts.iter().sum();
        for (c, x) in ["upheld", "corrected", "other", "pending", "total"]
            .iter()
            .zip(parts.iter().chain(std::iter::once(&total)))
        {
            let k = cell_key(Section::S4, r.key, c);
            truth.insert(k.clone(), *x);
            s4vals.push(cell_text(&mut rng, &k, *x, ValueKind::Count));
        }
    }
    let s4head = |w: &str| header_words(w, spaced_header);
    let s4 = vec![
        row("行政复议", vec![Some("行政诉讼".into())]),
        row(
            &s4head("结果维持"),
            [
                "结果纠正",
                "其他结果",
                "尚未审结",
                "总计",
                "未经复议直接起诉",
                "复议后起诉",
            ]
            .iter()
            .map(|s| Some(s4head(s)))
            .collect(),
        ),
        row("", s4vals),
    ];

    for k in &left_out {
        shown.remove(k);
    }
    if has("trailing_punct") {
        for r in s2.iter_mut().chain(s3.iter_mut()) {
            if let Some(Some(last)) = r.values.last_mut() {
                if last.chars().all(|c| c.is_ascii_digit()) && rng.below(3) == 0 {
                    last.push(if rng.below(2) == 0 { '.' } else { '、' });
                }
            }
        }
    }

    // Render.
    let heading4 = if has("typos") {
        "四、政府信息公开行政法复议、行政诉讼情况"
    } else {
        "四、政府信息公开行政复议、行政诉讼情况"
    };
    let title = if has("title_variant") {
        match rng.below(3) {
            0 => format!("{agency}政府信息公开工作{year}年度报告"),
            1 => format!("【{agency}】{year}年政府信息公开工作年度报告"),
            _ => format!("{agency}关于印发{year}年政府信息公开工作年度报告的通知"),
        }
    } else {
        format!("{agency}{year}年政府信息公开工作年度报告")
    };
    let intro = format!(
        "{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，本报告统计期限为{year}年1月1日至{year}年12月31日。"
    );
    let bytes = if layout == "html" {
        let p = |s: &str| markup::Piece::Para(s.to_owned());
        let pieces = vec![
            markup::Piece::Title(title.clone()),
            p("一、总体情况"),
            p(&intro),
            p("二、主动公开政府信息情况"),
            markup::Piece::Table(&s2),
            p("三、收到和处理政府信息公开申请情况"),
            markup::Piece::Table(&s3),
            p(heading4),
            markup::Piece::Table(&s4),
            p("五、存在的主要问题及改进情况"),
            p("无。"),
            p("六、其他需要报告的事项"),
            p("无。"),
        ];
        markup::html(&pieces, "utf-8")
    } else {
        let spaced = has("runs_spaced");
        let render = |rng: &mut Rng, rows: &[Row]| -> String {
            let mut out: Vec<String> = Vec::new();
            for (ri, r) in rows.iter().enumerate() {
                let mut line = if flat {
                    // flattened: blank cells as a glued dash, cells joined by nothing (or by a
                    // space at some boundaries)
                    let mut s = r.label.clone();
                    if has("label_space") && !r.values.is_empty() {
                        s.push(' ');
                    }
                    for (ci, c) in r.values.iter().enumerate() {
                        if spaced && ci > 0 && rng.below(3) == 0 {
                            s.push(' ');
                        }
                        s.push_str(c.as_deref().unwrap_or("—"));
                    }
                    s
                } else if has("label_span") && !r.values.is_empty() {
                    // the label spanned two columns: an empty cell, then the row's cells run
                    // together in one (blank cells as a glued dash)
                    let run: String = r
                        .values
                        .iter()
                        .map(|c| c.as_deref().unwrap_or("—"))
                        .collect();
                    format!("{}\t\t{run}\t", r.label)
                } else {
                    let blank = pick(rng, &["—", "-", "/", ""]);
                    let r2 = Row {
                        label: r.label.clone(),
                        values: r
                            .values
                            .iter()
                            .map(|c| {
                                Some(c.clone().unwrap_or_else(|| {
                                    if layout == "tabbed" || layout == "piped" {
                                        blank.to_owned()
                                    } else {
                                        "—".to_owned()
                                    }
                                }))
                            })
                            .collect(),
                    };
                    render_row(layout, &r2)
                };
                if has("merged_first_col")
                    && layout == "tabbed"
                    && r.label.starts_with(|c: char| c.is_ascii_digit())
                {
                    line.insert(0, '\t');
                }
                out.push(line);
                if has("page_number") && ri == rows.len() / 2 && !r.values.is_empty() {
                    out.push(format!("\n- {} -\n", 2 + rng.below(5)));
                }
            }
            out.join(if flat { "" } else { "\n" })
        };
        let mut parts: Vec<String> = vec![format!("{title}\n"), format!("一、总体情况\n{intro}\n")];
        parts.push(format!(
            "二、主动公开政府信息情况\n{}\n",
            render(&mut rng, &s2)
        ));
        parts.push(format!(
            "三、收到和处理政府信息公开申请情况\n{}\n",
            render(&mut rng, &s3)
        ));
        let rule = if has("rule_line") { "------" } else { "" };
        parts.push(format!("{heading4}\n{}{rule}\n", render(&mut rng, &s4)));
        parts.push("五、存在的主要问题及改进情况\n无。\n".into());
        parts.push("六、其他需要报告的事项\n无。\n".into());
        let text = if flat {
            parts
                .iter()
                .map(|p| p.replace('\n', " "))
                .collect::<String>()
        } else {
            parts.join("\n")
        };
        text.into_bytes()
    };
    let ext = if layout == "html" { "html" } else { "txt" };
    AdvDoc {
        name: format!("adv_{seed}_{i:07}_{layout}_{}.{ext}", damage.join("+")),
        bytes,
        layout,
        damage,
        template: t,
        year,
        agency,
        truth,
        shown,
    }
}
