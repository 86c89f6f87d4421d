//! Conformance with the shared gold files: every cell of the real reports in `../shared`.
//! Skipped (with a message) when `../shared` is absent.

use std::path::{Path, PathBuf};

use nianbao_normalize::{normalize, CellStatus, Report, Source};
use serde_json::Value;

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.is_dir().then_some(p)
}

/// Compares one report with its gold file under the rules of TEMPLATES.md; returns the errors.
pub fn compare(report: &Report, gold: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    let num = |v: &Value| v.as_f64();
    for (k, v) in gold["values"].as_object().unwrap() {
        match report.cell(k) {
            Some(c) if c.value.is_some() && (c.value.unwrap() - num(v).unwrap()).abs() < 1e-6 => {}
            other => errs.push(format!(
                "{k}: want {v}, got {:?}",
                other.map(|c| (c.value, c.status))
            )),
        }
    }
    for (k, v) in gold["blank"].as_object().unwrap() {
        let c = report.cell(k);
        let ok = match c {
            Some(c) if c.value.is_none() => true,
            Some(c) => {
                c.status == CellStatus::Inferred
                    && num(v).is_some_and(|g| (g - c.value.unwrap()).abs() < 1e-6)
            }
            None => false,
        };
        if !ok {
            errs.push(format!(
                "blank {k}: want null or inferred {v}, got {:?}",
                c.map(|c| (c.value, c.status))
            ));
        }
    }
    for (k, v) in gold["ambiguous"].as_object().unwrap() {
        let c = report.cell(k);
        let ok = match c {
            Some(c) if c.value.is_none() => true,
            Some(c) => num(v).is_some_and(|g| (g - c.value.unwrap()).abs() < 1e-6),
            None => false,
        };
        if !ok {
            errs.push(format!(
                "ambiguous {k}: want null or {v}, got {:?}",
                c.map(|c| (c.value, c.status))
            ));
        }
    }
    let listed = |k: &str| {
        gold["values"].get(k).is_some()
            || gold["blank"].get(k).is_some()
            || gold["ambiguous"].get(k).is_some()
    };
    for c in &report.cells {
        if !listed(c.key) && c.value.is_some() {
            errs.push(format!(
                "{}: missing in the document, but got {:?} ({:?})",
                c.key, c.value, c.status
            ));
        }
    }
    let s = |k: &str| gold[k].as_str().map(str::to_owned);
    if report.agency != s("agency") {
        errs.push(format!(
            "agency: want {:?}, got {:?}",
            s("agency"),
            report.agency
        ));
    }
    if gold.get("agency_in_title").is_some() && report.agency_in_title != s("agency_in_title") {
        errs.push(format!(
            "agency_in_title: want {:?}, got {:?}",
            s("agency_in_title"),
            report.agency_in_title
        ));
    }
    if report.report_year.map(i64::from) != gold["report_year"].as_i64() {
        errs.push(format!(
            "report_year: want {}, got {:?}",
            gold["report_year"], report.report_year
        ));
    }
    if report.template.map(|t| t.as_str().to_owned()) != s("template") {
        errs.push(format!(
            "template: want {:?}, got {:?}",
            s("template"),
            report.template
        ));
    }
    if report.published_on != s("published_on") {
        errs.push(format!(
            "published_on: want {:?}, got {:?}",
            s("published_on"),
            report.published_on
        ));
    }
    errs
}

fn check_dir(docs: &Path, gold: &Path, only_txt: bool) -> Vec<String> {
    let mut all = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(gold)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for g in entries {
        let gold: Value = serde_json::from_str(&std::fs::read_to_string(&g).unwrap()).unwrap();
        let name = gold["document"].as_str().unwrap();
        if only_txt && !name.ends_with(".txt") {
            continue;
        }
        let bytes = std::fs::read(docs.join(name)).unwrap();
        let doc = nianbao_extract::read(&bytes).unwrap();
        let report = normalize(
            &doc,
            Source {
                document: name.into(),
                ..Default::default()
            },
        );
        for f in &report.findings {
            eprintln!("  [{name}] {} {}: {}", f.severity, f.rule, f.message);
        }
        for e in compare(&report, &gold) {
            all.push(format!("{name}: {e}"));
        }
    }
    all
}

#[test]
fn seeds_and_flattened_text_match_their_gold() {
    let Some(shared) = shared() else {
        eprintln!("SKIPPED: ../shared is absent; conformance against the gold files was not run");
        return;
    };
    let mut errs = check_dir(&shared.join("seeds"), &shared.join("expected"), false);
    errs.extend(check_dir(
        &shared.join("corpus/docs"),
        &shared.join("corpus/expected"),
        true,
    ));
    assert!(
        errs.is_empty(),
        "{} wrong:\n{}",
        errs.len(),
        errs.join("\n")
    );
}
