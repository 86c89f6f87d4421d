//! The pipeline configuration: a serde struct read from TOML, separate from the runtime, with a
//! `validate()` that needs no I/O.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use nianbao_export::Formats;
use serde::{Deserialize, Serialize};

/// `pipelines/*.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Folder of report documents.
    pub input: PathBuf,
    /// Dataset folder.
    pub output: PathBuf,
    /// Output formats.
    pub formats: Formats,
    /// Fail the run when a report has an error finding.
    pub strict: bool,
    /// Documents per chunk: parsed in parallel, then written; bounds memory.
    pub chunk_size: usize,
    /// How PDFs are read.
    pub pdf: PdfConfig,
    /// How scanned PDFs and page images are read.
    pub ocr: OcrConfig,
    /// Reuse what earlier runs read: only added and changed documents are parsed.
    pub incremental: bool,
    /// Where the incremental state lives (default: `.NAME.state` next to the output).
    pub state: Option<PathBuf>,
    /// Write every table Hive-style by report year (`cells/report_year=2024/part-0.parquet`),
    /// for large corpora; the year is then in the folder name, not in the files.
    pub partition_by_year: bool,
    /// A CSV of the agencies expected to report every year (column `agency`, the name as
    /// printed, or `agency_key`): the `coverage` table then lists each for every year of the
    /// corpus, so "who has not reported for 2025" is one query.
    pub expected_agencies: Option<PathBuf>,
    /// A CSV of cell corrections (columns sha256, key, value, note), applied on every
    /// rebuild: the cell takes the value with status `corrected`.
    pub corrections: Option<PathBuf>,
}

/// `[pdf]`: the `pdftotext` subprocess.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PdfConfig {
    /// The program (a name on `PATH` or a path); Debian package `poppler-utils`.
    pub program: String,
    /// Per-document time limit in seconds; a PDF that takes longer is `unreadable`.
    pub timeout_secs: u64,
    /// Memory limit of the subprocess in MiB.
    pub max_memory_mib: u64,
}

/// `[ocr]`: scanned PDFs and page images, read by the OCR helper (README, "Scanned reports").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OcrConfig {
    /// Read scanned documents by OCR when the engine is installed (without it they stay
    /// unreadable, with a reason naming what to install).
    pub enabled: bool,
    /// The Python interpreter with `rapidocr-onnxruntime` installed.
    pub python: String,
    /// `rapidocr` (PP-OCRv4, the default) or `tesseract` (for comparison).
    pub engine: String,
    /// Rendering resolution of PDF pages.
    pub dpi: u32,
    /// Per-document time limit in seconds (OCR takes seconds a page).
    pub timeout_secs: u64,
    /// Numbers recognised with a lower confidence are not trusted (0–1).
    pub min_confidence: f32,
}

impl Default for OcrConfig {
    fn default() -> Self {
        let d = nianbao_extract::OcrOptions::default();
        OcrConfig {
            enabled: d.enabled,
            python: d.python,
            engine: d.engine,
            dpi: d.dpi,
            timeout_secs: d.timeout.as_secs(),
            min_confidence: d.min_confidence,
        }
    }
}

impl OcrConfig {
    /// The extract stage's options.
    pub fn options(&self) -> nianbao_extract::OcrOptions {
        nianbao_extract::OcrOptions {
            enabled: self.enabled,
            python: self.python.clone(),
            engine: self.engine.clone(),
            dpi: self.dpi,
            timeout: std::time::Duration::from_secs(self.timeout_secs),
            min_confidence: self.min_confidence,
            pdftoppm: "pdftoppm".into(),
        }
    }
}

impl Default for PdfConfig {
    fn default() -> Self {
        let d = nianbao_extract::PdfOptions::default();
        PdfConfig {
            program: d.program,
            timeout_secs: d.timeout.as_secs(),
            max_memory_mib: d.max_memory_mib,
        }
    }
}

impl PdfConfig {
    /// The extract stage's PDF options.
    pub fn options(&self) -> nianbao_extract::PdfOptions {
        nianbao_extract::PdfOptions {
            program: self.program.clone(),
            timeout: std::time::Duration::from_secs(self.timeout_secs),
            max_memory_mib: self.max_memory_mib,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            input: "data/raw".into(),
            output: "data/out".into(),
            formats: Formats {
                parquet: true,
                csv: true,
                csv_bom: false,
            },
            strict: false,
            chunk_size: 256,
            pdf: PdfConfig::default(),
            ocr: OcrConfig::default(),
            incremental: true,
            state: None,
            partition_by_year: false,
            expected_agencies: None,
            corrections: None,
        }
    }
}

impl Config {
    /// Reads a pipeline file. A relative path the file gives (`input`, `output`, `state`,
    /// `expected_agencies`, `corrections`, and `[pdf] program` / `[ocr] python` when written as
    /// a path, not a bare program name) is relative to the file's folder, as in Cargo or
    /// Compose files: the same file works from any working directory. Settings the file leaves
    /// out keep their defaults, relative to the working directory, and flags given on the
    /// command line are relative to the working directory too.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the pipeline file {}", path.display()))?;
        let mut cfg: Config = toml::from_str(&text)
            .with_context(|| format!("{}: not a valid pipeline file", path.display()))?;
        let table: toml::Table = toml::from_str(&text)
            .with_context(|| format!("{}: not a valid pipeline file", path.display()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        cfg.relative_to(base, &table);
        Ok(cfg)
    }

    /// Joins the relative paths `table` states to `base` (see [`Config::load`]).
    fn relative_to(&mut self, base: &Path, table: &toml::Table) {
        let stated = |section: Option<&str>, key: &str| match section {
            None => table.contains_key(key),
            Some(s) => table
                .get(s)
                .and_then(|t| t.as_table())
                .is_some_and(|t| t.contains_key(key)),
        };
        let join = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = lexical_join(base, p);
            }
        };
        // a program is a path only when it has a separator (`.venv/bin/python`); a bare name
        // (`pdftotext`, `python3`) is looked up on PATH
        let join_program = |p: &mut String| {
            if p.contains('/') || p.contains('\\') {
                let mut path = PathBuf::from(&*p);
                join(&mut path);
                *p = path.to_string_lossy().into_owned();
            }
        };
        if stated(None, "input") {
            join(&mut self.input);
        }
        if stated(None, "output") {
            join(&mut self.output);
        }
        for (key, field) in [
            ("state", &mut self.state),
            ("expected_agencies", &mut self.expected_agencies),
            ("corrections", &mut self.corrections),
        ] {
            if let Some(p) = field.as_mut().filter(|_| stated(None, key)) {
                join(p);
            }
        }
        if stated(Some("pdf"), "program") {
            join_program(&mut self.pdf.program);
        }
        if stated(Some("ocr"), "python") {
            join_program(&mut self.ocr.python);
        }
    }

    /// The files the config names besides the documents (their content shapes the dataset).
    pub fn lists(&self) -> Vec<&Path> {
        self.expected_agencies
            .iter()
            .chain(&self.corrections)
            .map(PathBuf::as_path)
            .collect()
    }

    /// The expected agencies as (agency_key, name), read from `expected_agencies`.
    pub fn expected_agencies(&self) -> Result<Option<Vec<(String, String)>>> {
        let Some(path) = &self.expected_agencies else {
            return Ok(None);
        };
        read_expected(path).map(Some)
    }

    /// The extract stage's options.
    pub fn read_options(&self) -> nianbao_extract::ReadOptions {
        nianbao_extract::ReadOptions {
            pdf: self.pdf.options(),
            ocr: self.ocr.options(),
        }
    }

    /// The state directory: `state`, or `.NAME.state` beside the output folder.
    pub fn state_dir(&self) -> PathBuf {
        self.state
            .clone()
            .unwrap_or_else(|| nianbao_export::sibling(&self.output, "state"))
    }

    /// Checks the settings without touching the file system.
    pub fn validate(&self) -> Result<()> {
        if !self.formats.parquet && !self.formats.csv {
            bail!(
                "the pipeline enables no output format: set formats.parquet or formats.csv to true"
            );
        }
        if self.chunk_size == 0 {
            bail!("chunk_size must be at least 1");
        }
        if self.pdf.timeout_secs == 0 || self.pdf.max_memory_mib < 64 {
            bail!("pdf.timeout_secs must be at least 1 and pdf.max_memory_mib at least 64");
        }
        if !(0.0..=1.0).contains(&self.ocr.min_confidence) || self.ocr.dpi < 72 {
            bail!("ocr.min_confidence must be between 0 and 1 and ocr.dpi at least 72");
        }
        if self.pdf.program.trim().is_empty() {
            bail!("pdf.program must name the pdftotext program");
        }
        if self.input.as_os_str().is_empty() || self.output.as_os_str().is_empty() {
            bail!("input and output must be set");
        }
        if self.output == self.input || self.input.starts_with(&self.output) {
            bail!(
                "the output folder {} would replace the input folder {}",
                self.output.display(),
                self.input.display()
            );
        }
        Ok(())
    }
}

/// Opens one of the CSV lists a pipeline names (`what` for messages): its reader and header.
pub(crate) fn open_list(
    path: &Path,
    what: &str,
) -> Result<(csv::Reader<std::fs::File>, csv::StringRecord)> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("reading the {what} {}", path.display()))?;
    let headers = r
        .headers()
        .with_context(|| format!("{}: no header line", path.display()))?
        .clone();
    Ok((r, headers))
}

/// The position of a column in a list's header (a BOM and spaces around the name ignored).
pub(crate) fn column(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
}

/// Reads an expected-agencies CSV: a header with `agency` (the name as printed; its key is
/// computed as for reports) or `agency_key`, one agency per row.
fn read_expected(path: &Path) -> Result<Vec<(String, String)>> {
    let (mut r, headers) = open_list(path, "expected agencies")?;
    let at = |name: &str| column(&headers, name);
    let (name_at, key_at) = (at("agency"), at("agency_key"));
    if name_at.is_none() && key_at.is_none() {
        bail!(
            "{}: expected a column `agency` (the agency's name) or `agency_key`; the header is {:?}",
            path.display(),
            headers.iter().collect::<Vec<_>>()
        );
    }
    let mut out = Vec::new();
    for (line, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: line {}", path.display(), line + 2))?;
        let name = name_at
            .and_then(|i| rec.get(i))
            .map(str::trim)
            .unwrap_or("");
        let key = match key_at.and_then(|i| rec.get(i)).map(str::trim) {
            Some(k) if !k.is_empty() => k.to_owned(),
            _ if !name.is_empty() => {
                let region = nianbao_regions::resolve(&nianbao_regions::Evidence {
                    names: &[name],
                    ..Default::default()
                })
                .region;
                nianbao_regions::agency_key(name, &region)
            }
            _ => continue,
        };
        let shown = if name.is_empty() {
            key.clone()
        } else {
            name.to_owned()
        };
        out.push((key, shown));
    }
    Ok(out)
}

/// `base/rel` with `.` and `..` folded where the path itself allows it, without touching the
/// file system (`pipelines` + `../data/raw` is `data/raw`, so messages show the short path).
fn lexical_join(base: &Path, rel: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in base.components().chain(rel.components()) {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates_without_io() {
        let c: Config = toml::from_str(
            "input = 'in'\noutput = 'out'\n[formats]\nparquet = true\ncsv = false\n",
        )
        .unwrap();
        assert_eq!(c.chunk_size, 256);
        c.validate().unwrap();
        let bad = Config {
            output: "in".into(),
            input: "in".into(),
            ..Config::default()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("would replace"));
        assert!(toml::from_str::<Config>("inptu = 'x'").is_err());
    }

    /// Issue 29.6: the paths a pipeline file gives are relative to its folder; the ones it
    /// leaves out keep their working-directory defaults; program names stay names.
    #[test]
    fn paths_in_a_pipeline_file_are_relative_to_the_file() {
        let dir = std::env::temp_dir().join(format!("nianbao-cfg-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pipelines")).unwrap();
        let file = dir.join("pipelines/p.toml");
        std::fs::write(
            &file,
            "input = '../data/raw'\noutput = '/srv/out'\nexpected_agencies = 'agencies.csv'\n\
             [pdf]\nprogram = 'pdftotext'\n[ocr]\npython = '../.venv/bin/python'\n",
        )
        .unwrap();
        let c = Config::load(&file).unwrap();
        let p = dir.join("pipelines");
        assert_eq!(c.input, dir.join("data/raw"));
        assert_eq!(c.output, PathBuf::from("/srv/out"));
        assert_eq!(c.expected_agencies, Some(p.join("agencies.csv")));
        assert_eq!(c.pdf.program, "pdftotext");
        assert_eq!(PathBuf::from(&c.ocr.python), dir.join(".venv/bin/python"));
        assert_eq!(
            lexical_join(Path::new("pipelines"), Path::new("../data/raw")),
            PathBuf::from("data/raw")
        );
        assert_eq!(
            lexical_join(Path::new(""), Path::new("../x")),
            PathBuf::from("../x")
        );
        assert_eq!(
            lexical_join(Path::new(""), Path::new("x")),
            PathBuf::from("x")
        );
        // not stated: the defaults, relative to the working directory
        assert_eq!(c.corrections, None);
        assert_eq!(c.state, None);
        std::fs::write(&file, "[formats]\ncsv = false\n").unwrap();
        let c = Config::load(&file).unwrap();
        assert_eq!(c.input, Config::default().input);
        assert_eq!(c.ocr.python, Config::default().ocr.python);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Issue 20, case 17: a `[formats]` table may name just the format it turns off.
    #[test]
    fn a_formats_table_may_name_one_format() {
        let c: Config = toml::from_str("[formats]\ncsv = false\n").unwrap();
        assert!(c.formats.parquet && !c.formats.csv);
        let c: Config = toml::from_str("[formats]\nparquet = false\n").unwrap();
        assert!(!c.formats.parquet && c.formats.csv);
    }
}
