//! Synthetic reports as HTML, DOCX and PDF, written the way agencies publish them.
//!
//! The tables use merged cells: a group heading of part 三 (（三）不予公开 …) spans its item rows
//! (`rowspan` / `w:vMerge`), the other row labels span the heading column too (`colspan` /
//! `w:gridSpan`), and a heading row without numbers spans the whole table. HTML wraps the
//! report in a saved page (navigation, share buttons, footer) and splits digits across
//! `<span>`s; GBK pages declare their charset in a `<meta>`. The PDF is a real text-layer PDF
//! (CID font with a ToUnicode map), tables placed by coordinates, page numbers in the footer,
//! tables running over page breaks.

use std::io::Write;

use crate::Row;

/// The markup layouts.
pub(crate) const LAYOUTS: [&str; 4] = ["html", "docx", "pdf", "ofd"];

/// A piece of a report in reading order.
pub(crate) enum Piece<'a> {
    Title(String),
    Para(String),
    Table(&'a [Row]),
    /// A picture (`<img src>`): HTML only.
    Picture(String),
    /// A link to a file (`<a href>`, its text): HTML only.
    Link(String, String),
}

/// One cell of the merged grid.
struct GCell {
    text: String,
    colspan: usize,
    rowspan: usize,
    /// A continuation of a vertical merge (DOCX writes it, HTML leaves it out).
    cont: bool,
}

fn is_item(label: &str) -> bool {
    label.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Rows → a grid with merges. Column 1 holds group headings, column 2 the labels.
fn grid(rows: &[Row]) -> Vec<Vec<GCell>> {
    let width = rows.iter().map(|r| r.values.len()).max().unwrap_or(0) + 2;
    let mut out: Vec<Vec<GCell>> = Vec::new();
    let mut i = 0;
    let cell = |text: &str, colspan, rowspan, cont| GCell {
        text: text.to_owned(),
        colspan,
        rowspan,
        cont,
    };
    while i < rows.len() {
        let r = &rows[i];
        let items = rows[i + 1..]
            .iter()
            .take_while(|x| is_item(&x.label))
            .count();
        if r.values.is_empty() && items > 0 {
            // group heading spanning its items
            for (j, it) in rows[i + 1..i + 1 + items].iter().enumerate() {
                let mut line = vec![if j == 0 {
                    cell(&r.label, 1, items, false)
                } else {
                    cell("", 1, 1, true)
                }];
                line.push(cell(&it.label, 1, 1, false));
                line.extend(
                    it.values
                        .iter()
                        .map(|v| cell(v.as_deref().unwrap_or(""), 1, 1, false)),
                );
                out.push(line);
            }
            i += 1 + items;
            continue;
        }
        if r.values.is_empty() {
            out.push(vec![cell(&r.label, width, 1, false)]);
        } else {
            let mut line = vec![cell(&r.label, 2, 1, false)];
            line.extend(
                r.values
                    .iter()
                    .map(|v| cell(v.as_deref().unwrap_or(""), 1, 1, false)),
            );
            out.push(line);
        }
        i += 1;
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A cell value starting with this is written into the HTML as it is (not escaped).
pub(crate) const RAW: &str = "\u{1}";

/// Digits split over two spans, the way Word pastes them: `<span>12</span><span>3</span>`.
fn spans(s: &str) -> String {
    // the adversarial generator's raw markup (struck-out, hidden, superscript digits)
    if let Some(raw) = s.strip_prefix(RAW) {
        return raw.to_owned();
    }
    if s.len() >= 3 && s.chars().all(|c| c.is_ascii_digit()) {
        let (a, b) = s.split_at(s.len() / 2);
        format!("<span>{a}</span><span lang=\"EN-US\">{b}</span>")
    } else if s.is_empty() {
        "&nbsp;".into()
    } else {
        esc(s)
    }
}

/// A saved web page holding the report.
/// A government site's article page around a report (issue 17): the CMS's meta tags, header,
/// navigation, sidebar, the article heading and its 来源/发布时间 line, share buttons, footer.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    /// `SiteName`.
    pub site_name: String,
    /// `SiteDomain`.
    pub domain: String,
    /// `SiteIDCode` (10 digits).
    pub site_id_code: String,
    /// `ArticleTitle`.
    pub article_title: String,
    /// `PubDate`, `YYYY-MM-DD HH:MM`.
    pub pub_date: String,
    /// `ContentSource`.
    pub content_source: String,
    /// `Url`.
    pub url: String,
}

fn chrome_head(c: &Chrome, charset: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\n\
         <meta name=\"SiteName\" content=\"{site}\"/>\n<meta name=\"SiteDomain\" content=\"{domain}\"/>\n\
         <meta name=\"SiteIDCode\" content=\"{code}\"/>\n<meta name=\"ColumnName\" content=\"政府信息公开年报\"/>\n\
         <meta name=\"ColumnType\" content=\"政府信息公开年报\"/>\n<meta name=\"ArticleTitle\" content=\"{title}\"/>\n\
         <meta name=\"PubDate\" content=\"{date}\"/>\n<meta name=\"ContentSource\" content=\"{source}\"/>\n\
         <meta name=\"Keywords\" content=\"年报,政府信息公开\"/>\n<meta name=\"Url\" content=\"{url}\"/>\n\
         <title>{title}_{site}</title>\n<link rel=\"stylesheet\" href=\"/css/main.css\">\n\
         <script src=\"/js/jquery.min.js\"></script><script>var shareTitle = \"<p>{title}</p>\";</script>\n\
         </head><body>\n<div class=\"header\"><div class=\"logo\"><img src=\"/images/logo.png\" alt=\"{site}\"></div>\n\
         <div class=\"search\"><input type=\"text\" placeholder=\"请输入关键字\"><button>搜索</button></div></div>\n\
         <div class=\"nav\"><ul><li><a href=\"/\">首页</a></li><li><a href=\"/zwgk/\">政务公开</a></li>\
         <li><a href=\"/hdjl/\">互动交流</a></li><li><a href=\"/zwfw/\">政务服务</a></li></ul></div>\n\
         <div class=\"location\">当前位置：<a href=\"/\">首页</a> &gt; <a href=\"/zwgk/\">政务公开</a> &gt; \
         <a href=\"/zwgk/ndbg/\">政府信息公开年报</a></div>\n\
         <div class=\"sidebar\"><h3>政府信息公开</h3><ul><li><a href=\"/zwgk/zn/\">政府信息公开指南</a></li>\
         <li><a href=\"/zwgk/zd/\">政府信息公开制度</a></li><li><a href=\"/zwgk/ndbg/\">政府信息公开年报</a></li></ul></div>\n\
         <div class=\"main\"><div class=\"article-title\" style=\"text-align:center\">{title}</div>\n\
         <div class=\"article-info\"><span>来源：{source}</span>&nbsp;&nbsp;<span>发布时间：{date}</span>&nbsp;&nbsp;\
         <span>浏览次数：<script>document.write(1024)</script></span>&nbsp;&nbsp;<span>字号：[大 中 小]</span></div>\n\
         <div class=\"TRS_Editor\"><div class=\"WordSection1\" style=\"layout-grid:15.6pt\">\n",
        site = esc(&c.site_name),
        domain = esc(&c.domain),
        code = esc(&c.site_id_code),
        title = esc(&c.article_title),
        date = esc(&c.pub_date),
        source = esc(&c.content_source),
        url = esc(&c.url),
    )
}

fn chrome_foot(c: &Chrome) -> String {
    format!(
        "</div></div>\n<div class=\"share\">分享到：<a href=\"#\">微信</a> <a href=\"#\">微博</a> <a href=\"#\">QQ空间</a></div>\n\
         <div class=\"print\"><a href=\"javascript:window.print()\">【打印本页】</a> <a href=\"javascript:window.close()\">【关闭窗口】</a></div>\n\
         </div>\n<div class=\"footer\"><p>主办单位：{site}　网站标识码：{code}</p>\
         <p>ICP备案号：示ICP备00000000号　<a href=\"/sitemap/\">网站地图</a>　<a href=\"/lxwm/\">联系我们</a></p></div>\n\
         </body></html>\n",
        site = esc(&c.site_name),
        code = esc(&c.site_id_code),
    )
}

pub(crate) fn html(pieces: &[Piece], charset: &str) -> Vec<u8> {
    html_page(pieces, charset, None)
}

/// An HTML page of the pieces; with `chrome`, a whole CMS article page around them.
pub(crate) fn html_page(pieces: &[Piece], charset: &str, chrome: Option<&Chrome>) -> Vec<u8> {
    let mut h = match chrome {
        Some(c) => chrome_head(c, charset),
        None => format!(
            "<!DOCTYPE html>\n<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\
             <title>政府信息公开</title><script>var x = \"<p>不是报告</p>\";</script></head><body>\n\
             <nav><a href=\"/\">首页</a> &gt; <a href=\"/xxgk\">政府信息公开</a></nav>\n\
             <div class=\"article\"><table class=\"layout\"><tr><td>\n"
        ),
    };
    for p in pieces {
        match p {
            Piece::Title(t) => h.push_str(&format!(
                "<h1 style=\"text-align:center\">{}</h1>\n",
                esc(t)
            )),
            Piece::Para(t) => h.push_str(&format!(
                "<p class=\"MsoNormal\"><span style=\"font-family:仿宋\">{}</span><!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]--></p>\n",
                esc(t)
            )),
            Piece::Picture(src) => h.push_str(&format!(
                "<p style=\"text-align:center\"><img src=\"{}\" width=\"600\" border=\"0\"></p>\n",
                esc(src)
            )),
            Piece::Link(href, text) => h.push_str(&format!(
                "<p>附件：<a href=\"{}\" target=\"_blank\">{}</a></p>\n",
                esc(href),
                esc(text)
            )),
            Piece::Table(rows) => {
                h.push_str("<table border=\"1\" cellspacing=\"0\"><tbody>\n");
                for line in grid(rows) {
                    h.push_str("<tr>");
                    for c in line.iter().filter(|c| !c.cont) {
                        let mut attrs = String::new();
                        if c.colspan > 1 {
                            attrs.push_str(&format!(" colspan=\"{}\"", c.colspan));
                        }
                        if c.rowspan > 1 {
                            attrs.push_str(&format!(" rowspan=\"{}\"", c.rowspan));
                        }
                        h.push_str(&format!("<td{attrs}><p>{}</p></td>", spans(&c.text)));
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str("</tbody></table>\n");
            }
        }
    }
    match chrome {
        Some(c) => h.push_str(&chrome_foot(c)),
        None => h.push_str(
            "</td></tr></table></div>\n<div class=\"share\"><button>分享到微信</button></div>\n\
             <footer>主办单位：示例政府网站 版权所有</footer>\n</body></html>\n",
        ),
    }
    if charset == "utf-8" {
        h.into_bytes()
    } else {
        encoding_rs::GBK.encode(&h).0.into_owned()
    }
}

fn w_para(text: &str) -> String {
    format!(
        "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
        esc(text)
    )
}

/// A Word document (`word/document.xml` in a zip, with the package parts Word expects).
pub(crate) fn docx(pieces: &[Piece]) -> Vec<u8> {
    let mut body = String::new();
    for p in pieces {
        match p {
            Piece::Title(t) | Piece::Para(t) => body.push_str(&w_para(t)),
            Piece::Picture(_) | Piece::Link(..) => {}
            Piece::Table(rows) => {
                body.push_str("<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/></w:tblPr>");
                for line in grid(rows) {
                    body.push_str("<w:tr>");
                    for c in &line {
                        let mut pr = String::new();
                        if c.colspan > 1 {
                            pr.push_str(&format!("<w:gridSpan w:val=\"{}\"/>", c.colspan));
                        }
                        if c.rowspan > 1 {
                            pr.push_str("<w:vMerge w:val=\"restart\"/>");
                        } else if c.cont {
                            pr.push_str("<w:vMerge/>");
                        }
                        body.push_str(&format!("<w:tc><w:tcPr>{pr}</w:tcPr>"));
                        // split the text over two runs, as Word does after edits
                        let chars: Vec<char> = c.text.chars().collect();
                        let (a, b) = chars.split_at(chars.len() / 2);
                        body.push_str(&format!(
                            "<w:p><w:r><w:t>{}</w:t></w:r><w:r><w:t>{}</w:t></w:r></w:p></w:tc>",
                            esc(&a.iter().collect::<String>()),
                            esc(&b.iter().collect::<String>())
                        ));
                    }
                    body.push_str("</w:tr>");
                }
                body.push_str("</w:tbl>");
            }
        }
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}<w:sectPr/></w:body></w:document>"
    );
    let files: [(&str, String); 3] = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".into(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>".into(),
        ),
        ("word/document.xml", document),
    ];
    zip_of(files)
}

/// One text run placed on a page: left edge and baseline in PDF points (origin at the bottom
/// left of an A4 page, 595 × 842), font size, text.
pub(crate) struct Placed {
    x: f64,
    y: f64,
    size: f64,
    text: String,
}

/// The pieces laid out on A4 pages as the PDF and OFD renderings place them: tables by
/// coordinates (long labels wrapping to a second line), tables running over page breaks, a
/// page number in each page's footer.
fn place(pieces: &[Piece]) -> Vec<Vec<Placed>> {
    place_with(pieces, true)
}

/// [`place`], with or without the page numbers.
fn place_with(pieces: &[Piece], numbered: bool) -> Vec<Vec<Placed>> {
    const TOP: f64 = 800.0;
    const BOTTOM: f64 = 70.0;
    let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
    let mut y = TOP;
    let text_at = |pages: &mut Vec<Vec<Placed>>, x: f64, y: f64, size: f64, s: &str| {
        let page = pages.last_mut().expect("one page at least");
        page.push(Placed {
            x,
            y,
            size,
            text: s.to_owned(),
        });
    };
    let advance = |pages: &mut Vec<Vec<Placed>>, y: &mut f64, dy: f64| {
        *y -= dy;
        if *y < BOTTOM {
            pages.push(Vec::new());
            *y = TOP;
        }
    };
    for p in pieces {
        match p {
            Piece::Title(t) => {
                text_at(&mut pages, 80.0, y, 14.0, t);
                advance(&mut pages, &mut y, 30.0);
            }
            Piece::Para(t) => {
                // wrap at 36 characters, 10 pt
                let chars: Vec<char> = t.chars().collect();
                for chunk in chars.chunks(36) {
                    text_at(&mut pages, 60.0, y, 10.0, &chunk.iter().collect::<String>());
                    advance(&mut pages, &mut y, 15.0);
                }
            }
            Piece::Table(rows) => {
                for r in rows.iter() {
                    let size = 8.0;
                    let label: Vec<char> = r.label.chars().collect();
                    // values at fixed columns; long labels wrap to a second line
                    let (x0, step) = if r.values.len() > 8 {
                        (40.0, 34.0)
                    } else {
                        (300.0, 38.0)
                    };
                    let first: String = label.iter().take(28).collect();
                    text_at(&mut pages, 50.0, y, size, &first);
                    for (j, v) in r.values.iter().enumerate() {
                        if let Some(v) = v {
                            let x = x0 + step * j as f64;
                            text_at(&mut pages, x, y, size, v);
                        }
                    }
                    if label.len() > 28 {
                        advance(&mut pages, &mut y, 11.0);
                        text_at(
                            &mut pages,
                            50.0,
                            y,
                            size,
                            &label[28..].iter().collect::<String>(),
                        );
                    }
                    advance(&mut pages, &mut y, 16.0);
                }
                advance(&mut pages, &mut y, 10.0);
            }
            Piece::Picture(_) | Piece::Link(..) => {}
        }
    }
    if !numbered && pages.last().is_some_and(Vec::is_empty) && pages.len() > 1 {
        pages.pop();
    }
    for (i, page) in pages.iter_mut().enumerate().filter(|_| numbered) {
        page.push(Placed {
            x: 280.0,
            y: 40.0,
            size: 9.0,
            text: format!("- {} -", i + 1),
        });
    }
    pages
}

/// A character's advance in ems: CJK and full-width forms one em, the rest half.
fn advance_em(c: char) -> f64 {
    if (c as u32) < 0x2E80 {
        0.5
    } else {
        1.0
    }
}

/// An OFD document (GB/T 33190, as the Chinese office suites and the e-government platforms
/// write it): a zip with `OFD.xml`, the document's `Document.xml` listing its pages, and one
/// `Content.xml` per page whose `TextObject`s place text by coordinates in millimetres from
/// the top left. Runs alternate between the two ways writers place glyphs: one `TextCode` with
/// the advances in `DeltaX` (some in the `g N d` repeat notation), and one `TextCode` per
/// character at its own `X`.
pub(crate) fn ofd(pieces: &[Piece]) -> Vec<u8> {
    const MM: f64 = 25.4 / 72.0;
    let pages = place(pieces);
    let mut files: Vec<(String, String)> = Vec::new();
    files.push((
        "OFD.xml".into(),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>6b7a2f0c9d1e4a5b8c3d2e1f0a9b8c7d</ofd:DocID><ofd:Creator>nianbao synth</ofd:Creator></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#
            .into(),
    ));
    let page_list: String = (0..pages.len())
        .map(|i| {
            format!(
                r#"<ofd:Page ID="{}" BaseLoc="Pages/Page_{i}/Content.xml"/>"#,
                2 + i
            )
        })
        .collect();
    files.push((
        "Doc_0/Document.xml".into(),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:MaxUnitID>9999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>{page_list}</ofd:Pages></ofd:Document>"#
        ),
    ));
    files.push((
        "Doc_0/PublicRes.xml".into(),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ofd:Res xmlns:ofd="http://www.ofdspec.org/2016" BaseLoc="Res"><ofd:Fonts><ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>"#
            .into(),
    ));
    let mut id = 100usize;
    for (i, page) in pages.iter().enumerate() {
        let mut objs = String::new();
        for (k, p) in page.iter().enumerate() {
            id += 1;
            let size = p.size * MM;
            let chars: Vec<char> = p.text.chars().collect();
            let advances: Vec<f64> = chars.iter().map(|c| advance_em(*c) * size).collect();
            let width: f64 = advances.iter().sum();
            let (x, top) = (p.x * MM, (842.0 - p.y) * MM - size);
            let esc_text = |s: &str| esc(s);
            let codes = if k % 2 == 0 {
                // one TextCode, advances in DeltaX (equal neighbours in the `g` notation)
                let mut parts: Vec<String> = Vec::new();
                let mut j = 0;
                let steps = &advances[..advances.len().saturating_sub(1)];
                while j < steps.len() {
                    let run = steps[j..].iter().take_while(|d| **d == steps[j]).count();
                    if run >= 3 {
                        parts.push(format!("g {run} {:.4}", steps[j]));
                    } else {
                        parts.extend(steps[j..j + run].iter().map(|d| format!("{d:.4}")));
                    }
                    j += run;
                }
                let delta = if parts.is_empty() {
                    String::new()
                } else {
                    format!(r#" DeltaX="{}""#, parts.join(" "))
                };
                format!(
                    r#"<ofd:TextCode X="0" Y="{size:.4}"{delta}>{}</ofd:TextCode>"#,
                    esc_text(&p.text)
                )
            } else {
                // one TextCode per character
                let mut at = 0.0;
                let mut s = String::new();
                for (c, d) in chars.iter().zip(&advances) {
                    s.push_str(&format!(
                        r#"<ofd:TextCode X="{at:.4}" Y="{size:.4}">{}</ofd:TextCode>"#,
                        esc_text(&c.to_string())
                    ));
                    at += d;
                }
                s
            };
            objs.push_str(&format!(
                r#"<ofd:TextObject ID="{id}" Boundary="{x:.4} {top:.4} {width:.4} {:.4}" Font="1" Size="{size:.4}">{codes}</ofd:TextObject>"#,
                size * 1.2
            ));
        }
        files.push((
            format!("Doc_0/Pages/Page_{i}/Content.xml"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="{}">{objs}</ofd:Layer></ofd:Content></ofd:Page>"#,
                50 + i
            ),
        ));
    }
    zip_of(files)
}

/// A zip archive in memory (DOCX, OFD) of `(name, content)` entries, deflated, dated 1980 so
/// that the same document gives the same bytes.
fn zip_of<N: AsRef<str>>(files: impl IntoIterator<Item = (N, String)>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, content) in files {
        // Writing into memory cannot fail.
        zip.start_file(name.as_ref(), opts).expect("in-memory zip");
        zip.write_all(content.as_bytes()).expect("in-memory zip");
    }
    zip.finish().expect("in-memory zip").into_inner()
}

/// A text-layer PDF: a Type0 font with the UniGB-UCS2-H encoding (codes are UCS-2 code
/// points, Adobe-GB1 CIDs) and a ToUnicode map, so text extraction needs no font files and a
/// renderer (poppler with poppler-data and a CJK font) draws the characters: page images of
/// these PDFs are the scanned samples of the OCR tests.
pub(crate) fn pdf(pieces: &[Piece]) -> Vec<u8> {
    pdf_of(place(pieces))
}

/// A table as the pictures a page shows it as: one single-page PDF per screenful (no page
/// numbers), with the ruling lines of a Word table (a line between rows, one before every
/// column of numbers), to be rendered to an image.
pub(crate) fn table_pictures(rows: &[Row]) -> Vec<Vec<u8>> {
    place_with(&[Piece::Table(rows)], false)
        .into_iter()
        .map(|page| {
            let rules = rules_of(&page);
            pdf_ruled(vec![page], vec![rules])
        })
        .collect()
}

/// The ruling lines of a placed table, as PDF path operators: a line above every row (not
/// between a wrapped label's two lines), one under the last, a line before every column of
/// numbers and the borders.
fn rules_of(page: &[Placed]) -> String {
    let numeric = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    };
    let mut ys: Vec<f64> = page.iter().map(|p| p.y).collect();
    ys.sort_by(|a, b| b.total_cmp(a));
    ys.dedup();
    let mut xs: Vec<f64> = page
        .iter()
        .filter(|p| numeric(&p.text))
        .map(|p| p.x)
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let (Some(&top), Some(&bottom)) = (ys.first(), ys.last()) else {
        return String::new();
    };
    let (top, bottom) = (top + 11.0, bottom - 5.0);
    let left = xs.first().map_or(45.0, |x| x.min(50.0) - 5.0);
    let right = xs.last().map_or(560.0, |x| x + 32.0);
    let mut out = String::from("0.6 w\n");
    let mut line = |x1: f64, y1: f64, x2: f64, y2: f64| {
        out.push_str(&format!("{x1:.1} {y1:.1} m {x2:.1} {y2:.1} l S\n"));
    };
    let mut last: Option<f64> = None;
    for &y in &ys {
        // a wrapped label's second line (11 pt under its first) is the same row
        if last.is_none_or(|l| l - y > 12.0) {
            line(left, y + 11.0, right, y + 11.0);
        }
        last = Some(y);
    }
    line(left, bottom, right, bottom);
    for x in xs.iter().map(|x| x - 5.0).chain([left, right]) {
        line(x, top, x, bottom);
    }
    out
}

/// A text-layer PDF of placed pages.
fn pdf_of(placed: Vec<Vec<Placed>>) -> Vec<u8> {
    let n = placed.len();
    pdf_ruled(placed, vec![String::new(); n])
}

/// A text-layer PDF of placed pages, each with its own path operators (lines) drawn first.
fn pdf_ruled(placed: Vec<Vec<Placed>>, rules: Vec<String>) -> Vec<u8> {
    let pages: Vec<String> = placed
        .into_iter()
        .zip(rules)
        .map(|(page, rules)| {
            rules
                + &page
                    .iter()
                    .map(|p| {
                        let hex: String = p
                            .text
                            .chars()
                            .map(|c| format!("{:04X}", (c as u32).min(0xFFFF)))
                            .collect();
                        format!(
                            "BT /F1 {} Tf 1 0 0 1 {:.1} {:.1} Tm <{hex}> Tj ET\n",
                            p.size, p.x, p.y
                        )
                    })
                    .collect::<String>()
        })
        .collect();
    let n = pages.len();
    // objects: 1 catalog, 2 pages, 3 font, 4 cidfont, 5 descriptor, 6 tounicode,
    // then per page: page object and content stream
    let mut objs: Vec<String> = Vec::new();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 7 + 2 * i)).collect();
    objs.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    objs.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {n} >>",
        kids.join(" ")
    ));
    objs.push("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>".into());
    objs.push("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>".into());
    objs.push("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>".into());
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n",
    );
    for block in (0..256u32).collect::<Vec<_>>().chunks(100) {
        cmap.push_str(&format!("{} beginbfrange\n", block.len()));
        for hi in block {
            cmap.push_str(&format!("<{hi:02X}00> <{hi:02X}FF> <{hi:02X}00>\n"));
        }
        cmap.push_str("endbfrange\n");
    }
    cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end");
    objs.push(format!(
        "<< /Length {} >>\nstream\n{cmap}\nendstream",
        cmap.len()
    ));
    for (i, content) in pages.iter().enumerate() {
        objs.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            8 + 2 * i
        ));
        objs.push(format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ));
    }
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}
