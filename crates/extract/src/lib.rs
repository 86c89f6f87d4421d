//! Bytes → [`Document`]: format sniffing, text decoding, lines and cells.
//!
//! **In:** the raw bytes of one input file. **Out:** a [`Document`] — the decoded text, its
//! lines split into cells, where each line is in the source format's terms (text line, HTML or
//! DOCX table/row/grid column, PDF page/line), the encoding that was used and the layout the
//! text appears to have, and a web page's pictures and attachment links where they sit
//! ([`Document::embeds`]) — or an [`ExtractError`] that says in words why the file cannot be
//! read (empty, binary, undecodable, damaged, refused, scanned, encrypted, too slow, a format
//! not read). **Never:** knows the report template, guesses numbers, panics on any input, or
//! touches the file system (PDF bytes go to `pdftotext` on stdin).
//!
//! Formats are recognised by their bytes: plain text (tabs, `|`, PDF-text, one cell per line,
//! flattened), HTML (`html` module: html5ever), DOCX (`docx` module: zip + quick-xml, with
//! limits against archive bombs), legacy Word and WPS (`doc`: cfb), RTF (`rtf`), spreadsheets
//! (`sheet`: calamine), PDF (`pdf` module: poppler's `pdftotext -layout` as a subprocess with
//! a time and memory limit), OFD (`ofd`: text objects by position) and, by OCR, scans and
//! page images (`ocr`). HTML, DOCX, Word and RTF tables go through one block model (`grid`
//! module) that expands row and column spans to grid coordinates; OFD and OCR boxes are laid
//! out as `pdftotext -layout` lays out a PDF's text.
//!
//! Decoding follows `DEPENDENCIES.md`: a BOM wins; UTF-16 without a BOM is recognised by its NUL
//! bytes; valid UTF-8 is UTF-8; bytes that decode as GB18030 without errors into text containing
//! 信息公开 are GB18030 (a fast path: under any other legacy encoding the marker is mojibake);
//! anything else goes to `chardetng` (without a TLD hint, so Big5 is not silently read as GBK)
//! and `encoding_rs`, and decoding errors make the file
//! undecodable instead of producing mojibake.
//!
//! ```
//! let doc = nianbao_extract::read("规章\t0\t1\t2\n".as_bytes()).unwrap();
//! assert_eq!(doc.encoding, "UTF-8");
//! assert_eq!(doc.lines[0].cells.len(), 4);
//! assert_eq!(doc.cell_text(&doc.lines[0].cells[2]), "1");
//! ```

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

mod child;
mod doc;
mod docx;
mod grid;
mod html;
mod ocr;
mod ofd;
mod pdf;
mod rtf;
mod sheet;

pub use html::ATTACHMENT_EXTENSIONS;

/// Extensions of the picture files a page shows (`<img>`), lower case.
pub const PICTURE_EXTENSIONS: &[&str] =
    &["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"];

/// Extensions of saved or collected web pages, lower case.
pub const PAGE_EXTENSIONS: &[&str] =
    &["html", "htm", "shtml", "xhtml", "jsp", "asp", "aspx", "php"];

pub use docx::{MAX_ENTRIES as DOCX_MAX_ENTRIES, MAX_XML_BYTES as DOCX_MAX_XML_BYTES};
pub use ocr::{engine_identity, OcrBox, OcrLayer, OcrOptions};
pub use pdf::{reader_identity, PdfOptions};

/// The file format and the table layout: the dataset's own enums (its `format` and `layout`
/// columns), which the reader decides.
pub use nianbao_model::{Format, Layout};

/// A byte range of [`Document::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// One line of the document.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based line number.
    pub number: u32,
    /// The whole line, without its line break.
    pub span: Span,
    /// The cells of the line: split at tabs or `|`, or the whole line as one cell.
    pub cells: Vec<Span>,
    /// Where the line is in the source format's terms (`table 2 row 5`, `paragraph 3`,
    /// `page 2 line 14`); `None` for plain text, where the line number says it.
    pub origin: Option<String>,
    /// For table rows of HTML/DOCX: the 1-based grid column of each cell (spans expanded).
    pub cols: Vec<u32>,
}

/// What a saved web page says about itself, outside the report's text: the `<meta>` tags that
/// government site CMSs put in every article page, the `<title>`, and the address of a saved
/// page (`<!-- saved from url=… -->`). All `None` for other formats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageMeta {
    /// `<title>`.
    pub title: Option<String>,
    /// `<meta name="ArticleTitle">`.
    pub article_title: Option<String>,
    /// `<meta name="SiteName">`.
    pub site_name: Option<String>,
    /// `<meta name="SiteDomain">`.
    pub site_domain: Option<String>,
    /// `<meta name="SiteIDCode">`: the government website identification code.
    pub site_id_code: Option<String>,
    /// `<meta name="ColumnName">`.
    pub column_name: Option<String>,
    /// `<meta name="PubDate">` (or `publishdate`, `firstpublishedtime`).
    pub pub_date: Option<String>,
    /// `<meta name="ContentSource">` (or `source`).
    pub content_source: Option<String>,
    /// `<meta name="Url">`, `og:url`, a canonical link, or the saved-from comment.
    pub url: Option<String>,
}

/// A decoded document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The format found from the bytes.
    pub format: Format,
    /// The encoding used to decode (`UTF-8`, `GBK`, `UTF-16LE`, …).
    pub encoding: &'static str,
    /// The decoded text (BOM removed, line breaks kept).
    pub text: String,
    /// Lines and cells.
    pub lines: Vec<Line>,
    /// The apparent table layout.
    pub layout: Layout,
    /// A web page's own metadata (empty for other formats).
    pub page: PageMeta,
    /// What OCR read, for a scanned PDF or an image (the text is its layout).
    pub ocr: Option<OcrLayer>,
    /// A web page's pictures and attachment links, in reading order (empty for other
    /// formats): what a page shows as pictures or offers as files is read with it (the
    /// pipeline resolves them to input files).
    pub embeds: Vec<Embed>,
}

/// What an [`Embed`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbedKind {
    /// `<img>`: often a table pasted as a screenshot or scan.
    Picture,
    /// A link to a file (`<a href="…年度报告.pdf">`): an attachment.
    Link,
}

/// A picture or an attachment link of a web page, where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    /// Picture or link.
    pub kind: EmbedKind,
    /// The addresses as written, most likely first (`src`, then the lazy-loading
    /// `data-src`, `data-original`, `oldsrc`; a link's `href`); never a `data:` URI.
    pub targets: Vec<String>,
    /// Lines of the document before it: it sits between line `after_line` and the next.
    pub after_line: u32,
    /// Its words: a picture's `alt` or `title`, a link's text.
    pub text: String,
}

impl Document {
    /// The text of a span.
    pub fn cell_text(&self, s: &Span) -> &str {
        &self.text[s.start..s.end]
    }

    /// The 1-based line number that holds byte `offset`.
    pub fn line_of(&self, offset: usize) -> u32 {
        match self.lines.binary_search_by(|l| l.span.start.cmp(&offset)) {
            Ok(i) => self.lines[i].number,
            Err(0) => 1,
            Err(i) => self.lines[i - 1].number,
        }
    }
}

/// Why a file cannot be read. Messages are written for the person reading the run summary.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExtractError {
    /// Zero bytes, or only white space.
    #[error("the file is empty")]
    Empty,
    /// Control bytes that no text has.
    #[error("the file is binary, not text (NUL or control bytes at byte {offset})")]
    Binary {
        /// Where the first offending byte is.
        offset: usize,
    },
    /// No supported encoding decodes the bytes cleanly.
    #[error(
        "the text could not be decoded: not valid UTF-8, and {guess} decoding hit invalid bytes"
    )]
    Undecodable {
        /// The encoding tried last.
        guess: &'static str,
    },
    /// A format that nianbao does not read, with what to do instead.
    #[error("{format} files are not read: {advice}")]
    Unsupported {
        /// The format found.
        format: &'static str,
        /// What the user can do.
        advice: &'static str,
    },
    /// The file has the format's signature but its content is broken.
    #[error("the {format} file is damaged or truncated: {reason}")]
    Corrupt {
        /// The format found.
        format: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// A hostile or oversized file, refused before it could exhaust memory.
    #[error("the {format} file was refused: {reason}")]
    Refused {
        /// The format found.
        format: &'static str,
        /// Which limit it broke.
        reason: String,
    },
    /// A PDF whose pages are images.
    #[error("no text layer (scanned); OCR needed")]
    NoTextLayer,
    /// Scanned pages on which OCR found no text.
    #[error(
        "no text layer, and OCR found no text on its {pages} page(s) (a blank or unreadable scan)"
    )]
    OcrFoundNothing {
        /// Pages looked at.
        pages: u32,
    },
    /// Scanned pages, and no OCR engine to read them.
    #[error("no text layer (scanned pages or an image); OCR is not available: {why}")]
    OcrUnavailable {
        /// What to install or change.
        why: String,
    },
    /// A PDF that needs a password.
    #[error("the PDF is encrypted and needs a password; save an unprotected copy")]
    Encrypted,
    /// The reader did not finish within the per-document time limit.
    #[error("reading took longer than the limit of {seconds} s and was stopped")]
    Timeout {
        /// The limit.
        seconds: u64,
    },
    /// An external program needed for the format is not installed.
    #[error("{} files need `{tool}`, which is not installed: install the Debian package {package}", if *tool == "pdftotext" { "PDF" } else { "these" })]
    ToolMissing {
        /// The program.
        tool: &'static str,
        /// The package that provides it.
        package: &'static str,
    },
}

impl ExtractError {
    /// Whether reading the same bytes again with the same nianbao can only fail the same way.
    /// Not so for what depends on the machine or an external program (a missing or different
    /// `pdftotext`, a time limit): those documents are retried by every run.
    pub fn is_permanent(&self) -> bool {
        match self {
            ExtractError::Empty
            | ExtractError::Binary { .. }
            | ExtractError::Undecodable { .. }
            | ExtractError::Unsupported { .. }
            | ExtractError::OcrFoundNothing { .. } => true,
            ExtractError::Corrupt { format, .. } | ExtractError::Refused { format, .. } => {
                // what pdftotext or the OCR helper said: tool-dependent
                !format.eq_ignore_ascii_case("pdf") && *format != "scan"
            }
            ExtractError::NoTextLayer
            | ExtractError::OcrUnavailable { .. }
            | ExtractError::Encrypted
            | ExtractError::Timeout { .. }
            | ExtractError::ToolMissing { .. } => false,
        }
    }
}

/// Options of [`read_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// How PDFs are read.
    pub pdf: PdfOptions,
    /// How scanned PDFs and images are read.
    pub ocr: OcrOptions,
}

/// Reads bytes into a document with the default [`ReadOptions`].
pub fn read(bytes: &[u8]) -> Result<Document, ExtractError> {
    read_with(bytes, &ReadOptions::default())
}

/// Reads bytes into a document.
pub fn read_with(bytes: &[u8], opts: &ReadOptions) -> Result<Document, ExtractError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ExtractError::Empty);
    }
    match sniff(bytes) {
        Format::Pdf => match pdf::to_text(bytes, &opts.pdf) {
            Ok(text) => Ok(pdf_document(text, None)),
            Err(ExtractError::NoTextLayer) if opts.ocr.enabled => {
                let (text, layer) = ocr::read(bytes, &opts.ocr)?;
                Ok(pdf_document(text, Some(layer)))
            }
            Err(ExtractError::NoTextLayer) => Err(ExtractError::OcrUnavailable {
                why: "OCR is turned off ([ocr] enabled = false)".into(),
            }),
            Err(e) => Err(e),
        },
        Format::Image if opts.ocr.enabled => {
            let (text, layer) = ocr::read(bytes, &opts.ocr)?;
            let mut doc = pdf_document(text, Some(layer));
            doc.format = Format::Image;
            Ok(doc)
        }
        Format::Image => Err(ExtractError::OcrUnavailable {
            why: "OCR is turned off ([ocr] enabled = false)".into(),
        }),
        Format::Docx => Ok(from_blocks(
            Format::Docx,
            "UTF-8",
            &docx::read_blocks(bytes)?,
        )),
        Format::LegacyDoc => match doc::read(bytes)? {
            doc::Content::Flow(blocks) => Ok(word_blocks(Format::LegacyDoc, "UTF-16LE", blocks)),
            // text boxes placed on pages (a PDF imported into Writer): laid out as PDF text
            doc::Content::Placed(boxes) => {
                let mut doc = pdf_document(ocr::lay_out_placed(&boxes), None);
                doc.format = Format::LegacyDoc;
                doc.encoding = "UTF-16LE";
                Ok(doc)
            }
        },
        Format::Xls | Format::Xlsx => {
            let format = sniff(bytes);
            let text = sheet::read_text(bytes, format)?;
            // (BIFF8 strings are UTF-16 or Latin-1; an Excel 2007+ workbook is UTF-8 XML)
            let encoding = if format == Format::Xls {
                "UTF-16LE"
            } else {
                "UTF-8"
            };
            Ok(text_document(text, format, encoding))
        }
        Format::Rtf => {
            let (blocks, encoding) = rtf::read_blocks(bytes)?;
            let doc = word_blocks(Format::Rtf, encoding, blocks);
            if doc.text.trim().is_empty() {
                return Err(ExtractError::Empty);
            }
            Ok(doc)
        }
        Format::Ofd => {
            let runs = ofd::read_runs(bytes)?;
            if runs.is_empty() {
                return Err(ExtractError::Unsupported {
                    format: "OFD without text (its pages are images)",
                    advice: "convert it to PDF with the issuing platform's OFD reader, then OCR reads it",
                });
            }
            let boxes: Vec<ocr::Placed> = runs
                .into_iter()
                .map(|r| ocr::Placed {
                    page: r.page,
                    x: r.x,
                    y: r.top,
                    w: r.width,
                    h: r.height,
                    text: r.text,
                })
                .collect();
            let mut doc = pdf_document(ocr::lay_out_placed(&boxes), None);
            doc.format = Format::Ofd;
            Ok(doc)
        }
        Format::Zip => Err(ExtractError::Unsupported {
            format: "zip archive",
            advice: "unpack it and put the documents in the input folder",
        }),
        Format::Text | Format::Html => read_text(bytes),
        // (`sniff` never says so: every byte string is read as one of the above)
        Format::Unknown => Err(ExtractError::Unsupported {
            format: "unknown",
            advice: "convert it to text, HTML, DOCX or PDF",
        }),
    }
}

/// A document read as tab-separated text (a legacy Word text, a workbook's sheets).
fn text_document(text: String, format: Format, encoding: &'static str) -> Document {
    let lines = split_lines(&text);
    let layout = detect_layout(&text, &lines);
    Document {
        page: PageMeta::default(),
        format,
        encoding,
        text,
        lines,
        layout,
        ocr: None,
        embeds: Vec::new(),
    }
}

/// A word processor's document (legacy Word, RTF) from its blocks. Paragraphs keep their
/// tabs: a document without tables whose cells are typed with tabs (a text file saved as
/// `.doc`) is read as the tab-separated text it is; with tables, tabs in paragraphs are spaces.
fn word_blocks(format: Format, encoding: &'static str, mut blocks: Vec<grid::Block>) -> Document {
    let has_table = blocks.iter().any(|b| matches!(b, grid::Block::Table(_)));
    let tabbed = blocks
        .iter()
        .any(|b| matches!(b, grid::Block::Para(p) if p.contains('\t')));
    if tabbed && !has_table {
        let mut text = String::new();
        for b in &blocks {
            if let grid::Block::Para(p) = b {
                text.push_str(p);
                text.push('\n');
            }
        }
        return text_document(text, format, encoding);
    }
    for b in &mut blocks {
        if let grid::Block::Para(p) = b {
            if p.contains('\t') {
                *p = p.replace('\t', " ");
            }
        }
    }
    from_blocks(format, encoding, &blocks)
}

/// A document from a PDF's laid-out text (pages separated by form feeds): each line's origin is
/// `page P line L`.
fn pdf_document(text: String, ocr: Option<OcrLayer>) -> Document {
    let mut lines = split_lines(&text);
    let mut page = 1u32;
    let mut first_line = 1u32;
    for l in &mut lines {
        let page_breaks = text[l.span.start..l.span.end].matches('\x0c').count() as u32;
        if page_breaks > 0 {
            page += page_breaks;
            first_line = l.number;
        }
        l.origin = Some(format!("page {page} line {}", l.number - first_line + 1));
    }
    let layout = detect_layout(&text, &lines);
    Document {
        page: PageMeta::default(),
        format: Format::Pdf,
        encoding: "UTF-8",
        text,
        lines,
        layout,
        ocr,
        embeds: Vec::new(),
    }
}

fn read_text(bytes: &[u8]) -> Result<Document, ExtractError> {
    let (text, encoding) = decode_html_aware(bytes)?;
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    if looks_like_html(&text) {
        let blocks = html::read_blocks(&text);
        let mut doc = from_blocks(Format::Html, encoding, &blocks);
        doc.page = html::page_meta(&text);
        if doc.text.trim().is_empty() {
            return Err(ExtractError::Empty);
        }
        return Ok(doc);
    }
    if let Some(offset) = text
        .char_indices()
        .find(|(_, c)| is_bad_control(*c))
        .map(|(i, _)| i)
    {
        return Err(ExtractError::Binary { offset });
    }
    let lines = split_lines(&text);
    let layout = detect_layout(&text, &lines);
    Ok(Document {
        page: PageMeta::default(),
        format: Format::Text,
        encoding,
        text,
        lines,
        layout,
        ocr: None,
        embeds: Vec::new(),
    })
}

fn from_blocks(format: Format, encoding: &'static str, blocks: &[grid::Block]) -> Document {
    let r = grid::render(blocks);
    let layout = if r.tables > 0 {
        Layout::Grid
    } else {
        detect_layout(&r.text, &r.lines)
    };
    Document {
        page: PageMeta::default(),
        format,
        encoding,
        text: r.text,
        lines: r.lines,
        layout,
        ocr: None,
        embeds: r.embeds,
    }
}

/// Like [`decode`], but a page that declares its charset (`<meta charset=…>` or
/// `http-equiv` content type) is decoded with it when it is not valid UTF-8.
fn decode_html_aware(bytes: &[u8]) -> Result<(String, &'static str), ExtractError> {
    if Encoding::for_bom(bytes).is_none() && std::str::from_utf8(bytes).is_err() {
        if let Some(enc) = declared_charset(bytes) {
            if enc != encoding_rs::UTF_8 {
                let enc = if enc == encoding_rs::GBK {
                    GB18030
                } else {
                    enc
                };
                if let Ok(r) = decode_with(enc, bytes) {
                    return Ok(r);
                }
            }
        }
    }
    decode(bytes)
}

/// The charset a page declares in its first 4 KiB, if any.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let at = lower.windows(8).position(|w| w == b"charset=")?;
    let rest = &head[at + 8..];
    let rest = rest
        .iter()
        .position(|b| !matches!(b, b'"' | b'\'' | b' '))
        .map(|i| &rest[i..])?;
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')))
        .unwrap_or(rest.len());
    Encoding::for_label(&rest[..end])
}

/// Finds the format from the first bytes.
pub fn sniff(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"%PDF") {
        return Format::Pdf;
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // a compound file holds a Word document or an Excel workbook: its directory names
        // the streams (in UTF-16)
        let utf16 =
            |name: &str| -> Vec<u8> { name.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        let workbook = has(&utf16("Workbook")) || has(&utf16("Book\0"));
        return if workbook && !has(&utf16("WordDocument")) {
            Format::Xls
        } else {
            Format::LegacyDoc
        };
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
    {
        return Format::Image;
    }
    if rtf::is_rtf(bytes) {
        return Format::Rtf;
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        return if has(b"word/document.xml") {
            Format::Docx
        } else if has(b"xl/workbook.xml") {
            Format::Xlsx
        } else if has(b"OFD.xml") {
            Format::Ofd
        } else {
            Format::Zip
        };
    }
    Format::Text
}

fn looks_like_html(text: &str) -> bool {
    // the first 2,048 characters (sliced, not collected one char at a time)
    let end = text.char_indices().nth(2048).map_or(text.len(), |(i, _)| i);
    let head = text[..end].to_ascii_lowercase();
    let t = head.trim_start();
    let tags = [
        "<p", "<div", "<span", "<td", "<tr", "<br", "<table", "<font", "<meta", "<body",
    ];
    t.starts_with("<!doctype html")
        || t.starts_with("<html")
        || (head.contains("</") && tags.iter().map(|g| head.matches(g).count()).sum::<usize>() >= 3)
}

fn is_bad_control(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r' | '\x0c')) || c == '\u{7f}'
}

/// The encoding name of a UTF-8 text in which a few invalid byte sequences were replaced by
/// U+FFFD (the reader reports it with a `decoding_damaged` finding).
pub const UTF8_DAMAGED: &str = "UTF-8 (invalid bytes replaced)";

/// Decodes bytes, returning the text and the name of the encoding used.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(enc, &bytes[bom_len..]);
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        return decode_with(enc, bytes);
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(ExtractError::Binary { offset });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_owned(), "UTF-8"));
    }
    // UTF-8 with a few broken byte sequences (a page cut mid-character, one bad byte): UTF-8
    // with U+FFFD in their place, named so the reader reports it — never a legacy-encoding
    // guess that turns the whole text into mojibake. Text in GBK and other legacy encodings
    // is invalid UTF-8 almost everywhere, so a handful of errors cannot come from them.
    let lossy = String::from_utf8_lossy(bytes);
    let replaced = lossy.chars().filter(|&c| c == '\u{fffd}').count();
    let cjk = lossy
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .take(20)
        .count();
    if replaced <= (bytes.len() / 10_000).max(3) && cjk >= 20 {
        return Ok((lossy.into_owned(), UTF8_DAMAGED));
    }
    // Fast path for the common case: text that decodes as GB18030 without errors and then
    // reads as a disclosure report (信息公开 is mojibake under any other legacy encoding, e.g.
    // Big5, so the marker proves the guess). Everything else goes to the detector.
    let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
    if !had_errors && text.contains("信息公开") {
        return Ok((text.into_owned(), "GB18030"));
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(None, chardetng::Utf8Detection::Allow);
    // The GBK decoder of encoding_rs is the GB18030 decoder; name GB18030 as such.
    let enc = if enc == encoding_rs::GBK {
        GB18030
    } else {
        enc
    };
    decode_with(enc, bytes).map(|(t, name)| (t, if name == "gb18030" { "GB18030" } else { name }))
}

fn decode_with(
    enc: &'static Encoding,
    bytes: &[u8],
) -> Result<(String, &'static str), ExtractError> {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(ExtractError::Undecodable { guess: enc.name() });
    }
    let name = match enc.name() {
        "UTF-8" => "UTF-8",
        "UTF-16LE" => "UTF-16LE",
        "UTF-16BE" => "UTF-16BE",
        "gb18030" => "GB18030",
        "GBK" => "GBK",
        n => n,
    };
    Ok((text.into_owned(), name))
}

/// UTF-16 without a BOM: most NUL bytes sit at odd (LE) or even (BE) positions.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let sample = &bytes[..bytes.len().min(4096)];
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, &b) in sample.iter().enumerate() {
        if b == 0 {
            if i % 2 == 0 {
                even += 1
            } else {
                odd += 1
            }
        }
    }
    let pairs = sample.len() / 2;
    // ASCII in UTF-16 has a NUL in every pair; CJK text has few NULs, so also check that the
    // text decodes to mostly CJK or ASCII without errors.
    let candidate = if odd > even * 4 && odd * 10 >= pairs {
        Some(UTF_16LE)
    } else if even > odd * 4 && even * 10 >= pairs {
        Some(UTF_16BE)
    } else {
        None
    };
    if candidate.is_some() {
        return candidate;
    }
    // Pure-CJK UTF-16 text has no NULs at all; try both byte orders and keep one that reads as
    // CJK text with line breaks.
    if sample.contains(&0) || std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    for enc in [UTF_16LE, UTF_16BE] {
        let (t, err) = enc.decode_without_bom_handling(sample);
        if err {
            continue;
        }
        let total = t.chars().count().max(1);
        let good = t
            .chars()
            .filter(|c| {
                ('\u{4e00}'..='\u{9fff}').contains(c)
                    || c.is_ascii()
                    || ('\u{3000}'..='\u{303f}').contains(c)
                    || ('\u{ff00}'..='\u{ffef}').contains(c)
            })
            .count();
        if good * 100 >= total * 97 && t.contains('\n') {
            return Some(enc);
        }
    }
    None
}

/// Splits text into lines (`\n`, `\r\n`, `\r`) and cells.
pub fn split_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0usize;
    let mut number = 1u32;
    let mut i = 0usize;
    while i <= bytes.len() {
        let at_end = i == bytes.len();
        if at_end || bytes[i] == b'\n' || bytes[i] == b'\r' {
            let span = Span { start, end: i };
            lines.push(Line {
                number,
                span,
                cells: split_cells(text, span),
                origin: None,
                cols: Vec::new(),
            });
            number += 1;
            if !at_end && bytes[i] == b'\r' && i + 1 < bytes.len() && bytes[i + 1] == b'\n' {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    lines
}

fn split_cells(text: &str, line: Span) -> Vec<Span> {
    let s = &text[line.start..line.end];
    let sep = if s.contains('\t') {
        Some('\t')
    } else if s.contains('|') {
        Some('|')
    } else {
        None
    };
    match sep {
        None => vec![line],
        Some(sep) => {
            let mut out = Vec::new();
            let mut cs = line.start;
            for (i, c) in s.char_indices() {
                if c == sep {
                    out.push(Span {
                        start: cs,
                        end: line.start + i,
                    });
                    cs = line.start + i + c.len_utf8();
                }
            }
            out.push(Span {
                start: cs,
                end: line.end,
            });
            out
        }
    }
}

fn detect_layout(text: &str, lines: &[Line]) -> Layout {
    let mut tabbed = 0;
    let mut piped = 0;
    let mut number_rows = 0;
    let mut single_numbers = 0;
    let mut longest = 0;
    for l in lines {
        let s = &text[l.span.start..l.span.end];
        longest = longest.max(s.chars().count());
        if s.contains('\t') {
            tabbed += 1;
        } else if s.contains('|') {
            piped += 1;
        } else {
            let words: Vec<&str> = s.split_whitespace().collect();
            let numeric = |w: &&str| {
                w.chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
            };
            if words.len() >= 3 && words.iter().all(numeric) {
                number_rows += 1;
            } else if words.len() == 1 && words.iter().all(numeric) {
                single_numbers += 1;
            }
        }
    }
    if tabbed >= 8 {
        Layout::Tabbed
    } else if piped >= 8 {
        Layout::Piped
    } else if number_rows >= 4 {
        Layout::PdfText
    } else if single_numbers >= 20 {
        Layout::CellPerLine
    } else if longest >= 600 {
        Layout::Flattened
    } else {
        Layout::Prose
    }
}

/// Folds full-width ASCII forms (U+FF01–FF5E) and the ideographic space to their half-width
/// counterparts; every other character is returned unchanged.
pub fn fold_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_failures_that_depend_on_the_bytes_alone_are_permanent() {
        assert!(read(b"  \n").unwrap_err().is_permanent());
        assert!(read(b"ab\x00\x01cd").unwrap_err().is_permanent());
        let docx = ExtractError::Corrupt {
            format: "DOCX",
            reason: "bad zip".into(),
        };
        assert!(docx.is_permanent());
        let pdf = ExtractError::Corrupt {
            format: "PDF",
            reason: "pdftotext exit 1".into(),
        };
        assert!(!pdf.is_permanent());
        let missing = ExtractError::ToolMissing {
            tool: "pdftotext",
            package: "poppler-utils",
        };
        assert!(!missing.is_permanent());
        assert!(!ExtractError::Timeout { seconds: 30 }.is_permanent());
    }

    use super::*;

    const SAMPLE: &str = "一、总体情况\n规章\t１\t2\n本年新收 | 3 | 4\n";

    #[test]
    fn big5_is_not_taken_for_gbk_by_the_fast_path() {
        // Big5 bytes mostly decode as GBK without errors, but then read as mojibake: the
        // 信息公开 marker of the fast path is absent and the detector decides.
        let text = "臺北市政府資訊公開年度報告\n一、總體情況\n本機關依法公開政府資訊，受理申請案件共計十二件。\n";
        let big5 = encoding_rs::BIG5.encode(text).0.into_owned();
        let (t, enc) = decode(&big5).unwrap();
        assert_eq!(enc, "Big5");
        assert_eq!(t, text);
        // GBK text of a report takes the fast path and reads right.
        let report = "某某县政府信息公开工作年度报告\n一、总体情况\n";
        let gbk = encoding_rs::GBK.encode(report).0.into_owned();
        assert_eq!(decode(&gbk).unwrap(), (report.to_owned(), "GB18030"));
    }

    #[test]
    fn decodes_every_supported_encoding_to_the_same_text() {
        let gbk = encoding_rs::GBK.encode(SAMPLE).0.into_owned();
        let (t, enc) = decode(&gbk).unwrap();
        assert_eq!(t, SAMPLE);
        assert_eq!(enc, "GB18030");

        let mut bom8 = vec![0xEF, 0xBB, 0xBF];
        bom8.extend_from_slice(SAMPLE.as_bytes());
        assert_eq!(decode(&bom8).unwrap(), (SAMPLE.to_owned(), "UTF-8"));

        let le: Vec<u8> = SAMPLE
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let be: Vec<u8> = SAMPLE
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        let mut le_bom = vec![0xFF, 0xFE];
        le_bom.extend_from_slice(&le);
        assert_eq!(decode(&le_bom).unwrap(), (SAMPLE.to_owned(), "UTF-16LE"));
        assert_eq!(decode(&le).unwrap(), (SAMPLE.to_owned(), "UTF-16LE"));
        assert_eq!(decode(&be).unwrap(), (SAMPLE.to_owned(), "UTF-16BE"));
    }

    #[test]
    fn bad_inputs_are_errors_with_reasons() {
        assert_eq!(read(b"").unwrap_err(), ExtractError::Empty);
        assert_eq!(read(b"  \n\n").unwrap_err(), ExtractError::Empty);
        assert!(matches!(
            read(b"\x01\x02abc\x00\x00\xff").unwrap_err(),
            ExtractError::Binary { .. }
        ));
        let e = read(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]).unwrap_err();
        assert!(e.to_string().contains("(.doc/.wps) file is damaged"), "{e}");
        assert_eq!(
            read(b"<html><body><table></table></body></html>").unwrap_err(),
            ExtractError::Empty
        );
        // a zip that is not a DOCX, and a truncated DOCX
        assert!(matches!(
            read(b"PK\x03\x04garbage").unwrap_err(),
            ExtractError::Unsupported {
                format: "zip archive",
                ..
            }
        ));
        assert!(matches!(
            read(b"PK\x03\x04....word/document.xml....").unwrap_err(),
            ExtractError::Corrupt { format: "DOCX", .. }
        ));
    }

    #[test]
    fn html_charset_comes_from_the_meta_tag() {
        let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body><p>规章制度公开</p><p>年度报告</p></body></html>";
        let gbk = encoding_rs::GBK.encode(page).0.into_owned();
        let d = read(&gbk).unwrap();
        assert_eq!(d.format, Format::Html);
        assert_eq!(d.encoding, "GB18030");
        assert_eq!(d.text, "规章制度公开\n年度报告");
        assert_eq!(d.lines[1].origin.as_deref(), Some("paragraph 2"));
    }

    #[test]
    fn lines_and_cells_keep_byte_positions() {
        let d = read(SAMPLE.as_bytes()).unwrap();
        assert_eq!(d.lines.len(), 4);
        assert_eq!(d.lines[1].cells.len(), 3);
        assert_eq!(d.cell_text(&d.lines[1].cells[1]), "１");
        assert_eq!(d.cell_text(&d.lines[2].cells[2]).trim(), "4");
        assert_eq!(d.line_of(d.lines[2].span.start + 3), 3);
        let crlf = read("a\r\nb\rc".as_bytes()).unwrap();
        assert_eq!(
            crlf.lines
                .iter()
                .map(|l| crlf.cell_text(&l.span))
                .collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn folds_full_width_forms() {
        let s: String = "（一）１２．５％　ａ".chars().map(fold_width).collect();
        assert_eq!(s, "(一)12.5% a");
    }
}
