//! Tokens: the document as a stream of label text, numbers and blank markers, whatever its
//! layout; and the *projection*, the label text alone (CJK and letters), used to find headings
//! and row labels even when they are wrapped over lines or interrupted by numbers.

use nianbao_extract::{fold_width, Document, Layout};

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Label or prose text.
    Text,
    /// A number.
    Num,
    /// A blank marker: `—`, `-`, `/`, `无`, …
    Blank,
    /// An empty cell between cells of a tab- or `|`-separated row.
    Empty,
}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Byte range in the document text.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// The number, for `Num`.
    pub value: Option<f64>,
    /// The number's digits when it is a plain unsigned integer (may be a run of several cells'
    /// digits in a flattened table).
    pub digits: Option<String>,
    /// The number touches other text with no space or cell boundary between (`予以公开2700`,
    /// `35-15`, `5（三）`): its digits may be several cells' digits run together.
    pub glued: bool,
    /// A dash is glued before the digits (`35-15`, `—3`): it is either a minus sign or a blank
    /// marker of the cell before; `value` is the number without the sign.
    pub dash: bool,
    /// For a decimal number, the digits after the point (`digits` then holds the whole part).
    pub frac: Option<String>,
    /// 1-based line.
    pub line: u32,
    /// 1-based cell within the line (1 when the line is not split into cells).
    pub cell: u32,
    /// 1-based character column of `start` within the line.
    pub col: u32,
}

const BLANK_MARKERS: &[&str] = &["—", "——", "–", "-", "/", "─", "…", "...", "\\", "*"];
/// Words that mark a blank cell only among numbers (elsewhere they are label text: 无 法 提 供).
const CJK_BLANK_MARKERS: &[&str] = &["无", "空"];

/// Buffers reused across the cells of a document (tokenizing allocates per token, not per
/// character).
#[derive(Default)]
struct Scratch {
    chars: Vec<(usize, char)>,
    folded: String,
    f: Vec<char>,
    num: String,
}

/// Splits a document into tokens.
pub fn tokenize(doc: &Document) -> Vec<Token> {
    let mut out = Vec::with_capacity(doc.lines.len() * 4);
    let mut scratch = Scratch::default();
    let celled = matches!(doc.layout, Layout::Tabbed | Layout::Piped | Layout::Grid);
    let paged = doc.layout == Layout::PdfText || laid_out(doc);
    let piped = doc.layout == Layout::Piped;
    for (li, line) in doc.lines.iter().enumerate() {
        if paged && is_page_number(doc.cell_text(&line.span)) && at_page_edge(doc, li) {
            continue;
        }
        if is_rule_line(doc.cell_text(&line.span)) {
            continue;
        }
        let first = out.len();
        let multi = line.cells.len() > 1;
        for (ci, cell) in line.cells.iter().enumerate() {
            let text = doc.cell_text(cell);
            let before = out.len();
            tokenize_cell(
                text,
                Place {
                    base: cell.start,
                    line: line.number,
                    cell: ci as u32 + 1,
                },
                multi,
                &mut scratch,
                &mut out,
            );
            // Two numbers in one cell (`84<br>6`, `297 3`): one cell whose value is unknown,
            // never glued into one number. In text, numbers glued by a dash (`2-125`,
            // `0—00000`) are a run of the row's cells that a label spanning two columns left in
            // one cell: they stay apart, to be read as a run.
            let glued_run = doc.layout != Layout::Grid
                && out[before..]
                    .windows(2)
                    .all(|p| p[1].dash && p[1].start == p[0].end);
            if celled
                && multi
                && out.len() >= before + 2
                && out[before..].iter().all(|t| t.kind == Kind::Num)
                && !glued_run
            {
                let (start, end) = (out[before].start, out[out.len() - 1].end);
                out.truncate(before + 1);
                let t = &mut out[before];
                t.end = end.max(start);
                t.value = None;
                t.digits = None;
                t.frac = None;
                t.glued = false;
                t.dash = false;
            }
            // `| a | b |`: the empty piece after the closing pipe is not a cell
            let closing_pipe = piped
                && ci + 1 == line.cells.len()
                && doc.cell_text(&line.span).trim_end().ends_with('|');
            if celled && multi && out.len() == before && text.trim().is_empty() && !closing_pipe {
                out.push(Token {
                    kind: Kind::Empty,
                    start: cell.start,
                    end: cell.end,
                    value: None,
                    digits: None,
                    glued: false,
                    dash: false,
                    frac: None,
                    line: line.number,
                    cell: ci as u32 + 1,
                    col: 0,
                });
            }
        }
        // character columns, counted once along the line (a flattened table is one long line)
        let (mut pos, mut chars) = (line.span.start, 0);
        for t in &mut out[first..] {
            let start = t.start.max(line.span.start);
            if start < pos {
                (pos, chars) = (line.span.start, 0);
            }
            chars += doc.text[pos..start].chars().count();
            pos = start;
            t.col = chars as u32 + 1;
        }
    }
    out
}

/// Where a cell's text is: its byte offset in the document, its line and cell numbers.
#[derive(Clone, Copy)]
struct Place {
    base: usize,
    line: u32,
    cell: u32,
}

/// A line drawn under a table row: only runs of dashes (`---\t---\t---`, `————————`). One short
/// run alone (`———`) is a blank cell (one cell per line), not a rule.
fn is_rule_line(line: &str) -> bool {
    let mut words = 0;
    let mut longest = 0;
    for w in line.split(|c: char| is_space(c) || c == '|') {
        if w.is_empty() {
            continue;
        }
        let n = w.chars().count();
        if n < 3
            || !w
                .chars()
                .all(|c| matches!(c, '-' | '—' | '–' | '─' | '=' | '_'))
        {
            return false;
        }
        words += 1;
        longest = longest.max(n);
    }
    words > 1 || longest >= 5
}

/// Whether the document's text was laid out from positions (a PDF's text layer, an OFD's text
/// objects, a `.doc`'s text boxes placed on pages, whose lines say their page): pages with
/// page numbers, and a value's place in its line is a character column.
fn laid_out(doc: &Document) -> bool {
    use nianbao_extract::Format;
    match doc.format {
        Format::Pdf | Format::Ofd => true,
        Format::LegacyDoc => doc
            .lines
            .first()
            .and_then(|l| l.origin.as_deref())
            .is_some_and(|o| o.starts_with("page ")),
        _ => false,
    }
}

/// Whether line `i` stands where a page number does: next to a page break (form feed), a
/// blank line, or the start or end of the document. A number line between two table lines
/// (`— 5 —` for a blank, 5 and a blank) is data.
fn at_page_edge(doc: &Document, i: usize) -> bool {
    let blankish = |j: usize| {
        doc.lines.get(j).is_none_or(|l| {
            doc.cell_text(&l.span).trim().is_empty() || doc.cell_text(&l.span).contains('\x0c')
        })
    };
    let own = doc.cell_text(&doc.lines[i].span);
    i == 0 || own.contains('\x0c') || blankish(i - 1) || blankish(i + 1)
}

/// A page number line of PDF text: `- 3 -`, `— 3 —`, `第 3 页`, `第3页 共5页`.
fn is_page_number(line: &str) -> bool {
    // Most lines start with something else: decide before building anything.
    match line.chars().map(fold_width).find(|c| !c.is_whitespace()) {
        Some('-' | '—' | '–' | '第') => {}
        _ => return false,
    }
    let t: String = line
        .chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .collect();
    let inner = t
        .trim_start_matches(['-', '—', '–'])
        .trim_end_matches(['-', '—', '–']);
    let dash = |c: char| matches!(c, '-' | '—' | '–');
    let dashed = t.starts_with(dash)
        && t.ends_with(dash)
        && inner.len() < t.len()
        && !inner.is_empty()
        && inner.chars().all(|c| c.is_ascii_digit());
    let paged = t.starts_with('第')
        && t.contains('页')
        && t.chars()
            .all(|c| c.is_ascii_digit() || "第页共".contains(c));
    dashed || paged
}

/// Whether a word, width-folded, is one of `markers`.
fn folded_is(w: &str, markers: &[&str]) -> bool {
    markers
        .iter()
        .any(|m| w.chars().map(fold_width).eq(m.chars()))
}

fn is_space(c: char) -> bool {
    fold_width(c).is_whitespace() || c == '\u{a0}'
}

fn tokenize_cell(text: &str, at: Place, multi: bool, scratch: &mut Scratch, out: &mut Vec<Token>) {
    // Words separated by white space (ASCII, ideographic, nbsp).
    let numeric = |w: &str| {
        w.chars()
            .map(fold_width)
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+'))
            || folded_is(w, BLANK_MARKERS)
            || folded_is(w, CJK_BLANK_MARKERS)
    };
    // 无 is a blank cell when it stands alone in a cell, or among numbers.
    let n_words = text.split_whitespace().take(2).count();
    let numeric_context =
        (multi && n_words == 1) || (n_words > 1 && text.split_whitespace().all(numeric));
    let mut chars = std::mem::take(&mut scratch.chars);
    chars.clear();
    chars.extend(text.char_indices());
    let mut i = 0;
    while i < chars.len() {
        if is_space(chars[i].1) {
            i += 1;
            continue;
        }
        let ws = i;
        while i < chars.len() && !is_space(chars[i].1) {
            i += 1;
        }
        word(&chars[ws..i], text, at, numeric_context, scratch, out);
    }
    scratch.chars = chars;
}

fn byte_end(text: &str, chars: &[(usize, char)], j: usize) -> usize {
    if j < chars.len() {
        chars[j].0
    } else {
        chars
            .last()
            .map(|(b, c)| b + c.len_utf8())
            .unwrap_or(0)
            .min(text.len())
    }
}

/// A dash that may be a minus sign when it stands right before digits: ASCII/full-width
/// hyphen-minus (folded), U+2212 minus, en and em dash.
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2212}' | '–' | '—')
}

/// Punctuation that may end a number's cell without being data (`117.`, `106、`, `12，`).
fn is_trailing_punct(c: char) -> bool {
    matches!(
        c,
        '.' | '。' | '、' | ',' | '，' | ';' | '；' | ':' | '：' | ')' | '）' | '"' | '”'
    )
}

/// A signed change written in words: `减少2` / `减2` → −2, `增加2` / `增2` → 2.
fn worded_change(f: &[char]) -> Option<(f64, usize)> {
    let prefixes: [(&[char], f64); 4] = [
        (&['减', '少'], -1.0),
        (&['增', '加'], 1.0),
        (&['减'], -1.0),
        (&['增'], 1.0),
    ];
    for (p, sign) in prefixes {
        if f.len() > p.len() && f.starts_with(p) && f[p.len()..].iter().all(|c| c.is_ascii_digit())
        {
            let d: String = f[p.len()..].iter().collect();
            return parse_digits(&d).map(|v| (sign * v, p.len()));
        }
    }
    None
}

fn word(
    w: &[(usize, char)],
    text: &str,
    at: Place,
    numeric_context: bool,
    scratch: &mut Scratch,
    out: &mut Vec<Token>,
) {
    let Place { base, line, cell } = at;
    let folded = &mut scratch.folded;
    folded.clear();
    folded.extend(w.iter().map(|(_, c)| {
        if *c == '\u{2212}' {
            '-'
        } else {
            fold_width(*c)
        }
    }));
    let mut scan = Scan {
        w,
        text,
        base,
        line,
        cell,
        numeric_context,
        text_start: None,
        out,
    };
    let start = base + w[0].0;
    let end = base + byte_end(text, w, w.len()).max(w[0].0);
    if let Some(blank) = whole_word_blank(folded, numeric_context) {
        if blank {
            scan.out.push(scan.token(Kind::Blank, start, end));
        }
        return;
    }
    let f = &mut scratch.f;
    f.clear();
    f.extend(folded.chars());
    if let Some((v, _)) = worded_change(f) {
        let mut t = scan.token(Kind::Num, start, end);
        t.value = Some(v);
        scan.out.push(t);
        return;
    }
    scan.run(f, &mut scratch.num);
}

/// A word that is a blank marker or a rule as a whole: `Some(true)` a blank cell (`—`, `-`,
/// `/`, `无` beside numbers, a short run of dashes), `Some(false)` nothing (a rule drawn under a
/// row), `None` anything else.
fn whole_word_blank(folded: &str, numeric_context: bool) -> Option<bool> {
    if BLANK_MARKERS.contains(&folded) || (numeric_context && CJK_BLANK_MARKERS.contains(&folded)) {
        return Some(true);
    }
    if folded.chars().count() >= 2 && folded.chars().all(|c| matches!(c, '-' | '—' | '–' | '─'))
    {
        // `———`, `---`: a blank cell written with a run of dashes; a long run is a rule
        // drawn under a row.
        return Some(folded.chars().count() <= 4);
    }
    if folded.len() >= 3 && folded.chars().all(|c| matches!(c, '-' | '=' | '_' | '—')) {
        return Some(false); // a separator rule under a table row
    }
    None
}

/// The scan of one word's characters into text, number and blank tokens.
struct Scan<'s> {
    w: &'s [(usize, char)],
    text: &'s str,
    base: usize,
    line: u32,
    cell: u32,
    numeric_context: bool,
    /// Where the label text being gathered starts.
    text_start: Option<usize>,
    out: &'s mut Vec<Token>,
}

/// What [`Scan::digits`] found of a number.
struct Digits {
    /// Where the number ends (after its digits, separators and decimals).
    k: usize,
    /// Where its whole part ends.
    int_end: usize,
    /// Digits only, without separators or sign.
    plain: bool,
    thousands: bool,
    frac: Option<String>,
}

impl Scan<'_> {
    /// The byte position of character `j` of the word in the document.
    fn pos(&self, j: usize) -> usize {
        self.base + byte_end(self.text, self.w, j)
    }

    /// A token of this word's place.
    fn token(&self, kind: Kind, start: usize, end: usize) -> Token {
        Token {
            kind,
            start,
            end,
            value: None,
            digits: None,
            glued: false,
            dash: false,
            frac: None,
            line: self.line,
            cell: self.cell,
            col: 0,
        }
    }

    /// A blank marker glued to its neighbours (`12—`, `—8.`), characters `s..e`.
    fn glued_blank(&self, s: usize, e: usize) -> Token {
        let mut t = self.token(Kind::Blank, self.pos(s), self.pos(e));
        t.glued = true;
        t
    }

    /// Ends the label text gathered so far at character `upto`.
    fn flush_text(&mut self, upto: usize) {
        if let Some(s) = self.text_start.take() {
            if upto > s {
                let t = self.token(Kind::Text, self.pos(s), self.pos(upto));
                self.out.push(t);
            }
        }
    }

    fn run(&mut self, f: &[char], num_buf: &mut String) {
        let n = f.len();
        let mut j = 0;
        while j < n {
            let c = f[j];
            // a run of dashes: `—`, `——`, `-`
            let run_end = if is_dash(c) {
                (j..n).find(|&x| !is_dash(f[x])).unwrap_or(n)
            } else {
                j
            };
            let before_digit = run_end < n && run_end > j && f[run_end].is_ascii_digit();
            // `-3` at the start of a word is a negative number; a dash glued after other text
            // or digits (`35-15`), or an en/em dash (`—3`), is a minus sign or a blank marker.
            let certain_sign =
                matches!(c, '-' | '+') && j == 0 && j + 1 < n && f[j + 1].is_ascii_digit();
            let dash = !certain_sign && before_digit;
            if run_end > j && !before_digit && (j > 0 || run_end < n) {
                // a blank marker glued to a number or a label (`12—行政处罚`, `其他处理—`): a
                // blank cell of flattened text
                self.flush_text(j);
                let t = self.glued_blank(j, run_end);
                self.out.push(t);
                j = run_end;
                continue;
            }
            if c.is_ascii_digit() || certain_sign || dash {
                j = self.number(f, j, run_end, certain_sign, dash, num_buf);
                continue;
            }
            if self.text_start.is_none() {
                self.text_start = Some(j);
            }
            j += 1;
        }
        self.flush_text(n);
    }

    /// The digits of a number starting at `ds`: thousands separators and a decimal part.
    fn digits(f: &[char], ds: usize, certain_sign: bool) -> Digits {
        let n = f.len();
        let mut k = ds;
        while k < n && f[k].is_ascii_digit() {
            k += 1;
        }
        let mut plain = !certain_sign;
        let mut thousands = false;
        // thousands separators: 1,234,567
        while k + 3 < n
            && f[k] == ','
            && f[k + 1..k + 4].iter().all(|c| c.is_ascii_digit())
            && (k + 4 == n || !f[k + 4].is_ascii_digit())
        {
            k += 4;
            plain = false;
            thousands = true;
        }
        let int_end = k;
        // decimal part
        let mut frac: Option<String> = None;
        if k + 1 < n && f[k] == '.' && f[k + 1].is_ascii_digit() {
            k += 1;
            let fs = k;
            while k < n && f[k].is_ascii_digit() {
                k += 1;
            }
            plain = false;
            if !thousands {
                frac = Some(f[fs..k].iter().collect());
            }
        }
        Digits {
            k,
            int_end,
            plain,
            thousands,
            frac,
        }
    }

    /// A number (or an item number) starting at character `j`; returns where the scan goes on.
    fn number(
        &mut self,
        f: &[char],
        j: usize,
        run_end: usize,
        certain_sign: bool,
        dash: bool,
        num_buf: &mut String,
    ) -> usize {
        let n = f.len();
        let ns = j;
        let ds = if certain_sign {
            j + 1
        } else if dash {
            run_end
        } else {
            j
        };
        let Digits {
            k,
            int_end,
            plain,
            thousands,
            frac,
        } = Self::digits(f, ds, certain_sign);
        let digits: String = f[ds..k].iter().filter(|c| c.is_ascii_digit()).collect();
        // the whole part's digits, for a signed or decimal number (a run may end in it)
        let int_digits: Option<String> = (!thousands && (certain_sign || frac.is_some()))
            .then(|| f[ds..int_end].iter().collect());
        // An item number: `1.` `2、` `3．` followed by label text; or `(1)`. In flattened
        // tables the item number sticks to the previous row's last value
        // (`00000002.其他`): the last digit is the item number, the rest is data. A number
        // that ends its word with punctuation (`117.`, `106、`) is a value.
        let ends_word = k + 1 == n;
        let item_mark = k < n
            && matches!(f[k], '.' | '、')
            && (k + 1 == n || !f[k + 1].is_ascii_digit())
            && !(ends_word && (digits.len() > 1 || self.numeric_context));
        let paren_item =
            ns > 0 && matches!(f[ns - 1], '(' | '（') && k < n && matches!(f[k], ')' | '）');
        if plain && (item_mark || paren_item) {
            if digits.len() == 1 || paren_item {
                if dash {
                    // `—8.属于…`: a blank cell, then the next row's item number
                    self.flush_text(ns);
                    let t = self.glued_blank(ns, ds);
                    self.out.push(t);
                    self.text_start = Some(ds);
                } else if self.text_start.is_none() {
                    self.text_start = Some(ns);
                }
                return k;
            }
            // split: data digits, then the item number
            self.flush_text(ns);
            let data = &digits[..digits.len() - 1];
            let mut t = self.token(Kind::Num, self.pos(ns), self.pos(k - 1));
            t.value = parse_digits(data);
            t.digits = Some(data.to_owned());
            t.glued = true;
            t.dash = dash;
            self.out.push(t);
            self.text_start = Some(k - 1);
            return k;
        }
        self.flush_text(ns);
        // 万 after a number (not 万元, an amount's unit): ten thousand.
        let wan = k < n && f[k] == '万' && f.get(k + 1) != Some(&'元');
        let mut value = if plain {
            parse_digits(&digits)
        } else {
            // (a glued dash is not part of the value: `—1103.9` is 1103.9, its dash a blank
            // marker or a sign, decided by the row reader)
            num_buf.clear();
            num_buf.extend(
                f[if dash { ds } else { ns }..k]
                    .iter()
                    .filter(|c| **c != ','),
            );
            num_buf.parse::<f64>().ok()
        };
        if wan {
            value = value.map(|v| v * 10_000.0);
        }
        let end_k = if wan { k + 1 } else { k };
        let glued = ns > 0 || (end_k < n && !f[end_k..].iter().all(|c| is_trailing_punct(*c)));
        let mut t = self.token(Kind::Num, self.pos(ns), self.pos(end_k));
        t.value = value;
        t.digits = if wan {
            None
        } else if plain {
            Some(digits)
        } else {
            int_digits
        };
        t.glued = glued;
        t.dash = dash;
        t.frac = if wan { None } else { frac };
        self.out.push(t);
        end_k
    }
}

/// The value of a run of ASCII digits, as `str::parse::<f64>` would give it (both round
/// correctly; integers below 2^64 convert without a string).
fn parse_digits(d: &str) -> Option<f64> {
    if d.is_empty() {
        return None;
    }
    if d.len() <= 19 {
        let mut x: u64 = 0;
        for b in d.bytes() {
            x = x * 10 + u64::from(b - b'0');
        }
        return Some(x as f64);
    }
    d.parse::<f64>().ok()
}

/// The label text of a token range: CJK characters and letters only, each mapped back to its
/// token.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    /// The characters.
    pub chars: Vec<char>,
    /// For each character, the index of its token.
    pub tok: Vec<usize>,
    /// For each character, its byte offset in the document text.
    pub off: Vec<usize>,
}

/// Whether a character takes part in label matching.
pub fn is_label_char(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
        || ('\u{3400}'..='\u{4dbf}').contains(&c)
        || c == '〇'
        || c.is_ascii_alphabetic()
}

impl Projection {
    /// Projects the text tokens of a document.
    pub fn new(doc: &Document, tokens: &[Token]) -> Projection {
        let mut p = Projection::default();
        for (ti, t) in tokens.iter().enumerate() {
            if t.kind != Kind::Text {
                continue;
            }
            for (b, c) in doc.text[t.start..t.end].char_indices() {
                let c = fold_width(c);
                if is_label_char(c) {
                    p.chars.push(c);
                    p.tok.push(ti);
                    p.off.push(t.start + b);
                }
            }
        }
        p
    }

    /// First exact occurrence of `needle` in `chars[from..to]`.
    pub fn find(&self, needle: &str, from: usize, to: usize) -> Option<usize> {
        let n: Vec<char> = needle.chars().collect();
        let to = to.min(self.chars.len());
        if n.is_empty() || to < n.len() || from > to - n.len() {
            return None;
        }
        (from..=to - n.len()).find(|&i| self.chars[i..i + n.len()] == n[..])
    }

    /// The token index of projection position `pos` (or `tokens_len` past the end).
    pub fn tok_at(&self, pos: usize, tokens_len: usize) -> usize {
        self.tok.get(pos).copied().unwrap_or(tokens_len)
    }

    /// The projection position of the first character at or after token `t`.
    pub fn pos_of_tok(&self, t: usize) -> usize {
        self.tok.partition_point(|&x| x < t)
    }

    /// The characters of a range as a string.
    pub fn slice(&self, from: usize, to: usize) -> String {
        self.chars[from.min(self.chars.len())..to.min(self.chars.len())]
            .iter()
            .collect()
    }
}

/// The OCR box a token at 1-based character column `col` of a line comes from.
pub fn ocr_box<'a>(
    ocr: &'a nianbao_extract::OcrLayer,
    line: &nianbao_extract::Line,
    col: u32,
) -> Option<&'a nianbao_extract::OcrBox> {
    // the line's origin is `page P line L` (the PDF layout of the OCR'd text)
    let o = line.origin.as_deref()?;
    let rest = o.strip_prefix("page ")?;
    let (p, l) = rest.split_once(" line ")?;
    let (p, l): (u32, u32) = (p.parse().ok()?, l.parse().ok()?);
    ocr.box_at(p, l, col.saturating_sub(1))
}

/// Where a token is, for the `source` column: `line N [cell M | char M]` for text, the
/// format's own terms otherwise (`table 2 row 5 col 3`, `paragraph 4`, `page 2 line 14 char 40`).
pub fn location(doc: &Document, t: &Token) -> String {
    // one per cell: numbers are written with itoa rather than the formatting machinery
    let mut n = itoa::Buffer::new();
    let line = &doc.lines[t.line as usize - 1];
    if let Some(b) = doc.ocr.as_ref().and_then(|o| ocr_box(o, line, t.col)) {
        // a recognised box: where it is on the page image
        let (x, y, w, h) = b.rect;
        return format!("page {} box {x},{y},{w},{h} conf {:.2}", b.page, b.conf);
    }
    let mut s = String::with_capacity(24);
    match &line.origin {
        Some(o) => s.push_str(o),
        None => {
            s.push_str("line ");
            s.push_str(n.format(t.line));
        }
    }
    if let Some(col) = line.cols.get(t.cell as usize - 1) {
        s.push_str(" col ");
        s.push_str(n.format(*col));
    } else if line.cells.len() > 1 {
        s.push_str(" cell ");
        s.push_str(n.format(t.cell));
    } else if line.span.end - line.span.start > 200 || laid_out(doc) {
        s.push_str(" char ");
        s.push_str(n.format(t.col));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<(Kind, String)> {
        let d = nianbao_extract::read(s.as_bytes()).unwrap();
        tokenize(&d)
            .into_iter()
            .map(|t| (t.kind, d.text[t.start..t.end].to_owned()))
            .collect()
    }

    #[test]
    fn digit_runs_parse_like_the_standard_parser() {
        let mut x: u64 = 1;
        for len in 1..=40 {
            let d: String = (0..len)
                .map(|i| char::from(b'0' + ((i * 7 + 3) % 10) as u8))
                .collect();
            assert_eq!(parse_digits(&d), d.parse::<f64>().ok(), "{d}");
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let s = x.to_string();
            assert_eq!(parse_digits(&s), s.parse::<f64>().ok(), "{s}");
        }
        assert_eq!(
            parse_digits("18446744073709551615"),
            Some(18446744073709551615.0)
        );
        assert_eq!(parse_digits(""), None);
    }

    #[test]
    fn item_numbers_stay_with_their_labels() {
        use Kind::*;
        assert_eq!(
            toks("1、属于国家秘密 0 12 —"),
            [
                (Text, "1、属于国家秘密".into()),
                (Num, "0".into()),
                (Num, "12".into()),
                (Blank, "—".into())
            ]
        );
        assert_eq!(toks("1. 属于国家秘密")[0], (Text, "1.".into()));
        // flattened: the next label's item number sticks to the last value
        assert_eq!(
            toks("国家秘密00000002.其他法律"),
            [
                (Text, "国家秘密".into()),
                (Num, "0000000".into()),
                (Text, "2.其他法律".into())
            ]
        );
        assert_eq!(
            toks("收费24252.311082三、")[1],
            (Num, "24252.311082".into())
        );
    }

    #[test]
    fn numbers_glued_by_a_dash_in_one_text_cell_stay_a_run() {
        // issue 27: a label spanning two columns left the row's cells in one cell, a negative
        // change (or a blank dash) glued in: `2-125` is 2 | -12 | 5 or another split, never
        // one unknown cell
        let tabbed = |row: &str| {
            format!(
                "信息内容\t上一年项目数量\t本年增/减\n{row}\n{}",
                "行政处罚\t1\t2\t3\n".repeat(8)
            )
        };
        let d = nianbao_extract::read(tabbed("行政许可\t\t2-125\t").as_bytes()).unwrap();
        assert_eq!(d.layout, Layout::Tabbed);
        let nums: Vec<(String, bool)> = tokenize(&d)
            .iter()
            .filter(|t| t.kind == Kind::Num && t.line == 2)
            .map(|t| (d.text[t.start..t.end].to_owned(), t.dash))
            .collect();
        assert_eq!(nums, [("2".into(), false), ("-125".into(), true)]);
        // two numbers apart in one cell are still one cell of unknown value
        let d = nianbao_extract::read(tabbed("行政许可\t297 3\t5").as_bytes()).unwrap();
        let t = tokenize(&d);
        let nums: Vec<_> = t
            .iter()
            .filter(|t| t.kind == Kind::Num && t.line == 2)
            .collect();
        assert_eq!(nums.len(), 2);
        assert_eq!(&d.text[nums[0].start..nums[0].end], "297 3");
        assert_eq!(nums[0].value, None);
    }

    #[test]
    fn numbers_parse_with_signs_separators_and_full_width() {
        let d = nianbao_extract::read("增减 -3 1,234 １２ 5.5".as_bytes()).unwrap();
        let v: Vec<f64> = tokenize(&d).iter().filter_map(|t| t.value).collect();
        assert_eq!(v, [-3.0, 1234.0, 12.0, 5.5]);
        let t = tokenize(&d);
        assert_eq!(t[3].digits.as_deref(), Some("12"));
        assert_eq!(t[2].digits, None);
    }

    #[test]
    fn wu_is_blank_only_among_numbers() {
        let k = |s: &str| toks(s).into_iter().map(|t| t.0).collect::<Vec<_>>();
        assert_eq!(k("0 无 3"), [Kind::Num, Kind::Blank, Kind::Num]);
        assert_eq!(k("a\t无\t1"), [Kind::Text, Kind::Blank, Kind::Num]);
        assert_eq!(
            k("(四) 无 法 提 供")
                .iter()
                .filter(|&&x| x == Kind::Blank)
                .count(),
            0
        );
    }

    #[test]
    fn projection_skips_numbers_and_punctuation() {
        let d = nianbao_extract::read("5.属于三 0 0 0\n类内部事务\n信息".as_bytes()).unwrap();
        let t = tokenize(&d);
        let p = Projection::new(&d, &t);
        assert_eq!(p.slice(0, p.chars.len()), "属于三类内部事务信息");
        assert_eq!(p.find("内部事务", 0, 99), Some(4));
    }
}
