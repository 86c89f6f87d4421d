//! Metadata: title, agency, report year, publication date, page boilerplate.

use std::sync::OnceLock;

use regex::Regex;

fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("static regex"))
}

fn year_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"((?:19|20)\d{2}|[二〇零○一两三四五六七八九]{4})\s*年")
}

fn cn_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .map(|p| p as u32)
        .or(match c {
            '零' | '○' | 'Ｏ' | 'O' => Some(0),
            '两' => Some(2),
            // `二0二六年`: ASCII digits mixed into a year written in characters
            '0'..='9' => c.to_digit(10),
            _ => None,
        })
}

/// Parses `2024` or `二〇二四` into a year between 2000 and 2100.
pub fn parse_year(s: &str) -> Option<i32> {
    let y = if s.chars().all(|c| c.is_ascii_digit()) {
        s.parse::<i32>().ok()?
    } else {
        s.chars()
            .try_fold(0u32, |a, c| cn_digit(c).map(|d| a * 10 + d))? as i32
    };
    (2000..=2100).contains(&y).then_some(y)
}

/// The first year mentioned in a text.
pub fn first_year(s: &str) -> Option<(i32, usize)> {
    year_re().captures_iter(s).find_map(|c| {
        let m = c.get(1)?;
        parse_year(m.as_str()).map(|y| (y, m.start()))
    })
}

/// Every year a text mentions (`2022年`, `2022 年`, `二〇二二年`), in order.
pub fn all_years(s: &str) -> Vec<i32> {
    year_re()
        .captures_iter(s)
        .filter_map(|c| parse_year(c.get(1)?.as_str()))
        .collect()
}

/// The title: the first line(s) before part 一 that name a year and 报告.
pub fn find_title(lines: &[&str]) -> Option<String> {
    let nonempty: Vec<&str> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .take(12)
        .collect();
    for (i, l) in nonempty.iter().enumerate() {
        let l = l
            .strip_prefix("标题:")
            .or_else(|| l.strip_prefix("标题："))
            .unwrap_or(l)
            .trim();
        // a title is not a sentence (`本报告根据《…条例》编制，所列数据统计期限为…`) nor a
        // breadcrumb (`当前位置：首页 > … > 2025年`)
        if l.chars().count() > 80
            || l.starts_with("一、")
            || l.contains(['《', '，', '。', '>', '＞'])
            || l.contains("当前位置")
            || l.contains("根据")
        {
            continue;
        }
        let has_year = first_year(l).is_some();
        if has_year && l.contains("报告") && l.contains("政府信息公开") {
            // `洪泽区人民政府` on its own line above `2023年政府信息公开工作年度报告`, or a
            // name broken over two lines (`明湖县科学技` / `术局2024年…`)
            if let Some(prev) = i.checked_sub(1).and_then(|j| nonempty.get(j)) {
                let at = first_year(l).map_or(0, |(_, at)| at);
                let prev = strip_spaces(prev);
                let joined = format!("{prev}{}", strip_spaces(&l[..at]));
                let name_like = |p: &str| {
                    p.chars()
                        .all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || "（）()".contains(c))
                };
                let fragment = strip_spaces(&l[..at]);
                let place = |p: &str| p.contains(['省', '市', '县', '区', '州', '旗', '盟']);
                // the part before the year is nothing, or a piece too short to be a name
                // (`术局`) while the joined name is one with its place
                let broken = at == 0 || (fragment.chars().count() <= 3 && place(&joined));
                if broken
                    && first_year(&prev).is_none()
                    && prev.chars().count() <= 30
                    && name_like(&prev)
                    && !["首页", "当前位置", "网站", "栏目"]
                        .iter()
                        .any(|w| prev.contains(w))
                    && SUFFIXES.iter().any(|x| joined.ends_with(x))
                {
                    return Some(format!("{prev}{l}"));
                }
            }
            return Some(l.to_owned());
        }
        if has_year && l.contains("政府信息公开") {
            if let Some(next) = nonempty.get(i + 1) {
                if next.contains("报告") && next.chars().count() < 20 {
                    return Some(format!("{l}{next}"));
                }
            }
        }
    }
    None
}

fn strip_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// An agency is a name, not a sentence: no book-title marks, no sentence punctuation, none of
/// the words of the report's boilerplate (根据 … 编制, 统计期限), at most 40 characters.
pub fn is_agency_name(a: &str) -> bool {
    let n = a.chars().count();
    (2..=40).contains(&n)
        && !a.contains(['《', '》', '，', '。', '；', '：', ',', ';', ':', '、'])
        && !["根据", "编制", "期限", "统计", "本报告", "所列", "数据"]
            .iter()
            .any(|w| a.contains(w))
}

/// The agency part of a title's text before the year: brackets (`【…】`) removed, cut before
/// `关于` (`…办公室关于印发…`), the report's own words dropped from its end
/// (`…科学技术局政府信息公开工作`, `…工作年度报告` before a bracketed year), and only when
/// what is left is a name.
fn clean_agency(a: &str) -> Option<String> {
    let mut a: &str = a.trim();
    a = a
        .trim_start_matches(['【', '[', '〔'])
        .trim_end_matches(['】', ']', '〕']);
    if let Some(i) = a.find("关于") {
        if i > 0 {
            a = &a[..i];
        } else {
            a = &a["关于".len()..];
        }
    }
    loop {
        let before = a;
        for tail in [
            // a year in brackets after the words (`…工作年度报告（2024年度）`)
            "年度报告",
            "政府信息公开工作",
            "政务公开工作",
            "信息公开工作",
            "政府信息公开",
            "政务公开",
            "信息公开",
            "工作",
            "的",
            "（",
            "(",
        ] {
            a = a.strip_suffix(tail).unwrap_or(a);
        }
        if a == before {
            break;
        }
    }
    let a = a.trim_end_matches(['【', '】']);
    is_agency_name(a).then(|| a.to_owned())
}

/// The agency named in a title: the words before the year (cleaned by `clean_agency`), or
/// after it in year-first titles.
pub fn agency_from_title(title: &str) -> Option<String> {
    let (_, at) = first_year(title)?;
    let a = strip_spaces(&title[..at]);
    if a.chars().count() >= 2 {
        return clean_agency(&a);
    }
    // `2019年上海市人民政府办公厅政府信息公开工作年度报告`: the agency follows the year.
    let rest = strip_spaces(&title[at..]);
    let rest = rest.trim_start_matches(|c: char| !matches!(c, '年'));
    let rest = rest.trim_start_matches('年').trim_start_matches('度');
    let end = ["政府信息公开", "政务公开", "信息公开"]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()?;
    clean_agency(&rest[..end])
}

/// The full name of a district or county agency whose title leaves out its city: the body
/// spells `淮安市洪泽区人民政府` where the title says `洪泽区人民政府`.
pub fn prefix_region(short: &str, body: &str) -> Option<String> {
    let head: String = short.chars().take(4).collect();
    if !head.contains(['区', '县', '旗']) || short.contains('市') {
        return None;
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for (i, _) in body.match_indices(short) {
        let before: Vec<char> = body[..i].chars().rev().take(7).collect();
        // two or three name characters and 市 (or 州/盟) right before the short name
        if !before
            .first()
            .is_some_and(|c| matches!(c, '市' | '州' | '盟'))
        {
            continue;
        }
        // the city's whole name (淮安, 石家庄, 乌鲁木齐): back to a province, a boundary or a
        // function word; longer than four characters is not a city name we can trust
        let name: Vec<char> = before[1..]
            .iter()
            .take_while(|c| {
                ('\u{4e00}'..='\u{9fff}').contains(*c)
                    && !"由在为是和与及对向于年度月日的了我本省区".contains(**c)
            })
            .copied()
            .collect();
        if name.len() < 2 || name.len() > 4 {
            continue;
        }
        let region: String = name
            .iter()
            .rev()
            .chain(std::iter::once(&before[0]))
            .collect();
        let full = format!("{region}{short}");
        match counts.iter_mut().find(|(c, _)| *c == full) {
            Some(e) => e.1 += 1,
            None => counts.push((full, 1)),
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c)
}

const SUFFIXES: &[&str] = &[
    "委员会",
    "管委会",
    "办公室",
    "办公厅",
    "人民政府",
    "局",
    "厅",
    "委",
    "院",
    "中心",
    "署",
];

/// The agency named at the start of a first paragraph: `2023年，XX局认真贯彻…`.
pub fn agency_from_paragraph(p: &str) -> Option<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"^\s*(?:\d{4}|[二〇零○一三四五六七八九]{4})\s*年度?\s*[，,、]?\s*",
    );
    let m = r.find(p)?;
    let rest = strip_spaces(&p[m.end()..]);
    let chars: Vec<char> = rest.chars().take(60).collect();
    for end in 2..chars.len() {
        let s: String = chars[..end].iter().collect();
        if SUFFIXES.iter().any(|x| s.ends_with(x))
            && chars
                .get(end)
                .is_none_or(|c| !matches!(c, '局' | '会' | '厅'))
        {
            if s.chars()
                .any(|c| matches!(c, '，' | '。' | ',' | '、' | '；'))
            {
                return None;
            }
            // 石门县人民政府|办公室: prefer the longer name when a suffix follows at once
            let longer = (end + 1..=(end + 3).min(chars.len()))
                .rev()
                .map(|e| chars[..e].iter().collect::<String>())
                .find(|l| SUFFIXES.iter().any(|x| l.ends_with(x)));
            let name = longer.unwrap_or(s);
            return (is_agency_name(&name) && !is_sentence_start(&name)).then_some(name);
        }
    }
    None
}

/// Words a sentence starts with that no agency's name does (`在县委…`, `我局…`, `本机关…`,
/// `全局…`): a first paragraph so begun names no agency (issue 28.5). Division names that start
/// with the same character (本溪市, 全州县, 于都县) are not among them.
fn is_sentence_start(name: &str) -> bool {
    name.starts_with(['在', '我'])
        || [
            "本局",
            "本委",
            "本机关",
            "本单位",
            "本部门",
            "本办",
            "本院",
            "全局",
            "全委",
            "全市",
            "全县",
            "全区",
            "全省",
            "全镇",
        ]
        .iter()
        .any(|w| name.starts_with(w))
}

fn is_name_char(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || matches!(c, '(' | ')' | '（' | '）')
}

/// Whether the characters `long` adds to `short` (matched in order) name a division: the
/// body's `淮安市洪泽区人民政府` is a district's government, not the full name of the title's
/// `淮安市人民政府` (issue 28.4), and `殷都区曲沟镇人民政府` is a town's.
fn inserts_a_division(short: &[char], long: &[char]) -> bool {
    let mut j = 0;
    long.iter().any(|&c| {
        if j < short.len() && short[j] == c {
            j += 1;
            false
        } else {
            matches!(
                c,
                '省' | '市' | '区' | '县' | '镇' | '乡' | '州' | '旗' | '盟' | '街' | '村'
            )
        }
    })
}

/// The full name an abbreviated title agency stands for, when the body spells it out
/// (塔城地区科技局 → 塔城地区科学技术局), never a sub-unit's name (see [`inserts_a_division`]).
pub fn expand_agency(short: &str, body: &str) -> Option<String> {
    let s: Vec<char> = short.chars().collect();
    if s.len() < 3 {
        return None;
    }
    let last = *s.last()?;
    // The body's first 6,000 characters; only a window of characters at each place the short
    // name's first two characters occur is decoded (the whole prefix as `Vec<char>` cost ~2% of
    // a build's instructions).
    let end = body.char_indices().nth(6000).map_or(body.len(), |(i, _)| i);
    let hay = &body[..end];
    let head: String = s[..2].iter().collect();
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut w: Vec<char> = Vec::with_capacity(s.len() + 10);
    let mut from = 0;
    while let Some(found) = hay[from..].find(head.as_str()) {
        let at = from + found;
        from = at + s[0].len_utf8(); // overlapping matches: go on one character later
        w.clear();
        w.extend(hay[at..].chars().take(s.len() + 10));
        for len in s.len() + 1..=s.len() + 8 {
            if len > w.len() {
                break;
            }
            let cand = &w[..len];
            if !cand.iter().all(|&c| is_name_char(c)) {
                break;
            }
            if *cand.last()? != last || cand.starts_with(&s) {
                continue;
            }
            let mut it = cand.iter();
            if s.iter().all(|c| it.any(|x| x == c)) && !inserts_a_division(&s, cand) {
                let mut cs: String = cand.iter().collect();
                // 政府办 → 人民政府办公室: complete an agency suffix cut short
                for extra in 1..=2 {
                    let more: String = w[len..(len + extra).min(w.len())].iter().collect();
                    let longer = format!("{cs}{more}");
                    if SUFFIXES
                        .iter()
                        .any(|x| longer.ends_with(x) && !cs.ends_with(x))
                    {
                        cs = longer;
                        break;
                    }
                }
                match counts.iter_mut().find(|(c, _)| *c == cs) {
                    Some(e) => e.1 += 1,
                    None => counts.push((cs, 1)),
                }
                break;
            }
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c)
}

/// Whose report it is (issue 28.9): a division's summary (汇总) when the title says 汇总 or
/// 全市 / 全县 / 全区 / 全省 … before its report words, or names the division alone
/// (`淮安市2023年政府信息公开工作年度报告`); the agency's own (本级) otherwise, and when the title
/// says 本级.
pub fn scope_of(agency: &str, title: Option<&str>) -> nianbao_model::Scope {
    use nianbao_model::Scope;
    let t = title.map(strip_spaces).unwrap_or_default();
    // the title's words between the agency and the report's own words (全市 inside a name,
    // 万全区, is not the word 全区)
    let after = t
        .find(agency)
        .map_or(t.as_str(), |i| &t[i + agency.len()..]);
    let head = after.split("政府信息公开").next().unwrap_or("");
    if t.contains("本级") {
        Scope::Own
    } else if t.contains("汇总")
        || ["全市", "全县", "全区", "全省", "全州", "全盟", "全旗"]
            .iter()
            .any(|w| head.contains(w))
        || nianbao_regions::is_division_name(agency)
    {
        Scope::Summary
    } else {
        Scope::Own
    }
}

/// The year in the 统计期限 sentence.
pub fn year_from_period(text: &str) -> Option<i32> {
    let i = text.find("统计期限").or_else(|| text.find("统计时限"))?;
    let window: String = text[i..].chars().take(40).collect();
    first_year(&window).map(|(y, _)| y)
}

/// The signing date of a report whose part 六 starts `part_six`: the first short line after
/// it that is a date (`2025年1月20日`, `2025-01-20`), before anything a page puts after the
/// article (related links with their own dates, issue 28.11); `None` when there is none, and
/// [`published_on`] then looks at the end of the text.
pub fn signing_date_after(part_six: &str) -> Option<String> {
    part_six
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(40)
        .find_map(date_line)
}

/// A date written out: `2025年1月20日`, `二〇二五年元月二十日`.
fn date_re() -> &'static Regex {
    static DATE: OnceLock<Regex> = OnceLock::new();
    re(
        &DATE,
        r"((?:19|20)\d{2}|[二〇零○Ｏ0一三四五六七八九]{4})\s*年\s*(\d{1,2}|元|[一二三四五六七八九十]{1,2})\s*月\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日",
    )
}

/// A date in figures: `2026.01.25`, `2026/1/25`, `2026-01-25`.
fn numeric_date_re() -> &'static Regex {
    static NUMERIC: OnceLock<Regex> = OnceLock::new();
    re(
        &NUMERIC,
        r"((?:19|20)\d{2})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{1,2})(?:\D|$)",
    )
}

/// The end of a period (`数据截至2025年12月31日`, `统计期限…至…`) is not a signing date.
fn is_period(l: &str) -> bool {
    ["截至", "截止", "期限", "至"].iter().any(|w| l.contains(w))
}

/// A short line (≤ 30 characters) that states a date and is not the end of a period.
fn date_line(l: &str) -> Option<String> {
    if l.chars().count() > 30 || is_period(l) {
        return None;
    }
    if let Some(c) = date_re().captures_iter(l).last() {
        if let Some(d) = ymd(&c[1], &c[2], &c[3]) {
            return Some(d);
        }
    }
    let c = numeric_date_re().captures_iter(l).last()?;
    ymd(&c[1], &c[2], &c[3])
}

/// The signing date at the end of the report, or the page's 发布时间.
pub fn published_on(text: &str) -> Option<String> {
    // The last six non-empty lines, read from the end (not the whole text's lines collected).
    let last_lines = text.lines().rev().map(str::trim).filter(|l| !l.is_empty());
    if let Some(d) = last_lines.take(6).find_map(date_line) {
        return Some(d);
    }
    // A flattened page: the date is the last thing on a long line.
    let mut cut = text.len().saturating_sub(80);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(c) = date_re().captures_iter(&text[cut..]).last() {
        let m = c.get(0).map_or(0..0, |m| m.range());
        let rest = text[cut..][m.end..].trim();
        let before: String = text[cut..][..m.start].chars().rev().take(4).collect();
        if rest.chars().count() <= 12 && !is_period(&before) {
            if let Some(d) = ymd(&c[1], &c[2], &c[3]) {
                return Some(d);
            }
        }
    }
    static META: OnceLock<Regex> = OnceLock::new();
    let meta = re(
        &META,
        r"(?m)^\s*(?:发布时间|发布日期|成文日期)\s*[:：]\s*(\d{4})-(\d{1,2})-(\d{1,2})",
    );
    meta.captures(text).and_then(|c| ymd(&c[1], &c[2], &c[3]))
}

fn cn_small(s: &str) -> Option<u32> {
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let c: Vec<char> = s.chars().collect();
    match c.as_slice() {
        ['元'] => Some(1),
        ['十'] => Some(10),
        ['十', d] => Some(10 + cn_digit(*d)?),
        [d, '十'] => Some(cn_digit(*d)? * 10),
        [d, '十', e] => Some(cn_digit(*d)? * 10 + cn_digit(*e)?),
        [d] => cn_digit(*d),
        _ => None,
    }
}

/// A page's publication time (`2025-03-10 15:35`, `2025/3/10`) as `YYYY-MM-DD`.
pub fn page_date(s: &str) -> Option<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"^\s*((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})",
    );
    let c = r.captures(s)?;
    ymd(&c[1], &c[2], &c[3])
}

fn ymd(y: &str, m: &str, d: &str) -> Option<String> {
    let y = parse_year(y)?;
    let m = cn_small(m)?;
    let d = cn_small(d)?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// Web page boilerplate markers found in a text.
pub fn boilerplate_markers(text: &str) -> Vec<&'static str> {
    const MARKERS: &[&str] = &[
        "当前位置",
        "微信",
        "微博",
        "QQ空间",
        "分享到",
        "打印本页",
        "关闭窗口",
        "附件下载",
        "文字版",
        "字号",
        "扫一扫",
    ];
    MARKERS
        .iter()
        .copied()
        .filter(|m| text.contains(m))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_agencies() {
        let t = find_title(&[
            "",
            "塔城地区科技局 2024 年度政府信息公开 工作年度报告",
            "正文",
        ])
        .unwrap();
        assert_eq!(agency_from_title(&t).unwrap(), "塔城地区科技局");
        let t = find_title(&["原州区科学技术局 2020 年政府信息公开", "工作年度报告"]).unwrap();
        assert_eq!(first_year(&t).unwrap().0, 2020);
        assert_eq!(
            expand_agency("塔城地区科技局", "塔城地区科学技术局是塔城地区行政公署工作部门。为地区科技创新(《塔城科技》编辑部)。地区科技局"),
            Some("塔城地区科学技术局".into())
        );
        assert_eq!(
            expand_agency("叶城县科学技术局", "叶城县科技局深入学习"),
            None
        );
        assert_eq!(
            agency_from_paragraph(
                "2023年,乌鲁木齐经济技术开发区(乌鲁木齐市头屯河区)科学技术局认真贯彻落实"
            ),
            Some("乌鲁木齐经济技术开发区(乌鲁木齐市头屯河区)科学技术局".into())
        );
        assert_eq!(
            agency_from_paragraph("2019年，石门县人民政府办公室认真贯彻落实"),
            Some("石门县人民政府办公室".into())
        );
    }

    #[test]
    fn a_sub_unit_in_the_body_does_not_rename_the_agency() {
        // issue 28.4
        for (short, body) in [
            (
                "淮安市人民政府",
                "淮安市洪泽区人民政府召开会议。淮安市洪泽区人民政府……",
            ),
            ("殷都区人民政府", "殷都区曲沟镇人民政府开展培训。"),
            (
                "国家税务总局淮安市税务局",
                "国家税务总局淮安市洪泽区税务局……",
            ),
        ] {
            assert_eq!(expand_agency(short, body), None, "{short}");
        }
        assert_eq!(
            expand_agency("塔城地区科技局", "塔城地区科学技术局认真贯彻……").as_deref(),
            Some("塔城地区科学技术局")
        );
    }

    #[test]
    fn the_signing_date_comes_before_related_links() {
        // issue 28.11: a related-links list after the article carries its own dates
        let six = "六、其他需要报告的事项\n无。\n殷都区科学技术局\n2025年1月20日\n相关链接\n殷都区文旅局2024年报告\n2025-03-05\n";
        assert_eq!(signing_date_after(six).as_deref(), Some("2025-01-20"));
        assert_eq!(published_on(six).as_deref(), Some("2025-03-05"));
        // a long line of part 六 with a date in it is not a signing date
        assert_eq!(
            signing_date_after("六、其他需要报告的事项\n2024年3月15日，我局组织开展了政府信息公开专题培训，参训人员共计三十余人。\n"),
            None
        );
    }

    #[test]
    fn summary_and_own_reports() {
        use nianbao_model::Scope;
        let scope = |t: &str| scope_of(&agency_from_title(t).unwrap(), Some(t));
        assert_eq!(
            scope("淮安市2023年政府信息公开工作年度报告"),
            Scope::Summary
        );
        assert_eq!(
            scope("淮安市人民政府2023年政府信息公开工作年度报告"),
            Scope::Own
        );
        assert_eq!(
            scope("淮安市科学技术局2023年政府信息公开工作年度报告"),
            Scope::Own
        );
        assert_eq!(
            scope("淮安市2023年全市政府信息公开工作年度报告"),
            Scope::Summary
        );
        assert_eq!(
            scope("淮安市人民政府2023年政府信息公开工作年度报告（汇总）"),
            Scope::Summary
        );
        assert_eq!(
            scope("淮安市本级2023年政府信息公开工作年度报告"),
            Scope::Own
        );
    }

    #[test]
    fn a_sentence_is_not_an_agency() {
        // issue 28.5: no title line; the first paragraph starts with a sentence
        for p in [
            "2024年，在县委、县政府的正确领导下，我局认真贯彻落实…",
            "2024年，我局认真贯彻落实《条例》…",
            "2024年，在省政府办公厅的指导下，…",
            "2024年，本机关坚持…",
        ] {
            assert_eq!(agency_from_paragraph(p), None, "{p}");
        }
        assert_eq!(
            agency_from_paragraph("2024年，本溪市科学技术局认真贯彻落实…").as_deref(),
            Some("本溪市科学技术局")
        );
    }

    #[test]
    fn a_bracketed_year_after_the_title_words_is_not_in_the_agency() {
        // issue 28.7
        assert_eq!(
            agency_from_title("殷都区科学技术局政府信息公开工作年度报告（2024年度）").as_deref(),
            Some("殷都区科学技术局")
        );
        assert_eq!(
            agency_from_title("殷都区科学技术局2024年政府信息公开工作年度报告").as_deref(),
            Some("殷都区科学技术局")
        );
    }

    #[test]
    fn titles_with_the_year_first_or_the_agency_above() {
        let t = find_title(&["2019年上海市人民政府办公厅政府信息公开工作年度报告"]).unwrap();
        assert_eq!(agency_from_title(&t).unwrap(), "上海市人民政府办公厅");
        let t = find_title(&[
            "洪泽区人民政府",
            "2023 年政府信息公开工作年度报告",
            "本报告由",
        ])
        .unwrap();
        assert_eq!(t, "洪泽区人民政府2023 年政府信息公开工作年度报告");
        assert_eq!(agency_from_title(&t).unwrap(), "洪泽区人民政府");
        assert_eq!(
            prefix_region(
                "洪泽区人民政府",
                "本报告由淮安市洪泽区人民政府办公室编制，淮安市洪泽区人民政府"
            ),
            Some("淮安市洪泽区人民政府".into())
        );
        assert_eq!(
            prefix_region("上海市人民政府办公厅", "上海市人民政府办公厅"),
            None
        );
    }

    #[test]
    fn dates_and_years() {
        assert_eq!(
            all_years("附件：二〇二二年度报告（2021 年数据对照）W020230120.pdf"),
            [2022, 2021]
        );
        assert_eq!(
            published_on("六、其他\n无\n塔城地区科技局\n\n2025年1月16日\n"),
            Some("2025-01-16".into())
        );
        assert_eq!(
            published_on("二〇二五年一月十六日"),
            Some("2025-01-16".into())
        );
        assert_eq!(
            published_on("发布时间: 2022-02-08 16:34\n正文很长没有落款"),
            Some("2022-02-08".into())
        );
        assert_eq!(published_on("没有日期"), None);
        assert_eq!(
            year_from_period("报告统计期限为 2024 年 1 月 1 日至 2024 年 12 月 31 日"),
            Some(2024)
        );
        assert_eq!(parse_year("二〇二三"), Some(2023));
    }
}
