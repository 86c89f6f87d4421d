//! The `nianbao` command: argument parsing and printing. `build` runs
//! `nianbao_pipeline::build` and prints its summary (the exit code follows `--strict`);
//! `collect`, `inspect`, `eval` and `synth` are the other commands. A library too, so that the Python
//! package's `nianbao` command is this one ([`main_with`]).

mod eval;
mod inspect;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use nianbao_pipeline::Config;

#[derive(Parser)]
#[command(
    name = "nianbao",
    version,
    about = "Government information-disclosure annual reports → Parquet/CSV dataset"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the dataset from a folder of reports.
    Build {
        /// Folder of report documents (searched recursively).
        #[arg(long)]
        input: Option<PathBuf>,
        /// Dataset folder to (re)place.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Pipeline file (TOML), e.g. pipelines/default.toml; flags override it.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Fail (exit 2) when any report has an error finding.
        #[arg(long)]
        strict: bool,
        /// Print the summary as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Read every document again, ignoring the incremental state (`incremental = false`).
        #[arg(long)]
        full: bool,
        /// Write every table in Hive partitions by report year (`partition_by_year = true`).
        #[arg(long)]
        partition_by_year: bool,
        /// Do not write CSV files (Parquet only).
        #[arg(long)]
        no_csv: bool,
        /// Do not write Parquet files (CSV only).
        #[arg(long)]
        no_parquet: bool,
        /// A CSV of the agencies expected to report every year (column `agency` or
        /// `agency_key`; `expected_agencies = …` in a pipeline file): `coverage` then lists each
        /// of them for every year of the corpus.
        #[arg(long)]
        expected_agencies: Option<PathBuf>,
        /// Start every CSV file with a UTF-8 byte order mark, for Excel (`[formats] csv_bom`).
        #[arg(long)]
        csv_bom: bool,
    },
    /// Show what was read from one document: the cells by canonical row and column, each
    /// value's status, and the findings.
    Inspect {
        /// The document.
        file: PathBuf,
    },
    /// Score a built dataset against gold files (the format of ../shared/expected): stated
    /// cells right, wrong and missed, documents all right, metadata right; every wrong cell
    /// with its source location.
    Eval {
        /// Folder of gold files (`*.json`, one per document).
        #[arg(long)]
        gold: PathBuf,
        /// The dataset folder `nianbao build` wrote.
        #[arg(long)]
        dataset: PathBuf,
        /// Print the scores as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Collect reports from government portals into a folder that `build` reads: the report
    /// column's list pages, each report's page, its attachments and pictures, politely (robots.txt,
    /// one request at a time per host), incrementally (only what is new or changed), with the
    /// URL of every file kept in `OUTPUT/.nianbao-collect/state.jsonl`.
    Collect {
        /// A report column's list page, or a site's home (repeatable).
        #[arg(long = "start")]
        starts: Vec<String>,
        /// A CSV of sites with a `url` column (one start URL per row); links may then lead to
        /// any host under `.gov.cn`.
        #[arg(long)]
        sites: Option<PathBuf>,
        /// Folder the reports are saved to (HOST/PATH under it).
        #[arg(long)]
        output: PathBuf,
        /// Milliseconds between two requests to one host (robots.txt's Crawl-delay if longer).
        #[arg(long, default_value_t = 1000)]
        delay_ms: u64,
        /// Hosts walked at the same time.
        #[arg(long, default_value_t = 8)]
        parallel_hosts: usize,
        /// Most pages and files fetched from one host in a run.
        #[arg(long, default_value_t = 2000)]
        max_per_host: usize,
        /// Print the summary as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Write a synthetic corpus (for samples, tests and benchmarks) with a gold file per document.
    Synth {
        /// Folder to write into.
        #[arg(long)]
        output: PathBuf,
        /// Number of documents.
        #[arg(long, default_value_t = 100)]
        count: usize,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also write `NAME.gold.json` files into `--gold DIR`.
        #[arg(long)]
        gold: Option<PathBuf>,
        /// Every document clean (no deliberate defects).
        #[arg(long)]
        clean: bool,
        /// Comma-separated layouts to cycle through (default: all): tabbed, piped, pdf_text,
        /// cell_per_line, flattened, html, docx, pdf; and ofd, written only when named.
        #[arg(long, value_delimiter = ',')]
        layouts: Vec<String>,
        /// Write the multi-year panel corpus instead (real divisions' agencies over
        /// 2019–2025 with deliberate breaks, gaps and duplicates; `--count` is ignored).
        #[arg(long)]
        panel: bool,
        /// With --panel: also write the expected-agencies list (CSV) to this file.
        #[arg(long)]
        expected: Option<PathBuf>,
    },
}

/// Runs the command line `args` (the program name first) and returns the exit code; errors
/// are printed on stderr.
pub fn main_with(args: impl IntoIterator<Item = String>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // the chain of causes, each once (library messages already name their cause)
            let mut msg = e.to_string();
            for cause in e.chain().skip(1) {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    msg.push_str(": ");
                    msg.push_str(&c);
                }
            }
            eprintln!("nianbao: error: {msg}");
            1
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Build {
            input,
            output,
            config,
            strict,
            json,
            full,
            partition_by_year,
            no_csv,
            no_parquet,
            expected_agencies,
            csv_bom,
        } => {
            let mut cfg = match &config {
                Some(p) => Config::load(p)?,
                None => Config::default(),
            };
            if let Some(i) = input {
                cfg.input = i;
            }
            if let Some(o) = output {
                cfg.output = o;
            }
            cfg.strict |= strict;
            cfg.incremental &= !full;
            cfg.partition_by_year |= partition_by_year;
            cfg.formats.csv &= !no_csv;
            cfg.formats.parquet &= !no_parquet;
            cfg.formats.csv_bom |= csv_bom;
            if let Some(e) = expected_agencies {
                cfg.expected_agencies = Some(e);
            }
            cfg.validate()?;
            let outcome = nianbao_pipeline::build(&cfg, &Terminal::new())?;
            print_summary(&outcome.summary, &outcome.unreadable, json, cfg.strict)
        }
        Command::Eval {
            gold,
            dataset,
            json,
        } => eval::eval(&gold, &dataset, json),
        Command::Collect {
            mut starts,
            sites,
            output,
            delay_ms,
            parallel_hosts,
            max_per_host,
            json,
        } => {
            let mut also = Vec::new();
            if let Some(sites) = &sites {
                starts.extend(read_sites(sites)?);
                also.push("gov.cn".to_owned());
            }
            if starts.is_empty() {
                bail!("nothing to collect: give --start URL (repeatable) or --sites FILE");
            }
            let mut opts = nianbao_collect::Options::new(starts, output.clone());
            opts.delay = std::time::Duration::from_millis(delay_ms);
            opts.parallel_hosts = parallel_hosts;
            opts.max_per_host = max_per_host;
            opts.also_hosts = also;
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {pos} requests  {per_sec}  {msg}",
                )
                .expect("static template"),
            );
            let progress = Fetching(bar);
            let summary = nianbao_collect::collect(&opts, &progress)
                .with_context(|| format!("collecting into {}", output.display()))?;
            progress.0.finish_and_clear();
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            }
            eprintln!(
                "nianbao collect: {} hosts, {} requests: {} report pages, {} attachments, {} pictures ({} saved now, {} not modified, {} unchanged), {} list pages → {}",
                summary.hosts,
                summary.requests,
                summary.articles,
                summary.attachments,
                summary.pictures,
                summary.saved.len(),
                summary.not_modified,
                summary.unchanged,
                summary.list_pages,
                output.display()
            );
            for p in &summary.problems {
                eprintln!("  {}: {} ({})", p.kind, p.url, p.detail);
            }
            Ok(0)
        }
        Command::Inspect { file } => {
            if !file.is_file() {
                bail!("{}: no such file", file.display());
            }
            inspect::inspect(&file, &Config::default().read_options())?;
            Ok(0)
        }
        Command::Synth {
            output,
            count,
            seed,
            gold,
            clean,
            layouts,
            panel,
            expected,
        } => {
            if let Some(bad) = layouts.iter().find(|l| {
                !nianbao_synth::ALL_LAYOUTS.contains(&l.as_str())
                    && !nianbao_synth::EXTRA_LAYOUTS.contains(&l.as_str())
            }) {
                bail!(
                    "unknown layout {bad:?}; choose from {}, {}",
                    nianbao_synth::ALL_LAYOUTS.join(", "),
                    nianbao_synth::EXTRA_LAYOUTS.join(", ")
                );
            }
            let layouts: Vec<&str> = if layouts.is_empty() && panel {
                nianbao_synth::panel::LAYOUTS.to_vec()
            } else if layouts.is_empty() {
                nianbao_synth::ALL_LAYOUTS.to_vec()
            } else {
                layouts.iter().map(String::as_str).collect()
            };
            let n = if panel {
                nianbao_synth::panel::write(
                    &output,
                    gold.as_deref(),
                    expected.as_deref(),
                    seed,
                    &layouts,
                )
            } else {
                nianbao_synth::write_corpus(&output, gold.as_deref(), count, seed, !clean, &layouts)
            }
            .with_context(|| format!("writing the synthetic corpus to {}", output.display()))?;
            eprintln!("wrote {n} documents to {}", output.display());
            Ok(0)
        }
    }
}

/// The collector's progress on a terminal spinner.
struct Fetching(indicatif::ProgressBar);

impl nianbao_collect::Progress for Fetching {
    fn fetched(&self, url: &str, status: u16) {
        self.0.inc(1);
        self.0.set_message(format!("{status} {url}"));
    }
}

/// The start URLs of a sites CSV: its `url` column (or its first column when no column is
/// named so, every row then a site).
fn read_sites(path: &std::path::Path) -> Result<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("reading the sites list {}", path.display()))?;
    let mut rows = r.records();
    let first = match rows.next() {
        Some(row) => row.with_context(|| format!("reading the sites list {}", path.display()))?,
        None => bail!("{}: the sites list is empty", path.display()),
    };
    let named = first
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("url"));
    let col = named.unwrap_or(0);
    let mut out = Vec::new();
    let header = named.map(|_| None).unwrap_or(Some(first));
    for row in header.into_iter().map(Ok).chain(rows) {
        let row = row.with_context(|| format!("reading the sites list {}", path.display()))?;
        if let Some(v) = row.get(col).map(str::trim) {
            if v.starts_with("http://") || v.starts_with("https://") {
                out.push(v.to_owned());
            }
        }
    }
    if out.is_empty() {
        bail!("{}: no http(s) URL in its url column", path.display());
    }
    Ok(out)
}

/// Prints a run's summary (JSON on stdout with `--json`; always a few lines on stderr) and
/// returns the exit code: 2 under `--strict` when a report has error findings.
fn print_summary(
    summary: &nianbao_pipeline::Summary,
    unreadable: &[(String, String)],
    json: bool,
    strict: bool,
) -> Result<i32> {
    if json {
        println!("{}", serde_json::to_string_pretty(&summary.to_json())?);
    }
    eprintln!(
        "nianbao: {} documents in {:.2}s → {}{}",
        summary.documents,
        summary.seconds,
        summary.output.display(),
        if summary.unchanged {
            " (nothing changed since the last run: the dataset is as it was)"
        } else {
            ""
        }
    );
    eprintln!(
        "  changes: added {}, changed {}, removed {}, failed {}; parsed {}, reused from state {}",
        summary.added,
        summary.changed,
        summary.removed,
        summary.failed,
        summary.parsed,
        summary.reused
    );
    if summary.publication == "two-renames" {
        eprintln!(
            "  published by two renames: this file system cannot exchange two folders in one step, so for an instant there was no dataset at the output (a run killed then is repaired by the next)"
        );
    }
    if let Some(years) = &summary.partitions_reused {
        let years: Vec<String> = years
            .iter()
            .map(|y| y.map_or_else(|| "no year".to_owned(), |y| y.to_string()))
            .collect();
        eprintln!(
            "  year partitions linked from the previous dataset: {}",
            if years.is_empty() {
                "none".to_owned()
            } else {
                years.join(", ")
            }
        );
    }
    let joined = |m: &mut dyn Iterator<Item = (&String, &u64)>| -> String {
        m.map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!("  by status: {}", joined(&mut summary.by_status.iter()));
    let mut rules: Vec<(&String, &u64)> = summary.findings_by_rule.iter().collect();
    rules.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    eprintln!(
        "  findings by rule: {}",
        if rules.is_empty() {
            "none".to_owned()
        } else {
            joined(&mut rules.into_iter())
        }
    );
    for (document, reason) in unreadable {
        eprintln!("  unreadable: {document}: {reason}");
    }
    if let Some(c) = summary.corrections.as_ref().filter(|c| c.is_object()) {
        eprintln!(
            "  corrections: {} read, {} document(s) corrected",
            c["read"].as_u64().unwrap_or(0),
            c["documents_corrected"].as_u64().unwrap_or(0)
        );
        for n in c["not_applied"].as_array().into_iter().flatten() {
            eprintln!(
                "  correction not applied: line {}: {}",
                n["line"],
                n["why"].as_str().unwrap_or("")
            );
        }
    }
    let errors = summary.by_status.get("error").copied().unwrap_or(0);
    if strict && errors > 0 {
        eprintln!("nianbao: --strict: {errors} report(s) have error findings (see findings.parquet); failing the run");
        return Ok(2);
    }
    Ok(0)
}

/// The CLI's reporter: notes on stderr, a progress bar on a terminal (indicatif hides it
/// otherwise), and each phase's time and memory when `NIANBAO_TIMINGS` is set.
struct Terminal {
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
    timings: bool,
}

impl Terminal {
    fn new() -> Terminal {
        Terminal {
            bar: std::sync::Mutex::new(None),
            timings: std::env::var_os("NIANBAO_TIMINGS").is_some(),
        }
    }
}

impl nianbao_pipeline::Reporter for Terminal {
    fn note(&self, message: &str) {
        match self.bar.lock().ok().as_deref().and_then(Option::as_ref) {
            Some(bar) => bar.suspend(|| eprintln!("nianbao: {message}")),
            None => eprintln!("nianbao: {message}"),
        }
    }

    fn start(&self, what: &str, len: u64) {
        let bar = indicatif::ProgressBar::new(len);
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{spinner}} {{pos}}/{{len}} {what}  {{per_sec}}  eta {{eta}}  {{wide_bar}}"
            ))
            .expect("static template"),
        );
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(bar);
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.bar.lock().ok().as_deref().and_then(Option::as_ref) {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().ok().and_then(|mut b| b.take()) {
            bar.finish_and_clear();
        }
    }

    fn lap(&self, phase: &str, seconds: f64, peak_mib: Option<u64>, now_mib: Option<u64>) {
        if self.timings {
            let mem =
                |k: &str, v: Option<u64>| v.map_or_else(String::new, |m| format!(" {k} {m} MiB"));
            eprintln!(
                "nianbao: timing: {phase}: {seconds:.2} s{}{}",
                mem("VmHWM:", peak_mib),
                mem("VmRSS:", now_mib)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sites_list_gives_its_url_column_or_its_first() {
        let dir = tempfile::tempdir().unwrap();
        let named = dir.path().join("named.csv");
        std::fs::write(
            &named,
            "name,url\n\"东区, 政府\",http://a.gov.cn/\n西区,https://b.gov.cn/gknb/\n北区,not a url\n",
        )
        .unwrap();
        assert_eq!(
            read_sites(&named).unwrap(),
            ["http://a.gov.cn/", "https://b.gov.cn/gknb/"]
        );
        let bare = dir.path().join("bare.csv");
        std::fs::write(&bare, "http://c.gov.cn/\nhttp://d.gov.cn/\n").unwrap();
        assert_eq!(
            read_sites(&bare).unwrap(),
            ["http://c.gov.cn/", "http://d.gov.cn/"]
        );
        std::fs::write(&bare, "name\n").unwrap();
        assert!(read_sites(&bare).is_err());
    }
}
