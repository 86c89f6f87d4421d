//! Web pages and their members (issue 30.1, 30.2): the pictures a page shows its tables as,
//! the attachment a page wraps. Found once per run, before anything is read: a member is
//! read with its page (one report, the page's row) and listed with the reason in its own
//! row, never read as a report of its own.
//!
//! A page's `<img src>` and `<a href>` are resolved to input files relative to the page's
//! path (a page saved "complete" with its `NAME_files/` folder, or saved side by side), or for
//! a collected page against the address it was fetched from (`.nianbao-collect`). Which of
//! them are members is `nianbao_normalize::bundle::plan_members`'s decision. A file that
//! several pages name (a logo, a QR code) is no page's member: it stays a document of its
//! own, as a picture no page names does.
//!
//! Only pages near a picture or attachment are looked at (in its folder or the one above, or
//! the page a collected file was found on), so a corpus of text files or of pages without
//! such files pays nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use nianbao_extract::{ReadOptions, ATTACHMENT_EXTENSIONS, PAGE_EXTENSIONS, PICTURE_EXTENSIONS};
use nianbao_normalize::bundle::{plan_members, Role};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::inputs::Inputs;
use crate::provenance::Provenance;

/// What an input is to the pages of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part<'a> {
    /// A document of its own.
    Alone,
    /// A page with members: (input, role) in the page's order.
    Page(&'a [(usize, Role)]),
    /// A member of the page `page`.
    Member { page: usize, role: Role },
}

/// The pages of the input that have members, and their members.
#[derive(Debug, Default)]
pub(crate) struct Bundles {
    pages: BTreeMap<usize, Vec<(usize, Role)>>,
    members: HashMap<usize, (usize, Role)>,
}

/// The lower-case extension of a path.
fn extension(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// The folder of a path (`""` at the top).
fn folder(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

impl Bundles {
    /// Finds the pages of `inputs` whose pictures or attachments are inputs too.
    pub(crate) fn find(inputs: &Inputs, provenance: &Provenance, opts: &ReadOptions) -> Bundles {
        Bundles::find_for(inputs, provenance, opts, None)
    }

    /// [`Bundles::find`] for the page `only` alone (all pages with `None`): a file only this
    /// page is looked at for is its member even if another page names it too.
    fn find_for(
        inputs: &Inputs,
        provenance: &Provenance,
        opts: &ReadOptions,
        only: Option<usize>,
    ) -> Bundles {
        let n = inputs.len();
        let is_member_kind = |rel: &str| {
            let e = extension(rel);
            PICTURE_EXTENSIONS.contains(&e.as_str()) || ATTACHMENT_EXTENSIONS.contains(&e.as_str())
        };
        let candidates: Vec<usize> = (0..n).filter(|&i| is_member_kind(inputs.rel(i))).collect();
        if candidates.is_empty() {
            return Bundles::default();
        }
        // the folders near a candidate, and the pages collected files were found on
        let mut near: BTreeSet<&str> = BTreeSet::new();
        let by_url = provenance.paths_by_url();
        let mut found_on: BTreeSet<&str> = BTreeSet::new();
        for &i in &candidates {
            let rel = inputs.rel(i);
            let d = folder(rel);
            near.insert(d);
            near.insert(folder(d));
            if let Some(p) = provenance.found_on(rel).and_then(|u| by_url.get(u)) {
                found_on.insert(p);
            }
        }
        let index: HashMap<&str, usize> = (0..n).map(|i| (inputs.rel(i), i)).collect();
        let pages: Vec<usize> = (0..n)
            .filter(|&i| {
                let rel = inputs.rel(i);
                only.is_none_or(|o| o == i)
                    && PAGE_EXTENSIONS.contains(&extension(rel).as_str())
                    && (near.contains(folder(rel)) || found_on.contains(rel))
            })
            .collect();
        let member_kind: Vec<bool> = (0..n).map(|i| is_member_kind(inputs.rel(i))).collect();
        // picture and attachment files by name, for addresses that name another server
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for &i in &candidates {
            let rel = inputs.rel(i);
            by_name
                .entry(rel.rsplit('/').next().unwrap_or(rel))
                .or_default()
                .push(i);
        }
        let planned: Vec<(usize, Vec<(usize, Role)>)> = pages
            .into_par_iter()
            .filter_map(|p| {
                let rel = inputs.rel(p);
                let bytes = std::fs::read(inputs.path(p)).ok()?;
                // only what is really a web page (a scan saved as `.html` is not OCR'd here)
                if !matches!(
                    nianbao_extract::sniff(&bytes),
                    nianbao_extract::Format::Html | nianbao_extract::Format::Text
                ) {
                    return None;
                }
                let doc = nianbao_extract::read_with(&bytes, opts).ok()?;
                if doc.embeds.is_empty() {
                    return None;
                }
                let base = provenance.url_of(rel).and_then(|u| url::Url::parse(u).ok());
                let resolved: Vec<Option<usize>> = doc
                    .embeds
                    .iter()
                    .map(|e| {
                        let found = e.targets.iter().find_map(|t| {
                            resolve(rel, base.as_ref(), t, &index, &by_url)
                                .filter(|&m| member_kind[m] && m != p)
                        });
                        found.or_else(|| {
                            e.targets
                                .iter()
                                .find_map(|t| by_file_name(inputs, rel, t, &by_name))
                        })
                    })
                    .collect();
                // a file named twice counts at its first place
                let mut seen = BTreeSet::new();
                let first: Vec<bool> = resolved
                    .iter()
                    .map(|r| r.is_some_and(|m| seen.insert(m)))
                    .collect();
                let members: Vec<(usize, Role)> = plan_members(&doc, &first)
                    .into_iter()
                    .filter_map(|pl| Some((resolved[pl.embed]?, pl.role)))
                    .collect();
                (!members.is_empty()).then_some((p, members))
            })
            .collect();
        // a file several pages name is nobody's member
        let mut claims: HashMap<usize, usize> = HashMap::new();
        for (_, ms) in &planned {
            for (m, _) in ms {
                *claims.entry(*m).or_default() += 1;
            }
        }
        let mut b = Bundles::default();
        for (p, ms) in planned {
            let ms: Vec<(usize, Role)> = ms.into_iter().filter(|(m, _)| claims[m] == 1).collect();
            if ms.is_empty() {
                continue;
            }
            for &(m, role) in &ms {
                b.members.insert(m, (p, role));
            }
            b.pages.insert(p, ms);
        }
        b
    }

    /// What input `i` is.
    pub(crate) fn part(&self, i: usize) -> Part<'_> {
        if let Some(ms) = self.pages.get(&i) {
            return Part::Page(ms);
        }
        match self.members.get(&i) {
            Some(&(page, role)) => Part::Member { page, role },
            None => Part::Alone,
        }
    }

    /// The pages and their members' inputs.
    pub(crate) fn pages(&self) -> impl Iterator<Item = (usize, impl Iterator<Item = usize> + '_)> {
        self.pages
            .iter()
            .map(|(p, ms)| (*p, ms.iter().map(|(m, _)| *m)))
    }

    /// How many pages have members, and how many members they have.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.pages.len(), self.members.len())
    }

    /// A digest of who is whose member (part of the key of reusable year partitions: a member
    /// whose page changed is listed differently).
    pub(crate) fn digest(&self, inputs: &Inputs) -> [u8; 32] {
        let mut h = Sha256::new();
        for (p, ms) in &self.pages {
            h.update(inputs.rel(*p).as_bytes());
            for (m, role) in ms {
                h.update([0]);
                h.update(inputs.rel(*m).as_bytes());
                h.update(format!("{role:?}").as_bytes());
            }
            h.update([0xff]);
        }
        h.finalize().into()
    }
}

/// A web page of a folder and the files read with it (its members), as `nianbao build` finds
/// them: what a Spark or Ray job groups its files by before reading each page with
/// [`crate::read_page_batches`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMembers {
    /// The page's path relative to the folder, with `/` separators.
    pub page: String,
    /// Its members (path relative to the folder, role), in the page's order.
    pub members: Vec<(String, Role)>,
}

impl PageMembers {
    /// Input `page` and its members, by path.
    fn of(inputs: &Inputs, page: usize, members: &[(usize, Role)]) -> PageMembers {
        PageMembers {
            page: inputs.rel(page).to_owned(),
            members: members
                .iter()
                .map(|(m, role)| (inputs.rel(*m).to_owned(), *role))
                .collect(),
        }
    }
}

/// The pages under `root` that have members (pictures or an attachment among the files of
/// `root`), found as `nianbao build` finds them (with the addresses of `nianbao collect`'s
/// record when the folder has one). Pages without members are not listed: every other file
/// is read alone.
pub fn find_pages(root: &std::path::Path, opts: &ReadOptions) -> anyhow::Result<Vec<PageMembers>> {
    let inputs = Inputs::list(root, &[])?;
    let provenance = Provenance::load(root);
    let b = Bundles::find(&inputs, &provenance, opts);
    Ok(b.pages
        .iter()
        .map(|(p, ms)| PageMembers::of(&inputs, *p, ms))
        .collect())
}

/// The members of the one page at `path`, found among the files of its folder (and the
/// folders below it, such as `NAME_files/`) as `nianbao build` of that folder would find
/// them; `None` when it is not a page with members there. What `nianbao inspect` and the
/// Python package's `read_document(path)` read a page with.
pub fn members_of(
    path: &std::path::Path,
    opts: &ReadOptions,
) -> anyhow::Result<Option<PageMembers>> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let Some(name) = name.filter(|n| PAGE_EXTENSIONS.contains(&extension(n).as_str())) else {
        return Ok(None);
    };
    let root = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let inputs = Inputs::list(&root, &[])?;
    let Some(i) = (0..inputs.len()).find(|&i| inputs.rel(i) == name) else {
        return Ok(None);
    };
    let b = Bundles::find_for(&inputs, &Provenance::load(&root), opts, Some(i));
    Ok(b.pages.get(&i).map(|ms| PageMembers::of(&inputs, i, ms)))
}

/// The input a page's `target` names: against the address the page was collected from, else
/// relative to the page's path (a `data:` URI, another site's address or a file not among the
/// inputs names none).
fn resolve(
    page: &str,
    base: Option<&url::Url>,
    target: &str,
    index: &HashMap<&str, usize>,
    by_url: &HashMap<&str, &str>,
) -> Option<usize> {
    let target = target.trim();
    if let Some(base) = base {
        if let Ok(mut abs) = base.join(target) {
            abs.set_fragment(None);
            if let Some(i) = by_url.get(abs.as_str()).and_then(|p| index.get(p)) {
                return Some(*i);
            }
        }
    }
    // relative to the page's own path, as a browser resolves it on disk
    let local = url::Url::parse("file:///").ok()?.join(page).ok()?;
    let abs = local.join(target).ok()?;
    if abs.scheme() != "file" || abs.host_str().is_some_and(|h| !h.is_empty()) {
        return None;
    }
    let path = percent_encoding::percent_decode_str(abs.path())
        .decode_utf8()
        .ok()?;
    index.get(path.trim_start_matches('/')).copied()
}

/// The file a page's `target` names by its file name alone, when the address points elsewhere
/// (`http://www.x.gov.cn/u/cms/202301/0510abcd.png`, the picture saved beside the page or in a
/// folder named after it, `NAME_files/`): the one picture or attachment of that name in the
/// page's folder or its own folder; none when there are several.
fn by_file_name(
    inputs: &Inputs,
    page: &str,
    target: &str,
    by_name: &HashMap<&str, Vec<usize>>,
) -> Option<usize> {
    let path = target.split(['?', '#']).next()?;
    let name = path.rsplit('/').next()?;
    let name = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .ok()?;
    if name.is_empty() {
        return None;
    }
    let dir = folder(page);
    let file = page.rsplit('/').next().unwrap_or(page);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let near: Vec<usize> = by_name
        .get(name.as_ref())?
        .iter()
        .copied()
        .filter(|&m| {
            let d = folder(inputs.rel(m));
            d == dir
                || (folder(d) == dir
                    && d.rsplit('/')
                        .next()
                        .is_some_and(|own| own.starts_with(stem)))
        })
        .collect();
    (near.len() == 1).then(|| near[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A picture whose address names another server is found by its name beside the page or
    /// in the page's own folder, never in another page's folder, and never when two match.
    #[test]
    fn an_address_elsewhere_finds_the_picture_saved_with_the_page() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "r.html",
            "r_files/05ab.png",
            "s.html",
            "s_files/77cd.png",
            "t.html",
            "t_files/dup.png",
            "t_files/sub/x.png",
            "dup.png",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x").unwrap();
        }
        let inputs = Inputs::list(dir.path(), &[]).unwrap();
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for i in 0..inputs.len() {
            let rel = inputs.rel(i);
            if !rel.ends_with(".html") {
                by_name
                    .entry(rel.rsplit('/').next().unwrap())
                    .or_default()
                    .push(i);
            }
        }
        let find = |page: &str, t: &str| {
            by_file_name(&inputs, page, t, &by_name).map(|i| inputs.rel(i).to_owned())
        };
        assert_eq!(
            find("r.html", "http://www.x.gov.cn/u/cms/202301/05ab.png?t=1").as_deref(),
            Some("r_files/05ab.png")
        );
        // another page's picture is not this page's
        assert_eq!(find("r.html", "http://www.x.gov.cn/77cd.png"), None);
        // two of that name beside the page: none
        assert_eq!(find("t.html", "/img/dup.png"), None);
        assert_eq!(find("t.html", "/img/x.png"), None);
    }

    #[test]
    fn targets_resolve_relative_to_the_page_or_its_address() {
        let files = [
            "a/r.html",
            "a/r_files/t%2.png",
            "a/r_files/表三.png",
            "a/x.pdf",
            "h/zw/202401/t1.html",
            "h/up/W0.pdf",
        ];
        let index: HashMap<&str, usize> = files.iter().enumerate().map(|(i, f)| (*f, i)).collect();
        let by_url: HashMap<&str, &str> = [
            ("http://h/zw/202401/t1.html", "h/zw/202401/t1.html"),
            ("http://h/up/W0.pdf", "h/up/W0.pdf"),
        ]
        .into_iter()
        .collect();
        let r = |page: &str, base: Option<&str>, t: &str| {
            let base = base.map(|b| url::Url::parse(b).unwrap());
            resolve(page, base.as_ref(), t, &index, &by_url)
        };
        assert_eq!(r("a/r.html", None, "./r_files/t%252.png"), Some(1));
        assert_eq!(r("a/r.html", None, "r_files/表三.png"), Some(2));
        assert_eq!(
            r("a/r.html", None, "r_files/%E8%A1%A8%E4%B8%89.png#x"),
            Some(2)
        );
        assert_eq!(r("a/r.html", None, "x.pdf?download=1"), Some(3));
        assert_eq!(r("a/r.html", None, "../a/x.pdf"), Some(3));
        assert_eq!(r("a/r.html", None, "http://elsewhere/x.pdf"), None);
        assert_eq!(r("a/r.html", None, "data:image/png;base64,AA"), None);
        assert_eq!(r("a/r.html", None, "missing.png"), None);
        assert_eq!(
            r(
                "h/zw/202401/t1.html",
                Some("http://h/zw/202401/t1.html"),
                "/up/W0.pdf"
            ),
            Some(5)
        );
        assert_eq!(
            r(
                "h/zw/202401/t1.html",
                Some("http://h/zw/202401/t1.html"),
                "../../up/W0.pdf#p"
            ),
            Some(5)
        );
    }
}
