//! PDF → text with poppler's `pdftotext -layout`, run as a subprocess.
//!
//! Why a subprocess: measured on the real reports (BENCHMARKS.md, "PDF extractors"),
//! `pdftotext -layout` keeps the CJK text and, from the glyph positions, the rows (by
//! baseline) and the column alignment of the tables; the pure-Rust readers either lose the
//! table rows (lopdf) or merge neighbouring cells (pdf-extract). The bytes go in on stdin, the
//! text comes back on stdout, so nothing touches the file system; the child runs under a
//! virtual-memory limit (`ulimit -v`) and is killed at the per-document time limit, so a
//! pathological file can neither hang the run nor exhaust memory. A machine without
//! `pdftotext` gets an `unreadable` reason naming the Debian package, never a crash.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::ExtractError;

/// How PDF files are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfOptions {
    /// The `pdftotext` program (a name looked up on `PATH`, or a path).
    pub program: String,
    /// Per-document time limit.
    pub timeout: Duration,
    /// Virtual-memory limit of the child process, in MiB.
    pub max_memory_mib: u64,
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions {
            program: "pdftotext".into(),
            timeout: Duration::from_secs(30),
            max_memory_mib: 1024,
        }
    }
}

/// Largest text accepted from one PDF (64 MiB).
const MAX_TEXT: u64 = 64 << 20;

/// Runs `pdftotext -layout` on the bytes; pages are separated by form feeds (`\x0c`).
/// The arguments every run passes to the reader (part of [`reader_identity`]).
const READER_ARGS: &str = "-layout -enc UTF-8 -eol unix -q";

/// What a PDF's reading depends on besides its bytes: the program as found (path, size and
/// modification time of the file), the version it reports and the arguments nianbao passes.
/// The incremental state keys cached readings by it, so another `[pdf] program` or an
/// upgraded poppler re-reads every PDF instead of reusing old readings. When the program
/// cannot be found the identity says so (PDFs are then unreadable and never cached).
pub fn reader_identity(opts: &PdfOptions) -> String {
    let found = if opts.program.contains('/') {
        Some(std::path::PathBuf::from(&opts.program))
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(&opts.program))
                .find(|p| p.is_file())
        })
    };
    let file = found
        .as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            format!("{} bytes, modified {mtime}", m.len())
        })
        .unwrap_or_else(|| "not found".into());
    let version = Command::new(&opts.program)
        .arg("-v")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .ok()
        .map(|o| {
            let mut t = String::from_utf8_lossy(&o.stderr).into_owned();
            t.push_str(&String::from_utf8_lossy(&o.stdout));
            t.lines().next().unwrap_or("").trim().to_owned()
        })
        .unwrap_or_default();
    format!(
        "program={} ({file}); version={version}; args={READER_ARGS}",
        found.map_or_else(|| opts.program.clone(), |p| p.display().to_string())
    )
}

pub(crate) fn to_text(bytes: &[u8], opts: &PdfOptions) -> Result<String, ExtractError> {
    let missing = || ExtractError::ToolMissing {
        tool: "pdftotext",
        package: "poppler-utils",
    };
    // `sh` applies the memory limit, then becomes pdftotext; exit 127 = program not found.
    let script = format!(
        "ulimit -v {} 2>/dev/null; exec \"$0\" {READER_ARGS} - -",
        opts.max_memory_mib * 1024
    );
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script).arg(&opts.program);
    let done = match crate::child::run(cmd, Some(bytes.to_vec()), opts.timeout, MAX_TEXT) {
        Ok(done) => done,
        Err(crate::child::Failed::Timeout) => {
            return Err(ExtractError::Timeout {
                seconds: opts.timeout.as_secs(),
            })
        }
        Err(crate::child::Failed::Start) => return Err(missing()),
    };
    let (status, out, err) = (done.status, done.stdout, done.stderr);
    if status.code() == Some(127) {
        return Err(missing());
    }
    if !status.success() {
        let first = err
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
            .to_owned();
        if first.to_ascii_lowercase().contains("password") {
            return Err(ExtractError::Encrypted);
        }
        let why = if first.is_empty() {
            match status.code() {
                Some(c) => format!("pdftotext exited with status {c}"),
                None => "pdftotext was killed (memory limit reached?)".into(),
            }
        } else {
            format!("pdftotext: {first}")
        };
        return Err(ExtractError::Corrupt {
            format: "PDF",
            reason: why,
        });
    }
    if out.len() as u64 > MAX_TEXT {
        return Err(ExtractError::Refused {
            format: "PDF",
            reason: format!("its text is larger than {MAX_TEXT} bytes"),
        });
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    if text.chars().all(|c| c.is_whitespace() || c == '\x0c') {
        return Err(ExtractError::NoTextLayer);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_that_hangs_is_stopped_at_the_time_limit() {
        use std::os::unix::fs::PermissionsExt;
        let script = std::env::temp_dir().join(format!("nianbao-hang-{}.sh", std::process::id()));
        std::fs::write(&script, "#!/bin/sh\nsleep 30\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let opts = PdfOptions {
            program: script.to_string_lossy().into_owned(),
            timeout: Duration::from_secs(1),
            ..PdfOptions::default()
        };
        let started = std::time::Instant::now();
        let e = to_text(b"%PDF-1.4\n", &opts).unwrap_err();
        std::fs::remove_file(&script).unwrap();
        assert_eq!(e, ExtractError::Timeout { seconds: 1 });
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the child was not killed"
        );
    }

    #[test]
    fn a_missing_program_is_a_clear_reason() {
        let opts = PdfOptions {
            program: "/nonexistent/pdftotext".into(),
            ..PdfOptions::default()
        };
        let e = to_text(b"%PDF-1.4\n", &opts).unwrap_err();
        assert_eq!(
            e.to_string(),
            "PDF files need `pdftotext`, which is not installed: install the Debian package poppler-utils"
        );
    }
}
