//! Record batches parked on disk until the end of a run.
//!
//! Some rows can only be finished once the whole corpus has been seen (a report's status
//! depends on cross-report findings), but keeping them in memory would make memory grow with
//! the corpus. A [`Spill`] writes them to an anonymous temporary file in Arrow IPC stream
//! format as they come, and [`Spill::into_batches`] reads them back, in order, one batch at a
//! time. The file has no name: it disappears when the process ends, however it ends.

use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::SchemaRef;

use crate::ExportError;

/// Batches of one schema, parked in a temporary file (see the module doc).
pub struct Spill {
    dir: PathBuf,
    writer: StreamWriter<BufWriter<File>>,
    rows: u64,
}

fn ipc(dir: &Path) -> impl FnOnce(arrow_schema::ArrowError) -> ExportError + '_ {
    move |source| ExportError::Spill {
        dir: dir.to_owned(),
        source,
    }
}

impl Spill {
    /// A spill file in `dir` (which must exist) for batches of `schema`.
    pub fn new(dir: &Path, schema: &SchemaRef) -> Result<Spill, ExportError> {
        let file = tempfile::tempfile_in(dir).map_err(crate::io(dir))?;
        let writer = StreamWriter::try_new(BufWriter::new(file), schema).map_err(ipc(dir))?;
        Ok(Spill {
            dir: dir.to_owned(),
            writer,
            rows: 0,
        })
    }

    /// Appends a batch.
    pub fn push(&mut self, batch: &RecordBatch) -> Result<(), ExportError> {
        self.rows += batch.num_rows() as u64;
        self.writer.write(batch).map_err(ipc(&self.dir))
    }

    /// Rows pushed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The batches, in the order they were pushed, read back one at a time.
    pub fn into_batches(
        mut self,
    ) -> Result<impl Iterator<Item = Result<RecordBatch, ExportError>>, ExportError> {
        self.writer.finish().map_err(ipc(&self.dir))?;
        let dir = self.dir;
        let buffered = self.writer.into_inner().map_err(ipc(&dir))?;
        let mut file = buffered
            .into_inner()
            .map_err(|e| crate::io(&dir)(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(crate::io(&dir))?;
        let reader = StreamReader::try_new(BufReader::new(file), None).map_err(ipc(&dir))?;
        Ok(reader.map(move |b| b.map_err(ipc(&dir))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Int32Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;

    #[test]
    fn batches_come_back_in_order_and_intact() {
        let dir = tempfile::tempdir().unwrap();
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int32, false),
            Field::new("s", DataType::Utf8, true),
        ]));
        let mut spill = Spill::new(dir.path(), &schema).unwrap();
        for k in 0..3 {
            let b = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int32Array::from(vec![k, k + 10])),
                    Arc::new(StringArray::from(vec![Some("信息公开"), None])),
                ],
            )
            .unwrap();
            spill.push(&b).unwrap();
        }
        assert_eq!(spill.rows(), 6);
        let back: Vec<RecordBatch> = spill
            .into_batches()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back.len(), 3);
        let n: Vec<i32> = back
            .iter()
            .flat_map(|b| {
                let a = b.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
                a.values().to_vec()
            })
            .collect();
        assert_eq!(n, [0, 10, 1, 11, 2, 12]);
        let s = back[2]
            .column(1)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!((s.value(0), s.is_null(1)), ("信息公开", true));
        // the file has no name: nothing is left in the folder
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
