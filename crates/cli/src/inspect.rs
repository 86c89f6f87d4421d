//! `nianbao inspect FILE`: what was read, as a grid by canonical row and column.

use nianbao_vocab::fmt_number;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
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
        CellStatus::Corrected => "✎",
    }
}

/// Prints the report read from a file.
pub(crate) fn inspect(path: &Path, opts: &nianbao_extract::ReadOptions) -> Result<()> {
    let out = render(path, opts)?;
    // A closed pipe (`nianbao inspect f | head`) is not an error.
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// A page read with its members (files of the page's folder).
fn read_page(
    path: &Path,
    page: &nianbao_pipeline::PageMembers,
    opts: &nianbao_extract::ReadOptions,
) -> Result<Report> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()));
    let bytes = read(path)?;
    let files = page
        .members
        .iter()
        .map(|(m, role)| Ok((m.as_str(), *role, read(&dir.join(m))?)))
        .collect::<Result<Vec<_>>>()?;
    let members: Vec<_> = files
        .iter()
        .map(|(m, r, b)| (*m, *r, b.as_slice()))
        .collect();
    let mut reports = nianbao_pipeline::read_page_reports(&bytes, &page.page, &members, opts)?;
    Ok(reports.swap_remove(0))
}

fn render(path: &Path, opts: &nianbao_extract::ReadOptions) -> Result<String> {
    let mut o = String::new();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // a web page is read with its pictures or attachment, as `nianbao build` of its folder
    let page = nianbao_pipeline::members_of(path, opts)?;
    let r: Report = match &page {
        Some(p) => read_page(path, p, opts)?,
        None => {
            let mut r = nianbao_pipeline::read_document(path, &name, opts);
            if r.unreadable.is_none() {
                nianbao_pipeline::validate_chunk(std::slice::from_mut(&mut r))?;
            }
            r
        }
    };
    writeln!(o, "document     {}", path.display())?;
    if let Some(p) = &page {
        for (i, (m, role)) in p.members.iter().enumerate() {
            let head = if i == 0 { "members" } else { "" };
            writeln!(o, "{head:<12} {m} ({})", role.code())?;
        }
    }
    writeln!(o, "report_id    {}", r.source.report_id)?;
    writeln!(o, "status       {}", r.status().as_str())?;
    if let Some(reason) = &r.unreadable {
        writeln!(o, "unreadable   {reason}")?;
        return Ok(o);
    }
    writeln!(
        o,
        "format       {} ({}, {})",
        r.format.as_str(),
        r.encoding.unwrap_or("-"),
        r.layout.map_or("-", |l| l.as_str())
    )?;
    writeln!(o, "agency       {}", r.agency.as_deref().unwrap_or("-"))?;
    if let Some(a) = &r.agency_in_title {
        writeln!(o, "  in title   {a}")?;
    }
    writeln!(
        o,
        "report_year  {}",
        r.report_year.map_or("-".into(), |y| y.to_string())
    )?;
    writeln!(o, "template     {}", r.template.map_or("-", |t| t.as_str()))?;
    writeln!(
        o,
        "published_on {}",
        r.published_on.as_deref().unwrap_or("-")
    )?;
    writeln!(
        o,
        "parts        {}",
        r.sections
            .iter()
            .map(|s| s.part.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    )?;
    let v = Vocabulary::get();
    let t = r.template.unwrap_or(nianbao_vocab::Template::Y2021);
    for s in Section::ALL {
        writeln!(
            o,
            "\n{}  (· blank  ⁱ inferred  ʳ repaired  ? ambiguous  ∅ missing)",
            s.as_str()
        )?;
        let cols: Vec<_> = v.columns(t, s).collect();
        write!(o, "{:<32}", "")?;
        for c in &cols {
            write!(o, "{:>14}", truncate(c.key, 13))?;
        }
        writeln!(o)?;
        let mut rows: Vec<&str> = Vec::new();
        for c in r.cells.iter().filter(|c| c.section == s.as_str()) {
            if !rows.contains(&c.row) {
                rows.push(c.row);
            }
        }
        for row in rows {
            write!(o, "{:<32}", truncate(row, 31))?;
            for c in &cols {
                let key = format!("{}.{row}.{}", s.as_str(), c.key);
                let cell = match r.cell(&key) {
                    Some(x) => format!(
                        "{}{}",
                        x.value.map_or("null".into(), fmt_number),
                        mark(x.status)
                    ),
                    None => String::new(),
                };
                write!(o, "{cell:>14}")?;
            }
            writeln!(o)?;
        }
    }
    writeln!(o, "\nfindings ({})", r.findings.len())?;
    for f in &r.findings {
        let at = f
            .source
            .as_deref()
            .map(|s| format!(" [{s}]"))
            .unwrap_or_default();
        writeln!(
            o,
            "  {:<7} {:<22} {}{at}",
            f.severity.as_str(),
            f.rule,
            f.message
        )?;
    }
    Ok(o)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}
