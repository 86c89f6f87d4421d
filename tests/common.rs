//! Helpers shared by the end-to-end test files (`e2e.rs`, `regressions.rs`): reading the
//! Parquet the binary writes, and scratch folders.

use std::path::{Path, PathBuf};

use arrow_array::{RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// Every batch of a Parquet file.
pub fn read(path: &Path) -> Vec<RecordBatch> {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

/// A text column of a batch.
pub fn col<'a>(b: &'a RecordBatch, c: &str) -> &'a StringArray {
    b.column_by_name(c)
        .unwrap()
        .as_any()
        .downcast_ref()
        .unwrap()
}

/// A fresh scratch folder `TMP/nianbao-<prefix>-<pid>-<name>` (removed first, not created).
pub fn tmp_dir(prefix: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nianbao-{prefix}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}
