//! Synthetic reports in real layouts, with gold files: the sample corpus of `data/raw`, test
//! fixtures and benchmark corpora.
//!
//! **In:** a seed and a count. **Out:** report texts in the five text layouts (tabbed, piped,
//! PDF text with wrapped labels and page numbers, one cell per line, flattened), both national
//! templates, UTF-8 / GBK / UTF-16, made-up agencies and nonzero numbers that satisfy the
//! identities — and, when defects are enabled, deliberate problems (a wrong total, a blank row,
//! an extra number, a missing table, no title). Each document comes with a gold record in the
//! format of the shared gold files. [`adversarial`] draws random truth tables and renders them
//! with the damage real converters do, keeping the truth of every cell, for the differential
//! soundness test (ACCURACY.md). **Never:** copies text of real reports.
//!
//! ```
//! let docs = nianbao_synth::generate(3, 7, true);
//! assert_eq!(docs.len(), 3);
//! assert!(docs[0].gold["values"].as_object().unwrap().len() > 20);
//! ```

use nianbao_vocab::fmt_number;
use std::path::Path;

pub mod adversarial;
mod markup;
pub mod panel;

use nianbao_vocab::{cell_key, Section, Template, Vocabulary};
use serde_json::{json, Map, Value};

/// A small deterministic generator (SplitMix64): the corpus must be identical on every
/// machine and for every version of every crate, which a registry RNG does not promise.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// A small count: mostly 0, sometimes up to `max`.
    pub fn count(&mut self, max: u64) -> u64 {
        if self.below(3) == 0 {
            0
        } else {
            self.below(max + 1)
        }
    }
}

/// The text layouts the generator writes.
pub const LAYOUTS: [&str; 5] = ["tabbed", "piped", "pdf_text", "cell_per_line", "flattened"];

/// Every layout [`generate`] cycles through: the text layouts, then HTML, DOCX and PDF.
pub const ALL_LAYOUTS: [&str; 8] = [
    "tabbed",
    "piped",
    "pdf_text",
    "cell_per_line",
    "flattened",
    "html",
    "docx",
    "pdf",
];

/// Layouts written only when named (not in the default cycle, whose samples stay as they
/// were): OFD, the national fixed-layout format; `pictures`, a saved web page whose tables
/// are pictures in its `NAME_files/` folder (rendered with poppler's `pdftoppm`); and
/// `attachment`, a web page that only links its report, saved beside it as a PDF; and
/// `supplement`, a web page with the report's prose whose tables (under their part headings)
/// are in the DOCX it links as an attachment, saved beside it.
pub const EXTRA_LAYOUTS: [&str; 4] = ["ofd", "pictures", "attachment", "supplement"];

/// One synthetic document.
#[derive(Debug, Clone)]
pub struct SynthDoc {
    /// File name.
    pub name: String,
    /// The bytes (encoded).
    pub bytes: Vec<u8>,
    /// Gold record (format of the shared gold files).
    pub gold: Value,
    /// Files that go with it (a page's pictures, its attachment), by path relative to it.
    pub extra: Vec<Extra>,
}

/// A file that goes with a document.
#[derive(Debug, Clone)]
pub struct Extra {
    /// Path relative to the document's folder (`NAME_files/table3_1.png`).
    pub name: String,
    /// The bytes; with `render`, a one-page PDF to be rendered as the picture `name`.
    pub bytes: Vec<u8>,
    /// Whether `bytes` is a PDF page to render ([`render_picture`]).
    pub render: bool,
}

const PLACES: [&str; 8] = [
    "青山", "白水", "云岭", "明湖", "松原", "东川", "临溪", "石门",
];
const LEVELS: [&str; 3] = ["县", "区", "市"];
const UNITS: [(&str, &str); 5] = [
    ("科学技术局", "科技局"),
    ("教育局", "教育局"),
    ("民政局", "民政局"),
    ("自然资源局", "自然资源局"),
    ("人民政府办公室", "政府办"),
];

#[derive(Clone)]
struct Row {
    label: String,
    values: Vec<Option<String>>,
}

fn row(label: &str, values: Vec<Option<String>>) -> Row {
    Row {
        label: label.to_owned(),
        values,
    }
}

fn hdr(label: &str) -> Row {
    row(label, vec![])
}

/// Generates `count` documents, cycling through every layout of [`ALL_LAYOUTS`].
pub fn generate(count: usize, seed: u64, defects: bool) -> Vec<SynthDoc> {
    generate_layouts(count, seed, defects, &ALL_LAYOUTS)
}

/// Generates `count` documents cycling through the given layouts (names of
/// [`ALL_LAYOUTS`]; unknown names are read as `tabbed`).
pub fn generate_layouts(count: usize, seed: u64, defects: bool, layouts: &[&str]) -> Vec<SynthDoc> {
    (0..count)
        .map(|i| one(i, seed, defects, layouts[i % layouts.len()]))
        .collect()
}

/// The rows of part 三 a generated report of template `t` writes (2021: the three items of
/// （六）, not the single row), and among them the outcome rows that add up to （七）总计.
fn s3_rows(
    v: &'static Vocabulary,
    t: Template,
) -> (Vec<&'static nianbao_vocab::RowDef>, Vec<&'static str>) {
    let rows: Vec<_> = v
        .rows(t, Section::S3)
        .filter(|r| t == Template::Y2019 || r.key != "other_processing")
        .collect();
    let outcome = rows
        .iter()
        .map(|r| r.key)
        .filter(|k| {
            !matches!(
                *k,
                "received_new" | "carried_over" | "results_total" | "carried_forward"
            )
        })
        .collect();
    (rows, outcome)
}

/// The three header rows of part 三, each header word written by `word` (as it is, or broken
/// by spaces for the adversarial generator).
fn s3_header(s3cols: &[&nianbao_vocab::ColumnDef], word: &dyn Fn(&str) -> String) -> Vec<Row> {
    vec![
        row(
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
            vec![Some("申请人情况".into())],
        ),
        row(
            "",
            vec![
                Some(word("自然人")),
                Some("法人或其他组织".into()),
                Some("总计".into()),
            ],
        ),
        row(
            "",
            s3cols[1..6].iter().map(|c| Some(word(c.label))).collect(),
        ),
    ]
}

fn one(i: usize, seed: u64, defects: bool, layout: &str) -> SynthDoc {
    one_with(i, seed, defects, layout, None)
}

/// Generates document `i`, following `plan` when given (the multi-year panel corpus).
pub(crate) fn one_with(
    i: usize,
    seed: u64,
    defects: bool,
    layout: &str,
    plan: Option<&panel::Plan>,
) -> SynthDoc {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
    let v = Vocabulary::get();
    let layout = ALL_LAYOUTS
        .iter()
        .chain(&EXTRA_LAYOUTS)
        .copied()
        .find(|l| *l == layout)
        .unwrap_or("tabbed");
    let flat = layout == "flattened";
    let mut year = 2019 + rng.below(7) as i32;
    let place = PLACES[rng.below(8) as usize];
    let level = LEVELS[rng.below(3) as usize];
    let (unit, short) = UNITS[rng.below(5) as usize];
    let mut agency = format!("{place}{level}{unit}");
    let mut title_agency = if rng.below(3) == 0 {
        format!("{place}{level}{short}")
    } else {
        agency.clone()
    };
    // Defects: one kind per defective document.
    let mut defect = if defects && !flat && i % 4 == 3 {
        1 + rng.below(5)
    } else {
        0
    };
    if let Some(p) = plan {
        year = p.year;
        agency = p.agency.clone();
        title_agency = p.title_agency.clone();
        defect = if flat { 0 } else { p.defect };
    }
    let t = Template::for_year(year);
    let cap = if flat { 1 } else { 30 };

    let mut values: Map<String, Value> = Map::new();
    let mut blank: Map<String, Value> = Map::new();
    let mut problems: Vec<String> = Vec::new();
    let mut put = |k: String, x: f64| {
        values.insert(k, json!(x));
    };

    // Part 二.
    let mut s2 = Vec::new();
    for r in v.rows(t, Section::S2) {
        let cols = v.columns_for(t, r);
        let mut vals: Vec<f64> = cols
            .iter()
            .map(|c| match c.kind {
                nianbao_vocab::ValueKind::Amount if !flat => (rng.below(100_000) as f64) / 100.0,
                nianbao_vocab::ValueKind::Signed if !flat => rng.below(11) as f64 - 5.0,
                _ => rng.count(if flat { 9 } else { 400 }) as f64,
            })
            .collect();
        if let Some(p) = plan {
            let keys: Vec<&str> = cols.iter().map(|c| c.key).collect();
            p.continue_s2(r.key, &keys, &mut vals);
        }
        let head: Vec<&str> = cols.iter().map(|c| c.label).collect();
        if matches!(
            r.key,
            "regulation" | "licensing" | "punishment" | "admin_fee" | "central_procurement"
        ) {
            s2.push(hdr(match r.key {
                "regulation" => "第二十条第（一）项",
                "licensing" => "第二十条第（五）项",
                "punishment" => "第二十条第（六）项",
                "admin_fee" => "第二十条第（八）项",
                _ => "第二十条第（九）项",
            }));
            s2.push(row(
                "信息内容",
                head.iter().map(|h| Some((*h).to_owned())).collect(),
            ));
        }
        for (c, x) in cols.iter().zip(&vals) {
            put(cell_key(Section::S2, r.key, c.key), *x);
        }
        s2.push(row(
            r.label,
            vals.iter().map(|x| Some(fmt_number(*x))).collect(),
        ));
    }

    // Part 三: outcome rows per applicant column, then the balance.
    let (s3rows, outcome) = s3_rows(v, t);
    let applicants = 6;
    let mut grid: std::collections::HashMap<&str, Vec<f64>> = std::collections::HashMap::new();
    for &o in &outcome {
        // a panel agency is busy every year, so its years differ by less than ×2 (a jump is
        // then only where the plan puts one)
        let busy = plan.is_some() || rng.below(3) == 0;
        let vals: Vec<f64> = (0..applicants)
            .map(|a| {
                if busy && (a == 0 || rng.below(4) == 0) {
                    rng.below(cap + 1) as f64
                } else {
                    0.0
                }
            })
            .collect();
        grid.insert(o, vals);
    }
    if flat {
        // keep every total a single digit so the flattened digits split one way only
        for &o in &outcome {
            let g = grid.get_mut(o).expect("row");
            g.iter_mut().for_each(|x| *x = 0.0);
        }
        grid.get_mut("granted").expect("row")[0] = 1.0 + rng.below(3) as f64;
        grid.get_mut("unable_not_held").expect("row")[1] = rng.below(2) as f64;
    }
    if let Some(p) = plan {
        for g in grid.values_mut() {
            g.iter_mut().for_each(|x| *x = (*x * p.scale).round());
        }
    }
    let blank_other = defect == 2 && t == Template::Y2021;
    if blank_other {
        grid.insert("other_other", vec![0.0; applicants]);
    }
    let extra_number = defect == 3;
    if extra_number {
        grid.insert("denied_state_secret", vec![0.0; applicants]);
    }
    let results: Vec<f64> = (0..applicants)
        .map(|a| outcome.iter().map(|o| grid[o][a]).sum())
        .collect();
    let mut forward: Vec<f64> = (0..applicants)
        .map(|a| {
            if results[a] > 0.0 && !flat {
                rng.below(3) as f64
            } else {
                0.0
            }
        })
        .collect();
    let mut over: Vec<f64> = (0..applicants)
        .map(|a| {
            if !flat {
                rng.below(forward[a] as u64 + results[a] as u64 + 1).min(2) as f64
            } else {
                0.0
            }
        })
        .collect();
    if let Some(p) = plan {
        // 上年结转 is last year's 结转下年度 (plus a deliberate break); 新收 stays ≥ 0
        p.carry_over(&mut over);
        for a in 0..applicants {
            let short = over[a] - results[a] - forward[a];
            if short > 0.0 {
                forward[a] += short;
            }
        }
    }
    let received: Vec<f64> = (0..applicants)
        .map(|a| results[a] + forward[a] - over[a])
        .collect();
    grid.insert("received_new", received);
    grid.insert("carried_over", over);
    grid.insert("results_total", results);
    grid.insert("carried_forward", forward);
    let s3cols: Vec<_> = v.columns(t, Section::S3).collect();
    let mut s3 = s3_header(&s3cols, &|w| w.to_owned());
    for r in &s3rows {
        let mut vals = grid[r.key].clone();
        vals.push(vals.iter().sum());
        if r.key == "denied_state_secret" {
            s3.push(hdr("（三）不予公开"));
        } else if r.key == "unable_not_held" {
            s3.push(hdr("（四）无法提供"));
        } else if r.key == "not_processed_petition" {
            s3.push(hdr("（五）不予处理"));
        } else if r.key == "other_no_correction" {
            s3.push(hdr("（六）其他处理"));
        } else if r.key == "granted" {
            s3.push(hdr("三、本年度办理结果"));
        }
        let label = r.label;
        for (c, x) in s3cols.iter().zip(&vals) {
            let k = cell_key(Section::S3, r.key, c.key);
            if blank_other && r.key == "other_other" {
                blank.insert(k, json!(0.0));
            } else {
                put(k, *x);
            }
        }
        let mut cells: Vec<Option<String>> = vals.iter().map(|x| Some(fmt_number(*x))).collect();
        if blank_other && r.key == "other_other" {
            cells = vec![None; 7];
        }
        if extra_number && r.key == "denied_state_secret" {
            cells.push(Some("0".into()));
        }
        s3.push(row(label, cells));
    }
    if blank_other {
        problems.push("part 三: the row （六）3.其他 is blank in every column".into());
    }
    if extra_number {
        problems
            .push("part 三: the row （三）1.属于国家秘密 carries 8 numbers for 7 columns".into());
    }

    // Part 四.
    let mut s4vals = Vec::new();
    for r in v.rows(t, Section::S4) {
        let parts: Vec<f64> = (0..4)
            .map(|_| rng.count(if flat { 2 } else { 6 }) as f64)
            .collect();
        let total: f64 = parts.iter().sum();
        for (c, x) in ["upheld", "corrected", "other", "pending"]
            .iter()
            .zip(&parts)
        {
            s4vals.push((cell_key(Section::S4, r.key, c), *x));
        }
        s4vals.push((cell_key(Section::S4, r.key, "total"), total));
    }
    let wrong_total = defect == 1;
    if wrong_total {
        s4vals[4].1 += 1.0;
        problems.push(format!(
            "part 四: 行政复议 总计 is {} but its parts add up to {}",
            fmt_number(s4vals[4].1),
            fmt_number(s4vals[4].1 - 1.0)
        ));
    }
    let missing_s4 = defect == 4;
    if missing_s4 {
        problems.push("part 四: the table is missing (heading only)".into());
    } else {
        for (k, x) in &s4vals {
            put(k.clone(), *x);
        }
    }
    let no_title = defect == 5;
    if no_title {
        problems.push(
            "the report has no title line: agency and year come from the first paragraph".into(),
        );
    }
    let s4 = vec![
        row("行政复议", vec![Some("行政诉讼".into())]),
        row(
            "结果维持",
            [
                "结果纠正",
                "其他结果",
                "尚未审结",
                "总计",
                "未经复议直接起诉",
                "复议后起诉",
            ]
            .iter()
            .map(|s| Some((*s).to_owned()))
            .collect(),
        ),
        row(
            "",
            s4vals.iter().map(|(_, x)| Some(fmt_number(*x))).collect(),
        ),
    ];

    // Assemble.
    let day = 1 + rng.below(28);
    let (month, day) = plan.and_then(|p| p.published).unwrap_or((1, day));
    let published = format!("{}-{month:02}-{day:02}", year + 1);
    let mut parts: Vec<String> = Vec::new();
    if !no_title {
        parts.push(format!(
            "{title_agency} {year} 年政府信息公开工作年度报告\n"
        ));
    }
    let intro = format!(
        "{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，本报告统计期限为{year}年1月1日至{year}年12月31日。全年主动公开政府信息{}条。",
        rng.below(300) + 20
    );
    parts.push(format!("一、总体情况\n{intro}\n"));
    let render = |rows: &[Row]| -> String {
        rows.iter()
            .map(|r| render_row(layout, r))
            .collect::<Vec<_>>()
            .join(if flat { "" } else { "\n" })
    };
    parts.push(format!("二、主动公开政府信息情况\n{}\n", render(&s2)));
    if layout == "pdf_text" {
        parts.push("- 2 -\n".into());
    }
    parts.push(format!(
        "三、收到和处理政府信息公开申请情况\n{}\n",
        render(&s3)
    ));
    parts.push(format!(
        "四、政府信息公开行政复议、行政诉讼情况\n{}\n",
        if missing_s4 {
            String::new()
        } else {
            render(&s4)
        }
    ));
    let problems_text = plan
        .and_then(|p| p.problems_text)
        .unwrap_or("信息公开的及时性有待提高，下一步将加强培训。");
    parts.push(format!("五、存在的主要问题及改进情况\n{problems_text}\n"));
    parts.push(format!(
        "六、其他需要报告的事项\n本年度未收取信息处理费。\n{agency}\n{}年{month}月{day}日\n",
        year + 1
    ));
    let stem = |enc: &str| match plan {
        Some(p) => format!("{}_{layout}_{enc}", p.name),
        None => format!("synth_{i:06}_{layout}_{}_{enc}", t.as_str()),
    };
    let mut extra: Vec<Extra> = Vec::new();
    let bundled = matches!(layout, "pictures" | "attachment" | "supplement");
    let (bytes, enc, ext) = if markup::LAYOUTS.contains(&layout) || bundled {
        let mut pieces: Vec<markup::Piece> = Vec::new();
        // a saved article page whose body has neither title nor signature (issue 17): the
        // page's own metadata names the report
        let bare = layout == "html" && plan.is_some_and(|p| p.bare_body && p.site.is_some());
        if !no_title && !bare {
            pieces.push(markup::Piece::Title(format!(
                "{title_agency}{year}年政府信息公开工作年度报告"
            )));
        }
        let p = |s: &str| markup::Piece::Para(s.to_owned());
        pieces.push(p("一、总体情况"));
        pieces.push(p(&intro));
        pieces.push(p("二、主动公开政府信息情况"));
        pieces.push(markup::Piece::Table(&s2));
        pieces.push(p("三、收到和处理政府信息公开申请情况"));
        pieces.push(markup::Piece::Table(&s3));
        pieces.push(p("四、政府信息公开行政复议、行政诉讼情况"));
        if !missing_s4 {
            pieces.push(markup::Piece::Table(&s4));
        }
        pieces.push(p("五、存在的主要问题及改进情况"));
        pieces.push(p(problems_text));
        pieces.push(p("六、其他需要报告的事项"));
        pieces.push(p("本年度未收取信息处理费。"));
        if !bare {
            pieces.push(p(&agency));
            pieces.push(p(&format!("{}年{month}月{day}日", year + 1)));
        }
        let chrome = plan.and_then(|p| p.chrome(&title_agency, year, &published));
        if layout == "pictures" {
            // each table a picture (a long one two), under its part's heading
            let files = format!("{}_files", stem("utf8"));
            let mut n = 0;
            let mut with_pictures = Vec::with_capacity(pieces.len());
            for piece in pieces {
                let markup::Piece::Table(rows) = piece else {
                    with_pictures.push(piece);
                    continue;
                };
                n += 1;
                for (k, pdf) in markup::table_pictures(rows).into_iter().enumerate() {
                    let name = format!("{files}/table{n}_{}.png", k + 1);
                    with_pictures.push(markup::Piece::Picture(name.clone()));
                    extra.push(Extra {
                        name,
                        bytes: pdf,
                        render: true,
                    });
                }
            }
            pieces = with_pictures;
        }
        if layout == "attachment" {
            // the page says little and links the report, saved beside it
            let pdf_name = format!("{}.pdf", stem("utf8"));
            extra.push(Extra {
                name: pdf_name.clone(),
                bytes: markup::pdf(&pieces),
                render: false,
            });
            let title = format!("{title_agency}{year}年政府信息公开工作年度报告");
            pieces = vec![
                markup::Piece::Title(title.clone()),
                markup::Piece::Para(format!("现将{title}予以公布，详见附件。")),
                markup::Piece::Link(pdf_name, format!("{title}.pdf")),
            ];
        }
        if layout == "supplement" {
            // the page keeps the prose and says where the tables are; the attachment has
            // the tables under their parts' headings
            let docx_name = format!("{}.docx", stem("utf8"));
            let mut page = Vec::with_capacity(pieces.len());
            let mut tables = Vec::new();
            for piece in pieces {
                match piece {
                    markup::Piece::Table(rows) => {
                        if let Some(markup::Piece::Para(h)) = page.last() {
                            tables.push(markup::Piece::Para(h.clone()));
                            page.push(markup::Piece::Para("具体情况见附件。".to_owned()));
                        }
                        tables.push(markup::Piece::Table(rows));
                    }
                    other => page.push(other),
                }
            }
            extra.push(Extra {
                name: docx_name.clone(),
                bytes: markup::docx(&tables),
                render: false,
            });
            page.push(markup::Piece::Link(
                docx_name,
                format!("附件：{year}年政府信息公开工作年度报告统计表.docx"),
            ));
            pieces = page;
        }
        match layout {
            "html" if i % 7 == 2 => (
                markup::html_page(&pieces, "gb2312", chrome.as_ref()),
                "gbk",
                "html",
            ),
            "html" | "pictures" | "attachment" | "supplement" => (
                markup::html_page(&pieces, "utf-8", chrome.as_ref()),
                "utf8",
                "html",
            ),
            "docx" => (markup::docx(&pieces), "utf8", "docx"),
            "ofd" => (markup::ofd(&pieces), "utf8", "ofd"),
            _ => (markup::pdf(&pieces), "utf8", "pdf"),
        }
    } else {
        let text = if flat {
            parts
                .iter()
                .map(|p| p.replace('\n', " "))
                .collect::<Vec<_>>()
                .join("")
        } else {
            parts.join("\n")
        };
        match i % 7 {
            2 => (encoding_rs::GBK.encode(&text).0.into_owned(), "gbk", "txt"),
            5 => {
                let mut b = vec![0xFF, 0xFE];
                b.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
                (b, "utf16le", "txt")
            }
            _ => (text.into_bytes(), "utf8", "txt"),
        }
    };
    let name = format!("{}.{ext}", stem(enc));
    let mut gold = json!({
        "document": name,
        "agency": agency,
        "agency_in_title": if no_title || title_agency == agency { Value::Null } else { json!(title_agency) },
        "report_year": year,
        "template": t.as_str(),
        "published_on": published,
        "values": values,
        "blank": blank,
        "ambiguous": {},
        "problems": problems,
    });
    if let Some(p) = plan {
        gold["adcode"] = json!(p.adcode);
        if let Some((a, t)) = p.gold_agency {
            gold["agency"] = json!(a);
            gold["agency_in_title"] = json!(t);
        }
    }
    SynthDoc {
        name,
        bytes,
        gold,
        extra,
    }
}

fn render_row(layout: &str, r: &Row) -> String {
    let vals = |blank: &str| {
        r.values
            .iter()
            .map(|v| v.clone().unwrap_or_else(|| blank.to_owned()))
            .collect::<Vec<_>>()
    };
    match layout {
        "tabbed" => std::iter::once(r.label.clone())
            .chain(vals(""))
            .collect::<Vec<_>>()
            .join("\t"),
        "piped" => {
            std::iter::once(r.label.clone())
                .chain(vals(""))
                .collect::<Vec<_>>()
                .join(" | ")
                + " |"
        }
        "pdf_text" => {
            // labels wrap every 6 characters; the numbers come after the first piece
            let chars: Vec<char> = r.label.chars().collect();
            let pieces: Vec<String> = chars.chunks(6).map(|c| c.iter().collect()).collect();
            let mut out = vec![pieces.first().cloned().unwrap_or_default()];
            if !r.values.is_empty() {
                out.push(vals("—").join(" "));
            }
            out.extend(pieces.into_iter().skip(1));
            out.join("\n")
        }
        "cell_per_line" => std::iter::once(r.label.clone())
            .chain(vals("—"))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => r.label.clone() + &vals("").join(""),
    }
}

/// Creates `path` with `bytes`; never replaces a file (synth writes into folders that may hold
/// a user's documents: an existing file is an error naming it, and it is left as it was).
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "{} already exists; synth never replaces a file: remove it or choose another folder",
                        path.display()
                    ),
                )
            } else {
                e
            }
        })?;
    f.write_all(bytes)
}

/// Refuses, before anything is written, a folder that already holds files named like the ones
/// synth would write there (`prefix…`).
pub(crate) fn refuse_clashes(dir: &Path, prefix: &str) -> std::io::Result<()> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut clash: Vec<String> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    clash.sort();
    match clash.first() {
        None => Ok(()),
        Some(first) => Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already holds {} file(s) named like the ones synth writes ({first}, …); synth never replaces a file: remove them or choose another folder",
                dir.display(),
                clash.len()
            ),
        )),
    }
}

/// Renders a one-page PDF as the grey PNG picture `png` (200 dpi), with poppler's
/// `pdftoppm`: what a screenshot of a table pasted into a page looks like.
pub fn render_picture(pdf: &[u8], png: &Path) -> std::io::Result<()> {
    let stem = png.with_extension("");
    let tmp = png.with_extension("tmp.pdf");
    std::fs::write(&tmp, pdf)?;
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png", "-singlefile"])
        .arg(&tmp)
        .arg(&stem)
        .output();
    let _ = std::fs::remove_file(&tmp);
    match out {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(std::io::Error::other(format!(
            "pdftoppm could not render {}: {}",
            png.display(),
            String::from_utf8_lossy(&o.stderr).trim()
        ))),
        Err(e) => Err(std::io::Error::other(format!(
            "the `pictures` layout renders its pictures with poppler's pdftoppm, which could not be run ({e}); install poppler-utils"
        ))),
    }
}

/// Writes `count` documents into `dir` (and gold files into `gold_dir`). Returns the count.
/// Never replaces a file: a folder already holding `synth_*` files is refused before anything
/// is written.
pub fn write_corpus(
    dir: &Path,
    gold_dir: Option<&Path>,
    count: usize,
    seed: u64,
    defects: bool,
    layouts: &[&str],
) -> std::io::Result<usize> {
    refuse_clashes(dir, "synth_")?;
    if let Some(g) = gold_dir {
        refuse_clashes(g, "synth_")?;
    }
    std::fs::create_dir_all(dir)?;
    if let Some(g) = gold_dir {
        std::fs::create_dir_all(g)?;
    }
    let layouts = if layouts.is_empty() {
        &ALL_LAYOUTS[..]
    } else {
        layouts
    };
    // one document at a time: a large corpus is never held in memory
    for i in 0..count {
        let d = one(i, seed, defects, layouts[i % layouts.len()]);
        write_new(&dir.join(&d.name), &d.bytes)?;
        for e in &d.extra {
            let path = dir.join(&e.name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            if e.render {
                render_picture(&e.bytes, &path)?;
            } else {
                write_new(&path, &e.bytes)?;
            }
        }
        if let Some(g) = gold_dir {
            write_new(
                &g.join(
                    Path::new(&d.name)
                        .with_extension("json")
                        .file_name()
                        .unwrap_or_default(),
                ),
                (serde_json::to_string_pretty(&d.gold)? + "\n").as_bytes(),
            )?;
        }
    }
    Ok(count)
}
