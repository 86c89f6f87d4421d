//! What the collector keeps: the files it saved under the output folder, and, apart in the
//! hidden `.nianbao-collect` folder that `nianbao build` never reads, its state — one JSON line
//! per fetch (URL, what it was, where it was saved, ETag / Last-Modified, SHA-256, time,
//! HTTP status, the page it was found on) — and the bodies of list pages (so that a list that
//! answers `304 Not Modified` still gives its links).
//!
//! Every line is written and flushed as soon as its fetch ends, and every file is written to a
//! temporary name and renamed, so a collector killed at any point (kill -9 included) leaves
//! whole files and a state whose last line at worst is cut short; that line is ignored and its
//! URL fetched again.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};
use url::Url;

use crate::links::Kind;

/// The hidden folder of the collector's own files, inside the output folder.
pub const STATE_DIR: &str = ".nianbao-collect";

/// One fetch, as the state records it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// The URL asked for.
    pub url: String,
    /// What it was fetched as.
    pub kind: Kind,
    /// The HTTP status (304 for "not modified"; 0 when no answer came).
    pub status: u16,
    /// Where the body is saved, relative to the output folder (`/` separators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The page the link was found on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_on: Option<String>,
    /// The `ETag` it was served with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The `Last-Modified` it was served with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// SHA-256 of the body (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// When the body was fetched (UTC, RFC 3339; for a 304, the time of the fetch that got it).
    pub fetched_at: String,
}

/// The state of earlier runs and the log of this one.
pub struct State {
    dir: PathBuf,
    log: std::fs::File,
    /// The last good record of each URL.
    pub last: HashMap<String, Record>,
}

impl State {
    /// Opens (or starts) the state in `output/.nianbao-collect`.
    pub fn open(output: &Path) -> std::io::Result<State> {
        let dir = output.join(STATE_DIR);
        std::fs::create_dir_all(dir.join("lists"))?;
        let _ = std::fs::remove_dir_all(dir.join("tmp"));
        let path = dir.join("state.jsonl");
        let mut last = HashMap::new();
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text.lines() {
                // (a line cut short by a kill is not JSON: skipped)
                if let Ok(r) = serde_json::from_str::<Record>(line) {
                    if r.status == 200 || r.status == 304 {
                        last.insert(r.url.clone(), r);
                    }
                }
            }
        }
        // compacted when most lines are superseded (a nightly run appends a line per fetch):
        // the last good record of each URL is kept, written whole and renamed into place
        let lines = std::fs::read_to_string(&path).map_or(0, |t| t.lines().count());
        if lines > 1_000 && lines > 4 * last.len() {
            let mut recs: Vec<&Record> = last.values().collect();
            recs.sort_by(|a, b| a.url.cmp(&b.url));
            let mut text = Vec::new();
            for r in recs {
                text.extend(serde_json::to_vec(r).map_err(std::io::Error::other)?);
                text.push(b'\n');
            }
            write_atomic(&path, &text, &dir.join("tmp"))?;
        }
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        // a line cut short ends here, so the next one starts on its own line
        if std::fs::metadata(&path)?.len() > 0 && !text_ends_with_newline(&path) {
            log.write_all(b"\n")?;
        }
        Ok(State { dir, log, last })
    }

    /// Appends a record and flushes it to the file.
    pub fn append(&mut self, r: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(r).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.log.write_all(&line)?;
        self.log.flush()?;
        if r.status == 200 || r.status == 304 {
            self.last.insert(r.url.clone(), r.clone());
        }
        Ok(())
    }

    /// The folder of temporary files (emptied when the state is opened: what a killed run left).
    pub fn tmp(&self) -> PathBuf {
        self.dir.join("tmp")
    }

    /// Where the body of list page `url` is kept.
    pub fn list_body(&self, url: &str) -> PathBuf {
        let h = hex(&Sha256::digest(url.as_bytes()));
        self.dir.join("lists").join(format!("{}.html", &h[..24]))
    }
}

fn text_ends_with_newline(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.last() == Some(&b'\n'))
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Writes `bytes` to `path` through a temporary file in `tmp` (a folder on the same file
/// system that the build never reads) and a rename: a kill leaves either the old file or the
/// new one, and no half-written file where the build would read it.
pub fn write_atomic(path: &Path, bytes: &[u8], tmp: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::create_dir_all(tmp)?;
    let name = hex(&Sha256::digest(path.to_string_lossy().as_bytes()));
    let t = tmp.join(format!("{}.nianbao-tmp", &name[..24]));
    std::fs::write(&t, bytes)?;
    std::fs::rename(&t, path)
}

/// A path segment made safe: percent-decoded, every character that is not a letter, a digit,
/// `.`, `-` or `_` replaced by `_`, never `.` or `..`, at most 80 characters (a longer one is
/// cut and given a hash of the whole).
fn safe_segment(seg: &str) -> String {
    let decoded = percent_decode(seg);
    let mut s: String = decoded
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.chars().all(|c| c == '.') {
        s = s.replace('.', "_");
    }
    if s.chars().count() > 80 {
        let h = hex(&Sha256::digest(seg.as_bytes()));
        s = s.chars().take(64).collect::<String>() + "_" + &h[..8];
    }
    if s.is_empty() {
        s.push('_');
    }
    s
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => encoding_rs::GB18030.decode(e.as_bytes()).0.into_owned(),
    }
}

/// Where a file fetched from `url` is saved, relative to the output folder: `HOST/PATH…`,
/// every segment made safe, a query string folded into the name as a hash, and `.html` added to
/// an article page whose name has no extension. Never leaves the output folder.
pub fn relative_path(url: &Url, kind: Kind) -> String {
    let mut host = url.host_str().unwrap_or("host").to_owned();
    if let Some(p) = url.port() {
        host = format!("{host}_{p}");
    }
    let mut parts: Vec<String> = vec![safe_segment(&host)];
    let segs: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    for s in &segs {
        parts.push(safe_segment(s));
    }
    let mut last = if segs.is_empty() || url.path().ends_with('/') {
        "index.html".to_owned()
    } else {
        parts.pop().unwrap_or_default()
    };
    if let Some(q) = url.query() {
        let h = hex(&Sha256::digest(q.as_bytes()));
        last = match last.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}_q{}.{ext}", &h[..10]),
            None => format!("{last}_q{}", &h[..10]),
        };
    }
    if kind == Kind::Article && !last.contains('.') {
        last.push_str(".html");
    }
    parts.push(last);
    parts.join("/")
}

/// `rel` joined to `root`, or `None` if it would leave it.
pub fn inside(root: &Path, rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    p.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| root.join(p))
}

/// Now in UTC as RFC 3339 (`2026-12-07T15:09:31Z`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since the epoch as RFC 3339 UTC.
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // civil from days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_and_are_readable() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            relative_path(
                &u("http://a.gov.cn/zwgk/202401/t20240120_1.htm"),
                Kind::Article
            ),
            "a.gov.cn/zwgk/202401/t20240120_1.htm"
        );
        assert_eq!(
            relative_path(&u("http://127.0.0.1:8080/art?id=3"), Kind::Article),
            "127.0.0.1_8080/art_q3a61b75b7a.html"
        );
        assert_eq!(
            relative_path(
                &u("http://a.gov.cn/x/%2e%2e/%2E%2E/etc/passwd"),
                Kind::Attachment
            ),
            "a.gov.cn/etc/passwd"
        );
        assert_eq!(
            relative_path(
                &u("http://a.gov.cn/f/%E5%B9%B4%E6%8A%A5%2F..%2Fx.pdf"),
                Kind::Attachment
            ),
            "a.gov.cn/f/年报_.._x.pdf"
        );
        assert_eq!(
            relative_path(&u("http://a.gov.cn/"), Kind::List),
            "a.gov.cn/index.html"
        );
        let root = Path::new("/out");
        assert!(inside(root, "a/../../x").is_none());
        assert!(inside(root, "/etc/passwd").is_none());
        assert_eq!(inside(root, "a/b.pdf"), Some(PathBuf::from("/out/a/b.pdf")));
    }

    #[test]
    fn time_is_utc_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_656_171), "2026-12-07T15:09:31Z");
    }

    #[test]
    fn a_long_state_is_compacted_to_its_last_records() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = State::open(dir.path()).unwrap();
        for i in 0..3000 {
            s.append(&Record {
                url: format!("http://a/{}", i % 10),
                kind: Kind::Article,
                status: 200,
                path: Some(format!("a/{}", i % 10)),
                found_on: None,
                etag: None,
                last_modified: None,
                sha256: Some(format!("{i}")),
                fetched_at: rfc3339(i),
            })
            .unwrap();
        }
        drop(s);
        let s = State::open(dir.path()).unwrap();
        assert_eq!(s.last.len(), 10);
        assert_eq!(s.last["http://a/3"].sha256.as_deref(), Some("2993"));
        let path = dir.path().join(STATE_DIR).join("state.jsonl");
        assert_eq!(std::fs::read_to_string(path).unwrap().lines().count(), 10);
    }

    #[test]
    fn a_state_cut_short_by_a_kill_is_read_up_to_its_last_whole_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = State::open(dir.path()).unwrap();
        let r = Record {
            url: "http://a/x.pdf".into(),
            kind: Kind::Attachment,
            status: 200,
            path: Some("a/x.pdf".into()),
            found_on: None,
            etag: Some("\"e1\"".into()),
            last_modified: None,
            sha256: Some("00".into()),
            fetched_at: now_rfc3339(),
        };
        s.append(&r).unwrap();
        drop(s);
        let path = dir.path().join(STATE_DIR).join("state.jsonl");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(br#"{"url":"http://a/y.pdf","kind":"attach"#)
            .unwrap();
        drop(f);
        let mut s = State::open(dir.path()).unwrap();
        assert_eq!(s.last.len(), 1);
        assert_eq!(s.last["http://a/x.pdf"], r);
        s.append(&Record {
            url: "http://a/z".into(),
            ..r.clone()
        })
        .unwrap();
        drop(s);
        let s = State::open(dir.path()).unwrap();
        assert_eq!(s.last.len(), 2);
    }
}
