//! What a fetched page links to: report articles, attachments, pictures, further list pages.
//!
//! Portals differ (see `PORTALS.md`), so the rules are about what links say rather than which
//! CMS wrote them: a link whose text (or `title`) is a report title with a year is a report
//! article; one that names the column (信息公开年报, 年度报告 without a year) is a list page; a
//! pagination link (下一页, 尾页, a page number, `index_N.html`) is a list page; a link to a
//! file with a document extension is an attachment; an `<img>` in an article is a picture.
//! TRS WCM list pages give their page count in a script (`createPageHTML(N, …)`,
//! `countPage = N`): the static pages `index_1.html` … are listed from it. Hanweb JCMS columns
//! keep their items as HTML inside CDATA sections (of a script's XML on the static page, and of
//! `dataproxy.jsp`'s XML answers, whose `<totalpage>` gives the other pages).

use scraper::{Html, Selector};
use url::Url;

/// Extensions of the files a report is published as.
pub const ATTACHMENTS: [&str; 11] = [
    "pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "rtf", "zip", "txt",
];

/// Extensions of pictures.
const PICTURES: [&str; 6] = ["png", "jpg", "jpeg", "gif", "bmp", "tif"];

/// What a link leads to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A column's list page (or a site's home): read for links, not kept.
    List,
    /// A report's article page: kept, and read for its attachments and pictures.
    Article,
    /// A file a report is published as, linked from an article or a list.
    Attachment,
    /// A picture in an article's body (a table pasted as an image).
    Picture,
}

/// A link found on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Where it points (fragment removed).
    pub url: Url,
    /// What it leads to.
    pub kind: Kind,
}

/// The extension of a URL's last path segment, lower-cased.
pub fn extension(url: &Url) -> Option<String> {
    let last = url.path_segments()?.next_back()?;
    let (_, ext) = last.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 5).then(|| ext.to_ascii_lowercase())
}

/// Whether a text is a report's title: the report words and a year.
pub fn is_report_title(text: &str) -> bool {
    report_words(text) && has_year(text)
}

fn report_words(t: &str) -> bool {
    (t.contains("年度报告") || t.contains("年报") || t.contains("年度工作报告"))
        && (t.contains("信息公开") || t.contains("公开工作"))
}

fn has_year(t: &str) -> bool {
    let d: Vec<char> = t.chars().collect();
    d.windows(4)
        .any(|w| w[0] == '2' && w[1] == '0' && w[2].is_ascii_digit() && w[3].is_ascii_digit())
        || ["二〇", "二○", "二零"].iter().any(|y| t.contains(y))
}

/// Whether a link text names the report column (or the disclosure section leading to it).
fn is_column_text(t: &str) -> bool {
    let t: String = t.split_whitespace().collect();
    (report_words(&t) && !has_year(&t))
        || t == "政府信息公开年报"
        || t == "信息公开年报"
        || t == "年度报告"
        || t == "政府信息公开年度报告"
}

fn is_pagination_text(t: &str) -> bool {
    let t = t.trim();
    matches!(
        t,
        "下一页" | "下页" | "尾页" | "末页" | "后页" | ">" | ">>" | "»"
    ) || (!t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit()))
}

fn is_pagination_href(url: &Url) -> bool {
    let Some(last) = url.path_segments().and_then(|mut s| s.next_back()) else {
        return false;
    };
    let stem = last.split('.').next().unwrap_or("");
    stem.strip_prefix("index_")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// The page count a TRS list page's script gives (`createPageHTML(7, 0, "index", "html")`,
/// `var countPage = 7`).
fn trs_page_count(html: &str) -> Option<usize> {
    for key in ["createPageHTML(", "countPage"] {
        if let Some(at) = html.find(key) {
            let rest = &html[at + key.len()..];
            let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '=' || c == '(');
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse::<usize>() {
                return Some(n);
            }
        }
    }
    None
}

/// Most static pages listed from a page count.
const MAX_LISTED_PAGES: usize = 200;

fn clean(mut u: Url) -> Url {
    u.set_fragment(None);
    u
}

/// The links of a page of `kind` fetched from `base`.
pub fn links(html: &str, base: &Url, kind: Kind) -> Vec<Link> {
    let mut out: Vec<Link> = Vec::new();
    let mut push = |url: Url, kind: Kind| {
        if matches!(url.scheme(), "http" | "https") && !out.iter().any(|l| l.url == url) {
            out.push(Link { url, kind });
        }
    };
    let doc = Html::parse_document(html);
    anchors(&doc, base, kind, &mut push);
    match kind {
        Kind::Article => {
            let img = Selector::parse("img[src]").expect("a valid selector");
            for e in doc.select(&img) {
                let src = e.value().attr("src").unwrap_or("").trim();
                if src.is_empty() || src.starts_with("data:") {
                    continue;
                }
                if let Ok(url) = base.join(src).map(clean) {
                    if extension(&url).is_some_and(|x| PICTURES.contains(&x.as_str())) {
                        push(url, Kind::Picture);
                    }
                }
            }
        }
        Kind::List => {
            // Hanweb JCMS: the items of a list sit as HTML in CDATA sections of a script's
            // XML (the static page's first page) or of dataproxy.jsp's answer (the others)
            for block in cdata_blocks(html) {
                anchors(&Html::parse_fragment(block), base, kind, &mut push);
            }
            if base.path().ends_with("dataproxy.jsp") {
                if let Some(n) = tag_number(html, "totalpage") {
                    for p in 1..=n.min(MAX_LISTED_PAGES) {
                        push(with_page(base, p), Kind::List);
                    }
                }
            }
            if let Some(n) = trs_page_count(html) {
                for i in 1..n.min(MAX_LISTED_PAGES) {
                    if let Ok(url) = base.join(&format!("index_{i}.html")) {
                        push(url, Kind::List);
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// The anchors of a parsed page or fragment, classified for a page of `kind`.
fn anchors(doc: &Html, base: &Url, kind: Kind, push: &mut impl FnMut(Url, Kind)) {
    let a = Selector::parse("a[href]").expect("a valid selector");
    for e in doc.select(&a) {
        let Some(href) = e.value().attr("href") else {
            continue;
        };
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') || href.starts_with("javascript:") {
            continue;
        }
        let Ok(url) = base.join(href).map(clean) else {
            continue;
        };
        let text: String = e.text().collect::<String>();
        let title = e.value().attr("title").unwrap_or("");
        let ext = extension(&url);
        let is_file = ext.as_deref().is_some_and(|x| ATTACHMENTS.contains(&x));
        match kind {
            Kind::List => {
                if is_file && (is_report_title(&text) || is_report_title(title)) {
                    push(url, Kind::Attachment);
                } else if is_report_title(&text) || is_report_title(title) {
                    push(url, Kind::Article);
                } else if is_column_text(&text)
                    || is_column_text(title)
                    || is_pagination_text(&text)
                    || is_pagination_href(&url)
                    || url.path().ends_with("dataproxy.jsp")
                {
                    push(url, Kind::List);
                }
            }
            Kind::Article => {
                if is_file {
                    push(url, Kind::Attachment);
                }
            }
            Kind::Attachment | Kind::Picture => {}
        }
    }
}

/// The contents of the CDATA sections of a text (at most 10,000).
fn cdata_blocks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("<![CDATA[") {
        let body = &rest[at + 9..];
        let Some(end) = body.find("]]>") else {
            break;
        };
        out.push(&body[..end]);
        rest = &body[end + 3..];
        if out.len() >= 10_000 {
            break;
        }
    }
    out
}

/// The number in `<tag>N</tag>`.
fn tag_number(text: &str, tag: &str) -> Option<usize> {
    let open = format!("<{tag}>");
    let at = text.find(&open)? + open.len();
    let digits: String = text[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The URL with its `page` parameter set to `p` (the other parameters kept in order).
fn with_page(u: &Url, p: usize) -> Url {
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut out = u.clone();
    {
        let mut q = out.query_pairs_mut();
        q.clear();
        let mut set = false;
        for (k, v) in &pairs {
            if k == "page" {
                q.append_pair("page", &p.to_string());
                set = true;
            } else {
                q.append_pair(k, v);
            }
        }
        if !set {
            q.append_pair("page", &p.to_string());
        }
    }
    out
}

/// The links of a site's home to its disclosure section (政府信息公开, 信息公开, 政务公开),
/// where the report column's link is.
pub fn section_links(html: &str, base: &Url) -> Vec<Url> {
    let doc = Html::parse_document(html);
    let a = Selector::parse("a[href]").expect("a valid selector");
    let mut out: Vec<Url> = Vec::new();
    for e in doc.select(&a) {
        let text: String = e.text().collect::<String>().split_whitespace().collect();
        if !matches!(
            text.as_str(),
            "政府信息公开" | "信息公开" | "政务公开" | "政府信息公开专栏"
        ) {
            continue;
        }
        let href = e.value().attr("href").unwrap_or("").trim();
        if href.is_empty() || href.starts_with('#') || href.starts_with("javascript:") {
            continue;
        }
        if let Ok(u) = base.join(href).map(clean) {
            if matches!(u.scheme(), "http" | "https") && !out.contains(&u) {
                out.push(u);
            }
        }
    }
    out
}

/// How many report articles a page links to: a page fetched as an article that links to
/// several is a list (a column whose title looked like a report's).
pub fn report_links(links: &[Link]) -> usize {
    links
        .iter()
        .filter(|l| matches!(l.kind, Kind::Article | Kind::Attachment))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trs_list_page_gives_articles_attachments_and_its_other_pages() {
        let base = Url::parse("http://a.gov.cn/zwgk/zfxxgknb/index.html").unwrap();
        let html = r##"<ul>
          <li><a href="./202401/t20240120_1.htm" title="东区2023年政府信息公开工作年度报告">东区2023年…</a></li>
          <li><a href="./202401/P0202401.pdf">西区2023年政府信息公开工作年度报告</a></li>
          <li><a href="../index.html">首页</a> <a href="index_1.html">下一页</a></li>
          <li><a href="/zwgk/">政府信息公开</a><a href="#top">top</a><a href="javascript:void(0)">x</a></li>
        </ul><script>createPageHTML(3, 0, "index", "html");</script>"##;
        let got: Vec<(String, Kind)> = links(html, &base, Kind::List)
            .into_iter()
            .map(|l| (l.url.path().to_owned(), l.kind))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "/zwgk/zfxxgknb/202401/t20240120_1.htm".to_owned(),
                    Kind::Article
                ),
                (
                    "/zwgk/zfxxgknb/202401/P0202401.pdf".to_owned(),
                    Kind::Attachment
                ),
                ("/zwgk/zfxxgknb/index_1.html".to_owned(), Kind::List),
                ("/zwgk/zfxxgknb/index_2.html".to_owned(), Kind::List),
            ]
        );
    }

    #[test]
    fn an_article_gives_its_attachments_and_pictures() {
        let base = Url::parse("https://a.gov.cn/art/2024/1/2/art_1_9.html").unwrap();
        let html = r#"<p>正文</p><img src="/images/t1.png"><img src="data:image/png;base64,AA">
          <a href="/attach/W020.docx">附件：2023年报告</a><a href="/other.html">其他</a>"#;
        let got: Vec<(String, Kind)> = links(html, &base, Kind::Article)
            .into_iter()
            .map(|l| (l.url.path().to_owned(), l.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("/attach/W020.docx".to_owned(), Kind::Attachment),
                ("/images/t1.png".to_owned(), Kind::Picture),
            ]
        );
    }

    #[test]
    fn a_hanweb_column_gives_its_cdata_items_and_its_data_pages() {
        let base = Url::parse("http://b.gov.cn/col/col123/index.html").unwrap();
        let html = r#"<div id="4567"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid=123&unitid=4567"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href="/art/2024/1/20/art_123_9.html" title="甲县2023年政府信息公开工作年度报告">甲县…</a></li>]]></record></recordset>
</datastore></script></div>"#;
        let got: Vec<(String, Kind)> = links(html, &base, Kind::List)
            .into_iter()
            .map(|l| (l.url.as_str().to_owned(), l.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("http://b.gov.cn/module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid=123&unitid=4567".to_owned(), Kind::List),
                ("http://b.gov.cn/art/2024/1/20/art_123_9.html".to_owned(), Kind::Article),
            ]
        );
        let proxy = Url::parse(&got[0].0).unwrap();
        let xml = "<datastore><totalpage>3</totalpage><recordset></recordset></datastore>";
        let pages: Vec<String> = links(xml, &proxy, Kind::List)
            .into_iter()
            .map(|l| l.url.query().unwrap().to_owned())
            .collect();
        assert_eq!(
            pages,
            [
                "page=1&webid=1&columnid=123&unitid=4567",
                "page=2&webid=1&columnid=123&unitid=4567",
                "page=3&webid=1&columnid=123&unitid=4567"
            ]
        );
    }

    #[test]
    fn a_home_leads_to_its_disclosure_section() {
        let base = Url::parse("http://c.gov.cn/").unwrap();
        let html = r#"<nav><a href="/zwgk/">政府信息 公开</a><a href="/news/">新闻</a><a href="/xxgk/">信息公开</a></nav>"#;
        let got: Vec<String> = section_links(html, &base)
            .iter()
            .map(|u| u.path().to_owned())
            .collect();
        assert_eq!(got, ["/zwgk/", "/xxgk/"]);
    }

    #[test]
    fn titles_and_columns() {
        assert!(is_report_title(
            "北京市东城区2023年政府信息公开工作年度报告"
        ));
        assert!(is_report_title("二〇二三年度政府信息公开年报"));
        assert!(!is_report_title("政府信息公开年报"));
        assert!(is_column_text("政府信息公开年报"));
        assert!(!is_column_text("2023年政府信息公开工作年度报告"));
    }
}
