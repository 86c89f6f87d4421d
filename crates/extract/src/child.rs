//! A helper program run as a child process with a time limit: its own process group (so a
//! time-out kills everything it started), stdin written and stdout/stderr read on threads (so
//! neither pipe can fill up and stall it), stdout capped.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What the child left.
pub(crate) struct Finished {
    /// Its exit status.
    pub status: ExitStatus,
    /// Its standard output, at most the cap and one byte more.
    pub stdout: Vec<u8>,
    /// Its standard error (64 KiB at most), lossily decoded.
    pub stderr: String,
}

/// Why the child gave no result.
pub(crate) enum Failed {
    /// It could not be started (or waited for).
    Start,
    /// It was still running at the time limit, and was killed with its process group.
    Timeout,
}

/// Runs `cmd` with `input` on its stdin (none: stdin is empty), killing it at `timeout`;
/// keeps at most `max_out` + 1 bytes of its stdout.
pub(crate) fn run(
    mut cmd: Command,
    input: Option<Vec<u8>>,
    timeout: Duration,
    max_out: u64,
) -> Result<Finished, Failed> {
    let mut child = cmd
        .process_group(0)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|_| Failed::Start)?;
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let (Some(s), Some(bytes)) = (stdin.as_mut(), input) {
            // A child that exits early closes the pipe; that is reported by its exit status.
            let _ = s.write_all(&bytes);
        }
    });
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(max_out + 1).read_to_end(&mut out);
        }
        out
    });
    let mut stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(64 << 10).read_to_end(&mut out);
        }
        out
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                // the whole group: a helper's own children would keep the pipes open
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .stderr(Stdio::null())
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                // the pipe threads end when the last writer is gone; they are not waited for
                drop((writer, reader, err_reader));
                return Err(Failed::Timeout);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => return Err(Failed::Start),
        }
    };
    let _ = writer.join();
    let stdout = reader.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    Ok(Finished {
        status,
        stdout,
        stderr,
    })
}
