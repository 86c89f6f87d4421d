//! The dataset's tables: names, descriptions and schemas.

use nianbao_normalize::batch;

pub(crate) const TABLES: [(&str, &str); 7] = [
    (
        "reports",
        "One row per input document, including those that could not be read.",
    ),
    (
        "cells",
        "Every canonical table cell of every report, in long form.",
    ),
    (
        "cells_wide",
        "One row per report, one column per canonical cell key.",
    ),
    ("sections", "The parts 一 to 六 of each report as text."),
    (
        "findings",
        "Every problem found while reading and validating.",
    ),
    (
        "panel",
        "One row per agency (`agency_key`) and year: the report chosen for it, why, its headline figures and their change since the year before.",
    ),
    (
        "coverage",
        "For every agency and every year from its first report to its last (every year of the corpus for agencies on the expected list): reported, duplicate or missing.",
    ),
];

pub(crate) fn schemas() -> Vec<(&'static str, &'static str, arrow_schema::SchemaRef)> {
    TABLES
        .iter()
        .map(|(n, about)| {
            let s = match *n {
                "reports" => batch::reports_schema(),
                "cells" => batch::cells_schema(),
                "cells_wide" => batch::cells_wide_schema(),
                "sections" => batch::sections_schema(),
                "panel" => nianbao_validate::panel::panel_schema(),
                "coverage" => nianbao_validate::panel::coverage_schema(),
                _ => batch::findings_schema(),
            };
            (*n, *about, s)
        })
        .collect()
}
