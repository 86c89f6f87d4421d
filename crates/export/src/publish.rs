//! Safe publication of a dataset folder: one writer at a time, one atomic rename to switch,
//! and recovery from a run killed at any moment.
//!
//! The output path (`data/out`) is a symbolic link to a complete generation folder
//! (`data/.out.gens/g…`). A run writes into `data/.out.tmp-PID`, moves it to a new generation
//! once every file is closed, points a fresh link at it and renames that link over
//! `data/out` — the one atomic step; readers see the old dataset or the new one, never a mix.
//! Older generations are removed afterwards. A run killed before the rename leaves the previous
//! dataset where it was; the next run removes the leftovers ([`recover`]).
//!
//! A folder from an older nianbao (a real directory at `data/out`) is moved into the
//! generations once; if a run dies in that instant, [`recover`] re-links the newest complete
//! generation.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::ExportError;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_owned(),
        source,
    }
}

/// `parent` and `name` of an output path (`data/out` → `data`, `out`).
pub(crate) fn split(output: &Path) -> (PathBuf, String) {
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    (parent, name)
}

/// A hidden sibling of the output folder: `data/out` + `state` → `data/.out.state`.
pub fn sibling(output: &Path, kind: &str) -> PathBuf {
    let (parent, name) = split(output);
    parent.join(format!(".{name}.{kind}"))
}

fn gens_dir(output: &Path) -> PathBuf {
    sibling(output, "gens")
}

/// An exclusive lock on an output path, held until dropped (or the process dies: the kernel
/// releases it, so a killed run never blocks the next one).
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
    path: PathBuf,
}

impl OutputLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes the lock of `output`, or fails at once when another run holds it.
pub fn lock(output: &Path) -> Result<OutputLock, ExportError> {
    // errors name the output the user chose, not the lock file beside it
    let (parent, _) = split(output);
    std::fs::create_dir_all(&parent).map_err(io(output))?;
    let path = sibling(output, "lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(output))?;
    match file.try_lock() {
        Ok(()) => Ok(OutputLock { _file: file, path }),
        Err(std::fs::TryLockError::WouldBlock) => Err(ExportError::Locked {
            output: output.to_owned(),
            lock: path,
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(io(&path)(e)),
    }
}

/// Removes what killed runs left behind and makes sure `output` points at a complete dataset
/// when one exists. Call with the [`OutputLock`] held. Returns what was cleaned, in words.
pub fn recover(output: &Path, _lock: &OutputLock) -> Result<Vec<String>, ExportError> {
    let (parent, name) = split(output);
    let mut done = Vec::new();
    for e in std::fs::read_dir(&parent).map_err(io(&parent))?.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let leftover = [".tmp-", ".link-", ".old-"]
            .iter()
            .any(|k| n.starts_with(&format!(".{name}{k}")));
        if leftover {
            let p = e.path();
            let removed = if p.is_symlink() || p.is_file() {
                std::fs::remove_file(&p)
            } else {
                std::fs::remove_dir_all(&p)
            };
            if removed.is_ok() {
                done.push(format!(
                    "removed {} left by an interrupted run",
                    p.display()
                ));
            }
        }
    }
    let gens = gens_dir(output);
    let current = std::fs::read_link(output).ok();
    let output_ok = output.is_dir(); // follows the link; false when dangling or missing
    let mut all: Vec<String> = std::fs::read_dir(&gens)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    all.sort();
    if !output_ok {
        if let Some(newest) = all.last() {
            switch(output, newest)?;
            done.push(format!(
                "{} was missing: the previous dataset was restored from {} (build with --full to rebuild it from the documents)",
                output.display(),
                newest
            ));
        }
    }
    // Generations the link does not point at are garbage (complete but unpublished, or old).
    let keep = std::fs::read_link(output)
        .ok()
        .or(current)
        .and_then(|t| t.file_name().map(|n| n.to_string_lossy().into_owned()));
    for g in all {
        if Some(&g) != keep.as_ref() {
            let _ = std::fs::remove_dir_all(gens.join(&g));
        }
    }
    Ok(done)
}

/// Points `output` at generation `gen` with one rename of a fresh link over it.
fn switch(output: &Path, gen: &str) -> Result<(), ExportError> {
    let (_, name) = split(output);
    let link = sibling(output, &format!("link-{}", std::process::id()));
    let _ = std::fs::remove_file(&link);
    let target = PathBuf::from(format!(".{name}.gens")).join(gen);
    std::os::unix::fs::symlink(&target, &link).map_err(io(&link))?;
    std::fs::rename(&link, output).map_err(io(output))?;
    Ok(())
}

fn fault(point: &str) {
    // Test hook: `NIANBAO_TEST_ABORT_AT=point` kills the process there, like `kill -9`.
    if std::env::var("NIANBAO_TEST_ABORT_AT").is_ok_and(|v| v == point) {
        std::process::abort();
    }
}

/// Publishes the finished folder `tmp` as `output`.
pub(crate) fn publish(tmp: &Path, output: &Path) -> Result<(), ExportError> {
    let gens = gens_dir(output);
    std::fs::create_dir_all(&gens).map_err(io(&gens))?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let gen = format!("g{stamp:024}-{}", std::process::id());
    fault("before-publish");
    std::fs::rename(tmp, gens.join(&gen)).map_err(io(&gens))?;
    fault("after-generation");
    if output.exists() && !output.is_symlink() {
        // a dataset folder from before generations: move it aside once
        let legacy = gens.join(format!("g{:024}-legacy", 0));
        std::fs::rename(output, &legacy).map_err(io(output))?;
        fault("after-legacy-move");
    }
    let old = std::fs::read_link(output).ok();
    switch(output, &gen)?;
    fault("after-switch");
    if let Some(old) = old.and_then(|o| o.file_name().map(|n| n.to_owned())) {
        let _ = std::fs::remove_dir_all(gens.join(old));
    }
    let _ = std::fs::remove_dir_all(gens.join(format!("g{:024}-legacy", 0)));
    Ok(())
}
