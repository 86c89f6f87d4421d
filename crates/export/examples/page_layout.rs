//! Re-encodes a Parquet file with other page layouts and prints size and encoding time: the
//! measurement behind BENCHMARKS.md's answer to "could an incremental run splice unchanged
//! documents' Parquet pages from the previous dataset?" (pages per document cannot share a
//! dictionary, and zstd has little to work with in a page of a few hundred rows).
//!
//! `cargo run --release --example page_layout -p nianbao-export -- data/out/cells.parquet`

use std::fs::File;
use std::time::Instant;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: page_layout FILE.parquet");
    let file = File::open(&path).expect("the file opens");
    let batches: Vec<_> = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a Parquet file")
        .with_batch_size(65536)
        .build()
        .expect("a readable Parquet file")
        .map(|b| b.expect("a readable batch"))
        .collect();
    let Some(schema) = batches.first().map(|b| b.schema()) else {
        return;
    };
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    for (name, dictionary, page_rows) in [
        (
            "dictionary, 20,000-row pages (as nianbao writes)",
            true,
            20_000usize,
        ),
        ("no dictionary, 20,000-row pages", false, 20_000),
        ("no dictionary, 600-row pages (~4 reports)", false, 600),
        ("no dictionary, 150-row pages (~1 report)", false, 150),
    ] {
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).expect("valid")))
            .set_dictionary_enabled(dictionary)
            .set_data_page_row_count_limit(page_rows)
            .set_write_batch_size(page_rows.min(1024))
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .build();
        let t = Instant::now();
        let mut buf = Vec::new();
        let mut w = ArrowWriter::try_new(&mut buf, schema.clone(), Some(props)).expect("writer");
        for b in &batches {
            w.write(b).expect("write");
        }
        w.close().expect("close");
        println!(
            "{name}: {rows} rows, {:.2} MB, {:.0} ms",
            buf.len() as f64 / 1e6,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
}
