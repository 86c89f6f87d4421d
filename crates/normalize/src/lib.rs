//! Document → report: template detection, section finding, template-guided alignment of rows
//! and numbers to canonical cells, metadata and prose; and the Arrow record batches that hand
//! reports to the next stages.
//!
//! **In:** a decoded [`nianbao_extract::Document`] and its [`Source`] (path, hash).
//! **Out:** a [`Report`]: metadata, every canonical cell of the template with a value (or null),
//! its raw text, status and source location, the prose of parts 一 to 六, and the findings of
//! reading (repairs with their evidence, ambiguous rows, missing rows and tables). [`batch`]
//! turns reports into record batches with declared schemas; [`bundle`] reads a web page with
//! the pictures and attachment it is published with (one report, members filling only what
//! the page is missing).
//! **Never:** invents a number. A cell is stated, or repaired/inferred with a finding that
//! shows why, or null with a status saying why. It never panics on any document.
//!
//! ```
//! use nianbao_normalize::{normalize, Source};
//! let text = "某某县统计局 2023 年政府信息公开工作年度报告\n\
//!             二、主动公开政府信息情况\n规章\t1\t0\t5\n\
//!             四、政府信息公开行政复议、行政诉讼情况\n\
//!             1\t0\t0\t1\t2\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\n五、存在的主要问题及改进情况\n无\n";
//! let doc = nianbao_extract::read(text.as_bytes()).unwrap();
//! let report = normalize(&doc, Source::default());
//! assert_eq!(report.report_year, Some(2023));
//! assert_eq!(report.cell("s2.regulation.in_force").unwrap().value, Some(5.0));
//! assert_eq!(report.cell("s4.administrative_review.total").unwrap().value, Some(2.0));
//! ```

pub mod bundle;
pub mod meta;
pub mod readings;
pub mod table;
pub mod tokens;

use nianbao_vocab::rules::name as rule;
use std::collections::HashMap;
use std::sync::OnceLock;

use nianbao_extract::{Document, Layout};
use nianbao_vocab::{Section, Template, Vocabulary, PART_NUMERALS};
use regex::Regex;

/// The encoding name of a UTF-8 text read with a few invalid bytes replaced (re-exported for
/// the stages after this one).
pub use nianbao_extract::UTF8_DAMAGED;
pub use nianbao_model::{batch, indicators, model};
pub use nianbao_model::{Cell, CellStatus, Finding, Prose, Report, ReportStatus, Source};
use table::{Ctx, Region};
use tokens::{Projection, Token};

/// Where a part's heading is.
#[derive(Debug, Clone, Copy)]
struct Heading {
    part: u8,
    /// projection position of the numeral
    start: usize,
    /// projection position after the matched heading words
    end: usize,
}

/// The heading patterns, anchored: each is tried only where its numeral occurs, on a short
/// window (a whole-document search with the bounded negated classes of 四 and 五 falls back to
/// the slow regex engine).
fn heading_patterns() -> &'static [Regex; 6] {
    static P: OnceLock<[Regex; 6]> = OnceLock::new();
    P.get_or_init(|| {
        [
            r"^一(?:总体情况|概述|总体概况|基本情况|概况)",
            r"^二主动公开(?:政府)?信息",
            r"^三收到和(?:处理|答复)(?:政府信息公开)?申请",
            r"^四[^一二三五六]{0,14}?行政.{0,2}?复议",
            r"^五[^一二三四六]{0,10}?(?:存在的?(?:主要)?问题|主要问题)",
            r"^六其他需要报告",
        ]
        .map(|p| Regex::new(p).expect("static regex"))
    })
}

/// Characters a heading pattern can span (the longest, 四 + 14 + 行政复议, is 19).
const HEADING_WINDOW: usize = 32;

/// Most label characters between two headings of a list of the parts (`全文包括：一、总体情况；
/// 二、主动公开政府信息情况；…`): the rest of a heading's words, never a part's content.
const LISTED_GAP: usize = 8;

/// The six part headings, in order. An introduction that lists the parts ("全文包括：一、总体情况；
/// 二、主动公开…") is not where they start: when headings 一, 二 and 三 follow each other with no
/// content between them, the search starts again after that list.
fn find_headings(doc: &Document, proj: &Projection) -> Vec<Heading> {
    let first = find_headings_from(doc, proj, 0);
    let listed = first
        .windows(2)
        .take_while(|w| w[1].part == w[0].part + 1 && w[1].start <= w[0].end + LISTED_GAP)
        .count();
    if listed >= 2 && first[0].part == 1 {
        let again = find_headings_from(doc, proj, first[listed].end);
        if again.len() >= 3 {
            return again;
        }
    }
    first
}

fn find_headings_from(doc: &Document, proj: &Projection, start_at: usize) -> Vec<Heading> {
    let mut out: Vec<Heading> = Vec::new();
    let mut from = start_at; // projection position
    for (i, re) in heading_patterns().iter().enumerate() {
        let numeral = PART_NUMERALS[i].chars().next().expect("numeral");
        let mut found = None;
        for start in (from..proj.chars.len()).filter(|&p| proj.chars[p] == numeral) {
            let window: String = proj.chars[start..proj.chars.len().min(start + HEADING_WINDOW)]
                .iter()
                .collect();
            let Some(m) = re.find(&window) else {
                continue;
            };
            let end = start + window[..m.end()].chars().count();
            // The numeral must be a heading numeral: `二、` or `二.` or `二 `, not `（二）`.
            let off = proj.off[start];
            let before = doc.text[..off].chars().next_back();
            let after = doc.text[off..].chars().nth(1);
            let paren = matches!(before, Some('(' | '（'));
            let sep_ok = matches!(
                after,
                Some('、' | '.' | '．' | ' ' | '\u{3000}' | ',' | '，' | ':' | '：')
            ) || after.is_some_and(tokens::is_label_char);
            if !paren && sep_ok {
                found = Some(Heading {
                    part: i as u8 + 1,
                    start,
                    end,
                });
                break;
            }
        }
        if let Some(h) = found {
            from = h.end;
            out.push(h);
        } else if i == 3 {
            // Part 四's heading garbled or missing: its table's own header words find it
            // (行政复议 … 结果维持 after part 三).
            if let Some(h) = table_four_by_header(proj, from) {
                from = h.end;
                out.push(h);
            }
        }
    }
    out
}

/// Part 四 found by its header: `行政复议` followed within a few words by `结果维持`.
fn table_four_by_header(proj: &Projection, from: usize) -> Option<Heading> {
    let review = proj.find("行政复议", from, proj.chars.len())?;
    let upheld = proj.find("结果维持", review, proj.chars.len())?;
    (upheld - review <= 16).then_some(Heading {
        part: 4,
        start: review,
        end: review,
    })
}

fn detect_template(proj: &Projection, year: Option<i32>) -> Template {
    let s: String = proj.chars.iter().collect();
    let count = |ms: &[&str]| ms.iter().filter(|m| s.contains(*m)).count();
    let y19 = count(&[
        "新制作",
        "新公开",
        "对外公开总",
        "上一年项目",
        "本年增",
        "集中采购",
        "对外管理服务",
    ]);
    let y21 = count(&[
        "制发件",
        "废止件",
        "有效件数",
        "收费金额",
        "逾期不补正",
        "缴纳费用",
    ]);
    if y19 > y21 {
        Template::Y2019
    } else if y21 > y19 {
        Template::Y2021
    } else {
        year.map_or(Template::Y2021, Template::for_year)
    }
}

/// Reads one decoded document into a report: metadata (who, where, when), the prose
/// sections, then the tables.
pub fn normalize(doc: &Document, source: Source) -> Report {
    let (mut report, headed) = read_with(doc, source, &Hint::default());
    if !headed && report.cells.iter().all(|c| c.value.is_none()) {
        not_a_report(&mut report);
    }
    report
}

/// What a page says around a fragment of its report read from another file (a picture of a
/// table): the part it stands in, and the page's table format and year. See [`bundle`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hint {
    /// The part whose heading precedes the fragment on the page: the fragment's text before
    /// its own first heading belongs to it.
    pub part: Option<u8>,
    /// The table format to read the fragment's rows in (the page's).
    pub template: Option<Template>,
    /// The page's report year, when the fragment names none.
    pub year: Option<i32>,
}

/// [`normalize`] with a hint, without the not-a-report verdict; also says whether any part
/// heading was found (or given by the hint).
pub(crate) fn read_with(doc: &Document, source: Source, hint: &Hint) -> (Report, bool) {
    let mut report = Report::empty(source, doc.format);
    report.encoding = Some(doc.encoding);
    report.layout = Some(doc.layout);
    let tokens: Vec<Token> = tokens::tokenize(doc);
    let proj = Projection::new(doc, &tokens);
    let mut headings = find_headings(doc, &proj);
    if let Some(p) = hint.part.filter(|p| (1..=6).contains(p)) {
        // the fragment's text before its own first heading is the hinted part's
        if headings.first().is_none_or(|h| h.part > p) {
            headings.insert(
                0,
                Heading {
                    part: p,
                    start: 0,
                    end: 0,
                },
            );
        }
    }
    read_meta(&mut report, doc, &proj, &headings);
    if report.report_year.is_none() {
        report.report_year = hint.year;
    }
    read_sections(&mut report, doc, &proj, &headings);
    read_tables_into(
        &mut report,
        doc,
        &tokens,
        &proj,
        &headings,
        hint.template,
        None,
    );
    if let Some(ocr) = &doc.ocr {
        report.layout = Some(nianbao_model::Layout::Ocr);
        ocr_trust(&mut report, ocr);
    }
    (report, !headings.is_empty())
}

/// For each of the page's [`Document::embeds`], the part whose heading precedes it (`None`
/// before the first heading), and the parts whose headings the page has.
pub fn embed_parts(doc: &Document) -> (Vec<Option<u8>>, Vec<u8>) {
    if doc.embeds.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let tokens: Vec<Token> = tokens::tokenize(doc);
    let proj = Projection::new(doc, &tokens);
    let headings = find_headings(doc, &proj);
    let lines: Vec<(u32, u8)> = headings
        .iter()
        .map(|h| (doc.line_of(proj.off[h.start]), h.part))
        .collect();
    let parts = doc
        .embeds
        .iter()
        .map(|e| {
            lines
                .iter()
                .take_while(|(l, _)| *l <= e.after_line)
                .last()
                .map(|(_, p)| *p)
        })
        .collect();
    (parts, headings.iter().map(|h| h.part).collect())
}

/// Marks a document with nothing of a report (no part heading, no table value: a list page,
/// an error page, a note) as not a report: one `not_a_report` finding instead of the missing
/// parts, tables and metadata, and no cells. Its metadata stays, for the analyst to see what
/// it was; the corpus checks leave it out (issue 29.7).
fn not_a_report(report: &mut Report) {
    const NOISE: [&str; 7] = [
        rule::MISSING_SECTION,
        rule::MISSING_TABLE,
        rule::MISSING_AGENCY,
        rule::MISSING_REPORT_YEAR,
        rule::MISSING_PUBLISHED_ON,
        rule::NO_TITLE,
        rule::REGION_UNKNOWN,
    ];
    report.findings.retain(|f| !NOISE.contains(&f.rule));
    report.cells.clear();
    report.findings.push(Finding::new(
        rule::NOT_A_REPORT,
        "nothing of an annual report was found: none of the six parts' headings \
         (一、总体情况 … 六、其他需要报告的事项) and no table value. A list page, an error page or \
         another document? It is listed here and never counted as a report",
    ));
}

/// The report's metadata: agency, year and region ([`read_identity`]), dates
/// ([`read_dates`]), and what the page says about itself ([`page_notes`]).
fn read_meta(report: &mut Report, doc: &Document, proj: &Projection, headings: &[Heading]) {
    let first_heading_off = headings
        .first()
        .map_or(doc.text.len(), |h| proj.off[h.start]);
    let title = read_identity(report, doc, proj, headings, first_heading_off);
    let part_six = headings
        .iter()
        .find(|h| h.part == 6)
        .map(|h| proj.off[h.start]);
    read_dates(report, doc, title.as_deref(), part_six);
    page_notes(report, doc, first_heading_off);
}

/// The title (the body's, else the page's), and from it or the first paragraph the agency
/// and the year; the page's metadata when the text names no agency; the region. Returns the
/// title.
fn read_identity(
    report: &mut Report,
    doc: &Document,
    proj: &Projection,
    headings: &[Heading],
    first_heading_off: usize,
) -> Option<String> {
    let head_lines: Vec<&str> = doc.text[..first_heading_off].lines().collect();
    let page = &doc.page;
    report.source_url = page.url.clone();
    report.site_name = page.site_name.clone();
    report.site_id_code = page.site_id_code.clone();
    report.content_source = page.content_source.clone();
    let mut body_title = meta::find_title(&head_lines)
        .or_else(|| meta::find_title(&doc.text.lines().take(12).collect::<Vec<_>>()));
    // A saved page whose first title-like line is another report's (a 相关阅读 sidebar before
    // the article, issue 28.10): the CMS's ArticleTitle names the article itself; when the two
    // give different years, the article's title is the report's.
    let article = page
        .article_title
        .as_deref()
        .and_then(|t| meta::find_title(&[t]));
    if let (Some(b), Some(a)) = (&body_title, &article) {
        let year = |t: &str| meta::first_year(t).map(|(y, _)| y);
        if year(b) != year(a) && year(a).is_some() {
            report.findings.push(Finding::new(
                rule::PAGE_METADATA,
                format!(
                    "the first title line ({b}) is not the page's article title ({a}); agency and year come from the article title"
                ),
            ));
            body_title = article.clone();
        }
    }
    // A saved article page whose body has no title line: the page's own title (the CMS's
    // ArticleTitle, then <title>) names the report.
    let page_title = body_title.is_none().then(|| {
        [&page.article_title, &page.title]
            .into_iter()
            .flatten()
            .find_map(|t| meta::find_title(&[t.as_str()]))
    });
    let page_title = page_title.flatten();
    if let Some(t) = &page_title {
        report.findings.push(Finding::new(
            rule::PAGE_METADATA,
            format!(
                "the report has no title line; agency and year come from the page's title: {t}"
            ),
        ));
    }
    let title = body_title.or(page_title);
    let body_start = headings
        .iter()
        .find(|h| h.part == 1)
        .map_or(0, |h| proj.off[h.start]);
    let body = &doc.text[body_start..];
    match &title {
        Some(t) => {
            report.report_year = meta::first_year(t).map(|(y, _)| y);
            if let Some(a) = meta::agency_from_title(t) {
                let full = meta::expand_agency(&a, &doc.text)
                    .or_else(|| meta::prefix_region(&a, &doc.text));
                match full {
                    Some(full) => {
                        report.agency = Some(full);
                        report.agency_in_title = Some(a);
                    }
                    None => report.agency = Some(a),
                }
            }
        }
        None => {
            let first_para = body
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .find(|l| {
                    let words: String = l.chars().filter(|c| tokens::is_label_char(*c)).collect();
                    let is_heading = words
                        .char_indices()
                        .any(|(b, _)| heading_patterns()[0].is_match(&words[b..]));
                    !is_heading || l.chars().count() > 20
                })
                .unwrap_or("");
            report.agency = meta::agency_from_paragraph(first_para);
            report.report_year = meta::first_year(first_para).map(|(y, _)| y);
            report.findings.push(Finding::new(
                rule::NO_TITLE,
                "the report has no title line: agency and year come from the first paragraph",
            ));
        }
    }
    if report.report_year.is_none() {
        report.report_year = meta::year_from_period(&doc.text);
    }
    if report.report_year.is_none() {
        report.findings.push(Finding::new(
            rule::MISSING_REPORT_YEAR,
            "no report year in the title, the 统计期限 sentence or the first paragraph",
        ));
    }
    if report.agency.is_none() {
        // the page's stated source office, when it is a name; never the site's name: a
        // county portal (SiteName 叶城县人民政府) hosts its departments' reports too (issue 28.6)
        if let Some(a) = page
            .content_source
            .as_ref()
            .filter(|a| meta::is_agency_name(a))
        {
            report.findings.push(Finding::new(
                rule::PAGE_METADATA,
                format!("no agency in the report's text; the page's metadata names {a}"),
            ));
            report.agency = Some(a.clone());
        }
    }
    if report.agency.is_none() {
        report.findings.push(Finding::new(
            rule::MISSING_AGENCY,
            "no agency name in the title or the first paragraph",
        ));
    }
    report.scope = report
        .agency
        .as_deref()
        .map(|a| meta::scope_of(a, title.as_deref()));
    region_of(report, title.as_deref(), page, body);
    title
}

/// The signing or publication date (the page's PubDate when the text has none), and the
/// checks of the dates against the reporting year.
fn read_dates(report: &mut Report, doc: &Document, title: Option<&str>, part_six: Option<usize>) {
    let page = &doc.page;
    let signed = part_six.and_then(|at| meta::signing_date_after(&doc.text[at..]));
    report.published_on = signed
        .or_else(|| meta::published_on(&doc.text))
        .or_else(|| {
            let d = meta::page_date(page.pub_date.as_deref()?)?;
            report.findings.push(Finding::new(
                rule::PAGE_METADATA,
                format!("no signing date in the report; published_on is the page's PubDate {d}"),
            ));
            Some(d)
        });
    match (&report.published_on, report.report_year) {
        (None, _) => report.findings.push(Finding::new(
            rule::MISSING_PUBLISHED_ON,
            "no signing or publication date at the end of the report; published_on is null",
        )),
        (Some(d), Some(y)) if d.as_str() <= format!("{y:04}-12-30").as_str() => {
            report.findings.push(Finding::new(
                rule::PUBLISHED_ON_IMPLAUSIBLE,
                format!("the report for {y} is dated {d}, before the end of its reporting year"),
            ));
        }
        _ => {}
    }
    if let (Some(y), Some(p)) = (
        title.and_then(|t| meta::first_year(t).map(|(y, _)| y)),
        meta::year_from_period(&doc.text),
    ) {
        if y != p {
            report.findings.push(Finding::new(
                rule::YEAR_CONFLICT,
                format!(
                    "the title says {y} but the 统计期限 sentence says {p}; report_year is the title's {y}"
                ),
            ));
        }
    }
}

/// What the page says about itself: web boilerplate around the report, damaged decoding, a
/// flattened table.
fn page_notes(report: &mut Report, doc: &Document, first_heading_off: usize) {
    let head_text = &doc.text[..first_heading_off];
    let mut cut = doc.text.len().saturating_sub(600);
    while !doc.text.is_char_boundary(cut) {
        cut -= 1;
    }
    let tail_text = &doc.text[cut..];
    let markers: Vec<&str> = meta::boilerplate_markers(head_text)
        .into_iter()
        .chain(meta::boilerplate_markers(tail_text))
        .collect();
    if markers.len() >= 2 {
        report.findings.push(Finding::new(
            rule::PAGE_BOILERPLATE,
            format!(
                "the page text carries web boilerplate around the report ({})",
                markers.join(", ")
            ),
        ));
    }
    if doc.encoding == nianbao_extract::UTF8_DAMAGED {
        let n = doc.text.chars().filter(|&c| c == '\u{fffd}').count();
        report.findings.push(Finding::new(
            rule::DECODING_DAMAGED,
            format!("the document is UTF-8 with {n} invalid byte sequence(s), replaced by U+FFFD"),
        ));
    }
    if doc.layout == Layout::Flattened {
        report.findings.push(Finding::new(
            rule::FLATTENED_TABLE,
            "the tables are flattened: cell values run together with no separators",
        ));
    }
}

/// The parts 一 to 六 as text, and a finding for each part not found.
fn read_sections(report: &mut Report, doc: &Document, proj: &Projection, headings: &[Heading]) {
    for p in 1..=6u8 {
        if !headings.iter().any(|h| h.part == p) {
            report.findings.push(Finding::new(
                rule::MISSING_SECTION,
                format!(
                    "part {}（{}）was not found",
                    PART_NUMERALS[p as usize - 1],
                    nianbao_vocab::PART_TITLES[p as usize - 1]
                ),
            ));
        }
    }
    for (i, h) in headings.iter().enumerate() {
        let start = proj.off[h.start];
        let next = headings
            .get(i + 1)
            .map_or(doc.text.len(), |n| proj.off[n.start]);
        let title_end = title_end(&doc.text, start, next);
        report.sections.push(Prose {
            part: h.part,
            title: doc.text[start..title_end].trim().to_owned(),
            text: doc.text[title_end..next].trim().to_owned(),
        });
    }
}

/// The template, each table's region, then the tables' cells and findings (or, given
/// `candidates`, only every row's readings).
fn read_tables_into(
    report: &mut Report,
    doc: &Document,
    tokens: &[Token],
    proj: &Projection,
    headings: &[Heading],
    template: Option<Template>,
    candidates: Option<&mut Vec<table::RowCandidates>>,
) {
    let s2_from = headings.iter().find(|h| h.part == 2).map_or(0, |h| h.end);
    let template = template.unwrap_or_else(|| {
        detect_template(
            &Projection {
                chars: proj.chars[s2_from.min(proj.chars.len())..].to_vec(),
                ..Default::default()
            },
            report.report_year,
        )
    });
    report.template = Some(template);
    let mut regions: HashMap<Section, Option<Region>> = HashMap::new();
    for s in Section::ALL {
        let part = s.part();
        let region = headings.iter().position(|h| h.part == part).map(|i| {
            let h = headings[i];
            let next = headings.get(i + 1).map_or(proj.chars.len(), |n| n.start);
            let t_from = proj.tok[h
                .end
                .saturating_sub(1)
                .min(proj.tok.len().saturating_sub(1))]
                + 1;
            let t_to = proj.tok_at(next, tokens.len());
            Region {
                p_from: h.end,
                p_to: next,
                t_from: t_from.min(t_to),
                t_to,
            }
        });
        regions.insert(s, region);
    }
    let ctx = Ctx {
        doc,
        tokens,
        proj,
        template,
    };
    match candidates {
        Some(out) => *out = table::row_candidates(&ctx, &regions),
        None => {
            let tables = table::read_tables(&ctx, &regions);
            report.cells = tables.cells;
            report.findings.extend(tables.findings);
        }
    }
}

/// The readings the table reader enumerates for every row it finds, before it chooses among
/// them (see [`table::RowCandidates`]). For the differential test's candidate-completeness
/// property: it runs the same steps as [`normalize`] up to the choice.
pub fn row_candidates(doc: &Document) -> Vec<table::RowCandidates> {
    let mut report = Report::empty(Source::default(), doc.format);
    let tokens: Vec<Token> = tokens::tokenize(doc);
    let proj = Projection::new(doc, &tokens);
    let headings = find_headings(doc, &proj);
    read_meta(&mut report, doc, &proj, &headings);
    let mut out = Vec::new();
    read_tables_into(
        &mut report,
        doc,
        &tokens,
        &proj,
        &headings,
        None,
        Some(&mut out),
    );
    out
}

/// A report read by OCR: says so, and makes every cell whose number the recogniser was unsure
/// of null (`ambiguous`) unless the identities confirm it (see [`ocr_check`]).
fn ocr_trust(report: &mut Report, ocr: &nianbao_extract::OcrLayer) {
    let distrusted = ocr.boxes.iter().filter(|b| b.distrusted).count();
    report.findings.push(Finding::new(
        rule::OCR_READ,
        format!(
            "read by OCR ({}): {} page(s), {} text boxes; {distrusted} number(s) recognised with a confidence below {} were not trusted",
            ocr.engine,
            ocr.pages,
            ocr.boxes.len(),
            ocr.min_confidence
        ),
    ));
    let box_of = |source: &str| -> Option<&nianbao_extract::OcrBox> {
        let rest = source.strip_prefix("page ")?;
        let (p, rect) = rest.split_once(" box ")?;
        let rect = rect.split(' ').next()?;
        let p: u32 = p.parse().ok()?;
        let r: Vec<u32> = rect.split(',').filter_map(|x| x.parse().ok()).collect();
        ocr.boxes
            .iter()
            .find(|b| b.page == p && r.len() == 4 && b.rect == (r[0], r[1], r[2], r[3]))
    };
    // cells read from unsure boxes, with what was recognised
    let mut unsure: Vec<(usize, f64, String)> = Vec::new();
    for (i, c) in report.cells.iter_mut().enumerate() {
        let Some(b) = c.source.as_deref().and_then(box_of) else {
            continue;
        };
        if !b.distrusted || c.value.is_none() {
            continue;
        }
        let what = format!(
            "OCR read {:?} with confidence {:.2} (below {})",
            b.text, b.conf, ocr.min_confidence
        );
        unsure.push((i, c.value.unwrap_or_default(), what));
        c.value = None;
        c.status = CellStatus::Ambiguous;
    }
    let confirmed = ocr_check(report, &unsure);
    for (i, read, what) in unsure {
        let c = &report.cells[i];
        let f = if confirmed.contains(&i) {
            Finding::new(
                rule::OCR_LOW_CONFIDENCE,
                format!("{what}; the identities that reach it hold with it: kept"),
            )
        } else {
            Finding::new(
                rule::OCR_LOW_CONFIDENCE,
                format!(
                    "{what}; no identity confirms {}: null",
                    nianbao_vocab::fmt_number(read)
                ),
            )
        };
        report.findings.push(f.at_key(c.key).at(c.source.clone()));
    }
}

/// The identities as a checksum on what OCR read. Every identity whose cells all have a value
/// (trusted, or an unsure number: index, what was read) is evaluated. One that does not hold
/// gives an `ocr_identity_failed` finding (a digit may be misread, or the document itself is
/// wrong; from an image the two cannot be told apart) and makes all its cells null
/// (`ambiguous`) — even those another identity holds with: OCR confuses the same glyphs
/// everywhere (99 read as 66 in two rows keeps 一 + 二 = 三 + 四 true). An unsure number is kept
/// (status `stated`; returned) only when an identity that reaches it holds and none fails.
fn ocr_check(report: &mut Report, unsure: &[(usize, f64, String)]) -> Vec<usize> {
    let Some(t) = report.template else {
        return Vec::new();
    };
    let v = Vocabulary::get();
    let read: HashMap<&'static str, f64> = unsure
        .iter()
        .map(|(i, x, _)| (report.cells[*i].key, *x))
        .collect();
    let value = |k: &str| {
        report
            .cell(k)
            .and_then(|c| c.value)
            .or_else(|| read.get(k).copied())
    };
    let mut bad: Vec<&'static str> = Vec::new();
    let mut good: Vec<&'static str> = Vec::new();
    let mut found = Vec::new();
    // the identities of the rows the report gives for （六）其他处理 (a 2019-format table has
    // the single row: its results sum includes it)
    let other = nianbao_vocab::OtherRows::of_cells(t, |k| {
        report
            .cell(k)
            .is_some_and(|c| c.status != CellStatus::Missing)
    });
    for id in v.identities(t, other) {
        let sum = |keys: &[&'static str]| keys.iter().map(|k| value(k)).sum::<Option<f64>>();
        let (Some(l), Some(r)) = (sum(&id.lhs), sum(&id.rhs)) else {
            continue;
        };
        let cells = id.lhs.iter().chain(&id.rhs);
        if (l - r).abs() < 1e-6 {
            good.extend(cells);
            continue;
        }
        bad.extend(cells);
        found.push(
            Finding::new(
                rule::OCR_IDENTITY_FAILED,
                format!(
                    "{} = {} does not hold ({} ≠ {}) in what OCR read: its cells are null",
                    id.lhs.join(" + "),
                    id.rhs.join(" + "),
                    nianbao_vocab::fmt_number(l),
                    nianbao_vocab::fmt_number(r)
                ),
            )
            .numbers(Some(r), Some(l)),
        );
    }
    for c in &mut report.cells {
        if c.value.is_some() && bad.contains(&c.key) {
            c.value = None;
            c.status = CellStatus::Ambiguous;
        }
    }
    let mut kept = Vec::new();
    for (i, x, _) in unsure {
        let c = &mut report.cells[*i];
        if good.contains(&c.key) && !bad.contains(&c.key) {
            c.value = Some(*x);
            c.status = CellStatus::Stated;
            kept.push(*i);
        }
    }
    report.findings.extend(found);
    kept
}

/// Sets the report's region from its agency, title, page metadata and body, with a finding for
/// what was uncertain (see `nianbao_regions`).
fn region_of(
    report: &mut Report,
    title: Option<&str>,
    page: &nianbao_extract::PageMeta,
    body: &str,
) {
    use nianbao_regions::Note;
    let names: Vec<&str> = [
        report.agency.as_deref(),
        report.agency_in_title.as_deref(),
        title,
        page.content_source.as_deref(),
        page.site_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let found = nianbao_regions::resolve(&nianbao_regions::Evidence {
        names: &names,
        site_id_code: page.site_id_code.as_deref(),
        url: page.url.as_deref(),
        body,
    });
    report.region = found.region;
    for note in found.notes {
        let f = match note {
            Note::Ambiguous { name, candidates } => Finding::new(
                rule::REGION_AMBIGUOUS,
                format!(
                    "{name} may be {}: not guessed, that level of the region is null",
                    candidates.join(", ")
                ),
            ),
            Note::FromPage { what, region } => Finding::new(
                rule::REGION_EVIDENCE,
                format!("no division in the agency or title; the page's {what} names {region}"),
            ),
            Note::Mapped { name, now, why } => Finding::new(
                rule::REGION_EVIDENCE,
                format!("{name} is taken as today's {now}: {why}"),
            ),
            Note::PageDisagrees { code, names } => Finding::new(
                rule::REGION_EVIDENCE,
                format!(
                    "the page's website identification code {code} names {names}; the region follows the agency's name"
                ),
            ),
            Note::Unknown => Finding::new(
                rule::REGION_UNKNOWN,
                "no division is named in the agency, the title or the page's metadata",
            ),
        };
        report.findings.push(f);
    }
}

fn title_end(text: &str, start: usize, limit: usize) -> usize {
    let mut end = start;
    let mut n = 0;
    for (b, c) in text[start..limit].char_indices() {
        if c == '\n'
            || c == '\r'
            || c == '\t'
            || c == '|'
            || (n > 2 && (c.is_whitespace() || c.is_ascii_digit() || c == '（' || c == '('))
            || n >= 40
        {
            break;
        }
        end = start + b + c.len_utf8();
        n += 1;
        let so_far = &text[start..end];
        if n > 4 && (so_far.ends_with("情况") || so_far.ends_with("事项")) {
            break;
        }
    }
    end
}

/// The canonical cells a report of a template has, for callers that need the full grid.
pub fn template_keys(t: Template) -> Vec<String> {
    let v = Vocabulary::get();
    Section::ALL
        .iter()
        .flat_map(|&s| v.rows(t, s))
        .flat_map(|r| {
            v.columns_for(t, r)
                .into_iter()
                .map(move |c| nianbao_vocab::cell_key(r.section, r.key, c.key))
        })
        .collect()
}

#[cfg(test)]
mod ocr_tests {
    use super::*;

    /// The OCR checksum uses the identities of the rows the table gives: a 2019-format table
    /// has （六）其他处理 as one row, and its results sum includes it. (It used the identities of
    /// a table with both the row and the three 2021 items, which left the row out of a 2019
    /// table's sum: every column with something under 其他处理 failed and was nulled.)
    #[test]
    fn the_ocr_checksum_counts_the_2019_other_row() {
        let docs = nianbao_synth::generate_layouts(200, 20261207, false, &["tabbed"]);
        let mut checked = 0;
        for d in docs {
            let doc = nianbao_extract::read(&d.bytes).unwrap();
            let mut r = normalize(&doc, Source::default());
            if r.template != Some(Template::Y2019) {
                continue;
            }
            let other = r.cell("s3.other_processing.total").and_then(|c| c.value);
            if other.unwrap_or(0.0) == 0.0 {
                continue;
            }
            let before: Vec<Option<f64>> = r.cells.iter().map(|c| c.value).collect();
            ocr_check(&mut r, &[]);
            let failed: Vec<&Finding> = r
                .findings
                .iter()
                .filter(|f| f.rule == rule::OCR_IDENTITY_FAILED)
                .collect();
            assert!(failed.is_empty(), "{failed:#?}");
            let after: Vec<Option<f64>> = r.cells.iter().map(|c| c.value).collect();
            assert_eq!(before, after);
            checked += 1;
        }
        assert!(checked >= 3, "only {checked} 2019 reports with 其他处理");
    }
}
