//! The parallel stage of a run: a chunk's reports split into pieces, each validated, cached
//! and encoded for every table on any thread; the writer stage appends them.

use anyhow::{Context, Result};
use nianbao_normalize::{batch, Report};

use crate::document::validate_into;
use crate::ledger::{self, Ledger};
use crate::tables::Table;

/// Reports per piece: the unit of validation and encoding in the parallel stage.
pub(crate) const PIECE_REPORTS: usize = 64;

/// Splits a chunk into the pieces its tables are encoded and written in: by report year when
/// `partitioned` (stable: input order within a year, years in order), else in input order;
/// then into runs of at most [`PIECE_REPORTS`]. Each report keeps its position in the chunk.
/// The split depends only on the chunk, never on which reports came from the state, so an
/// incremental run writes the same batches as a full one.
pub(crate) fn pieces(reports: Vec<Report>, partitioned: bool) -> Vec<Vec<(usize, Report)>> {
    let mut tagged: Vec<(usize, Report)> = reports.into_iter().enumerate().collect();
    if partitioned {
        tagged.sort_by_key(|(_, r)| r.report_year);
    }
    let mut out: Vec<Vec<(usize, Report)>> = Vec::new();
    for (i, r) in tagged {
        let fits = out.last().is_some_and(|p| {
            p.len() < PIECE_REPORTS && (!partitioned || p[0].1.report_year == r.report_year)
        });
        if !fits {
            out.push(Vec::with_capacity(PIECE_REPORTS));
        }
        out.last_mut().expect("pushed above").push((i, r));
    }
    out
}

/// One piece of a chunk, encoded for every table (off the writer thread).
pub(crate) struct Piece {
    /// Its rows of `cells`, `cells_wide` and `findings`, ready for the files.
    pub(crate) tables: Vec<nianbao_export::Encoded>,
    pub(crate) ledger: ledger::Prepared,
}

/// What the chunk knows of each of its reports (by position): read now (`fresh`: not yet
/// validated), to be cached in the state (`cache`: not the corrected ones), changed by the
/// user's corrections, the document's number in the corpus, and its file's modification time.
pub(crate) struct ChunkInfo {
    pub(crate) fresh: Vec<bool>,
    pub(crate) cache: Vec<bool>,
    pub(crate) corrected: Vec<bool>,
    pub(crate) docs: Vec<u32>,
    pub(crate) mtimes: Vec<u64>,
}

/// Validates the reports of a piece that were read now (the others were validated when they
/// were read), caches the ones to cache in the state, sets the provenance of collected
/// documents, and encodes the piece for every table.
pub(crate) fn encode_piece(
    piece: Vec<(usize, Report)>,
    info: &ChunkInfo,
    store: Option<&nianbao_state::Store>,
    encoder: &nianbao_export::Encoder,
    provenance: &crate::provenance::Provenance,
) -> Result<Piece> {
    let (fresh, cache) = (&info.fresh, &info.cache);
    let (idx, mut reports): (Vec<usize>, Vec<Report>) = piece.into_iter().unzip();
    let cells = batch::cells_batch(&reports)?;
    let sections = batch::sections_batch(&reports)?;
    if idx.iter().any(|&i| fresh[i]) {
        validate_into(&mut reports, &cells, &sections, |k| fresh[idx[k]])?;
        if let Some(s) = store {
            for (r, _) in reports.iter().zip(&idx).filter(|(_, &i)| cache[i]) {
                s.put(r).with_context(|| {
                    format!("caching {} in the state directory", r.source.document)
                })?;
            }
        }
    }
    // where collected documents came from (after caching: the state keeps what the
    // document says)
    for r in &mut reports {
        provenance.apply(r);
    }
    let docs: Vec<u32> = idx.iter().map(|&i| info.docs[i]).collect();
    let mtimes: Vec<u64> = idx.iter().map(|&i| info.mtimes[i]).collect();
    let corrected: Vec<bool> = idx.iter().map(|&i| info.corrected[i]).collect();
    // a piece has one year when partitioned; otherwise the encoder ignores it
    let year = reports.first().and_then(|r| r.report_year);
    let findings = batch::findings_batch(
        reports
            .iter()
            .flat_map(|r| r.findings.iter().map(move |f| (r, f))),
    )?;
    // `sections` is written at the end of the run (its similarity to the year before needs
    // the panel): the ledger parks it
    let tables = [
        (Table::Cells, cells),
        (Table::CellsWide, batch::cells_wide_batch(&reports)?),
        (Table::Findings, findings),
        (
            Table::Indicators,
            nianbao_normalize::indicators::indicators_batch(&reports)?,
        ),
    ]
    .iter()
    .map(|(t, b)| encoder.encode(t.name(), year, b))
    .collect::<Result<_, _>>()?;
    Ok(Piece {
        tables,
        ledger: Ledger::prepare(&reports, &docs, &mtimes, &corrected, &sections)?,
    })
}

/// The writer stage: appends each chunk's encoded pieces to every table (in their year's
/// partition when partitioned) and to the ledger, which keeps what the `reports` table needs
/// at the end.
pub(crate) fn write_chunks(
    mut writer: nianbao_export::DatasetWriter,
    mut ledger: Ledger,
    rx: std::sync::mpsc::Receiver<Vec<Piece>>,
) -> Result<(nianbao_export::DatasetWriter, Ledger)> {
    for pieces in rx {
        for p in pieces {
            for e in p.tables {
                writer.write_encoded(e)?;
            }
            ledger.add(p.ledger)?;
        }
    }
    Ok((writer, ledger))
}
