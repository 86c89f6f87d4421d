//! `nianbao inspect FILE`: what was read, as a grid by canonical row and column.

use std::path::Path;

use anyhow::Result;
use nianbao_normalize::{CellStatus, Report};
use nianbao_vocab::{Section, Vocabulary};

fn mark(s: CellStatus) -> &'static str {
    match s {
        CellStatus::Stated => "",
        CellStatus::Blank => "·",
        CellStatus::Inferred => "ⁱ",
        CellStatus::Repaired => "ʳ",
        CellStatus::Ambiguous => "?",
        CellStatus::Missing => "∅",
    }
}

/// Prints the report read from a file.
pub fn inspect(path: &Path) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut r: Report = super::read_document(path, &name);
    if r.unreadable.is_none() {
        super::validate_chunk(std::slice::from_mut(&mut r))?;
    }
    println!("document     {}", path.display());
    println!("report_id    {}", r.source.report_id);
    println!("status       {}", r.status().as_str());
    if let Some(reason) = &r.unreadable {
        println!("unreadable   {reason}");
        return Ok(());
    }
    println!(
        "format       {} ({}, {})",
        r.format,
        r.encoding.unwrap_or("-"),
        r.layout.unwrap_or("-")
    );
    println!("agency       {}", r.agency.as_deref().unwrap_or("-"));
    if let Some(a) = &r.agency_in_title {
        println!("  in title   {a}");
    }
    println!(
        "report_year  {}",
        r.report_year.map_or("-".into(), |y| y.to_string())
    );
    println!("template     {}", r.template.map_or("-", |t| t.as_str()));
    println!("published_on {}", r.published_on.as_deref().unwrap_or("-"));
    println!(
        "parts        {}",
        r.sections
            .iter()
            .map(|s| s.part.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let v = Vocabulary::get();
    let t = r.template.unwrap_or(nianbao_vocab::Template::Y2021);
    for s in Section::ALL {
        println!(
            "\n{}  (· blank  ⁱ inferred  ʳ repaired  ? ambiguous  ∅ missing)",
            s.as_str()
        );
        let cols: Vec<_> = v.columns(t, s).collect();
        print!("{:<32}", "");
        for c in &cols {
            print!("{:>14}", truncate(c.key, 13));
        }
        println!();
        let mut rows: Vec<&str> = Vec::new();
        for c in r.cells.iter().filter(|c| c.section == s.as_str()) {
            if !rows.contains(&c.row) {
                rows.push(c.row);
            }
        }
        for row in rows {
            print!("{:<32}", truncate(row, 31));
            for c in &cols {
                let key = format!("{}.{row}.{}", s.as_str(), c.key);
                let cell = match r.cell(&key) {
                    Some(x) => format!("{}{}", x.value.map_or("null".into(), fmt), mark(x.status)),
                    None => String::new(),
                };
                print!("{cell:>14}");
            }
            println!();
        }
    }
    println!("\nfindings ({})", r.findings.len());
    for f in &r.findings {
        let at = f
            .source
            .as_deref()
            .map(|s| format!(" [{s}]"))
            .unwrap_or_default();
        println!(
            "  {:<7} {:<22} {}{at}",
            f.severity.as_str(),
            f.rule,
            f.message
        );
    }
    Ok(())
}

fn fmt(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}
