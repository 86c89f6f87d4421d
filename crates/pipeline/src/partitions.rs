//! Nightly partition reuse (issue 15, item 4): an incremental run of a dataset partitioned by
//! year takes every year partition none of whose inputs changed from the previous generation
//! (hard links), and reads, validates and encodes only the touched years.
//!
//! **In**: the records the previous run left in the state ([`Previous`]: per year, the
//! published files and, per document, what the corpus-wide checks need), the inputs and their
//! sizes and modification times. **Out**: a [`Plan`]: which documents are unchanged members of
//! a recorded year, and which years must be rebuilt. **Never**: reuses a partition whose bytes
//! could differ from a full rebuild. A year is reused only when the previous dataset is still
//! the published one, the build, config and lists are the same, none of the year's documents
//! was added, changed, removed or retried, and (checked by the caller once the corpus-wide
//! checks have run) its cross-report results — findings naming other documents, the report of
//! the year before that its sections are compared with — are the recorded ones
//! (`ledger::digests`).
//!
//! Layout, beside the state's objects:
//!
//! ```text
//! parser-KEY/partitions/meta.json     key, generation, per year: files, counts, digest
//! parser-KEY/partitions/y2024-….arrow one row per document of the year (Arrow IPC)
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow_array::{
    Array, ArrayRef, BooleanArray, FixedSizeBinaryArray, Float32Array, Int32Array, RecordBatch,
    StringArray, UInt16Array, UInt32Array, UInt64Array, UInt8Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use nianbao_corpus::facts::N_QUALITY;
use nianbao_corpus::panel::{ReportFacts, N_FIGURES};

/// Version of the records' layout; other versions are ignored.
const VERSION: u32 = 1;

/// The schema of a year's per-document records.
pub(crate) fn record_schema() -> SchemaRef {
    static SCHEMA: std::sync::OnceLock<SchemaRef> = std::sync::OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let mut fields = vec![
                Field::new("document", DataType::Utf8, false),
                Field::new("bytes", DataType::UInt64, false),
                Field::new("mtime_ns", DataType::UInt64, false),
                // the SHA-256 as 32 bytes (null for a document without content); the report
                // id is its first 8
                Field::new("sha256", DataType::FixedSizeBinary(32), true),
                Field::new("agency_key", DataType::Utf8, true),
                Field::new("agency", DataType::Utf8, true),
                Field::new("report_year", DataType::Int32, true),
                Field::new("template", DataType::Utf8, true),
                Field::new("format", DataType::Utf8, false),
                Field::new("status", DataType::Utf8, false),
                Field::new("reason", DataType::Utf8, true),
                Field::new("rank", DataType::UInt8, false),
                Field::new("published", DataType::UInt32, false),
                Field::new("corrected", DataType::Boolean, false),
            ];
            for i in 0..N_FIGURES {
                fields.push(Field::new(format!("figure{i}"), DataType::Float32, false));
            }
            for i in 0..N_QUALITY {
                fields.push(Field::new(format!("quality{i}"), DataType::UInt16, false));
            }
            Arc::new(Schema::new(fields))
        })
        .clone()
}

/// A year's per-document records, read back: the typed columns.
pub(crate) struct DocRows {
    document: StringArray,
    bytes: UInt64Array,
    mtime_ns: UInt64Array,
    sha256: FixedSizeBinaryArray,
    /// The agency columns and the figures are dropped once the facts are taken
    /// ([`Previous::slim`]).
    agency_key: Option<StringArray>,
    agency: Option<StringArray>,
    report_year: Int32Array,
    template: StringArray,
    format: StringArray,
    status: StringArray,
    reason: StringArray,
    rank: UInt8Array,
    published: UInt32Array,
    corrected: BooleanArray,
    figures: Vec<Float32Array>,
    quality: Vec<UInt16Array>,
}

fn typed<T: Clone + 'static>(b: &RecordBatch, name: &str) -> Option<T> {
    b.column_by_name(name)?
        .as_any()
        .downcast_ref::<T>()
        .cloned()
}

fn opt(c: &StringArray, i: usize) -> Option<&str> {
    c.is_valid(i).then(|| c.value(i))
}

impl DocRows {
    /// The typed columns of a batch of records; `None` when it is not of [`record_schema`].
    fn of(b: &RecordBatch) -> Option<DocRows> {
        Some(DocRows {
            document: typed(b, "document")?,
            bytes: typed(b, "bytes")?,
            mtime_ns: typed(b, "mtime_ns")?,
            sha256: typed(b, "sha256")?,
            agency_key: Some(typed(b, "agency_key")?),
            agency: Some(typed(b, "agency")?),
            report_year: typed(b, "report_year")?,
            template: typed(b, "template")?,
            format: typed(b, "format")?,
            status: typed(b, "status")?,
            reason: typed(b, "reason")?,
            rank: typed(b, "rank")?,
            published: typed(b, "published")?,
            corrected: typed(b, "corrected")?,
            figures: (0..N_FIGURES)
                .map(|k| typed(b, &format!("figure{k}")))
                .collect::<Option<_>>()?,
            quality: (0..N_QUALITY)
                .map(|k| typed(b, &format!("quality{k}")))
                .collect::<Option<_>>()?,
        })
    }
    /// Rows.
    pub(crate) fn len(&self) -> usize {
        self.document.len()
    }
    /// The document path of row `i`.
    pub(crate) fn document(&self, i: usize) -> &str {
        self.document.value(i)
    }
    /// Size and modification time as the run that read it saw them.
    pub(crate) fn stat(&self, i: usize) -> (u64, u64) {
        (self.bytes.value(i), self.mtime_ns.value(i))
    }
    /// What the state's index remembers of the file.
    pub(crate) fn seen(&self, i: usize) -> nianbao_state::Seen {
        let (size, mtime) = self.stat(i);
        nianbao_state::Seen {
            size,
            mtime_ns: u128::from(mtime),
            sha256: self.sha256_hex(i),
        }
    }
    /// The SHA-256 in hex ("" for a document without content).
    fn sha256_hex(&self, i: usize) -> String {
        if self.sha256.is_valid(i) {
            crate::digest::hex(self.sha256.value(i))
        } else {
            String::new()
        }
    }
    /// The report id ("" for a document without content).
    pub(crate) fn report_id(&self, i: usize) -> String {
        let mut hex = self.sha256_hex(i);
        hex.truncate(16);
        hex
    }
    /// The report's status after the cross-report checks.
    pub(crate) fn status(&self, i: usize) -> &str {
        self.status.value(i)
    }
    /// Why it is unreadable.
    pub(crate) fn reason(&self, i: usize) -> Option<&str> {
        opt(&self.reason, i)
    }
    /// The file format.
    pub(crate) fn format(&self, i: usize) -> &str {
        self.format.value(i)
    }
    /// The template's name.
    pub(crate) fn template(&self, i: usize) -> Option<&str> {
        opt(&self.template, i)
    }
    /// The report year.
    pub(crate) fn year(&self, i: usize) -> Option<i32> {
        self.report_year
            .is_valid(i)
            .then(|| self.report_year.value(i))
    }
    /// Whether the user's corrections changed it.
    pub(crate) fn corrected(&self, i: usize) -> bool {
        self.corrected.value(i)
    }
    /// What the corpus-wide checks need of row `i` as document `doc`: its facts, its
    /// agency's key and printed name, its report id as a number. `None` once slimmed.
    #[allow(clippy::type_complexity)]
    pub(crate) fn facts(
        &self,
        i: usize,
        doc: u32,
    ) -> Option<(ReportFacts, Option<(String, String)>, Option<u64>)> {
        let (keys, names) = (self.agency_key.as_ref()?, self.agency.as_ref()?);
        if self.figures.len() != N_FIGURES || self.quality.len() != N_QUALITY {
            return None;
        }
        let agency = opt(keys, i)
            .zip(opt(names, i))
            .map(|(k, n)| (k.to_owned(), n.to_owned()));
        let id = self.sha256.is_valid(i).then(|| {
            let b = self.sha256.value(i);
            u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
        });
        let mut figures = [f32::NAN; N_FIGURES];
        for (f, c) in figures.iter_mut().zip(&self.figures) {
            *f = c.value(i);
        }
        let mut quality = [0u16; N_QUALITY];
        for (q, c) in quality.iter_mut().zip(&self.quality) {
            *q = c.value(i);
        }
        let facts = ReportFacts {
            doc,
            report_year: self.year(i),
            template: self.template(i).and_then(|t| {
                nianbao_vocab::Template::ALL
                    .into_iter()
                    .find(|x| x.as_str() == t)
            }),
            status: self.rank.value(i),
            published: self.published.value(i),
            figures,
            quality,
            ..ReportFacts::default()
        };
        Some((facts, agency, id))
    }

    /// Drops what only [`DocRows::facts`] needs.
    fn slim(&mut self) {
        self.agency_key = None;
        self.agency = None;
        self.figures = Vec::new();
        self.quality = Vec::new();
    }
}

/// Builds the record rows of some documents: `reports` columns of the spill (`rows`), their
/// statuses after the cross-report checks, modification times, corrected flags and facts.
pub(crate) fn record_batch(
    rows: &RecordBatch,
    status: &[&str],
    mtimes: &UInt64Array,
    corrected: &BooleanArray,
    facts: &[&ReportFacts],
) -> Result<RecordBatch> {
    let schema = record_schema();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for f in schema.fields() {
        let name = f.name().as_str();
        columns.push(match name {
            "status" => Arc::new(StringArray::from(status.to_vec())),
            "mtime_ns" => Arc::new(mtimes.clone()),
            "corrected" => Arc::new(corrected.clone()),
            "sha256" => {
                let hex = rows
                    .column_by_name("sha256")
                    .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                    .context("the spilled reports have no sha256")?;
                let mut b = arrow_array::builder::FixedSizeBinaryBuilder::new(32);
                for i in 0..hex.len() {
                    match crate::digest::sha_bytes(hex.value(i)) {
                        Some(bytes) => b.append_value(bytes)?,
                        None => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
            "rank" => Arc::new(UInt8Array::from_iter_values(facts.iter().map(|f| f.status))),
            "published" => Arc::new(UInt32Array::from_iter_values(
                facts.iter().map(|f| f.published),
            )),
            _ if name.starts_with("figure") => {
                let k: usize = name["figure".len()..].parse()?;
                Arc::new(Float32Array::from_iter_values(
                    facts.iter().map(|f| f.figures[k]),
                ))
            }
            _ if name.starts_with("quality") => {
                let k: usize = name["quality".len()..].parse()?;
                Arc::new(UInt16Array::from_iter_values(
                    facts.iter().map(|f| f.quality[k]),
                ))
            }
            _ => rows
                .column_by_name(name)
                .with_context(|| format!("the spilled reports have no {name}"))?
                .clone(),
        });
    }
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// One recorded year partition.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct YearMeta {
    /// The report year (`None`: reports without one).
    pub year: Option<i32>,
    /// Its files in the published dataset: the manifest's `outputs` entries.
    pub outputs: Vec<serde_json::Value>,
    /// Its reports' own findings by rule (the cross-report ones are counted anew every run).
    pub rules: BTreeMap<String, usize>,
    /// Its cells by status.
    pub cells_by_status: BTreeMap<String, usize>,
    /// The digest of its cross-report results (see the module doc).
    pub digest: String,
    /// The file of its per-document records, in `partitions/`.
    pub file: String,
}

/// The records of the previous run, as saved in `partitions/meta.json`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Meta {
    version: u32,
    /// The build, config and lists the dataset was built with.
    key: String,
    /// The generation (manifest `generation`) of the dataset the records describe.
    generation: String,
    years: Vec<YearMeta>,
}

/// The previous run's year partitions, when they can be reused at all.
pub(crate) struct Previous {
    /// By year, with their per-document records.
    pub years: Vec<(YearMeta, DocRows)>,
}

fn dir(store: &nianbao_state::Store) -> PathBuf {
    store.dir().join("partitions")
}

impl Previous {
    /// The records of the previous run, if it published the dataset at `output` now,
    /// with the same `key`, and its files are all still there at their sizes; `None`
    /// otherwise (then nothing is reused).
    pub(crate) fn load(store: &nianbao_state::Store, key: &str, output: &Path) -> Option<Previous> {
        let d = dir(store);
        let meta: Meta = serde_json::from_slice(&std::fs::read(d.join("meta.json")).ok()?).ok()?;
        if meta.version != VERSION
            || meta.key != key
            || nianbao_export::generation(output)? != meta.generation
        {
            return None;
        }
        let mut years = Vec::with_capacity(meta.years.len());
        for y in meta.years {
            let intact = y.outputs.iter().all(|o| {
                let (Some(file), Some(bytes)) = (o["file"].as_str(), o["bytes"].as_u64()) else {
                    return false;
                };
                std::fs::metadata(output.join(file)).is_ok_and(|m| m.len() == bytes)
            });
            if !intact {
                return None;
            }
            let rows = read_rows(&d.join(&y.file))?;
            years.push((y, rows));
        }
        Some(Previous { years })
    }

    /// Matches the inputs (in path order, with their size and modification time; `None`
    /// when unknown) against the recorded documents.
    pub(crate) fn plan(&self, inputs: &[(&str, Option<(u64, u128)>)]) -> Plan {
        let mut cursor = vec![0usize; self.years.len()];
        let mut clean = Vec::with_capacity(inputs.len());
        let mut touched = BTreeSet::new();
        for (rel, stat) in inputs {
            let mut found = None;
            for (slot, (meta, rows)) in self.years.iter().enumerate() {
                let c = &mut cursor[slot];
                while *c < rows.len() && rows.document(*c) < *rel {
                    touched.insert(meta.year); // a document of that year is gone
                    *c += 1;
                }
                if *c < rows.len() && rows.document(*c) == *rel {
                    let (size, mtime) = rows.stat(*c);
                    let same = mtime != 0
                        && stat.is_some_and(|(s, m)| s == size && m == u128::from(mtime));
                    if same {
                        found = Some((slot as u16, *c as u32));
                    } else {
                        touched.insert(meta.year); // changed (or cannot be trusted unchanged)
                    }
                    *c += 1;
                }
            }
            clean.push(found);
        }
        for (slot, (meta, rows)) in self.years.iter().enumerate() {
            if cursor[slot] < rows.len() {
                touched.insert(meta.year);
            }
        }
        Plan { clean, touched }
    }

    /// Drops what only [`DocRows::facts`] needs of the year in `slot` (once its facts are
    /// taken: ~200 bytes a document).
    pub(crate) fn slim_year(&mut self, slot: usize) {
        if let Some((_, rows)) = self.years.get_mut(slot) {
            rows.slim();
        }
    }

    /// The record of document `i`, when it is an unchanged member of a recorded year.
    pub(crate) fn row(&self, plan: &Plan, i: usize) -> Option<(&YearMeta, &DocRows, usize)> {
        let (slot, row) = plan.clean[i]?;
        let (meta, rows) = &self.years[slot as usize];
        Some((meta, rows, row as usize))
    }
}

/// What an incremental run can take from the previous one.
pub(crate) struct Plan {
    /// For each input: its (year slot, row) when it is an unchanged member of a recorded year.
    clean: Vec<Option<(u16, u32)>>,
    /// Years that cannot be reused (grows as the run learns more).
    pub touched: BTreeSet<Option<i32>>,
}

impl Plan {
    /// Whether document `i` is unchanged since it was recorded.
    pub(crate) fn is_clean(&self, i: usize) -> bool {
        self.clean[i].is_some()
    }

    /// Makes document `i` read again (a page whose member changed).
    pub(crate) fn dirty(&mut self, i: usize) {
        self.clean[i] = None;
    }

    /// The year slot and row of document `i`'s record, when it is unchanged.
    pub(crate) fn slot_row(&self, i: usize) -> Option<(usize, usize)> {
        self.clean[i].map(|(s, r)| (usize::from(s), r as usize))
    }
}

fn read_rows(path: &Path) -> Option<DocRows> {
    let f = std::fs::File::open(path).ok()?;
    let reader = arrow_ipc::reader::FileReader::try_new(std::io::BufReader::new(f), None).ok()?;
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().ok()?;
    let schema = record_schema();
    let batch = arrow_select::concat::concat_batches(&schema, &batches).ok()?;
    // a file of another layout is not used
    DocRows::of(&batch)
}

/// Writes this run's per-document records, one file per year, then the meta.
pub(crate) struct RecordsWriter {
    dir: PathBuf,
    stamp: String,
    open: BTreeMap<Option<i32>, (String, arrow_ipc::writer::FileWriter<std::fs::File>)>,
}

fn year_name(year: Option<i32>) -> String {
    year.map_or_else(|| "none".to_owned(), |y| y.to_string())
}

impl RecordsWriter {
    /// Starts the records of a run in the state `store`.
    pub(crate) fn new(store: &nianbao_state::Store) -> Result<RecordsWriter> {
        let dir = dir(store);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let stamp = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        Ok(RecordsWriter {
            dir,
            stamp,
            open: BTreeMap::new(),
        })
    }

    /// Appends the records of some documents of `year`.
    pub(crate) fn append(&mut self, year: Option<i32>, batch: &RecordBatch) -> Result<()> {
        if !self.open.contains_key(&year) {
            let name = format!("y{}-{}.arrow", year_name(year), self.stamp);
            let path = self.dir.join(&name);
            let f = std::fs::File::create(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            let w = arrow_ipc::writer::FileWriter::try_new(f, &record_schema())?;
            self.open.insert(year, (name, w));
        }
        let (_, w) = self.open.get_mut(&year).expect("opened above");
        w.write(batch)?;
        Ok(())
    }

    /// Finishes the files and saves the meta: `years` are this run's years, each with its
    /// meta (`file` is filled in here for the years written now; reused years keep theirs).
    /// Files no longer listed are removed.
    pub(crate) fn commit(
        mut self,
        key: &str,
        generation: &str,
        mut years: Vec<YearMeta>,
        written: &BTreeSet<Option<i32>>,
    ) -> Result<()> {
        for (year, (name, mut w)) in std::mem::take(&mut self.open) {
            w.finish()?;
            if let Some(y) = years.iter_mut().find(|y| y.year == year) {
                if written.contains(&year) {
                    y.file = name;
                }
            }
        }
        // a year written now without records (it had a document to retry) is not kept
        years.retain(|y| !y.file.is_empty());
        let meta = Meta {
            version: VERSION,
            key: key.to_owned(),
            generation: generation.to_owned(),
            years,
        };
        let tmp = self.dir.join(format!("meta.json.{}", self.stamp));
        std::fs::write(&tmp, serde_json::to_vec(&meta)?)
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, self.dir.join("meta.json"))
            .with_context(|| format!("saving {}", self.dir.join("meta.json").display()))?;
        let keep: BTreeSet<&str> = meta.years.iter().map(|y| y.file.as_str()).collect();
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name != "meta.json" && !keep.contains(name.as_str()) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records of documents (path, size, mtime) for one year.
    fn rows(docs: &[(&str, u64, u64)]) -> DocRows {
        let n = docs.len();
        let schema = record_schema();
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|f| -> ArrayRef {
                match f.name().as_str() {
                    "document" => Arc::new(StringArray::from_iter_values(docs.iter().map(|d| d.0))),
                    "bytes" => Arc::new(UInt64Array::from_iter_values(docs.iter().map(|d| d.1))),
                    "mtime_ns" => Arc::new(UInt64Array::from_iter_values(docs.iter().map(|d| d.2))),
                    "report_year" | "agency_key" | "agency" | "template" | "reason" | "sha256" => {
                        arrow_array::new_null_array(f.data_type(), n)
                    }
                    "rank" => Arc::new(UInt8Array::from(vec![0; n])),
                    "published" => Arc::new(UInt32Array::from(vec![0; n])),
                    "corrected" => Arc::new(BooleanArray::from(vec![false; n])),
                    name if name.starts_with("figure") => {
                        Arc::new(Float32Array::from(vec![f32::NAN; n]))
                    }
                    name if name.starts_with("quality") => Arc::new(UInt16Array::from(vec![0; n])),
                    _ => Arc::new(StringArray::from(vec!["x"; n])),
                }
            })
            .collect();
        DocRows::of(&RecordBatch::try_new(schema, columns).unwrap()).unwrap()
    }

    fn meta(year: i32) -> YearMeta {
        YearMeta {
            year: Some(year),
            outputs: Vec::new(),
            rules: BTreeMap::new(),
            cells_by_status: BTreeMap::new(),
            digest: String::new(),
            file: String::new(),
        }
    }

    #[test]
    fn the_plan_finds_unchanged_documents_and_the_years_that_changed() {
        let prev = Previous {
            years: vec![
                (
                    meta(2019),
                    rows(&[("a", 1, 10), ("c", 3, 30), ("e", 5, 50)]),
                ),
                (meta(2020), rows(&[("b", 2, 20), ("d", 4, 40)])),
                (meta(2021), rows(&[("f", 6, 60), ("g", 7, 0)])),
                (meta(2022), rows(&[("h", 8, 80)])),
            ],
        };
        let inputs = [
            ("a", Some((1, 10))), // unchanged
            ("b", Some((2, 20))), // unchanged
            ("c", Some((3, 30))), // unchanged
            ("c2", Some((1, 1))), // new: its year is learnt by reading it
            ("d", Some((4, 41))), // modified: 2020 touched
            ("e", Some((5, 50))), // unchanged
            ("f", Some((6, 60))), // unchanged
            ("g", Some((7, 0))),  // recorded without a trusted time: 2021 touched
                                  // h is gone: 2022 touched
        ];
        let plan = prev.plan(&inputs);
        let clean: Vec<bool> = (0..inputs.len()).map(|i| plan.is_clean(i)).collect();
        assert_eq!(clean, [true, true, true, false, false, true, true, false]);
        let touched: Vec<Option<i32>> = plan.touched.iter().copied().collect();
        assert_eq!(touched, [Some(2020), Some(2021), Some(2022)]);
        let (m, r, row) = prev.row(&plan, 5).unwrap();
        assert_eq!((m.year, r.document(row)), (Some(2019), "e"));
        // a file that cannot be stat-ed is never taken as unchanged
        let plan = prev.plan(&[("a", None)]);
        assert!(!plan.is_clean(0));
    }
}
