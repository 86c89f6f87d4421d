//! Every end-to-end test, in one binary (one link of parquet and polars instead of six): each
//! module runs the real `nianbao` binary (or the pipeline library) on real files and asserts
//! the numbers. `cargo test --test e2e MODULE::` runs one module, e.g. `regressions::`.

#[allow(dead_code)] // each module uses some of the shared helpers
mod common;

mod bundles;
mod collect;
mod e2e;
mod ocr;
mod panel;
mod partitions;
mod pipeline;
mod regressions;
