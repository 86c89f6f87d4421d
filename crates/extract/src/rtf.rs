//! RTF documents (what Word, WPS and LibreOffice write as "Rich Text Format", and what some
//! portals publish as `.rtf` or as a `.doc` that is really RTF): paragraphs and tables as
//! [`Block`]s for the shared grid renderer.
//!
//! A small tokenizer over the RTF 1.9 syntax: groups, control words and symbols, `\'hh` bytes
//! decoded with the document's code page (`\ansicpg936`) or the current font's character set
//! (`\fcharset134`), `\uN` characters with their `\ucN` fallbacks skipped, and `\binN` data
//! skipped. Destinations that hold no document text (font and colour tables, style sheets,
//! document information, pictures, objects, headers and footers, field instructions and every
//! `\*` destination) are skipped. Tables are rebuilt from `\cell` and `\row` marks; a cell's
//! column span comes from the row's cell boundaries (`\cellxN`) against the boundaries of all
//! the table's rows, horizontal merges (`\clmrg`) join their first cell and vertical merge
//! continuations (`\clvmrg`) hold their grid position without text. Struck (`\strike`,
//! `\striked1`) and hidden (`\v`) text is not read, as in the other readers.

use encoding_rs::Encoding;

use crate::grid::{collapse_ws, Block, TCell, Table};
use crate::ExtractError;

/// Deepest group nesting accepted (Word's own documents stay far below).
const MAX_DEPTH: usize = 512;

/// Destinations whose content is not document text.
const SKIPPED: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "header",
    "headerl",
    "headerr",
    "headerf",
    "footer",
    "footerl",
    "footerr",
    "footerf",
    "fldinst",
    "listtable",
    "listoverridetable",
    "revtbl",
    "rsidtbl",
    "xmlnstbl",
    "footnote",
    "annotation",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "generator",
    "filetbl",
    "pgdsctbl",
    "nonshppict",
];

/// Formatting state of one group.
#[derive(Debug, Clone, Copy)]
struct State {
    /// Characters of fallback after `\uN`.
    uc: usize,
    /// Inside a destination that is not text.
    skip: bool,
    /// Struck or hidden text.
    unread: bool,
    /// The current font's encoding for `\'hh` bytes, when its character set names one.
    font: Option<&'static Encoding>,
}

/// One cell definition of the current row: its right boundary and merge flags.
#[derive(Debug, Clone, Copy, Default)]
struct CellDef {
    right: i64,
    hmerged: bool,
    vmerged: bool,
}

/// Paragraphs and tables as they are built.
#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    /// The current paragraph's text.
    para: String,
    /// Paragraphs of the current cell.
    cell: Vec<Block>,
    /// Cells of the current row.
    row: Vec<Vec<Block>>,
    /// Cell definitions of the current row (`\trowd` … `\cellx`).
    defs: Vec<CellDef>,
    /// A cell property (`\clvmrg`, `\clmrg`) waiting for its `\cellx`.
    pending: CellDef,
    /// Rows of the current table, each with its definitions.
    rows: Vec<(Vec<Vec<Block>>, Vec<CellDef>)>,
    /// The current paragraph is in a table (`\intbl`).
    in_table: bool,
}

impl Builder {
    fn end_paragraph(&mut self) {
        // tabs are kept: a document typed with tabs is read as tab-separated text
        let text = std::mem::take(&mut self.para)
            .split('\t')
            .map(collapse_ws)
            .collect::<Vec<_>>()
            .join("\t");
        if self.in_table {
            self.cell.push(Block::Para(text));
        } else {
            self.close_table();
            self.blocks.push(Block::Para(text));
        }
    }

    fn end_cell(&mut self) {
        if !self.para.is_empty() {
            let text = collapse_ws(&std::mem::take(&mut self.para));
            self.cell.push(Block::Para(text));
        }
        self.row.push(std::mem::take(&mut self.cell));
    }

    fn end_row(&mut self) {
        if !self.para.trim().is_empty() || !self.cell.is_empty() {
            self.end_cell();
        }
        self.para.clear();
        let cells = std::mem::take(&mut self.row);
        if !cells.is_empty() {
            self.rows.push((cells, self.defs.clone()));
        }
    }

    fn close_table(&mut self) {
        if !self.row.is_empty() || !self.cell.is_empty() {
            self.end_row();
        }
        if !self.rows.is_empty() {
            let rows = std::mem::take(&mut self.rows);
            self.blocks.push(Block::Table(table_of(rows)));
        }
    }

    fn finish(mut self) -> Vec<Block> {
        if !self.para.trim().is_empty() {
            self.end_paragraph();
        }
        self.in_table = false;
        self.close_table();
        self.blocks
    }
}

/// A table from its rows: spans from the cell boundaries of all rows (boundaries closer than
/// 30 twips, about half a millimetre, are one).
fn table_of(rows: Vec<(Vec<Vec<Block>>, Vec<CellDef>)>) -> Table {
    let mut edges: Vec<i64> = rows
        .iter()
        .flat_map(|(_, defs)| defs.iter().map(|d| d.right))
        .collect();
    edges.sort_unstable();
    edges.dedup_by(|b, a| *b - *a < 30);
    let column_of = |x: i64| {
        edges
            .iter()
            .position(|e| x - *e < 30)
            .unwrap_or(edges.len())
    };
    let mut table = Table::default();
    for (cells, defs) in rows {
        // cell definitions are usable only when there is one per cell
        let defs = (defs.len() == cells.len()).then_some(defs);
        let mut out: Vec<TCell> = Vec::new();
        let mut left_col = 0usize;
        for (i, content) in cells.into_iter().enumerate() {
            let def = defs.as_ref().map(|d| d[i]);
            let colspan = match def {
                Some(d) => {
                    let right_col = column_of(d.right) + 1;
                    let span = right_col.saturating_sub(left_col).max(1);
                    left_col = left_col.max(right_col);
                    span
                }
                None => 1,
            };
            if let (Some(d), Some(prev)) = (def, out.last_mut()) {
                if d.hmerged {
                    prev.colspan += colspan;
                    continue;
                }
            }
            let continued = def.is_some_and(|d| d.vmerged);
            out.push(TCell {
                colspan,
                rowspan: 1,
                continued,
                skip_before: 0,
                content: if continued { Vec::new() } else { content },
            });
        }
        table.rows.push(out);
    }
    table
}

/// The encoding of a Windows code page (`\ansicpgN`).
fn codepage(n: i64) -> Option<&'static Encoding> {
    let label = match n {
        936 | 20936 | 54936 => "gb18030",
        950 => "big5",
        932 => "shift_jis",
        949 => "euc-kr",
        65001 => "utf-8",
        874 => "windows-874",
        1250..=1258 => return Encoding::for_label(format!("windows-{n}").as_bytes()),
        _ => return None,
    };
    Encoding::for_label(label.as_bytes())
}

/// The encoding of a font character set (`\fcharsetN`).
fn charset(n: i64) -> Option<&'static Encoding> {
    codepage(match n {
        134 => 936,
        136 => 950,
        128 => 932,
        129 => 949,
        222 => 874,
        238 => 1250,
        204 => 1251,
        161 => 1253,
        162 => 1254,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        163 => 1258,
        _ => return None,
    })
}

/// A token of RTF.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Open,
    Close,
    /// A control word and its parameter.
    Word(&'a str, Option<i64>),
    /// A control symbol (`\~`, `\*`, `\\` …).
    Symbol(u8),
    /// A `\'hh` byte.
    Hex(u8),
    /// A run of plain bytes.
    Text(&'a [u8]),
}

struct Lexer<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Option<Token<'a>> {
        let b = self.b;
        loop {
            let c = *b.get(self.at)?;
            match c {
                b'{' => {
                    self.at += 1;
                    return Some(Token::Open);
                }
                b'}' => {
                    self.at += 1;
                    return Some(Token::Close);
                }
                // line breaks in the file are not text
                b'\r' | b'\n' => self.at += 1,
                b'\\' => return Some(self.control()),
                _ => {
                    let start = self.at;
                    while self
                        .b
                        .get(self.at)
                        .is_some_and(|c| !matches!(c, b'{' | b'}' | b'\\' | b'\r' | b'\n'))
                    {
                        self.at += 1;
                    }
                    return Some(Token::Text(&b[start..self.at]));
                }
            }
        }
    }

    fn control(&mut self) -> Token<'a> {
        let b = self.b;
        self.at += 1; // the backslash
        let Some(&c) = b.get(self.at) else {
            return Token::Symbol(b'\\');
        };
        if !c.is_ascii_alphabetic() {
            self.at += 1;
            if c == b'\'' {
                let hex = b.get(self.at..self.at + 2).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                });
                if let Some(v) = hex {
                    self.at += 2;
                    return Token::Hex(v);
                }
                return Token::Symbol(b'?');
            }
            // `\<newline>` is a paragraph mark
            if c == b'\n' || c == b'\r' {
                return Token::Word("par", None);
            }
            return Token::Symbol(c);
        }
        let start = self.at;
        while b
            .get(self.at)
            .is_some_and(|c| c.is_ascii_alphabetic() && self.at - start < 32)
        {
            self.at += 1;
        }
        let word = std::str::from_utf8(&b[start..self.at]).unwrap_or("");
        let num_start = self.at;
        if b.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        while b
            .get(self.at)
            .is_some_and(|c| c.is_ascii_digit() && self.at - num_start < 11)
        {
            self.at += 1;
        }
        let param = std::str::from_utf8(&b[num_start..self.at])
            .ok()
            .and_then(|s| s.parse::<i64>().ok());
        if param.is_none() {
            self.at = num_start;
        }
        // one space delimits the control word and belongs to it
        if b.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
        Token::Word(word, param)
    }
}

/// Whether the bytes are an RTF document (`{\rtf`, after white space or a UTF-8 BOM).
pub(crate) fn is_rtf(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    b[start..].starts_with(b"{\\rtf")
}

/// Reads an RTF document into blocks, with the name of the encoding of its `\'hh` bytes.
pub(crate) fn read_blocks(bytes: &[u8]) -> Result<(Vec<Block>, &'static str), ExtractError> {
    let corrupt = |reason: &str| ExtractError::Corrupt {
        format: "RTF",
        reason: reason.to_owned(),
    };
    let mut lx = Lexer { b: bytes, at: 0 };
    let mut stack: Vec<State> = Vec::new();
    let mut st = State {
        uc: 1,
        skip: false,
        unread: false,
        font: None,
    };
    let mut ansi: &'static Encoding = encoding_rs::WINDOWS_1252;
    let mut fonts: Vec<(i64, &'static Encoding)> = Vec::new();
    let mut deff: Option<i64> = None;
    // the font table is read for its character sets: the font being defined
    let mut font_def: Option<i64> = None;
    let mut in_fonttbl_depth: Option<usize> = None;
    let mut out = Builder::default();
    let mut bytes_run: Vec<u8> = Vec::new();
    // fallback characters still to skip after `\uN`
    let mut fallback = 0usize;
    // the next group is an ignorable destination (`{\*\…`)
    let mut star = false;
    // the first token after `{` (a destination word applies to its group)
    let mut group_start = false;
    let mut seen_rtf = false;

    let flush = |run: &mut Vec<u8>, para: &mut String, enc: &'static Encoding| {
        if !run.is_empty() {
            let (s, _, _) = enc.decode(run);
            para.push_str(&s);
            run.clear();
        }
    };

    while let Some(tok) = lx.next() {
        let first = std::mem::replace(&mut group_start, false);
        if !matches!(tok, Token::Hex(_)) {
            let enc = st.font.unwrap_or(ansi);
            flush(&mut bytes_run, &mut out.para, enc);
        }
        match tok {
            Token::Open => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ExtractError::Refused {
                        format: "RTF",
                        reason: format!("groups nested deeper than {MAX_DEPTH}"),
                    });
                }
                stack.push(st);
                group_start = true;
                star = false;
                fallback = 0;
            }
            Token::Close => {
                if in_fonttbl_depth == Some(stack.len()) {
                    in_fonttbl_depth = None;
                }
                match stack.pop() {
                    Some(s) => st = s,
                    // text after the document's closing brace is not the document's
                    None => break,
                }
                fallback = 0;
            }
            Token::Symbol(c) => {
                if c == b'*' {
                    star = true;
                    group_start = first;
                    continue;
                }
                if fallback > 0 {
                    fallback -= 1;
                    continue;
                }
                if st.skip || st.unread {
                    continue;
                }
                match c {
                    b'~' => out.para.push('\u{a0}'),
                    b'_' => out.para.push('-'),
                    b'\\' | b'{' | b'}' => out.para.push(c as char),
                    _ => {}
                }
            }
            Token::Hex(v) => {
                if fallback > 0 {
                    fallback -= 1;
                    continue;
                }
                if !st.skip && !st.unread {
                    bytes_run.push(v);
                }
            }
            Token::Text(t) => {
                let mut t = t;
                if fallback > 0 {
                    let n = fallback.min(t.len());
                    fallback -= n;
                    t = &t[n..];
                }
                if in_fonttbl_depth.is_some() {
                    continue;
                }
                if !st.skip && !st.unread {
                    bytes_run.extend_from_slice(t);
                    let enc = st.font.unwrap_or(ansi);
                    flush(&mut bytes_run, &mut out.para, enc);
                }
            }
            Token::Word(w, p) => {
                if w == "rtf" {
                    seen_rtf = true;
                }
                if w == "bin" {
                    // binary data: skipped, whatever the state
                    let n = p.unwrap_or(0).max(0) as usize;
                    lx.at = lx.at.saturating_add(n).min(bytes.len());
                    continue;
                }
                if first && (star || SKIPPED.contains(&w)) {
                    if w == "fonttbl" {
                        in_fonttbl_depth = Some(stack.len());
                    }
                    st.skip = true;
                }
                star = false;
                if fallback > 0 && w != "u" {
                    fallback -= 1;
                    continue;
                }
                if in_fonttbl_depth.is_some() {
                    match (w, p) {
                        ("f", Some(n)) => font_def = Some(n),
                        ("fcharset", Some(cs)) => {
                            if let (Some(f), Some(enc)) = (font_def, charset(cs)) {
                                fonts.push((f, enc));
                            }
                        }
                        _ => {}
                    }
                    continue;
                }
                match (w, p) {
                    ("ansicpg", Some(n)) => {
                        if let Some(e) = codepage(n) {
                            ansi = e;
                        }
                    }
                    ("deff", Some(n)) => deff = Some(n),
                    ("uc", Some(n)) => st.uc = n.clamp(0, 16) as usize,
                    ("f", Some(n)) => {
                        st.font = fonts.iter().find(|(f, _)| *f == n).map(|(_, e)| *e);
                    }
                    ("plain", _) => {
                        st.unread = false;
                        st.font = deff
                            .and_then(|d| fonts.iter().find(|(f, _)| *f == d))
                            .map(|(_, e)| *e);
                    }
                    ("strike" | "striked" | "v", p) => st.unread = p != Some(0),
                    ("u", Some(n)) => {
                        if !st.skip && !st.unread {
                            let n = if n < 0 { n + 65536 } else { n };
                            if let Some(c) = u32::try_from(n).ok().and_then(char::from_u32) {
                                out.para.push(c);
                            }
                        }
                        fallback = st.uc;
                    }
                    _ if st.skip => {}
                    ("par", _) | ("sect", _) | ("page", _) => out.end_paragraph(),
                    ("line", _) => out.para.push(' '),
                    ("tab", _) => out.para.push('\t'),
                    ("emspace" | "enspace" | "qmspace", _) => out.para.push(' '),
                    ("emdash", _) => out.para.push('—'),
                    ("endash", _) => out.para.push('–'),
                    ("lquote", _) => out.para.push('‘'),
                    ("rquote", _) => out.para.push('’'),
                    ("ldblquote", _) => out.para.push('“'),
                    ("rdblquote", _) => out.para.push('”'),
                    ("bullet", _) => out.para.push('•'),
                    ("pard", _) => out.in_table = false,
                    ("intbl", _) => out.in_table = true,
                    ("trowd", _) => {
                        out.defs.clear();
                        out.pending = CellDef::default();
                    }
                    ("clmrg", _) => out.pending.hmerged = true,
                    ("clvmrg", _) => out.pending.vmerged = true,
                    ("cellx", Some(x)) => {
                        let mut d = std::mem::take(&mut out.pending);
                        d.right = x;
                        out.defs.push(d);
                    }
                    ("cell", _) => {
                        out.in_table = true;
                        out.end_cell();
                    }
                    ("nestcell", _) => out.para.push(' '),
                    ("row", _) => {
                        out.end_row();
                    }
                    _ => {}
                }
            }
        }
    }
    if !seen_rtf {
        return Err(corrupt("no \\rtf header"));
    }
    Ok((out.finish(), ansi.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .map(|b| match b {
                Block::Para(p) => p.clone(),
                Block::Embed(e) => format!("{e:?}"),
                Block::Table(t) => t
                    .rows
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|c| {
                                let t: Vec<String> = c
                                    .content
                                    .iter()
                                    .filter_map(|b| match b {
                                        Block::Para(p) => Some(p.clone()),
                                        _ => None,
                                    })
                                    .collect();
                                format!(
                                    "{}x{}{}",
                                    t.join("/"),
                                    c.colspan,
                                    if c.continued { "^" } else { "" }
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("|")
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            })
            .collect()
    }

    #[test]
    fn paragraphs_unicode_and_code_page_bytes() {
        let rtf = br"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 SimSun;}}{\*\generator x;}\uc1
\pard\plain \u19968\'3f\u12289\'3f\'d7\'dc\'cc\'e5\'c7\'e9\'bf\'f6\par
{\strike 15}12 and {\v hidden}shown\par}";
        let (blocks, enc) = read_blocks(rtf).unwrap();
        assert_eq!(enc, "gb18030");
        assert_eq!(texts(&blocks), ["一、总体情况", "12 and shown"]);
    }

    #[test]
    fn tables_with_spans_and_merges() {
        let rtf = br"{\rtf1\ansi
\pard before\par
\trowd\cellx1000\cellx3000\pard\intbl A\cell B\cell\row
\trowd\cellx1000\cellx2000\cellx3000\pard\intbl C\cell 1\cell 2\cell\row
\trowd\clvmgf\cellx1000\clmgf\cellx2000\clmrg\cellx3000\pard\intbl D\cell E\cell\cell\row
\trowd\clvmrg\cellx1000\cellx2000\cellx3000\pard\intbl \cell 3\cell 4\cell\row
\pard after\par}";
        let (blocks, _) = read_blocks(rtf).unwrap();
        assert_eq!(
            texts(&blocks),
            [
                "before",
                "Ax1|Bx2\nCx1|1x1|2x1\nDx1|Ex2\nx1^|3x1|4x1",
                "after"
            ]
        );
    }

    #[test]
    fn damage_is_an_error_or_text_never_a_panic() {
        assert!(read_blocks(b"{\\foo bar}").is_err());
        assert!(read_blocks(&[b'{'; 2000]).is_err());
        for cut in [1, 5, 9, 30] {
            let rtf = br"{\rtf1\ansi\'d7\u-3\bin99999 \trowd\cellx-5\cell\row";
            let _ = read_blocks(&rtf[..cut.min(rtf.len())]);
        }
        let (b, _) = read_blocks(br"{\rtf1 a\'zzb\u}").unwrap();
        assert_eq!(texts(&b), ["azzb"]);
    }
}
