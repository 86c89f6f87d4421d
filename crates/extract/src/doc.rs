//! Legacy Word (`.doc`, Word 97–2003) and WPS (`.wps`, Kingsoft's, built on the same binary
//! format) documents: the main text and its tables, as [`Block`]s for the grid model the DOCX
//! reader uses.
//!
//! The file is an OLE compound file (`cfb`); its `WordDocument` stream starts with the FIB,
//! which points into the table stream (`0Table` or `1Table`) at the piece table (`Clx`: which
//! stretch of the text is stored where, 8-bit or UTF-16) and at the paragraph properties
//! (`PlcBtePapx` → 512-byte `PapxFkp` pages). The text of the main document is read piece by
//! piece; a paragraph ends at `\r`, a table cell at `\x07`, and the `\x07` whose paragraph
//! carries `sprmPFTtp` ends a table row (an empty cell is a `\x07` too, so only the paragraph
//! property tells the two apart). Field codes (`\x13 code \x14 result \x15`) keep their result.
//! A paragraph's tabs are kept: a document without Word tables whose cells are typed with
//! tabs (a text file saved as `.doc`) is then read as tab-separated text by the caller.
//! Headers, footers, footnotes and comments are outside the main text and are not read. Text
//! boxes are read only when the main text is (nearly) empty: a PDF imported into Writer and
//! saved as `.doc` puts every line, every table cell in a box of its own, placed on the page
//! (its shape's `FSPA` in `PlcSpaMom`: left, top, right, bottom in twips; the box's text in
//! the text-box story, found by `PlcftxbxTxt`'s shape id). Such boxes are [`Content::Placed`],
//! laid out by position as PDF text is (rows by baseline, columns by position), so a table
//! drawn as boxes is read as a table. The `.doc` does not say on which page a box is: boxes
//! are anchored in the order they were drawn, page by page, so a box whose top lies more than
//! half a page above the highest box of its page so far starts the next page. Without the
//! shapes' positions the boxes' text is read in its stored order. Revision marks are not
//! followed (deleted text is read as text), nor is struck formatting.
//!
//! Every offset comes from the file, so every read is bounds-checked: a damaged file is
//! `Corrupt`, never a panic.

use std::io::{Cursor, Read};

use crate::grid::{Block, TCell, Table};
use crate::ocr::Placed;
use crate::ExtractError;

const FORMAT: &str = "legacy Word/WPS (.doc/.wps)";

fn corrupt(reason: impl Into<String>) -> ExtractError {
    ExtractError::Corrupt {
        format: FORMAT,
        reason: reason.into(),
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// One piece of the text: character positions `[cp, cp_end)` stored from byte `fc` of the
/// `WordDocument` stream, one byte a character (`compressed`, Windows-1252) or two (UTF-16LE).
#[derive(Debug, Clone, Copy)]
struct Piece {
    cp: u32,
    cp_end: u32,
    fc: u32,
    compressed: bool,
}

impl Piece {
    /// The stream offset of character `cp` of this piece.
    fn fc_of(&self, cp: u32) -> u64 {
        let k = u64::from(cp - self.cp);
        u64::from(self.fc) + if self.compressed { k } else { 2 * k }
    }
}

/// The streams a Word binary document is read from: `WordDocument`, the table stream and
/// `Data` (empty when absent).
type Streams = (Vec<u8>, Vec<u8>, Vec<u8>);

fn streams(bytes: &[u8]) -> Result<Streams, ExtractError> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| corrupt(format!("the compound file cannot be opened ({e})")))?;
    // (a workbook never comes here: `sniff` sends it to the spreadsheet reader)
    if !cf.is_stream("WordDocument") {
        return Err(ExtractError::Unsupported {
            format: "OLE compound file without a Word document",
            advice: "convert it to DOCX or PDF",
        });
    }
    let read = |cf: &mut cfb::CompoundFile<Cursor<&[u8]>>, name: &str| {
        let mut s = cf
            .open_stream(name)
            .map_err(|e| corrupt(format!("the {name} stream cannot be read ({e})")))?;
        let mut v = Vec::new();
        // (a stream is no larger than the file, which is in memory already)
        s.read_to_end(&mut v)
            .map_err(|e| corrupt(format!("the {name} stream cannot be read ({e})")))?;
        Ok::<_, ExtractError>(v)
    };
    let word = read(&mut cf, "WordDocument")?;
    if u16_at(&word, 0) != Some(0xA5EC) {
        return Err(corrupt("the WordDocument stream has no Word signature"));
    }
    let flags = u16_at(&word, 0x0A).ok_or_else(|| corrupt("the FIB is truncated"))?;
    if flags & 0x0100 != 0 {
        return Err(ExtractError::Unsupported {
            format: "password-protected Word (.doc)",
            advice: "open it with its password and save an unprotected copy",
        });
    }
    let table_name = if flags & 0x0200 != 0 {
        "1Table"
    } else {
        "0Table"
    };
    if !cf.is_stream(table_name) {
        return Err(corrupt(format!("the {table_name} stream is missing")));
    }
    let table = read(&mut cf, table_name)?;
    // (paragraph properties too large for their page live in the Data stream)
    let data = if cf.is_stream("Data") {
        read(&mut cf, "Data")?
    } else {
        Vec::new()
    };
    Ok((word, table, data))
}

/// From the FIB: the main text's length in characters, and the (offset, length) pairs of the
/// table stream's structures the reader needs: `Clx` and `PlcBtePapx`.
struct Fib {
    ccp_text: u32,
    /// Where the text boxes' text starts (after the footnotes, headers, comments and
    /// endnotes), and its length.
    txbx: (u32, u32),
    clx: (u32, u32),
    bte_papx: (u32, u32),
    /// `PlcSpaMom`: the main text's shapes and where they are placed (none when the FIB is
    /// too short to say).
    spa_mom: Option<(u32, u32)>,
    /// `PlcftxbxTxt`: the text boxes' stretches of their story and their shapes.
    plc_txbx: Option<(u32, u32)>,
}

fn fib(word: &[u8]) -> Result<Fib, ExtractError> {
    let short = || corrupt("the FIB is truncated");
    let csw = usize::from(u16_at(word, 32).ok_or_else(short)?);
    let at_cslw = 34 + 2 * csw;
    let cslw = usize::from(u16_at(word, at_cslw).ok_or_else(short)?);
    let rg_lw = at_cslw + 2;
    let ccp_text = u32_at(word, rg_lw + 12).ok_or_else(short)?;
    // ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn, then ccpTxbx
    let mut txbx_start = u64::from(ccp_text);
    for k in 0..5 {
        txbx_start += u64::from(u32_at(word, rg_lw + 16 + 4 * k).unwrap_or(0));
    }
    let ccp_txbx = u32_at(word, rg_lw + 36).unwrap_or(0);
    let txbx = (u32::try_from(txbx_start).unwrap_or(u32::MAX), ccp_txbx);
    let at_cb = rg_lw + 4 * cslw;
    let cb = usize::from(u16_at(word, at_cb).ok_or_else(short)?);
    let rg = at_cb + 2;
    let pair = |i: usize| -> Result<(u32, u32), ExtractError> {
        if i >= cb {
            return Err(short());
        }
        Ok((
            u32_at(word, rg + 8 * i).ok_or_else(short)?,
            u32_at(word, rg + 8 * i + 4).ok_or_else(short)?,
        ))
    };
    Ok(Fib {
        ccp_text,
        txbx,
        bte_papx: pair(13)?,
        clx: pair(33)?,
        spa_mom: pair(40).ok(),
        plc_txbx: pair(56).ok(),
    })
}

/// The piece table of the `Clx` (its `Prc` property groups skipped).
fn pieces(table: &[u8], (fc, lcb): (u32, u32)) -> Result<Vec<Piece>, ExtractError> {
    let bad = || corrupt("the piece table is damaged");
    let start = fc as usize;
    let clx = table
        .get(start..start.checked_add(lcb as usize).ok_or_else(bad)?)
        .ok_or_else(bad)?;
    let mut at = 0usize;
    loop {
        match clx.get(at) {
            Some(1) => {
                let cb = u16_at(clx, at + 1).ok_or_else(bad)? as i16;
                if cb < 0 {
                    return Err(bad());
                }
                at += 3 + cb as usize;
            }
            Some(2) => break,
            _ => return Err(bad()),
        }
    }
    let lcb = u32_at(clx, at + 1).ok_or_else(bad)? as usize;
    let plc = clx.get(at + 5..at + 5 + lcb).ok_or_else(bad)?;
    if lcb < 4 || !(lcb - 4).is_multiple_of(12) {
        return Err(bad());
    }
    let n = (lcb - 4) / 12;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let cp = u32_at(plc, 4 * i).ok_or_else(bad)?;
        let cp_end = u32_at(plc, 4 * (i + 1)).ok_or_else(bad)?;
        let pcd = 4 * (n + 1) + 8 * i;
        let raw = u32_at(plc, pcd + 2).ok_or_else(bad)?;
        let compressed = raw & 0x4000_0000 != 0;
        let fc = if compressed {
            (raw & !0x4000_0000) / 2
        } else {
            raw
        };
        if cp_end < cp || out.last().is_some_and(|p: &Piece| p.cp_end > cp) {
            return Err(bad());
        }
        out.push(Piece {
            cp,
            cp_end,
            fc,
            compressed,
        });
    }
    Ok(out)
}

/// What a paragraph's properties say: in a table, and the end of a table row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Para {
    in_table: bool,
    row_end: bool,
}

/// The paragraph runs of the `PapxFkp` pages: `(fc, fc_end, properties)`, sorted by `fc`.
fn paragraph_runs(
    word: &[u8],
    table: &[u8],
    data: &[u8],
    (fc, lcb): (u32, u32),
) -> Vec<(u32, u32, Para)> {
    let mut runs = Vec::new();
    let Some(plc) = table.get(fc as usize..(fc as usize).saturating_add(lcb as usize)) else {
        return runs;
    };
    if plc.len() < 4 || (plc.len() - 4) % 8 != 0 {
        return runs;
    }
    let n = (plc.len() - 4) / 8;
    for i in 0..n {
        let Some(pn) = u32_at(plc, 4 * (n + 1) + 4 * i) else {
            continue;
        };
        let page = (pn & 0x003F_FFFF) as usize * 512;
        let Some(fkp) = word.get(page..page + 512) else {
            continue;
        };
        let crun = usize::from(fkp[511]);
        for r in 0..crun {
            let (Some(a), Some(b)) = (u32_at(fkp, 4 * r), u32_at(fkp, 4 * (r + 1))) else {
                break;
            };
            let bx = 4 * (crun + 1) + 13 * r;
            let Some(&offset) = fkp.get(bx) else { break };
            let props = if offset == 0 {
                Para::default()
            } else {
                papx(fkp, 2 * usize::from(offset), data)
            };
            runs.push((a, b, props));
        }
    }
    runs.sort_by_key(|r| r.0);
    runs
}

/// The table flags of the `PapxInFkp` at `at` of a page (`data`: the Data stream, where a
/// `sprmPHugePapx` points).
fn papx(fkp: &[u8], at: usize, data: &[u8]) -> Para {
    let mut p = Para::default();
    let Some(&cb) = fkp.get(at) else { return p };
    let (start, len) = if cb != 0 {
        (at + 1, 2 * usize::from(cb) - 1)
    } else {
        match fkp.get(at + 1) {
            Some(&cb2) => (at + 2, 2 * usize::from(cb2)),
            None => return p,
        }
    };
    let Some(grpprl) = fkp.get(start..(start + len).min(fkp.len())) else {
        return p;
    };
    // the style index, then the property modifiers
    sprms(&grpprl[grpprl.len().min(2)..], data, &mut p);
    p
}

/// Reads the table flags of a run of property modifiers into `p`.
fn sprms(grpprl: &[u8], data: &[u8], p: &mut Para) {
    let mut k = 0;
    while k + 2 <= grpprl.len() {
        let Some(sprm) = u16_at(grpprl, k) else { break };
        k += 2;
        let operand = grpprl.get(k).copied();
        match sprm {
            // sprmPFInTable, sprmPFTtp, sprmPFInnerTtp
            0x2416 => p.in_table = operand == Some(1),
            0x2417 | 0x244C => p.row_end |= operand == Some(1),
            // sprmPItap (table depth)
            0x6649 => p.in_table |= u32_at(grpprl, k).is_some_and(|d| d > 0),
            // sprmPHugePapx: the rest is in the Data stream (a length, then the modifiers)
            0x6646 => {
                if let Some(at) = u32_at(grpprl, k).map(|a| a as usize) {
                    if let Some(cb) = u16_at(data, at) {
                        let end = (at + 2).saturating_add(usize::from(cb)).min(data.len());
                        if let Some(huge) = data.get(at + 2..end) {
                            sprms(huge, &[], p);
                        }
                    }
                }
            }
            _ => {}
        }
        let size = match sprm >> 13 {
            0 | 1 => 1,
            2 | 4 | 5 => 2,
            3 => 4,
            7 => 3,
            _ => match sprm {
                // sprmTDefTable and sprmTDefTable10: a two-byte length, counting one of them
                0xD608 | 0xD606 => match u16_at(grpprl, k) {
                    Some(cb) => 1 + usize::from(cb),
                    None => break,
                },
                // sprmPChgTabs: 255 opens a layout this reader does not follow
                0xC615 if operand == Some(255) => break,
                _ => match operand {
                    Some(cb) => 1 + usize::from(cb),
                    None => break,
                },
            },
        };
        k += size;
    }
}

/// The properties of the paragraph whose mark is at stream offset `fc`.
fn para_at(runs: &[(u32, u32, Para)], fc: u64) -> Option<Para> {
    let i = runs.partition_point(|r| u64::from(r.0) <= fc);
    let r = runs.get(i.checked_sub(1)?)?;
    (fc < u64::from(r.1)).then_some(r.2)
}

/// What a `.doc` gives: its text in reading order, or text boxes placed on pages.
pub(crate) enum Content {
    /// Paragraphs and tables.
    Flow(Vec<Block>),
    /// Text boxes by position (twips), to be laid out as PDF text is.
    Placed(Vec<Placed>),
}

/// Reads a `.doc`/`.wps` into blocks: paragraphs and tables.
#[cfg(test)]
pub(crate) fn read_blocks(bytes: &[u8]) -> Result<Vec<Block>, ExtractError> {
    match read(bytes)? {
        Content::Flow(b) => Ok(b),
        Content::Placed(_) => Err(corrupt("placed text boxes, not a flow")),
    }
}

/// Reads a `.doc`/`.wps`: paragraphs and tables, or its text boxes by position.
pub(crate) fn read(bytes: &[u8]) -> Result<Content, ExtractError> {
    let (word, table, data) = streams(bytes)?;
    let fib = fib(&word)?;
    // every character takes a byte of the stream at least: a longer text is a lie that would
    // make the reader loop over nothing (the pieces' positions only ever increase, so the
    // characters read are at most this many)
    if fib.ccp_text as usize > word.len() {
        return Err(corrupt(format!(
            "the FIB says the text has {} characters, more than the {} bytes of its stream",
            fib.ccp_text,
            word.len()
        )));
    }
    let pieces = pieces(&table, fib.clx)?;
    let runs = paragraph_runs(&word, &table, &data, fib.bte_papx);
    let mut b = Builder::default();
    read_range(&word, &pieces, &runs, (0, fib.ccp_text), &mut b)?;
    // a document whose main text is (nearly) empty but has text boxes (a PDF imported into
    // Writer puts every line in a box of its own): the boxes' text, in their order
    let (from, len) = fib.txbx;
    let main_chars: usize = b
        .blocks
        .iter()
        .map(|x| match x {
            Block::Para(p) => p.chars().count(),
            Block::Table(_) => 1000,
            Block::Embed(_) => 0,
        })
        .sum::<usize>()
        + b.text.chars().count();
    if main_chars < 200 && len > 0 && (u64::from(from) + u64::from(len)) <= word.len() as u64 {
        if let Some(placed) = placed_boxes(&word, &table, &pieces, &runs, &fib) {
            return Ok(Content::Placed(placed));
        }
        read_range(&word, &pieces, &runs, (from, from + len), &mut b)?;
    }
    Ok(Content::Flow(b.finish()))
}

/// Most shapes placed.
const MAX_SHAPES: usize = 100_000;

/// The text boxes placed on their pages (module doc), or `None` when the shapes' positions
/// or the boxes' shapes cannot be read (the boxes are then read in their stored order).
fn placed_boxes(
    word: &[u8],
    table: &[u8],
    pieces: &[Piece],
    runs: &[(u32, u32, Para)],
    fib: &Fib,
) -> Option<Vec<Placed>> {
    // PlcSpaMom: n + 1 CPs, then n FSPA of 26 bytes (spid, xaLeft, yaTop, xaRight, yaBottom,
    // flags, cTxbx)
    let (fc, lcb) = fib.spa_mom?;
    let (fc, lcb) = (fc as usize, lcb as usize);
    let n = lcb.checked_sub(4)? / 30;
    if n == 0 || n > MAX_SHAPES || fc.checked_add(lcb)? > table.len() {
        return None;
    }
    let i32_at = |at: usize| u32_at(table, at).map(|v| v as i32);
    let at_spa = fc + 4 * (n + 1);
    // (spid → left, top, right, bottom), in anchor order
    let mut shapes: Vec<(u32, [i32; 4])> = Vec::with_capacity(n);
    for k in 0..n {
        let a = at_spa + 26 * k;
        let spid = u32_at(table, a)?;
        let r = [
            i32_at(a + 4)?,
            i32_at(a + 8)?,
            i32_at(a + 12)?,
            i32_at(a + 16)?,
        ];
        shapes.push((spid, r));
    }
    let mut page_of: std::collections::HashMap<u32, (u32, [i32; 4])> =
        std::collections::HashMap::with_capacity(n);
    for ((spid, r), page) in shapes.iter().zip(pages_in_order(&shapes)) {
        page_of.entry(*spid).or_insert((page, *r));
    }
    // PlcftxbxTxt: m + 1 CPs of the text-box story, then m FTXBXS of 22 bytes (the last
    // one a dummy), whose `lid` at byte 14 is the shape's id
    let (fc, lcb) = fib.plc_txbx?;
    let (fc, lcb) = (fc as usize, lcb as usize);
    let m = lcb.checked_sub(4)? / 26;
    if m == 0 || m > MAX_SHAPES || fc.checked_add(lcb)? > table.len() {
        return None;
    }
    let (from, len) = fib.txbx;
    let mut placed = Vec::new();
    for k in 0..m {
        let (start, end) = (u32_at(table, fc + 4 * k)?, u32_at(table, fc + 4 * k + 4)?);
        if start >= end || end > len {
            continue;
        }
        let lid = u32_at(table, fc + 4 * (m + 1) + 22 * k + 14)?;
        let Some(&(page, [left, top, right, bottom])) = page_of.get(&lid) else {
            continue;
        };
        let mut b = Builder::default();
        read_range(word, pieces, runs, (from + start, from + end), &mut b).ok()?;
        let lines: Vec<String> = b
            .finish()
            .into_iter()
            .filter_map(|x| match x {
                Block::Para(p) if !p.trim().is_empty() => Some(p.trim().to_owned()),
                _ => None,
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        // a box of several lines: each its share of the height
        let h = f64::from(bottom.saturating_sub(top).max(1)) / lines.len() as f64;
        for (i, text) in lines.into_iter().enumerate() {
            placed.push(Placed {
                page,
                x: f64::from(left),
                y: f64::from(top) + h * i as f64,
                w: f64::from(right.saturating_sub(left).max(1)),
                h,
                text,
            });
        }
    }
    (!placed.is_empty()).then_some(join_touching(placed))
}

/// The page of each shape, in anchor order (the order they were drawn, page by page): a
/// shape whose top lies more than half a page (half the lowest bottom of all) above the
/// lowest top of its page so far starts the next page.
fn pages_in_order(shapes: &[(u32, [i32; 4])]) -> Vec<u32> {
    let half = f64::from(shapes.iter().map(|(_, r)| r[3]).max().unwrap_or(0)) / 2.0;
    let (mut page, mut lowest) = (1u32, None::<i32>);
    shapes
        .iter()
        .map(|(_, r)| {
            if lowest.is_some_and(|l| f64::from(l) - f64::from(r[1]) > half) {
                page += 1;
                lowest = None;
            }
            lowest = Some(lowest.map_or(r[1], |l| l.max(r[1])));
            page
        })
        .collect()
}

/// Joins boxes that touch on one line (`本年增`, `/`, `减` drawn as three runs, the `/` in a
/// smaller size on the same baseline; a number drawn digit by digit) into one, as the OFD
/// reader joins characters: laid out apart, the `/` would stand alone as a blank cell. Words
/// join across a gap of half a line's height (a box's width is the writer's estimate), digits
/// only when they touch: boxes a cell's padding apart stay apart.
fn join_touching(mut boxes: Vec<Placed>) -> Vec<Placed> {
    let bottom = |b: &Placed| b.y + b.h;
    boxes.sort_by(|a, b| a.page.cmp(&b.page).then(bottom(a).total_cmp(&bottom(b))));
    let mut out: Vec<Placed> = Vec::with_capacity(boxes.len());
    let mut line: Vec<Placed> = Vec::new();
    let flush = |line: &mut Vec<Placed>, out: &mut Vec<Placed>| {
        line.sort_by(|a, b| a.x.total_cmp(&b.x));
        let start = out.len();
        for b in line.drain(..) {
            if let Some(a) = out[start..].last_mut() {
                let h = a.h.min(b.h);
                let gap = (b.x - (a.x + a.w)).abs();
                // (digits a little apart may be two cells' numbers: only touching ones join)
                let digits = a.text.ends_with(|c: char| c.is_ascii_digit())
                    || b.text.starts_with(|c: char| c.is_ascii_digit());
                if gap < 0.15 * h || (!digits && gap < 0.5 * h) {
                    a.text.push_str(&b.text);
                    let right = (b.x + b.w).max(a.x + a.w);
                    let top = a.y.min(b.y);
                    a.h = (a.y + a.h).max(b.y + b.h) - top;
                    a.y = top;
                    a.w = right - a.x;
                    continue;
                }
            }
            out.push(b);
        }
    };
    for b in boxes {
        // a line: boxes whose bottoms (baselines) lie within a quarter of a line's height
        // of its first
        let new_line = line
            .first()
            .is_some_and(|f| f.page != b.page || bottom(&b) - bottom(f) > 0.25 * f.h.min(b.h));
        if new_line {
            flush(&mut line, &mut out);
        }
        line.push(b);
    }
    flush(&mut line, &mut out);
    out
}

/// Reads the characters `[from, to)` of the text into `b`.
fn read_range(
    word: &[u8],
    pieces: &[Piece],
    runs: &[(u32, u32, Para)],
    (from, to): (u32, u32),
    b: &mut Builder,
) -> Result<(), ExtractError> {
    // per open field: whether its result has begun (its code is skipped)
    let mut fields: Vec<bool> = Vec::new();
    for p in pieces {
        let (start, end) = (p.cp.max(from), p.cp_end.min(to));
        for cp in start..end {
            let fc = p.fc_of(cp);
            let c = if p.compressed {
                let Some(&byte) = word.get(fc as usize) else {
                    return Err(corrupt("a piece lies outside the WordDocument stream"));
                };
                let one = [byte];
                let (s, _, _) = encoding_rs::WINDOWS_1252.decode(&one);
                s.chars().next().unwrap_or('\u{FFFD}')
            } else {
                let Some(unit) = u16_at(word, fc as usize) else {
                    return Err(corrupt("a piece lies outside the WordDocument stream"));
                };
                char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}')
            };
            match c {
                '\u{13}' => fields.push(false),
                '\u{14}' => {
                    if let Some(f) = fields.last_mut() {
                        *f = true;
                    }
                }
                '\u{15}' => {
                    fields.pop();
                }
                // inside a field's code
                _ if fields.iter().any(|result| !result) => {}
                '\r' | '\u{0C}' => {
                    let props = para_at(runs, fc).unwrap_or_default();
                    b.paragraph_end(props.in_table);
                }
                '\u{07}' => {
                    let props = para_at(runs, fc);
                    b.cell_mark(props.map(|p| p.row_end));
                }
                // a line break separates like a paragraph; a tab separates cells (see
                // `read_blocks`' caller: `297\t3` is two numbers, never 2973); inside a table
                // cell both are spaces
                '\u{0B}' => b.text.push('\n'),
                '\t' => b.text.push('\t'),
                '\u{1E}' => b.text.push('-'),
                '\u{A0}' => b.text.push(' '),
                c if (c as u32) < 0x20 || c == '\u{1F}' => {}
                c => b.text.push(c),
            }
        }
    }
    Ok(())
}

/// Paragraphs and table rows as the characters arrive.
#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    /// The paragraph (or cell paragraph) being read.
    text: String,
    /// The cell being read: its finished paragraphs.
    cell: String,
    /// The row being read.
    row: Vec<String>,
    /// The table being read.
    rows: Vec<Vec<String>>,
    /// Whether the last mark ended a cell (for the fallback without paragraph properties).
    after_cell: bool,
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Builder {
    fn paragraph_end(&mut self, in_table: bool) {
        self.after_cell = false;
        if in_table {
            // a paragraph inside a cell: the cell goes on
            if !self.cell.is_empty() && !self.text.trim().is_empty() {
                self.cell.push(' ');
            }
            self.cell.push_str(&self.text);
            self.text.clear();
            return;
        }
        self.close_table();
        let text = std::mem::take(&mut self.text);
        for line in text.split('\n') {
            // (a line with tabs keeps them: its cells)
            let t = if line.contains('\t') {
                line.split('\t').map(norm).collect::<Vec<_>>().join("\t")
            } else {
                norm(line)
            };
            if !t.trim().is_empty() {
                self.blocks.push(Block::Para(t));
            }
        }
    }

    /// A `\x07`: the end of a cell, or (`row_end`) of a row. Without paragraph properties
    /// (`None`), a mark right after a cell's mark with nothing between ends the row.
    fn cell_mark(&mut self, row_end: Option<bool>) {
        let row_end = row_end.unwrap_or(self.after_cell && self.text.is_empty());
        if row_end {
            self.text.clear();
            self.cell.clear();
            let row = std::mem::take(&mut self.row);
            self.rows.push(row);
            self.after_cell = false;
            return;
        }
        if !self.cell.is_empty() && !self.text.trim().is_empty() {
            self.cell.push(' ');
        }
        self.cell.push_str(&self.text);
        self.text.clear();
        self.row.push(norm(&std::mem::take(&mut self.cell)));
        self.after_cell = true;
    }

    fn close_table(&mut self) {
        if !self.row.is_empty() {
            let row = std::mem::take(&mut self.row);
            self.rows.push(row);
        }
        if self.rows.is_empty() {
            return;
        }
        let rows = std::mem::take(&mut self.rows);
        self.blocks.push(table_of(rows));
    }

    fn finish(mut self) -> Vec<Block> {
        if !self.text.trim().is_empty() || !self.row.is_empty() || !self.rows.is_empty() {
            self.paragraph_end(false);
        }
        self.blocks
    }
}

/// A table of rows of cell texts (one grid column each).
fn table_of(rows: Vec<Vec<String>>) -> Block {
    let rows = rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|text| TCell {
                    colspan: 1,
                    rowspan: 1,
                    continued: false,
                    skip_before: 0,
                    content: if text.is_empty() {
                        Vec::new()
                    } else {
                        vec![Block::Para(text)]
                    },
                })
                .collect()
        })
        .collect();
    Block::Table(Table { rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text boxes placed on the page, damaged anywhere (the shapes' table, the text-box
    /// table, their offsets): read or refused, never a panic.
    #[test]
    fn damaged_placed_boxes_are_never_a_panic() {
        let good: &[u8] =
            include_bytes!("../../../tests/fixtures/doc_boxes/docs/synth_000000_pdf_2021_utf8.doc");
        assert!(matches!(read(good), Ok(Content::Placed(_))));
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut placed, mut refused) = (0, 0);
        for _ in 0..2000 {
            let mut bytes = good.to_vec();
            for _ in 0..1 + next() % 32 {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] = next() as u8;
            }
            match read(&bytes) {
                Ok(Content::Placed(_)) => placed += 1,
                Ok(Content::Flow(_)) => {}
                Err(_) => refused += 1,
            }
        }
        // (the damage reached both the boxes read and the refusals)
        assert!(placed > 100 && refused > 10, "{placed} {refused}");
    }

    #[test]
    fn garbage_is_damaged_not_a_panic() {
        for bytes in [
            &b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"[..],
            &b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0\0\0\0\0\0\0\0\0"[..],
        ] {
            assert!(matches!(
                read_blocks(bytes),
                Err(ExtractError::Corrupt { .. })
            ));
        }
    }

    /// A PDF imported into Writer: shapes drawn page by page, each page from its top (a
    /// footer drawn first or last stays on its page), and boxes that touch joined.
    #[test]
    fn placed_boxes_find_their_pages_and_join_when_they_touch() {
        let at = |top: i32| (0u32, [1000, top, 2000, top + 300]);
        let shapes = [
            at(800),
            at(1500),
            at(15800),
            at(700),
            at(1400),
            at(1300),
            at(15800),
        ];
        assert_eq!(pages_in_order(&shapes), [1, 1, 1, 2, 2, 2, 2]);
        // a footer drawn first on page 2 falls to page 1: it is still alone on its line
        let shapes = [at(800), at(15000), at(15800), at(700)];
        assert_eq!(pages_in_order(&shapes), [1, 1, 1, 2]);
        let b = |x: f64, y: f64, w: f64, h: f64, t: &str| Placed {
            page: 1,
            x,
            y,
            w,
            h,
            text: t.to_owned(),
        };
        let joined = join_touching(vec![
            // `本年增` `/` `减`: the `/` smaller, on the same baseline, a little apart
            b(
                1136.0,
                7344.0,
                2892.0,
                291.0,
                "信息内容 上一年项目数量 本年增",
            ),
            b(4256.0, 7344.0, 202.0, 291.0, "减"),
            b(4136.0, 7409.0, 122.0, 228.0, "/"),
            // two cells' numbers a cell's padding apart stay two numbers; digits that touch
            // are one number
            b(5000.0, 7344.0, 120.0, 291.0, "12"),
            b(5230.0, 7344.0, 60.0, 291.0, "5"),
            b(6000.0, 7344.0, 60.0, 291.0, "3"),
            b(6062.0, 7344.0, 60.0, 291.0, "0"),
            // the next line
            b(1136.0, 7900.0, 600.0, 291.0, "规章"),
        ]);
        let texts: Vec<&str> = joined.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            ["信息内容 上一年项目数量 本年增/减", "12", "5", "30", "规章"]
        );
    }

    #[test]
    fn sprm_sizes_and_table_flags() {
        // istd 0, sprmPFInTable 1, sprmPFTtp 1
        let grpprl = [0u8, 0, 0x16, 0x24, 1, 0x17, 0x24, 1];
        let mut page = vec![0u8; 512];
        // an even length: cb 0, then the length in words
        page[100] = 0;
        page[101] = (grpprl.len() / 2) as u8;
        page[102..102 + grpprl.len()].copy_from_slice(&grpprl);
        let p = papx(&page, 100, &[]);
        assert!(p.in_table && p.row_end);
        // a cell paragraph: in the table, not the row's end
        let grpprl = [0u8, 0, 0x16, 0x24, 1];
        page[200] = 3;
        page[201..201 + grpprl.len()].copy_from_slice(&grpprl);
        assert_eq!(
            papx(&page, 200, &[]),
            Para {
                in_table: true,
                row_end: false
            }
        );
    }

    #[test]
    fn cells_rows_and_paragraphs() {
        let mut b = Builder::default();
        for c in "标题".chars() {
            b.text.push(c);
        }
        b.paragraph_end(false);
        // a row of three cells, the middle one empty, then its row mark
        b.text.push_str("规章");
        b.cell_mark(Some(false));
        b.cell_mark(Some(false));
        b.text.push('5');
        b.cell_mark(Some(false));
        b.cell_mark(Some(true));
        b.text.push_str("正文");
        b.paragraph_end(false);
        // a paragraph with tabs keeps them between its cells, never one number
        b.text.push_str("规范性文件\t\t 4 ");
        b.paragraph_end(false);
        let blocks = b.finish();
        assert_eq!(blocks.len(), 4);
        assert!(matches!(&blocks[3], Block::Para(p) if p == "规范性文件\t\t4"));
        match &blocks[1] {
            Block::Table(t) => {
                let texts: Vec<String> = t.rows[0]
                    .iter()
                    .map(|c| match c.content.first() {
                        Some(Block::Para(s)) => s.clone(),
                        _ => String::new(),
                    })
                    .collect();
                assert_eq!(texts, ["规章", "", "5"]);
            }
            b => panic!("{b:?}"),
        }
    }
}
