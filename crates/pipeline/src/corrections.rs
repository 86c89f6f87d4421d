//! The user's corrections (`corrections = "corrections.csv"` in the pipeline): cells an
//! analyst has checked against the document and fixed, applied on every rebuild.
//!
//! The file has a header and the columns `sha256` (the document's SHA-256, or its 16-digit
//! `report_id`), `key` (a cell key), `value` (the number; empty for null) and `note` (why,
//! quoted in the `correction_applied` finding). A corrected cell gets status `corrected` and
//! keeps its `raw` text. A correction whose document is no longer among the inputs (its content
//! changed, or it was removed) or whose key is not a cell key is never applied silently: the
//! run lists it. A corrected document is read anew on every run and never cached in the
//! incremental state, so removing a correction restores what the document says.

use nianbao_vocab::rules::name as rule;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context, Result};
use nianbao_normalize::{CellStatus, Finding, Report};
use nianbao_vocab::{fmt_number, Vocabulary};

/// One line of the file.
#[derive(Debug)]
pub(crate) struct Correction {
    /// Line number in the file (the header is line 1).
    pub line: usize,
    /// Lower-case hex: the full SHA-256 or its first 16 digits.
    pub sha256: String,
    /// The cell key.
    pub key: &'static str,
    /// The value (`None`: null).
    pub value: Option<f64>,
    /// Why.
    pub note: String,
    /// Whether a document with this content was among the inputs.
    seen: AtomicBool,
}

/// The corrections of a run.
#[derive(Debug, Default)]
pub(crate) struct Corrections {
    list: Vec<Correction>,
    /// Corrections by the first 16 hex digits of their document's hash.
    by_id: HashMap<String, Vec<usize>>,
    /// Lines that are not corrections: (line, why).
    pub rejected: Vec<(usize, String)>,
}

impl Corrections {
    /// Reads the file.
    pub(crate) fn load(path: &Path) -> Result<Corrections> {
        let (mut r, headers) = crate::config::open_list(path, "corrections")?;
        let at = |name: &str| crate::config::column(&headers, name);
        let (Some(sha_at), Some(key_at), Some(value_at)) = (at("sha256"), at("key"), at("value"))
        else {
            bail!(
                "{}: expected the columns sha256, key, value and note; the header is {:?}",
                path.display(),
                headers.iter().collect::<Vec<_>>()
            );
        };
        let note_at = at("note");
        let v = Vocabulary::get();
        let mut out = Corrections::default();
        for (i, rec) in r.records().enumerate() {
            let line = i + 2;
            let rec = rec.with_context(|| format!("{}: line {line}", path.display()))?;
            let get = |k: usize| rec.get(k).map(str::trim).unwrap_or("");
            let sha = get(sha_at).to_ascii_lowercase();
            if sha.is_empty() && get(key_at).is_empty() {
                continue;
            }
            if !(sha.len() == 64 || sha.len() == 16) || !sha.bytes().all(|b| b.is_ascii_hexdigit())
            {
                out.rejected.push((
                    line,
                    format!(
                        "sha256 {sha:?} is neither a SHA-256 (64 hex digits) nor a report_id (16)"
                    ),
                ));
                continue;
            }
            let Some(key) = v.cell(get(key_at)).map(|c| c.key) else {
                out.rejected.push((
                    line,
                    format!(
                        "{:?} is not a cell key (see the vocabulary, e.g. s3.received_new.total)",
                        get(key_at)
                    ),
                ));
                continue;
            };
            let raw = get(value_at);
            let value = if raw.is_empty() {
                None
            } else {
                match raw.parse::<f64>() {
                    Ok(x) if x.is_finite() => Some(x),
                    _ => {
                        out.rejected
                            .push((line, format!("value {raw:?} is not a number")));
                        continue;
                    }
                }
            };
            out.by_id
                .entry(sha[..16].to_owned())
                .or_default()
                .push(out.list.len());
            out.list.push(Correction {
                line,
                sha256: sha,
                key,
                value,
                note: note_at.map(get).unwrap_or("").to_owned(),
                seen: AtomicBool::new(false),
            });
        }
        Ok(out)
    }

    /// The corrections of a document's content.
    fn of(&self, sha256: &str) -> Vec<&Correction> {
        if sha256.len() < 16 {
            return Vec::new();
        }
        self.by_id
            .get(&sha256[..16])
            .map(|ix| {
                ix.iter()
                    .map(|&i| &self.list[i])
                    .filter(|c| sha256.starts_with(&c.sha256))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether a document with this content has corrections (it is then read anew and not
    /// cached).
    pub(crate) fn touches(&self, sha256: &str) -> bool {
        !self.of(sha256).is_empty()
    }

    /// Applies the corrections of the report's content; returns whether there were any.
    pub(crate) fn apply(&self, r: &mut Report) -> bool {
        let mine = self.of(&r.source.sha256);
        for c in &mine {
            c.seen.store(true, Ordering::Relaxed);
            let shown = c.value.map_or_else(|| "null".to_owned(), fmt_number);
            let Some(cell) = r.cells.iter_mut().find(|x| x.key == c.key) else {
                r.findings.push(
                    Finding::new(
                        rule::CORRECTION_NOT_APPLIED,
                        format!(
                            "corrections line {}: this report has no cell {} (template {}); not applied",
                            c.line,
                            c.key,
                            r.template.map_or("unknown", |t| t.as_str())
                        ),
                    )
                    .at_key(c.key),
                );
                continue;
            };
            let was = cell.value;
            cell.value = c.value;
            cell.status = CellStatus::Corrected;
            let source = cell.source.clone();
            r.findings.push(
                Finding::new(
                    rule::CORRECTION_APPLIED,
                    format!(
                        "corrections line {}: set to {shown} (read {}): {}",
                        c.line,
                        was.map_or_else(|| "null".to_owned(), fmt_number),
                        if c.note.is_empty() {
                            "(no note)"
                        } else {
                            &c.note
                        }
                    ),
                )
                .at_key(c.key)
                .at(source)
                .numbers(c.value, was),
            );
        }
        !mine.is_empty()
    }

    /// Marks the corrections of a content as applied without reading it (its report is taken
    /// as recorded, corrected, from a reused year partition).
    pub(crate) fn mark_seen(&self, sha256: &str) {
        for c in self.of(sha256) {
            c.seen.store(true, Ordering::Relaxed);
        }
    }

    /// Corrections whose document was not among the inputs, and why, after the run.
    pub(crate) fn unmatched(&self) -> Vec<&Correction> {
        self.list
            .iter()
            .filter(|c| !c.seen.load(Ordering::Relaxed))
            .collect()
    }

    /// Number of corrections read.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }
}

/// What the run did with the user's corrections: how many documents they changed, and every
/// correction not applied with why (its document is not among the inputs, or the line is not
/// a correction).
pub(crate) fn corrections_summary(corr: &Corrections, documents: usize) -> serde_json::Value {
    let mut not_applied: Vec<serde_json::Value> = corr
        .rejected
        .iter()
        .map(|(line, why)| serde_json::json!({"line": line, "why": why}))
        .collect();
    for c in corr.unmatched() {
        not_applied.push(serde_json::json!({
            "line": c.line,
            "why": format!(
                "no input document has the content {} (changed or removed?): {} not corrected",
                c.sha256, c.key
            ),
        }));
    }
    not_applied.sort_by_key(|v| v["line"].as_u64());
    serde_json::json!({
        "read": corr.len(),
        "documents_corrected": documents,
        "not_applied": not_applied,
    })
}
