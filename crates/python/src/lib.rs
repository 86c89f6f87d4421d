//! The Python module `nianbao._nianbao` (the package `nianbao` wraps it; `python/nianbao`).
//!
//! **In**: a document's bytes (a web page's with its members'), a folder to find the pages
//! with members in, or a pipeline's settings as JSON. **Out**: record batches
//! handed to Python through the Arrow C Data Interface (PyCapsules: `__arrow_c_array__`, so
//! `pyarrow.record_batch(obj)` takes them without copying through Python objects), or the
//! run's summary as JSON. **Never**: parses anything itself — it calls `nianbao_pipeline`.

use std::ffi::CString;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{Array, RecordBatch, StructArray};
use arrow_schema::DataType;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

/// A record batch Python can import (`pyarrow.record_batch(batch)`).
#[pyclass(module = "nianbao._nianbao", name = "Batch")]
struct Batch {
    batch: RecordBatch,
}

#[pymethods]
impl Batch {
    /// The Arrow PyCapsule interface: (schema capsule, array capsule) of the batch as a
    /// struct array.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        let _ = requested_schema; // the batch is given as it is
        let array = StructArray::from(self.batch.clone());
        let data = array.to_data();
        let schema =
            FFI_ArrowSchema::try_from(&DataType::Struct(self.batch.schema().fields().clone()))
                .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        let array = FFI_ArrowArray::new(&data);
        let schema_name = CString::new("arrow_schema").expect("no NUL");
        let array_name = CString::new("arrow_array").expect("no NUL");
        Ok((
            PyCapsule::new(py, schema, Some(schema_name))?,
            PyCapsule::new(py, array, Some(array_name))?,
        ))
    }

    /// Rows in the batch.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }
}

/// Reads one document (its bytes) into a dict of tables → `Batch`.
#[pyfunction]
#[pyo3(signature = (data, name, settings_json=None))]
fn read_bytes<'py>(
    py: Python<'py>,
    data: &[u8],
    name: &str,
    settings_json: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = config_of(settings_json)?.read_options();
    let b = py
        .detach(|| nianbao_pipeline::read_batches(data, name, &opts))
        .map_err(|e| PyRuntimeError::new_err(format!("{e:#}")))?;
    tables_dict(py, b)
}

/// The pipeline settings given as JSON (the default ones for `None`).
fn config_of(settings_json: Option<&str>) -> PyResult<nianbao_pipeline::Config> {
    match settings_json {
        Some(s) => serde_json::from_str(s).map_err(|e| PyValueError::new_err(e.to_string())),
        None => Ok(nianbao_pipeline::Config::default()),
    }
}

/// The tables of some batches as a dict name → `Batch`.
fn tables_dict<'py>(py: Python<'py>, b: nianbao_pipeline::Batches) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (table, batch) in b.tables() {
        out.set_item(table.name(), Batch { batch })?;
    }
    Ok(out)
}

/// Reads a web page with its members (name, role code, bytes) into a dict of tables →
/// `Batch`: the page's report, and a `not_a_report` row per member.
#[pyfunction]
#[pyo3(signature = (data, name, members, settings_json=None))]
fn read_page_bytes<'py>(
    py: Python<'py>,
    data: &[u8],
    name: &str,
    members: Vec<(String, String, Vec<u8>)>,
    settings_json: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = config_of(settings_json)?.read_options();
    let members = members
        .iter()
        .map(|(m, code, b)| {
            let role = nianbao_pipeline::Role::from_code(code).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "member {m}: {code:?} is not a role (one of `nianbao.pages`'s: \"part 3\", \"picture\", \"attachment\", …)"
                ))
            })?;
            Ok((m.as_str(), role, b.as_slice()))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let b = py
        .detach(|| nianbao_pipeline::read_page_batches(data, name, &members, &opts))
        .map_err(|e| PyRuntimeError::new_err(format!("{e:#}")))?;
    tables_dict(py, b)
}

/// The pages of a folder read with members: [(page, [(member, role code)])], paths relative
/// to the folder. With `one_page`, only the page at that path (members looked for in its
/// folder), as `nianbao inspect` reads it.
#[pyfunction]
#[pyo3(signature = (folder, settings_json=None, one_page=false))]
fn pages(
    py: Python<'_>,
    folder: std::path::PathBuf,
    settings_json: Option<&str>,
    one_page: bool,
) -> PyResult<Vec<(String, Vec<(String, String)>)>> {
    let opts = config_of(settings_json)?.read_options();
    let found = py
        .detach(|| {
            if one_page {
                nianbao_pipeline::members_of(&folder, &opts).map(|p| p.into_iter().collect())
            } else {
                nianbao_pipeline::find_pages(&folder, &opts)
            }
        })
        .map_err(|e| PyValueError::new_err(format!("{e:#}")))?;
    Ok(found
        .into_iter()
        .map(|p| {
            let ms = p.members.into_iter().map(|(m, r)| (m, r.code())).collect();
            (p.page, ms)
        })
        .collect())
}

/// Builds a dataset from a pipeline given as JSON (the fields of `pipelines/*.toml`); returns
/// the run's summary as JSON (what `nianbao build --json` prints), with `unreadable`.
/// The Python module's reporter: silent; the run's notes (a killed run cleaned up, the output
/// inside the input folder) are returned in the summary's `notes`.
#[derive(Default)]
struct Notes(std::sync::Mutex<Vec<String>>);

impl nianbao_pipeline::Reporter for Notes {
    fn note(&self, message: &str) {
        if let Ok(mut n) = self.0.lock() {
            n.push(message.to_owned());
        }
    }
}

#[pyfunction]
fn build_json(py: Python<'_>, settings_json: &str) -> PyResult<String> {
    let cfg: nianbao_pipeline::Config =
        serde_json::from_str(settings_json).map_err(|e| PyValueError::new_err(e.to_string()))?;
    cfg.validate()
        .map_err(|e| PyValueError::new_err(format!("{e:#}")))?;
    let notes = Notes::default();
    let outcome = py
        .detach(|| nianbao_pipeline::build(&cfg, &notes))
        .map_err(|e| PyRuntimeError::new_err(format!("{e:#}")))?;
    let mut s = outcome.summary.to_json();
    s["unreadable"] = serde_json::json!(outcome.unreadable);
    s["notes"] = serde_json::json!(notes.0.into_inner().unwrap_or_default());
    Ok(s.to_string())
}

/// Runs the `nianbao` command line (`argv` with the program name first); returns the exit
/// code.
#[pyfunction]
fn cli(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(|| nianbao_cli::main_with(argv))
}

/// The module.
#[pymodule]
fn _nianbao(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Batch>()?;
    m.add_function(wrap_pyfunction!(read_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(read_page_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(pages, m)?)?;
    m.add_function(wrap_pyfunction!(build_json, m)?)?;
    m.add_function(wrap_pyfunction!(cli, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // the tables `read_bytes` returns, in order (named in one place: `nianbao_pipeline::Table`)
    let tables: Vec<&str> = nianbao_pipeline::Table::per_report_tables()
        .map(|t| t.name())
        .collect();
    m.add("TABLES", tables)?;
    Ok(())
}
