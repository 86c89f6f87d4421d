//! Helpers shared by the end-to-end test files (`e2e.rs`, `regressions.rs`): reading the
//! Parquet the binary writes, and scratch folders.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arrow_array::{Array, Float64Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// Every batch of a Parquet file.
pub(crate) fn read(path: &Path) -> Vec<RecordBatch> {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

/// A text column of a batch.
pub(crate) fn col<'a>(b: &'a RecordBatch, c: &str) -> &'a StringArray {
    b.column_by_name(c)
        .unwrap()
        .as_any()
        .downcast_ref()
        .unwrap()
}

/// A column of a batch as its Arrow array type (`Int32Array`, `Float64Array`, …).
#[allow(dead_code)] // not every test file that includes this module uses it
pub(crate) fn arr<'a, T: 'static>(b: &'a RecordBatch, c: &str) -> &'a T {
    b.column_by_name(c)
        .unwrap_or_else(|| panic!("no column {c}"))
        .as_any()
        .downcast_ref()
        .unwrap_or_else(|| panic!("column {c} has another type"))
}

/// Runs the `nianbao` binary with `args`, asserts that it succeeded, and parses its stdout
/// as JSON (the `--json` output of a command).
pub(crate) fn nianbao_json<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `nianbao build --json` with a pipeline file `OUTPUT.toml` (input, output and `extra` lines),
/// which must succeed; its JSON summary.
pub(crate) fn build_json(input: &Path, output: &Path, extra: &str) -> serde_json::Value {
    let cfg = output.with_extension("toml");
    std::fs::write(
        &cfg,
        format!("input = {input:?}\noutput = {output:?}\n{extra}"),
    )
    .unwrap();
    nianbao_json(&[
        "build".as_ref(),
        "--json".as_ref(),
        "--config".as_ref(),
        cfg.as_os_str(),
    ])
}

/// `nianbao eval --json` of a dataset against a folder of gold files.
pub(crate) fn eval_json(gold: &Path, dataset: &Path) -> serde_json::Value {
    nianbao_json(&[
        "eval".as_ref(),
        "--json".as_ref(),
        "--gold".as_ref(),
        gold.as_os_str(),
        "--dataset".as_ref(),
        dataset.as_os_str(),
    ])
}

/// Whether poppler's `pdftotext` is installed; PDF checks are skipped (and say so) without it.
pub(crate) fn has_pdftotext() -> bool {
    let ok = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: PDF checks need pdftotext (Debian package poppler-utils), which is not installed");
    }
    ok
}

/// Whether poppler's `pdftoppm` (which renders PDF pages to pictures) is installed.
pub(crate) fn has_pdftoppm() -> bool {
    std::process::Command::new("pdftoppm")
        .arg("-v")
        .output()
        .is_ok()
}

/// A Python with the OCR engine (`rapidocr-onnxruntime`): `NIANBAO_OCR_PYTHON`, else the
/// repository's `.venv`; `None` when it cannot import the engine.
pub(crate) fn ocr_python() -> Option<PathBuf> {
    let p = std::env::var_os("NIANBAO_OCR_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"));
    std::process::Command::new(&p)
        .args(["-c", "import rapidocr_onnxruntime, PIL"])
        .output()
        .is_ok_and(|o| o.status.success())
        .then_some(p)
}

/// `nianbao build --input INPUT --output OUTPUT`, which must succeed.
pub(crate) fn build_into(input: &Path, output: &Path) {
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .arg("build")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// A fresh scratch folder `TMP/nianbao-<prefix>-<pid>-<name>` (removed first, not created).
pub(crate) fn tmp_dir(prefix: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nianbao-{prefix}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Every cell of a dataset: (document, key) → (value, status).
pub(crate) type Cells = HashMap<(String, String), (Option<f64>, String)>;

/// The cells of the dataset in `out`.
pub(crate) fn load_cells(out: &Path) -> Cells {
    let mut cells = HashMap::new();
    for b in read(&out.join("cells.parquet")) {
        let v: &Float64Array = b
            .column_by_name("value")
            .unwrap()
            .as_any()
            .downcast_ref()
            .unwrap();
        for i in 0..b.num_rows() {
            cells.insert(
                (
                    col(&b, "document").value(i).to_owned(),
                    col(&b, "key").value(i).to_owned(),
                ),
                (
                    (!v.is_null(i)).then(|| v.value(i)),
                    col(&b, "status").value(i).to_owned(),
                ),
            );
        }
    }
    cells
}

/// The findings of the dataset in `out`: document → (rule, message).
pub(crate) fn load_findings(out: &Path) -> HashMap<String, Vec<(String, String)>> {
    let mut findings: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for b in read(&out.join("findings.parquet")) {
        for i in 0..b.num_rows() {
            findings
                .entry(col(&b, "document").value(i).to_owned())
                .or_default()
                .push((
                    col(&b, "rule").value(i).to_owned(),
                    col(&b, "message").value(i).to_owned(),
                ));
        }
    }
    findings
}
