//! OFD documents (GB/T 33190, the national fixed-layout format that e-government platforms and
//! the Chinese office suites write): the text objects of every page, placed by their
//! coordinates and laid out as `pdftotext -layout` lays out a PDF's text, so that the same
//! position-based reading applies (rows by baseline, columns by position).
//!
//! An OFD file is a zip: `OFD.xml` names the document root (`DocRoot`), whose `Document.xml`
//! lists the pages (`Page BaseLoc`), each a `Content.xml` of layers holding `TextObject`s. A
//! text object has a `Boundary` (`x y w h` in millimetres from the page's top left), a font
//! `Size`, an optional `CTM` and `TextCode`s: text placed at `X`,`Y` (the baseline, inside the
//! boundary) with the advance of each character in `DeltaX` (numbers, or `g N d` for N
//! advances of d). Writers differ in how they cut text into objects (a line, a word, a
//! character each), so characters are first placed one by one, then joined into runs where
//! they touch on one baseline: a number printed digit by digit is one number again.
//!
//! Every XML part is decompressed with the DOCX reader's limits (size, ratio); pages and
//! characters are bounded too. An OFD whose pages hold only images (a scan) has no text to
//! read: it is listed as such.

use std::io::Cursor;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::docx::{open_archive, read_xml_entry, MAX_XML_BYTES};
use crate::ExtractError;

/// Most pages read.
const MAX_PAGES: usize = 2_000;
/// Most characters placed, over all pages.
const MAX_GLYPHS: usize = 4_000_000;

fn corrupt(reason: impl Into<String>) -> ExtractError {
    ExtractError::Corrupt {
        format: "OFD",
        reason: reason.into(),
    }
}

/// One character placed on a page: left edge, baseline and advance in millimetres.
#[derive(Debug, Clone, PartialEq)]
struct Glyph {
    page: u32,
    x: f64,
    y: f64,
    advance: f64,
    size: f64,
    c: char,
}

/// A run of touching characters on one baseline: what the layout places as one box.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    pub page: u32,
    pub x: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    pub text: String,
}

/// Reads an OFD document into runs of text, page by page.
pub(crate) fn read_runs(bytes: &[u8]) -> Result<Vec<Run>, ExtractError> {
    let mut zip = open_archive(bytes, "OFD")?;
    let mut budget = MAX_XML_BYTES;
    let mut read = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str| {
        let xml = read_xml_entry(zip, name, "OFD")?;
        budget = budget
            .checked_sub(xml.len() as u64)
            .ok_or_else(|| ExtractError::Refused {
                format: "OFD",
                reason: format!("its XML parts unpack to more than {MAX_XML_BYTES} bytes"),
            })?;
        Ok::<String, ExtractError>(xml)
    };
    let root = read(&mut zip, "OFD.xml")?;
    let doc_root = first_text(&root, "DocRoot")?
        .ok_or_else(|| corrupt("OFD.xml names no document (DocRoot)"))?;
    let doc_path = resolve("", &doc_root);
    let document = read(&mut zip, &doc_path)?;
    let doc_dir = doc_path.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
    let pages = page_locations(&document)?;
    if pages.len() > MAX_PAGES {
        return Err(ExtractError::Refused {
            format: "OFD",
            reason: format!("it lists {} pages (limit {MAX_PAGES})", pages.len()),
        });
    }
    let mut glyphs: Vec<Glyph> = Vec::new();
    for (n, loc) in pages.iter().enumerate() {
        let path = resolve(&doc_dir, loc);
        let content = read(&mut zip, &path)?;
        place_page(&content, n as u32 + 1, &mut glyphs)?;
        if glyphs.len() > MAX_GLYPHS {
            return Err(ExtractError::Refused {
                format: "OFD",
                reason: format!("it places more than {MAX_GLYPHS} characters"),
            });
        }
    }
    Ok(runs(glyphs))
}

/// A path inside the archive: absolute (`/Doc_0/…`) or relative to `dir`, with `.` and `..`
/// resolved and never above the archive's root.
fn resolve(dir: &str, loc: &str) -> String {
    let loc = loc.trim().replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    let full = if loc.starts_with('/') {
        loc.clone()
    } else {
        format!("{dir}/{loc}")
    };
    for p in full.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn xml_error(e: impl std::fmt::Display, what: &str) -> ExtractError {
    corrupt(format!("{what} is not well-formed XML ({e})"))
}

/// The text of the first element named `name` (local name).
fn first_text(xml: &str, name: &str) -> Result<Option<String>, ExtractError> {
    let mut r = Reader::from_str(xml);
    let mut inside = false;
    let mut text = String::new();
    loop {
        match r.read_event().map_err(|e| xml_error(e, "OFD.xml"))? {
            Event::Eof => return Ok(None),
            Event::Start(e) if e.local_name().as_ref() == name => inside = true,
            Event::Text(t) if inside => text.push_str(&t.xml10_content()),
            Event::End(e) if inside && e.local_name().as_ref() == name => {
                return Ok(Some(text.trim().to_owned()));
            }
            _ => {}
        }
    }
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.value.into_owned())
}

/// The `BaseLoc` of each `Page` of `Document.xml`, in order.
fn page_locations(xml: &str) -> Result<Vec<String>, ExtractError> {
    let mut r = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut in_pages = false;
    loop {
        match r.read_event().map_err(|e| xml_error(e, "Document.xml"))? {
            Event::Eof => return Ok(out),
            Event::Start(e) if e.local_name().as_ref() == "Pages" => in_pages = true,
            Event::End(e) if e.local_name().as_ref() == "Pages" => in_pages = false,
            Event::Start(e) | Event::Empty(e) if in_pages && e.local_name().as_ref() == "Page" => {
                if let Some(loc) = attr(&e, "BaseLoc") {
                    out.push(loc);
                }
            }
            _ => {}
        }
    }
}

fn numbers(s: &str) -> Vec<f64> {
    s.split_whitespace()
        .filter_map(|t| t.parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .collect()
}

/// `DeltaX`: advances, where `g N d` stands for N advances of d (N bounded by the text).
fn deltas(s: &str, limit: usize) -> Vec<f64> {
    let mut out = Vec::new();
    let mut it = s.split_whitespace();
    while let Some(t) = it.next() {
        if out.len() >= limit {
            break;
        }
        if t == "g" {
            let n = it.next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
            let d = it.next().and_then(|d| d.parse::<f64>().ok()).unwrap_or(0.0);
            let n = n.min(limit.saturating_sub(out.len()));
            out.extend(std::iter::repeat_n(d, n));
        } else if let Ok(d) = t.parse::<f64>() {
            out.push(d);
        }
    }
    out
}

/// A character's advance in ems when the document does not give it: CJK and full-width
/// forms one em, the rest half.
fn advance_em(c: char) -> f64 {
    if (c as u32) < 0x2E80 {
        0.5
    } else {
        1.0
    }
}

/// The text object being read.
struct Object {
    /// Boundary origin.
    x: f64,
    y: f64,
    size: f64,
    /// CTM `a b c d e f` (identity when absent).
    ctm: [f64; 6],
}

/// Places the characters of one page's `Content.xml`.
fn place_page(xml: &str, page: u32, glyphs: &mut Vec<Glyph>) -> Result<(), ExtractError> {
    let mut r = Reader::from_str(xml);
    let mut obj: Option<Object> = None;
    // the current TextCode: position and advances
    let mut code: Option<(f64, f64, String)> = None;
    let mut text = String::new();
    // where the previous TextCode of the object ended (a TextCode may omit X or Y)
    let mut pen = (0.0f64, 0.0f64);
    loop {
        let ev = r
            .read_event()
            .map_err(|e| xml_error(e, "a page's Content.xml"))?;
        match ev {
            Event::Eof => return Ok(()),
            Event::Start(e) if e.local_name().as_ref() == "TextObject" => {
                let b = attr(&e, "Boundary")
                    .map(|b| numbers(&b))
                    .unwrap_or_default();
                let size = attr(&e, "Size")
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .unwrap_or(3.5);
                let ctm = attr(&e, "CTM")
                    .map(|c| numbers(&c))
                    .filter(|c| c.len() == 6)
                    .map_or([1.0, 0.0, 0.0, 1.0, 0.0, 0.0], |c| {
                        [c[0], c[1], c[2], c[3], c[4], c[5]]
                    });
                obj = Some(Object {
                    x: b.first().copied().unwrap_or(0.0),
                    y: b.get(1).copied().unwrap_or(0.0),
                    size,
                    ctm,
                });
                pen = (0.0, 0.0);
            }
            Event::End(e) if e.local_name().as_ref() == "TextObject" => obj = None,
            Event::Start(e) if obj.is_some() && e.local_name().as_ref() == "TextCode" => {
                let num = |n: &str| attr(&e, n).and_then(|v| v.trim().parse::<f64>().ok());
                let x = num("X").unwrap_or(pen.0);
                let y = num("Y").unwrap_or(pen.1);
                code = Some((x, y, attr(&e, "DeltaX").unwrap_or_default()));
                text.clear();
            }
            Event::Text(t) if code.is_some() => {
                text.push_str(&t.xml10_content());
            }
            Event::GeneralRef(g) if code.is_some() => {
                if let Ok(Some(c)) = g.resolve_char_ref() {
                    text.push(c);
                } else if let Some(s) =
                    quick_xml::escape::resolve_predefined_entity(&g.xml10_content())
                {
                    text.push_str(s);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "TextCode" => {
                let (Some((x0, y0, delta)), Some(o)) = (code.take(), obj.as_ref()) else {
                    continue;
                };
                let chars: Vec<char> = text.chars().collect();
                let steps = deltas(&delta, chars.len());
                let [a, b, c, d, e, f] = o.ctm;
                // the font size as the CTM scales it (vertically)
                let scale = (b * b + d * d).sqrt().max(1e-6);
                let size = o.size * scale;
                let mut x = x0;
                for (i, ch) in chars.iter().enumerate() {
                    let own = advance_em(*ch) * o.size;
                    let step = steps.get(i).copied().unwrap_or(own);
                    if !ch.is_whitespace() && !ch.is_control() {
                        glyphs.push(Glyph {
                            page,
                            x: o.x + a * x + c * y0 + e,
                            y: o.y + b * x + d * y0 + f,
                            advance: own * (a * a + b * b).sqrt(),
                            size,
                            c: *ch,
                        });
                    }
                    x += step;
                    if glyphs.len() > MAX_GLYPHS {
                        return Ok(());
                    }
                }
                pen = (x, y0);
            }
            _ => {}
        }
    }
}

/// Joins characters into runs: on one baseline (within a third of the font size), a
/// character starting within a quarter of an em of the previous one's end continues its word,
/// and one starting within 0.8 em continues its run after a space (as `pdftotext` joins
/// words); further away it starts a new run, which the layout places in its own column.
fn runs(mut glyphs: Vec<Glyph>) -> Vec<Run> {
    glyphs.sort_by(|a, b| {
        a.page
            .cmp(&b.page)
            .then(a.y.total_cmp(&b.y))
            .then(a.x.total_cmp(&b.x))
    });
    // lines: consecutive glyphs (by baseline) within a third of the size of the line's first
    let mut lines: Vec<Vec<Glyph>> = Vec::new();
    for g in glyphs {
        match lines.last_mut() {
            Some(l) if l[0].page == g.page && (g.y - l[0].y).abs() < l[0].size / 3.0 => l.push(g),
            _ => lines.push(vec![g]),
        }
    }
    let mut out = Vec::new();
    for mut line in lines {
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut run: Option<(Run, f64)> = None;
        for g in line {
            if let Some((r, end)) = run.as_mut() {
                let gap = g.x - *end;
                // touching: one word; about a space apart: one space, as `pdftotext` joins
                // words; further: the next column
                if gap < 0.8 * g.size && g.x >= r.x {
                    if gap >= g.size / 4.0 {
                        r.text.push(' ');
                    }
                    r.text.push(g.c);
                    *end = g.x + g.advance;
                    r.width = *end - r.x;
                    continue;
                }
                out.push(run.take().expect("a run").0);
            }
            run = Some((
                Run {
                    page: g.page,
                    x: g.x,
                    top: g.y - g.size,
                    width: g.advance,
                    height: g.size,
                    text: g.c.to_string(),
                },
                g.x + g.advance,
            ));
        }
        if let Some((r, _)) = run {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(objects: &str) -> Vec<Run> {
        let mut g = Vec::new();
        place_page(
            &format!(r#"<ofd:Page xmlns:ofd="x"><ofd:Content><ofd:Layer>{objects}</ofd:Layer></ofd:Content></ofd:Page>"#),
            1,
            &mut g,
        )
        .unwrap();
        runs(g)
    }

    #[test]
    fn digits_placed_one_by_one_are_one_number_and_columns_stay_apart() {
        let r = page(
            r#"<ofd:TextObject Boundary="10 20 40 5" Size="4"><ofd:TextCode X="0" Y="4" DeltaX="4 4 4">收到申请</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject Boundary="80 20 10 5" Size="4"><ofd:TextCode X="0" Y="4">1</ofd:TextCode><ofd:TextCode X="2" Y="4">2</ofd:TextCode><ofd:TextCode X="4" Y="4">3</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject Boundary="100 20 10 5" Size="4"><ofd:TextCode X="0" Y="4" DeltaX="g 2 2">4 5</ofd:TextCode></ofd:TextObject>
            <ofd:TextObject Boundary="10 30 40 5" Size="4"><ofd:TextCode X="0" Y="4">总计&amp;</ofd:TextCode></ofd:TextObject>"#,
        );
        let texts: Vec<(&str, u32)> = r.iter().map(|r| (r.text.as_str(), r.top as u32)).collect();
        // "4 5": the space is an advance, kept as one space
        assert_eq!(
            texts,
            [("收到申请", 20), ("123", 20), ("4 5", 20), ("总计&", 30)]
        );
        assert!((r[1].x - 80.0).abs() < 1e-9 && (r[1].width - 6.0).abs() < 1e-9);
    }

    #[test]
    fn paths_and_repeats_are_bounded() {
        assert_eq!(
            resolve("Doc_0", "Pages/Page_0/Content.xml"),
            "Doc_0/Pages/Page_0/Content.xml"
        );
        assert_eq!(resolve("Doc_0", "/Doc_0/P.xml"), "Doc_0/P.xml");
        assert_eq!(resolve("Doc_0", "../../../x.xml"), "x.xml");
        assert_eq!(deltas("g 99999999999 1 2", 3), [1.0, 1.0, 1.0]);
        assert_eq!(deltas("1 g 2 3.5 x 4", 10), [1.0, 3.5, 3.5, 4.0]);
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        assert!(read_runs(b"PK\x03\x04 not a zip").is_err());
        let mut g = Vec::new();
        assert!(place_page("<a><b></a>", 1, &mut g).is_err());
    }
}
