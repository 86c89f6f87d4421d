//! A web page read with its members: the pictures its tables are pasted as, or the attachment
//! it wraps (issue 30.1, 30.2).
//!
//! A page gives agency, year, dates and prose; a picture under the page's part heading gives
//! that part's table (read by OCR, each number's source naming the picture and its box); an
//! attachment of a page that has no report text of its own gives the whole report. Each member
//! is normalized on its own (its format's reading, unchanged), with a [`Hint`] of the part it
//! stands in and the page's table format; its cells fill the page's **missing** cells only, so
//! a number the page states is never replaced. What is still missing after every member is
//! still `missing`, with the page's findings; a member that could not be read says why.
//!
//! [`plan_members`] decides which of a page's [`Document::embeds`] are its members; the
//! pipeline resolves them to input files and reads them, and [`normalize_bundle`] merges.

use std::collections::HashMap;

use nianbao_extract::{Document, EmbedKind};
use nianbao_vocab::rules::name as rule;
use nianbao_vocab::PART_NUMERALS;

use crate::{not_a_report, read_with, CellStatus, Finding, Hint, Report, Source};

/// What a member is to its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A picture under the page's heading of part N: read as that part's table.
    InPart(u8),
    /// A picture of a page without part headings (a report published as pictures): read,
    /// each continuing the part the picture before it ended in.
    Picture,
    /// The attachment of a page without report text: read as the whole report.
    Attachment,
    /// A picture before the report's first part (a banner, an emblem): part of the page, not
    /// read.
    BeforeReport,
    /// A picture in a part of prose (一, 五, 六: a chart, a seal) of a page whose tables are
    /// all under their own headings: not read.
    InProse(u8),
    /// A picture of a page whose report is read from its attachment: not read.
    BesideAttachment,
    /// The attachment of a page that has report text of its own, offered as the report
    /// (附件：…年度报告.xls, the tables the page's prose leaves out, or the same report as a
    /// PDF): read; its cells fill what the page lacks and are compared with what it states.
    Supplement,
}

impl Role {
    /// Whether the member is read.
    pub fn read(self) -> bool {
        matches!(
            self,
            Role::InPart(_) | Role::Picture | Role::Attachment | Role::Supplement
        )
    }

    /// Why the member is not a report of its own: the `reason` of its `reports` row.
    pub fn reason(self, page: &str) -> String {
        match self {
            Role::InPart(p) => format!(
                "a picture in part {} of the page {page}: read as part of that page's report",
                PART_NUMERALS[usize::from(p.clamp(1, 6)) - 1]
            ),
            Role::Picture => {
                format!("a picture of the page {page}: read as part of that page's report")
            }
            Role::Attachment => format!(
                "the attachment of the page {page}: read as that page's report (agency, year and dates from the page)"
            ),
            Role::BeforeReport => format!(
                "a picture of the page {page} before the report's first part (a banner or an emblem): not read"
            ),
            Role::InProse(p) => format!(
                "a picture in part {} of the page {page}, a part without a table (a chart or a seal): not read",
                PART_NUMERALS[usize::from(p.clamp(1, 6)) - 1]
            ),
            Role::BesideAttachment => format!(
                "a picture of the page {page}, whose report is read from its attachment: not read"
            ),
            Role::Supplement => format!(
                "the attachment of the page {page}, which has report text of its own: read as part of that page's report (it fills what the page lacks and is compared with what the page states)"
            ),
        }
    }

    /// The role as a short code (`part 3`, `picture`, `attachment`, `before report`,
    /// `prose 5`, `beside attachment`, `supplement`): how the Python package hands a page's
    /// plan to the tasks that read it ([`Role::from_code`] reads it back).
    pub fn code(self) -> String {
        match self {
            Role::InPart(p) => format!("part {p}"),
            Role::Picture => "picture".to_owned(),
            Role::Attachment => "attachment".to_owned(),
            Role::BeforeReport => "before report".to_owned(),
            Role::InProse(p) => format!("prose {p}"),
            Role::BesideAttachment => "beside attachment".to_owned(),
            Role::Supplement => "supplement".to_owned(),
        }
    }

    /// The role a [`Role::code`] names; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Role> {
        let part = |n: &str| n.trim().parse::<u8>().ok().filter(|p| (1..=6).contains(p));
        match code.trim() {
            "picture" => Some(Role::Picture),
            "attachment" => Some(Role::Attachment),
            "before report" => Some(Role::BeforeReport),
            "beside attachment" => Some(Role::BesideAttachment),
            "supplement" => Some(Role::Supplement),
            c => {
                if let Some(n) = c.strip_prefix("part ") {
                    part(n).map(Role::InPart)
                } else {
                    part(c.strip_prefix("prose ")?).map(Role::InProse)
                }
            }
        }
    }

    /// How a cell's or finding's source names the member.
    fn word(self) -> &'static str {
        match self {
            Role::Attachment | Role::Supplement => "attachment",
            _ => "picture",
        }
    }
}

/// One member of a page: which embed, and its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    /// Index into the page's [`Document::embeds`].
    pub embed: usize,
    /// What it is to the page.
    pub role: Role,
}

/// The members of a page, given which of its embeds name a file of the input (`resolved`,
/// one per embed; a target named twice counts at its first place only):
/// - a page with part headings: every picture after the first heading is read as the table of
///   the part it stands in; pictures before it, and pictures in a part of prose (一, 五, 六)
///   when the page has the headings of 二, 三 and 四, are members not read; the first link
///   that offers the report ([`offers_report`]: its words name a report or its tables, and a
///   year they name is the page's) is a [`Role::Supplement`]; other links are not members (an
///   application form, last year's report: a document of its own);
/// - a page without part headings: the first attachment is read as the whole report, and its
///   pictures are members not read; without an attachment, every picture is read in order.
pub fn plan_members(doc: &Document, resolved: &[bool]) -> Vec<Planned> {
    let (parts, found) = crate::embed_parts(doc);
    let ok = |i: usize| resolved.get(i).copied().unwrap_or(false);
    let embeds = &doc.embeds;
    let pictures = (0..embeds.len()).filter(|&i| embeds[i].kind == EmbedKind::Picture && ok(i));
    if !found.is_empty() {
        let tables_headed = [2, 3, 4].iter().all(|p| found.contains(p));
        let supplement = (0..embeds.len())
            .find(|&i| embeds[i].kind == EmbedKind::Link && ok(i) && offers_report(doc, i));
        return pictures
            .map(|i| Planned {
                embed: i,
                role: match parts[i] {
                    None => Role::BeforeReport,
                    Some(p) if tables_headed && !(2..=4).contains(&p) => Role::InProse(p),
                    Some(p) => Role::InPart(p),
                },
            })
            .chain(supplement.map(|i| Planned {
                embed: i,
                role: Role::Supplement,
            }))
            .collect();
    }
    let attachment = (0..embeds.len()).find(|&i| embeds[i].kind == EmbedKind::Link && ok(i));
    match attachment {
        Some(a) => std::iter::once(Planned {
            embed: a,
            role: Role::Attachment,
        })
        .chain(pictures.map(|i| Planned {
            embed: i,
            role: Role::BesideAttachment,
        }))
        .collect(),
        None => pictures
            .map(|i| Planned {
                embed: i,
                role: Role::Picture,
            })
            .collect(),
    }
}

/// Whether the link `embed` of a page with report text of its own offers that report: its
/// words (or file name) name a report or its tables (`…年度报告.pdf`, `年报`, `统计表`), and
/// a year they name is one the page's title names (`附件：2021年度报告.pdf` on the page of
/// 2022's report is last year's report, a document of its own). An application form or a
/// guide is not the report.
pub fn offers_report(doc: &Document, embed: usize) -> bool {
    let Some(e) = doc.embeds.get(embed) else {
        return false;
    };
    let words = std::iter::once(e.text.as_str())
        .chain(e.targets.iter().map(|t| t.rsplit('/').next().unwrap_or(t)))
        .collect::<Vec<_>>()
        .join(" ");
    if !["报告", "年报", "统计表"].iter().any(|w| words.contains(w)) {
        return false;
    }
    let named = crate::meta::all_years(&words);
    if named.is_empty() {
        return true;
    }
    // the page's title: its metadata's, else its lines before the link that name a report
    let meta: Vec<&str> = [&doc.page.article_title, &doc.page.title]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let titles: Vec<i32> = if meta.is_empty() {
        doc.lines
            .iter()
            .take_while(|l| l.number <= e.after_line)
            .map(|l| &doc.text[l.span.start..l.span.end])
            .filter(|t| t.contains("年度报告") || t.contains("年报"))
            .flat_map(crate::meta::all_years)
            .collect()
    } else {
        meta.into_iter().flat_map(crate::meta::all_years).collect()
    };
    titles.is_empty() || named.iter().any(|y| titles.contains(y))
}

/// A member as read by the pipeline.
pub struct Member<'a> {
    /// Its role ([`plan_members`]).
    pub role: Role,
    /// Its path, as the `document` column names it.
    pub name: &'a str,
    /// Its document, or why it could not be read.
    pub doc: Result<&'a Document, String>,
}

/// Findings about the report as a whole (its metadata, its parts being there): a member's are
/// not the page's, which has its own.
const PAGE_RULES: [&str; 15] = [
    rule::MISSING_SECTION,
    rule::MISSING_TABLE,
    rule::MISSING_ROW,
    rule::MISSING_PUBLISHED_ON,
    rule::PUBLISHED_ON_IMPLAUSIBLE,
    rule::YEAR_CONFLICT,
    rule::PAGE_METADATA,
    rule::MISSING_REPORT_YEAR,
    rule::MISSING_AGENCY,
    rule::REGION_AMBIGUOUS,
    rule::REGION_EVIDENCE,
    rule::REGION_UNKNOWN,
    rule::NO_TITLE,
    rule::PAGE_BOILERPLATE,
    rule::NOT_A_REPORT,
];

/// The page's report with its members merged (see the module doc). `source` is the page's,
/// with the digest of the page and its members.
pub fn normalize_bundle(page: &Document, source: Source, members: &[Member<'_>]) -> Report {
    let (mut report, headed) = read_with(page, source.clone(), &Hint::default());
    let own_cells = report.cells.iter().any(|c| c.status != CellStatus::Missing);
    // the table format: the page's when it has a table of its own, else the first member's
    // that has one (the page is then read again in it, so that the keys agree)
    let mut template = own_cells.then_some(report.template).flatten();
    let mut extra: Vec<Finding> = Vec::new();
    let mut carry: Option<u8> = None;
    let mut member_layout = None;
    for m in members.iter().filter(|m| m.role.read()) {
        let label = format!("{} {}", m.role.word(), m.name);
        let doc = match &m.doc {
            Ok(d) => *d,
            Err(why) => {
                extra.push(Finding::new(
                    rule::MEMBER_UNREAD,
                    format!("{label} could not be read: {why}"),
                ));
                continue;
            }
        };
        let part = match m.role {
            Role::InPart(p) => Some(p),
            Role::Picture => carry,
            _ => None,
        };
        let hint = Hint {
            part,
            template,
            year: report.report_year,
        };
        let (mut r, _) = read_with(doc, Source::default(), &hint);
        if m.role == Role::Supplement {
            if let Some(why) = other_report(&report, &r) {
                extra.push(Finding::new(
                    rule::MEMBER_DISAGREES,
                    format!("{label} is {why}: not merged"),
                ));
                continue;
            }
        }
        if let Some(p) = r.sections.iter().map(|s| s.part).max() {
            carry = Some(p);
        }
        let has_cells = r.cells.iter().any(|c| c.status != CellStatus::Missing);
        if template.is_none() && has_cells {
            template = r.template;
            if report.template != template {
                let hint = Hint {
                    template,
                    ..Hint::default()
                };
                report = read_with(page, source.clone(), &hint).0;
            }
        }
        if r.template != template && has_cells {
            // read in another format than the page's: read again in the page's
            r = read_with(doc, Source::default(), &Hint { template, ..hint }).0;
        }
        let layout = r.layout;
        if m.role == Role::Supplement {
            cross_check(&mut report, &r, &label);
        }
        if merge(&mut report, r, &label, m.role) {
            member_layout = member_layout.or(layout);
        }
    }
    report.findings.extend(extra);
    let values = report.cells.iter().any(|c| c.value.is_some());
    if !headed && report.sections.is_empty() && !values {
        not_a_report(&mut report);
    } else if !own_cells && member_layout.is_some() {
        // the tables are the members': their layout says how they were read (`ocr`)
        report.layout = member_layout;
    }
    report
}

/// Why a page's supplement is another report than the page's (`None` when it is not): it
/// names another year, or another agency (neither name the other's short form).
fn other_report(page: &Report, member: &Report) -> Option<String> {
    if let (Some(p), Some(m)) = (page.report_year, member.report_year) {
        if p != m {
            return Some(format!("the report of {m}, the page's is of {p}"));
        }
    }
    if let (Some(p), Some(m)) = (&page.agency, &member.agency) {
        let named = |a: &str, b: &str| {
            a == b
                || a.contains(b)
                || crate::meta::expand_agency(b, a).as_deref() == Some(a)
                || page.agency_in_title.as_deref() == Some(b)
                || member.agency_in_title.as_deref() == Some(b)
        };
        if !named(p, m) && !named(m, p) {
            return Some(format!("the report of {m}, the page's is of {p}"));
        }
    }
    None
}

/// Compares the numbers a page states with its supplement's (the same report, the page's
/// text and its attachment): a cell both give differently is one of them wrong, and which
/// cannot be told, so it is null (`ambiguous`) with a `member_disagrees` finding giving
/// both (`expected` the page's, `actual` the attachment's).
fn cross_check(page: &mut Report, member: &Report, label: &str) {
    let theirs: HashMap<&str, f64> = member
        .cells
        .iter()
        .filter_map(|c| Some((c.key, c.value?)))
        .collect();
    for c in &mut page.cells {
        let (Some(v), Some(&w)) = (c.value, theirs.get(c.key)) else {
            continue;
        };
        if (v - w).abs() <= 1e-9 * v.abs().max(1.0) {
            continue;
        }
        page.findings.push(
            Finding::new(
                rule::MEMBER_DISAGREES,
                format!("the page states {v}, {label} states {w}: null"),
            )
            .at_key(c.key)
            .numbers(Some(v), Some(w))
            .at(c.source.clone()),
        );
        c.value = None;
        c.status = CellStatus::Ambiguous;
    }
}

/// Merges a member's report into the page's: its cells fill the page's missing ones (sources
/// prefixed with the member's label); the page's findings of what is now found go; the
/// member's findings about the cells it gave are added (a supplement that gave none adds
/// none); a whole report (an attachment, a supplement) also gives the parts' prose and the
/// metadata the page lacks. Returns whether any cell was taken.
fn merge(page: &mut Report, member: Report, label: &str, role: Role) -> bool {
    let whole = matches!(role, Role::Attachment | Role::Supplement);
    let mut by_key: HashMap<&'static str, crate::Cell> =
        member.cells.into_iter().map(|c| (c.key, c)).collect();
    let mut taken: Vec<&'static str> = Vec::new();
    for c in &mut page.cells {
        if c.status != CellStatus::Missing {
            continue;
        }
        let Some(mut m) = by_key.remove(c.key) else {
            continue;
        };
        if m.status == CellStatus::Missing {
            continue;
        }
        m.source = Some(match m.source {
            Some(s) => format!("{label}: {s}"),
            None => label.to_owned(),
        });
        taken.push(c.key);
        *c = m;
    }
    if whole {
        // the page's title names the agency as the attachment's title does (a short form,
        // 科技局): the attachment's signature gives the full name (科学技术局)
        let short = page.agency_in_title.clone().or_else(|| page.agency.clone());
        if let (Some(short), Some(full)) = (short, &member.agency) {
            let same = member.agency_in_title.as_deref() == Some(short.as_str())
                || crate::meta::expand_agency(&short, full).as_deref() == Some(full.as_str());
            if same && *full != short {
                page.agency = Some(full.clone());
                page.agency_in_title = Some(short);
                page.scope = member.scope;
            }
        }
        for s in member.sections {
            if !page.sections.iter().any(|p| p.part == s.part) {
                page.sections.push(s);
            }
        }
        page.sections.sort_by_key(|s| s.part);
        macro_rules! fill {
            ($($f:ident),*) => {$(
                if page.$f.is_none() {
                    page.$f = member.$f.clone();
                }
            )*};
        }
        fill!(
            agency,
            agency_in_title,
            scope,
            report_year,
            published_on,
            site_name,
            site_id_code,
            content_source
        );
        if page.region.adcode.is_none() && member.region.adcode.is_some() {
            page.region = member.region;
        }
    }
    // what the page missed and the member gave
    let present = |page: &Report, section: &str| {
        page.cells
            .iter()
            .any(|c| c.section == section && c.status != CellStatus::Missing)
    };
    let row_present = |page: &Report, label: &str| {
        let v = nianbao_vocab::Vocabulary::get();
        let Some(t) = page.template else {
            return false;
        };
        nianbao_vocab::Section::ALL
            .iter()
            .flat_map(|s| v.rows(t, *s))
            .filter(|r| r.label == label)
            .any(|r| {
                page.cells.iter().any(|c| {
                    c.row == r.key
                        && c.section == r.section.as_str()
                        && c.status != CellStatus::Missing
                })
            })
    };
    let mut findings = std::mem::take(&mut page.findings);
    findings.retain(|f| match f.rule {
        r if r == rule::MISSING_TABLE => {
            part_of(&f.message).is_none_or(|p| !present(page, section_of(p)))
        }
        r if r == rule::MISSING_ROW => f.row_label.as_deref().is_none_or(|l| !row_present(page, l)),
        r if r == rule::MISSING_SECTION => {
            part_of(&f.message).is_none_or(|p| !page.sections.iter().any(|s| s.part == p))
        }
        r if r == rule::MISSING_AGENCY => page.agency.is_none(),
        r if r == rule::MISSING_REPORT_YEAR => page.report_year.is_none(),
        r if r == rule::MISSING_PUBLISHED_ON => page.published_on.is_none(),
        _ => true,
    });
    page.findings = findings;
    if role == Role::Supplement && taken.is_empty() {
        return false;
    }
    for mut f in member.findings {
        if PAGE_RULES.contains(&f.rule) {
            continue;
        }
        if f.key.as_deref().is_some_and(|k| !taken.contains(&k)) {
            continue;
        }
        f.message = format!("{label}: {}", f.message);
        f.source = Some(match f.source {
            Some(s) => format!("{label}: {s}"),
            None => label.to_owned(),
        });
        page.findings.push(f);
    }
    !taken.is_empty()
}

/// The part a finding's message names first (`part 三: …`, `part 一（总体情况）…`).
fn part_of(message: &str) -> Option<u8> {
    let rest = message.strip_prefix("part ")?;
    let numeral = rest.chars().next()?;
    PART_NUMERALS
        .iter()
        .position(|n| n.starts_with(numeral))
        .map(|i| i as u8 + 1)
}

/// The `section` column of part 二, 三, 四.
fn section_of(part: u8) -> &'static str {
    match part {
        2 => "s2",
        3 => "s3",
        4 => "s4",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize;

    #[test]
    fn role_codes_read_back() {
        let all = [
            Role::InPart(2),
            Role::InPart(4),
            Role::Picture,
            Role::Attachment,
            Role::BeforeReport,
            Role::InProse(5),
            Role::BesideAttachment,
            Role::Supplement,
        ];
        for r in all {
            assert_eq!(Role::from_code(&r.code()), Some(r), "{}", r.code());
        }
        assert_eq!(Role::from_code(" part 3 "), Some(Role::InPart(3)));
        for bad in ["", "part", "part 7", "part x", "prose 0", "Picture", "logo"] {
            assert_eq!(Role::from_code(bad), None, "{bad:?}");
        }
    }

    /// A generated tabbed report cut into a page (its text and part 二's table as HTML) and
    /// the text of parts 三 and 四's tables, standing for the pictures the page shows instead.
    fn cut(i: usize) -> (String, String, String, serde_json::Value) {
        let d = nianbao_synth::generate_layouts(i + 1, 20261207, false, &["tabbed"])
            .pop()
            .unwrap();
        let text = String::from_utf8(d.bytes).expect("utf-8");
        let at = |h: &str| text.find(h).unwrap();
        let (s3, s4, s5) = (
            at("\n三、收到和处理"),
            at("\n四、政府信息公开行政复议"),
            at("\n五、"),
        );
        let body3 = |from: usize, to: usize| {
            let t = &text[from + 1..to];
            t.split_once('\n').unwrap().1.to_owned()
        };
        let (t3, t4) = (body3(s3, s4), body3(s4, s5));
        let mut html = String::from("<html><body><table class=\"layout\"><tr><td>\n");
        let mut in_table = false;
        let page_text = format!(
            "{}{}\n[[pic 3]]\n{}\n[[pic 4]]\n{}",
            &text[..s3 + 1],
            text[s3 + 1..s4].lines().next().unwrap(),
            text[s4 + 1..s5].lines().next().unwrap(),
            &text[s5 + 1..]
        );
        for line in page_text.lines() {
            let tabbed = line.contains('\t');
            if tabbed != in_table {
                html.push_str(if tabbed { "<table>" } else { "</table>" });
                in_table = tabbed;
            }
            if tabbed {
                html.push_str("<tr>");
                for c in line.split('\t') {
                    html.push_str(&format!("<td>{c}</td>"));
                }
                html.push_str("</tr>\n");
            } else if let Some(n) = line.strip_prefix("[[pic ") {
                let n = n.trim_end_matches("]]");
                html.push_str(&format!("<p><img src=\"p_files/t{n}.png\"></p>\n"));
            } else {
                html.push_str(&format!("<p>{line}</p>\n"));
            }
        }
        html.push_str("</td></tr></table><img src=\"/qr.png\"></body></html>");
        (html, t3, t4, d.gold)
    }

    /// Issue 30.1: the tables of parts 三 and 四, given as pictures under their headings,
    /// fill the page's report: every value as the whole report has it, each source naming the
    /// picture, and no finding of a missing table left.
    #[test]
    fn pictures_under_their_headings_give_the_tables() {
        for i in [0, 1, 3, 4, 6] {
            let (html, t3, t4, gold) = cut(i);
            let page = nianbao_extract::read(html.as_bytes()).unwrap();
            assert_eq!(page.embeds.len(), 3, "{i}");
            // (the QR code after part 六 is a member not read when it is among the files)
            let plan = plan_members(&page, &[true, true, true]);
            assert_eq!(plan[2].role, Role::InProse(6), "{i}");
            let plan = plan_members(&page, &[true, true, false]);
            assert_eq!(
                plan,
                vec![
                    Planned {
                        embed: 0,
                        role: Role::InPart(3)
                    },
                    Planned {
                        embed: 1,
                        role: Role::InPart(4)
                    },
                ],
                "{i}"
            );
            let d3 = nianbao_extract::read(t3.as_bytes()).unwrap();
            let d4 = nianbao_extract::read(t4.as_bytes()).unwrap();
            let members = [
                Member {
                    role: Role::InPart(3),
                    name: "p_files/t3.png",
                    doc: Ok(&d3),
                },
                Member {
                    role: Role::InPart(4),
                    name: "p_files/t4.png",
                    doc: Ok(&d4),
                },
            ];
            let alone = normalize(&page, Source::default());
            assert!(alone
                .cells
                .iter()
                .filter(|c| c.section != "s2")
                .all(|c| c.status == CellStatus::Missing));
            let r = normalize_bundle(&page, Source::default(), &members);
            let values = gold["values"].as_object().unwrap();
            let mut checked = 0;
            for c in &r.cells {
                let want = values.get(c.key).and_then(|v| v.as_f64());
                assert_eq!(c.value, want, "{i} {}", c.key);
                if c.section == "s3" || c.section == "s4" {
                    let src = c.source.as_deref().unwrap_or("");
                    let pic = if c.section == "s3" { "t3" } else { "t4" };
                    assert!(
                        c.status == CellStatus::Missing
                            || src.starts_with(&format!("picture p_files/{pic}.png: line ")),
                        "{i} {} {src}",
                        c.key
                    );
                }
                checked += usize::from(want.is_some());
            }
            assert!(checked > 60, "{i}: {checked}");
            assert!(
                !r.findings.iter().any(|f| f.rule == rule::MISSING_TABLE),
                "{i}: {:?}",
                r.findings
            );
            assert_eq!(
                r.report_year,
                gold["report_year"].as_i64().map(|y| y as i32)
            );
            assert_eq!(r.agency.as_deref(), gold["agency"].as_str());
            assert_eq!(r.status(), alone.status().min(r.status()));
            // a picture that could not be read: its table stays missing, and says why
            let members = [
                Member {
                    role: Role::InPart(3),
                    name: "p_files/t3.png",
                    doc: Ok(&d3),
                },
                Member {
                    role: Role::InPart(4),
                    name: "p_files/t4.png",
                    doc: Err("OCR is not available".into()),
                },
            ];
            let r = normalize_bundle(&page, Source::default(), &members);
            assert!(r
                .cells
                .iter()
                .filter(|c| c.section == "s4")
                .all(|c| c.status == CellStatus::Missing && c.value.is_none()));
            assert!(r.findings.iter().any(|f| f.rule == rule::MEMBER_UNREAD
                && f.message.contains("p_files/t4.png")
                && f.message.contains("OCR is not available")));
            assert!(r
                .findings
                .iter()
                .any(|f| f.rule == rule::MISSING_TABLE && f.message.starts_with("part 四")));
        }
    }

    /// Issue 30.2: a page that only wraps its attachment is read as the attachment's report,
    /// with the page's title; a number the page states is never replaced by a member's.
    #[test]
    fn a_wrapper_page_reads_its_attachment_and_keeps_its_own_numbers() {
        let d = nianbao_synth::generate_layouts(1, 7, false, &["tabbed"])
            .pop()
            .unwrap();
        let text = String::from_utf8(d.bytes).unwrap();
        let page = nianbao_extract::read(
            "<html><head><meta name=\"ArticleTitle\" content=\"东湖区审计局2023年政府信息公开工作年度报告\"></head>\
             <body><p><img src=\"/logo.png\"></p><p>附件：<a href=\"a.pdf\">年度报告</a></p></body></html>"
                .as_bytes(),
        )
        .unwrap();
        let plan = plan_members(&page, &[true, true]);
        assert_eq!(
            plan.iter().map(|p| p.role).collect::<Vec<_>>(),
            [Role::Attachment, Role::BesideAttachment]
        );
        assert!(normalize(&page, Source::default()).not_a_report().is_some());
        let att = nianbao_extract::read(text.as_bytes()).unwrap();
        let whole = normalize(&att, Source::default());
        let r = normalize_bundle(
            &page,
            Source::default(),
            &[Member {
                role: Role::Attachment,
                name: "a.pdf",
                doc: Ok(&att),
            }],
        );
        assert!(r.not_a_report().is_none());
        assert_eq!(r.agency.as_deref(), Some("东湖区审计局"));
        assert_eq!(r.report_year, Some(2023));
        assert_eq!(r.sections.len(), 6);
        assert!(!r.findings.iter().any(|f| f.rule == rule::MISSING_SECTION));
        for (a, b) in r.cells.iter().zip(&whole.cells) {
            assert_eq!((a.key, a.value), (b.key, b.value));
        }
        // a page whose own table states a number keeps it
        let mut page_report = whole.clone();
        page_report.cells[0].value = Some(12345.0);
        let mut other = whole.clone();
        other.cells[0].value = Some(1.0);
        merge(&mut page_report, other, "attachment x", Role::Attachment);
        assert_eq!(page_report.cells[0].value, Some(12345.0));
        // the page's title names the agency shortly; the attachment spells it out
        let mut p = Report::empty(Source::default(), nianbao_model::Format::Html);
        p.agency = Some("云岭县科技局".into());
        let mut m = whole.clone();
        m.agency = Some("云岭县科学技术局".into());
        m.agency_in_title = None;
        merge(&mut p, m.clone(), "attachment x", Role::Attachment);
        assert_eq!(p.agency.as_deref(), Some("云岭县科学技术局"));
        assert_eq!(p.agency_in_title.as_deref(), Some("云岭县科技局"));
        // another agency's name is not taken
        let mut p = Report::empty(Source::default(), nianbao_model::Format::Html);
        p.agency = Some("云岭县教育局".into());
        merge(&mut p, m, "attachment x", Role::Attachment);
        assert_eq!(p.agency.as_deref(), Some("云岭县教育局"));
    }

    /// A generated tabbed report as a page of its prose (parts 二 to 四 by their headings
    /// alone) with the links `links` (`(href, words)`) after part 六, and the whole
    /// report's text as the attachment it offers.
    fn prose_page(i: usize, links: &[(&str, &str)]) -> (Document, Document, serde_json::Value) {
        let d = nianbao_synth::generate_layouts(i + 1, 20261208, false, &["tabbed"])
            .pop()
            .unwrap();
        let att = nianbao_extract::read(&d.bytes).unwrap();
        let text = att.text.clone();
        let mut html = String::from("<html><body>\n");
        let mut tables = false;
        for line in text.lines() {
            if line.starts_with("五、") {
                tables = false;
            }
            if !tables {
                html.push_str(&format!("<p>{line}</p>\n"));
            }
            if line.starts_with("二、") {
                tables = true;
            }
        }
        for (href, words) in links {
            html.push_str(&format!("<p><a href=\"{href}\">{words}</a></p>\n"));
        }
        html.push_str("</body></html>");
        let page = nianbao_extract::read(html.as_bytes()).unwrap();
        (page, att, d.gold)
    }

    /// Issue 30.2: a page with report text of its own whose tables are in the attachment it
    /// offers (附件：…年度报告.xls) is one report: the attachment's cells fill the page's, its
    /// sources name the attachment, and nothing is left missing. An application form is not
    /// the report, nor is last year's report.
    #[test]
    fn a_page_with_its_own_text_takes_the_tables_of_its_attachment() {
        for i in [0, 2, 5] {
            let (page, att, gold) = prose_page(
                i,
                &[
                    ("form.doc", "政府信息公开申请表.doc"),
                    ("old.pdf", "附件：2011年度报告.pdf"),
                    ("t.xls", "附件：政府信息公开情况统计表.xls"),
                ],
            );
            let plan = plan_members(&page, &[true, true, true]);
            assert_eq!(
                plan,
                vec![Planned {
                    embed: 2,
                    role: Role::Supplement
                }],
                "{i}"
            );
            let alone = normalize(&page, Source::default());
            assert!(alone.cells.iter().all(|c| c.status == CellStatus::Missing));
            let r = normalize_bundle(
                &page,
                Source::default(),
                &[Member {
                    role: Role::Supplement,
                    name: "t.xls",
                    doc: Ok(&att),
                }],
            );
            let values = gold["values"].as_object().unwrap();
            let mut checked = 0;
            for c in &r.cells {
                let want = values.get(c.key).and_then(|v| v.as_f64());
                assert_eq!(c.value, want, "{i} {}", c.key);
                if c.value.is_some() {
                    assert!(
                        c.source
                            .as_deref()
                            .unwrap()
                            .starts_with("attachment t.xls: "),
                        "{:?}",
                        c.source
                    );
                    checked += 1;
                }
            }
            assert!(checked > 60, "{i}: {checked}");
            assert!(
                !r.findings
                    .iter()
                    .any(|f| f.rule == rule::MISSING_TABLE || f.rule == rule::MEMBER_DISAGREES),
                "{i}: {:?}",
                r.findings
            );
            assert_eq!(r.agency.as_deref(), gold["agency"].as_str());
        }
    }

    /// Issue 30.2: a page that states its tables and offers the same report as an
    /// attachment: where the two give a number differently, the cell is null (`ambiguous`)
    /// and says both; the attachment of another year is not merged and says so.
    #[test]
    fn a_page_and_its_attachment_that_disagree_give_null() {
        let d = nianbao_synth::generate_layouts(1, 11, false, &["tabbed"])
            .pop()
            .unwrap();
        let text = String::from_utf8(d.bytes).unwrap();
        let mut html = String::from("<html><body><table>\n");
        for line in text.lines() {
            html.push_str("<tr>");
            for c in line.split('\t') {
                html.push_str(&format!("<td>{c}</td>"));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table><p><a href=\"r.pdf\">附件：年度报告</a></p></body></html>");
        let page = nianbao_extract::read(html.as_bytes()).unwrap();
        assert_eq!(plan_members(&page, &[true])[0].role, Role::Supplement);
        let same = nianbao_extract::read(text.as_bytes()).unwrap();
        let alone = normalize(&page, Source::default());
        let member = |doc| {
            [Member {
                role: Role::Supplement,
                name: "r.pdf",
                doc: Ok(doc),
            }]
        };
        // the same report: nothing changes
        let r = normalize_bundle(&page, Source::default(), &member(&same));
        for (a, b) in r.cells.iter().zip(&alone.cells) {
            assert_eq!((a.key, a.value, &a.source), (b.key, b.value, &b.source));
        }
        assert!(!r.findings.iter().any(|f| f.rule == rule::MEMBER_DISAGREES));
        // the attachment's 新收政府信息公开申请数量 of 自然人 is one more
        let key = "s3.received_new.natural_person";
        let v = alone
            .cells
            .iter()
            .find(|c| c.key == key)
            .unwrap()
            .value
            .unwrap();
        let gold = d.gold["values"][key].as_f64().unwrap();
        assert_eq!(v, gold);
        let row = text
            .lines()
            .find(|l| l.contains("本年新收政府信息公开申请数量"))
            .unwrap();
        let first = row.split('\t').nth(1).unwrap();
        assert_eq!(first.parse::<f64>().unwrap(), gold);
        let other_row = row.replacen(&format!("\t{first}\t"), &format!("\t{}\t", gold + 1.0), 1);
        let other = nianbao_extract::read(text.replace(row, &other_row).as_bytes()).unwrap();
        let r = normalize_bundle(&page, Source::default(), &member(&other));
        let c = r.cells.iter().find(|c| c.key == key).unwrap();
        assert_eq!((c.value, c.status), (None, CellStatus::Ambiguous));
        let f: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule == rule::MEMBER_DISAGREES)
            .collect();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].key.as_deref(), Some(key));
        assert_eq!((f[0].expected, f[0].actual), (Some(gold), Some(gold + 1.0)));
        let changed = r
            .cells
            .iter()
            .zip(&alone.cells)
            .filter(|(a, b)| a.value != b.value)
            .count();
        assert_eq!(changed, 1);
        // the report of another year is not merged
        let year = d.gold["report_year"].as_i64().unwrap();
        let next = text.replace(&year.to_string(), &(year + 1).to_string());
        let next = nianbao_extract::read(next.replace(row, &other_row).as_bytes()).unwrap();
        let r = normalize_bundle(&page, Source::default(), &member(&next));
        for (a, b) in r.cells.iter().zip(&alone.cells) {
            assert_eq!((a.key, a.value), (b.key, b.value));
        }
        assert!(r.findings.iter().any(|f| f.rule == rule::MEMBER_DISAGREES
            && f.message.contains(&format!("the report of {}", year + 1))
            && f.message.ends_with("not merged")));
    }

    #[test]
    fn a_finding_names_its_part_first() {
        assert_eq!(part_of("part 三: the table was not found"), Some(3));
        assert_eq!(part_of("part 一（总体情况）was not found"), Some(1));
        assert_eq!(part_of("the row"), None);
    }
}
