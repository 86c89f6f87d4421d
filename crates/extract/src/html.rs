//! HTML → blocks, with `scraper` (html5ever): the same parser browsers use, so Word-pasted
//! markup, unclosed tags and conditional comments are read the way a browser shows them.
//!
//! Text nodes are joined without separators inside inline elements (`20</span><span>23` is
//! 2023); block elements and `<br>` end a paragraph; tables keep their own rows only (a nested
//! table is a block of its cell, so a layout table around the report is unwrapped by
//! [`crate::grid::render`]); navigation, scripts, forms and similar page furniture are skipped.

use ego_tree::NodeRef;
use scraper::{Html, Node};

use crate::grid::{collapse_ws, Block, TCell, Table};

/// Elements whose content is never part of the report.
const SKIP: &[&str] = &[
    // (not `form`: an ASP.NET page holds its whole body in `<form id="form1">`; a search
    // form's own text is in the `button`, `select` and `label`-free inputs skipped here)
    "head", "script", "style", "noscript", "template", "nav", "footer", "aside", "button", "select",
    "option", "textarea", "iframe", "svg", "object", "embed", "canvas", "video", "audio", "map",
    // struck-out and deleted text, footnote marks: not the value (`<del>9</del><ins>84</ins>`,
    // `84<sup>1</sup>`)
    "del", "s", "strike", "sup",
];

/// Elements that start and end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "main",
    "header",
    "center",
    "blockquote",
    "pre",
    "hr",
    "address",
    "figure",
    "figcaption",
    "caption",
    "form",
    "body",
    "html",
    "title",
];

/// The page's own metadata: CMS `<meta>` tags, `<title>`, the saved-from address.
pub(crate) fn page_meta(text: &str) -> crate::PageMeta {
    let html = Html::parse_document(text);
    let mut m = crate::PageMeta::default();
    let clean = |s: &str| {
        let s = collapse_ws(s);
        (!s.is_empty()).then_some(s)
    };
    for node in html.tree.root().descendants() {
        match node.value() {
            Node::Element(e) if e.name() == "meta" => {
                let key = e
                    .attr("name")
                    .or_else(|| e.attr("property"))
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let Some(v) = e.attr("content").and_then(clean) else {
                    continue;
                };
                let slot = match key.as_str() {
                    "articletitle" => &mut m.article_title,
                    "sitename" => &mut m.site_name,
                    "sitedomain" => &mut m.site_domain,
                    "siteidcode" => &mut m.site_id_code,
                    "columnname" => &mut m.column_name,
                    "pubdate" | "publishdate" | "firstpublishedtime" => &mut m.pub_date,
                    "contentsource" | "source" => &mut m.content_source,
                    "url" | "og:url" => &mut m.url,
                    _ => continue,
                };
                slot.get_or_insert(v);
            }
            Node::Element(e) if e.name() == "link" && e.attr("rel") == Some("canonical") => {
                if let Some(h) = e.attr("href").and_then(clean) {
                    m.url.get_or_insert(h);
                }
            }
            Node::Element(e) if e.name() == "title" && m.title.is_none() => {
                let t: String = node
                    .children()
                    .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                    .collect();
                m.title = clean(&t);
            }
            Node::Comment(c) => {
                // `<!-- saved from url=(0066)https://… -->`, written by browsers
                if let Some(i) = c.find("saved from url=") {
                    let rest = &c[i + "saved from url=".len()..];
                    let rest = rest.trim_start_matches(|ch: char| {
                        ch == '(' || ch.is_ascii_digit() || ch == ')'
                    });
                    if let Some(u) = rest.split_whitespace().next() {
                        m.url.get_or_insert(u.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    m
}

/// Reads an HTML page as blocks.
pub(crate) fn read_blocks(text: &str) -> Vec<Block> {
    let html = Html::parse_document(text);
    let mut w = Walker::default();
    w.walk(html.tree.root());
    w.flush();
    w.out
}

#[derive(Default)]
struct Walker {
    out: Vec<Block>,
    para: String,
}

impl Walker {
    fn flush(&mut self) {
        let p = collapse_ws(&self.para);
        self.para.clear();
        if !p.is_empty() {
            self.out.push(Block::Para(p));
        }
    }

    fn walk(&mut self, node: NodeRef<'_, Node>) {
        for child in node.children() {
            match child.value() {
                Node::Text(t) => self.para.push_str(t),
                Node::Element(e) => {
                    let name = e.name();
                    if SKIP.contains(&name)
                        || e.attr("hidden").is_some()
                        || hidden_style(e.attr("style"))
                    {
                        continue;
                    }
                    match name {
                        "br" => self.flush(),
                        "img" => {
                            if let Some(e) = picture(e) {
                                self.flush();
                                self.out.push(Block::Embed(e));
                            }
                        }
                        "a" => {
                            self.walk(child);
                            if let Some(e) = attachment_link(e, child) {
                                self.out.push(Block::Embed(e));
                            }
                        }
                        "table" => {
                            self.flush();
                            let t = read_table(child);
                            if !t.rows.is_empty() {
                                self.out.push(Block::Table(t));
                            }
                        }
                        _ if BLOCKS.contains(&name) => {
                            self.flush();
                            self.walk(child);
                            self.flush();
                        }
                        _ => self.walk(child),
                    }
                }
                _ => {}
            }
        }
    }
}

/// Extensions of the files a report page offers as its attachment, lower case.
pub const ATTACHMENT_EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "rtf",
];

/// The addresses of a picture, most likely first; `None` for an `<img>` without one (or only
/// a `data:` URI, which names no file).
fn picture(e: &scraper::node::Element) -> Option<crate::Embed> {
    let mut targets: Vec<String> = Vec::new();
    for a in ["src", "data-src", "data-original", "oldsrc", "original-src"] {
        if let Some(v) = e.attr(a).map(str::trim) {
            if !v.is_empty() && !v.starts_with("data:") && !targets.iter().any(|t| t == v) {
                targets.push(v.to_owned());
            }
        }
    }
    let text = e.attr("alt").or_else(|| e.attr("title")).unwrap_or("");
    (!targets.is_empty()).then(|| crate::Embed {
        kind: crate::EmbedKind::Picture,
        targets,
        after_line: 0,
        text: collapse_ws(text),
    })
}

/// A link to a file of an attachment's kind (by the address's extension, or the link text's:
/// `<a href="/download?id=7">年度报告.pdf</a>`).
fn attachment_link(e: &scraper::node::Element, node: NodeRef<'_, Node>) -> Option<crate::Embed> {
    let href = e.attr("href").map(str::trim).filter(|h| !h.is_empty())?;
    let text: String = node
        .descendants()
        .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
        .collect();
    let text = collapse_ws(&text);
    let ext_of = |s: &str| -> bool {
        let path = s.split(['?', '#']).next().unwrap_or("");
        path.rsplit_once('.').is_some_and(|(_, ext)| {
            ATTACHMENT_EXTENSIONS
                .iter()
                .any(|x| x.eq_ignore_ascii_case(ext.trim()))
        })
    };
    let lower = href.to_ascii_lowercase();
    if lower.starts_with("javascript:") || lower.starts_with("mailto:") || href.starts_with('#') {
        return None;
    }
    (ext_of(href) || ext_of(&text)).then(|| crate::Embed {
        kind: crate::EmbedKind::Link,
        targets: vec![href.to_owned()],
        after_line: 0,
        text,
    })
}

/// Whether a `style` attribute hides its text or strikes it through, declaration by
/// declaration (`text-decoration: underline line-through` is struck too).
fn hidden_style(style: Option<&str>) -> bool {
    style.is_some_and(|s| {
        s.split(';').any(|decl| {
            let Some((prop, value)) = decl.split_once(':') else {
                return false;
            };
            let prop = prop.trim().to_ascii_lowercase();
            let value = value.to_ascii_lowercase();
            let mut words = value
                .split_whitespace()
                .map(|w| w.trim_end_matches("!important"));
            match prop.as_str() {
                "display" => words.any(|w| w == "none"),
                "visibility" => words.any(|w| w == "hidden" || w == "collapse"),
                "text-decoration" | "text-decoration-line" => words.any(|w| w == "line-through"),
                _ => false,
            }
        })
    })
}

fn element_children<'a>(
    node: NodeRef<'a, Node>,
) -> impl Iterator<Item = (NodeRef<'a, Node>, &'a str)> {
    node.children().filter_map(|c| match c.value() {
        Node::Element(e) => Some((c, e.name())),
        _ => None,
    })
}

/// The table's own rows: `tr` children of the table or of its `thead`/`tbody`/`tfoot`.
fn read_table(table: NodeRef<'_, Node>) -> Table {
    let mut t = Table::default();
    let mut add_row = |tr: NodeRef<'_, Node>| {
        let mut cells = Vec::new();
        for (td, name) in element_children(tr) {
            if name != "td" && name != "th" {
                continue;
            }
            let Node::Element(e) = td.value() else {
                continue;
            };
            // a hidden cell is not part of the table as shown
            if e.attr("hidden").is_some() || hidden_style(e.attr("style")) {
                continue;
            }
            let span = |a: &str| {
                e.attr(a)
                    .and_then(|v| v.trim().trim_end_matches(';').parse::<usize>().ok())
                    .unwrap_or(1)
                    .max(1)
            };
            let mut w = Walker::default();
            w.walk(td);
            w.flush();
            cells.push(TCell {
                colspan: span("colspan"),
                rowspan: span("rowspan"),
                continued: false,
                skip_before: 0,
                content: w.out,
            });
        }
        if !cells.is_empty() {
            t.rows.push(cells);
        }
    };
    let shown = |n: NodeRef<'_, Node>| match n.value() {
        Node::Element(e) => e.attr("hidden").is_none() && !hidden_style(e.attr("style")),
        _ => false,
    };
    for (c, name) in element_children(table) {
        match name {
            "tr" if shown(c) => add_row(c),
            "thead" | "tbody" | "tfoot" => {
                for (tr, n) in element_children(c) {
                    if n == "tr" && shown(tr) {
                        add_row(tr);
                    }
                }
            }
            _ => {}
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::render;

    /// Issue 27 B5: a style is parsed declaration by declaration, so any spelling of a
    /// line-through (with other decorations, upper case, `!important`) is struck.
    #[test]
    fn struck_and_hidden_styles_are_recognised_in_any_spelling() {
        for style in [
            "text-decoration: underline line-through",
            "TEXT-DECORATION:LINE-THROUGH",
            "color:red; text-decoration-line: line-through !important",
            "display : none",
            "visibility:hidden",
        ] {
            assert!(hidden_style(Some(style)), "{style}");
        }
        for style in [
            "text-decoration: underline",
            "color: gray",
            "font-family:none",
            "",
        ] {
            assert!(!hidden_style(Some(style)), "{style}");
        }
        let page = r#"<html><body><table><tr><td>行政许可</td>
            <td><span style="text-decoration: underline line-through">9</span>84</td></tr></table></body></html>"#;
        assert_eq!(render(&read_blocks(page)).text, "行政许可\t84");
    }

    #[test]
    fn word_pasted_markup_reads_as_text_and_grid() {
        let page = r#"<html><head><title>x</title><style>p{}</style></head><body>
            <nav><a href="/">首页</a></nav>
            <p><span>20</span><span>23</span>年<!--[if gte mso 9]><xml>junk</xml><![endif]-->报告</p>
            <table><tbody>
              <tr><td rowspan="2">三、结果</td><td>（一）予以公开</td><td><span>1</span><span>2</span></td><td>&nbsp;</td></tr>
              <tr><td>（二）部分公开</td><td>3</td><td>4</td></tr>
            </tbody></table>
            <div class="share"><button>分享</button></div>
            <footer>版权所有</footer></body></html>"#;
        let r = render(&read_blocks(page));
        assert_eq!(
            r.text,
            "2023年报告\n三、结果\t（一）予以公开\t12\t\n（二）部分公开\t3\t4"
        );
        assert_eq!(r.lines[2].cols, vec![2, 3, 4]);
        assert_eq!(r.lines[1].origin.as_deref(), Some("table 1 row 1"));
    }

    /// Issue 27 C13: an ASP.NET page's body sits inside `<form id="form1">`; it is read.
    #[test]
    fn an_aspnet_form_body_is_read() {
        let page = r#"<html><body><form method="post" action="./Detail.aspx?id=7" id="form1">
            <input type="hidden" name="__VIEWSTATE" value="abc" />
            <p>明湖县教育局2024年政府信息公开工作年度报告</p>
            <table><tr><td>规章</td><td>5</td></tr></table>
            <div><input type="text" name="q"/><button>搜索</button></div>
            </form></body></html>"#;
        let r = render(&read_blocks(page));
        assert_eq!(
            r.text,
            "明湖县教育局2024年政府信息公开工作年度报告\n规章\t5"
        );
    }

    /// Issue 30.1: a page's pictures and attachment links are kept where they sit, a picture
    /// in a layout table included.
    #[test]
    fn pictures_and_attachment_links_are_kept_in_place() {
        let page = r#"<html><body><table class="layout"><tr><td>
            <p>二、主动公开政府信息情况</p>
            <p><img src="p_files/t2.png" data-src="/big/t2.png" alt="表二"></p>
            <p>三、收到和处理政府信息公开申请情况</p>
            <img src="data:image/png;base64,AAAA"><img oldsrc="t3.jpg">
            <p>附件：<a href="/u/2023年报.PDF?v=2">下载</a> <a href="/list.html">返回</a>
            <a href="/dl?id=7">年度报告.docx</a></p>
            </td></tr></table>
            <table><tr><td>附件</td><td><a href="a.xls">统计表</a></td></tr></table></body></html>"#;
        let blocks = read_blocks(page);
        let r = render(&blocks);
        assert_eq!(
            r.text,
            "二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n附件：下载 返回 年度报告.docx\n附件\n统计表"
        );
        let got: Vec<(crate::EmbedKind, Vec<&str>, u32, &str)> = r
            .embeds
            .iter()
            .map(|e| {
                (
                    e.kind,
                    e.targets.iter().map(String::as_str).collect(),
                    e.after_line,
                    e.text.as_str(),
                )
            })
            .collect();
        use crate::EmbedKind::{Link, Picture};
        assert_eq!(
            got,
            vec![
                (Picture, vec!["p_files/t2.png", "/big/t2.png"], 1, "表二"),
                (Picture, vec!["t3.jpg"], 2, ""),
                (Link, vec!["/u/2023年报.PDF?v=2"], 2, "下载"),
                (Link, vec!["/dl?id=7"], 2, "年度报告.docx"),
                (Link, vec!["a.xls"], 4, "统计表"),
            ]
        );
    }

    #[test]
    fn nested_layout_tables_are_unwrapped() {
        let page = "<table><tr><td><p>标题</p><table><tr><td>规章</td><td>5</td></tr></table></td></tr></table>";
        let r = render(&read_blocks(page));
        assert_eq!(r.text, "标题\n规章\t5");
    }
}
