//! Spreadsheet reports (`.xls`, `.xlsx`): every sheet's rows as tab-separated lines, read by the
//! text reader like a tab-separated report.
//!
//! `calamine` reads the cells (BIFF8 inside an OLE compound file, or the XML parts of an Excel
//! 2007+ zip). A merged area keeps its value in its first cell and leaves the others empty, as a
//! label spanning two columns leaves an empty cell in tab-separated text, which the table reader
//! already reads. Numbers are written as the shortest text that gives them back (`1267.2`, `25`);
//! dates as `YYYY年M月D日`, so that a signing date in a cell is found. A row with one non-empty
//! cell is a line of prose (a title, a part heading); sheets follow each other, a blank line
//! apart.
//!
//! An `.xlsx` is a zip archive: before `calamine` opens it, every entry is decompressed once
//! here with the DOCX reader's limits (entries, unpacked size, ratio), so an archive bomb is
//! refused instead of filling memory.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader};

use crate::docx::{MAX_RATIO, MAX_XML_BYTES};
use crate::{ExtractError, Format};

fn name(format: Format) -> &'static str {
    if format == Format::Xls {
        "XLS"
    } else {
        "XLSX"
    }
}

/// Most cells of a sheet read (a report's sheet has a few hundred; a sheet claiming millions is
/// not a report, and a dense grid of them would not fit in memory).
const MAX_CELLS: usize = 1 << 20;

/// Refuses an `.xlsx` archive that would unpack past the limits.
fn check_archive(bytes: &[u8]) -> Result<(), ExtractError> {
    let refused = |reason: String| ExtractError::Refused {
        format: "XLSX",
        reason,
    };
    let mut zip = crate::docx::open_archive(bytes, "XLSX")?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| ExtractError::Corrupt {
            format: "XLSX",
            reason: format!("an entry cannot be read ({e})"),
        })?;
        let declared = entry.size();
        let compressed = entry.compressed_size().max(1);
        if declared / compressed > MAX_RATIO && declared > (1 << 20) {
            return Err(refused(format!(
                "{} is compressed {}:1 (limit {MAX_RATIO}:1), a zip bomb",
                entry.name().unwrap_or_default(),
                declared / compressed
            )));
        }
        // the declared size may lie: count what actually comes out, up to the limit
        let got = std::io::copy(
            &mut (&mut entry).take(MAX_XML_BYTES + 1),
            &mut std::io::sink(),
        )
        .map_err(|e| ExtractError::Corrupt {
            format: "XLSX",
            reason: format!("an entry cannot be decompressed ({e})"),
        })?;
        total += got;
        if got > MAX_XML_BYTES || total > 2 * MAX_XML_BYTES {
            return Err(refused(format!(
                "the archive unpacks to more than {} bytes",
                if got > MAX_XML_BYTES {
                    MAX_XML_BYTES
                } else {
                    2 * MAX_XML_BYTES
                }
            )));
        }
    }
    Ok(())
}

/// A cell's text.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        }
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => date(dt.as_f64()),
    }
}

/// A number as the shortest text that reads back as it (`25`, `1267.2`).
fn number(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        // Rust prints the shortest representation that round-trips
        format!("{f}")
    }
}

/// An Excel date serial (days since 1899-12-30) as `YYYY年M月D日`.
fn date(serial: f64) -> String {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return number(serial);
    }
    // days since 1970-01-01, then the civil date (Howard Hinnant's algorithm)
    let z = serial.floor() as i64 - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y}年{m}月{d}日")
}

/// The text of a workbook: each sheet's rows as lines, cells separated by tabs.
pub(crate) fn read_text(bytes: &[u8], format: Format) -> Result<String, ExtractError> {
    let repacked;
    let bytes = if format == Format::Xlsx {
        check_archive(bytes)?;
        bytes
    } else {
        repacked = repack_xls(bytes)?;
        &repacked[..]
    };
    // (calamine panics on some damaged workbooks, found by the `sheet` fuzz target: a structure
    // it fails on is a damaged file, not a crash)
    let result = std::panic::catch_unwind(|| sheets_text(bytes, format));
    result.unwrap_or_else(|_| {
        Err(ExtractError::Corrupt {
            format: name(format),
            reason: "the workbook's structure could not be followed".into(),
        })
    })
}

/// The workbook stream of an `.xls`, copied into a fresh compound file: `cfb` (fuzzed with the
/// Word reader) reads the container the file came in, so the container `calamine` parses is
/// always well formed.
fn repack_xls(bytes: &[u8]) -> Result<Vec<u8>, ExtractError> {
    let corrupt = |what: String| ExtractError::Corrupt {
        format: "XLS",
        reason: what,
    };
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| corrupt(format!("the compound file cannot be opened ({e})")))?;
    let stream = ["Workbook", "Book"]
        .into_iter()
        .find(|n| cf.is_stream(n))
        .ok_or_else(|| corrupt("the compound file holds no Workbook stream".into()))?;
    let mut book = Vec::new();
    cf.open_stream(stream)
        .and_then(|mut s| s.read_to_end(&mut book))
        .map_err(|e| corrupt(format!("the {stream} stream cannot be read ({e})")))?;
    check_biff_area(&book)?;
    let mut out = cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
        .map_err(|e| corrupt(format!("the workbook cannot be copied ({e})")))?;
    {
        use std::io::Write;
        let mut s = out
            .create_stream(format!("/{stream}"))
            .map_err(|e| corrupt(format!("the workbook cannot be copied ({e})")))?;
        s.write_all(&book)
            .map_err(|e| corrupt(format!("the workbook cannot be copied ({e})")))?;
    }
    out.flush()
        .map_err(|e| corrupt(format!("the workbook cannot be copied ({e})")))?;
    Ok(out.into_inner().into_inner())
}

/// The sheets' text (see [`read_text`]).
fn sheets_text(bytes: &[u8], format: Format) -> Result<String, ExtractError> {
    let corrupt = |e: String| ExtractError::Corrupt {
        format: name(format),
        reason: format!("the workbook cannot be read ({e})"),
    };
    let mut text = String::new();
    if format == Format::Xlsx {
        // cell by cell, never as a dense grid: two cells a million rows apart cost two cells
        let mut book =
            calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| corrupt(e.to_string()))?;
        for sheet in book.sheet_names() {
            let mut cells: BTreeMap<(u32, u32), String> = BTreeMap::new();
            let mut reader = book
                .worksheet_cells_reader(&sheet)
                .map_err(|e| corrupt(e.to_string()))?;
            while let Some(c) = reader.next_cell().map_err(|e| corrupt(e.to_string()))? {
                let t = cell_text(&Data::from(c.get_value().clone()));
                if !t.is_empty() {
                    cells.insert(c.get_position(), t);
                    if cells.len() > MAX_CELLS {
                        return Err(too_big(format, &sheet));
                    }
                }
            }
            render(&cells, format, &sheet, &mut text)?;
        }
    } else {
        let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
            .map_err(|e| corrupt(e.to_string()))?;
        for sheet in book.sheet_names() {
            let range = book
                .worksheet_range(&sheet)
                .map_err(|e| corrupt(e.to_string()))?;
            let start = range.start().unwrap_or((0, 0));
            let mut cells = BTreeMap::new();
            for (r, row) in range.rows().enumerate() {
                for (c, d) in row.iter().enumerate() {
                    let t = cell_text(d);
                    if !t.is_empty() {
                        cells.insert((start.0 + r as u32, start.1 + c as u32), t);
                    }
                }
            }
            render(&cells, format, &sheet, &mut text)?;
        }
    }
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(text)
}

fn too_big(format: Format, sheet: &str) -> ExtractError {
    ExtractError::Refused {
        format: name(format),
        reason: format!("the sheet {sheet} holds more than {MAX_CELLS} cells or spans more than {MAX_COLS} columns"),
    }
}

/// Most columns a sheet's row is laid out over (a report's widest table has about ten).
const MAX_COLS: u32 = 512;

/// Appends a sheet's non-empty cells as lines: a row with one cell is prose, a row with more is
/// tab-separated (empty cells kept between them, counted from the sheet's first column).
fn render(
    cells: &BTreeMap<(u32, u32), String>,
    format: Format,
    sheet: &str,
    text: &mut String,
) -> Result<(), ExtractError> {
    let Some(first_col) = cells.keys().map(|k| k.1).min() else {
        return Ok(());
    };
    if cells.keys().any(|k| k.1 - first_col >= MAX_COLS) {
        return Err(too_big(format, sheet));
    }
    if !text.is_empty() {
        text.push('\n');
    }
    let mut rows: BTreeMap<u32, Vec<(u32, &str)>> = BTreeMap::new();
    for (&(r, c), t) in cells {
        rows.entry(r).or_default().push((c - first_col, t));
    }
    for row in rows.values() {
        if let [(_, only)] = row.as_slice() {
            // a title or a heading: prose, whatever column it sits in
            text.push_str(only);
        } else {
            let width = row.iter().map(|c| c.0).max().unwrap_or(0) as usize + 1;
            let mut line = vec![""; width];
            for &(c, t) in row {
                line[c as usize] = t;
            }
            text.push_str(&line.join("\t"));
        }
        text.push('\n');
    }
    Ok(())
}

/// The cell area each sheet of a BIFF8 workbook stream spans, from its cell records, refused
/// past [`MAX_CELLS`] before `calamine` lays the sheet out as a dense grid (two cells at the
/// corners of a sheet would ask for 65,536 × 65,536 of them).
fn check_biff_area(book: &[u8]) -> Result<(), ExtractError> {
    let mut at = 0usize;
    let mut bounds: Option<(u32, u32, u32, u32)> = None;
    let area = |b: Option<(u32, u32, u32, u32)>| {
        b.map_or(0u64, |(r0, r1, c0, c1)| {
            u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
        })
    };
    while at + 4 <= book.len() {
        let kind = u16::from_le_bytes([book[at], book[at + 1]]);
        let len = usize::from(u16::from_le_bytes([book[at + 2], book[at + 3]]));
        let data = &book[(at + 4).min(book.len())..(at + 4 + len).min(book.len())];
        at += 4 + len;
        let u16_at = |k: usize| {
            data.get(k..k + 2)
                .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
        };
        let refused = |why: &str| ExtractError::Refused {
            format: "XLS",
            reason: why.to_owned(),
        };
        let (row, cols) = match kind {
            // BOF: a new sheet
            0x0809 => {
                bounds = None;
                continue;
            }
            // DIMENSIONS: calamine reserves room for the area it declares (as it reads it)
            0x0200 => {
                let u32_at = |k: usize| {
                    data.get(k..k + 4)
                        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                };
                let (rf, rl, cf, cl) = match data.len() {
                    10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
                    14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
                    _ => continue,
                };
                let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = (rf, rl, cf, cl) else {
                    continue;
                };
                if cf > 0xFF || cl < cf {
                    cf = 0;
                }
                if rl >= 1 && cl >= 1 {
                    if rl - 1 < rf || cl - 1 < cf {
                        return Err(refused(
                            "a sheet's declared dimensions end before they start",
                        ));
                    }
                    if u64::from(rl - rf) * u64::from(cl - cf) > MAX_CELLS as u64 {
                        return Err(refused(&format!(
                            "a sheet declares more than {MAX_CELLS} cells"
                        )));
                    }
                }
                continue;
            }
            // NUMBER, LABELSST, RK, BLANK, FORMULA, LABEL, BOOLERR, RSTRING
            0x0203 | 0x00FD | 0x027E | 0x0201 | 0x0006 | 0x0204 | 0x0205 | 0x00D6 => {
                match (u16_at(0), u16_at(2)) {
                    (Some(r), Some(c)) => (r, (c, c)),
                    _ => continue,
                }
            }
            // MULRK, MULBLANK: the first and the last column
            0x00BD | 0x00BE if data.len() >= 6 => {
                match (u16_at(0), u16_at(2), u16_at(data.len() - 2)) {
                    (Some(r), Some(c0), Some(c1)) => (r, (c0.min(c1), c0.max(c1))),
                    _ => continue,
                }
            }
            _ => continue,
        };
        bounds = Some(match bounds {
            None => (row, row, cols.0, cols.1),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(cols.0), c1.max(cols.1)),
        });
        if area(bounds) > MAX_CELLS as u64 {
            return Err(ExtractError::Refused {
                format: "XLS",
                reason: format!("a sheet spans more than {MAX_CELLS} cells"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_as_a_report_prints_them() {
        assert_eq!(number(25.0), "25");
        assert_eq!(number(1267.2), "1267.2");
        assert_eq!(number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number(-3.0), "-3");
        // 2025-01-20 is serial 45677
        assert_eq!(date(45677.0), "2025年1月20日");
        assert_eq!(date(45677.75), "2025年1月20日");
        assert_eq!(date(60.0), "1900年2月28日");
    }

    /// Found by the `sheet` fuzz target: a workbook whose container made calamine slice out of
    /// bounds. Its stream is re-packed into a well-formed container first; what is left is
    /// damaged, never a panic.
    #[test]
    fn a_workbook_that_crashed_calamine_is_read_or_damaged() {
        // …and one whose BIFF records make calamine subtract past zero (caught)
        for bytes in [
            &include_bytes!("../tests/data/xls_bad_sector_chain.xls")[..],
            &include_bytes!("../tests/data/xls_biff_overflow.xls")[..],
            &include_bytes!("../tests/data/xls_huge_area.xls")[..],
            &include_bytes!("../tests/data/xls_huge_dimensions.xls")[..],
        ] {
            match crate::read(bytes) {
                Ok(_) | Err(ExtractError::Corrupt { .. } | ExtractError::Refused { .. }) => {}
                Err(e) => panic!("{e}"),
            }
        }
    }

    /// Found by the `sheet` fuzz target: two cells at the corners of a sheet made calamine ask
    /// for a 137 GB grid (an allocation failure aborts the whole run).
    #[test]
    fn a_sheet_spanning_millions_of_cells_is_refused() {
        let record = |kind: u16, data: &[u8]| {
            let mut v = kind.to_le_bytes().to_vec();
            v.extend((data.len() as u16).to_le_bytes());
            v.extend(data);
            v
        };
        let number = |row: u16, col: u16| {
            let mut d = row.to_le_bytes().to_vec();
            d.extend(col.to_le_bytes());
            d.extend([0u8; 10]);
            record(0x0203, &d)
        };
        let mut book = record(0x0809, &[0u8; 16]);
        book.extend(number(0, 0));
        book.extend(number(3, 7));
        assert!(check_biff_area(&book).is_ok());
        book.extend(number(65535, 255));
        assert!(matches!(
            check_biff_area(&book),
            Err(ExtractError::Refused { .. })
        ));
        // a new sheet starts its own area
        let mut two = record(0x0809, &[0u8; 16]);
        two.extend(number(0, 0));
        two.extend(record(0x0809, &[0u8; 16]));
        two.extend(number(65535, 1));
        assert!(check_biff_area(&two).is_ok());
        // columns far apart in an .xlsx are refused when laid out
        let cells = BTreeMap::from([((0, 0), "a".to_owned()), ((0, 5000), "b".to_owned())]);
        let mut text = String::new();
        assert!(render(&cells, Format::Xlsx, "s", &mut text).is_err());
    }

    #[test]
    fn garbage_is_damaged_not_a_panic() {
        assert!(matches!(
            read_text(b"PK\x03\x04 not really", Format::Xlsx),
            Err(ExtractError::Corrupt { .. })
        ));
        assert!(matches!(
            read_text(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", Format::Xls),
            Err(ExtractError::Corrupt { .. })
        ));
    }
}
