//! The administrative divisions of China (GB/T 2260 codes) and the region of a report.
//!
//! **In**: what a report says about itself: the agency name, the title, the saved page's
//! metadata (source office, site name, website identification code, address) and its body.
//! **Out**: a [`Region`] (province, prefecture, county, six-digit `adcode` of the most specific
//! level found, and that level) with [`Note`]s saying what was uncertain or where the region
//! came from. **Never**: guesses. A name several divisions share (鼓楼区 is in four cities)
//! stays null at its level unless other evidence leaves exactly one of them; the levels all the
//! candidates share are still given.
//!
//! The division table (`data/divisions.tsv`) is the National Bureau of Statistics' 2023
//! statistical division codes down to county level (origin, date and licence in the README);
//! `data/renames.tsv` lists the divisions renamed, merged or re-graded since 2014 with the year
//! and the decision (洪泽县 became 洪泽区 in 2016, 国函〔2016〕100号; from 民政部's yearly
//! 县级以上行政区划变更情况), so that a former name finds today's division; a name is never
//! derived from a stem. `data/aliases.tsv` maps the remaining merged and special-zone names.
//!
//! ```
//! use nianbao_regions::{resolve, Evidence, Level};
//!
//! let r = resolve(&Evidence { names: &["殷都区科学技术局"], ..Evidence::default() });
//! assert_eq!(r.region.province, Some("河南省"));
//! assert_eq!(r.region.prefecture, Some("安阳市"));
//! assert_eq!(r.region.county, Some("殷都区"));
//! assert_eq!(r.region.adcode, Some("410505"));
//! assert_eq!(r.region.level, Some(Level::County));
//!
//! // 鼓楼区 is in 南京市, 徐州市 (江苏省), 福州市 and 开封市: not guessed.
//! let r = resolve(&Evidence { names: &["鼓楼区人民政府"], ..Evidence::default() });
//! assert_eq!(r.region.county, None);
//! // … unless the body names the city
//! let r = resolve(&Evidence {
//!     names: &["鼓楼区人民政府"],
//!     body: "南京市鼓楼区人民政府根据《条例》……",
//!     ..Evidence::default()
//! });
//! assert_eq!(r.region.adcode, Some("320106"));
//! ```

use std::collections::HashMap;
use std::sync::OnceLock;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// The level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// 省级: province, autonomous region, municipality (北京市 …).
    Province,
    /// 地级: prefecture-level city, 地区, 自治州, 盟.
    Prefecture,
    /// 县级: district, county, county-level city, 旗 ….
    County,
}

impl Level {
    /// `province`, `prefecture`, `county` (the `admin_level` column).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
        }
    }
}

/// One division of the table.
#[derive(Debug, Clone)]
pub struct Division {
    /// Six-digit GB/T 2260 code.
    pub adcode: &'static str,
    /// Full name (河南省, 安阳市, 殷都区).
    pub name: &'static str,
    /// Level.
    pub level: Level,
    /// The enclosing division (none for provinces; a province for the districts of
    /// municipalities and for counties directly under a province).
    pub parent: Option<usize>,
}

/// How a name was found in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    /// The division's own full name.
    Name,
    /// A province's short name (河南, 新疆).
    Short,
    /// A former name from the dated list of changes (洪泽县, 2016 → 洪泽区): a line of
    /// `renames.tsv`.
    Renamed(usize),
    /// A line of `aliases.tsv`.
    Alias(usize),
}

/// The division table with its name index.
pub struct Divisions {
    all: Vec<Division>,
    by_code: FastMap<&'static str, usize>,
    by_name: FastMap<&'static str, Vec<(usize, Via)>>,
    aliases: Vec<(&'static str, &'static str)>,
    renamed: Vec<Renamed>,
    longest: usize,
}

/// A line of `renames.tsv`: a former name, the year its division changed and the decision.
struct Renamed {
    old: &'static str,
    year: &'static str,
    document: &'static str,
}

/// Names too generic to take alone (城区 is also a common word): found only right after the
/// name of their prefecture (阳泉市城区).
const GENERIC: [&str; 3] = ["城区", "郊区", "矿区"];

/// Province short names: the full name without 省/市/自治区 and the nationality words.
fn short_name(full: &str) -> Option<&str> {
    const SPECIAL: [(&str, &str); 5] = [
        ("内蒙古自治区", "内蒙古"),
        ("广西壮族自治区", "广西"),
        ("西藏自治区", "西藏"),
        ("宁夏回族自治区", "宁夏"),
        ("新疆维吾尔自治区", "新疆"),
    ];
    if let Some((_, s)) = SPECIAL.iter().find(|(f, _)| *f == full) {
        return Some(s);
    }
    full.strip_suffix('省').or_else(|| full.strip_suffix('市'))
}

/// The nationalities named in autonomous divisions' names, longest first where one is the
/// start of another (土家 before 土).
const NATIONALITIES: [&str; 55] = [
    "蒙古",
    "维吾尔",
    "布依",
    "朝鲜",
    "土家",
    "哈尼",
    "哈萨克",
    "傈僳",
    "高山",
    "拉祜",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "达斡尔",
    "仫佬",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "回",
    "藏",
    "苗",
    "彝",
    "壮",
    "满",
    "侗",
    "瑶",
    "白",
    "傣",
    "黎",
    "佤",
    "畲",
    "水",
    "土",
    "羌",
    "怒",
    "京",
];

/// The short form of an autonomous county, prefecture or banner: the place name before the
/// nationalities, with 县, 州 or 旗 (河南蒙古族自治县 → 河南县, 紫云苗族布依族自治县 → 紫云县,
/// 巴里坤哈萨克自治县 → 巴里坤县; 东乡族自治县 → 东乡县).
fn autonomous_short(name: &str) -> Option<String> {
    let (rest, unit) = [("自治县", "县"), ("自治州", "州"), ("自治旗", "旗")]
        .iter()
        .find_map(|(suffix, unit)| name.strip_suffix(suffix).map(|r| (r, *unit)))?;
    let mut stem = rest;
    let mut last = "";
    loop {
        let next = NATIONALITIES.iter().find_map(|n| {
            stem.strip_suffix(&format!("{n}族") as &str)
                .or_else(|| {
                    (n.chars().count() >= 2)
                        .then(|| stem.strip_suffix(n))
                        .flatten()
                })
                .map(|r| (r, *n))
        });
        match next {
            Some((r, n)) => {
                stem = r;
                last = n;
            }
            None => break,
        }
    }
    let stem = if stem.is_empty() { last } else { stem };
    (stem.chars().count() >= 2).then(|| format!("{stem}{unit}"))
}

impl Divisions {
    /// The table shipped with the crate (parsed once).
    pub fn get() -> &'static Divisions {
        static D: OnceLock<Divisions> = OnceLock::new();
        D.get_or_init(|| {
            Divisions::parse(
                include_str!("../data/divisions.tsv"),
                include_str!("../data/aliases.tsv"),
                include_str!("../data/renames.tsv"),
            )
        })
    }

    fn parse(divisions: &'static str, aliases: &'static str, renames: &'static str) -> Divisions {
        let mut all = Vec::new();
        let mut parents = Vec::new();
        for line in divisions.lines().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 4 {
                continue;
            }
            let level = match f[2] {
                "province" => Level::Province,
                "prefecture" => Level::Prefecture,
                _ => Level::County,
            };
            all.push(Division {
                adcode: f[0],
                name: f[1],
                level,
                parent: None,
            });
            parents.push(f[3]);
        }
        let by_code: FastMap<&'static str, usize> =
            all.iter().enumerate().map(|(i, d)| (d.adcode, i)).collect();
        for (d, p) in all.iter_mut().zip(parents) {
            d.parent = by_code.get(p).copied();
        }
        let mut by_name: FastMap<&'static str, Vec<(usize, Via)>> = FastMap::default();
        for (i, d) in all.iter().enumerate() {
            by_name.entry(d.name).or_default().push((i, Via::Name));
            if d.level == Level::Province {
                if let Some(s) = short_name(d.name) {
                    by_name.entry(s).or_default().push((i, Via::Short));
                }
            }
        }
        // the short forms of autonomous divisions (河南蒙古族自治县 → 河南县, 海南藏族自治州 →
        // 海南州), before the former names: 宽城县 is 宽城满族自治县
        for (i, d) in all.iter().enumerate() {
            if let Some(short) = autonomous_short(d.name) {
                let key: &'static str = Box::leak(short.into_boxed_str());
                by_name.entry(key).or_default().push((i, Via::Short));
            }
        }
        // former names from the dated list of changes (renames.tsv), when the former name is not
        // a division's name or short form today
        let mut renamed = Vec::new();
        for line in renames.lines() {
            if line.starts_with('#') || line.starts_with("year\t") || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&'static str> = line.split('\t').collect();
            let (Some(&year), Some(&old), Some(&code)) = (f.first(), f.get(1), f.get(4)) else {
                continue;
            };
            let Some(&i) = by_code.get(code) else {
                continue;
            };
            if by_name.contains_key(old) {
                continue;
            }
            let document = f.get(5).copied().unwrap_or("");
            by_name
                .entry(old)
                .or_default()
                .push((i, Via::Renamed(renamed.len())));
            renamed.push(Renamed {
                old,
                year,
                document,
            });
        }
        let mut alias_list = Vec::new();
        for line in aliases.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if let (Some(name), Some(&i)) = (f.first(), f.get(1).and_then(|c| by_code.get(c))) {
                let why = f.get(2).copied().unwrap_or("");
                by_name
                    .entry(name)
                    .or_default()
                    .push((i, Via::Alias(alias_list.len())));
                alias_list.push((*name, why));
            }
        }
        let longest = by_name.keys().map(|k| k.chars().count()).max().unwrap_or(1);
        Divisions {
            all,
            by_code,
            by_name,
            aliases: alias_list,
            renamed,
            longest,
        }
    }

    /// Every division, in code order.
    pub fn all(&self) -> &[Division] {
        &self.all
    }

    /// The division with a six-digit code.
    pub fn by_code(&self, adcode: &str) -> Option<&Division> {
        self.by_code.get(adcode).map(|&i| &self.all[i])
    }

    /// The division and its ancestors, province first.
    fn chain(&self, i: usize) -> Vec<usize> {
        let mut out = vec![i];
        let mut at = i;
        while let Some(p) = self.all[at].parent {
            out.push(p);
            at = p;
        }
        out.reverse();
        out
    }

    fn is_ancestor_or_self(&self, a: usize, of: usize) -> bool {
        let mut at = Some(of);
        while let Some(i) = at {
            if i == a {
                return true;
            }
            at = self.all[i].parent;
        }
        false
    }

    /// The division names in `text`, leftmost-longest, each with every division it may name.
    fn mentions(&self, text: &str) -> Vec<Mention> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut out: Vec<Mention> = Vec::new();
        let mut k = 0;
        while k < chars.len() {
            let mut found = None;
            let max = self.longest.min(chars.len() - k);
            for n in (2..=max).rev() {
                let from = chars[k].0;
                let to = chars.get(k + n).map_or(text.len(), |c| c.0);
                if let Some(hits) = self.by_name.get(&text[from..to]) {
                    // a name followed by 街道 is a subdistrict's (中山市东区街道), not the
                    // county of that name (攀枝花市东区)
                    if text[to..].starts_with("街道") {
                        break;
                    }
                    found = Some((n, &text[from..to], hits));
                    break;
                }
            }
            match found {
                Some((n, name, hits)) => {
                    let mut cands: Vec<(usize, Via)> = hits.clone();
                    // a former name of one character and 县 (开县, 户县) is also a piece of
                    // ordinary text (召开县委常委会): like the generic names, it is taken only
                    // right after its prefecture's name (重庆市开县)
                    let former_word =
                        n == 2 && hits.iter().all(|&(_, via)| matches!(via, Via::Renamed(_)));
                    if GENERIC.contains(&name) || former_word {
                        // only right after its prefecture's name
                        let prev = out.last().filter(|m| m.end == chars[k].0);
                        cands.retain(|&(i, _)| {
                            prev.is_some_and(|m| {
                                m.cands.iter().any(|&(p, _)| self.all[i].parent == Some(p))
                            })
                        });
                    }
                    if !cands.is_empty() {
                        out.push(Mention {
                            name: name.to_owned(),
                            start: chars[k].0,
                            end: chars.get(k + n).map_or(text.len(), |c| c.0),
                            cands,
                        });
                    }
                    k += n;
                }
                None => k += 1,
            }
        }
        out
    }

    fn region_of(&self, i: usize) -> Region {
        let mut r = Region {
            adcode: Some(self.all[i].adcode),
            level: Some(self.all[i].level),
            ..Region::default()
        };
        for j in self.chain(i) {
            let d = &self.all[j];
            match d.level {
                Level::Province => r.province = Some(d.name),
                Level::Prefecture => r.prefecture = Some(d.name),
                Level::County => r.county = Some(d.name),
            }
        }
        r
    }

    /// What every candidate shares: the deepest common ancestor's region, if any.
    fn common(&self, cands: &[usize]) -> Option<Region> {
        let chains: Vec<Vec<usize>> = cands.iter().map(|&i| self.chain(i)).collect();
        let first = chains.first()?;
        let mut shared = None;
        for (depth, &i) in first.iter().enumerate() {
            if chains.iter().all(|c| c.get(depth) == Some(&i)) {
                shared = Some(i);
            } else {
                break;
            }
        }
        shared.map(|i| self.region_of(i))
    }

    fn label(&self, i: usize) -> String {
        self.chain(i)
            .iter()
            .map(|&j| self.all[j].name)
            .collect::<Vec<_>>()
            .join("")
    }
}

struct Mention {
    name: String,
    start: usize,
    end: usize,
    cands: Vec<(usize, Via)>,
}

/// A report's region: names as in the division table, null where not known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Region {
    /// 省级 name.
    pub province: Option<&'static str>,
    /// 地级 name (null for the districts of municipalities and counties under a province).
    pub prefecture: Option<&'static str>,
    /// 县级 name.
    pub county: Option<&'static str>,
    /// Six-digit code of the most specific division found.
    pub adcode: Option<&'static str>,
    /// The level of `adcode`.
    pub level: Option<Level>,
}

impl Region {
    /// The region of a six-digit code in the table (all null for an unknown code).
    pub fn of_code(adcode: &str) -> Region {
        let d = Divisions::get();
        d.by_code
            .get(adcode)
            .map(|&i| d.region_of(i))
            .unwrap_or_default()
    }
}

/// What a report says about where it comes from, most trusted first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence<'a> {
    /// Names to read divisions from, most trusted first: the agency, the agency as the title
    /// words it, the title, the page's source office and site name.
    pub names: &'a [&'a str],
    /// The government website identification code (10 digits; the first six are the division
    /// code of the site's organiser, except for central and special sites).
    pub site_id_code: Option<&'a str>,
    /// The page's address (a province's own domain, e.g. `…jiangsu.gov.cn`, names it).
    pub url: Option<&'a str>,
    /// The report's text: it only settles between candidates the names leave open.
    pub body: &'a str,
}

/// Why a region is as it is, for a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A name several divisions share, left open at its level.
    Ambiguous {
        /// The name as written.
        name: String,
        /// Each candidate, province to county (河南省安阳市殷都区).
        candidates: Vec<String>,
    },
    /// The region comes from the page's metadata, not from a name.
    FromPage {
        /// What was used (`site identification code 3208130001`, `address …`).
        what: String,
        /// The region found, province to county.
        region: String,
    },
    /// An old or zone name mapped to today's division.
    Mapped {
        /// The name as written.
        name: String,
        /// Today's division, province to county.
        now: String,
        /// Why (from `aliases.tsv`, or "renamed from 县").
        why: String,
    },
    /// The page's identification code names another division than the report's names.
    PageDisagrees {
        /// The code.
        code: String,
        /// What it names.
        names: String,
    },
    /// No division is named anywhere.
    Unknown,
}

/// The region found, and what to say about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The region (all null when nothing is known).
    pub region: Region,
    /// What was uncertain or where the region came from.
    pub notes: Vec<Note>,
}

/// Province codes by the label before `.gov.cn` of their own sites (`www.jiangsu.gov.cn`).
const PROVINCE_DOMAINS: [(&str, &str); 34] = [
    ("beijing", "110000"),
    ("tj", "120000"),
    ("tianjin", "120000"),
    ("hebei", "130000"),
    ("shanxi", "140000"),
    ("nmg", "150000"),
    ("ln", "210000"),
    ("jl", "220000"),
    ("hlj", "230000"),
    ("shanghai", "310000"),
    ("jiangsu", "320000"),
    ("js", "320000"),
    ("zj", "330000"),
    ("zhejiang", "330000"),
    ("ah", "340000"),
    ("fujian", "350000"),
    ("jiangxi", "360000"),
    ("shandong", "370000"),
    ("henan", "410000"),
    ("hubei", "420000"),
    ("hunan", "430000"),
    ("gd", "440000"),
    ("gxzf", "450000"),
    ("hainan", "460000"),
    ("cq", "500000"),
    ("sc", "510000"),
    ("guizhou", "520000"),
    ("yn", "530000"),
    ("xizang", "540000"),
    ("shaanxi", "610000"),
    ("gansu", "620000"),
    ("qinghai", "630000"),
    ("nx", "640000"),
    ("xinjiang", "650000"),
];

/// The province a `*.gov.cn` address names by its own domain.
fn province_of_url(url: &str) -> Option<&'static str> {
    let host = url.split("://").nth(1).unwrap_or(url);
    let host = host.split(['/', ':', '?']).next()?.to_ascii_lowercase();
    let rest = host.strip_suffix(".gov.cn")?;
    let label = rest.rsplit('.').next()?;
    PROVINCE_DOMAINS
        .iter()
        .find(|(l, _)| *l == label)
        .map(|(_, c)| *c)
}

/// The division a website identification code names (its first six digits), if in the table.
fn division_of_site_code(d: &Divisions, code: &str) -> Option<usize> {
    let code = code.trim();
    if code.len() != 10 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    d.by_code.get(&code[..6]).copied()
}

/// The region a report's evidence supports (see the crate doc).
pub fn resolve(ev: &Evidence<'_>) -> Resolved {
    let d = Divisions::get();
    let mut notes = Vec::new();
    let named: Vec<Vec<Mention>> = ev.names.iter().map(|n| d.mentions(n)).collect();
    let site = ev.site_id_code.and_then(|c| division_of_site_code(d, c));
    let url_province = ev
        .url
        .and_then(province_of_url)
        .and_then(|c| d.by_code.get(c).copied());
    // The most trusted name that names a division decides the level; its deepest mention is
    // the report's own division (乌鲁木齐市头屯河区: 头屯河区).
    let Some(primary) = named.iter().find(|m| !m.is_empty()) else {
        return from_page(ev, site, url_province);
    };
    let depth = |m: &Mention| m.cands.iter().map(|&(i, _)| d.all[i].level).max();
    let deepest = primary
        .iter()
        .enumerate()
        .max_by_key(|(k, m)| (depth(m), *k))
        .map(|(_, m)| m)
        .expect("non-empty");
    let mut cands: Vec<(usize, Via)> = deepest.cands.clone();
    cands.sort_by_key(|&(i, _)| i);
    cands.dedup_by_key(|&mut (i, _)| i);
    // Narrow by evidence, each step only when it leaves at least one candidate: ancestors
    // named in the names, then the page's code and address, then ancestors named in the body.
    let others: Vec<usize> = named
        .iter()
        .flatten()
        .filter(|m| !std::ptr::eq(*m, deepest))
        .flat_map(|m| m.cands.iter().map(|&(i, _)| i))
        .collect();
    // the body is read only when the names and the page leave several candidates
    let body_mentions = || -> Vec<usize> {
        let body: String = ev.body.chars().take(4000).collect();
        d.mentions(&body)
            .iter()
            .flat_map(|m| m.cands.iter().map(|&(i, _)| i))
            .collect()
    };
    narrow(d, &mut cands, &others, false);
    let page: Vec<usize> = site.into_iter().chain(url_province).collect();
    narrow(d, &mut cands, &page, true);
    if cands.len() > 1 {
        narrow(d, &mut cands, &body_mentions(), false);
    }
    if cands.len() > 1 {
        notes.push(Note::Ambiguous {
            name: deepest.name.clone(),
            candidates: cands.iter().map(|&(i, _)| d.label(i)).collect(),
        });
        let ids: Vec<usize> = cands.iter().map(|&(i, _)| i).collect();
        return Resolved {
            region: d.common(&ids).unwrap_or_default(),
            notes,
        };
    }
    let (i, via) = cands[0];
    notes.extend(mapped(d, deepest, i, via));
    // the page's code disagreeing with the names is worth saying (the names win)
    if let (Some(s), Some(code)) = (site, ev.site_id_code) {
        if !d.is_ancestor_or_self(s, i) && !d.is_ancestor_or_self(i, s) {
            notes.push(Note::PageDisagrees {
                code: code.trim().to_owned(),
                names: d.label(s),
            });
        }
    }
    Resolved {
        region: d.region_of(i),
        notes,
    }
}

/// A report whose names name no division: the page's identification code, then its address.
fn from_page(ev: &Evidence<'_>, site: Option<usize>, url_province: Option<usize>) -> Resolved {
    let d = Divisions::get();
    for (what, at) in [
        (
            ev.site_id_code
                .map(|c| format!("website identification code {c}")),
            site,
        ),
        (ev.url.map(|u| format!("address {u}")), url_province),
    ] {
        if let (Some(what), Some(i)) = (what, at) {
            return Resolved {
                region: d.region_of(i),
                notes: vec![Note::FromPage {
                    what,
                    region: d.label(i),
                }],
            };
        }
    }
    Resolved {
        region: Region::default(),
        notes: vec![Note::Unknown],
    }
}

/// Narrows the candidates to those `by` names an ancestor of, only when it leaves at least one
/// (`same`: a candidate may be its own evidence: the page's code names the county itself).
fn narrow(d: &Divisions, cands: &mut Vec<(usize, Via)>, by: &[usize], same: bool) {
    if cands.len() < 2 {
        return;
    }
    let kept: Vec<(usize, Via)> = cands
        .iter()
        .copied()
        .filter(|&(c, _)| {
            by.iter()
                .any(|&a| (same || a != c) && d.is_ancestor_or_self(a, c))
        })
        .collect();
    if !kept.is_empty() {
        *cands = kept;
    }
}

/// The note when the division was found by an alias or an old county name.
fn mapped(d: &Divisions, m: &Mention, i: usize, via: Via) -> Option<Note> {
    match via {
        Via::Alias(a) => Some(Note::Mapped {
            name: m.name.clone(),
            now: d.label(i),
            why: d.aliases[a].1.to_owned(),
        }),
        Via::Renamed(r) => {
            let r = &d.renamed[r];
            let by = if r.document.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.document)
            };
            Some(Note::Mapped {
                name: m.name.clone(),
                now: d.label(i),
                why: format!("{} became {} in {}{by}", r.old, d.all[i].name, r.year),
            })
        }
        Via::Name | Via::Short => None,
    }
}

/// Whether `name` is nothing but division names (`淮安市`, `江苏省淮安市洪泽区`, `河南县`):
/// a title worded by its division alone is that division's summary report.
pub fn is_division_name(name: &str) -> bool {
    let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    let ms = Divisions::get().mentions(&name);
    // (a zone mapped by an alias, 平潭综合实验区, names its administration, not a division)
    let real = |m: &Mention| m.cands.iter().any(|(_, via)| !matches!(via, Via::Alias(_)));
    !ms.is_empty()
        && ms.iter().all(real)
        && ms.first().is_some_and(|m| m.start == 0)
        && ms.windows(2).all(|w| w[0].end == w[1].start)
        && ms.last().is_some_and(|m| m.end == name.len())
}

/// Synonyms an agency's name is written with, long form first: the key uses the short one.
const SYNONYMS: [(&str, &str); 29] = [
    ("管理委员会办公室", "管委会"),
    ("管委会办公室", "管委会"),
    ("管理委员会", "管委会"),
    ("人民政府", "政府"),
    ("科学技术", "科技"),
    ("人力资源和社会保障", "人社"),
    ("人力资源社会保障", "人社"),
    ("发展和改革委员会", "发改委"),
    ("发展改革委员会", "发改委"),
    ("发展和改革局", "发改局"),
    ("发展改革局", "发改局"),
    ("住房和城乡建设", "住建"),
    ("住房城乡建设", "住建"),
    ("市场监督管理", "市场监管"),
    ("卫生健康委员会", "卫健委"),
    ("卫生健康局", "卫健局"),
    ("教育和体育局", "教体局"),
    ("教育体育局", "教体局"),
    ("文化广电和旅游", "文广旅"),
    ("文化广电旅游", "文广旅"),
    ("自然资源和规划", "自然资源规划"),
    ("退役军人事务", "退役军人"),
    ("工业和信息化", "工信"),
    ("工业信息化", "工信"),
    ("文化和旅游", "文旅"),
    ("文化旅游", "文旅"),
    ("医疗保障", "医保"),
    ("林业和草原", "林草"),
    ("林业草原", "林草"),
];

/// The agency's identity across years: `ADCODE:NAME` (or `NAME` when the region is not
/// known), where NAME is the printed name with full-width characters folded, a trailing
/// bracketed note dropped (「（淮安市人民政府办公室编制）」), the division names the region
/// already says removed (淮安市洪泽区人民政府 and 洪泽区人民政府 are one agency), and common
/// long forms shortened (科学技术局 = 科技局, 管委会办公室 = 管委会, 人民政府 = 政府). An
/// agency named by its division alone (平潭综合实验区) is that division's government (`政府`).
///
/// ```
/// use nianbao_regions::{agency_key, Region};
/// let r = Region::of_code("320813");
/// assert_eq!(agency_key("淮安市洪泽区人民政府", &r), "320813:政府");
/// assert_eq!(agency_key("洪泽区人民政府（淮安市洪泽区人民政府办公室编制）", &r), "320813:政府");
/// ```
pub fn agency_key(agency: &str, region: &Region) -> String {
    let mut name: String = agency
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '“' | '”' | '"' | '「' | '」'))
        .map(|c| match c {
            '（' | '【' | '〔' | '[' | '［' => '(',
            '）' | '】' | '〕' | ']' | '］' => ')',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect();
    // a trailing bracketed note
    while name.ends_with(')') {
        match name.rfind('(') {
            Some(open) if open > 0 => name.truncate(open),
            _ => break,
        }
    }
    let d = Divisions::get();
    let at = region.adcode.and_then(|c| d.by_code.get(c).copied());
    if let Some(at) = at {
        let ours = |m: &Mention| m.cands.iter().any(|&(i, _)| d.is_ancestor_or_self(i, at));
        // leading division names of the region, then bracketed ones (…(乌鲁木齐市头屯河区)…)
        // (a state-level new area is not dropped: 兰州新区财政局 is not 兰州市财政局)
        let new_area = |m: &Mention| m.name.ends_with("新区");
        // (read in one pass: a name that needs its city before it, 德州市陵县, is found only
        // with the city still there)
        let mut end = 0;
        for m in d.mentions(&name) {
            if m.start != end || !ours(&m) || new_area(&m) {
                break;
            }
            end = m.end;
        }
        name.drain(..end);
        while let Some(open) = name.find('(') {
            let Some(close) = name[open..].find(')').map(|c| open + c) else {
                break;
            };
            let inner = &name[open + 1..close];
            let ms = d.mentions(inner);
            let only_ours = !ms.is_empty()
                && ms.iter().all(&ours)
                && ms.iter().map(|m| m.end - m.start).sum::<usize>() == inner.len();
            if !only_ours {
                break;
            }
            name.replace_range(open..=close, "");
        }
    }
    for (long, short) in SYNONYMS {
        if name.contains(long) {
            name = name.replace(long, short);
        }
    }
    if name.is_empty() {
        // the agency is named by its division alone (平潭综合实验区): its government
        name.push_str("政府");
    }
    match region.adcode {
        Some(code) => format!("{code}:{name}"),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_names(names: &[&str]) -> Resolved {
        resolve(&Evidence {
            names,
            ..Evidence::default()
        })
    }

    /// The agency key of a name, with the region found from that name alone.
    fn key(name: &str) -> String {
        agency_key(name, &by_names(&[name]).region)
    }

    fn code(names: &[&str]) -> Option<&'static str> {
        by_names(names).region.adcode
    }

    #[test]
    fn the_table_has_every_level_and_no_statistical_groupings() {
        let d = Divisions::get();
        assert_eq!(
            d.all()
                .iter()
                .filter(|x| x.level == Level::Province)
                .count(),
            31
        );
        assert!(d.all().iter().all(|x| x.name != "市辖区" && x.name != "县"));
        assert!(
            d.by_code("130171").is_none(),
            "NBS-only zone codes are dropped"
        );
        assert_eq!(d.by_code("654200").map(|x| x.name), Some("塔城地区"));
        // districts of municipalities hang from the province
        let chaoyang = d.by_code("110105").unwrap();
        assert_eq!(d.all[chaoyang.parent.unwrap()].name, "北京市");
    }

    /// The regions of the seeds and ../shared/corpus (issue 14): by their agency names.
    #[test]
    fn the_agencies_of_the_real_reports() {
        for (names, want) in [
            (&["塔城地区科学技术局", "塔城地区科技局"][..], "654200"),
            (&["殷都区科学技术局"][..], "410505"),
            (
                &["乌鲁木齐经济技术开发区(乌鲁木齐市头屯河区)科学技术局"][..],
                "650106",
            ),
            (&["叶城县科学技术局"][..], "653126"),
            (&["原州区科学技术局"][..], "640402"),
            (&["淮安市洪泽区人民政府", "洪泽区人民政府"][..], "320813"),
            (&["上海市人民政府办公厅"][..], "310000"),
            (&["平潭综合实验区"][..], "350128"),
        ] {
            assert_eq!(code(names), Some(want), "{names:?}");
        }
        let r = by_names(&["塔城地区科学技术局"]).region;
        assert_eq!(
            (r.province, r.prefecture, r.county, r.level),
            (
                Some("新疆维吾尔自治区"),
                Some("塔城地区"),
                None,
                Some(Level::Prefecture)
            )
        );
        let r = by_names(&["上海市人民政府办公厅"]).region;
        assert_eq!(
            (r.province, r.level),
            (Some("上海市"), Some(Level::Province))
        );
    }

    #[test]
    fn shared_names_stay_open_with_the_levels_the_candidates_share() {
        // 鼓楼区: 南京, 徐州 (江苏), 福州, 开封
        let r = by_names(&["鼓楼区教育局"]);
        assert_eq!(r.region, Region::default());
        assert!(matches!(&r.notes[0], Note::Ambiguous { candidates, .. } if candidates.len() == 4));
        // 朝阳区 in 北京市 and 长春市 (吉林省): a province name settles it
        assert_eq!(code(&["北京市朝阳区人民政府"]), Some("110105"));
        assert_eq!(code(&["长春市朝阳区人民政府"]), Some("220104"));
        // a name later in the list settles it too (title, site name)
        assert_eq!(
            code(&["朝阳区人民政府", "吉林省长春市朝阳区2024年报"]),
            Some("220104")
        );
    }

    #[test]
    fn page_metadata_settles_or_supplies_the_region() {
        // the identification code's division settles a shared name
        let r = resolve(&Evidence {
            names: &["鼓楼区人民政府"],
            site_id_code: Some("3501020001"),
            ..Evidence::default()
        });
        assert_eq!(r.region.adcode, Some("350102"));
        // a province's own domain narrows 鼓楼区 to 福州
        let r = resolve(&Evidence {
            names: &["鼓楼区人民政府"],
            url: Some("https://www.fujian.gov.cn/zwgk/t1.htm"),
            ..Evidence::default()
        });
        assert_eq!(r.region.adcode, Some("350102"));
        // no name at all: the code, said so
        let r = resolve(&Evidence {
            names: &["科学技术局"],
            site_id_code: Some("3208130001"),
            ..Evidence::default()
        });
        assert_eq!(r.region.adcode, Some("320813"));
        assert!(matches!(r.notes[0], Note::FromPage { .. }));
        // special and central codes name no division: nothing taken
        let r = resolve(&Evidence {
            names: &["管委会"],
            site_id_code: Some("3590000001"),
            ..Evidence::default()
        });
        assert_eq!(r.region, Region::default());
        assert_eq!(r.notes, vec![Note::Unknown]);
        // a code naming another division than the name: the name wins, the note says so
        let r = resolve(&Evidence {
            names: &["殷都区科学技术局"],
            site_id_code: Some("3208130001"),
            ..Evidence::default()
        });
        assert_eq!(r.region.adcode, Some("410505"));
        assert!(matches!(r.notes[0], Note::PageDisagrees { .. }));
    }

    /// Issue 28: former names come from the dated list, never from a stem.
    #[test]
    fn former_names_come_from_the_dated_list_only() {
        let d = Divisions::get();
        let rows = include_str!("../data/renames.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("year\t") && !l.trim().is_empty())
            .count();
        // every line of the list is taken: its successor is in the table, and its former
        // name is not a division's name or short form today
        assert_eq!(d.renamed.len(), rows);
        assert!(rows > 200, "{rows}");
        // a county merged or renamed, with the year and the decision
        assert_eq!(code(&["郫县财政局"]), None); // one character + 县: needs its city
        assert_eq!(code(&["成都市郫县财政局"]), Some("510117"));
        assert_eq!(code(&["重庆市开县人民政府"]), Some("500154"));
        assert_eq!(code(&["伊春市新青区人民政府"]), Some("230724"));
        assert_eq!(code(&["闸北区人民政府"]), Some("310106"));
        // … but 召开县委常委会 names no county
        let r = resolve(&Evidence {
            names: &["科学技术局"],
            body: "我局召开县委常委会精神传达会",
            ..Evidence::default()
        });
        assert_eq!(r.region.adcode, None);
        // a district that was never a 县 has no 县 name: 殷都县 is nothing (the stem rule
        // made it 殷都区)
        assert_eq!(code(&["殷都县人民政府"]), None);
        assert_eq!(code(&["宽城县人民政府"]), Some("130827"));
        assert_eq!(code(&["东乡县人民政府"]), Some("622926"));
    }

    #[test]
    fn old_and_zone_names_map_to_todays_divisions() {
        let r = by_names(&["洪泽县人民政府"]);
        assert_eq!(r.region.adcode, Some("320813"));
        assert!(matches!(&r.notes[0], Note::Mapped { name, why, .. }
            if name == "洪泽县" && why == "洪泽县 became 洪泽区 in 2016 (国函〔2016〕100号)"));
        assert_eq!(code(&["莱芜市人民政府"]), Some("370100"));
        // 城区 is only a division right after its city
        assert_eq!(code(&["阳泉市城区人民政府"]), Some("140302"));
        assert_eq!(code(&["城区管理局"]), None);
    }

    #[test]
    fn agency_keys_stay_the_same_when_the_printed_name_varies() {
        assert_eq!(key("淮安市洪泽区人民政府"), key("洪泽区人民政府"));
        assert_eq!(
            key("洪泽区人民政府（淮安市人民政府办公室编制）"),
            key("洪泽区人民政府")
        );
        assert_eq!(key("塔城地区科学技术局"), key("塔城地区科技局"));
        assert_eq!(key("塔城地区科学技术局"), "654200:科技局");
        // issue 28.8: the short forms of four more departments
        for (long, short, k) in [
            ("塔城地区工业和信息化局", "塔城地区工信局", "654200:工信局"),
            ("塔城地区文化和旅游局", "塔城地区文旅局", "654200:文旅局"),
            ("塔城地区医疗保障局", "塔城地区医保局", "654200:医保局"),
            ("塔城地区林业和草原局", "塔城地区林草局", "654200:林草局"),
        ] {
            assert_eq!(key(long), key(short), "{long}");
            assert_eq!(key(long), k, "{long}");
        }
        assert_eq!(
            key("平潭综合实验区管委会办公室"),
            key("平潭综合实验区管理委员会")
        );
        assert_eq!(
            key("乌鲁木齐经济技术开发区（乌鲁木齐市头屯河区）科学技术局"),
            key("乌鲁木齐经济技术开发区(乌鲁木齐市头屯河区)科学技术局")
        );
        assert_eq!(
            key("乌鲁木齐经济技术开发区(乌鲁木齐市头屯河区)科学技术局"),
            "650106:科技局"
        );
        // different agencies stay apart
        assert_ne!(key("洪泽区人民政府"), key("洪泽区科学技术局"));
        assert_ne!(key("殷都区科学技术局"), key("原州区科学技术局"));
        // no region: the folded name
        assert_eq!(
            agency_key("国家统计局（ＡＢ）", &Region::default()),
            "国家统计局"
        );
    }

    /// Issue 28.1–28.3: autonomous divisions' short forms, the old-name rule, new areas.
    #[test]
    fn short_forms_of_autonomous_divisions_and_new_areas() {
        for (name, short) in [
            ("河南蒙古族自治县", "河南县"),
            ("紫云苗族布依族自治县", "紫云县"),
            ("巴里坤哈萨克自治县", "巴里坤县"),
            ("东乡族自治县", "东乡县"),
            ("长阳土家族自治县", "长阳县"),
            ("海南藏族自治州", "海南州"),
            ("莫力达瓦达斡尔族自治旗", "莫力达瓦旗"),
        ] {
            assert_eq!(autonomous_short(name).as_deref(), Some(short), "{name}");
        }
        assert_eq!(autonomous_short("淮安市"), None);
        let province = |names: &[&str]| by_names(names).region.province;
        assert_eq!(province(&["河南县科学技术局"]), Some("青海省"));
        assert_eq!(province(&["青海省河南县科学技术局"]), Some("青海省"));
        assert_eq!(province(&["海南州财政局"]), Some("青海省"));
        assert_eq!(province(&["紫云县教育局"]), Some("贵州省"));
        assert_eq!(province(&["民和县人民政府"]), Some("青海省"));
        assert_eq!(province(&["中山市东区街道办事处"]), Some("广东省"));
        // every autonomous division's short form names it (or stays open), never another
        // province's division
        let d = Divisions::get();
        let mut wrong = Vec::new();
        for (i, div) in d.all().iter().enumerate() {
            let Some(short) = autonomous_short(div.name) else {
                continue;
            };
            let r = by_names(&[&format!("{short}财政局")]).region;
            let want = d.region_of(i);
            if r.province.is_some() && r.province != want.province {
                wrong.push(format!(
                    "{short}: {:?} instead of {:?}",
                    r.province, want.province
                ));
            }
        }
        assert!(wrong.is_empty(), "{wrong:?}");
        // 宽城县 (河北) and 长春市宽城区 are two agencies
        assert_ne!(key("宽城县科学技术局"), key("长春市宽城区科学技术局"));
        assert_ne!(key("东乡县科学技术局"), key("抚州市东乡区科学技术局"));
        // a new area's departments are not the city's
        assert_ne!(key("兰州新区财政局"), key("兰州市财政局"));
        assert_ne!(key("赣江新区市场监督管理局"), key("江西省市场监督管理局"));
    }

    /// Issue 28's differential test for identities: an agency named after every division of
    /// the table (full name, and the short form of autonomous ones) resolves to that division
    /// or to one of its ancestors (left open), never to another division; and two divisions
    /// that resolve never share a key.
    #[test]
    fn every_division_named_in_an_agency_resolves_to_itself_or_stays_open() {
        let d = Divisions::get();
        let mut wrong = Vec::new();
        let mut keys: FastMap<String, usize> = FastMap::default();
        let mut merged = Vec::new();
        for (i, div) in d.all().iter().enumerate() {
            let names = std::iter::once(div.name.to_owned()).chain(autonomous_short(div.name));
            for name in names {
                let agency = format!("{name}财政局");
                let r = by_names(&[&agency]).region;
                let Some(code) = r.adcode else { continue };
                let at = d.by_code[code];
                if !d.is_ancestor_or_self(at, i) {
                    wrong.push(format!("{agency}: {code} instead of {}", div.adcode));
                    continue;
                }
                if at == i {
                    let k = agency_key(&agency, &r);
                    if let Some(&j) = keys.get(&k) {
                        if j != i {
                            merged.push(format!("{agency} and {}: {k}", d.all[j].name));
                        }
                    }
                    keys.insert(k, i);
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{} wrong: {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(20)]
        );
        assert!(
            merged.is_empty(),
            "{} merged: {:?}",
            merged.len(),
            &merged[..merged.len().min(20)]
        );
        assert!(keys.len() > 3000, "{}", keys.len());
    }

    #[test]
    fn division_names_alone() {
        assert!(is_division_name("淮安市"));
        assert!(is_division_name("江苏省淮安市洪泽区"));
        assert!(!is_division_name("淮安市人民政府"));
        assert!(!is_division_name("淮安市科学技术局"));
        assert!(!is_division_name(""));
        assert!(!is_division_name("平潭综合实验区"));
    }

    #[test]
    fn province_short_names_and_domains() {
        let r = by_names(&["新疆科技厅"]).region;
        assert_eq!((r.adcode, r.level), (Some("650000"), Some(Level::Province)));
        assert_eq!(
            province_of_url("http://kjt.jiangsu.gov.cn/a"),
            Some("320000")
        );
        assert_eq!(province_of_url("https://www.example.com/"), None);
    }
}
