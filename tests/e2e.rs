//! End-to-end tests: run the real `nianbao` binary on folders of files and check the numbers
//! in the Parquet it writes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow_array::{Array, Int32Array, StringArray};
use serde_json::Value;

use crate::common;

use common::has_pdftotext;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
}

fn build(input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    let out = bin()
        .arg("build")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(extra)
        .output()
        .unwrap();
    out
}

/// Writes a pipeline file `dir/NAME.toml` for `input` → `output` with extra TOML settings.
fn pipeline(dir: &Path, name: &str, input: &Path, output: &Path, extra: &str) -> PathBuf {
    let cfg = dir.join(format!("{name}.toml"));
    std::fs::write(
        &cfg,
        format!(
            "input = '{}'\noutput = '{}'\n{extra}",
            input.display(),
            output.display()
        ),
    )
    .unwrap();
    cfg
}

/// `nianbao build --config CFG`.
fn build_config(cfg: &Path) -> std::process::Output {
    bin().args(["build", "--config"]).arg(cfg).output().unwrap()
}

use common::{col as s, read};

fn opt(a: &StringArray, i: usize) -> Option<String> {
    (!a.is_null(i)).then(|| a.value(i).to_owned())
}

/// (document, key) → (value, status)
use common::Cells;

struct Dataset {
    cells: Cells,
    reports: HashMap<String, HashMap<&'static str, Option<String>>>,
    findings: HashMap<String, Vec<(String, String)>>,
}

fn load(out: &Path) -> Dataset {
    let cells = common::load_cells(out);
    let mut reports = HashMap::new();
    for b in read(&out.join("reports.parquet")) {
        let y: &Int32Array = b
            .column_by_name("report_year")
            .unwrap()
            .as_any()
            .downcast_ref()
            .unwrap();
        for i in 0..b.num_rows() {
            let mut m: HashMap<&'static str, Option<String>> = HashMap::new();
            for c in [
                "agency",
                "agency_in_title",
                "template",
                "published_on",
                "status",
                "reason",
                "format",
            ] {
                m.insert(c, opt(s(&b, c), i));
            }
            m.insert(
                "report_year",
                (!y.is_null(i)).then(|| y.value(i).to_string()),
            );
            reports.insert(s(&b, "document").value(i).to_owned(), m);
        }
    }
    let findings = common::load_findings(out);
    Dataset {
        cells,
        reports,
        findings,
    }
}

/// Compares a dataset with gold records under the rules of TEMPLATES.md.
fn compare(ds: &Dataset, gold: &Value) -> Vec<String> {
    let doc = gold["document"].as_str().unwrap().to_owned();
    let mut errs = Vec::new();
    let cell = |k: &str| ds.cells.get(&(doc.clone(), k.to_owned()));
    for (k, v) in gold["values"].as_object().unwrap() {
        match cell(k) {
            Some((Some(x), _)) if (x - v.as_f64().unwrap()).abs() < 1e-6 => {}
            other => errs.push(format!("{doc} {k}: want {v}, got {other:?}")),
        }
    }
    for (k, v) in gold["blank"].as_object().unwrap() {
        match cell(k) {
            Some((None, _)) => {}
            Some((Some(x), st))
                if st == "inferred" && v.as_f64().is_some_and(|g| (g - x).abs() < 1e-6) => {}
            other => errs.push(format!(
                "{doc} blank {k}: want null or inferred {v}, got {other:?}"
            )),
        }
    }
    for (k, v) in gold["ambiguous"].as_object().unwrap() {
        match cell(k) {
            Some((None, _)) => {}
            Some((Some(x), _)) if v.as_f64().is_some_and(|g| (g - x).abs() < 1e-6) => {}
            other => errs.push(format!(
                "{doc} ambiguous {k}: want null or {v}, got {other:?}"
            )),
        }
    }
    for ((d, k), (v, st)) in &ds.cells {
        let listed = ["values", "blank", "ambiguous"]
            .iter()
            .any(|m| gold[m].get(k).is_some());
        if d == &doc && !listed && v.is_some() {
            errs.push(format!(
                "{doc} {k}: absent from the document, got {v:?} ({st})"
            ));
        }
    }
    let r = &ds.reports[&doc];
    for f in ["agency", "agency_in_title", "template", "published_on"] {
        if r[f].as_deref() != gold[f].as_str() && !(f == "agency_in_title" && gold.get(f).is_none())
        {
            errs.push(format!("{doc} {f}: want {:?}, got {:?}", gold[f], r[f]));
        }
    }
    if r["report_year"]
        .as_deref()
        .map(|y| y.parse::<i64>().unwrap())
        != gold["report_year"].as_i64()
    {
        errs.push(format!(
            "{doc} report_year: want {}, got {:?}",
            gold["report_year"], r["report_year"]
        ));
    }
    errs
}

fn has_rule(ds: &Dataset, doc: &str, rule: &str, needle: &str) -> bool {
    ds.findings
        .get(doc)
        .is_some_and(|fs| fs.iter().any(|(r, m)| r == rule && m.contains(needle)))
}

fn tmp(name: &str) -> PathBuf {
    common::tmp_dir("e2e", name)
}

/// Synthetic reports in all five text layouts, three encodings, both templates, with
/// deliberate defects: every gold cell right and every planted problem reported.
#[test]
fn synthetic_corpus_round_trips_through_the_binary() {
    let dir = tmp("synth");
    let input = dir.join("in");
    let mut docs = nianbao_synth::generate(60, 11, true);
    if !has_pdftotext() {
        docs.retain(|d| !d.name.ends_with(".pdf"));
    }
    std::fs::create_dir_all(&input).unwrap();
    for d in &docs {
        std::fs::write(input.join(&d.name), &d.bytes).unwrap();
    }
    let out = build(&input, &dir.join("out"), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ds = load(&dir.join("out"));
    let mut errs = Vec::new();
    let mut nonzero = 0;
    for d in &docs {
        errs.extend(compare(&ds, &d.gold));
        nonzero += d.gold["values"]
            .as_object()
            .unwrap()
            .values()
            .filter(|v| v.as_f64() != Some(0.0))
            .count();
        for p in d.gold["problems"].as_array().unwrap() {
            let p = p.as_str().unwrap();
            let (rule, needle) = if p.contains("行政复议 总计") {
                ("s4_row_total", "行政复议")
            } else if p.contains("blank in every column") {
                ("blank_row", "3.其他")
            } else if p.contains("8 numbers") {
                ("row_repaired", "属于国家秘密")
            } else if p.contains("table is missing") {
                ("missing_table", "part 四")
            } else {
                ("no_title", "")
            };
            if !has_rule(&ds, &d.name, rule, needle) {
                errs.push(format!("{}: problem not reported: {p}", d.name));
            }
        }
    }
    assert!(
        nonzero > 500,
        "the synthetic corpus must carry nonzero numbers ({nonzero})"
    );
    assert!(
        errs.is_empty(),
        "{} wrong:\n{}",
        errs.len(),
        errs.join("\n")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.is_dir().then_some(p)
}

/// The real reports of `../shared` against their gold files, through the binary.
#[test]
fn shared_gold_conformance() {
    let Some(sh) = shared() else {
        eprintln!(
            "SKIPPED: ../shared is absent; conformance against the shared gold files was not run"
        );
        return;
    };
    let dir = tmp("shared");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    let mut golds = Vec::new();
    for (docs, gold) in [("seeds", "expected"), ("corpus/docs", "corpus/expected")] {
        for e in std::fs::read_dir(sh.join(gold)).unwrap() {
            let g: Value =
                serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap();
            let name = g["document"].as_str().unwrap().to_owned();
            if name.ends_with(".pdf") && !has_pdftotext() {
                continue;
            }
            std::fs::copy(sh.join(docs).join(&name), input.join(&name)).unwrap();
            golds.push(g);
        }
    }
    let out = build(&input, &dir.join("out"), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ds = load(&dir.join("out"));
    let mut errs = Vec::new();
    for g in &golds {
        let doc = g["document"].as_str().unwrap();
        if ds.reports[doc]["status"].as_deref() == Some("unreadable") {
            errs.push(format!(
                "{doc}: unreadable ({})",
                ds.reports[doc]["reason"].as_deref().unwrap_or("")
            ));
            continue;
        }
        errs.extend(compare(&ds, g));
    }
    // The problems of the gold files, as the findings that report them.
    let expected: &[(&str, &str, &str)] = &[
        ("000_9bb18307f9a892a7.txt", "blank_row", "3.其他"),
        ("000_9bb18307f9a892a7.txt", "row_repaired", "属于国家秘密"),
        (
            "000_9bb18307f9a892a7.txt",
            "row_repaired",
            "补正后申请内容仍不明确",
        ),
        (
            "000_9bb18307f9a892a7.txt",
            "row_repaired",
            "要求提供公开出版物",
        ),
        ("002_3e8542fbe6658293.txt", "no_title", ""),
        (
            "003_6edf186f1117d5aa.txt",
            "missing_column_header",
            "商业企业",
        ),
        (
            "003_6edf186f1117d5aa.txt",
            "row_repaired",
            "6 numbers for 7 columns",
        ),
        (
            "003_6edf186f1117d5aa.txt",
            "missing_group_heading",
            "（三）不予公开",
        ),
        ("003_6edf186f1117d5aa.txt", "missing_table", "part 四"),
        ("020.txt", "page_boilerplate", "当前位置"),
        ("020.txt", "flattened_table", ""),
        ("020.txt", "row_ambiguous", "693665"),
        ("020.txt", "row_repaired", "640020470"),
        ("020.txt", "row_repaired", "column identities"),
        ("020.txt", "row_repaired", "10203120001200000"),
        ("004.html", "amount_unit", "251000元"),
        ("004.html", "cell_inferred", "s3.granted.total"),
        ("004.html", "blank_row", "2.其他法律行政法规禁止公开"),
        ("004.html", "blank_row", "（六）其他处理"),
        ("004.html", "blank_row", "复议后起诉"),
        ("004.html", "prose_mismatch", "予以公开"),
        ("004.html", "prose_mismatch", "无法提供"),
        ("004.html", "prose_mismatch", "维持"),
        (
            "001.pdf",
            "missing_row",
            "（六）其他处理 is given as a single row",
        ),
        ("001.pdf", "label_garbled", "其他法律行政止公开"),
        ("001.pdf", "s4_row_total", "行政复议"),
        ("001.pdf", "s4_row_total", "复议后起诉"),
    ];
    for (doc, rule, needle) in expected {
        if !golds.iter().any(|g| g["document"] == *doc) {
            continue;
        }
        if !has_rule(&ds, doc, rule, needle) {
            errs.push(format!("{doc}: no {rule} finding mentioning {needle:?}"));
        }
    }
    assert!(
        errs.is_empty(),
        "{} wrong:\n{}",
        errs.len(),
        errs.join("\n")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A PDF with one empty page: what a scan without a text layer looks like to a text reader.
const SCANNED_PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// A DOCX whose `word/document.xml` unpacks 1,000 times larger than it is stored.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("word/document.xml", opts).unwrap();
    let block = vec![b' '; 1 << 20];
    for _ in 0..8 {
        z.write_all(&block).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// Every bad input, of every format, is listed as unreadable with a reason; the run goes on
/// and succeeds. Files with the wrong extension are read by their content.
#[test]
fn bad_inputs_are_accounted_for() {
    let dir = tmp("bad");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    let docs = nianbao_synth::generate_layouts(3, 5, false, &["tabbed", "pdf", "docx"]);
    std::fs::write(input.join("good.txt"), &docs[0].bytes).unwrap();
    // wrong extensions: a PDF named .txt, a DOCX named .pdf
    std::fs::write(input.join("pdf_named.txt"), &docs[1].bytes).unwrap();
    std::fs::write(input.join("docx_named.pdf"), &docs[2].bytes).unwrap();
    std::fs::write(input.join("empty.txt"), b"").unwrap();
    std::fs::write(input.join("binary.bin"), [0u8, 1, 2, 3, 255, 0, 7, 8]).unwrap();
    std::fs::write(
        input.join("garbage.html"),
        [0x3c, 0x68, 0, 0, 0xff, 0xfe, 9, 1, 0],
    )
    .unwrap();
    std::fs::write(input.join("truncated.pdf"), b"%PDF-1.4\n%\xe2\xe3\n1 0 obj").unwrap();
    std::fs::write(
        input.join("half.pdf"),
        &docs[1].bytes[..docs[1].bytes.len() / 3],
    )
    .unwrap();
    std::fs::write(input.join("scanned.pdf"), SCANNED_PDF).unwrap();
    std::fs::write(
        input.join("half.docx"),
        &docs[2].bytes[..docs[2].bytes.len() / 2],
    )
    .unwrap();
    std::fs::write(input.join("bomb.docx"), zip_bomb()).unwrap();
    std::fs::write(
        input.join("report.doc"),
        [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0],
    )
    .unwrap();
    std::fs::write(
        input.join("page.html"),
        "<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>",
    )
    .unwrap();
    std::fs::write(input.join("truncated_utf16.txt"), [0xFF, 0xFE, 0x41]).unwrap();
    // 29.7: read, but not a report: a note, an error page, and a column's list page whose
    // titles name an agency and a year (it must not become that agency's 2024 report)
    std::fs::write(input.join("hello.txt"), "hello\n").unwrap();
    std::fs::write(
        input.join("404.html"),
        "<html><head><meta charset=\"utf-8\"><title>404 页面不存在</title></head><body>\
         <h1>404 Not Found</h1><p>您访问的页面不存在或已被删除。</p></body></html>",
    )
    .unwrap();
    std::fs::write(
        input.join("list.html"),
        "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报_明湖县人民政府</title></head>\
         <body><ul><li><a href=\"a.html\">明湖县人民政府2024年政府信息公开工作年度报告</a> 2025-03-20</li>\
         <li><a href=\"b.html\">明湖县人民政府2023年政府信息公开工作年度报告</a> 2024-03-21</li></ul>\
         <div>共2条 第1页</div></body></html>",
    )
    .unwrap();
    let out = build(&input, &dir.join("out"), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ds = load(&dir.join("out"));
    assert_eq!(ds.reports.len(), 17, "every input is in reports");
    let reason = |d: &str| ds.reports[d]["reason"].clone().unwrap_or_default();
    let pdf = has_pdftotext();
    let no_pdf = "install the Debian package poppler-utils";
    let readable: &[&str] = if pdf {
        &["good.txt", "pdf_named.txt", "docx_named.pdf"]
    } else {
        &["good.txt", "docx_named.pdf"]
    };
    for &d in readable {
        assert_ne!(
            ds.reports[d]["status"].as_deref(),
            Some("unreadable"),
            "{d}: {}",
            reason(d)
        );
    }
    assert_eq!(
        ds.reports["pdf_named.txt"]["format"].as_deref(),
        Some("pdf")
    );
    assert_eq!(
        ds.reports["docx_named.pdf"]["format"].as_deref(),
        Some("docx")
    );
    for (d, needle) in [
        ("empty.txt", "empty"),
        ("binary.bin", "binary"),
        ("garbage.html", "binary"),
        (
            "truncated.pdf",
            if pdf {
                "PDF file is damaged or truncated"
            } else {
                no_pdf
            },
        ),
        (
            "half.pdf",
            if pdf {
                "PDF file is damaged or truncated"
            } else {
                no_pdf
            },
        ),
        (
            "scanned.pdf",
            if pdf {
                // without the OCR engine: what to install; with it: OCR found no text
                "no text layer"
            } else {
                no_pdf
            },
        ),
        ("half.docx", "DOCX file is damaged or truncated"),
        ("bomb.docx", "zip bomb"),
        // (a compound file signature and nothing else)
        ("report.doc", "legacy Word/WPS (.doc/.wps) file is damaged"),
        ("page.html", "empty"),
        ("truncated_utf16.txt", "decoded"),
    ] {
        assert_eq!(
            ds.reports[d]["status"].as_deref(),
            Some("unreadable"),
            "{d}"
        );
        assert!(reason(d).contains(needle), "{d}: {}", reason(d));
    }
    for d in ["hello.txt", "404.html", "list.html"] {
        assert_eq!(
            ds.reports[d]["status"].as_deref(),
            Some("not_a_report"),
            "{d}"
        );
        assert!(
            reason(d).contains("none of the six parts"),
            "{d}: {}",
            reason(d)
        );
        // one finding says so, instead of the missing parts, tables and metadata
        let rules: Vec<&str> = ds.findings[d].iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(rules, ["not_a_report"], "{d}");
        assert!(ds.cells.keys().all(|(doc, _)| doc != d), "{d} has no cells");
    }
    // the list page keeps what it names, but is no agency's report
    assert_eq!(
        ds.reports["list.html"]["agency"].as_deref(),
        Some("明湖县人民政府")
    );
    let panel: Vec<String> = read(&dir.join("out/panel.parquet"))
        .iter()
        .flat_map(|b| {
            let d = s(b, "document");
            (0..b.num_rows())
                .map(|i| d.value(i).to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(!panel.contains(&"list.html".to_owned()), "{panel:?}");
    let coverage_rows: usize = read(&dir.join("out/coverage.parquet"))
        .iter()
        .map(|b| {
            let a = s(b, "agency");
            (0..b.num_rows())
                .filter(|&i| !a.is_null(i) && a.value(i) == "明湖县人民政府")
                .count()
        })
        .sum();
    assert_eq!(coverage_rows, 0, "a list page is not a report in coverage");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let n = if pdf { 11 } else { 12 };
    assert!(stderr.contains(&format!("unreadable {n}")), "{stderr}");
    assert!(stderr.contains("not_a_report 3"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Without `pdftotext`, PDFs are unreadable with a reason that names the package to install.
#[test]
fn missing_pdftotext_names_the_package() {
    let dir = tmp("nopdftotext");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    let d = &nianbao_synth::generate_layouts(1, 5, false, &["pdf"])[0];
    std::fs::write(input.join("r.pdf"), &d.bytes).unwrap();
    let cfg = pipeline(
        &dir,
        "p",
        &input,
        &dir.join("out"),
        "[pdf]\nprogram = '/nonexistent/pdftotext'\n",
    );
    let out = build_config(&cfg);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ds = load(&dir.join("out"));
    let reason = ds.reports["r.pdf"]["reason"].clone().unwrap_or_default();
    assert!(
        reason.contains("install the Debian package poppler-utils"),
        "{reason}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--strict` fails the run on error findings; a missing input folder is a clear error.
#[test]
fn strict_and_run_errors_have_exit_codes() {
    let dir = tmp("strict");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    // document 3 of seed 11 has a planted wrong 行政复议 total (defect 1) or another defect;
    // write documents until one has an error-level problem
    let docs = nianbao_synth::generate(400, 11, true);
    let bad = docs
        .iter()
        .find(|d| {
            d.gold["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p.as_str().unwrap().contains("行政复议 总计"))
        })
        .unwrap();
    std::fs::write(input.join(&bad.name), &bad.bytes).unwrap();
    let out = build(&input, &dir.join("out"), &["--strict"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.join("out/findings.parquet").exists(),
        "the dataset is still written"
    );
    let out = build(&dir.join("nope"), &dir.join("out2"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `inspect` prints the grid and the findings of one file.
#[test]
fn inspect_shows_cells_and_findings() {
    let dir = tmp("inspect");
    std::fs::create_dir_all(&dir).unwrap();
    let d = &nianbao_synth::generate(1, 2, false)[0];
    let f = dir.join(&d.name);
    std::fs::write(&f, &d.bytes).unwrap();
    let out = bin().arg("inspect").arg(&f).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let received = d.gold["values"]["s3.received_new.total"].as_f64().unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("received_new"))
        .unwrap();
    assert!(
        line.split_whitespace()
            .last()
            .unwrap()
            .starts_with(&format!("{}", received as i64)),
        "{line}"
    );
    assert!(text.contains("findings ("));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The data files of a dataset folder (everything but the manifest, which holds times).
fn data_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "manifest.json")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn json_summary(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON summary ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Issue 4: an incremental run after adding, changing and removing documents writes exactly
/// the dataset a full rebuild writes, and says what changed.
#[test]
fn incremental_build_equals_full_rebuild() {
    let dir = tmp("incremental");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    // No PDFs: without `pdftotext` they are unreadable, and unreadable documents are not
    // cached (they are retried every run), which would change the counts asserted below.
    let layouts: Vec<&str> = nianbao_synth::ALL_LAYOUTS
        .into_iter()
        .filter(|l| *l != "pdf")
        .collect();
    let docs = nianbao_synth::generate_layouts(40, 21, true, &layouts);
    for d in &docs[..36] {
        std::fs::write(input.join(&d.name), &d.bytes).unwrap();
    }
    let first = build(&input, &dir.join("out"), &["--json"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(json_summary(&first)["parsed"], 36);
    let again = build(&input, &dir.join("out"), &["--json"]);
    let s = json_summary(&again);
    assert_eq!(
        (s["parsed"].as_u64(), s["added"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );
    // change two, add four, remove two
    for d in &docs[..2] {
        let mut b = d.bytes.clone();
        b.extend_from_slice(b"\n");
        std::fs::write(input.join(&d.name), b).unwrap();
    }
    for d in &docs[36..] {
        std::fs::write(input.join(&d.name), &d.bytes).unwrap();
    }
    for d in &docs[2..4] {
        std::fs::remove_file(input.join(&d.name)).unwrap();
    }
    let inc = build(&input, &dir.join("out"), &["--json"]);
    let s = json_summary(&inc);
    assert_eq!(
        [&s["added"], &s["changed"], &s["removed"], &s["parsed"]],
        [&json_num(4), &json_num(2), &json_num(2), &json_num(6)],
        "{s}"
    );
    let cfg = pipeline(
        &dir,
        "full",
        &input,
        &dir.join("full"),
        "incremental = false\n",
    );
    let full = build_config(&cfg);
    assert!(
        full.status.success(),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );
    let a = data_files(&dir.join("out"));
    let b = data_files(&dir.join("full"));
    assert_eq!(a.len(), b.len());
    for ((na, da), (nb, db)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert!(
            da == db,
            "{na} differs between the incremental and the full build"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn json_num(n: u64) -> Value {
    Value::from(n)
}

/// Issue 4: a nightly run that finds the inputs, config and build of the published dataset
/// unchanged skips the rebuild and says so; any change (even a touched file), a document that
/// could not be read, or a different config makes it build again.
#[test]
fn an_unchanged_nightly_run_skips_the_rebuild() {
    let dir = tmp("unchanged");
    let input = dir.join("in");
    let out = dir.join("out");
    std::fs::create_dir_all(&input).unwrap();
    let docs = nianbao_synth::generate_layouts(10, 5, true, &["tabbed", "piped", "flattened"]);
    // written a minute ago: a file modified within the last 2 s is re-hashed on the next run
    // (it could change again without changing its size and time), so it never counts as
    // unchanged
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for d in &docs {
        let f = std::fs::File::create(input.join(&d.name)).unwrap();
        std::io::Write::write_all(&mut &f, &d.bytes).unwrap();
        f.set_modified(past).unwrap();
    }
    let run = |extra: &[&str]| {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        let o = build(&input, &out, &args);
        assert!(o.status.code().is_some_and(|c| c == 0 || c == 2));
        (json_summary(&o), o.status.code())
    };
    let (first, _) = run(&[]);
    assert_eq!(
        (&first["unchanged"], &first["parsed"]),
        (&Value::from(false), &json_num(10))
    );
    let first_gen = generation(&out);
    let files = data_files(&out);

    let (again, code) = run(&[]);
    assert_eq!(again["unchanged"], true, "{again}");
    assert_eq!(
        [
            &again["parsed"],
            &again["reused"],
            &again["added"],
            &again["changed"],
            &again["removed"],
            &again["failed"]
        ],
        [
            &json_num(0),
            &json_num(10),
            &json_num(0),
            &json_num(0),
            &json_num(0),
            &json_num(0)
        ]
    );
    for k in ["documents", "by_status", "findings_by_rule", "rows"] {
        assert_eq!(again[k], first[k], "{k}");
    }
    assert_eq!(code, Some(0));
    assert_eq!(generation(&out), first_gen, "no new generation");

    // a touched file (same bytes, new time) is looked at again: a rebuild, same dataset
    let touch = |name: &str, t: std::time::SystemTime| {
        let f = std::fs::File::options()
            .append(true)
            .open(input.join(name))
            .unwrap();
        f.set_modified(t).unwrap();
    };
    touch(&docs[3].name, past + std::time::Duration::from_secs(5));
    let (touched, _) = run(&[]);
    assert_eq!(
        (&touched["unchanged"], &touched["changed"]),
        (&Value::from(false), &json_num(0))
    );
    assert_ne!(generation(&out), first_gen);
    assert!(
        data_files(&out) == files,
        "a touched file changed the dataset"
    );
    assert_eq!(run(&[]).0["unchanged"], true);

    // a file modified just now is not trusted by its time: the next run builds again, the one
    // after (once the time is old enough) skips
    touch(&docs[4].name, std::time::SystemTime::now());
    assert_eq!(run(&[]).0["unchanged"], false);
    assert_eq!(
        run(&[]).0["unchanged"],
        false,
        "modified < 2 s ago: re-hashed, not skipped"
    );
    touch(&docs[4].name, past);
    assert_eq!(run(&[]).0["unchanged"], false);
    assert_eq!(run(&[]).0["unchanged"], true);

    // another config (here --strict) builds again, then skips with the same exit code
    let errors = first["by_status"]["error"].as_u64().unwrap_or(0);
    let (strict, code) = run(&["--strict"]);
    assert_eq!(strict["unchanged"], false);
    let (strict_again, code_again) = run(&["--strict"]);
    assert_eq!(strict_again["unchanged"], true);
    assert_eq!(code, code_again);
    assert_eq!(code, Some(if errors > 0 { 2 } else { 0 }));

    // a document unreadable for a lasting reason (an empty file) reads the same next time: the
    // run after it skips, and still lists it
    let write_past = |name: &str, bytes: &[u8]| {
        let f = std::fs::File::create(input.join(name)).unwrap();
        std::io::Write::write_all(&mut &f, bytes).unwrap();
        f.set_modified(past).unwrap();
    };
    write_past("empty.txt", b"");
    let (with_bad, _) = run(&[]);
    assert_eq!(
        (&with_bad["unchanged"], &with_bad["failed"]),
        (&Value::from(false), &json_num(1))
    );
    let skipped = build(&input, &out, &["--json"]);
    let s = json_summary(&skipped);
    assert_eq!(
        (&s["unchanged"], &s["failed"]),
        (&Value::from(true), &json_num(1)),
        "{s}"
    );
    assert!(String::from_utf8_lossy(&skipped.stderr)
        .contains("unreadable: empty.txt: the file is empty"));

    // one unreadable for a reason that may not last (here: the PDF reader is missing) is
    // retried every run, and no run skips while it is there
    let pdf = nianbao_synth::generate_layouts(1, 3, false, &["pdf"]);
    write_past("scan.pdf", &pdf[0].bytes);
    let cfg = pipeline(
        &dir,
        "no-reader",
        &input,
        &out,
        "[pdf]\nprogram = 'nianbao-no-such-pdftotext'\n",
    );
    let run_cfg = || {
        let o = bin()
            .args(["build", "--json", "--config"])
            .arg(&cfg)
            .output()
            .unwrap();
        json_summary(&o)
    };
    let first_pdf = run_cfg();
    assert_eq!(
        (&first_pdf["unchanged"], &first_pdf["failed"]),
        (&Value::from(false), &json_num(2))
    );
    let again_pdf = run_cfg();
    assert_eq!(
        (&again_pdf["unchanged"], &again_pdf["parsed"]),
        (&Value::from(false), &json_num(2)),
        "the PDF (and the uncached empty file) are read again"
    );
    std::fs::remove_file(input.join("scan.pdf")).unwrap();
    std::fs::remove_file(input.join("empty.txt")).unwrap();

    // a deleted dataset is rebuilt
    assert_eq!(run(&[]).0["unchanged"], false);
    std::fs::remove_dir_all(&out).unwrap();
    assert_eq!(run(&[]).0["unchanged"], false);
    assert!(out.join("manifest.json").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 4: a second run on the same output refuses while the first holds the lock; the first
/// finishes undisturbed.
#[test]
fn a_concurrent_run_is_refused() {
    let dir = tmp("lock");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for d in nianbao_synth::generate(4, 3, false) {
        std::fs::write(input.join(&d.name), &d.bytes).unwrap();
    }
    let out = dir.join("out");
    let first = bin()
        .arg("build")
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&out)
        .env("NIANBAO_TEST_HOLD_LOCK_MS", "4000")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // wait until the first run holds the lock
    let lock = dir.join(".out.lock");
    for _ in 0..200 {
        if lock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let second = build(&input, &out, &[]);
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("another nianbao build is writing"), "{err}");
    let first = first.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(load(&out).reports.len(), 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The generation (manifest `generation`) of the dataset at `out`.
fn generation(out: &Path) -> String {
    let m: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    m["generation"].as_str().unwrap().to_owned()
}

/// Names in `dir` that a run leaves only when killed (or an older nianbao's generations).
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            [".tmp-", ".link-", ".old-", ".gens"]
                .iter()
                .any(|k| n.contains(k))
        })
        .collect()
}

/// Issues 4 and 25: a run killed at any moment (`kill -9` at several times, and an abort at
/// each step of publication, with and without the atomic exchange) leaves the old or the new
/// dataset whole at the output path, a real folder; the next run cleans up, and leaves alone
/// what it did not write.
#[test]
fn a_killed_run_leaves_a_whole_dataset() {
    let dir = tmp("kill");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for d in nianbao_synth::generate_layouts(6, 4, false, &["tabbed"]) {
        std::fs::write(input.join(&d.name), &d.bytes).unwrap();
    }
    let out = dir.join("out");
    let cfg = pipeline(&dir, "first", &input, &out, "incremental = false\n");
    assert!(build_config(&cfg).status.success());
    assert!(out.is_dir() && !out.is_symlink(), "a real folder");
    // a dataset as nianbao published it before issue 25 (a link into .out.gens/), to test that
    // it is replaced like any dataset of ours
    std::fs::create_dir(dir.join(".out.gens")).unwrap();
    std::fs::rename(&out, dir.join(".out.gens/g1-legacy")).unwrap();
    std::os::unix::fs::symlink(".out.gens/g1-legacy", &out).unwrap();
    let before = data_files(&out);
    // something of the user's named like a leftover: never removed
    let mine = dir.join(".out.tmp-mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), b"my notes").unwrap();
    // more documents, so that the runs below change the dataset
    for d in nianbao_synth::generate_layouts(300, 9, false, &["tabbed", "piped", "flattened"]) {
        std::fs::write(input.join(&d.name), &d.bytes).unwrap();
    }
    let total = std::fs::read_dir(&input).unwrap().count();
    let aborted = |point: &str, exchange: bool| {
        let mut c = bin();
        c.args(["build", "--config"])
            .arg(&cfg)
            .env("NIANBAO_TEST_ABORT_AT", point);
        if !exchange {
            c.env("NIANBAO_TEST_NO_EXCHANGE", "1");
        }
        let o = c.output().unwrap();
        assert!(
            !o.status.success(),
            "{point}: the run should have been killed"
        );
    };
    // killed before the switch: the old (legacy) dataset, as it was
    aborted("before-publish", true);
    assert!(
        data_files(&out) == before,
        "before-publish: the dataset changed"
    );
    assert_eq!(load(&out).reports.len(), 6);
    // killed right after the exchange: the new dataset, whole, at the path
    aborted("after-exchange", true);
    assert!(!out.is_symlink(), "the exchange put a real folder in place");
    assert_eq!(load(&out).reports.len(), total);
    let new = data_files(&out);
    let gen = generation(&out);
    // where the file system cannot exchange: killed between the two renames, there is no
    // dataset for an instant; the next run puts the old one back before anything else (it is
    // itself killed before publishing here, to look at what it restored)
    aborted("after-move-aside", false);
    assert!(std::fs::symlink_metadata(&out).is_err(), "moved aside");
    aborted("before-publish", true);
    assert_eq!(
        generation(&out),
        gen,
        "the dataset moved aside was put back"
    );
    assert!(data_files(&out) == new);
    aborted("after-two-renames", false);
    assert_eq!(load(&out).reports.len(), total);
    assert_ne!(generation(&out), gen);
    let before = data_files(&out);
    let intact = |when: &str| {
        assert!(
            data_files(&out) == before,
            "after {when}: the dataset changed"
        );
        assert_eq!(load(&out).reports.len(), total, "after {when}");
    };
    // kill -9 at several moments of a full run
    for ms in [50u64, 200, 600, 1200] {
        let mut child = bin()
            .args(["build", "--config"])
            .arg(&cfg)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        intact(&format!("kill -9 after {ms} ms"));
    }
    let o = build_config(&cfg);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(".out.tmp-mine alone"), "{err}");
    assert_eq!(load(&out).reports.len(), total);
    assert!(out.is_dir() && !out.is_symlink());
    assert_eq!(leftovers(&dir), vec![".out.tmp-mine".to_string()]);
    assert_eq!(std::fs::read(mine.join("notes.txt")).unwrap(), b"my notes");
    let s = json_summary(
        &bin()
            .args(["build", "--json", "--config"])
            .arg(&cfg)
            .output()
            .unwrap(),
    );
    // (two renames only on a file system that cannot exchange folders: then the summary says so)
    assert!(
        s["publication"] == "exchange" || s["publication"] == "two-renames",
        "{s}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 25: an output path holding anything but a dataset nianbao wrote is refused before
/// anything is read, with one line naming it and what to do; nothing is touched.
#[test]
fn an_output_of_the_users_is_refused_untouched() {
    let dir = tmp("refuse");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for d in nianbao_synth::generate_layouts(3, 4, false, &["tabbed"]) {
        std::fs::write(input.join(&d.name), &d.bytes).unwrap();
    }
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let refused = |out: &Path, extra: &[&str], what: &str| {
        let o = build(&input, out, extra);
        assert_eq!(o.status.code(), Some(1), "{what}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
        assert!(err.contains(&out.display().to_string()), "{what}: {err}");
        err.into_owned()
    };
    // a folder of the user's
    let results = dir.join("results");
    std::fs::create_dir(&results).unwrap();
    std::fs::write(results.join("notes.txt"), b"my notes").unwrap();
    let err = refused(&results, &[], "a user's folder");
    assert!(
        err.contains("notes.txt") && err.contains("choose another output folder"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(results.join("notes.txt")).unwrap(),
        b"my notes"
    );
    assert_eq!(names(&results), ["notes.txt"]);
    assert_eq!(
        names(&dir),
        ["in", "results"],
        "no lock, state or temporary folder"
    );
    // an output path that is a file
    let file = dir.join("results.csv");
    std::fs::write(&file, b"a,b\n1,2\n").unwrap();
    assert!(refused(&file, &[], "a file").contains("is a file"));
    assert_eq!(std::fs::read(&file).unwrap(), b"a,b\n1,2\n");
    // a link of the user's to a folder
    let link = dir.join("linked");
    std::os::unix::fs::symlink(&results, &link).unwrap();
    assert!(refused(&link, &[], "a link").contains("symbolic link"));
    assert!(link.is_symlink());
    // a dataset of ours with a user's file added: refused, the file named
    let out = dir.join("out");
    assert!(build(&input, &out, &[]).status.success());
    std::fs::write(out.join("analysis.ipynb"), b"{}").unwrap();
    let err = refused(&out, &[], "a dataset with a user's file");
    assert!(
        err.contains("analysis.ipynb") && err.contains("did not write"),
        "{err}"
    );
    assert_eq!(std::fs::read(out.join("analysis.ipynb")).unwrap(), b"{}");
    std::fs::remove_file(out.join("analysis.ipynb")).unwrap();
    // the state pointed at a folder of the user's
    let cfg = pipeline(
        &dir,
        "state",
        &input,
        &out,
        &format!("state = {:?}\n", results.display().to_string()),
    );
    let o = build_config(&cfg);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("state folder") && err.contains("notes.txt"),
        "{err}"
    );
    assert_eq!(names(&results), ["notes.txt"]);
    // a lock path holding something of the user's
    std::fs::write(dir.join(".out.lock"), b"mine").unwrap();
    let err = refused(&out, &["--full"], "a lock path of the user's");
    assert!(err.contains(".out.lock"), "{err}");
    assert_eq!(std::fs::read(dir.join(".out.lock")).unwrap(), b"mine");
    std::fs::remove_file(dir.join(".out.lock")).unwrap();
    // an empty folder is used, and a dataset of ours replaced
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(build(&input, &empty, &[]).status.success());
    assert_eq!(load(&empty).reports.len(), 3);
    let o = build(&input, &out, &["--full"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 25: the published dataset is a real folder: `cp -r`, `tar` and `zip` of it are
/// complete datasets (here a partitioned one, folders inside folders).
#[test]
fn a_copied_or_archived_dataset_is_complete() {
    let dir = tmp("archive");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for d in nianbao_synth::generate_layouts(12, 8, false, &["tabbed", "piped"]) {
        std::fs::write(input.join(&d.name), &d.bytes).unwrap();
    }
    let out = dir.join("out");
    let cfg = pipeline(&dir, "p", &input, &out, "partition_by_year = true\n");
    assert!(build_config(&cfg).status.success());
    // every file of a folder, recursively: relative path → bytes
    fn tree(d: &Path) -> Vec<(String, Vec<u8>)> {
        let mut v = Vec::new();
        let mut stack = vec![d.to_owned()];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).unwrap() {
                let e = e.unwrap();
                let t = std::fs::symlink_metadata(e.path()).unwrap().file_type();
                assert!(
                    !t.is_symlink(),
                    "{}: a link in the dataset",
                    e.path().display()
                );
                if t.is_dir() {
                    stack.push(e.path());
                } else {
                    let rel = e
                        .path()
                        .strip_prefix(d)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    v.push((rel, std::fs::read(e.path()).unwrap()));
                }
            }
        }
        v.sort();
        v
    }
    let want = tree(&out);
    let m: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let listed = m["outputs"].as_array().unwrap().len() + m["files"].as_array().unwrap().len() + 1;
    assert_eq!(want.len(), listed, "every file is listed by the manifest");
    assert!(want
        .iter()
        .any(|(f, _)| f.starts_with("cells/report_year=")));
    let sh = |cmd: &str| {
        let o = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    sh("cp -r out copy");
    assert!(tree(&dir.join("copy")) == want, "cp -r");
    sh("tar czf ds.tgz out && mkdir untar && tar xzf ds.tgz -C untar");
    assert!(tree(&dir.join("untar/out")) == want, "tar");
    if Command::new("zip")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        sh("zip -qr ds.zip out && mkdir unzip && cd unzip && unzip -q ../ds.zip");
        assert!(tree(&dir.join("unzip/out")) == want, "zip");
    } else {
        eprintln!("SKIPPED the zip check: no zip command (the tar and cp checks ran)");
    }
    // the copy is a dataset nianbao recognises: building into it replaces it
    let o = build(&input, &dir.join("copy"), &["--full"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 25: `nianbao synth` never replaces a file: a folder already holding files named like
/// the ones it writes is refused before anything is written; other files are left as they are.
#[test]
fn synth_never_replaces_a_file() {
    let dir = tmp("synth-safe");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("my_report.txt"), b"mine").unwrap();
    let synth = |extra: &[&str]| {
        bin()
            .args(["synth", "--output"])
            .arg(&dir)
            .args(["--count", "3"])
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(
        synth(&[]).status.success(),
        "a folder with other files: added to"
    );
    assert_eq!(std::fs::read(dir.join("my_report.txt")).unwrap(), b"mine");
    let n = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(n, 4);
    // again into the same folder: refused, nothing written or replaced
    let first = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("synth_")
        })
        .unwrap();
    std::fs::write(&first, b"edited by the user").unwrap();
    let o = synth(&["--seed", "9"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("never replaces"), "{err}");
    assert_eq!(std::fs::read(&first).unwrap(), b"edited by the user");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), n);
    // the expected-agencies list of --panel is not replaced either
    let expected = dir.join("expected.csv");
    std::fs::write(&expected, b"my list").unwrap();
    let o = bin()
        .args(["synth", "--panel", "--output"])
        .arg(dir.join("panel"))
        .arg("--expected")
        .arg(&expected)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&expected).unwrap(), b"my list");
    assert!(
        !dir.join("panel").exists(),
        "refused before anything is written"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 4: `partition_by_year` writes every table Hive-style by report year, with the same rows
/// as the unpartitioned dataset and the year in the folder name only.
#[test]
fn tables_can_be_partitioned_by_report_year() {
    let dir = tmp("partition");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for d in nianbao_synth::generate_layouts(24, 8, true, &["tabbed", "piped", "html"]) {
        std::fs::write(input.join(&d.name), &d.bytes).unwrap();
    }
    std::fs::write(input.join("empty.txt"), b"").unwrap();
    let flat = build(&input, &dir.join("flat"), &[]);
    assert!(
        flat.status.success(),
        "{}",
        String::from_utf8_lossy(&flat.stderr)
    );
    let cfg = pipeline(
        &dir,
        "p",
        &input,
        &dir.join("part"),
        "partition_by_year = true\n",
    );
    let part = build_config(&cfg);
    assert!(
        part.status.success(),
        "{}",
        String::from_utf8_lossy(&part.stderr)
    );
    let ds = load(&dir.join("flat"));
    let mut years: HashMap<String, usize> = HashMap::new();
    for r in ds.reports.values() {
        let y = r["report_year"]
            .clone()
            .unwrap_or("__HIVE_DEFAULT_PARTITION__".into());
        *years.entry(y).or_default() += 1;
    }
    for table in ["reports", "cells", "cells_wide", "sections", "findings"] {
        let flat_rows: usize = read(&dir.join("flat").join(format!("{table}.parquet")))
            .iter()
            .map(|b| b.num_rows())
            .sum();
        let mut rows = 0;
        for e in std::fs::read_dir(dir.join("part").join(table)).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let year = name.strip_prefix("report_year=").expect("hive folder name");
            for b in read(&e.path().join("part-0.parquet")) {
                assert!(
                    b.column_by_name("report_year").is_none(),
                    "{table}: year in the file"
                );
                rows += b.num_rows();
                if table == "reports" {
                    assert_eq!(b.num_rows(), years[year], "{table} {year}");
                }
            }
            assert!(dir
                .join("part/csv")
                .join(table)
                .join(&name)
                .join("part-0.csv")
                .exists());
        }
        assert_eq!(
            rows, flat_rows,
            "{table}: same rows as the unpartitioned dataset"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Cross-report findings are only known at the end of a run, after the reports' rows were
/// parked on disk: they must still reach the `findings` table, the report's `status` and
/// `n_findings`, and the manifest's `inputs` — across many small chunks.
#[test]
fn cross_report_findings_reach_the_reports_rows_and_the_manifest() {
    let dir = tmp("cross");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    let docs = nianbao_synth::generate_layouts(7, 5, false, &["tabbed", "piped"]);
    for d in &docs {
        std::fs::write(input.join(&d.name), &d.bytes).unwrap();
    }
    // the same content under a later path
    std::fs::write(input.join("zz_copy.txt"), &docs[0].bytes).unwrap();
    let cfg = pipeline(&dir, "c", &input, &dir.join("out"), "chunk_size = 2\n");
    let run = build_config(&cfg);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = dir.join("out");
    let ds = load(&out);
    let first = &docs[0].name;
    assert!(
        has_rule(
            &ds,
            "zz_copy.txt",
            "duplicate_report",
            &format!("same content as {first}")
        ),
        "{:?}",
        ds.findings.get("zz_copy.txt")
    );
    assert!(!has_rule(&ds, first, "duplicate_report", ""));
    // every row's n_findings counts its rows in `findings`, cross-report ones included
    let mut n_findings: HashMap<String, u32> = HashMap::new();
    let mut order = Vec::new();
    for b in read(&out.join("reports.parquet")) {
        let n: &arrow_array::UInt32Array = b
            .column_by_name("n_findings")
            .unwrap()
            .as_any()
            .downcast_ref()
            .unwrap();
        for i in 0..b.num_rows() {
            let doc = s(&b, "document").value(i).to_owned();
            n_findings.insert(doc.clone(), n.value(i));
            order.push(doc);
        }
    }
    assert_eq!(order.len(), docs.len() + 1);
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "reports rows are in path order");
    for (doc, n) in &n_findings {
        let rows = ds.findings.get(doc).map_or(0, Vec::len) as u32;
        assert_eq!(*n, rows, "{doc}: n_findings {n} but {rows} findings rows");
    }
    let copy_status = ds.reports["zz_copy.txt"]["status"].clone().unwrap();
    assert_ne!(copy_status, "ok", "a duplicate is at least a warning");
    // the manifest lists every input with the status of its row
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), order.len());
    for e in inputs {
        let doc = e["document"].as_str().unwrap();
        assert_eq!(
            e["status"].as_str(),
            ds.reports[doc]["status"].as_deref(),
            "{doc}"
        );
    }
    assert!(manifest["outputs"]
        .as_array()
        .is_some_and(|o| !o.is_empty()));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 26: the sample dataset (the text, HTML and DOCX documents of `data/raw`, which read the
/// same on every machine) is byte-identical to the digest recorded in `tests/sample.sha256`:
/// restructuring the code must not change one byte. A deliberate change of the output updates
/// the record with `NIANBAO_UPDATE_DIGEST=1 cargo test --test e2e sample` (and says why in its
/// commit).
#[test]
fn the_sample_dataset_matches_its_recorded_digest() {
    use sha2::Digest;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tmp("digest");
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for e in std::fs::read_dir(root.join("data/raw")).unwrap() {
        let p = e.unwrap().path();
        let ext = p.extension().map(|x| x.to_string_lossy().into_owned());
        if matches!(
            ext.as_deref(),
            Some("txt" | "html" | "docx" | "doc" | "rtf" | "xls" | "ofd")
        ) {
            std::fs::copy(&p, input.join(p.file_name().unwrap())).unwrap();
        }
    }
    let out = dir.join("out");
    let cfg = pipeline(
        &dir,
        "sample",
        &input,
        &out,
        &format!(
            "expected_agencies = {:?}\n",
            root.join("data/expected_agencies.csv")
                .display()
                .to_string()
        ),
    );
    let o = build_config(&cfg);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut lines = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() != "manifest.json" {
                let h = sha2::Sha256::digest(std::fs::read(&p).unwrap());
                let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
                let rel = p.strip_prefix(&out).unwrap().to_string_lossy().into_owned();
                lines.push(format!("{hex}  {rel}"));
            }
        }
    }
    lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
    let got = lines.join("\n") + "\n";
    let record = root.join("tests/sample.sha256");
    if std::env::var_os("NIANBAO_UPDATE_DIGEST").is_some() {
        std::fs::write(&record, &got).unwrap();
    }
    let want = std::fs::read_to_string(&record).unwrap_or_default();
    assert!(
        got == want,
        "the sample dataset changed; if on purpose, update tests/sample.sha256 (see the test's doc):\n{}",
        got.lines()
            .filter(|l| !want.lines().any(|w| w == *l))
            .collect::<Vec<_>>()
            .join("\n")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 29.2 and 29.4: every output, partitioned too, holds the codebook (one row per cell
/// key with its labels) and the data package describing its CSV files; the data dictionary
/// lists every column of the wide table.
#[test]
fn every_output_has_the_codebook_and_the_data_package() {
    let dir = tmp("codebook");
    let input = dir.join("in");
    nianbao_synth::write_corpus(&input, None, 6, 3, false, &["tabbed", "html"]).unwrap();
    let keys = nianbao_vocab::Vocabulary::get().all_keys().len();
    for (name, extra) in [("flat", &[][..]), ("part", &["--partition-by-year"][..])] {
        let out = dir.join(name);
        let run = build(&input, &out, extra);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let codebook = std::fs::read_to_string(out.join("codebook.csv")).unwrap();
        assert_eq!(codebook.lines().count(), keys + 1, "{name}");
        assert!(codebook.contains(
            "s3.received_new.total,s3_received_new_total,三,,一、本年新收政府信息公开申请数量"
        ));
        let pkg: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("datapackage.json")).unwrap())
                .unwrap();
        let names: Vec<&str> = pkg["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert!(
            names.contains(&"cells") && names.contains(&"reports"),
            "{name}: {names:?}"
        );
        let dict = std::fs::read_to_string(out.join("DATA_DICTIONARY.md")).unwrap();
        assert!(
            dict.contains("`s4_litigation_after_review_total`"),
            "{name}"
        );
        assert!(dict.contains("## `codebook.csv`"), "{name}");
        // the manifest lists both as files of the dataset
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
                .unwrap();
        let files: Vec<&str> = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f.as_str())
            .collect();
        assert!(
            files.contains(&"codebook.csv") && files.contains(&"datapackage.json"),
            "{files:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 29.1: the documented joins never double-count. On the sample corpus (byte-identical
/// copies, re-publications and duplicates included): `document` is unique in every per-report
/// table, the panel has one row per (agency_key, report_year), `panel ⋈ cells_wide USING
/// (document)` and `panel ⋈ indicators USING (document)` give one row per panel row, and
/// `reports.in_panel` marks exactly the panel's documents.
#[test]
fn documented_joins_give_one_row_per_key() {
    use crate::common::{col, read};
    let out = tmp("joins");
    let run = build(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/raw"),
        &out,
        &["--full"],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let values = |table: &str, column: &str| -> Vec<String> {
        read(&out.join(format!("{table}.parquet")))
            .iter()
            .flat_map(|b| {
                let c = col(b, column);
                (0..b.num_rows())
                    .map(move |i| c.value(i).to_owned())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let docs = |table: &str| values(table, "document");
    for table in ["reports", "cells_wide", "indicators"] {
        let d = docs(table);
        let unique: std::collections::BTreeSet<&String> = d.iter().collect();
        assert_eq!(unique.len(), d.len(), "{table}: document is not unique");
    }
    // report_id is not a key: the sample holds byte-identical copies
    let ids = values("reports", "report_id");
    assert!(ids.iter().collect::<std::collections::BTreeSet<_>>().len() < ids.len());
    let panel = read(&out.join("panel.parquet"));
    let mut keys = std::collections::BTreeSet::new();
    let mut chosen = std::collections::BTreeSet::new();
    for b in &panel {
        let (k, d) = (col(b, "agency_key"), col(b, "document"));
        let y = b
            .column_by_name("report_year")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::Int32Array>()
            .unwrap();
        for i in 0..b.num_rows() {
            assert!(
                keys.insert((k.value(i).to_owned(), y.value(i))),
                "panel key repeated"
            );
            chosen.insert(d.value(i).to_owned());
        }
    }
    let n_panel = keys.len();
    for table in ["cells_wide", "indicators"] {
        let joined = docs(table).iter().filter(|d| chosen.contains(*d)).count();
        assert_eq!(joined, n_panel, "panel ⋈ {table} USING (document)");
    }
    let mut in_panel = std::collections::BTreeSet::new();
    for b in read(&out.join("reports.parquet")) {
        let (d, p) = (
            col(&b, "document"),
            b.column_by_name("in_panel")
                .unwrap()
                .as_any()
                .downcast_ref::<arrow_array::BooleanArray>()
                .unwrap(),
        );
        for i in 0..b.num_rows() {
            if p.value(i) {
                in_panel.insert(d.value(i).to_owned());
            }
        }
    }
    assert_eq!(in_panel, chosen);
    // 29.7: the panel carries its report's quality: the same status and counts as `reports`
    let quality = [
        "n_errors",
        "n_stated",
        "n_repaired",
        "n_inferred",
        "n_ambiguous",
        "n_missing",
    ];
    let row_of = |b: &arrow_array::RecordBatch, i: usize| -> Vec<String> {
        let mut v = vec![col(b, "status").value(i).to_owned()];
        for q in quality {
            let c = b
                .column_by_name(q)
                .unwrap()
                .as_any()
                .downcast_ref::<arrow_array::UInt32Array>()
                .unwrap();
            v.push(c.value(i).to_string());
        }
        v
    };
    let mut of_reports = std::collections::BTreeMap::new();
    for b in read(&out.join("reports.parquet")) {
        for i in 0..b.num_rows() {
            of_reports.insert(col(&b, "document").value(i).to_owned(), row_of(&b, i));
        }
    }
    let mut compared = 0;
    let mut with_cells = 0;
    for b in &panel {
        for i in 0..b.num_rows() {
            let doc = col(b, "document").value(i);
            let row = row_of(b, i);
            assert_eq!(row, of_reports[doc], "{doc}: panel vs reports quality");
            with_cells += usize::from(row[2] != "0");
            compared += 1;
        }
    }
    assert_eq!(compared, n_panel);
    assert!(with_cells > 10, "the counts are filled in: {with_cells}");
    let _ = std::fs::remove_dir_all(&out);
}

/// Issue 29.4/29.6 through flags: `--expected-agencies` lists an agency that never reported as
/// missing every year, and `--csv-bom` starts every CSV (and the codebook) with a byte order mark.
#[test]
fn expected_agencies_and_csv_bom_flags() {
    use crate::common::{col, read};
    let dir = tmp("flags");
    let input = dir.join("in");
    nianbao_synth::write_corpus(&input, None, 4, 5, false, &["tabbed"]).unwrap();
    let list = dir.join("expected.csv");
    std::fs::write(&list, "agency\n从未报告县审计局\n").unwrap();
    let out = dir.join("out");
    let run = build(
        &input,
        &out,
        &["--expected-agencies", list.to_str().unwrap(), "--csv-bom"],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut years = 0;
    for b in read(&out.join("coverage.parquet")) {
        let (agency, status) = (col(&b, "agency"), col(&b, "status"));
        for i in 0..b.num_rows() {
            if agency.value(i) == "从未报告县审计局" {
                assert_eq!(status.value(i), "missing");
                years += 1;
            }
        }
    }
    assert!(years >= 1, "the expected agency has no coverage row");
    for f in ["cells.csv", "reports.csv", "codebook.csv"] {
        let bytes = std::fs::read(out.join(f)).unwrap();
        assert!(bytes.starts_with("\u{feff}".as_bytes()), "{f}");
    }
    let pkg = std::fs::read_to_string(out.join("datapackage.json")).unwrap();
    assert!(pkg.contains("utf-8-sig"));
    let _ = std::fs::remove_dir_all(&dir);
}
