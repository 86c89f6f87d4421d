//! The block model shared by the HTML and DOCX readers, and its rendering into lines.
//!
//! A reader turns its format into [`Block`]s: paragraphs and tables whose cells carry their
//! row and column spans. [`render`] lays each table out on a grid (spans expanded, so every
//! cell has grid coordinates), writes one line per table row holding the cells that start
//! there, and one line per paragraph. A table whose cells hold further tables is a layout
//! table: its content is rendered block by block instead of as a grid.

use crate::{Line, Span};

/// Upper bounds that keep a hostile span attribute from allocating a huge grid.
const MAX_COLSPAN: usize = 64;
const MAX_ROWSPAN: usize = 512;
const MAX_GRID_COLUMNS: usize = 256;

/// A piece of document content.
#[derive(Debug, Clone)]
pub(crate) enum Block {
    /// A paragraph (or a line of one), already whitespace-normalised.
    Para(String),
    /// A table.
    Table(Table),
    /// A picture or an attachment link where it sits (HTML `<img>`, `<a href=…pdf>`).
    Embed(crate::Embed),
}

/// A table: rows of cells in source order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub rows: Vec<Vec<TCell>>,
}

/// One table cell as written in the source.
#[derive(Debug, Clone)]
pub(crate) struct TCell {
    /// Number of grid columns covered.
    pub colspan: usize,
    /// Number of grid rows covered (HTML `rowspan`; DOCX continuation cells have their own
    /// [`TCell`] with `continued` set instead).
    pub rowspan: usize,
    /// A DOCX `vMerge` continuation: occupies its grid position, holds no text of its own.
    pub continued: bool,
    /// Empty grid columns before this cell (DOCX `gridBefore`).
    pub skip_before: usize,
    /// The cell's content.
    pub content: Vec<Block>,
}

impl TCell {
    /// Whether the cell holds a table, a picture or an attachment link: a layout table around
    /// an article is unwrapped, so what is in it keeps its place among the paragraphs.
    fn has_table(&self) -> bool {
        self.content
            .iter()
            .any(|b| matches!(b, Block::Table(_) | Block::Embed(_)))
    }

    /// The text of a cell: its paragraphs joined without separator (a label wrapped over
    /// two paragraphs is one label) — but numbers in separate paragraphs stay separate
    /// (`84<br>6` is two numbers, never 846); digits split by white space within a paragraph
    /// joined.
    fn text(&self) -> String {
        let paras: Vec<&str> = self
            .content
            .iter()
            .filter_map(|b| match b {
                Block::Para(p) => Some(p.trim()),
                Block::Table(_) | Block::Embed(_) => None,
            })
            .filter(|p| !p.is_empty())
            .collect();
        let numeric = |p: &str| {
            p.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        };
        let mut s = String::new();
        for (i, p) in paras.iter().enumerate() {
            if i > 0 && numeric(p) && numeric(paras[i - 1]) {
                s.push('\u{3000}');
            }
            s.push_str(p);
        }
        let s = s.replace(['\t', '\n', '\r'], " ");
        let s = s.trim();
        if !s.is_empty()
            && !s.contains('\u{3000}')
            && s.chars()
                .all(|c| c.is_ascii_digit() || c.is_whitespace() || matches!(c, '.' | ',' | '-'))
        {
            s.chars().filter(|c| !c.is_whitespace()).collect()
        } else {
            s.replace('\u{3000}', " ")
        }
    }
}

/// Collapses white space (including `&nbsp;` and the ideographic space) to single spaces
/// and trims.
pub(crate) fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}' {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// The rendered document: text, lines (with their origin) and the grid column of each cell.
pub(crate) struct Rendered {
    pub text: String,
    pub lines: Vec<Line>,
    pub tables: usize,
    /// Pictures and attachment links, each with the number of lines before it.
    pub embeds: Vec<crate::Embed>,
}

/// Lays out blocks as lines: one per paragraph, one per table row.
pub(crate) fn render(blocks: &[Block]) -> Rendered {
    let mut r = Rendered {
        text: String::new(),
        lines: Vec::new(),
        tables: 0,
        embeds: Vec::new(),
    };
    let mut paras = 0usize;
    render_into(blocks, &mut r, &mut paras);
    r
}

fn render_into(blocks: &[Block], r: &mut Rendered, paras: &mut usize) {
    for b in blocks {
        match b {
            Block::Para(p) => {
                *paras += 1;
                let p = p.trim();
                if !p.is_empty() {
                    push_line(r, &[(p.to_owned(), 0)], format!("paragraph {paras}"), false);
                }
            }
            Block::Embed(e) => {
                let mut e = e.clone();
                e.after_line = r.lines.len() as u32;
                r.embeds.push(e);
            }
            Block::Table(t) => {
                if t.rows.iter().flatten().any(TCell::has_table) {
                    for c in t.rows.iter().flatten() {
                        render_into(&c.content, r, paras);
                    }
                } else {
                    r.tables += 1;
                    render_table(t, r);
                }
            }
        }
    }
}

fn render_table(t: &Table, r: &mut Rendered) {
    let table_no = r.tables;
    // occupied[row] = grid columns already covered by a rowspan from above
    let mut occupied: Vec<Vec<bool>> = vec![Vec::new(); t.rows.len()];
    for (ri, row) in t.rows.iter().enumerate() {
        let mut col = 0usize;
        let mut cells: Vec<(String, usize)> = Vec::new();
        for c in row {
            col += c.skip_before.min(MAX_GRID_COLUMNS);
            while occupied[ri].get(col).copied().unwrap_or(false) {
                col += 1;
            }
            if col >= MAX_GRID_COLUMNS {
                break;
            }
            let colspan = c.colspan.clamp(1, MAX_COLSPAN);
            let rowspan = c.rowspan.clamp(1, MAX_ROWSPAN).min(t.rows.len() - ri);
            for occ in occupied.iter_mut().skip(ri).take(rowspan) {
                if occ.len() < col + colspan {
                    occ.resize(col + colspan, false);
                }
                for o in &mut occ[col..col + colspan] {
                    *o = true;
                }
            }
            if !c.continued {
                cells.push((c.text(), col + 1));
            }
            col += colspan;
        }
        // Cells before the first non-empty one are the left header area (continuations of
        // merged labels); they are not value positions.
        let first = cells.iter().position(|(s, _)| !s.is_empty());
        let Some(first) = first else { continue };
        push_line(
            r,
            &cells[first..],
            format!("table {table_no} row {}", ri + 1),
            true,
        );
    }
}

fn push_line(r: &mut Rendered, cells: &[(String, usize)], origin: String, grid: bool) {
    if !r.text.is_empty() {
        r.text.push('\n');
    }
    let start = r.text.len();
    let mut spans = Vec::with_capacity(cells.len());
    let mut cols = Vec::with_capacity(cells.len());
    for (i, (s, col)) in cells.iter().enumerate() {
        if i > 0 {
            r.text.push('\t');
        }
        let cs = r.text.len();
        r.text.push_str(&s.replace(['\t', '\n', '\r'], " "));
        spans.push(Span {
            start: cs,
            end: r.text.len(),
        });
        cols.push(*col as u32);
    }
    let number = r.lines.len() as u32 + 1;
    r.lines.push(Line {
        number,
        span: Span {
            start,
            end: r.text.len(),
        },
        cells: spans,
        origin: Some(origin),
        cols: if grid { cols } else { Vec::new() },
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str, colspan: usize, rowspan: usize) -> TCell {
        TCell {
            colspan,
            rowspan,
            continued: false,
            skip_before: 0,
            content: vec![Block::Para(text.into())],
        }
    }

    #[test]
    fn spans_expand_to_grid_columns_and_continuations_are_dropped() {
        // | 三、结果 (rowspan 2) | （一）予以公开 (colspan 2) | 5 | 6 |
        // |                    | 1.甲 | 2.乙              | 7 | 8 |
        let t = Table {
            rows: vec![
                vec![
                    cell("三、结果", 1, 2),
                    cell("（一）予以公开", 2, 1),
                    cell("5", 1, 1),
                    cell("6", 1, 1),
                ],
                vec![
                    cell("1.甲", 1, 1),
                    cell("2.乙", 1, 1),
                    cell("7", 1, 1),
                    cell("", 1, 1),
                ],
            ],
        };
        let r = render(&[Block::Table(t)]);
        assert_eq!(r.text, "三、结果\t（一）予以公开\t5\t6\n1.甲\t2.乙\t7\t");
        assert_eq!(r.lines[0].cols, vec![1, 2, 4, 5]);
        assert_eq!(r.lines[1].cols, vec![2, 3, 4, 5]);
        assert_eq!(r.lines[1].origin.as_deref(), Some("table 1 row 2"));
    }

    #[test]
    fn leading_empty_cells_are_dropped_and_digits_joined() {
        let t = Table {
            rows: vec![vec![cell("", 1, 1), cell("规章", 1, 1), cell("1 2", 1, 1)]],
        };
        let r = render(&[Block::Table(t)]);
        assert_eq!(r.text, "规章\t12");
        assert_eq!(r.lines[0].cols, vec![2, 3]);
    }

    #[test]
    fn layout_tables_are_unwrapped() {
        let inner = Table {
            rows: vec![vec![cell("规章", 1, 1), cell("3", 1, 1)]],
        };
        let outer = Table {
            rows: vec![vec![TCell {
                colspan: 1,
                rowspan: 1,
                continued: false,
                skip_before: 0,
                content: vec![Block::Para("标题".into()), Block::Table(inner)],
            }]],
        };
        let r = render(&[Block::Table(outer)]);
        assert_eq!(r.text, "标题\n规章\t3");
        assert_eq!(r.lines[1].origin.as_deref(), Some("table 1 row 1"));
    }

    #[test]
    fn hostile_spans_stay_bounded() {
        let t = Table {
            rows: vec![vec![cell("x", usize::MAX, usize::MAX), cell("1", 1, 1)]],
        };
        let r = render(&[Block::Table(t)]);
        assert_eq!(r.lines[0].cols, vec![1, 65]);
    }
}
