//! Safe publication of a dataset folder: nothing the user owns is touched, one writer at a
//! time, one atomic exchange to switch, and recovery from a run killed at any moment.
//!
//! The output path (`data/out`) is a real directory holding a complete dataset, so `cp -r`,
//! `tar` and `zip` of it are complete datasets. A run writes into the hidden sibling
//! `data/.out.tmp-PID` (marked as a partial dataset of ours while it is written) and, once
//! every file is closed, exchanges it with `data/out` in one step (`renameat2` with
//! `RENAME_EXCHANGE` on Linux, `renamex_np` with `RENAME_SWAP` on macOS): readers see the old
//! dataset or the new one, never a mix, and a kill at any moment leaves one of them whole at
//! `data/out`. The previous dataset, now at the temporary name, is then removed.
//!
//! Where the file system cannot exchange two folders, the least risky sequence is used instead
//! ([`Publication::TwoRenames`], said in the run's summary): the old dataset is renamed aside
//! (`data/.out.old-PID`), the new one into place, the old one removed. A run killed between the
//! two renames leaves no dataset at `data/out` for an instant; the next run puts the old one
//! back ([`recover`]).
//!
//! **What is never touched.** [`check_output`] refuses, before a run reads anything, an output
//! path that is a file, a symbolic link of the user's, or a folder holding anything but a
//! dataset nianbao wrote (every file listed in its `manifest.json`). Leftovers of killed runs
//! are removed only when they are provably ours (the partial marker, or our manifest);
//! anything else with a similar name is left alone and said so. The lock file is created
//! empty and never written, truncated or removed; a lock path holding anything else is
//! refused.
//!
//! Datasets published by older versions of nianbao (the output a symbolic link into
//! `data/.out.gens/`) are replaced like any dataset of ours; the generations folder is
//! emptied of our generations and removed when empty.

use std::fs::File;
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::ExportError;

/// The file that marks a folder as a dataset nianbao is still writing (removed just before
/// publication).
pub const PARTIAL_MARKER: &str = ".nianbao-partial";

/// Files a folder manager may drop into any folder a user looks at; they are not the user's
/// work and do not make a dataset folder foreign.
const SYSTEM_FILES: [&str; 3] = [".DS_Store", "Thumbs.db", "desktop.ini"];

/// The files of a dataset that are not tables, in datasets whose manifest predates the
/// manifest's `files` list.
const LEGACY_FILES: [&str; 3] = ["manifest.json", "DATA_DICTIONARY.md", "summary.html"];

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

/// How a run put its dataset in place (the summary says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publication {
    /// Nothing was at the output path (or an empty folder): one rename.
    Rename,
    /// The previous dataset and the new one exchanged in one atomic step.
    Exchange,
    /// The file system cannot exchange folders: the previous dataset was renamed aside, then
    /// the new one into place (a run killed in between is repaired by the next run).
    TwoRenames,
}

impl Publication {
    /// The word the run's summary uses (`publication`).
    pub fn as_str(self) -> &'static str {
        match self {
            Publication::Rename => "rename",
            Publication::Exchange => "exchange",
            Publication::TwoRenames => "two-renames",
        }
    }
}

/// What the output path holds (see [`check_output`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    /// Nothing: the first run.
    Nothing,
    /// An empty folder.
    Empty,
    /// A dataset nianbao wrote, and nothing else.
    Dataset,
    /// A symbolic link into `.NAME.gens/`, as nianbao published datasets before (the target
    /// may be missing: [`recover`] restores the newest generation).
    LegacyLink,
}

/// The parts of `manifest.json` that say whose a folder is, read without keeping the rest
/// (the `inputs` list of a large corpus is long).
#[derive(serde::Deserialize)]
struct ManifestHead {
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    generation: Option<String>,
    #[serde(default)]
    outputs: Vec<OutputEntry>,
    #[serde(default)]
    files: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct OutputEntry {
    #[serde(default)]
    file: Option<String>,
}

fn manifest_head(dir: &Path) -> Option<ManifestHead> {
    use std::io::BufRead;
    let path = dir.join("manifest.json");
    // The `inputs` list (one line per document, written last) is not needed: read up to it.
    let mut text = String::new();
    let mut r = std::io::BufReader::new(File::open(&path).ok()?);
    let mut line = String::new();
    let mut cut = false;
    while r.read_line(&mut line).ok()? > 0 {
        if line.starts_with("  \"inputs\": [") {
            cut = true;
            break;
        }
        text.push_str(&line);
        line.clear();
    }
    // (a list written last follows `outputs`; were `inputs` a member of the JSON object
    // itself, it would come before `outputs`, and the whole file is read instead)
    let parsed = if cut {
        let head = text.trim_end().trim_end_matches(',');
        serde_json::from_str::<ManifestHead>(&format!("{head}\n}}"))
            .ok()
            .filter(|h| !h.outputs.is_empty())
    } else {
        None
    };
    let head = match parsed {
        Some(h) => h,
        None => serde_json::from_reader(std::io::BufReader::new(File::open(&path).ok()?)).ok()?,
    };
    (head.tool.as_deref() == Some("nianbao")).then_some(head)
}

/// The generation of the dataset at `output` (a name unique to the run that wrote it, in its
/// manifest); `None` when there is none or it was written before generations were recorded.
pub fn generation(output: &Path) -> Option<String> {
    if std::fs::symlink_metadata(output).ok()?.is_symlink() {
        return None;
    }
    manifest_head(output)?.generation
}

/// Whether a leftover folder or link beside the output is provably ours: a partial dataset
/// (the marker), a complete one (our manifest), or a link into our generations.
pub(crate) fn is_ours(path: &Path, name: &str) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if meta.is_symlink() {
        return legacy_target(path, name).is_some();
    }
    meta.is_dir() && (path.join(PARTIAL_MARKER).is_file() || manifest_head(path).is_some())
}

/// The generation a legacy link `output` points at (`.NAME.gens/G` → `G`).
fn legacy_target(link: &Path, name: &str) -> Option<String> {
    let target = std::fs::read_link(link).ok()?;
    let mut parts = target.components();
    let gens = format!(".{name}.gens");
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Component::Normal(g)), Some(Component::Normal(gen)), None) if g == gens.as_str() => {
            Some(gen.to_string_lossy().into_owned())
        }
        _ => None,
    }
}

/// Files under `dir` (paths relative to it, `/`-separated) that the manifest of the dataset
/// there does not list; at most `limit` of them.
fn foreign_files(dir: &Path, head: &ManifestHead, limit: usize) -> Vec<String> {
    let mut known: std::collections::HashSet<String> =
        head.outputs.iter().filter_map(|o| o.file.clone()).collect();
    known.insert("manifest.json".into());
    match &head.files {
        Some(files) => known.extend(files.iter().cloned()),
        None => known.extend(LEGACY_FILES.iter().map(|f| (*f).to_owned())),
    }
    match files_under(dir) {
        Ok(files) => files
            .into_iter()
            .filter(|r| {
                let name = r.rsplit('/').next().unwrap_or(r);
                !known.contains(r) && !SYSTEM_FILES.contains(&name)
            })
            .take(limit)
            .collect(),
        // a folder that cannot be listed cannot be shown to hold only what nianbao wrote
        Err(e) => vec![format!("(a folder that cannot be listed: {e})")],
    }
}

/// Every file under `dir` (not folders), as paths relative to it with `/`, sorted.
pub(crate) fn files_under(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut stack = vec![(dir.to_owned(), String::new())];
    while let Some((d, rel)) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            let n = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                n
            } else {
                format!("{rel}/{n}")
            };
            if e.file_type()?.is_dir() {
                stack.push((e.path(), r));
            } else {
                found.push(r);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Checks that a run may replace what is at `output`, touching nothing: nothing there, an
/// empty folder, a dataset nianbao wrote (every file in it listed by its manifest), or a
/// link of the older publication scheme. Anything else is refused with what to do.
pub fn check_output(output: &Path) -> Result<Existing, ExportError> {
    let refuse = |why: String| ExportError::NotOurs {
        output: output.to_owned(),
        why,
    };
    let meta = match std::fs::symlink_metadata(output) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::Nothing),
        Err(e) => return Err(io(output)(e)),
    };
    let (_, name) = split(output);
    if meta.is_symlink() {
        if legacy_target(output, &name).is_some() {
            return Ok(Existing::LegacyLink);
        }
        let to = std::fs::read_link(output)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        return Err(refuse(format!(
            "it is a symbolic link (to {to}); give the folder it points to as the output"
        )));
    }
    if !meta.is_dir() {
        return Err(refuse(
            "it is a file, not a folder; choose a folder for the dataset".into(),
        ));
    }
    let mut entries = std::fs::read_dir(output).map_err(io(output))?.flatten();
    let Some(first) = entries.next() else {
        return Ok(Existing::Empty);
    };
    let Some(head) = manifest_head(output) else {
        let mut names: Vec<String> = std::iter::once(first)
            .chain(entries.take(3))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        return Err(refuse(format!(
            "it holds files ({}) and no dataset written by nianbao; choose another output folder, or empty this one",
            names.join(", ")
        )));
    };
    let foreign = foreign_files(output, &head, 4);
    if !foreign.is_empty() {
        let more = if foreign.len() > 3 { ", …" } else { "" };
        return Err(refuse(format!(
            "it holds a nianbao dataset and files nianbao did not write ({}{more}); move them out of it, or choose another output folder",
            foreign[..foreign.len().min(3)].join(", ")
        )));
    }
    Ok(Existing::Dataset)
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

/// Takes the lock of `output` (the empty file `.NAME.lock` beside it, created if missing and
/// never written or removed), or fails at once when another run holds it. A lock path that
/// holds anything but an empty file is someone else's: refused, untouched.
pub fn lock(output: &Path) -> Result<OutputLock, ExportError> {
    // errors name the output the user chose, not the lock file beside it
    let (parent, _) = split(output);
    std::fs::create_dir_all(&parent).map_err(io(output))?;
    let path = sibling(output, "lock");
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        if !meta.is_file() || meta.len() > 0 {
            let what = if meta.is_symlink() {
                "a symbolic link"
            } else if meta.is_dir() {
                "a folder"
            } else {
                "a file with contents"
            };
            return Err(ExportError::LockNotOurs {
                output: output.to_owned(),
                lock: path,
                what,
            });
        }
    }
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

/// Removes a file, a link or a folder; a folder's `manifest.json` last, so that a run killed
/// while removing a dataset leaves a folder still provably ours ([`is_ours`]), which the next
/// run removes (without the manifest it would be left alone, as not nianbao's).
fn remove_any(p: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(p)?;
    if !meta.is_dir() {
        return std::fs::remove_file(p);
    }
    for e in std::fs::read_dir(p)? {
        let e = e?;
        if e.file_name() != "manifest.json" {
            let path = e.path();
            if std::fs::symlink_metadata(&path)?.is_dir() {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        }
    }
    match std::fs::remove_file(p.join("manifest.json")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::remove_dir(p)
}

/// Removes what killed runs left behind (only what is provably ours) and makes sure `output`
/// holds a complete dataset when one exists: a dataset renamed aside by a killed run is put
/// back, and a dangling link of the older scheme is replaced by its newest generation. Call
/// with the [`OutputLock`] held. Returns what was done, in words.
pub fn recover(output: &Path, _lock: &OutputLock) -> Result<Vec<String>, ExportError> {
    let (parent, name) = split(output);
    let mut done = Vec::new();
    let mut leftovers: Vec<(PathBuf, String)> = std::fs::read_dir(&parent)
        .map_err(io(&parent))?
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            [".tmp-", ".link-", ".old-"]
                .iter()
                .any(|k| n.starts_with(&format!(".{name}{k}")))
                .then(|| (e.path(), n))
        })
        .collect();
    leftovers.sort_by(|a, b| a.1.cmp(&b.1));
    let present = std::fs::symlink_metadata(output).is_ok();
    let dangling = present && !output.is_dir();
    let dangling_legacy = dangling && legacy_target(output, &name).is_some();
    if !present || dangling_legacy {
        // a dataset renamed aside by a run killed before the new one was in place
        let aside = leftovers.iter().position(|(p, n)| {
            n.starts_with(&format!(".{name}.old-")) && p.is_dir() && manifest_head(p).is_some()
        });
        let newest_gen = || {
            let gens = gens_dir(output);
            let mut all: Vec<PathBuf> = std::fs::read_dir(&gens)
                .ok()?
                .flatten()
                .map(|e| e.path())
                .filter(|p| manifest_head(p).is_some())
                .collect();
            all.sort();
            all.pop()
        };
        let restore = aside.map(|i| leftovers.remove(i).0).or_else(newest_gen);
        if let Some(from) = restore {
            if dangling_legacy {
                std::fs::remove_file(output).map_err(io(output))?;
            }
            std::fs::rename(&from, output).map_err(io(output))?;
            done.push(format!(
                "{} was missing: the previous dataset was put back from {} (build with --full to rebuild it from the documents)",
                output.display(),
                from.display()
            ));
        }
    }
    for (p, _) in leftovers {
        if is_ours(&p, &name) {
            if remove_any(&p).is_ok() {
                done.push(format!(
                    "removed {} left by an interrupted run",
                    p.display()
                ));
            }
        } else {
            done.push(format!(
                "left {} alone: its name is like nianbao's temporary folders, but nianbao did not write it",
                p.display()
            ));
        }
    }
    // Generations of the older scheme that the output does not link to are ours and unused.
    let keep = legacy_target(output, &name);
    clean_generations(output, keep.as_deref());
    Ok(done)
}

/// Removes the generations of the older publication scheme (every one but `keep`) that are
/// ours, then the generations folder if it is empty.
fn clean_generations(output: &Path, keep: Option<&str>) {
    let gens = gens_dir(output);
    let Ok(rd) = std::fs::read_dir(&gens) else {
        return;
    };
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let p = e.path();
        let empty = std::fs::read_dir(&p).is_ok_and(|mut d| d.next().is_none());
        let ours = manifest_head(&p).is_some() || p.join(PARTIAL_MARKER).is_file() || empty;
        if Some(n.as_str()) != keep && ours && p.is_dir() {
            let _ = std::fs::remove_dir_all(&p);
        }
    }
    let _ = std::fs::remove_dir(&gens);
}

/// Fault injection (feature `fault-injection`, on in test builds only):
/// `NIANBAO_TEST_ABORT_AT=point` kills the process at that point of publication, like
/// `kill -9`; `NIANBAO_TEST_NO_EXCHANGE` behaves as a file system that cannot exchange.
#[cfg(any(test, feature = "fault-injection"))]
mod hooks {
    pub(super) fn fault(point: &str) {
        if std::env::var("NIANBAO_TEST_ABORT_AT").is_ok_and(|v| v == point) {
            std::process::abort();
        }
    }

    pub(super) fn no_exchange() -> bool {
        std::env::var_os("NIANBAO_TEST_NO_EXCHANGE").is_some()
    }
}

/// Without fault injection (every build a user runs), the hooks are nothing.
#[cfg(not(any(test, feature = "fault-injection")))]
mod hooks {
    pub(super) fn fault(_point: &str) {}

    pub(super) fn no_exchange() -> bool {
        false
    }
}

use hooks::fault;

/// A name unique to one run's dataset (recorded in its manifest as `generation`).
pub(crate) fn new_generation() -> String {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("g{stamp:024}-{}", std::process::id())
}

/// Exchanges two paths in one atomic step; `Ok(false)` when the file system or the system
/// cannot (then nothing happened).
fn exchange(a: &Path, b: &Path) -> Result<bool, ExportError> {
    if hooks::no_exchange() {
        return Ok(false);
    }
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(true),
            Err(e)
                if e == rustix::io::Errno::INVAL
                    || e == rustix::io::Errno::NOSYS
                    || e == rustix::io::Errno::NOTSUP
                    || e == rustix::io::Errno::OPNOTSUPP =>
            {
                Ok(false)
            }
            Err(e) => Err(io(b)(e.into())),
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
    {
        let _ = (a, b);
        Ok(false)
    }
}

/// Publishes the finished folder `tmp` as `output`, checking once more (under the lock) that
/// what is there may be replaced.
pub(crate) fn publish(tmp: &Path, output: &Path) -> Result<Publication, ExportError> {
    fault("before-publish");
    let existing = match check_output(output) {
        Ok(e) => e,
        Err(e) => {
            // the new dataset is ours to drop; what is at the output is not ours to touch
            let _ = std::fs::remove_dir_all(tmp);
            return Err(e);
        }
    };
    let publication = match existing {
        Existing::Nothing | Existing::Empty => {
            // (rename replaces an empty folder in one step)
            std::fs::rename(tmp, output).map_err(io(output))?;
            Publication::Rename
        }
        Existing::Dataset | Existing::LegacyLink => {
            if exchange(tmp, output)? {
                fault("after-exchange");
                // `tmp` now holds the previous dataset (or the older scheme's link)
                let _ = remove_any(tmp);
                Publication::Exchange
            } else {
                let aside = sibling(output, &format!("old-{}", std::process::id()));
                std::fs::rename(output, &aside).map_err(io(output))?;
                fault("after-move-aside");
                std::fs::rename(tmp, output).map_err(io(output))?;
                fault("after-two-renames");
                let _ = remove_any(&aside);
                Publication::TwoRenames
            }
        }
    };
    if existing == Existing::LegacyLink || gens_dir(output).exists() {
        clean_generations(output, None);
    }
    Ok(publication)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dataset partly removed (a run killed while removing the previous one) still has its
    /// manifest: the next run knows it for nianbao's and removes it.
    #[test]
    fn a_dataset_is_removed_manifest_last() {
        let t = tempfile::tempdir().unwrap();
        let aside = t.path().join(".out.old-77");
        dataset(&aside, "g1");
        // what a kill in the middle leaves: some files gone, the manifest still there
        std::fs::remove_file(aside.join("DATA_DICTIONARY.md")).unwrap();
        assert!(is_ours(&aside, "out"));
        remove_any(&aside).unwrap();
        assert!(!aside.exists());
        std::fs::write(t.path().join("f"), b"x").unwrap();
        remove_any(&t.path().join("f")).unwrap();
        assert!(!t.path().join("f").exists());
    }

    fn dataset(dir: &Path, gen: &str) {
        std::fs::create_dir_all(dir.join("cells")).unwrap();
        std::fs::write(dir.join("cells/part-0.parquet"), b"x").unwrap();
        std::fs::write(dir.join("DATA_DICTIONARY.md"), b"# d").unwrap();
        let m = serde_json::json!({
            "tool": "nianbao",
            "generation": gen,
            "files": ["DATA_DICTIONARY.md"],
            "outputs": [{"file": "cells/part-0.parquet", "rows": 1, "bytes": 1}],
        });
        std::fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
    }

    #[test]
    fn what_may_be_replaced() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        assert_eq!(check_output(&out).unwrap(), Existing::Nothing);
        std::fs::create_dir(&out).unwrap();
        assert_eq!(check_output(&out).unwrap(), Existing::Empty);
        dataset(&out, "g1");
        assert_eq!(check_output(&out).unwrap(), Existing::Dataset);
        assert_eq!(generation(&out).as_deref(), Some("g1"));
        std::fs::write(out.join(".DS_Store"), b"").unwrap();
        assert_eq!(check_output(&out).unwrap(), Existing::Dataset);
        // a user's file inside the dataset: refused, named
        std::fs::write(out.join("cells/notes.txt"), b"mine").unwrap();
        let e = check_output(&out).unwrap_err().to_string();
        assert!(e.contains("cells/notes.txt"), "{e}");
        assert!(e.contains("did not write"), "{e}");
        // a folder of the user's
        let mine = t.path().join("mine");
        std::fs::create_dir(&mine).unwrap();
        std::fs::write(mine.join("notes.txt"), b"mine").unwrap();
        let e = check_output(&mine).unwrap_err().to_string();
        assert!(
            e.contains("notes.txt") && e.contains("empty this one"),
            "{e}"
        );
        // a manifest of another tool
        std::fs::write(mine.join("manifest.json"), br#"{"tool":"other"}"#).unwrap();
        assert!(check_output(&mine).is_err());
        // a file, and a link of the user's
        let file = t.path().join("file.csv");
        std::fs::write(&file, b"a,b").unwrap();
        assert!(check_output(&file)
            .unwrap_err()
            .to_string()
            .contains("is a file"));
        let link = t.path().join("link");
        std::os::unix::fs::symlink(&mine, &link).unwrap();
        assert!(check_output(&link)
            .unwrap_err()
            .to_string()
            .contains("symbolic link"));
        // the older scheme's link
        let legacy = t.path().join("old");
        std::os::unix::fs::symlink(".old.gens/g1", &legacy).unwrap();
        assert_eq!(check_output(&legacy).unwrap(), Existing::LegacyLink);
    }

    #[test]
    fn publish_exchanges_and_both_fallbacks_keep_a_whole_dataset() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        for (i, no_exchange) in [(1, false), (2, false), (3, true)] {
            let tmp = sibling(&out, "tmp-1");
            dataset(&tmp, &format!("g{i}"));
            if no_exchange {
                std::env::set_var("NIANBAO_TEST_NO_EXCHANGE", "1");
            }
            let p = publish(&tmp, &out).unwrap();
            std::env::remove_var("NIANBAO_TEST_NO_EXCHANGE");
            let want = match (i, no_exchange) {
                (1, _) => Publication::Rename,
                (_, false) => Publication::Exchange,
                (_, true) => Publication::TwoRenames,
            };
            assert_eq!(p, want);
            assert!(!out.is_symlink() && out.is_dir());
            assert_eq!(generation(&out), Some(format!("g{i}")));
            assert!(!tmp.exists());
        }
        let names: Vec<String> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["out".to_string()]);
    }

    #[test]
    fn recovery_puts_an_aside_dataset_back_and_leaves_foreign_leftovers() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        dataset(&t.path().join(".out.old-77"), "g7");
        dataset(&t.path().join(".out.tmp-78"), "g8");
        let foreign = t.path().join(".out.tmp-notes");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("mine.txt"), b"mine").unwrap();
        let lock = lock(&out).unwrap();
        let done = recover(&out, &lock).unwrap();
        assert_eq!(generation(&out).as_deref(), Some("g7"), "{done:?}");
        assert!(!t.path().join(".out.tmp-78").exists());
        assert_eq!(std::fs::read(foreign.join("mine.txt")).unwrap(), b"mine");
        assert!(done
            .iter()
            .any(|d| d.contains("left") && d.contains("alone")));
    }

    #[test]
    fn a_lock_path_of_the_users_is_refused_untouched() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        std::fs::write(t.path().join(".out.lock"), b"my data").unwrap();
        let e = lock(&out).unwrap_err().to_string();
        assert!(e.contains(".out.lock"), "{e}");
        assert_eq!(
            std::fs::read(t.path().join(".out.lock")).unwrap(),
            b"my data"
        );
        std::fs::remove_file(t.path().join(".out.lock")).unwrap();
        let l = lock(&out).unwrap();
        assert_eq!(std::fs::metadata(l.path()).unwrap().len(), 0);
    }
}
