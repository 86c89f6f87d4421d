//! DOCX → blocks: `word/document.xml` read with `zip` + `quick-xml`.
//!
//! Paragraphs (`w:p`) become prose; tables (`w:tbl`) keep `w:gridSpan` (columns covered),
//! `w:vMerge` (`restart` starts a vertical merge, no value or `continue` continues it) and
//! `w:gridBefore` (empty grid columns before a row's first cell); content controls (`w:sdt`)
//! are read through; nested tables stay nested. The archive is read in memory, never
//! unpacked: only `word/document.xml` is decompressed, and only up to [`MAX_XML_BYTES`], so a
//! zip bomb is refused instead of filling memory.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::grid::{collapse_ws, Block, TCell, Table};
use crate::ExtractError;

/// Most entries an archive may list.
pub const MAX_ENTRIES: usize = 10_000;
/// Largest `word/document.xml` accepted once decompressed (64 MiB).
pub const MAX_XML_BYTES: u64 = 64 << 20;
/// Largest compression ratio accepted for `word/document.xml`.
pub(crate) const MAX_RATIO: u64 = 200;

/// Opens an Office zip archive (`format` names it in errors), refusing one that lists more
/// than [`MAX_ENTRIES`] entries.
pub(crate) fn open_archive<'a>(
    bytes: &'a [u8],
    format: &'static str,
) -> Result<zip::ZipArchive<Cursor<&'a [u8]>>, ExtractError> {
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ExtractError::Corrupt {
        format,
        reason: format!("the zip archive cannot be opened ({e})"),
    })?;
    if zip.len() > MAX_ENTRIES {
        return Err(ExtractError::Refused {
            format,
            reason: format!(
                "the archive lists {} entries (limit {MAX_ENTRIES})",
                zip.len()
            ),
        });
    }
    Ok(zip)
}

/// Reads the body of a DOCX file as blocks.
pub(crate) fn read_blocks(bytes: &[u8]) -> Result<Vec<Block>, ExtractError> {
    let mut zip = open_archive(bytes, "DOCX")?;
    let xml = read_xml_entry(&mut zip, "word/document.xml", "DOCX")?;
    parse_document_xml(&xml)
}

/// One XML entry of an Office archive, decompressed up to [`MAX_XML_BYTES`] and refused when
/// its compression ratio is a zip bomb's (`format` names the file in errors).
pub(crate) fn read_xml_entry(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    format: &'static str,
) -> Result<String, ExtractError> {
    let hostile = |reason: String| ExtractError::Refused { format, reason };
    let mut entry = zip.by_name(name).map_err(|e| ExtractError::Corrupt {
        format,
        reason: format!("{name} cannot be read ({e})"),
    })?;
    let declared = entry.size();
    let compressed = entry.compressed_size().max(1);
    if declared > MAX_XML_BYTES {
        return Err(hostile(format!(
            "{name} would unpack to {declared} bytes (limit {MAX_XML_BYTES})"
        )));
    }
    if declared / compressed > MAX_RATIO && declared > (1 << 20) {
        return Err(hostile(format!(
            "{name} is compressed {}:1 (limit {MAX_RATIO}:1), a zip bomb",
            declared / compressed
        )));
    }
    // The declared size may lie: never read more than the limit.
    let mut xml = Vec::with_capacity(declared.min(MAX_XML_BYTES) as usize);
    (&mut entry)
        .take(MAX_XML_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|e| ExtractError::Corrupt {
            format,
            reason: format!("{name} cannot be decompressed ({e})"),
        })?;
    if xml.len() as u64 > MAX_XML_BYTES {
        return Err(hostile(format!(
            "{name} unpacks to more than {MAX_XML_BYTES} bytes"
        )));
    }
    // (a UTF-8 byte order mark is allowed before the declaration)
    let xml = xml
        .strip_prefix(b"\xEF\xBB\xBF")
        .map(<[u8]>::to_vec)
        .unwrap_or(xml);
    String::from_utf8(xml).map_err(|_| ExtractError::Corrupt {
        format,
        reason: format!("{name} is not UTF-8"),
    })
}

enum Frame {
    Body(Vec<Block>),
    Table(Table),
    Row {
        cells: Vec<TCell>,
        grid_before: usize,
    },
    Cell(TCell),
}

fn val(e: &BytesStart) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == "val")
        .map(|a| a.value.into_owned())
}

fn push_block(stack: &mut [Frame], b: Block) {
    for f in stack.iter_mut().rev() {
        match f {
            Frame::Body(v) => return v.push(b),
            Frame::Cell(c) => return c.content.push(b),
            _ => {}
        }
    }
}

/// Parses `word/document.xml`.
pub(crate) fn parse_document_xml(xml: &str) -> Result<Vec<Block>, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Frame> = vec![Frame::Body(Vec::new())];
    let mut para: Option<String> = None;
    let mut in_text = false;
    // Text that is not the value: hidden (`w:vanish`), struck (`w:strike`, `w:dstrike`),
    // superscript (footnote marks), moved away
    // (`w:moveFrom`, a tracked move's old place). Deleted text is `w:delText`, never read.
    let mut run_hidden = false;
    let mut moved_from = 0usize;
    loop {
        let ev = reader.read_event().map_err(|e| ExtractError::Corrupt {
            format: "DOCX",
            reason: format!(
                "word/document.xml is not well-formed XML at byte {} ({e})",
                reader.buffer_position()
            ),
        })?;
        match ev {
            Event::Eof => break,
            Event::Start(e) => match e.local_name().as_ref() {
                "p" => para = Some(String::new()),
                "r" => run_hidden = false,
                "moveFrom" => moved_from += 1,
                "t" => in_text = true,
                "tbl" => {
                    flush(&mut para, &mut stack);
                    stack.push(Frame::Table(Table::default()));
                }
                "tr" => stack.push(Frame::Row {
                    cells: Vec::new(),
                    grid_before: 0,
                }),
                "tc" => stack.push(Frame::Cell(TCell {
                    colspan: 1,
                    rowspan: 1,
                    continued: false,
                    skip_before: 0,
                    content: Vec::new(),
                })),
                name => empty_element(name, &e, &mut stack, &mut para),
            },
            Event::Empty(e) => {
                let on = val(&e).is_none_or(|v| v != "0" && v != "false");
                match e.local_name().as_ref() {
                    // struck text is not the value either (`15` struck, then `12`: 12)
                    "vanish" | "webHidden" | "strike" | "dstrike" if on => run_hidden = true,
                    "vertAlign" if val(&e).as_deref() == Some("superscript") => run_hidden = true,
                    name => empty_element(name, &e, &mut stack, &mut para),
                }
            }
            Event::Text(_) | Event::GeneralRef(_) if run_hidden || moved_from > 0 => {}
            Event::Text(t) if in_text => {
                if let Some(p) = para.as_mut() {
                    p.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) if in_text => {
                if let Some(p) = para.as_mut() {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        p.push(c);
                    } else if let Some(s) =
                        quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                    {
                        p.push_str(s);
                    }
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "r" => run_hidden = false,
                "moveFrom" => moved_from = moved_from.saturating_sub(1),
                "p" => flush(&mut para, &mut stack),
                "tc" => {
                    flush(&mut para, &mut stack);
                    if let Some(Frame::Cell(mut c)) = stack.pop() {
                        if let Some(Frame::Row { cells, grid_before }) = stack.last_mut() {
                            if cells.is_empty() {
                                c.skip_before = *grid_before;
                            }
                            cells.push(c);
                        }
                    }
                }
                "tr" => {
                    if let Some(Frame::Row { cells, .. }) = stack.pop() {
                        if let Some(Frame::Table(t)) = stack.last_mut() {
                            t.rows.push(cells);
                        }
                    }
                }
                "tbl" => {
                    if let Some(Frame::Table(t)) = stack.pop() {
                        push_block(&mut stack, Block::Table(t));
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    flush(&mut para, &mut stack);
    match stack.into_iter().next() {
        Some(Frame::Body(v)) => Ok(v),
        _ => Ok(Vec::new()),
    }
}

fn empty_element(name: &str, e: &BytesStart, stack: &mut [Frame], para: &mut Option<String>) {
    match name {
        // a tab separates like a line break: `297<w:tab/>3` is two numbers, never 2973
        "tab" => {
            if let Some(p) = para.as_mut() {
                p.push('\n');
            }
        }
        "br" | "cr" => {
            if let Some(p) = para.as_mut() {
                p.push('\n');
            }
        }
        "gridSpan" => {
            if let Some(Frame::Cell(c)) = stack.last_mut() {
                c.colspan = val(e).and_then(|v| v.parse().ok()).unwrap_or(1);
            }
        }
        "vMerge" => {
            if let Some(Frame::Cell(c)) = stack.last_mut() {
                c.continued = val(e).is_none_or(|v| v != "restart");
            }
        }
        "gridBefore" => {
            if let Some(Frame::Row { grid_before, .. }) = stack.last_mut() {
                *grid_before = val(e).and_then(|v| v.parse().ok()).unwrap_or(0);
            }
        }
        _ => {}
    }
}

fn flush(para: &mut Option<String>, stack: &mut [Frame]) {
    if let Some(p) = para.take() {
        // A manual line break inside a paragraph starts a new prose line.
        for piece in p.split('\n') {
            let s = collapse_ws(piece);
            if !s.is_empty() {
                push_block(stack, Block::Para(s));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::render;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    fn doc(body: &str) -> String {
        format!(r#"<?xml version="1.0"?><w:document {W}><w:body>{body}</w:body></w:document>"#)
    }

    fn tc(props: &str, text: &str) -> String {
        format!("<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>")
    }

    /// Issue 27 B4: struck text (`w:strike`, `w:dstrike`) is not read into the value; a
    /// strike turned off (`w:val="0"`) is read.
    #[test]
    fn struck_runs_are_not_read() {
        let xml = doc(
            "<w:p><w:r><w:rPr><w:strike/></w:rPr><w:t>15</w:t></w:r><w:r><w:t>12</w:t></w:r></w:p>\
             <w:p><w:r><w:rPr><w:dstrike w:val=\"true\"/></w:rPr><w:t>9</w:t></w:r><w:r><w:t>84</w:t></w:r></w:p>\
             <w:p><w:r><w:rPr><w:strike w:val=\"0\"/></w:rPr><w:t>7</w:t></w:r><w:r><w:t>1</w:t></w:r></w:p>",
        );
        let r = render(&parse_document_xml(&xml).unwrap());
        assert_eq!(r.text, "12\n84\n71");
    }

    #[test]
    fn merges_and_paragraphs() {
        let xml = doc(&format!(
            "<w:p><w:r><w:t>一、总体</w:t></w:r><w:r><w:t>情况 &amp; 说明</w:t></w:r></w:p>\
             <w:tbl><w:tr>{}{}{}</w:tr><w:tr><w:trPr><w:gridBefore w:val=\"1\"/></w:trPr>{}{}</w:tr>\
             <w:tr>{}{}{}</w:tr></w:tbl>",
            tc(r#"<w:vMerge w:val="restart"/>"#, "三、结果"),
            tc(r#"<w:gridSpan w:val="2"/>"#, "（一）予以公开"),
            tc("", "12"),
            tc("", "1.甲"),
            tc("", "7"),
            tc("<w:vMerge/>", ""),
            tc("", "2.乙"),
            tc("", "8"),
        ));
        let blocks = parse_document_xml(&xml).unwrap();
        let r = render(&blocks);
        assert_eq!(
            r.text,
            "一、总体情况 & 说明\n三、结果\t（一）予以公开\t12\n1.甲\t7\n2.乙\t8"
        );
        assert_eq!(r.lines[1].cols, vec![1, 2, 4]);
        // gridBefore 1 → 1.甲 sits in column 2
        assert_eq!(r.lines[2].cols, vec![2, 3]);
        assert_eq!(r.lines[3].cols, vec![2, 3]);
    }

    #[test]
    fn malformed_xml_is_corrupt_not_a_panic() {
        let e = parse_document_xml("<w:document><w:body><w:p>").map(|_| ());
        assert!(e.is_ok() || matches!(e, Err(ExtractError::Corrupt { .. })));
        let e = parse_document_xml("<a></b>").unwrap_err();
        assert!(matches!(e, ExtractError::Corrupt { .. }), "{e:?}");
    }
}
