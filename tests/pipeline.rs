//! Issue 15.1: the pipeline is a library (`nianbao_pipeline::build`), and the binary only
//! parses arguments and prints: both write the same dataset, byte for byte.

use std::path::Path;
use std::process::Command;

use crate::common;

fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn the_library_and_the_binary_write_the_same_bytes() {
    let dir = common::tmp_dir("pipeline", "same");
    let input = dir.join("in");
    nianbao_synth::panel::write(&input, None, None, 3, &["tabbed", "piped", "html", "docx"])
        .unwrap();
    nianbao_synth::write_corpus(&input, None, 6, 3, true, &["flattened", "cell_per_line"]).unwrap();
    let (lib_out, bin_out) = (dir.join("lib"), dir.join("bin"));
    let cfg = nianbao_pipeline::Config {
        input: input.clone(),
        output: lib_out.clone(),
        incremental: false,
        ..nianbao_pipeline::Config::default()
    };
    cfg.validate().unwrap();
    let outcome = nianbao_pipeline::build(&cfg, &nianbao_pipeline::Silent).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(["build", "--full", "--json", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&bin_out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // the binary prints what the library returns, typed or as JSON
    let typed: nianbao_pipeline::Summary = serde_json::from_value(summary.clone()).unwrap();
    assert_eq!(typed.documents, outcome.summary.documents);
    assert_eq!(typed.by_status, outcome.summary.by_status);
    let outcome_json = outcome.summary.to_json();
    assert_eq!(summary["documents"], outcome_json["documents"]);
    assert_eq!(summary["by_status"], outcome_json["by_status"]);
    assert_eq!(
        summary["findings_by_rule"],
        outcome_json["findings_by_rule"]
    );
    let names = files(&lib_out);
    assert_eq!(names, files(&bin_out));
    assert!(names.contains(&"panel.parquet".to_owned()));
    for f in names.iter().filter(|f| *f != "manifest.json") {
        let (a, b) = (
            std::fs::read(lib_out.join(f)).unwrap(),
            std::fs::read(bin_out.join(f)).unwrap(),
        );
        assert!(a == b, "{f} differs between the library and the binary");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
