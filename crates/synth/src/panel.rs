//! The multi-year panel corpus: real divisions' agencies reporting over 2019–2025, with
//! deliberate carry-over and continuity breaks, a gap, a stop, duplicates, a jump and name
//! variants, so that the `panel`, `coverage` and cross-year findings have a known truth
//! (issue 14). Every number is generated; only the division names are real.
//!
//! Each agency's years are generated in order and chained: 二、上年结转 of a year is the
//! previous year's 四、结转下年度, 现行有效件数 continues (2021 format), 上一年项目数量 continues
//! (2019 format), except where a [`Plan`] breaks it on purpose.

use serde_json::Value;

use crate::markup::Chrome;
use crate::SynthDoc;

/// What one document of the panel corpus must say (see [`crate::one_with`]).
#[derive(Debug, Clone)]
pub struct Plan {
    /// File name stem.
    pub name: String,
    /// The agency as the body prints it.
    pub agency: String,
    /// The agency as the title prints it.
    pub title_agency: String,
    /// Report year.
    pub year: i32,
    /// The division code the region must resolve to (`None`: ambiguous on purpose).
    pub adcode: Option<&'static str>,
    /// Defect kind of the random generator (0 none).
    pub defect: u64,
    /// Multiplies part 三's outcome counts (a jump).
    pub scale: f64,
    /// (month, day) of the signing date in the next year.
    pub published: Option<(u32, u64)>,
    /// Last year's 结转下年度 per applicant column (without 总计).
    pub carried_over: Option<[f64; 6]>,
    /// Added to 上年结转 自然人: a deliberate carry-over break.
    pub carry_break: f64,
    /// Last year's 现行有效件数 of 规章 and 行政规范性文件 (2021 format).
    pub in_force_prev: Option<[f64; 2]>,
    /// Added to 行政规范性文件 现行有效件数: a deliberate continuity break.
    pub in_force_break: f64,
    /// Last year's (上一年项目数量, 本年增/减) of the five item rows (2019 format).
    pub items_prev: Option<[(f64, f64); 5]>,
    /// Added to 行政许可 上一年项目数量: a deliberate continuity break.
    pub items_break: f64,
    /// The saved page's site, for HTML documents (issue 17's CMS chrome).
    pub site: Option<(&'static str, &'static str)>,
    /// With a site: the body has no title line and no signature (the page's metadata names
    /// the agency, the year and the date).
    pub bare_body: bool,
    /// The gold file's (agency, agency_in_title) when they are not the printed names: the
    /// full name a bracketed note gives (the convention of the shared gold files).
    pub gold_agency: Option<(&'static str, Option<&'static str>)>,
    /// Part 五's text, when not the usual sentence every other report copies.
    pub problems_text: Option<&'static str>,
}

use nianbao_vocab::S2_ITEM_ROWS as ITEM_ROWS;
/// The applicant columns of part 三 without 总计.
const APPLICANTS: &[&str] = nianbao_vocab::S3_APPLICANTS.split_at(6).0;

impl Plan {
    fn new(name: String, agency: &str, year: i32, adcode: Option<&'static str>) -> Plan {
        Plan {
            name,
            agency: agency.to_owned(),
            title_agency: agency.to_owned(),
            year,
            adcode,
            defect: 0,
            scale: 1.0,
            published: None,
            carried_over: None,
            carry_break: 0.0,
            in_force_prev: None,
            in_force_break: 0.0,
            items_prev: None,
            items_break: 0.0,
            site: None,
            bare_body: false,
            gold_agency: None,
            problems_text: None,
        }
    }

    /// Makes part 二's row `row` (its column keys and drawn values) continue last year's.
    pub(crate) fn continue_s2(&self, row: &str, cols: &[&str], vals: &mut [f64]) {
        let at = |k: &str| cols.iter().position(|c| *c == k);
        if let (Some(prev), Some(r)) = (
            self.in_force_prev,
            ["regulation", "normative_document"]
                .iter()
                .position(|x| *x == row),
        ) {
            if let (Some(i), Some(rp), Some(f)) = (at("issued"), at("repealed"), at("in_force")) {
                vals[rp] = vals[rp].min(prev[r] + vals[i]);
                vals[f] = prev[r] + vals[i] - vals[rp];
                if r == 1 {
                    vals[f] += self.in_force_break;
                }
            }
        }
        if let Some(r) = ITEM_ROWS.iter().position(|x| *x == row) {
            if let (Some(p), Some(c)) = (at("prev_year_items"), at("change")) {
                if let Some(prev) = self.items_prev {
                    vals[p] = prev[r].0 + prev[r].1;
                    if r == 0 {
                        vals[p] += self.items_break;
                    }
                }
                // next year's count stays ≥ 0
                vals[c] = vals[c].max(-vals[p]);
            }
        }
    }

    /// Sets 上年结转 per applicant column from last year's 结转下年度.
    pub(crate) fn carry_over(&self, over: &mut [f64]) {
        if let Some(prev) = self.carried_over {
            over[..6].copy_from_slice(&prev);
        }
        over[0] += self.carry_break;
    }

    /// The CMS page around an HTML document, when the plan has a site.
    pub(crate) fn chrome(&self, title_agency: &str, year: i32, published: &str) -> Option<Chrome> {
        let (site, domain) = self.site?;
        let code = format!("{}0001", self.adcode.unwrap_or("000000"));
        let stamp: String = published.chars().filter(char::is_ascii_digit).collect();
        Some(Chrome {
            site_name: site.to_owned(),
            domain: domain.to_owned(),
            site_id_code: code,
            article_title: format!("{title_agency}{year}年政府信息公开工作年度报告"),
            pub_date: format!("{published} 09:30"),
            content_source: self.agency.clone(),
            url: format!(
                "https://{domain}/zwgk/ndbg/{}/t{stamp}_{}.html",
                &stamp[..6],
                self.year
            ),
        })
    }
}

/// One agency of the panel corpus.
#[derive(Debug, Clone, Copy)]
pub struct Agency {
    /// Short id in file names.
    pub id: &'static str,
    /// The name as most reports print it.
    pub name: &'static str,
    /// Its division code (`None`: the name alone is ambiguous on purpose).
    pub adcode: Option<&'static str>,
    /// The `agency_key` the dataset must give it.
    pub key: &'static str,
    /// The years it reports.
    pub years: &'static [i32],
}

/// The agencies of the panel corpus. `G` never reports: it is only on the expected list.
pub const AGENCIES: [Agency; 7] = [
    Agency {
        id: "a",
        name: "石门县教育局",
        adcode: Some("430726"),
        key: "430726:教育局",
        years: &[2019, 2020, 2021, 2022, 2023, 2024, 2025],
    },
    Agency {
        id: "b",
        name: "东川区科学技术局",
        adcode: Some("530113"),
        key: "530113:科技局",
        years: &[2020, 2021, 2023, 2024, 2025],
    },
    Agency {
        id: "c",
        name: "松原市民政局",
        adcode: Some("220700"),
        key: "220700:民政局",
        years: &[2021, 2022, 2023, 2024, 2025],
    },
    Agency {
        id: "d",
        name: "临泽县人民政府办公室",
        adcode: Some("620723"),
        key: "620723:政府办公室",
        years: &[2021, 2022, 2023, 2024],
    },
    Agency {
        id: "e",
        name: "白水县自然资源局",
        adcode: Some("610527"),
        key: "610527:自然资源局",
        years: &[2019, 2020],
    },
    Agency {
        id: "f",
        name: "武汉市青山区教育局",
        adcode: Some("420107"),
        key: "420107:教育局",
        years: &[2022, 2023],
    },
    Agency {
        id: "g",
        name: "明溪县教育局",
        adcode: Some("350421"),
        key: "350421:教育局",
        years: &[],
    },
];

/// The deliberate events of the corpus, as the tests expect them.
pub mod events {
    /// 石门县教育局 2023: 上年结转 自然人 is one more than 2022's 结转下年度.
    pub const CARRY_BREAK: (&str, i32) = ("a", 2023);
    /// 临泽县人民政府办公室 2023: 行政规范性文件 现行有效件数 is 2 more than continuity gives.
    pub const IN_FORCE_BREAK: (&str, i32) = ("d", 2023);
    /// 白水县自然资源局 2020: 行政许可 上一年项目数量 is 3 more than 2019's count plus change.
    pub const ITEMS_BREAK: (&str, i32) = ("e", 2020);
    /// 松原市民政局 2024: part 三's counts are 12 times 2023's.
    pub const JUMP: (&str, i32) = ("c", 2024);
    /// 松原市民政局 2023 is also published as a byte-identical copy.
    pub const COPY: (&str, i32) = ("c", 2023);
    /// 临泽县人民政府办公室 2022 is published twice: a first version, and a corrected one
    /// signed later (different numbers): the later is chosen.
    pub const REPUBLISHED: (&str, i32) = ("d", 2022);
    /// 松原市民政局 2022 (as an HTML page): the body has no title and no signature; the
    /// page's CMS metadata names the agency, the year and the date (issue 17).
    pub const BARE_PAGE: (&str, i32) = ("c", 2022);
    /// 东川区科学技术局 writes a new part 五 every year; every other agency copies the same
    /// sentence year after year (`sections.similarity_prev_year` 1).
    pub const REWRITES_PROSE: &str = "b";
}

/// Part 五 texts of the agency that writes its own every year.
const PROBLEMS: [&str; 4] = [
    "部分栏目更新不够及时，政策解读形式单一；下一步将建立更新台账，丰富图解和视频解读。",
    "依申请公开答复的规范性仍需加强，个别答复说理不充分；我们将完善答复模板并开展案例培训。",
    "基层政务公开标准目录落实不平衡，乡镇站点内容较少；拟组织专项检查并纳入年度考核。",
    "数据开放程度不高，可机读格式文件偏少；计划推动科技项目信息以开放格式发布。",
];

fn num(gold: &Value, key: &str) -> f64 {
    gold["values"][key].as_f64().unwrap_or(0.0)
}

/// The layouts of the panel corpus: every one but `flattened` (whose generator keeps every
/// count a single digit, which would look like a jump in a panel).
pub const LAYOUTS: [&str; 7] = [
    "tabbed",
    "piped",
    "pdf_text",
    "cell_per_line",
    "html",
    "docx",
    "pdf",
];

/// The panel corpus: every agency's years in order, cycling `layouts`; copies and second
/// versions named `…_copy` and `…_v2`.
pub fn corpus(seed: u64, layouts: &[&str]) -> Vec<SynthDoc> {
    let mut out = Vec::new();
    let mut n = 0usize;
    for a in AGENCIES {
        let mut prev: Option<Value> = None;
        for &year in a.years {
            let mut plan = Plan::new(format!("panel_{}_{year}", a.id), a.name, year, a.adcode);
            // name variants across years
            match (a.id, year) {
                ("a", 2019) => plan.agency = "常德市石门县教育局".into(),
                ("a", _) => plan.title_agency = plan.agency.clone(),
                ("b", 2024) => plan.title_agency = "东川区科技局".into(),
                ("c", 2025) => {
                    plan.agency = "吉林省松原市民政局".into();
                    plan.title_agency = plan.agency.clone();
                }
                ("d", 2021) => {
                    plan.agency = "临泽县人民政府办公室（张掖市临泽县人民政府办公室编制）".into();
                    plan.gold_agency =
                        Some(("张掖市临泽县人民政府办公室", Some("临泽县人民政府办公室")));
                }
                _ => {}
            }
            if let Some(p) = &prev {
                plan.carried_over = Some(std::array::from_fn(|i| {
                    num(p, &format!("s3.carried_forward.{}", APPLICANTS[i]))
                }));
                if year > 2021 {
                    plan.in_force_prev = Some([
                        num(p, "s2.regulation.in_force"),
                        num(p, "s2.normative_document.in_force"),
                    ]);
                }
                if year <= 2020 {
                    plan.items_prev = Some(std::array::from_fn(|i| {
                        (
                            num(p, &format!("s2.{}.prev_year_items", ITEM_ROWS[i])),
                            num(p, &format!("s2.{}.change", ITEM_ROWS[i])),
                        )
                    }));
                }
                // a gap: nothing to continue from
                if p["report_year"].as_i64() != Some(i64::from(year - 1)) {
                    plan.carried_over = None;
                    plan.in_force_prev = None;
                    plan.items_prev = None;
                }
            }
            if (a.id, year) == events::CARRY_BREAK {
                plan.carry_break = 1.0;
            }
            if (a.id, year) == events::IN_FORCE_BREAK {
                plan.in_force_break = 2.0;
            }
            if (a.id, year) == events::ITEMS_BREAK {
                plan.items_break = 3.0;
            }
            if (a.id, year) == events::JUMP {
                plan.scale = 12.0;
            }
            plan.site = match a.id {
                "a" => Some(("石门县人民政府", "www.shimen.gov.cn")),
                "c" => Some(("松原市人民政府", "www.jlsy.gov.cn")),
                _ => None,
            };
            plan.bare_body = (a.id, year) == events::BARE_PAGE;
            if a.id == events::REWRITES_PROSE {
                plan.problems_text = Some(PROBLEMS[(year as usize) % PROBLEMS.len()]);
            }
            let layout = if plan.bare_body {
                "html"
            } else {
                layouts[n % layouts.len()]
            };
            let mut doc = crate::one_with(n, seed, false, layout, Some(&plan));
            n += 1;
            if (a.id, year) == events::REPUBLISHED {
                // the first version, signed in January; the corrected one below in March
                let first = doc.clone();
                let mut v2 = plan.clone();
                v2.name = format!("{}_v2", plan.name);
                v2.published = Some((3, 15));
                doc = crate::one_with(n + 1000, seed, false, layout, Some(&v2));
                out.push(first);
            }
            if (a.id, year) == events::COPY {
                let mut copy = doc.clone();
                copy.name = copy
                    .name
                    .replacen(&plan.name, &format!("{}_copy", plan.name), 1);
                copy.gold["document"] = Value::String(copy.name.clone());
                out.push(copy);
            }
            prev = Some(doc.gold.clone());
            out.push(doc);
        }
    }
    out
}

/// The expected-agencies list of the panel corpus (CSV, column `agency`).
pub fn expected_agencies_csv() -> String {
    let mut s = String::from("agency\n");
    for a in AGENCIES {
        s.push_str(a.name);
        s.push('\n');
    }
    s
}

/// Writes the panel corpus into `dir` (gold files into `gold_dir`) and, when `expected` is
/// given, the expected-agencies list there. Returns the number of documents.
pub fn write(
    dir: &std::path::Path,
    gold_dir: Option<&std::path::Path>,
    expected: Option<&std::path::Path>,
    seed: u64,
    layouts: &[&str],
) -> std::io::Result<usize> {
    let layouts = if layouts.is_empty() {
        &LAYOUTS[..]
    } else {
        layouts
    };
    // never replaces a file: clashes are refused before anything is written
    crate::refuse_clashes(dir, "panel_")?;
    if let Some(g) = gold_dir {
        crate::refuse_clashes(g, "panel_")?;
    }
    if let Some(e) = expected.filter(|e| e.exists()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} already exists; synth never replaces a file: remove it or choose another path",
                e.display()
            ),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let docs = corpus(seed, layouts);
    for d in &docs {
        crate::write_new(&dir.join(&d.name), &d.bytes)?;
        if let Some(g) = gold_dir {
            std::fs::create_dir_all(g)?;
            let stem = std::path::Path::new(&d.name).with_extension("json");
            crate::write_new(
                &g.join(stem.file_name().unwrap_or_default()),
                (serde_json::to_string_pretty(&d.gold)? + "\n").as_bytes(),
            )?;
        }
    }
    if let Some(e) = expected {
        crate::write_new(e, expected_agencies_csv().as_bytes())?;
    }
    Ok(docs.len())
}
