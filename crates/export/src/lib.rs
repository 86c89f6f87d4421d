//! Arrow batches → Parquet (zstd) and CSV files, `manifest.json` and `DATA_DICTIONARY.md`,
//! published atomically.
//!
//! **In:** record batches per table, streamed as they are produced, and the schemas they
//! follow. **Out:** a dataset directory. Files are written into a temporary sibling directory;
//! [`DatasetWriter::finish`] exchanges it with the output folder in one atomic step (see
//! the `publish` module), so a crash never leaves a half-written dataset where the previous one
//! was; [`check_output`] refuses an output holding anything nianbao did not write, [`lock`]
//! keeps a second run out and [`recover`] cleans up after a killed one. A [`Spill`] parks rows that can only be
//! finished at the end of a run in an anonymous file on disk. An [`Encoder`] prepares batches
//! on any thread (CSV rows formatted, byte for byte as `arrow-csv` writes them); the writer
//! only appends. Parquet row groups wait as Arrow data until they are full, then are encoded in
//! one go, their columns in parallel; each open file buffers at most one row group
//! ([`ROW_GROUP_BYTES`] of data, [`PARTITION_ROW_GROUP_BYTES`] in a partition). A file's bytes depend only on its rows, never on how they
//! were batched or on the other files (so a year partition can be reused, see
//! [`DatasetWriter::link`]).
//! **Never:** holds a whole table in memory, changes the data it is given, or deletes or
//! replaces a file it did not write.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Int32Array, RecordBatch};
//! use arrow_schema::{DataType, Field, Schema};
//! use nianbao_export::{DatasetWriter, Formats};
//!
//! let dir = std::env::temp_dir().join(format!("nianbao-doc-{}", std::process::id()));
//! let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int32, false)]));
//! let mut w = DatasetWriter::create(&dir, Formats { parquet: true, csv: true, csv_bom: false }, &[("t", schema.clone())]).unwrap();
//! w.write("t", &RecordBatch::try_new(schema, vec![Arc::new(Int32Array::from(vec![1, 2]))]).unwrap()).unwrap();
//! let counts = w.finish(&serde_json::json!({}), "# dictionary\n").unwrap();
//! assert_eq!(counts["t"], 2);
//! assert!(dir.join("t.parquet").exists() && dir.join("t.csv").exists());
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

mod csv_rows;
mod publish;
mod spill;
pub mod summary;

use publish::publish;
pub use publish::{
    check_output, generation, lock, recover, sibling, Existing, OutputLock, Publication,
    PARTIAL_MARKER,
};
pub use spill::Spill;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnChunk, ArrowLeafColumn, ArrowRowGroupWriterFactory,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

/// Which files to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Formats {
    /// `TABLE.parquet`, zstd-compressed (default on: a `[formats]` table may name one format).
    #[serde(default = "yes")]
    pub parquet: bool,
    /// `TABLE.csv`, UTF-8 with a header row (default on).
    #[serde(default = "yes")]
    pub csv: bool,
    /// Start every CSV file with a UTF-8 byte order mark, so that Excel (zh-CN) opens it as
    /// UTF-8 instead of GBK (default off: most CSV readers take the mark for data).
    #[serde(default)]
    pub csv_bom: bool,
}

fn yes() -> bool {
    true
}

/// Why the dataset could not be written. Messages name the path.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// File system error.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Parquet encoder error.
    #[error("cannot write Parquet file {path}: {source}")]
    Parquet {
        /// The path concerned.
        path: PathBuf,
        /// The cause.
        source: parquet::errors::ParquetError,
    },
    /// CSV encoder error.
    #[error("cannot write CSV file {path}: {source}")]
    Csv {
        /// The path concerned.
        path: PathBuf,
        /// The cause.
        source: arrow_schema::ArrowError,
    },
    /// A spill file (rows parked until the end of the run) could not be written or read.
    #[error("cannot use a spill file in {dir}: {source}")]
    Spill {
        /// The folder of the spill file.
        dir: PathBuf,
        /// The cause.
        source: arrow_schema::ArrowError,
    },
    /// A batch for a table whose files were already finished.
    #[error("table {0} was already closed; no more rows can be written to it")]
    Closed(String),
    /// A batch for a partition whose files were taken from the previous dataset.
    #[error("the {partition} partition of table {table} was taken from the previous dataset; no rows can be written to it")]
    Reused {
        /// The table.
        table: String,
        /// The partition's folder name.
        partition: String,
    },
    /// A partition to take from the previous dataset is not as its manifest says.
    #[error("cannot reuse {path} from the previous dataset: {why}")]
    NotReusable {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// A batch for a table that was not declared.
    #[error("no table named {0} was declared")]
    UnknownTable(String),
    /// Nothing is enabled.
    #[error("no output format is enabled: set parquet or csv")]
    NoFormat,
    /// The output path holds something nianbao did not write; nothing was read or written.
    #[error("refusing to write the dataset to {output}: {why}")]
    NotOurs {
        /// The output path.
        output: PathBuf,
        /// What is there, and what to do.
        why: String,
    },
    /// The lock path beside the output holds something of someone else's.
    #[error("refusing to write the dataset to {output}: its lock file {lock} is {what}, not the empty lock file nianbao makes; move it away or choose another output folder")]
    LockNotOurs {
        /// The output path.
        output: PathBuf,
        /// The lock path.
        lock: PathBuf,
        /// What is there.
        what: &'static str,
    },
    /// Another run is writing the same output.
    #[error("another nianbao build is writing {output} (it holds {lock}); this run stops without touching the dataset — try again when the other run has finished")]
    Locked {
        /// The output path.
        output: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
}

/// Rows per Parquet row group at most (memory per table is bounded by one row group).
pub const ROW_GROUP_ROWS: usize = 65_536;
/// Largest size of a row group's Arrow data before it is encoded (wide tables flush by size,
/// not rows).
pub const ROW_GROUP_BYTES: usize = 8 << 20;
/// The same for the files of a partitioned dataset: every year of every table being written
/// waits at once (7 years × 3 tables at 8 MB held ~1.4 GB at 1 M reports).
pub const PARTITION_ROW_GROUP_BYTES: usize = 4 << 20;

/// Field metadata key: a string column whose field has `parquet_statistics` = `min_max`
/// gets min/max statistics in its Parquet files (per row group and page, so that readers can
/// skip row groups); other string columns get none. Meant for the columns rows are ordered by.
/// Numbers always get them.
pub const STATISTICS_METADATA: &str = "parquet_statistics";

/// Tables with more columns than this are written without dictionary encoding.
pub const WIDE_COLUMNS: usize = 40;

struct TableWriter {
    parquet: Option<ParquetTable>,
    csv: Option<(PathBuf, BufWriter<File>)>,
    rows: u64,
}

/// A Parquet file and the rows of its next row group.
///
/// Rows wait here, as Arrow data, until they make a row group; the row group is then encoded
/// in one go, its columns in parallel (rayon), and appended to the file. A column encoder
/// holds a zstd compressor and decompressor until its row group is written: encoding a whole
/// row group at once means only one row group's encoders exist at a time (a wide table of 250
/// columns in 7 year partitions, written batch by batch, kept ~1,750 of each alive).
///
/// The file is a function of its rows alone, never of how they were batched or of what other
/// files were written meanwhile: a row group is the longest run of the next rows within
/// [`ROW_GROUP_ROWS`] rows and [`ROW_GROUP_BYTES`] of data ([`PARTITION_ROW_GROUP_BYTES`] in a
/// partition; see [`data_bytes`]; at least one
/// row), and its batches are concatenated before encoding, so that pages split the same way.
/// That is what lets an incremental run link a year partition from the previous dataset and
/// still publish the bytes a full rebuild writes (issue 15).
struct ParquetTable {
    path: PathBuf,
    schema: SchemaRef,
    writer: SerializedFileWriter<File>,
    factory: ArrowRowGroupWriterFactory,
    row_groups: usize,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    pending_bytes: usize,
    /// [`ROW_GROUP_BYTES`], or [`PARTITION_ROW_GROUP_BYTES`] for a partition.
    group_bytes: usize,
}

/// The data bytes of rows `from..to` of a batch, as the row-group rule counts them: a fixed
/// width per value of a primitive column, the text of a string or binary column plus 4 bytes,
/// 16 bytes per value of any other column. It depends only on the values, never on buffers
/// shared with other rows (as Arrow's memory sizes do).
fn data_bytes(batch: &RecordBatch, from: usize, to: usize) -> usize {
    use arrow_array::Array;
    let rows = to - from;
    batch
        .columns()
        .iter()
        .map(|c| {
            let any = c.as_any();
            if let Some(s) = any.downcast_ref::<arrow_array::StringArray>() {
                let o = s.value_offsets();
                (o[to] - o[from]) as usize + 4 * rows
            } else if let Some(s) = any.downcast_ref::<arrow_array::LargeStringArray>() {
                let o = s.value_offsets();
                (o[to] - o[from]) as usize + 8 * rows
            } else if let Some(s) = any.downcast_ref::<arrow_array::BinaryArray>() {
                let o = s.value_offsets();
                (o[to] - o[from]) as usize + 4 * rows
            } else {
                c.data_type().primitive_width().unwrap_or(16) * rows
            }
        })
        .sum()
}

impl ParquetTable {
    /// Adds a batch's rows; writes each row group as soon as the next row would not fit in it.
    fn push(&mut self, batch: &RecordBatch) -> Result<(), ExportError> {
        let n = batch.num_rows();
        let mut at = 0;
        while at < n {
            // the most rows from `at` that still fit (bytes grow with rows: binary search)
            let room_rows = ROW_GROUP_ROWS - self.pending_rows;
            let room_bytes = self.group_bytes.saturating_sub(self.pending_bytes);
            let (mut lo, mut hi) = (0, room_rows.min(n - at));
            while lo < hi {
                let mid = (lo + hi).div_ceil(2);
                if data_bytes(batch, at, at + mid) <= room_bytes {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            // a row larger than a whole row group makes one alone
            let take = if lo == 0 && self.pending_rows == 0 {
                1
            } else {
                lo
            };
            if take > 0 {
                self.pending.push(batch.slice(at, take));
                self.pending_rows += take;
                self.pending_bytes += data_bytes(batch, at, at + take);
                at += take;
            }
            if at < n {
                // the next row does not fit: this row group is complete
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Encodes the pending rows as one row group.
    fn flush(&mut self) -> Result<(), ExportError> {
        let pending = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        self.pending_bytes = 0;
        match pending.len() {
            0 => Ok(()),
            1 => self.encode_row_group(&pending[0]),
            _ => {
                let one = arrow_select::concat::concat_batches(&self.schema, &pending)
                    .map_err(|e| parquet_err(&self.path)(e.into()))?;
                self.encode_row_group(&one)
            }
        }
    }

    /// Encodes `batch` as one row group, one column per task, and appends it to the file.
    fn encode_row_group(&mut self, batch: &RecordBatch) -> Result<(), ExportError> {
        let writers = self
            .factory
            .create_column_writers(self.row_groups)
            .map_err(parquet_err(&self.path))?;
        // the leaf columns, in the order of the column writers
        let mut leaves: Vec<ArrowLeafColumn> = Vec::with_capacity(writers.len());
        for (field, column) in self.schema.fields().iter().zip(batch.columns()) {
            leaves.extend(compute_leaves(field, column).map_err(parquet_err(&self.path))?);
        }
        let chunks: Vec<ArrowColumnChunk> = writers
            .into_par_iter()
            .zip(leaves)
            .map(|(mut w, leaf)| {
                w.write(&leaf)?;
                w.close()
            })
            .collect::<Result<_, _>>()
            .map_err(parquet_err(&self.path))?;
        let mut rg = self
            .writer
            .next_row_group()
            .map_err(parquet_err(&self.path))?;
        for c in chunks {
            c.append_to_row_group(&mut rg)
                .map_err(parquet_err(&self.path))?;
        }
        rg.close().map_err(parquet_err(&self.path))?;
        self.row_groups += 1;
        Ok(())
    }

    fn close(mut self) -> Result<(), ExportError> {
        self.flush()?;
        self.writer
            .close()
            .map(|_| ())
            .map_err(parquet_err(&self.path))
    }
}

/// Buffers that CSV rows are formatted into, kept for reuse: a fresh buffer of a few
/// megabytes per batch costs page faults and zeroing every time.
#[derive(Default)]
struct CsvBuffers(std::sync::Mutex<Vec<Vec<u8>>>);

impl CsvBuffers {
    /// Buffers kept at most.
    const KEEP: usize = 16;

    fn take(&self) -> Vec<u8> {
        let pooled = self.0.lock().map(|mut p| p.pop()).unwrap_or_default();
        pooled.unwrap_or_default()
    }

    fn give(&self, mut buf: Vec<u8>) {
        buf.clear();
        if let Ok(mut p) = self.0.lock() {
            if p.len() < Self::KEEP && buf.capacity() <= ROW_GROUP_BYTES {
                p.push(buf);
            }
        }
    }
}

/// Writes a dataset of several tables, then publishes it atomically.
pub struct DatasetWriter {
    output: PathBuf,
    /// The name of this run's dataset, recorded in its manifest (see [`generation`]).
    generation: String,
    tmp: PathBuf,
    /// Prepares batches for the files (shared with the threads that encode); also holds the
    /// formats and whether the dataset is partitioned.
    encoder: Encoder,
    /// (table, partition) → writer; partition is `None` when not partitioned.
    tables: BTreeMap<PartKey, TableWriter>,
    /// Files of tables closed before [`DatasetWriter::finish`]: (table, partition) → manifest
    /// `outputs` entries and rows.
    closed: BTreeMap<PartKey, (Vec<serde_json::Value>, u64)>,
    /// Tables closed early.
    closed_tables: std::collections::BTreeSet<String>,
}

/// Prepares batches for a [`DatasetWriter`]'s files on any thread: each batch projected to the
/// schema its files are written with and its CSV rows formatted, so that the thread that owns
/// the writer only appends bytes. Cheap to clone.
#[derive(Clone)]
pub struct Encoder {
    /// Table → the schema its Parquet files are written with (without [`PARTITION_COLUMN`]
    /// when partitioned: the folder names it) and the indices of the given batches' columns
    /// that go into them, and the schema of its CSV files (every column: a CSV file read on
    /// its own keeps its `report_year`).
    schemas: std::sync::Arc<BTreeMap<String, Written>>,
    formats: Formats,
    partitioned: bool,
    csv_buffers: std::sync::Arc<CsvBuffers>,
    /// The folder being written (for messages).
    dir: PathBuf,
}

/// How a table is written: its Parquet schema, the given batches' columns that go into it,
/// and its CSV schema (see [`Encoder`]).
type Written = (SchemaRef, Vec<usize>, SchemaRef);

/// A batch prepared by an [`Encoder`], for [`DatasetWriter::write_encoded`].
pub struct Encoded {
    table: String,
    /// The partition; `None` when not partitioned.
    part: Option<Option<i32>>,
    batch: RecordBatch,
    csv: Option<Vec<u8>>,
}

impl Encoder {
    /// Prepares `batch` for `table`, whose rows all belong to reports of `year` (the
    /// partition; ignored when the dataset is not partitioned).
    pub fn encode(
        &self,
        table: &str,
        year: Option<i32>,
        batch: &RecordBatch,
    ) -> Result<Encoded, ExportError> {
        let (schema, keep, _) = self
            .schemas
            .get(table)
            .ok_or_else(|| ExportError::UnknownTable(table.to_owned()))?;
        let err = |source| ExportError::Csv {
            path: self.dir.join(table),
            source,
        };
        // one schema shared by every batch of the table (a wide schema is ~250 fields with
        // metadata: a copy per buffered batch added up to tens of megabytes)
        let given = batch;
        let batch = RecordBatch::try_new(
            schema.clone(),
            keep.iter().map(|&i| batch.column(i).clone()).collect(),
        )
        .map_err(err)?;
        let csv = if self.formats.csv {
            let mut buf = self.csv_buffers.take();
            // every column, the partition's too
            csv_rows::write_rows(given, false, &mut buf).map_err(err)?;
            Some(buf)
        } else {
            None
        };
        Ok(Encoded {
            table: table.to_owned(),
            part: self.partitioned.then_some(year),
            batch,
            csv,
        })
    }
}

type PartKey = (String, Option<Option<i32>>);

/// Closes one table's files; returns its manifest `outputs` entries and row count.
fn close_table(
    key: &PartKey,
    t: TableWriter,
) -> Result<(Vec<serde_json::Value>, u64), ExportError> {
    let (name, part) = key;
    let (stem, csv_stem) = match part {
        Some(y) => (
            format!("{name}/{}/part-0", partition_dir(*y)),
            format!("csv/{name}/{}/part-0", partition_dir(*y)),
        ),
        None => (name.clone(), name.clone()),
    };
    let mut outputs = Vec::new();
    // each file's size, so that a run can tell the published files are still the ones written
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).map_err(io(p));
    if let Some(p) = t.parquet {
        let path = p.path.clone();
        p.close()?;
        outputs.push(serde_json::json!({
            "table": name, "file": format!("{stem}.parquet"), "rows": t.rows, "bytes": size(&path)?,
        }));
    }
    if let Some((p, mut w)) = t.csv {
        w.flush().map_err(io(&p))?;
        drop(w);
        outputs.push(serde_json::json!({
            "table": name, "file": format!("{csv_stem}.csv"), "rows": t.rows, "bytes": size(&p)?,
        }));
    }
    Ok((outputs, t.rows))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_owned(),
        source,
    }
}

fn parquet_err(path: &Path) -> impl FnOnce(parquet::errors::ParquetError) -> ExportError + '_ {
    move |source| ExportError::Parquet {
        path: path.to_owned(),
        source,
    }
}

/// The partition column: in partitioned files it lives in the folder name, not in the file.
pub const PARTITION_COLUMN: &str = "report_year";

/// The folder name of a partition (`report_year=2024`; Hive's name for null).
pub fn partition_dir(year: Option<i32>) -> String {
    match year {
        Some(y) => format!("{PARTITION_COLUMN}={y}"),
        None => format!("{PARTITION_COLUMN}=__HIVE_DEFAULT_PARTITION__"),
    }
}

fn open_table(
    dir: &Path,
    csv_dir: &Path,
    stem: &str,
    (schema, csv_schema): (&SchemaRef, &SchemaRef),
    formats: Formats,
    group_bytes: usize,
) -> Result<TableWriter, ExportError> {
    let parquet = if formats.parquet {
        let p = dir.join(format!("{stem}.parquet"));
        let f = File::create(&p).map_err(io(&p))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).expect("zstd level 3 is valid"),
            ))
            .set_created_by(format!("nianbao {}", env!("CARGO_PKG_VERSION")))
            // Wide tables (one column per cell key): a dictionary encoder per column costs
            // more memory than it saves space on numbers that zstd compresses anyway.
            .set_dictionary_enabled(schema.fields().len() <= WIDE_COLUMNS);
        // min/max of free text or of labels every row group holds prunes nothing; computing
        // them compared every string value twice
        let mut props = props;
        for f in schema.fields() {
            let stats = f.metadata().get(STATISTICS_METADATA).map(String::as_str);
            if matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8)
                && stats != Some("min_max")
            {
                props = props.set_column_statistics_enabled(
                    ColumnPath::from(f.name().as_str()),
                    EnabledStatistics::None,
                );
            }
        }
        let props = props.build();
        // the ArrowWriter sets the file up (Parquet schema, the Arrow schema in the footer);
        // row groups are then encoded by `ParquetTable` itself
        let (writer, factory) = ArrowWriter::try_new(f, schema.clone(), Some(props))
            .and_then(|w| w.into_serialized_writer())
            .map_err(parquet_err(&p))?;
        Some(ParquetTable {
            path: p,
            schema: schema.clone(),
            writer,
            factory,
            row_groups: 0,
            pending: Vec::new(),
            pending_rows: 0,
            pending_bytes: 0,
            group_bytes,
        })
    } else {
        None
    };
    let csv = if formats.csv {
        std::fs::create_dir_all(csv_dir).map_err(io(csv_dir))?;
        let p = csv_dir.join(format!("{stem}.csv"));
        let mut f = BufWriter::new(File::create(&p).map_err(io(&p))?);
        let mut header = Vec::new();
        if formats.csv_bom {
            header.extend_from_slice("\u{feff}".as_bytes());
        }
        csv_rows::write_rows(
            &RecordBatch::new_empty(csv_schema.clone()),
            true,
            &mut header,
        )
        .map_err(|source| ExportError::Csv {
            path: p.clone(),
            source,
        })?;
        f.write_all(&header).map_err(io(&p))?;
        Some((p, f))
    } else {
        None
    };
    Ok(TableWriter {
        parquet,
        csv,
        rows: 0,
    })
}

/// The schema without the partition column, and the indices of the columns kept.
fn without_partition(schema: &SchemaRef) -> (SchemaRef, Vec<usize>) {
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| schema.field(i).name() != PARTITION_COLUMN)
        .collect();
    let projected = schema.project(&keep).expect("indices come from the schema");
    (std::sync::Arc::new(projected), keep)
}

impl DatasetWriter {
    /// Starts a dataset that will replace `output` when finished: one file per table and
    /// format (`cells.parquet`, `cells.csv`, …).
    pub fn create(
        output: &Path,
        formats: Formats,
        tables: &[(&str, SchemaRef)],
    ) -> Result<DatasetWriter, ExportError> {
        Self::create_with(output, formats, tables, false)
    }

    /// Like [`create`](Self::create); with `partitioned`, every table is written Hive-style by
    /// report year instead: `cells/report_year=2024/part-0.parquet` and
    /// `csv/cells/report_year=2024/part-0.csv` (null years under
    /// `report_year=__HIVE_DEFAULT_PARTITION__`), the year in the folder name only.
    pub fn create_with(
        output: &Path,
        formats: Formats,
        tables: &[(&str, SchemaRef)],
        partitioned: bool,
    ) -> Result<DatasetWriter, ExportError> {
        if !formats.parquet && !formats.csv {
            return Err(ExportError::NoFormat);
        }
        let (parent, _) = publish::split(output);
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let tmp = sibling(output, &format!("tmp-{}", std::process::id()));
        if std::fs::symlink_metadata(&tmp).is_ok() {
            // a leftover of an earlier run with this process id, if it is ours at all
            if !publish::is_ours(&tmp, &publish::split(output).1) {
                return Err(ExportError::NotOurs {
                    output: output.to_owned(),
                    why: format!(
                        "{} is in the way of its temporary folder and was not written by nianbao; move it away",
                        tmp.display()
                    ),
                });
            }
            std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
        }
        std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
        let marker = tmp.join(PARTIAL_MARKER);
        std::fs::write(
            &marker,
            b"a dataset nianbao is writing; removed by the next run if left\n",
        )
        .map_err(io(&marker))?;
        let mut out = BTreeMap::new();
        if !partitioned {
            for (t, schema) in tables {
                out.insert(
                    ((*t).to_owned(), None),
                    open_table(&tmp, &tmp, t, (schema, schema), formats, ROW_GROUP_BYTES)?,
                );
            }
        }
        Ok(DatasetWriter {
            output: output.to_owned(),
            generation: publish::new_generation(),
            tmp: tmp.clone(),
            encoder: Encoder {
                schemas: std::sync::Arc::new(
                    tables
                        .iter()
                        .map(|(t, s)| {
                            let (written, keep) = if partitioned {
                                without_partition(s)
                            } else {
                                (s.clone(), (0..s.fields().len()).collect())
                            };
                            ((*t).to_owned(), (written, keep, s.clone()))
                        })
                        .collect(),
                ),
                formats,
                partitioned,
                csv_buffers: Default::default(),
                dir: tmp.clone(),
            },
            tables: out,
            closed: BTreeMap::new(),
            closed_tables: Default::default(),
        })
    }

    /// The name of the dataset being written, unique to this run: its manifest's
    /// `generation`, which [`generation`] reads back from a published dataset.
    pub fn generation(&self) -> &str {
        &self.generation
    }

    /// Whether tables are partitioned by report year.
    pub fn partitioned(&self) -> bool {
        self.encoder.partitioned
    }

    /// Appends a batch to a table (an unpartitioned dataset).
    pub fn write(&mut self, table: &str, batch: &RecordBatch) -> Result<(), ExportError> {
        self.write_in(table, None, batch)
    }

    /// Appends a batch whose rows all belong to reports of `year` (the partition; ignored when
    /// the dataset is not partitioned).
    pub fn write_in(
        &mut self,
        table: &str,
        year: Option<i32>,
        batch: &RecordBatch,
    ) -> Result<(), ExportError> {
        let encoded = self.encoder.encode(table, year, batch)?;
        self.write_encoded(encoded)
    }

    /// What prepares batches for this writer on other threads (see [`Encoder`]).
    pub fn encoder(&self) -> Encoder {
        self.encoder.clone()
    }

    /// Appends a batch prepared by this writer's [`Encoder`]. A row group that fills up is
    /// encoded on all cores.
    pub fn write_encoded(&mut self, encoded: Encoded) -> Result<(), ExportError> {
        let Encoded {
            table,
            part,
            batch,
            csv,
        } = encoded;
        if self.closed_tables.contains(&table) {
            return Err(ExportError::Closed(table));
        }
        let key = (table, part);
        if let (Some(year), true) = (part, self.closed.contains_key(&key)) {
            return Err(ExportError::Reused {
                table: key.0,
                partition: partition_dir(year),
            });
        }
        if let (Some(year), false) = (part, self.tables.contains_key(&key)) {
            let table = &key.0;
            // Parquet and CSV in separate trees, so that each reads as one dataset
            let dir = self.tmp.join(table).join(partition_dir(year));
            let csv_dir = self.tmp.join("csv").join(table).join(partition_dir(year));
            if self.encoder.formats.parquet {
                std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            }
            let (schema, _, csv_schema) = &self.encoder.schemas[table];
            let w = open_table(
                &dir,
                &csv_dir,
                "part-0",
                (schema, csv_schema),
                self.encoder.formats,
                PARTITION_ROW_GROUP_BYTES,
            )?;
            self.tables.insert(key.clone(), w);
        }
        let t = self
            .tables
            .get_mut(&key)
            .ok_or_else(|| ExportError::UnknownTable(key.0.clone()))?;
        if let Some(rows) = csv {
            if let Some((p, w)) = &mut t.csv {
                w.write_all(&rows).map_err(io(p))?;
            }
            self.encoder.csv_buffers.give(rows);
        }
        t.rows += batch.num_rows() as u64;
        if let Some(p) = &mut t.parquet {
            p.push(&batch)?;
        }
        Ok(())
    }

    /// Finishes the files of `table` (every partition) now, releasing their buffers, instead
    /// of at [`finish`](Self::finish); writing to it afterwards is an error.
    pub fn close(&mut self, table: &str) -> Result<(), ExportError> {
        let keys: Vec<PartKey> = self
            .tables
            .keys()
            .filter(|(t, _)| t == table)
            .cloned()
            .collect();
        for key in keys {
            let t = self.tables.remove(&key).expect("listed above");
            let closed = close_table(&key, t)?;
            self.closed.insert(key, closed);
        }
        // an unpartitioned table is closed even when it had no rows; mark it so writes fail
        if !self.encoder.partitioned {
            self.closed
                .entry((table.to_owned(), None))
                .or_insert_with(|| (Vec::new(), 0));
        }
        self.closed_tables.insert(table.to_owned());
        Ok(())
    }

    /// Takes the files of one year partition of `table` as they are in the previous dataset
    /// `from` (hard links, or copies where the file system has none) instead of writing them.
    /// `outputs` are that partition's entries of the previous manifest's `outputs` (`file`,
    /// `rows`, `bytes`); each file must still have its recorded size. Rows can no longer be
    /// written to that partition. Only for partitioned datasets.
    pub fn link(
        &mut self,
        table: &str,
        year: Option<i32>,
        from: &Path,
        outputs: &[serde_json::Value],
    ) -> Result<(), ExportError> {
        let key: PartKey = (table.to_owned(), Some(year));
        let bad = |path: PathBuf, why: String| ExportError::NotReusable { path, why };
        if !self.encoder.partitioned || self.tables.contains_key(&key) {
            return Err(bad(
                from.join(table).join(partition_dir(year)),
                "only a partition of a partitioned dataset not written yet can be reused".into(),
            ));
        }
        let mut rows = 0;
        for o in outputs {
            let (Some(file), Some(bytes), Some(n)) =
                (o["file"].as_str(), o["bytes"].as_u64(), o["rows"].as_u64())
            else {
                return Err(bad(
                    from.to_owned(),
                    format!("a manifest entry without file, bytes and rows: {o}"),
                ));
            };
            let src = from.join(file);
            let size = std::fs::metadata(&src).map(|m| m.len()).map_err(io(&src))?;
            if size != bytes {
                return Err(bad(
                    src,
                    format!("{size} bytes where the manifest says {bytes}"),
                ));
            }
            let dst = self.tmp.join(file);
            if let Some(dir) = dst.parent() {
                std::fs::create_dir_all(dir).map_err(io(dir))?;
            }
            if std::fs::hard_link(&src, &dst).is_err() {
                std::fs::copy(&src, &dst).map_err(io(&dst))?;
            }
            rows = n;
        }
        self.closed.insert(key, (outputs.to_vec(), rows));
        Ok(())
    }

    /// The folder the dataset is being written into (on the output's file system, removed if
    /// the run dies): where a run may keep anonymous temporary files such as a [`Spill`].
    pub fn scratch_dir(&self) -> &Path {
        &self.tmp
    }

    /// Closes every file, writes `manifest.json` (with the row counts added under `outputs`)
    /// and `DATA_DICTIONARY.md`, and puts the dataset in place. Returns rows per table.
    pub fn finish(
        self,
        manifest: &serde_json::Value,
        dictionary: &str,
    ) -> Result<BTreeMap<String, u64>, ExportError> {
        self.finish_with_inputs(manifest, None, dictionary)
            .map(|f| f.rows)
    }

    /// Adds a file (e.g. `summary.html`) to the dataset being written; it is published with
    /// the tables (and listed under the manifest's `files`).
    pub fn add_file(&self, name: &str, contents: &[u8]) -> Result<(), ExportError> {
        let p = self.tmp.join(name);
        std::fs::write(&p, contents).map_err(io(&p))
    }

    /// [`finish`](Self::finish), with the manifest's `inputs` list streamed from `inputs`: one
    /// JSON object per line, copied in order (a million inputs are never held in memory).
    /// The manifest also gets `generation` (this run's [`generation`](Self::generation)) and
    /// `files` (the dataset's files that are not tables), so that a later run knows the folder
    /// holds nothing but what nianbao wrote.
    pub fn finish_with_inputs(
        self,
        manifest: &serde_json::Value,
        inputs: Option<&mut dyn std::io::BufRead>,
        dictionary: &str,
    ) -> Result<Finished, ExportError> {
        let mut counts: BTreeMap<String, u64> = self
            .encoder
            .schemas
            .keys()
            .map(|t| (t.clone(), 0))
            .collect();
        let mut done = self.closed;
        for (key, t) in self.tables {
            let closed = close_table(&key, t)?;
            done.insert(key, closed);
        }
        let mut outputs = Vec::new();
        for ((name, _), (files, rows)) in done {
            outputs.extend(files);
            *counts.entry(name).or_insert(0) += rows;
        }
        let dp = self.tmp.join("DATA_DICTIONARY.md");
        std::fs::write(&dp, dictionary).map_err(io(&dp))?;
        if self.encoder.formats.csv {
            let pkg = datapackage(
                &self.encoder.schemas,
                &outputs,
                self.encoder.formats.csv_bom,
            );
            let pp = self.tmp.join(DATAPACKAGE);
            std::fs::write(&pp, pkg).map_err(io(&pp))?;
        }
        let mut files = other_files(&self.tmp, &outputs)?;
        files.retain(|f| f != "manifest.json" && f != PARTIAL_MARKER);
        let mut manifest = manifest.clone();
        if let Some(m) = manifest.as_object_mut() {
            m.insert("outputs".into(), serde_json::Value::Array(outputs.clone()));
            m.insert("generation".into(), self.generation.clone().into());
            m.insert("files".into(), files.into());
            if inputs.is_some() {
                m.remove("inputs");
            }
        }
        let mp = self.tmp.join("manifest.json");
        write_manifest(&mp, &manifest, inputs)?;
        // complete: from here on the folder is a dataset of ours by its manifest
        let marker = self.tmp.join(PARTIAL_MARKER);
        std::fs::remove_file(&marker).map_err(io(&marker))?;
        let publication = publish(&self.tmp, &self.output)?;
        Ok(Finished {
            rows: counts,
            outputs,
            publication,
        })
    }
}

/// What [`DatasetWriter::finish_with_inputs`] wrote.
#[derive(Debug)]
pub struct Finished {
    /// Rows per table.
    pub rows: BTreeMap<String, u64>,
    /// The manifest's `outputs` entries (`file`, `rows`, `bytes`).
    pub outputs: Vec<serde_json::Value>,
    /// How the dataset was put in place.
    pub publication: Publication,
}

/// The files under `dir` (relative, `/`-separated, sorted) that `outputs` does not list.
fn other_files(dir: &Path, outputs: &[serde_json::Value]) -> Result<Vec<String>, ExportError> {
    let listed: std::collections::HashSet<&str> =
        outputs.iter().filter_map(|o| o["file"].as_str()).collect();
    let mut found = publish::files_under(dir).map_err(io(dir))?;
    found.retain(|r| !listed.contains(r.as_str()));
    Ok(found)
}

/// Writes `manifest` pretty-printed, with an `inputs` member appended from JSON lines.
fn write_manifest(
    path: &Path,
    manifest: &serde_json::Value,
    inputs: Option<&mut dyn std::io::BufRead>,
) -> Result<(), ExportError> {
    let text = serde_json::to_string_pretty(manifest).expect("JSON values serialize");
    let mut out = BufWriter::new(File::create(path).map_err(io(path))?);
    match (inputs, text.strip_suffix("\n}")) {
        (Some(lines), Some(head)) => {
            out.write_all(head.as_bytes()).map_err(io(path))?;
            out.write_all(b",\n  \"inputs\": [").map_err(io(path))?;
            let mut first = true;
            let mut buf = String::new();
            loop {
                buf.clear();
                if lines.read_line(&mut buf).map_err(io(path))? == 0 {
                    break;
                }
                let line = buf.trim();
                if line.is_empty() {
                    continue;
                }
                if !(line.starts_with('{') && line.ends_with('}')) {
                    return Err(ExportError::Io {
                        path: path.to_owned(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("a manifest input is not one JSON object per line: {line}"),
                        ),
                    });
                }
                out.write_all(if first { b"\n    " } else { b",\n    " })
                    .map_err(io(path))?;
                out.write_all(line.as_bytes()).map_err(io(path))?;
                first = false;
            }
            out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })
                .map_err(io(path))?;
        }
        _ => {
            out.write_all(text.as_bytes()).map_err(io(path))?;
            out.write_all(b"\n").map_err(io(path))?;
        }
    }
    out.flush().map_err(io(path))
}

/// The Frictionless Data Package describing the dataset's CSV files.
pub const DATAPACKAGE: &str = "datapackage.json";

/// The Frictionless type of an Arrow type.
fn frictionless_type(t: &DataType) -> &'static str {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 => "string",
        DataType::Boolean => "boolean",
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => "integer",
        DataType::Float16 | DataType::Float32 | DataType::Float64 => "number",
        DataType::Date32 | DataType::Date64 => "date",
        _ => "any",
    }
}

/// `datapackage.json` (Frictionless Data Package, tabular): one resource per table with CSV
/// files (its file, or its partitions' files), each field's name, type and description, so
/// that `frictionless` (and code that reads it: codes such as `adcode` are strings) reads the
/// CSVs with their types.
fn datapackage(
    schemas: &BTreeMap<String, Written>,
    outputs: &[serde_json::Value],
    bom: bool,
) -> String {
    let mut resources = Vec::new();
    for (table, (_, _, csv_schema)) in schemas {
        let whole = format!("{table}.csv");
        let parts = format!("csv/{table}/");
        let mut paths: Vec<&str> = outputs
            .iter()
            .filter_map(|o| o["file"].as_str())
            .filter(|f| *f == whole || (f.starts_with(&parts) && f.ends_with(".csv")))
            .collect();
        paths.sort_unstable();
        if paths.is_empty() {
            continue;
        }
        let fields: Vec<serde_json::Value> = csv_schema
            .fields()
            .iter()
            .map(|f| {
                let mut v = serde_json::json!({
                    "name": f.name(),
                    "type": frictionless_type(f.data_type()),
                });
                if let Some(d) = f.metadata().get("description") {
                    v["description"] = d.as_str().into();
                }
                if !f.is_nullable() {
                    v["constraints"] = serde_json::json!({ "required": true });
                }
                v
            })
            .collect();
        let path: serde_json::Value = if paths.len() == 1 && paths[0] == whole {
            whole.clone().into()
        } else {
            paths.into()
        };
        resources.push(serde_json::json!({
            "name": table,
            "path": path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": if bom { "utf-8-sig" } else { "utf-8" },
            "schema": { "fields": fields, "missingValues": [""] },
        }));
    }
    let pkg = serde_json::json!({
        "profile": "tabular-data-package",
        "name": "nianbao-dataset",
        "title": "政府信息公开工作年度报告 — nianbao dataset",
        "resources": resources,
    });
    let mut s = serde_json::to_string_pretty(&pkg).expect("JSON values serialize");
    s.push('\n');
    s
}

/// The data dictionary: every table and column from the schemas' `description` metadata, and
/// the rule catalogue.
pub fn data_dictionary(
    tables: &[(&str, &str, SchemaRef)],
    rules: &[nianbao_vocab::Rule],
) -> String {
    let mut s = String::from(
        "# Data dictionary\n\nGenerated by `nianbao build` from the schemas in `nianbao_normalize::batch` and the rule \
         catalogue in `nianbao_vocab::rules`; do not edit by hand. Every table is written as `TABLE.parquet` \
         (zstd) and `TABLE.csv` (UTF-8, header row; whole numbers without a decimal point), the CSV files described \
         with their types in `datapackage.json` (Frictionless Data Package).\n",
    );
    for (name, about, schema) in tables {
        s.push_str(&format!("\n## `{name}`\n\n{about}\n\n| column | type | nullable | meaning |\n|---|---|---|---|\n"));
        // every column, the wide tables' one per cell key included (issue 29.2)
        for f in schema.fields().iter() {
            let d = f
                .metadata()
                .get("description")
                .map(String::as_str)
                .unwrap_or("");
            s.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                f.name(),
                f.data_type(),
                if f.is_nullable() { "yes" } else { "no" },
                d
            ));
        }
    }
    s.push_str(
        "\n## `codebook.csv`\n\nOne row per canonical cell key (the `key` of `cells`, the columns of `cells_wide`), \
         generated from the vocabulary:\n\n| column | meaning |\n|---|---|\n",
    );
    for (name, about) in nianbao_vocab::codebook::COLUMNS {
        s.push_str(&format!("| `{name}` | {about} |\n"));
    }
    s.push_str("\n## Finding rules\n\n| rule | severity | meaning |\n|---|---|---|\n");
    for r in rules {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            r.name, r.severity, r.description
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_closed_early_is_published_and_refuses_more_rows() {
        use arrow_array::Int32Array;
        use arrow_schema::{DataType, Field, Schema};
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let schema =
            std::sync::Arc::new(Schema::new(vec![Field::new("x", DataType::Int32, false)]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![std::sync::Arc::new(Int32Array::from(vec![1, 2, 3]))],
        )
        .unwrap();
        let formats = Formats {
            parquet: true,
            csv: true,
            csv_bom: false,
        };
        let mut w =
            DatasetWriter::create(&out, formats, &[("a", schema.clone()), ("b", schema)]).unwrap();
        w.write("a", &batch).unwrap();
        w.close("a").unwrap();
        assert!(matches!(w.write("a", &batch), Err(ExportError::Closed(_))));
        w.write("b", &batch).unwrap();
        let counts = w.finish(&serde_json::json!({}), "").unwrap();
        assert_eq!((counts["a"], counts["b"]), (3, 3));
        assert_eq!(
            std::fs::read_to_string(out.join("a.csv")).unwrap(),
            "x\n1\n2\n3\n"
        );
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(m["outputs"].as_array().unwrap().len(), 4);
    }

    /// Writes 2 years × 20 interleaved batches of 10,000 rows into a partitioned table.
    fn write_two_years(out: &Path) {
        use arrow_array::{Int32Array, Int64Array};
        use arrow_schema::{DataType, Field, Schema};
        let schema = std::sync::Arc::new(Schema::new(vec![
            Field::new("x", DataType::Int64, false),
            Field::new(PARTITION_COLUMN, DataType::Int32, true),
        ]));
        let formats = Formats {
            parquet: true,
            csv: false,
            csv_bom: false,
        };
        let mut w =
            DatasetWriter::create_with(out, formats, &[("t", schema.clone())], true).unwrap();
        for i in 0..20i64 {
            for year in [2020, 2021] {
                let xs: Vec<i64> = (0..10_000).map(|j| i * 10_000 + j + year as i64).collect();
                let b = RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        std::sync::Arc::new(Int64Array::from(xs)),
                        std::sync::Arc::new(Int32Array::from(vec![year; 10_000])),
                    ],
                )
                .unwrap();
                w.write_in("t", Some(year), &b).unwrap();
            }
        }
        w.finish(&serde_json::json!({}), "").unwrap();
    }

    /// Issue 29.4: CSV files for Excel and `read_csv`: whole numbers as integers, a partition's
    /// CSV keeps its `report_year`, an optional byte order mark, and `datapackage.json`
    /// describing every CSV file's fields and types.
    #[test]
    fn csv_files_carry_their_year_integers_and_a_data_package() {
        use arrow_array::{Float64Array, Int32Array, StringArray};
        use arrow_schema::{DataType, Field, Schema};
        let schema = std::sync::Arc::new(Schema::new(vec![
            Field::new("adcode", DataType::Utf8, true).with_metadata([(
                "description".to_owned(),
                "Six-digit code, as text.".to_owned(),
            )]),
            Field::new("value", DataType::Float64, true),
            Field::new(PARTITION_COLUMN, DataType::Int32, true),
        ]));
        for (partitioned, bom) in [(true, false), (false, true)] {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out");
            let formats = Formats {
                parquet: true,
                csv: true,
                csv_bom: bom,
            };
            let mut w =
                DatasetWriter::create_with(&out, formats, &[("t", schema.clone())], partitioned)
                    .unwrap();
            for year in [2020, 2021] {
                let b = RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        std::sync::Arc::new(StringArray::from(vec![Some("011000"), None])),
                        std::sync::Arc::new(Float64Array::from(vec![Some(487.0), Some(1.5)])),
                        std::sync::Arc::new(Int32Array::from(vec![year, year])),
                    ],
                )
                .unwrap();
                w.write_in("t", Some(year), &b).unwrap();
            }
            w.finish(&serde_json::json!({}), "").unwrap();
            let csv = if partitioned {
                out.join(format!("csv/t/{PARTITION_COLUMN}=2021/part-0.csv"))
            } else {
                out.join("t.csv")
            };
            let text = std::fs::read_to_string(&csv).unwrap();
            let want = if partitioned {
                "adcode,value,report_year\n011000,487,2021\n,1.5,2021\n"
            } else {
                "\u{feff}adcode,value,report_year\n011000,487,2020\n,1.5,2020\n011000,487,2021\n,1.5,2021\n"
            };
            assert_eq!(text, want);
            let pkg: serde_json::Value =
                serde_json::from_slice(&std::fs::read(out.join(DATAPACKAGE)).unwrap()).unwrap();
            let r = &pkg["resources"][0];
            assert_eq!(r["name"], "t");
            assert_eq!(r["encoding"], if bom { "utf-8-sig" } else { "utf-8" });
            if partitioned {
                assert_eq!(
                    r["path"],
                    serde_json::json!([
                        format!("csv/t/{PARTITION_COLUMN}=2020/part-0.csv"),
                        format!("csv/t/{PARTITION_COLUMN}=2021/part-0.csv")
                    ])
                );
            } else {
                assert_eq!(r["path"], "t.csv");
            }
            let fields = &r["schema"]["fields"];
            assert_eq!(fields[0]["name"], "adcode");
            assert_eq!(fields[0]["type"], "string");
            assert_eq!(fields[0]["description"], "Six-digit code, as text.");
            assert_eq!(fields[1]["type"], "number");
            assert_eq!(fields[2]["name"], PARTITION_COLUMN);
            assert_eq!(fields[2]["type"], "integer");
            // the Parquet files of a partitioned dataset keep the year in the folder name only
            if partitioned {
                let f = File::open(out.join(format!("t/{PARTITION_COLUMN}=2020/part-0.parquet")))
                    .unwrap();
                let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                    .unwrap();
                assert!(r.schema().index_of(PARTITION_COLUMN).is_err());
            }
        }
    }

    #[test]
    fn buffered_row_groups_are_bounded_complete_in_order_and_deterministic() {
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        write_two_years(&a);
        write_two_years(&b);
        for year in [2020, 2021] {
            let file = format!("t/{PARTITION_COLUMN}={year}/part-0.parquet");
            let bytes = std::fs::read(a.join(&file)).unwrap();
            assert_eq!(bytes, std::fs::read(b.join(&file)).unwrap(), "{file}");
            let reader =
                ParquetRecordBatchReaderBuilder::try_new(File::open(a.join(&file)).unwrap())
                    .unwrap();
            let groups: Vec<i64> = reader
                .metadata()
                .row_groups()
                .iter()
                .map(|g| g.num_rows())
                .collect();
            // 200,000 rows in batches of 10,000: full row groups of ROW_GROUP_ROWS and the rest
            assert_eq!(groups, [65_536, 65_536, 65_536, 3_392], "{file}");
            let mut xs = Vec::new();
            for batch in reader.build().unwrap() {
                let batch = batch.unwrap();
                let col = batch
                    .column(0)
                    .as_any()
                    .downcast_ref::<arrow_array::Int64Array>()
                    .unwrap();
                xs.extend(col.values().iter().copied());
            }
            let want: Vec<i64> = (0..200_000).map(|j| j + year as i64).collect();
            assert_eq!(xs, want, "{file}");
        }
    }

    /// Writes the same rows of text into year 2020 of a partitioned table, cut into batches
    /// of the given sizes, with rows of year 2021 interleaved (`other` rows per batch).
    fn write_batched(out: &Path, sizes: &[usize], other: usize) {
        use arrow_array::{ArrayRef, Int32Array, StringArray};
        use arrow_schema::{DataType, Field, Schema};
        let schema = std::sync::Arc::new(Schema::new(vec![
            Field::new("text", DataType::Utf8, false),
            Field::new(PARTITION_COLUMN, DataType::Int32, true),
        ]));
        let formats = Formats {
            parquet: true,
            csv: true,
            csv_bom: false,
        };
        let mut w =
            DatasetWriter::create_with(out, formats, &[("t", schema.clone())], true).unwrap();
        let batch = |from: usize, n: usize, year: i32| {
            // rows of 100 to 1,099 bytes: the byte limit cuts the row groups, not the rows
            let text: Vec<String> = (from..from + n)
                .map(|i| format!("{i:08}").repeat(1 + (i * 7919) % 137))
                .collect();
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    std::sync::Arc::new(StringArray::from(text)) as ArrayRef,
                    std::sync::Arc::new(Int32Array::from(vec![year; n])),
                ],
            )
            .unwrap()
        };
        let mut at = 0;
        for (k, &n) in sizes.iter().enumerate() {
            w.write_in("t", Some(2020), &batch(at, n, 2020)).unwrap();
            at += n;
            if other > 0 {
                w.write_in("t", Some(2021), &batch(k * other, other, 2021))
                    .unwrap();
            }
        }
        w.finish(&serde_json::json!({}), "").unwrap();
    }

    /// A partition's files are a function of its rows: not of how they were batched, nor of
    /// what the other partitions hold (issue 15: a year partition linked from the previous
    /// dataset must be what a full rebuild writes).
    #[test]
    fn a_partition_file_depends_only_on_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        write_batched(&a, &[30_000], 0);
        write_batched(
            &b,
            &[64; 468].iter().copied().chain([48]).collect::<Vec<_>>(),
            700,
        );
        write_batched(&c, &[1, 9_999, 7, 19_993], 3_000);
        for f in [
            format!("t/{PARTITION_COLUMN}=2020/part-0.parquet"),
            format!("csv/t/{PARTITION_COLUMN}=2020/part-0.csv"),
        ] {
            let want = std::fs::read(a.join(&f)).unwrap();
            assert_eq!(want, std::fs::read(b.join(&f)).unwrap(), "{f}");
            assert_eq!(want, std::fs::read(c.join(&f)).unwrap(), "{f}");
        }
        // 30,000 rows (fewer than ROW_GROUP_ROWS) but ~16.7 MB of text: cut by bytes
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let f = File::open(a.join(format!("t/{PARTITION_COLUMN}=2020/part-0.parquet"))).unwrap();
        let groups = SerializedFileReader::new(f)
            .unwrap()
            .metadata()
            .num_row_groups();
        assert_eq!(groups, 4); // PARTITION_ROW_GROUP_BYTES each
    }

    #[test]
    fn a_partition_is_linked_from_the_previous_dataset_and_then_refuses_rows() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        write_batched(&a, &[500], 100);
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
        let of_2020: Vec<serde_json::Value> = m["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["file"].as_str().unwrap().contains("=2020/"))
            .cloned()
            .collect();
        assert_eq!(of_2020.len(), 2);
        let schema = std::sync::Arc::new(arrow_schema::Schema::new(vec![
            arrow_schema::Field::new("text", arrow_schema::DataType::Utf8, false),
            arrow_schema::Field::new(PARTITION_COLUMN, arrow_schema::DataType::Int32, true),
        ]));
        let formats = Formats {
            parquet: true,
            csv: true,
            csv_bom: false,
        };
        let mut w =
            DatasetWriter::create_with(&b, formats, &[("t", schema.clone())], true).unwrap();
        w.link("t", Some(2020), &a, &of_2020).unwrap();
        let empty = RecordBatch::new_empty(schema);
        assert!(matches!(
            w.write_in("t", Some(2020), &empty),
            Err(ExportError::Reused { .. })
        ));
        let done = w
            .finish_with_inputs(&serde_json::json!({}), None, "")
            .unwrap();
        assert_eq!(done.rows["t"], 500);
        assert_eq!(done.outputs, of_2020);
        for o in &of_2020 {
            let f = o["file"].as_str().unwrap();
            assert_eq!(
                std::fs::read(a.join(f)).unwrap(),
                std::fs::read(b.join(f)).unwrap()
            );
        }
        // a file whose size is not the recorded one is refused
        let mut w = DatasetWriter::create_with(
            &dir.path().join("c"),
            formats,
            &[("t", of_2020_schema())],
            true,
        )
        .unwrap();
        let mut wrong = of_2020.clone();
        wrong[0]["bytes"] = 1.into();
        assert!(matches!(
            w.link("t", Some(2020), &a, &wrong),
            Err(ExportError::NotReusable { .. })
        ));
    }

    fn of_2020_schema() -> SchemaRef {
        std::sync::Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
            "text",
            arrow_schema::DataType::Utf8,
            false,
        )]))
    }

    #[test]
    fn string_columns_get_statistics_only_when_their_field_asks() {
        use arrow_array::{ArrayRef, Int64Array, StringArray};
        use arrow_schema::Field;
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use std::sync::Arc;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let asked = Field::new("document", DataType::Utf8, false).with_metadata(
            std::collections::HashMap::from([(
                STATISTICS_METADATA.to_owned(),
                "min_max".to_owned(),
            )]),
        );
        let schema = Arc::new(arrow_schema::Schema::new(vec![
            asked,
            Field::new("text", DataType::Utf8, false),
            Field::new("n", DataType::Int64, false),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec!["a.txt", "b.txt"])),
            Arc::new(StringArray::from(vec!["zz", "yy"])),
            Arc::new(Int64Array::from(vec![7, 3])),
        ];
        let formats = Formats {
            parquet: true,
            csv: false,
            csv_bom: false,
        };
        let mut w = DatasetWriter::create(&out, formats, &[("t", schema.clone())]).unwrap();
        w.write("t", &RecordBatch::try_new(schema, columns).unwrap())
            .unwrap();
        w.finish(&serde_json::json!({}), "").unwrap();
        let r = SerializedFileReader::new(File::open(out.join("t.parquet")).unwrap()).unwrap();
        let g = r.metadata().row_group(0);
        let stats = |i: usize| {
            g.column(i)
                .statistics()
                .map(|s| s.min_bytes_opt().is_some())
        };
        assert_eq!(stats(0), Some(true), "document: asked for");
        assert!(!stats(1).unwrap_or(false), "text: not asked for");
        assert_eq!(stats(2), Some(true), "numbers always");
    }

    #[test]
    fn manifest_inputs_are_streamed_in_order_as_valid_json() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("manifest.json");
        let head = serde_json::json!({"tool": "nianbao", "outputs": []});
        let mut lines: &[u8] = b"{\"document\":\"b.txt\"}\n\n{\"document\":\"a.txt\"}\n";
        write_manifest(&p, &head, Some(&mut lines)).unwrap();
        let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(m["tool"], "nianbao");
        assert_eq!(
            m["inputs"],
            serde_json::json!([{"document": "b.txt"}, {"document": "a.txt"}])
        );
        // no inputs: an empty list; and a line that is not an object is refused
        let mut none: &[u8] = b"";
        write_manifest(&p, &head, Some(&mut none)).unwrap();
        let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(m["inputs"], serde_json::json!([]));
        let mut bad: &[u8] = b"[1]\n";
        assert!(write_manifest(&p, &head, Some(&mut bad)).is_err());
    }
}
