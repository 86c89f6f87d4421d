//! Scanned PDFs and page images by OCR: text boxes with their positions, laid out as
//! `pdftotext -layout` lays out a text layer, so the same position-based reading applies (rows
//! by baseline, columns by position).
//!
//! The engine runs in Python subprocesses (`ocr_helper.py --serve`, passed with `python -c`),
//! kept alive for the run and reused document after document (the `workers` module): the
//! PP-OCRv4 models inside the PyPI wheel `rapidocr-onnxruntime` (Apache-2.0; nothing is
//! downloaded at run time), chosen by measurement over Tesseract (BENCHMARKS.md, "OCR
//! engines"). Each document has a time limit like `pdftotext`. A number the
//! recogniser is not sure of (confidence below [`OcrOptions::min_confidence`]) is laid out as
//! a blank marker, so that it is never read as a value: the identities may still force it
//! (`inferred`), otherwise it stays null; every box is kept in [`OcrLayer`] for the source
//! locations (`page 3 box x,y,w,h`).

use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::ExtractError;

/// How scanned documents are read.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrOptions {
    /// OCR scanned PDFs and images at all.
    pub enabled: bool,
    /// The Python interpreter that has `rapidocr-onnxruntime`.
    pub python: String,
    /// `rapidocr` (default) or `tesseract` (for comparison).
    pub engine: String,
    /// Rendering resolution of PDF pages.
    pub dpi: u32,
    /// Per-document time limit.
    pub timeout: Duration,
    /// Numbers recognised with a lower confidence are not trusted (0–1).
    pub min_confidence: f32,
    /// poppler's page renderer.
    pub pdftoppm: String,
}

impl Eq for OcrOptions {}

impl Default for OcrOptions {
    fn default() -> Self {
        OcrOptions {
            enabled: true,
            python: "python3".into(),
            engine: "rapidocr".into(),
            dpi: 300,
            timeout: Duration::from_secs(600),
            min_confidence: 0.9,
            pdftoppm: "pdftoppm".into(),
        }
    }
}

/// One recognised text box.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrBox {
    /// 1-based page.
    pub page: u32,
    /// 1-based line of the page in the laid-out text.
    pub line: u32,
    /// Character columns the box occupies in that line (`from..to`).
    pub cols: (u32, u32),
    /// Position in pixels at [`OcrOptions::dpi`]: left, top, width, height.
    pub rect: (u32, u32, u32, u32),
    /// The recognised text.
    pub text: String,
    /// The recogniser's confidence, 0–1.
    pub conf: f32,
    /// A number below the confidence threshold: not kept as a value unless an identity
    /// confirms it.
    pub distrusted: bool,
}

/// What OCR read, beside the laid-out text of the [`crate::Document`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OcrLayer {
    /// Engine and version.
    pub engine: String,
    /// Pages read.
    pub pages: u32,
    /// Every box, by page and line.
    pub boxes: Vec<OcrBox>,
    /// The confidence threshold used.
    pub min_confidence: f32,
}

impl OcrLayer {
    /// The box at a character column of a page's line.
    pub fn box_at(&self, page: u32, line: u32, col: u32) -> Option<&OcrBox> {
        self.boxes
            .iter()
            .find(|b| b.page == page && b.line == line && b.cols.0 <= col && col < b.cols.1)
    }
}

const HELPER: &str = include_str!("ocr_helper.py");

/// The engine as installed (`rapidocr-onnxruntime 1.4.4, onnxruntime 1.32.0`), or why it
/// cannot run. Asked once per interpreter and engine.
pub fn engine_identity(opts: &OcrOptions) -> Result<String, String> {
    /// (interpreter, engine) → what it said.
    type Seen = Vec<((String, String), Result<String, String>)>;
    static SEEN: OnceLock<Mutex<Seen>> = OnceLock::new();
    let key = (opts.python.clone(), opts.engine.clone());
    let seen = SEEN.get_or_init(|| Mutex::new(Vec::new()));
    if let Some((_, r)) = seen
        .lock()
        .ok()
        .and_then(|s| s.iter().find(|(k, _)| *k == key).cloned())
    {
        return r;
    }
    let probe = if opts.engine == "tesseract" {
        "import subprocess; v = subprocess.run(['tesseract', '--version'], capture_output=True, text=True).stdout.split()[1]; print('tesseract ' + v)"
    } else {
        "import importlib.metadata as m; import rapidocr_onnxruntime, PIL; print('rapidocr-onnxruntime ' + m.version('rapidocr-onnxruntime') + ', onnxruntime ' + m.version('onnxruntime'))"
    };
    let r = match Command::new(&opts.python)
        .args(["-c", probe])
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_owned()),
        Ok(_) if opts.engine == "tesseract" => {
            Err("install the Debian packages tesseract-ocr and tesseract-ocr-chi-sim".into())
        }
        Ok(_) => Err(format!(
            "install the OCR engine: {} -m pip install rapidocr-onnxruntime",
            opts.python
        )),
        Err(_) => Err(format!(
            "install Python 3 ({} was not found) and then: pip install rapidocr-onnxruntime",
            opts.python
        )),
    };
    if let Ok(mut s) = seen.lock() {
        s.push((key, r.clone()));
    }
    r
}

/// A recognised box as the helper prints it.
#[derive(Debug, serde::Deserialize)]
struct Item {
    page: u32,
    #[serde(default)]
    x: Option<f64>,
    #[serde(default)]
    y: f64,
    #[serde(default)]
    w: f64,
    #[serde(default)]
    h: f64,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    conf: f32,
}

/// Runs the engine on a document (scanned PDF or image bytes) and lays its boxes out as text.
pub(crate) fn read(bytes: &[u8], opts: &OcrOptions) -> Result<(String, OcrLayer), ExtractError> {
    let engine = engine_identity(opts).map_err(|why| ExtractError::OcrUnavailable { why })?;
    let mut file = tempfile::NamedTempFile::new().map_err(|e| ExtractError::Corrupt {
        format: "scan",
        reason: format!("cannot create a temporary file for OCR: {e}"),
    })?;
    std::io::Write::write_all(&mut file, bytes).map_err(|e| ExtractError::Corrupt {
        format: "scan",
        reason: format!("cannot write a temporary file for OCR: {e}"),
    })?;
    let items = workers::ask(opts, file.path())?;
    let (text, mut layer) = lay_out(&items, opts.min_confidence, false);
    layer.engine = engine;
    if layer.boxes.is_empty() {
        return Err(ExtractError::OcrFoundNothing { pages: layer.pages });
    }
    Ok((text, layer))
}

/// OCR workers kept alive for the run: starting Python and loading the models costs more than
/// reading a page, so each worker (`ocr_helper.py --serve`) reads one document after another,
/// a file path per request on its stdin, and answers with its boxes and a `done` line. Workers
/// are made on demand (at most one per thread reading a scan at the same time: one per core)
/// and returned to the pool after each document. A worker that overruns the time limit is
/// killed with its process group; one that dies is replaced; a document that fails inside a
/// worker (`{"done": true, "error": …}`) leaves the worker to the next. Workers end when the
/// run's process does: their stdin closes.
mod workers {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::os::unix::process::CommandExt;
    use std::path::Path;
    use std::process::{Child, ChildStdin, Command, Stdio};
    use std::sync::mpsc::{Receiver, RecvTimeoutError};
    use std::sync::{Arc, Mutex, OnceLock};
    use std::time::Instant;

    use super::{Item, OcrOptions, HELPER};
    use crate::ExtractError;

    /// Most output a document may produce (boxes as JSON lines).
    const MAX_OUTPUT: usize = 64 << 20;

    struct Worker {
        key: String,
        child: Child,
        stdin: ChildStdin,
        lines: Receiver<String>,
        stderr: Arc<Mutex<String>>,
    }

    impl Worker {
        fn kill(mut self) {
            // the whole group: pdftoppm started by the worker keeps the pipes open otherwise
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", self.child.id())])
                .stderr(Stdio::null())
                .status();
            let _ = self.child.kill();
            let _ = self.child.wait();
        }

        fn last_error(&self) -> String {
            self.stderr
                .lock()
                .map(|e| {
                    e.lines()
                        .rev()
                        .map(str::trim)
                        .find(|l| !l.is_empty())
                        .unwrap_or("no message")
                        .to_owned()
                })
                .unwrap_or_else(|_| "no message".into())
        }
    }

    fn pool() -> &'static Mutex<Vec<Worker>> {
        static POOL: OnceLock<Mutex<Vec<Worker>>> = OnceLock::new();
        POOL.get_or_init(|| Mutex::new(Vec::new()))
    }

    fn key(opts: &OcrOptions) -> String {
        format!(
            "{}\0{}\0{}\0{}",
            opts.python, opts.engine, opts.dpi, opts.pdftoppm
        )
    }

    fn spawn(opts: &OcrOptions) -> Result<Worker, ExtractError> {
        let mut child = Command::new(&opts.python)
            .arg("-c")
            .arg(HELPER)
            .arg("--serve")
            .arg(&opts.engine)
            .arg(opts.dpi.to_string())
            .arg(&opts.pdftoppm)
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ExtractError::OcrUnavailable {
                why: format!("cannot run {}: {e}", opts.python),
            })?;
        let (stdin, stdout, mut stderr) =
            match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                (Some(i), Some(o), Some(e)) => (i, o, e),
                _ => {
                    let _ = child.kill();
                    return Err(ExtractError::OcrUnavailable {
                        why: "the OCR helper's pipes could not be opened".into(),
                    });
                }
            };
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => {
                        if tx.send(l).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        });
        let err = Arc::new(Mutex::new(String::new()));
        let err2 = err.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut e) = err2.lock() {
                    e.push_str(&String::from_utf8_lossy(&buf[..n]));
                    // the last 64 KiB are enough to say what went wrong
                    if e.len() > 64 << 10 {
                        let cut = e.len() - (32 << 10);
                        let cut = (cut..e.len()).find(|&i| e.is_char_boundary(i)).unwrap_or(0);
                        e.replace_range(..cut, "");
                    }
                }
            }
        });
        Ok(Worker {
            key: key(opts),
            child,
            stdin,
            lines,
            stderr: err,
        })
    }

    /// The boxes of the document at `path`, from a worker of the pool.
    pub(super) fn ask(opts: &OcrOptions, path: &Path) -> Result<Vec<Item>, ExtractError> {
        let k = key(opts);
        let idle = pool().lock().ok().and_then(|mut p| {
            let i = p.iter().position(|w| w.key == k)?;
            Some(p.swap_remove(i))
        });
        let mut w = match idle {
            Some(w) => w,
            None => spawn(opts)?,
        };
        let request = format!("{}\n", path.display());
        if w.stdin
            .write_all(request.as_bytes())
            .and_then(|()| w.stdin.flush())
            .is_err()
        {
            // a worker that died while idle: one new try
            w.kill();
            w = spawn(opts)?;
            if w.stdin
                .write_all(request.as_bytes())
                .and_then(|()| w.stdin.flush())
                .is_err()
            {
                let why = w.last_error();
                w.kill();
                return Err(ExtractError::Corrupt {
                    format: "scan",
                    reason: format!("OCR failed: {why}"),
                });
            }
        }
        let deadline = Instant::now() + opts.timeout;
        let mut items = Vec::new();
        let mut size = 0usize;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match w.lines.recv_timeout(left) {
                Ok(line) => {
                    size += line.len();
                    if size > MAX_OUTPUT {
                        w.kill();
                        return Err(ExtractError::Refused {
                            format: "scan",
                            reason: format!("OCR produced more than {MAX_OUTPUT} bytes of boxes"),
                        });
                    }
                    if line.starts_with("{\"done\"") {
                        let done: serde_json::Value =
                            serde_json::from_str(&line).unwrap_or_default();
                        let error = done["error"].as_str().map(str::to_owned);
                        if let Ok(mut p) = pool().lock() {
                            p.push(w);
                        }
                        return match error {
                            None => Ok(items),
                            Some(e) => Err(ExtractError::Corrupt {
                                format: "scan",
                                reason: format!("OCR failed: {e}"),
                            }),
                        };
                    }
                    if let Ok(it) = serde_json::from_str::<Item>(&line) {
                        items.push(it);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    w.kill();
                    return Err(ExtractError::Timeout {
                        seconds: opts.timeout.as_secs(),
                    });
                }
                Err(RecvTimeoutError::Disconnected) => {
                    // give its stderr reader a moment to take the last words
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    let why = w.last_error();
                    w.kill();
                    return Err(ExtractError::Corrupt {
                        format: "scan",
                        reason: format!("OCR failed: {why}"),
                    });
                }
            }
        }
    }
}

/// A text box placed by a reader that knows its text for certain (an OFD's text objects):
/// page, left, top, width, height (in any one unit), text.
pub(crate) struct Placed {
    pub page: u32,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub text: String,
}

/// Lays placed boxes out as [`lay_out`] lays out what OCR recognised (every box trusted).
pub(crate) fn lay_out_placed(boxes: &[Placed]) -> String {
    let items: Vec<Item> = boxes
        .iter()
        .map(|b| Item {
            page: b.page,
            x: Some(b.x),
            y: b.y,
            w: b.w,
            h: b.h,
            text: Some(b.text.clone()),
            conf: 1.0,
        })
        .collect();
    lay_out(&items, 0.0, true).0
}

/// Whether a recognised text is a number (a cell value, not a label).
fn is_number(t: &str) -> bool {
    let t = t.trim();
    !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '－' | '—'))
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Lays boxes out as `pdftotext -layout` lays out a text layer: pages separated by form
/// feeds, a line per baseline, each box at the column of its left edge (in units of a digit's
/// width), at least two spaces between boxes. Numbers below the confidence threshold are
/// marked `distrusted`. With `gaps`, a vertical gap of more than two lines' height is an
/// empty line, as `pdftotext -layout` writes it (a page's footer is not the last row's
/// continuation).
fn lay_out(items: &[Item], min_confidence: f32, gaps: bool) -> (String, OcrLayer) {
    let mut layer = OcrLayer {
        min_confidence,
        ..OcrLayer::default()
    };
    let mut text = String::new();
    let pages: u32 = items.iter().map(|i| i.page).max().unwrap_or(0);
    layer.pages = pages;
    for page in 1..=pages {
        if page > 1 {
            text.push('\x0c');
        }
        let mut boxes: Vec<&Item> = items
            .iter()
            .filter(|i| i.page == page && i.x.is_some() && i.text.is_some())
            .collect();
        let h = median(boxes.iter().map(|b| b.h).collect()).unwrap_or(40.0);
        // a digit's width: from the numbers' boxes, else half a line's height
        let unit = median(
            boxes
                .iter()
                .filter(|b| is_number(b.text.as_deref().unwrap_or("")))
                .map(|b| b.w / b.text.as_deref().unwrap_or("").chars().count().max(1) as f64)
                .collect(),
        )
        .unwrap_or(h / 2.0)
        .max(1.0);
        let left = boxes
            .iter()
            .filter_map(|b| b.x)
            .fold(f64::INFINITY, f64::min);
        boxes.sort_by(|a, b| (a.y + a.h / 2.0).total_cmp(&(b.y + b.h / 2.0)));
        // rows by vertical centre
        let mut rows: Vec<Vec<&Item>> = Vec::new();
        for b in boxes {
            let c = b.y + b.h / 2.0;
            match rows.last_mut() {
                Some(r)
                    if {
                        let rc = r.iter().map(|x| x.y + x.h / 2.0).sum::<f64>() / r.len() as f64;
                        (c - rc).abs() < 0.5 * h
                    } =>
                {
                    r.push(b)
                }
                _ => rows.push(vec![b]),
            }
        }
        let mut n = 0usize;
        let mut last_centre: Option<f64> = None;
        for mut row in rows {
            let centre = row.iter().map(|x| x.y + x.h / 2.0).sum::<f64>() / row.len() as f64;
            if gaps && last_centre.is_some_and(|c| centre - c > 2.0 * h) {
                text.push('\n');
                n += 1;
            }
            last_centre = Some(centre);
            row.sort_by(|a, b| a.x.unwrap_or(0.0).total_cmp(&b.x.unwrap_or(0.0)));
            let mut line = String::new();
            let mut width = 0u32;
            for b in row {
                let raw = b.text.as_deref().unwrap_or("").trim();
                let distrusted = is_number(raw) && b.conf < min_confidence;
                let shown = raw;
                let col = ((b.x.unwrap_or(0.0) - left) / unit).round().max(0.0) as u32;
                let start = if width == 0 && col == 0 {
                    0
                } else {
                    col.max(width + 2)
                };
                while width < start {
                    line.push(' ');
                    width += 1;
                }
                let len = shown.chars().count() as u32;
                line.push_str(shown);
                layer.boxes.push(OcrBox {
                    page,
                    line: n as u32 + 1,
                    cols: (start, start + len),
                    rect: (
                        b.x.unwrap_or(0.0).max(0.0) as u32,
                        b.y.max(0.0) as u32,
                        b.w.max(0.0) as u32,
                        b.h.max(0.0) as u32,
                    ),
                    text: raw.to_owned(),
                    conf: b.conf,
                    distrusted,
                });
                width = start + len;
            }
            text.push_str(&line);
            text.push('\n');
            n += 1;
        }
    }
    (text, layer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The worker protocol with a stand-in interpreter (a shell script that answers as the
    /// helper does): one worker serves document after document, a document that fails leaves
    /// it to the next, one over the time limit is killed and replaced.
    #[test]
    fn workers_are_reused_and_replaced_when_they_overrun() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let spawns = dir.path().join("spawns");
        let script = dir.path().join("fake-python");
        std::fs::write(
            &script,
            format!(
                r#"#!/bin/sh
echo x >> {}
while read -r path; do
  case "$path" in
    *bad*) echo '{{"done": true, "error": "ValueError: bad page"}}' ;;
    *slow*) sleep 30 ;;
    *) echo '{{"page": 1, "width": 100, "height": 100}}'
       echo '{{"page": 1, "x": 5, "y": 5, "w": 20, "h": 10, "text": "12", "conf": 0.99}}'
       echo '{{"done": true}}' ;;
  esac
done
"#,
                spawns.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let opts = OcrOptions {
            python: script.display().to_string(),
            timeout: Duration::from_secs(2),
            ..OcrOptions::default()
        };
        let n = || std::fs::read_to_string(&spawns).map_or(0, |s| s.lines().count());
        let ok = workers::ask(&opts, Path::new("/tmp/a.png")).unwrap();
        assert_eq!(ok.len(), 2);
        let bad = workers::ask(&opts, Path::new("/tmp/bad.png")).unwrap_err();
        assert!(bad.to_string().contains("ValueError: bad page"), "{bad}");
        assert_eq!(
            workers::ask(&opts, Path::new("/tmp/b.png")).unwrap().len(),
            2
        );
        assert_eq!(n(), 1, "one worker for three documents");
        let slow = workers::ask(&opts, Path::new("/tmp/slow.png")).unwrap_err();
        assert!(
            matches!(slow, ExtractError::Timeout { seconds: 2 }),
            "{slow}"
        );
        assert_eq!(
            workers::ask(&opts, Path::new("/tmp/c.png")).unwrap().len(),
            2
        );
        assert_eq!(n(), 2, "the overrunning worker was replaced");
    }

    fn item(page: u32, x: f64, y: f64, w: f64, text: &str, conf: f32) -> Item {
        Item {
            page,
            x: Some(x),
            y,
            w,
            h: 40.0,
            text: Some(text.into()),
            conf,
        }
    }

    #[test]
    fn boxes_are_laid_out_by_row_and_column_and_unsure_numbers_are_blanks() {
        let items = vec![
            Item {
                page: 1,
                x: None,
                y: 0.0,
                w: 0.0,
                h: 0.0,
                text: None,
                conf: 0.0,
            },
            item(1, 200.0, 100.0, 280.0, "行政规范性文件", 0.99),
            item(1, 780.0, 104.0, 24.0, "0", 0.95),
            item(1, 1046.0, 98.0, 22.0, "5", 0.6),
            item(1, 1290.0, 102.0, 48.0, "12", 0.97),
            item(1, 200.0, 200.0, 120.0, "行政许可", 0.99),
            item(1, 1010.0, 203.0, 66.0, "550", 1.0),
            item(2, 300.0, 100.0, 300.0, "四、政府信息公开行政复议", 0.99),
        ];
        let (text, layer) = lay_out(&items, 0.9, false);
        let lines: Vec<&str> = text.split(['\n', '\x0c']).collect();
        assert!(lines[0].starts_with("行政规范性文件"), "{text}");
        let cells: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!(cells, ["行政规范性文件", "0", "5", "12"]);
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            ["行政许可", "550"]
        );
        assert!(text.contains('\x0c'));
        assert_eq!(layer.pages, 2);
        // the box at a column: the unsure 5 keeps its text and confidence
        let five = layer.boxes.iter().find(|b| b.text == "5").unwrap();
        assert!(five.distrusted);
        assert_eq!(layer.box_at(1, 1, five.cols.0).map(|b| b.conf), Some(0.6));
        // the numbers keep their left-to-right order and column spacing
        let zero = layer.boxes.iter().find(|b| b.text == "0").unwrap();
        let fifty = layer.boxes.iter().find(|b| b.text == "550").unwrap();
        assert!(zero.cols.0 < five.cols.0 && five.cols.0 < fifty.cols.0 + 20);
    }
}
