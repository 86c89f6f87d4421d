//! Where collected documents came from: what `nianbao collect` recorded in the input folder's
//! `.nianbao-collect/state.jsonl` (one JSON line per fetch: `url`, `path` relative to the
//! folder, `fetched_at`, `found_on`, `status`). A document listed there gets `source_url` (the
//! URL it was fetched from, in place of a page's own `<meta>` address), `collected_at` and
//! `found_on` in `reports`. Applied after a report is read or taken from the state and after it
//! is cached (the state keeps what the document says), and part of the run's fingerprint, so a
//! changed provenance is never hidden by a reused year or a skipped run.

use std::collections::BTreeMap;
use std::path::Path;

use nianbao_normalize::Report;
use sha2::{Digest, Sha256};

/// The collector's state file, relative to the input folder.
pub(crate) const STATE_FILE: &str = ".nianbao-collect/state.jsonl";

/// Where one document came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    url: String,
    collected_at: Option<String>,
    found_on: Option<String>,
}

/// The provenance of the input folder's collected documents, by relative path.
#[derive(Debug, Default)]
pub(crate) struct Provenance {
    by_path: BTreeMap<String, Origin>,
}

impl Provenance {
    /// The address a collected document was fetched from.
    pub(crate) fn url_of(&self, path: &str) -> Option<&str> {
        self.by_path.get(path).map(|o| o.url.as_str())
    }

    /// The page a collected document was found on.
    pub(crate) fn found_on(&self, path: &str) -> Option<&str> {
        self.by_path.get(path)?.found_on.as_deref()
    }

    /// Every collected document's address → its path.
    pub(crate) fn paths_by_url(&self) -> std::collections::HashMap<&str, &str> {
        self.by_path
            .iter()
            .map(|(p, o)| (o.url.as_str(), p.as_str()))
            .collect()
    }
}

impl Provenance {
    /// Reads `INPUT/.nianbao-collect/state.jsonl` when there is one: the last record of each
    /// saved path whose fetch succeeded (200, or 304 for content fetched before). Lines that
    /// are not whole records (a collector killed while writing) are skipped.
    pub(crate) fn load(input: &Path) -> Provenance {
        let mut by_path = BTreeMap::new();
        let Ok(text) = std::fs::read_to_string(input.join(STATE_FILE)) else {
            return Provenance { by_path };
        };
        for line in text.lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let ok = matches!(v["status"].as_u64(), Some(200 | 304));
            let (Some(path), Some(url)) = (v["path"].as_str(), v["url"].as_str()) else {
                continue;
            };
            if !ok {
                continue;
            }
            let s = |k: &str| v[k].as_str().map(str::to_owned);
            by_path.insert(
                path.to_owned(),
                Origin {
                    url: url.to_owned(),
                    collected_at: s("fetched_at"),
                    found_on: s("found_on"),
                },
            );
        }
        Provenance { by_path }
    }

    /// Sets the report's `source_url`, `collected_at` and `found_on` when the collector
    /// recorded its document.
    pub(crate) fn apply(&self, r: &mut Report) {
        if let Some(o) = self.by_path.get(&r.source.document) {
            r.source_url = Some(o.url.clone());
            r.collected_at.clone_from(&o.collected_at);
            r.found_on.clone_from(&o.found_on);
        }
    }

    /// A digest of everything it would set (for the run's fingerprint).
    pub(crate) fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for (p, o) in &self.by_path {
            for s in [
                Some(p.as_str()),
                Some(o.url.as_str()),
                o.collected_at.as_deref(),
                o.found_on.as_deref(),
            ] {
                h.update(s.unwrap_or("\u{0}").as_bytes());
                h.update([0xff]);
            }
        }
        h.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_good_record_of_each_path_counts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".nianbao-collect")).unwrap();
        std::fs::write(
            dir.path().join(STATE_FILE),
            concat!(
                r#"{"url":"http://a/x.pdf","kind":"attachment","status":200,"path":"a/x.pdf","fetched_at":"2026-01-01T00:00:00Z","found_on":"http://a/"}"#, "\n",
                r#"{"url":"http://a/x.pdf","kind":"attachment","status":500,"fetched_at":"2026-01-03T00:00:00Z"}"#, "\n",
                r#"{"url":"http://a/x.pdf","kind":"attachment","status":200,"path":"a/x.pdf","fetched_at":"2026-01-02T00:00:00Z","found_on":"http://a/l2"}"#, "\n",
                r#"{"url":"http://a/y.pdf","kind":"attach"#,
            ),
        )
        .unwrap();
        let p = Provenance::load(dir.path());
        let mut r = Report::unreadable(
            nianbao_normalize::Source {
                document: "a/x.pdf".into(),
                ..Default::default()
            },
            nianbao_normalize::model::Format::Pdf,
            "x".into(),
        );
        p.apply(&mut r);
        assert_eq!(r.source_url.as_deref(), Some("http://a/x.pdf"));
        assert_eq!(r.collected_at.as_deref(), Some("2026-01-02T00:00:00Z"));
        assert_eq!(r.found_on.as_deref(), Some("http://a/l2"));
        assert_ne!(p.digest(), Provenance::default().digest());
        assert_eq!(
            Provenance::load(&dir.path().join("none")).digest(),
            Provenance::default().digest()
        );
    }
}
