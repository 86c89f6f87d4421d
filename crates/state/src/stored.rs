//! The stored form of a report: owned strings (the model's `&'static str` fields are interned
//! back through the vocabulary, the rule catalogue, the fixed set of encodings, and formats and
//! layouts through their enums, by the names the dataset writes) and numbers as their IEEE bits, so that a value reads back exactly.

use nianbao_model::{Cell, CellStatus, Finding, Format, Layout, Prose, Report, Source};
use nianbao_vocab::{rules, Severity, Template, Vocabulary};
use serde::{Deserialize, Serialize};

const ENCODINGS: &[&str] = &[
    "UTF-8",
    // `nianbao_extract::UTF8_DAMAGED` (the state does not depend on the reader; a test checks)
    "UTF-8 (invalid bytes replaced)",
    "UTF-16LE",
    "UTF-16BE",
    "GB18030",
    "GBK",
    "Big5",
    "EUC-KR",
    "Shift_JIS",
    "EUC-JP",
    "windows-1252",
];

/// An encoding name as `extract` writes it; an unusual one makes the entry a cache miss.
fn encoding(s: &str) -> Option<&'static str> {
    ENCODINGS
        .iter()
        .copied()
        .find(|x| x.eq_ignore_ascii_case(s))
}

fn bits(v: Option<f64>) -> Option<u64> {
    v.map(f64::to_bits)
}

fn unbits(v: Option<u64>) -> Option<f64> {
    v.map(f64::from_bits)
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredReport {
    format: String,
    encoding: Option<String>,
    layout: Option<String>,
    agency: Option<String>,
    agency_in_title: Option<String>,
    scope: Option<String>,
    report_year: Option<i32>,
    template: Option<String>,
    published_on: Option<String>,
    source_url: Option<String>,
    site_name: Option<String>,
    site_id_code: Option<String>,
    content_source: Option<String>,
    adcode: Option<String>,
    cells: Vec<StoredCell>,
    sections: Vec<(u8, String, String)>,
    findings: Vec<StoredFinding>,
}

#[derive(Serialize, Deserialize)]
struct StoredCell {
    /// Position of the canonical key in `Vocabulary::all_keys` (stable for a parser key, which
    /// covers the vocabulary): no string to allocate and look up per cell.
    key: u16,
    value: Option<u64>,
    raw: Option<String>,
    /// Position in `CellStatus::ALL`.
    status: u8,
    source: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredFinding {
    rule: String,
    severity: String,
    key: Option<String>,
    row_label: Option<String>,
    column_label: Option<String>,
    expected: Option<u64>,
    actual: Option<u64>,
    message: String,
    source: Option<String>,
}

impl StoredReport {
    /// The stored form; `None` for a cell key outside the vocabulary (not cached then: the
    /// document is simply read again next time).
    pub(crate) fn from_report(r: &Report) -> Option<StoredReport> {
        let v = Vocabulary::get();
        let cells = r
            .cells
            .iter()
            .map(|c| {
                Some(StoredCell {
                    key: u16::try_from(v.cell(c.key)?.position).ok()?,
                    value: bits(c.value),
                    raw: c.raw.clone(),
                    status: CellStatus::ALL.iter().position(|s| *s == c.status)? as u8,
                    source: c.source.clone(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(StoredReport {
            format: r.format.as_str().to_owned(),
            encoding: r.encoding.map(str::to_owned),
            layout: r.layout.map(|l| l.as_str().to_owned()),
            agency: r.agency.clone(),
            agency_in_title: r.agency_in_title.clone(),
            scope: r.scope.map(|s| s.as_str().to_owned()),
            report_year: r.report_year,
            template: r.template.map(|t| t.as_str().to_owned()),
            published_on: r.published_on.clone(),
            source_url: r.source_url.clone(),
            site_name: r.site_name.clone(),
            site_id_code: r.site_id_code.clone(),
            content_source: r.content_source.clone(),
            adcode: r.region.adcode.map(str::to_owned),
            cells,
            sections: r
                .sections
                .iter()
                .map(|p| (p.part, p.title.clone(), p.text.clone()))
                .collect(),
            findings: r
                .findings
                .iter()
                .map(|f| StoredFinding {
                    rule: f.rule.to_owned(),
                    severity: f.severity.as_str().to_owned(),
                    key: f.key.clone(),
                    row_label: f.row_label.clone(),
                    column_label: f.column_label.clone(),
                    expected: bits(f.expected),
                    actual: bits(f.actual),
                    message: f.message.clone(),
                    source: f.source.clone(),
                })
                .collect(),
        })
    }

    /// The report, or `None` when an entry names something this binary does not know (then
    /// it is re-read).
    pub(crate) fn into_report(self, source: Source) -> Option<Report> {
        let v = Vocabulary::get();
        let mut r = Report::empty(source, Format::from_name(&self.format)?);
        r.encoding = match self.encoding {
            Some(e) => Some(encoding(&e)?),
            None => None,
        };
        r.layout = match self.layout {
            Some(l) => Some(Layout::from_name(&l)?),
            None => None,
        };
        r.agency = self.agency;
        r.agency_in_title = self.agency_in_title;
        r.scope = match self.scope {
            Some(s) => Some(nianbao_model::Scope::from_name(&s)?),
            None => None,
        };
        r.report_year = self.report_year;
        r.template = match self.template {
            Some(t) => Some(Template::parse(&t)?),
            None => None,
        };
        r.published_on = self.published_on;
        r.source_url = self.source_url;
        r.site_name = self.site_name;
        r.site_id_code = self.site_id_code;
        r.content_source = self.content_source;
        if let Some(code) = &self.adcode {
            r.region = nianbao_regions::Region::of_code(code);
            r.region.adcode?;
        }
        let all = v.all_keys();
        for c in self.cells {
            let def = v.cell(all.get(usize::from(c.key))?)?;
            r.cells.push(Cell {
                section: def.row.section.as_str(),
                row: def.row.key,
                column: def.column.key,
                key: def.key,
                value: unbits(c.value),
                raw: c.raw,
                status: *CellStatus::ALL.get(usize::from(c.status))?,
                source: c.source,
            });
        }
        r.sections = self
            .sections
            .into_iter()
            .map(|(part, title, text)| Prose { part, title, text })
            .collect();
        for f in self.findings {
            let rule = rules::rule(&f.rule)?;
            let severity = [Severity::Info, Severity::Warning, Severity::Error]
                .into_iter()
                .find(|s| s.as_str() == f.severity)?;
            let mut nf = Finding::new(rule.name, f.message);
            nf.severity = severity;
            nf.key = f.key;
            nf.row_label = f.row_label;
            nf.column_label = f.column_label;
            nf.expected = unbits(f.expected);
            nf.actual = unbits(f.actual);
            nf.source = f.source;
            r.findings.push(nf);
        }
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_damaged_utf8_encoding_is_the_readers() {
        assert!(super::ENCODINGS.contains(&nianbao_extract::UTF8_DAMAGED));
    }
}
