//! `nianbao eval --gold DIR --dataset DIR [--json]`: scores a built dataset against gold files
//! in the format of `../shared/expected` (TEMPLATES.md, "Gold files").
//!
//! Per gold document: every stated cell (`values`) is right, wrong (non-null and different)
//! or missed (null); a `blank` cell must be null or inferred to the gold number; an
//! `ambiguous` cell null or the gold number; a cell in none of the maps null. Anything else
//! non-null is wrong, and listed with the cell's source location. Metadata (agency, report
//! year, template, published_on) is compared too. A document is all right when it has no
//! wrong or missed cell and its metadata is right (agency, year, template, published_on, and
//! the region's adcode when the gold file has one).
//!
//! A gold file with `"partial": true` is a spot check: only the keys it states (in `values`,
//! `blank`, `ambiguous`) and the metadata fields it has are scored. A gold file that cannot be
//! scored as written — its document is not in the dataset, it names a key no template has, or a
//! value is not a number — is an error (exit code 1, each problem named), never a silent
//! "0 right".

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use arrow_array::{Array, Float64Array, Int32Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{json, Value};

/// One cell of the dataset: value, status, source.
type CellRow = (Option<f64>, String, Option<String>);

/// The Parquet files of a table: `DIR/NAME.parquet`, or the Hive partitions `DIR/NAME/**`.
fn table_files(dataset: &Path, name: &str) -> Vec<PathBuf> {
    let one = dataset.join(format!("{name}.parquet"));
    if one.is_file() {
        return vec![one];
    }
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dataset.join(name))
        .into_iter()
        .filter_map(|e| e.ok())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    files.sort();
    files
}

fn batches(files: &[PathBuf]) -> Result<Vec<RecordBatch>> {
    let mut out = Vec::new();
    for f in files {
        let file = std::fs::File::open(f).with_context(|| format!("opening {}", f.display()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .with_context(|| format!("{} is not a Parquet file", f.display()))?
            .build()?;
        for b in reader {
            out.push(b.with_context(|| format!("reading {}", f.display()))?);
        }
    }
    Ok(out)
}

fn strings<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a StringArray> {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .with_context(|| format!("the dataset has no text column {name}"))
}

fn opt(a: &StringArray, i: usize) -> Option<String> {
    (!a.is_null(i)).then(|| a.value(i).to_owned())
}

/// The file name of a document path (gold files name documents by file name).
fn base(doc: &str) -> &str {
    doc.rsplit('/').next().unwrap_or(doc)
}

/// Reports by document file name: the metadata fields compared.
type ReportRows = HashMap<String, HashMap<&'static str, Value>>;

/// One gold document's cell scores.
#[derive(Default)]
struct Score {
    stated: usize,
    right: usize,
    wrong: usize,
    missed: usize,
}

/// Scores `dataset` against every `*.json` gold file in `gold`. Returns the exit code.
pub(crate) fn eval(gold: &Path, dataset: &Path, json_out: bool) -> Result<i32> {
    let cell_files = table_files(dataset, "cells");
    let report_files = table_files(dataset, "reports");
    if cell_files.is_empty() || report_files.is_empty() {
        bail!(
            "{} is not a nianbao dataset: expected cells.parquet and reports.parquet (or their year partitions)",
            dataset.display()
        );
    }
    let cells = load_cells(&cell_files)?;
    let reports = load_reports(&report_files)?;
    let gold_files = gold_files(gold)?;
    let mut total = Score::default();
    let (mut docs, mut docs_right, mut meta_right, mut not_found) =
        (0usize, 0usize, 0usize, 0usize);
    let mut wrong_list: Vec<Value> = Vec::new();
    let mut per_doc: Vec<Value> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for gf in &gold_files {
        let g: Value = serde_json::from_str(
            &std::fs::read_to_string(gf).with_context(|| format!("reading {}", gf.display()))?,
        )
        .with_context(|| format!("{} is not JSON", gf.display()))?;
        let Some(doc) = g["document"].as_str().map(|d| base(d).to_owned()) else {
            bail!("{}: no \"document\" field", gf.display());
        };
        docs += 1;
        problems.extend(
            gold_problems(&g)
                .into_iter()
                .map(|p| format!("{}: {p}", gf.display())),
        );
        let Some(rep) = reports.get(&doc) else {
            not_found += 1;
            problems.push(format!(
                "{}: its document {doc} is not in the dataset {}",
                gf.display(),
                dataset.display()
            ));
            per_doc.push(json!({"document": doc, "found": false}));
            continue;
        };
        let d = score_cells(&g, &doc, &cells, &mut wrong_list);
        let meta_ok = metadata_right(&g, rep);
        total.stated += d.stated;
        total.right += d.right;
        total.wrong += d.wrong;
        total.missed += d.missed;
        meta_right += usize::from(meta_ok);
        let all_right = d.wrong == 0 && d.missed == 0 && meta_ok;
        docs_right += usize::from(all_right);
        per_doc.push(json!({
            "document": doc, "found": true, "stated": d.stated, "right": d.right,
            "wrong": d.wrong, "missed": d.missed, "metadata_right": meta_ok, "all_right": all_right,
        }));
    }
    let Score {
        stated,
        right,
        wrong,
        missed,
    } = total;
    wrong_list.sort_by(|a, b| {
        (a["document"].as_str(), a["key"].as_str())
            .cmp(&(b["document"].as_str(), b["key"].as_str()))
    });
    let pct = |a: usize, b: usize| {
        if b == 0 {
            0.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    if json_out {
        let summary = json!({
            "documents": docs, "documents_not_in_dataset": not_found,
            "documents_all_right": docs_right, "metadata_right": meta_right,
            "stated_cells": stated, "right": right, "wrong": wrong, "missed": missed,
            "wrong_cells": wrong_list, "per_document": per_doc, "errors": problems,
        });
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!("gold documents      {docs} ({not_found} not in the dataset)");
        println!(
            "all right           {docs_right} ({:.1}%)   metadata right {meta_right}",
            pct(docs_right, docs)
        );
        println!(
            "stated cells        {stated}: right {right} ({:.2}%), wrong {wrong}, missed {missed} ({:.2}%)",
            pct(right, stated),
            pct(missed, stated)
        );
        for w in &wrong_list {
            println!(
                "  WRONG {} {}: gold {} got {} ({}) at {}",
                w["document"].as_str().unwrap_or(""),
                w["key"].as_str().unwrap_or(""),
                w["want"],
                w["got"],
                w["status"].as_str().unwrap_or(""),
                w["source"].as_str().unwrap_or("?")
            );
        }
    }
    if problems.is_empty() {
        return Ok(0);
    }
    for p in &problems {
        eprintln!("error: {p}");
    }
    eprintln!(
        "{} gold file problem(s): the scores above leave those out; fix the gold files or the dataset",
        problems.len()
    );
    Ok(1)
}

/// What makes a gold file unscorable as written: a key no template has, a value that is not a
/// number (or null in `blank` and `ambiguous`).
fn gold_problems(g: &Value) -> Vec<String> {
    let v = nianbao_vocab::Vocabulary::get();
    let mut out = Vec::new();
    for m in ["values", "blank", "ambiguous"] {
        let Some(o) = g[m].as_object() else { continue };
        for (k, x) in o {
            if v.cell(k).is_none() {
                out.push(format!(
                    "\"{m}\" names {k}, which is no cell key of either template"
                ));
            }
            let ok = x.is_number() || (m != "values" && x.is_null());
            if !ok {
                out.push(format!("\"{m}\".{k} is {x}, not a number"));
            }
        }
    }
    out
}

/// The dataset's cells by (document file name, key).
fn load_cells(files: &[PathBuf]) -> Result<HashMap<(String, String), CellRow>> {
    let mut cells: HashMap<(String, String), CellRow> = HashMap::new();
    for b in batches(files)? {
        let (doc, key, status, source) = (
            strings(&b, "document")?,
            strings(&b, "key")?,
            strings(&b, "status")?,
            strings(&b, "source")?,
        );
        let value = b
            .column_by_name("value")
            .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
            .context("the dataset has no number column value")?;
        for i in 0..b.num_rows() {
            cells.insert(
                (base(doc.value(i)).to_owned(), key.value(i).to_owned()),
                (
                    (!value.is_null(i)).then(|| value.value(i)),
                    status.value(i).to_owned(),
                    opt(source, i),
                ),
            );
        }
    }
    Ok(cells)
}

/// The dataset's reports by document file name.
fn load_reports(files: &[PathBuf]) -> Result<ReportRows> {
    let mut reports: ReportRows = HashMap::new();
    for b in batches(files)? {
        let doc = strings(&b, "document")?;
        let year = b
            .column_by_name("report_year")
            .and_then(|c| c.as_any().downcast_ref::<Int32Array>());
        for i in 0..b.num_rows() {
            let mut m = HashMap::new();
            for f in ["agency", "template", "published_on", "status", "adcode"] {
                m.insert(f, opt(strings(&b, f)?, i).map_or(Value::Null, Value::from));
            }
            let y = year.and_then(|y| (!y.is_null(i)).then(|| y.value(i)));
            m.insert("report_year", y.map_or(Value::Null, Value::from));
            reports.insert(base(doc.value(i)).to_owned(), m);
        }
    }
    Ok(reports)
}

/// The gold files (`*.json`) of a folder, in path order.
fn gold_files(gold: &Path) -> Result<Vec<PathBuf>> {
    let mut gold_files: Vec<PathBuf> = std::fs::read_dir(gold)
        .with_context(|| format!("reading the gold folder {}", gold.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    gold_files.sort();
    if gold_files.is_empty() {
        bail!("{} holds no gold files (*.json)", gold.display());
    }
    Ok(gold_files)
}

/// Scores one gold document's cells; wrong cells are added to `wrong_list`.
fn score_cells(
    g: &Value,
    doc: &str,
    cells: &HashMap<(String, String), CellRow>,
    wrong_list: &mut Vec<Value>,
) -> Score {
    let (mut d_wrong, mut d_missed, mut d_right, mut d_stated) = (0, 0, 0, 0);
    let map = |m: &str| -> HashMap<String, Option<f64>> {
        g[m].as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_f64())).collect())
            .unwrap_or_default()
    };
    let (values, blank, ambiguous) = (map("values"), map("blank"), map("ambiguous"));
    let mut note_wrong = |key: &str, want: Value, c: &CellRow| {
        wrong_list.push(json!({
            "document": doc, "key": key, "want": want, "got": c.0,
            "status": c.1, "source": c.2,
        }));
    };
    for (key, want) in &values {
        d_stated += 1;
        match cells.get(&(doc.to_owned(), key.clone())) {
            Some(c @ (Some(x), _, _)) => {
                if want.is_some_and(|w| (w - x).abs() < 1e-6) {
                    d_right += 1;
                } else {
                    d_wrong += 1;
                    note_wrong(key, json!(want), c);
                }
            }
            _ => d_missed += 1,
        }
    }
    // a spot check judges only the keys it states
    let partial = g["partial"].as_bool() == Some(true);
    for ((_, key), c) in cells.iter().filter(|((d, _), _)| *d == doc) {
        let Some(x) = c.0 else { continue };
        if values.contains_key(key)
            || (partial && !blank.contains_key(key) && !ambiguous.contains_key(key))
        {
            continue;
        }
        let ok = if let Some(b) = blank.get(key) {
            c.1 == "inferred" && b.is_some_and(|b| (b - x).abs() < 1e-6)
        } else if let Some(a) = ambiguous.get(key) {
            a.is_some_and(|a| (a - x).abs() < 1e-6)
        } else {
            false
        };
        if !ok {
            d_wrong += 1;
            let want = blank
                .get(key)
                .or_else(|| ambiguous.get(key))
                .map_or(Value::Null, |v| json!(v));
            note_wrong(key, want, c);
        }
    }
    Score {
        stated: d_stated,
        right: d_right,
        wrong: d_wrong,
        missed: d_missed,
    }
}

/// Whether a report's metadata is the gold file's (`adcode` compared when the gold file has
/// it: the synthetic corpora's do).
fn metadata_right(g: &Value, rep: &HashMap<&'static str, Value>) -> bool {
    [
        "agency",
        "report_year",
        "template",
        "published_on",
        "adcode",
    ]
    .iter()
    // (a spot check compares the fields it has)
    .filter(|f| {
        let stated = g.get(**f).is_some();
        stated || (**f != "adcode" && g["partial"].as_bool() != Some(true))
    })
    .all(|f| {
        let want = &g[*f];
        let got = rep.get(f).unwrap_or(&Value::Null);
        match (want, got) {
            (Value::Number(a), Value::Number(b)) => a.as_i64() == b.as_i64(),
            (a, b) => a == b,
        }
    })
}
