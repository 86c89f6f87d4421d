//! The differential test for identities (issue 28): reports generated for agencies of every
//! division of the table — its government, a department written two ways (科学技术局 / 科技局),
//! and the division's summary report (titled by the division alone) — read through the whole
//! reader (title → agency → region → key). Asserted: the region is the division or one of its
//! ancestors (left open), never another division; the two spellings of a department share a
//! key; the summary is a series apart from the government's; no two divisions share a key.

use std::collections::HashMap;

use nianbao_model::Scope;
use nianbao_normalize::{normalize, Source};
use nianbao_regions::Divisions;

fn report(agency: &str) -> nianbao_model::Report {
    let text = format!(
        "{agency}2024年政府信息公开工作年度报告\n一、总体情况\n本报告统计期限为2024年1月1日至2024年12月31日。\n\
         二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n\
         五、存在的主要问题及改进情况\n无。\n六、其他需要报告的事项\n无。\n"
    );
    let doc = nianbao_extract::read(text.as_bytes()).expect("text decodes");
    normalize(&doc, Source::default())
}

#[test]
fn every_division_names_its_own_agencies_apart() {
    let d = Divisions::get();
    let all = d.all();
    let index: HashMap<&str, usize> = all.iter().enumerate().map(|(i, x)| (x.adcode, i)).collect();
    let ancestors = |i: usize| {
        let mut out = vec![all[i].adcode];
        let mut at = all[i].parent;
        while let Some(p) = at {
            out.push(all[p].adcode);
            at = all[p].parent;
        }
        out
    };
    let mut wrong = Vec::new();
    let mut split = Vec::new();
    let mut keys: HashMap<String, usize> = HashMap::new();
    let mut merged = Vec::new();
    let mut exact = 0;
    for (i, div) in all.iter().enumerate() {
        let own = ancestors(i);
        // a name too generic to stand alone (城区, 郊区, 矿区) is written after its city's
        let name = match (div.name, div.parent) {
            ("城区" | "郊区" | "矿区", Some(p)) => format!("{}{}", all[p].name, div.name),
            _ => div.name.to_owned(),
        };
        let government = report(&format!("{name}人民政府"));
        let long = report(&format!("{name}科学技术局"));
        let short = report(&format!("{name}科技局"));
        let summary = report(&name);
        for r in [&government, &long, &short, &summary] {
            if let Some(code) = r.region.adcode {
                // (a city without counties is also listed as its own county-level division:
                // 嘉峪关市 620200 and 620201)
                let same_place = index
                    .get(code)
                    .is_some_and(|&j| all[j].name == div.name && all[j].parent == Some(i));
                if !own.contains(&code) && !same_place {
                    wrong.push(format!(
                        "{}: {code} instead of {}",
                        r.agency.as_deref().unwrap_or("?"),
                        div.adcode
                    ));
                }
            }
        }
        if long.agency_key() != short.agency_key() {
            split.push(format!(
                "{:?} / {:?}",
                long.agency_key(),
                short.agency_key()
            ));
        }
        assert_eq!(summary.scope, Some(Scope::Summary), "{}", div.name);
        assert_eq!(government.scope, Some(Scope::Own), "{}", div.name);
        if government.region.adcode != Some(div.adcode) {
            continue;
        }
        exact += 1;
        let (g, s, k) = (
            government.agency_key().unwrap(),
            summary.agency_key().unwrap(),
            long.agency_key().unwrap(),
        );
        assert_ne!(
            g, s,
            "{}: the summary is not the government's series",
            div.name
        );
        for key in [g, s, k] {
            // (a city without counties is listed twice with one code: 东莞市 441900)
            match keys.get(&key) {
                Some(&j) if all[j].adcode != div.adcode => {
                    merged.push(format!("{key}: {} and {}", all[j].name, div.name))
                }
                _ => {
                    keys.insert(key, i);
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong regions: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(20)]
    );
    assert!(
        split.is_empty(),
        "{} split: {:?}",
        split.len(),
        &split[..split.len().min(20)]
    );
    assert!(
        merged.is_empty(),
        "{} merged: {:?}",
        merged.len(),
        &merged[..merged.len().min(20)]
    );
    // most divisions have a name of their own (the rest share it: 鼓楼区, 朝阳区, …)
    assert!(
        exact > 2500,
        "only {exact} divisions resolved to themselves"
    );
}

/// Every former name of the dated list (`renames.tsv`), written in a report as an old habit
/// (洪泽县科学技术局), is the successor's agency: its region is the successor or left open, never
/// another division, and its key is the successor's (the series is not split by the rename).
#[test]
fn former_names_are_their_successors_agencies() {
    let d = Divisions::get();
    let mut wrong = Vec::new();
    let mut split = Vec::new();
    let mut exact = 0;
    let rows = include_str!("../../regions/data/renames.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("year\t") && !l.trim().is_empty());
    for line in rows {
        let f: Vec<&str> = line.split('\t').collect();
        let (old, code) = (f[1], f[4]);
        let new = d.by_code(code).expect("the successor is in the table");
        // written after the successor's city, as reports do (淮安市洪泽县…)
        let city = new
            .parent
            .map(|p| d.all()[p].name)
            .filter(|_| new.level == nianbao_regions::Level::County)
            .unwrap_or("");
        let before = report(&format!("{city}{old}科学技术局"));
        let after = report(&format!("{city}{}科学技术局", new.name));
        match before.region.adcode {
            Some(c) if c == code => {
                exact += 1;
                if before.agency_key() != after.agency_key() {
                    split.push(format!(
                        "{old}: {:?} / {:?}",
                        before.agency_key(),
                        after.agency_key()
                    ));
                }
            }
            Some(c) if !code.starts_with(c.trim_end_matches("00")) => {
                wrong.push(format!("{old}: {c} instead of {code}"))
            }
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{} wrong: {wrong:?}", wrong.len());
    assert!(split.is_empty(), "{} split: {split:?}", split.len());
    assert!(
        exact > 200,
        "only {exact} former names found their successor"
    );
}
