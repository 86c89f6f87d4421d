//! The analyst's panel end to end (issue 14): the multi-year synthetic corpus of
//! `nianbao_synth::panel` (real divisions' agencies over 2019–2025, deliberate breaks, a gap,
//! a stop, a copy, a second version, a jump, name variants) through the real binary, and the
//! regions, `panel`, `coverage` and cross-year findings it must produce. Saved CMS pages
//! (issue 17) are part of the corpus.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use arrow_array::{Array, BooleanArray, Float64Array, Int32Array, UInt32Array};
use nianbao_synth::panel::{events, AGENCIES};

use crate::common;
use common::{col, read};

fn build(input: &Path, out: &Path, expected: &Path) -> serde_json::Value {
    common::build_json(input, out, &format!("expected_agencies = {expected:?}\n"))
}

/// The document of an agency's year, as the corpus names it.
fn doc_of(id: &str, year: i32) -> String {
    format!("panel_{id}_{year}")
}

#[test]
fn the_panel_corpus_gives_the_expected_panel_coverage_and_findings() {
    let dir = common::tmp_dir("panel", "corpus");
    let (input, gold, out) = (dir.join("in"), dir.join("gold"), dir.join("out"));
    let expected = dir.join("expected.csv");
    // every layout but PDF (this test needs no pdftotext)
    let layouts = [
        "tabbed",
        "piped",
        "pdf_text",
        "cell_per_line",
        "html",
        "docx",
    ];
    let n =
        nianbao_synth::panel::write(&input, Some(&gold), Some(&expected), 2026, &layouts).unwrap();
    let summary = build(&input, &out, &expected);
    assert_eq!(summary["documents"], n);

    // Every cell and every document's metadata, region included, right (nianbao eval).
    let o = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(["eval", "--json", "--gold"])
        .arg(&gold)
        .arg("--dataset")
        .arg(&out)
        .output()
        .unwrap();
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["wrong"], 0, "{s:#}");
    assert_eq!(s["documents_all_right"], n, "{s:#}");

    // Regions and agency keys: every document of an agency has the agency's.
    let mut keys: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
    for b in read(&out.join("reports.parquet")) {
        for i in 0..b.num_rows() {
            let get = |c: &str| {
                let a = col(&b, c);
                (!a.is_null(i)).then(|| a.value(i).to_owned())
            };
            keys.insert(
                col(&b, "document").value(i).to_owned(),
                (get("agency_key"), get("adcode")),
            );
        }
    }
    for a in AGENCIES {
        for &y in a.years {
            for (doc, (key, code)) in keys.iter().filter(|(d, _)| d.starts_with(&doc_of(a.id, y))) {
                assert_eq!(key.as_deref(), Some(a.key), "{doc}");
                assert_eq!(code.as_deref(), a.adcode, "{doc}");
            }
        }
    }

    // The panel: one row per agency and year reported, the chosen report and why.
    // (agency_key, year) → (document, n_reports, chosen_because, change of 新收 总计)
    type Row = (String, u32, String, Option<f64>);
    let mut panel: HashMap<(String, i32), Row> = HashMap::new();
    for b in read(&out.join("panel.parquet")) {
        let years: &Int32Array = common::arr(&b, "report_year");
        let n: &UInt32Array = common::arr(&b, "n_reports");
        let change: &Float64Array = common::arr(&b, "s3_received_new_total_change");
        for i in 0..b.num_rows() {
            panel.insert(
                (col(&b, "agency_key").value(i).to_owned(), years.value(i)),
                (
                    col(&b, "document").value(i).to_owned(),
                    n.value(i),
                    col(&b, "chosen_because").value(i).to_owned(),
                    (!change.is_null(i)).then(|| change.value(i)),
                ),
            );
        }
    }
    let reported: usize = AGENCIES.iter().map(|a| a.years.len()).sum();
    assert_eq!(panel.len(), reported);
    let c = |id: &str| AGENCIES.iter().find(|a| a.id == id).unwrap().key.to_owned();
    let (id, y) = events::REPUBLISHED;
    let (doc, n, why, _) = &panel[&(c(id), y)];
    assert!(doc.starts_with(&format!("{}_v2", doc_of(id, y))), "{doc}");
    assert_eq!(
        (*n, why.as_str()),
        (2, "2 reports: the latest published (2023-03-15)")
    );
    let (id, y) = events::COPY;
    let (doc, n, why, _) = &panel[&(c(id), y)];
    assert!(doc.starts_with(&format!("{}_copy", doc_of(id, y))), "{doc}");
    assert_eq!(
        (*n, why.as_str()),
        (2, "2 copies of one document: the first by path")
    );
    // after a gap there is no change; across consecutive years there is
    assert_eq!(panel[&(c("b"), 2023)].3, None);
    assert!(panel[&(c("b"), 2024)].3.is_some());

    // Coverage: the gap, the stop, the never-reporting agency, the republished year.
    let mut coverage: HashMap<(String, i32), (String, Option<bool>)> = HashMap::new();
    for b in read(&out.join("coverage.parquet")) {
        let years: &Int32Array = common::arr(&b, "report_year");
        let exp: &BooleanArray = common::arr(&b, "expected");
        for i in 0..b.num_rows() {
            coverage.insert(
                (col(&b, "agency_key").value(i).to_owned(), years.value(i)),
                (
                    col(&b, "status").value(i).to_owned(),
                    (!exp.is_null(i)).then(|| exp.value(i)),
                ),
            );
        }
    }
    // every expected agency, every year of the corpus
    assert_eq!(coverage.len(), AGENCIES.len() * 7);
    for a in AGENCIES {
        for y in 2019..=2025 {
            let want = if (a.id, y) == events::REPUBLISHED {
                "duplicate"
            } else if a.years.contains(&y) {
                "reported"
            } else {
                "missing"
            };
            assert_eq!(
                coverage[&(a.key.to_owned(), y)],
                (want.to_owned(), Some(true)),
                "{} {y}",
                a.name
            );
        }
    }

    // Cross-year findings: exactly the deliberate ones, on the later report.
    let mut cross: BTreeSet<(String, String, String)> = BTreeSet::new();
    for b in read(&out.join("findings.parquet")) {
        for i in 0..b.num_rows() {
            let rule = col(&b, "rule").value(i);
            if [
                "carry_over_mismatch",
                "in_force_continuity",
                "items_continuity",
                "implausible_jump",
                "duplicate_report",
            ]
            .contains(&rule)
            {
                let doc = col(&b, "document").value(i);
                let stem = doc.split('_').take(3).collect::<Vec<_>>().join("_");
                let key = if col(&b, "key").is_null(i) {
                    ""
                } else {
                    col(&b, "key").value(i)
                };
                cross.insert((stem, rule.to_owned(), key.to_owned()));
            }
        }
    }
    let e = |(id, y): (&str, i32), rule: &str, key: &str| {
        (doc_of(id, y), rule.to_owned(), key.to_owned())
    };
    let want: BTreeSet<_> = [
        e(
            events::CARRY_BREAK,
            "carry_over_mismatch",
            "s3.carried_over.natural_person",
        ),
        e(
            events::CARRY_BREAK,
            "carry_over_mismatch",
            "s3.carried_over.total",
        ),
        e(
            events::IN_FORCE_BREAK,
            "in_force_continuity",
            "s2.normative_document.in_force",
        ),
        e(
            events::ITEMS_BREAK,
            "items_continuity",
            "s2.licensing.prev_year_items",
        ),
        e(events::JUMP, "implausible_jump", "s3.received_new.total"),
        e(events::JUMP, "implausible_jump", "s3.results_total.total"),
        e(events::COPY, "duplicate_report", ""),
        e(events::REPUBLISHED, "duplicate_report", ""),
    ]
    .into_iter()
    .collect();
    assert_eq!(cross, want);

    // Prose reuse: part 五 is copied year after year except by the agency that rewrites it.
    let mut reuse: Vec<(String, f64)> = Vec::new();
    for b in read(&out.join("sections.parquet")) {
        let parts: &arrow_array::UInt8Array = common::arr(&b, "part");
        let sim: &Float64Array = common::arr(&b, "similarity_prev_year");
        for i in 0..b.num_rows() {
            if parts.value(i) == 5 && !sim.is_null(i) {
                reuse.push((col(&b, "document").value(i).to_owned(), sim.value(i)));
            }
        }
    }
    let rewriter = format!("panel_{}_", events::REWRITES_PROSE);
    assert!(reuse.iter().any(|(d, _)| d.starts_with(&rewriter)));
    for (doc, sim) in &reuse {
        if doc.starts_with(&rewriter) {
            assert!(*sim < 0.3, "{doc}: {sim}");
        } else {
            assert_eq!(*sim, 1.0, "{doc}");
        }
    }
    // no previous year, no similarity: the first year of every agency, and after a gap
    for b in read(&out.join("sections.parquet")) {
        let sim: &Float64Array = common::arr(&b, "similarity_prev_year");
        for i in 0..b.num_rows() {
            let d = col(&b, "document").value(i);
            if d.starts_with("panel_a_2019") || d.starts_with("panel_b_2023") {
                assert!(
                    sim.is_null(i) && col(&b, "prev_report_id").is_null(i),
                    "{d}"
                );
            }
        }
    }

    // summary.html: self-contained, with the coverage of the provinces and the findings.
    let page = std::fs::read_to_string(out.join("summary.html")).unwrap();
    for want in [
        "湖南省",
        "implausible_jump",
        "s3_received_new_total",
        "<svg",
        "coverage by province",
        "覆盖情况",
        "主要比率",
        "grant_rate",
        "class=\"grid\"",
        "href=\"codebook.csv\"",
        "需要查看的报告",
    ] {
        assert!(page.contains(want), "summary.html lacks {want}");
    }
    assert!(
        page.contains("平衡面板 balanced panel") != page.contains("非平衡面板"),
        "the panel is marked balanced or unbalanced"
    );
    // 29.8: every report whose status is error is listed, with its agency
    let mut errors = 0;
    for b in read(&out.join("reports.parquet")) {
        for i in 0..b.num_rows() {
            if col(&b, "status").value(i) == "error" {
                errors += 1;
                let d = col(&b, "document").value(i);
                assert!(page.contains(d), "summary.html does not list {d}");
            }
        }
    }
    if errors == 0 {
        assert!(page.contains("没有状态为“错误”的报告"));
    }
    assert!(!page.contains("<script") && !page.contains("https://"));

    // Issue 17: the saved CMS page whose body has no title and no signature.
    let (id, y) = events::BARE_PAGE;
    for b in read(&out.join("reports.parquet")) {
        for i in 0..b.num_rows() {
            if !col(&b, "document").value(i).starts_with(&doc_of(id, y)) {
                continue;
            }
            let get = |c: &str| col(&b, c).value(i).to_owned();
            assert_eq!(get("agency"), "松原市民政局");
            let years: &Int32Array = common::arr(&b, "report_year");
            assert_eq!(years.value(i), y);
            assert_eq!(get("published_on"), "2023-01-04");
            assert_eq!(get("site_id_code"), "2207000001");
            assert_eq!(get("site_name"), "松原市人民政府");
            assert!(get("source_url").starts_with("https://www.jlsy.gov.cn/zwgk/ndbg/"));
            assert_eq!(get("adcode"), "220700");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The cell of a document (by name prefix): (value, status, raw).
fn cell(out: &Path, doc: &str, key: &str) -> (Option<f64>, String, Option<String>) {
    for b in read(&out.join("cells.parquet")) {
        let v: &Float64Array = common::arr(&b, "value");
        for i in 0..b.num_rows() {
            if col(&b, "document").value(i).starts_with(doc) && col(&b, "key").value(i) == key {
                let raw = col(&b, "raw");
                return (
                    (!v.is_null(i)).then(|| v.value(i)),
                    col(&b, "status").value(i).to_owned(),
                    (!raw.is_null(i)).then(|| raw.value(i).to_owned()),
                );
            }
        }
    }
    panic!("no cell {key} of {doc}");
}

fn sha_of(dir: &Path, prefix: &str) -> (String, std::path::PathBuf) {
    use sha2::Digest;
    let p = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap();
    let bytes = std::fs::read(&p).unwrap();
    let h: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (h, p)
}

/// Issue 14.6: corrections are applied on every rebuild, incremental runs included; a
/// correction whose document changed or whose key does not exist is reported, never applied
/// silently; removing a correction restores what the document says.
#[test]
fn corrections_apply_on_every_rebuild_and_stale_ones_are_reported() {
    let dir = common::tmp_dir("panel", "corrections");
    let (input, out) = (dir.join("in"), dir.join("out"));
    nianbao_synth::panel::write(&input, None, None, 7, &["tabbed", "piped"]).unwrap();
    let (sha_a, path_a) = sha_of(&input, "panel_a_2025");
    let (sha_b, _) = sha_of(&input, "panel_b_2024");
    let key = "s3.received_new.total";
    let cfg = dir.join("p.toml");
    let list = dir.join("corrections.csv");
    std::fs::write(
        &cfg,
        format!("input = {input:?}\noutput = {out:?}\ncorrections = {list:?}\n"),
    )
    .unwrap();
    let run = || -> serde_json::Value {
        let o = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(["build", "--json", "--config"])
            .arg(&cfg)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let write_list = |lines: &[String]| {
        std::fs::write(
            &list,
            format!("sha256,key,value,note\n{}\n", lines.join("\n")),
        )
        .unwrap()
    };
    // first a run without corrections, to know what the document says
    write_list(&[]);
    run();
    let (read_a, status, _) = cell(&out, "panel_a_2025", key);
    assert_eq!(status, "stated");
    let read_a = read_a.unwrap();
    write_list(&[
        format!("{sha_a},{key},999,\"checked against the printed original, p. 3\""),
        // by report_id; a 2019-format key on a 2021-format report
        format!(
            "{},s2.licensing.prev_year_items,5,wrong template",
            &sha_b[..16]
        ),
        format!("{},{key},1,a document that is not here", "ab".repeat(32)),
        format!("{sha_a},s9.nothing.total,1,not a key"),
    ]);
    for round in 0..2 {
        let s = run();
        let c = &s["corrections"];
        assert_eq!(c["read"], 3, "{s:#}");
        let lines: Vec<u64> = c["not_applied"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, [4, 5], "round {round}: {c:#}");
        let (v, status, raw) = cell(&out, "panel_a_2025", key);
        assert_eq!(
            (v, status.as_str()),
            (Some(999.0), "corrected"),
            "round {round}"
        );
        assert_eq!(raw.as_deref(), Some(read_a.to_string().as_str()));
        let f = common::load_findings(&out);
        let a = f
            .iter()
            .find(|(d, _)| d.starts_with("panel_a_2025"))
            .unwrap()
            .1;
        assert!(
            a.iter().any(|(r, m)| r == "correction_applied"
                && m.contains("checked against the printed original, p. 3")),
            "{a:?}"
        );
        let b = f
            .iter()
            .find(|(d, _)| d.starts_with("panel_b_2024"))
            .unwrap()
            .1;
        assert!(
            b.iter().any(|(r, _)| r == "correction_not_applied"),
            "{b:?}"
        );
    }
    // the correction removed: the document's own number is back (it was never cached corrected)
    write_list(&[]);
    run();
    assert_eq!(cell(&out, "panel_a_2025", key).0, Some(read_a));
    // the document changed: its correction no longer applies, and the run says so
    write_list(&[format!("{sha_a},{key},999,checked")]);
    let mut bytes = std::fs::read(&path_a).unwrap();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&path_a, bytes).unwrap();
    let s = run();
    assert_eq!(s["corrections"]["not_applied"][0]["line"], 2, "{s:#}");
    assert!(s["corrections"]["not_applied"][0]["why"]
        .as_str()
        .unwrap()
        .contains("changed or removed"));
    assert_eq!(cell(&out, "panel_a_2025", key).0, Some(read_a));
    let _ = std::fs::remove_dir_all(&dir);
}
