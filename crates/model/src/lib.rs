//! The dataset's model: what a report is (its cells, findings, prose and metadata) and the
//! Arrow record batches it becomes, with their declared schemas.
//!
//! **In:** reports built by `nianbao-normalize` (or read back from the state). **Out:** the
//! `reports`, `cells`, `cells_wide`, `sections` and `findings` record batches, each with its
//! schema (the hand-off between stages, and the data contract analysts read). **Never:** reads
//! a document, or decides a value: this crate only holds and lays out what the reader found.
//! The stages after the reader (`validate`, `state`, `export`) depend on it, not on the reader.
//!
//! ```
//! use nianbao_model::{batch, Format, Report, Source};
//! let r = Report::empty(Source { report_id: "ab12".into(), document: "a.txt".into(), ..Default::default() }, Format::Text);
//! let b = batch::reports_batch(std::slice::from_ref(&r)).unwrap();
//! assert_eq!(b.num_rows(), 1);
//! assert_eq!(b.schema(), batch::reports_schema());
//! ```

pub mod batch;
pub mod indicators;
pub mod model;

pub use model::{
    Cell, CellStatus, Finding, Format, Layout, Prose, Report, ReportStatus, Scope, Source,
};
