//! Issue 15.4: a nightly run of a dataset partitioned by year links every year partition none
//! of whose documents changed from the previous generation, re-encodes only the touched
//! years, and publishes exactly the bytes a full rebuild writes — whatever changed: new
//! reports of the latest year, a copy that makes an old report a duplicate, a re-published
//! report in a middle year (which moves the next year's carry-over checks), a removed report,
//! a corrections file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use sha2::Digest;

use crate::common;

/// Dates a file back, as a nightly run finds the files it read the night before (a file
/// modified in the last 2 s is re-hashed, never trusted unchanged).
fn age(path: &Path) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

fn age_all(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        age(&e.unwrap().path());
    }
}

struct Case {
    dir: PathBuf,
    input: PathBuf,
}

impl Case {
    fn new(name: &str) -> Case {
        let dir = common::tmp_dir("partitions", name);
        let input = dir.join("in");
        nianbao_synth::panel::write(&input, None, None, 11, &["tabbed", "piped", "html", "docx"])
            .unwrap();
        nianbao_synth::write_corpus(&input, None, 4, 5, true, &["flattened", "tabbed"]).unwrap();
        // an unreadable document (for good: the file is empty) has no year: the partition
        // `__HIVE_DEFAULT_PARTITION__`, reused like the others (-1 below)
        std::fs::write(input.join("empty_upload.txt"), b"").unwrap();
        age_all(&input);
        Case { dir, input }
    }

    fn config(&self, name: &str, incremental: bool, extra: &str) -> PathBuf {
        let p = self.dir.join(format!("{name}.toml"));
        std::fs::write(
            &p,
            format!(
                "input = {:?}\noutput = {:?}\nincremental = {incremental}\npartition_by_year = true\n{extra}",
                self.input,
                self.dir.join(name)
            ),
        )
        .unwrap();
        p
    }

    fn build(&self, config: &Path) -> serde_json::Value {
        let o = Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args(["build", "--json", "--config"])
            .arg(config)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    }

    /// The nightly run (incremental) and a full rebuild of the same inputs into a fresh
    /// folder: every file the same, byte for byte (the manifest's inputs and outputs too).
    /// Returns the nightly run's summary.
    fn nightly_matches_a_full_rebuild(&self, extra: &str, label: &str) -> serde_json::Value {
        let nightly = self.build(&self.config("out", true, extra));
        let full_dir = self.dir.join("full");
        let _ = std::fs::remove_dir_all(&full_dir);
        let full = self.build(&self.config("full", false, extra));
        for k in [
            "documents",
            "failed",
            "by_status",
            "findings_by_rule",
            "rows",
        ] {
            assert_eq!(nightly[k], full[k], "{label}: summary {k}");
        }
        let (a, b) = (self.dir.join("out"), full_dir);
        let files = tree(&a);
        assert_eq!(files, tree(&b), "{label}: the same files");
        assert!(files.iter().any(|f| f.starts_with("cells/report_year=")));
        for f in files.iter().filter(|f| *f != "manifest.json") {
            let same = std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap();
            assert!(same, "{label}: {f} differs from a full rebuild");
        }
        let manifest = |d: &Path| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(d.join("manifest.json")).unwrap()).unwrap()
        };
        let (ma, mb) = (manifest(&a), manifest(&b));
        assert_eq!(ma["inputs"], mb["inputs"], "{label}: manifest inputs");
        assert_eq!(ma["outputs"], mb["outputs"], "{label}: manifest outputs");
        nightly
    }
}

/// Every file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

fn reused(summary: &serde_json::Value) -> Vec<i64> {
    summary["partitions_reused"]
        .as_array()
        .expect("partitions_reused in the summary")
        .iter()
        .map(|y| y.as_i64().unwrap_or(-1))
        .collect()
}

/// A document of the sample panel by its name's start (e.g. `panel_a_2023`).
fn doc(input: &Path, prefix: &str) -> PathBuf {
    std::fs::read_dir(input)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no document {prefix}*"))
}

#[test]
fn issue15_nightly_runs_link_unchanged_years_and_write_what_a_full_rebuild_writes() {
    let case = Case::new("nightly");
    // the first run records its years; nothing to reuse yet
    let first = case.nightly_matches_a_full_rebuild("", "first run");
    assert_eq!(reused(&first), Vec::<i64>::new());
    // the partitions other than 2025's: no year (-1), 2019 to 2024
    let before_latest: Vec<i64> = [-1].into_iter().chain(2019..=2024).collect();

    // 1. new reports of the latest year: a report of a new agency, and a second document of
    // an agency's 2025 report (a duplicate: a cross-report finding within 2025)
    let src = doc(&case.input, "panel_b_2025");
    let mut bytes = std::fs::read(&src).unwrap();
    bytes.extend_from_slice(b"\n");
    std::fs::write(case.input.join("zz_b_2025_again.html"), &bytes).unwrap();
    let latest = doc(&case.input, "panel_a_2025");
    std::fs::copy(&latest, case.input.join("zz_new_2025.pdf")).unwrap();
    age(&case.input.join("zz_b_2025_again.html"));
    age(&case.input.join("zz_new_2025.pdf"));
    let s = case.nightly_matches_a_full_rebuild("", "new reports of 2025");
    assert_eq!(reused(&s), before_latest, "only 2025 is re-encoded");
    // only the new content is read (the copy of a 2025 report is in the state already)
    assert_eq!(s["parsed"], 1);
    assert_eq!(s["added"], 2);
    // the linked files are the previous generation's (hard links: no copy of the bytes)
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = std::fs::remove_dir_all(case.dir.join("full"));
        let f = case.dir.join("out/cells/report_year=2019/part-0.parquet");
        // linked once per generation it is in (the previous one is gone after publishing)
        assert!(std::fs::metadata(&f).unwrap().nlink() >= 1);
    }

    // 2. nothing changed in the documents, but a new copy of a 2020 report elsewhere in the
    // tree: 2020 gets a duplicate finding, so 2020 (and only the years it touches) is rebuilt
    let old = doc(&case.input, "panel_a_2020");
    std::fs::copy(&old, case.input.join("aa_copy_of_a_2020.txt")).unwrap();
    age(&case.input.join("aa_copy_of_a_2020.txt"));
    let s = case.nightly_matches_a_full_rebuild("", "a copy of a 2020 report");
    assert!(!reused(&s).contains(&2020), "{:?}", reused(&s));
    assert!(
        reused(&s).contains(&2019) && reused(&s).contains(&2025),
        "{:?}",
        reused(&s)
    );

    // 3. a middle year re-published with another number: 2022 changes, and 2023's
    // carry-over from 2022 with it (its cross-report digest); the rest is linked
    // (agency c's 2022 report, a saved web page: the one chosen for c's 2022, which c's 2023
    // sections are compared with; a line added gives it new bytes and a new report id)
    let mid = doc(&case.input, "panel_c_2022");
    assert!(mid.to_string_lossy().ends_with(".html"));
    let mut text = std::fs::read(&mid).unwrap();
    text.extend_from_slice(b"\n");
    std::fs::write(&mid, &text).unwrap();
    age(&mid);
    let s = case.nightly_matches_a_full_rebuild("", "a re-published 2022 report");
    assert_eq!(s["changed"], 1);
    assert!(!reused(&s).contains(&2022), "{:?}", reused(&s));
    assert!(
        !reused(&s).contains(&2023),
        "2023 compares with 2022: {:?}",
        reused(&s)
    );
    assert!(reused(&s).contains(&2019));

    // 4. a report removed
    std::fs::remove_file(case.input.join("aa_copy_of_a_2020.txt")).unwrap();
    std::fs::remove_file(case.input.join("zz_new_2025.pdf")).unwrap();
    let s = case.nightly_matches_a_full_rebuild("", "reports removed");
    assert!(!reused(&s).contains(&2020) && !reused(&s).contains(&2025));
    assert_eq!(s["removed"], 2);

    // 5. nothing changed at all: the run is skipped as before
    let again = case.build(&case.config("out", true, ""));
    assert_eq!(again["unchanged"], true);

    // 6. a corrections file (one correction of a 2019 report): a config change rebuilds
    // every year
    let list = case.dir.join("corrections.csv");
    let corrected = std::fs::read(doc(&case.input, "panel_a_2019")).unwrap();
    let sha: String = sha2::Sha256::digest(&corrected)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(
        &list,
        format!("sha256,key,value,note\n{sha},s3.received_new.total,4321,checked by phone\n"),
    )
    .unwrap();
    let extra = format!("corrections = {list:?}\n");
    let s = case.nightly_matches_a_full_rebuild(&extra, "a corrections file");
    assert_eq!(reused(&s), Vec::<i64>::new());
    // and the next night, with the same corrections, reuses again
    std::fs::copy(&latest, case.input.join("zz_new_2025.pdf")).unwrap();
    age(&case.input.join("zz_new_2025.pdf"));
    let s = case.nightly_matches_a_full_rebuild(&extra, "the night after");
    assert_eq!(reused(&s), before_latest);
    // the corrected 2019 report was not read again, and its correction counts as applied
    assert_eq!(
        s["corrections"]["documents_corrected"], 1,
        "{}",
        s["corrections"]
    );
    assert_eq!(s["corrections"]["not_applied"], serde_json::json!([]));
    let mut hit = Vec::new();
    for b in common::read(&case.dir.join("out/cells/report_year=2019/part-0.parquet")) {
        let v: &arrow_array::Float64Array = common::arr(&b, "value");
        for i in 0..b.num_rows() {
            if common::col(&b, "status").value(i) == "corrected" {
                hit.push((common::col(&b, "key").value(i).to_owned(), v.value(i)));
            }
        }
    }
    assert_eq!(hit, [("s3.received_new.total".to_owned(), 4321.0)]);
    let _ = std::fs::remove_dir_all(&case.dir);
}

/// A run that cannot trust its records (the published dataset is not the one they describe)
/// rebuilds every year, and says so.
#[test]
fn issue15_records_of_another_generation_are_not_used() {
    let case = Case::new("stale");
    let cfg = case.config("out", true, "");
    case.build(&cfg);
    // another generation published meanwhile (a build with the state deleted)
    let state = case.dir.join(".out.state");
    let saved = case.dir.join("saved-state");
    std::fs::rename(&state, &saved).unwrap();
    std::fs::copy(
        doc(&case.input, "panel_a_2025"),
        case.input.join("zz_2025.pdf"),
    )
    .unwrap();
    age(&case.input.join("zz_2025.pdf"));
    case.build(&cfg);
    std::fs::remove_dir_all(&state).unwrap();
    std::fs::rename(&saved, &state).unwrap();
    let s = case.nightly_matches_a_full_rebuild("", "records of an older generation");
    assert_eq!(reused(&s), Vec::<i64>::new());
    let _ = std::fs::remove_dir_all(&case.dir);
}
