//! The corpus layer: everything known across reports rather than within one.
//!
//! **In:** a few numbers per report ([`ReportFacts`], built by [`facts_of`] from a validated
//! report, ~200 bytes each), the agencies' keys ([`Agencies`]), the MinHash signatures of the
//! reports' parts ([`SignatureFile`]) and the documents' paths ([`Paths`]). **Out:** a
//! [`Corpus`]: the agencies numbered, the duplicates ([`duplicates`], with polars), the panel
//! and coverage ([`panel`]: one report chosen per agency and year, the cross-year rules between
//! consecutive years), each cross-report finding tied to its document, and the report of the
//! year before each report's sections are compared with ([`similarity`]). The `panel` and
//! `coverage` batches are written here, with the schemas of `nianbao_model::batch`.
//! **Never:** reads a document, holds a report, or changes a value: what one report says is
//! the reader's and `nianbao-validate`'s; this crate only compares reports.
//!
//! ```
//! use nianbao_corpus::{Agencies, Corpus, FactTable, Paths, ReportFacts};
//! struct Docs;
//! impl Paths for Docs {
//!     fn path(&self, doc: u32) -> &str { ["a.txt", "b.txt", "c.txt"][doc as usize] }
//! }
//! let (mut facts, mut agencies) = (FactTable::new(3), Agencies::default());
//! for (doc, year) in [(0, 2022), (1, 2023), (2, 2023)] {
//!     let agency = Some(agencies.number("410505:科技局".into(), "殷都区科技局".into(), doc));
//!     let f = ReportFacts { doc, agency, report_year: Some(year), ..ReportFacts::default() };
//!     facts.set(f, Some(u64::from(doc) + 1));
//! }
//! let corpus = Corpus::check(facts, agencies, None, &Docs).unwrap();
//! // two reports of 2023 with different content: a duplicate_report finding on the second
//! let found: Vec<(u32, &str)> = corpus.findings().iter().map(|f| (f.doc(), f.rule())).collect();
//! assert_eq!(found, [(2, "duplicate_report")]);
//! // the panel has one row per year; 2023's report is compared with 2022's
//! assert_eq!(corpus.panel().rows.len(), 2);
//! assert_eq!(corpus.prev_of(1), Some(0));
//! ```

pub mod agencies;
pub mod duplicates;
pub mod facts;
pub mod panel;
pub mod similarity;

use std::collections::HashMap;

use nianbao_model::Finding;

pub use agencies::Agencies;
pub use duplicates::Duplicate;
pub use facts::{facts_of, FactTable, ReportFacts};
pub use panel::{Lookup, Names, YearFinding};
pub use similarity::{Signature, SignatureFile};

/// Why a corpus-wide step failed.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// polars failed in the duplicates check.
    #[error("the duplicates check failed in polars: {0}")]
    Polars(#[from] polars::error::PolarsError),
    /// The signatures' temporary file could not be written or read.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
}

/// The documents' paths, by document number (the caller's input list).
pub trait Paths {
    /// The path of document `doc` (relative to the input folder); empty when there is none.
    fn path(&self, doc: u32) -> &str;
}

/// A cross-report finding of either kind, tied to the document it is about.
#[derive(Debug, Clone, PartialEq)]
pub enum CorpusFinding {
    /// A duplicate: same content, or same agency and year.
    Duplicate(Duplicate),
    /// A rule between an agency's consecutive years.
    Year(YearFinding),
}

impl CorpusFinding {
    /// The document the finding is about.
    pub fn doc(&self) -> u32 {
        match self {
            CorpusFinding::Duplicate(c) => c.doc,
            CorpusFinding::Year(y) => y.doc,
        }
    }

    /// Its rule.
    pub fn rule(&self) -> &'static str {
        match self {
            CorpusFinding::Duplicate(c) => c.rule(),
            CorpusFinding::Year(y) => y.rule(),
        }
    }

    /// The finding, with its message written out.
    pub fn finding(&self, names: &dyn Names) -> Finding {
        match self {
            CorpusFinding::Duplicate(c) => c.finding(names),
            CorpusFinding::Year(y) => y.finding(names),
        }
    }
}

/// The corpus-wide checks over every report's facts: cross-report findings and the panel.
pub struct Corpus {
    /// Facts by document number (every document), `content` and `agency` set.
    facts: Vec<ReportFacts>,
    /// Report ids by document number.
    ids: Vec<Option<u64>>,
    keys: Vec<String>,
    names: Vec<String>,
    /// Cross-report findings of both kinds, by document.
    cross: Vec<CorpusFinding>,
    /// The panel, its coverage (its findings moved to `cross`).
    built: panel::Panel,
    /// The chosen report of each (agency, year).
    chosen: HashMap<(u32, i32), u32>,
}

impl Corpus {
    /// Runs the checks on the facts of every document (`agency` numbered by `agencies`).
    pub fn check(
        table: FactTable,
        agencies: Agencies,
        expected: Option<&[(String, String)]>,
        documents: &dyn Paths,
    ) -> Result<Corpus, CorpusError> {
        let FactTable { mut facts, ids } = table;
        let (keys, names, expected_ids) = agencies.finish(&mut facts, expected);
        // Same report id, same content (the id is the dataset's identity of a document's
        // bytes); the first document in path order stands for it.
        let mut first: HashMap<u64, u32> = HashMap::new();
        for (f, id) in facts.iter_mut().zip(&ids) {
            f.content = id.map(|id| *first.entry(id).or_insert(f.doc));
        }
        drop(first);
        let mut c = Corpus {
            facts,
            ids,
            keys,
            names,
            cross: Vec::new(),
            built: panel::Panel::default(),
            chosen: HashMap::new(),
        };
        let dups: Vec<Duplicate> = duplicates::duplicates(&c.facts, &c.view(documents))?;
        c.built = panel::build_panel(&c.facts, expected_ids.as_deref());
        c.chosen = c
            .built
            .rows
            .iter()
            .map(|r| ((r.agency, r.year), r.doc))
            .collect();
        let mut findings = std::mem::take(&mut c.built.findings);
        c.cross = dups.into_iter().map(CorpusFinding::Duplicate).collect();
        c.cross.extend(findings.drain(..).map(CorpusFinding::Year));
        c.cross.sort_by_key(CorpusFinding::doc);
        Ok(c)
    }

    /// The facts, agency numbers included, and the agencies, to seed a run's ledger
    /// with (the numbering is already in the order [`Agencies`] gives at the end, so a
    /// second check renumbers nothing).
    pub fn into_seed(self) -> (FactTable, Agencies) {
        let mut first = vec![u32::MAX; self.keys.len()];
        for f in &self.facts {
            if let Some(a) = f.agency {
                let x = &mut first[a as usize];
                *x = (*x).min(f.doc);
            }
        }
        let by_key = self
            .keys
            .iter()
            .enumerate()
            .map(|(n, k)| (k.clone(), n as u32))
            .collect();
        (
            FactTable {
                facts: self.facts,
                ids: self.ids,
            },
            Agencies {
                by_key,
                keys: self.keys,
                names: self.names,
                first,
            },
        )
    }

    /// The names behind the numbers: documents' paths (from `documents`), agencies' keys and
    /// names, report ids and facts.
    pub fn view<'a>(&'a self, documents: &'a dyn Paths) -> View<'a> {
        View {
            documents,
            agencies: &self.names,
            keys: &self.keys,
            facts: &self.facts,
            ids: &self.ids,
        }
    }

    /// The report of the year before that `doc`'s sections are compared with.
    pub fn prev_of(&self, doc: u32) -> Option<u32> {
        let f = self.facts.get(doc as usize)?;
        self.chosen.get(&(f.agency?, f.report_year? - 1)).copied()
    }

    /// Every document's facts, by document number (`content` and `agency` set).
    pub fn facts(&self) -> &[ReportFacts] {
        &self.facts
    }

    /// The cross-report findings of both kinds, ordered by document.
    pub fn findings(&self) -> &[CorpusFinding] {
        &self.cross
    }

    /// The panel and its coverage (its cross-year findings are in [`Corpus::findings`]).
    pub fn panel(&self) -> &panel::Panel {
        &self.built
    }
}

/// The names behind a [`Corpus`]'s numbers (see [`Corpus::view`]).
pub struct View<'a> {
    documents: &'a dyn Paths,
    agencies: &'a [String],
    keys: &'a [String],
    /// Facts by document number.
    facts: &'a [ReportFacts],
    /// Report ids by document number.
    ids: &'a [Option<u64>],
}

impl Lookup for View<'_> {
    fn agency_key(&self, agency: u32) -> &str {
        self.keys.get(agency as usize).map_or("", String::as_str)
    }
    fn report_id(&self, doc: u32) -> String {
        self.ids
            .get(doc as usize)
            .copied()
            .flatten()
            .map_or_else(String::new, |id| format!("{id:016x}"))
    }
    fn facts(&self, doc: u32) -> Option<&ReportFacts> {
        self.facts.get(doc as usize)
    }
}

impl Names for View<'_> {
    fn document(&self, doc: u32) -> &str {
        self.documents.path(doc)
    }
    fn agency(&self, agency: u32) -> &str {
        self.agencies
            .get(agency as usize)
            .map_or("", String::as_str)
    }
}
