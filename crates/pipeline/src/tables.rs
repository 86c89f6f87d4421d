//! The dataset's tables, named in one place: every writer, the reuse of year partitions, the
//! data dictionary, the single-document API and the Python module iterate [`Table`].

use arrow_schema::SchemaRef;
use nianbao_normalize::batch;

/// A table of the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// One row per input document.
    Reports,
    /// Every cell in long form.
    Cells,
    /// One row per report, one column per cell key.
    CellsWide,
    /// The parts 一 to 六 as text.
    Sections,
    /// Every problem found.
    Findings,
    /// One row per report: the rates every analyst recomputes, defined once.
    Indicators,
    /// One row per agency and year.
    Panel,
    /// Every agency and year: reported, duplicate or missing.
    Coverage,
}

impl Table {
    /// Every table, in the order the dataset lists them.
    pub const ALL: [Table; 8] = [
        Table::Reports,
        Table::Cells,
        Table::CellsWide,
        Table::Sections,
        Table::Findings,
        Table::Indicators,
        Table::Panel,
        Table::Coverage,
    ];

    /// Its name: the file name (`cells.parquet`) and the folder of its partitions.
    pub fn name(self) -> &'static str {
        match self {
            Table::Reports => "reports",
            Table::Cells => "cells",
            Table::CellsWide => "cells_wide",
            Table::Sections => "sections",
            Table::Findings => "findings",
            Table::Indicators => "indicators",
            Table::Panel => "panel",
            Table::Coverage => "coverage",
        }
    }

    /// What one row is (the data dictionary's line).
    pub fn about(self) -> &'static str {
        match self {
            Table::Reports => "One row per input document, including those that could not be read.",
            Table::Cells => "Every canonical table cell of every report, in long form.",
            Table::CellsWide => "One row per report, one column per canonical cell key.",
            Table::Sections => "The parts 一 to 六 of each report as text.",
            Table::Findings => "Every problem found while reading and validating.",
            Table::Indicators => "One row per report: applications, the outcome rates (harmonised across the 2019 and 2021 formats), review and litigation per 100 applications, correction rates, the carry-forward rate and timeliness, each defined once (`nianbao_model::indicators::CATALOGUE`); join the panel on `document`.",
            Table::Panel => "One row per agency (`agency_key`) and year: the report chosen for it, why, its headline figures and their change since the year before.",
            Table::Coverage => "For every agency and every year from its first report to the corpus's latest year (every year of the corpus for agencies on the expected list): reported, duplicate or missing.",
        }
    }

    /// Its Arrow schema.
    pub fn schema(self) -> SchemaRef {
        match self {
            Table::Reports => batch::reports_schema(),
            Table::Cells => batch::cells_schema(),
            Table::CellsWide => batch::cells_wide_schema(),
            Table::Sections => batch::sections_schema(),
            Table::Findings => batch::findings_schema(),
            Table::Indicators => nianbao_normalize::indicators::indicators_schema(),
            Table::Panel => nianbao_normalize::batch::panel_schema(),
            Table::Coverage => nianbao_normalize::batch::coverage_schema(),
        }
    }

    /// Whether its rows belong to single documents (and so to their report year's partition,
    /// which a nightly run can take from the previous dataset); `panel` and `coverage`, one
    /// row per agency and year, are always written anew.
    pub fn per_report(self) -> bool {
        !matches!(self, Table::Panel | Table::Coverage)
    }

    /// The tables whose rows belong to single documents (see [`per_report`](Self::per_report)).
    pub fn per_report_tables() -> impl Iterator<Item = Table> {
        Table::ALL.into_iter().filter(|t| t.per_report())
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Name, description and schema of every table (what the writer and the dictionary take).
pub(crate) fn schemas() -> Vec<(&'static str, &'static str, SchemaRef)> {
    Table::ALL
        .iter()
        .map(|t| (t.name(), t.about(), t.schema()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn every_table_has_a_distinct_name_and_its_own_schema() {
        let names: std::collections::BTreeSet<&str> = Table::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(names.len(), Table::ALL.len());
        // per-report tables carry the document (their rows are in document order)
        for t in Table::per_report_tables() {
            assert!(t.schema().field_with_name("document").is_ok(), "{t}");
        }
        assert_eq!(Table::per_report_tables().count(), 6);
        assert!(Table::Panel.schema().field_with_name("agency_key").is_ok());
        assert!(Table::Coverage.schema().field_with_name("status").is_ok());
    }
}
