//! The measurement behind the corpus layer's choice of tools (BENCHMARKS.md, "The corpus layer:
//! where polars, where not"): the panel built by `build_panel` (plain Rust over the facts)
//! against the same core written as a polars query (choose a report per agency and year, join
//! each year to the year before, the carry-over comparisons and the headline changes).
//!
//! ```sh
//! cargo run --release -p nianbao-corpus --example panel_polars -- 1000000 [rust|polars]
//! ```
//!
//! With `rust` or `polars` only that one runs (to measure its peak memory on its own, e.g.
//! under `/usr/bin/time -v`).

use std::time::Instant;

use nianbao_corpus::facts::{figure_keys, ReportFacts, N_FIGURES};
use nianbao_corpus::panel::build_panel;
use nianbao_vocab::{Template, HEADLINES};
use polars::prelude::*;

/// `n` facts: agencies of five years each, one report in fifty with a second document.
fn facts(n: usize) -> Vec<ReportFacts> {
    let mut out = Vec::with_capacity(n);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut doc = 0u32;
    while out.len() < n {
        let agency = doc / 5;
        let year = 2019 + (doc % 5) as i32;
        let copies = if next() % 50 == 0 { 2 } else { 1 };
        for _ in 0..copies {
            let mut figures = [f32::NAN; N_FIGURES];
            for f in figures.iter_mut() {
                *f = (next() % 40) as f32;
            }
            out.push(ReportFacts {
                doc: out.len() as u32,
                content: Some(out.len() as u32),
                agency: Some(agency),
                report_year: Some(year),
                template: Some(Template::Y2021),
                status: (next() % 3) as u8,
                published: 20_240_101 + (next() % 28) as u32,
                figures,
                quality: [0; nianbao_corpus::facts::N_QUALITY],
            });
        }
        doc += 1;
    }
    out.truncate(n);
    out
}

fn polars_panel(facts: &[ReportFacts]) -> PolarsResult<DataFrame> {
    let keys = figure_keys();
    let mut columns: Vec<Column> = vec![
        Column::new(
            "doc".into(),
            facts.iter().map(|f| f.doc).collect::<Vec<_>>(),
        ),
        Column::new(
            "agency".into(),
            facts.iter().map(|f| f.agency).collect::<Vec<_>>(),
        ),
        Column::new(
            "year".into(),
            facts.iter().map(|f| f.report_year).collect::<Vec<_>>(),
        ),
        Column::new(
            "status".into(),
            facts
                .iter()
                .map(|f| u32::from(f.status))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "published".into(),
            facts.iter().map(|f| f.published).collect::<Vec<_>>(),
        ),
    ];
    let name = |i: usize| format!("f{i}");
    for (i, _) in keys.iter().enumerate() {
        columns.push(Column::new(
            name(i).into(),
            facts
                .iter()
                .map(|f| (!f.figures[i].is_nan()).then_some(f.figures[i]))
                .collect::<Vec<_>>(),
        ));
    }
    let df = DataFrame::new(facts.len(), columns)?;
    let chosen = df
        .lazy()
        .filter(col("agency").is_not_null().and(col("year").is_not_null()))
        .sort_by_exprs(
            [
                col("agency"),
                col("year"),
                col("status"),
                col("published"),
                col("doc"),
            ],
            SortMultipleOptions::default()
                .with_order_descending_multi([false, false, false, true, false]),
        )
        .group_by_stable([col("agency"), col("year")])
        .agg([
            all().as_expr().first(),
            col("doc").count().alias("n_reports"),
        ]);
    // the year before: carried_forward (figures 7..14) and the headlines (30..38)
    let mut prev_cols = vec![col("agency"), (col("year") + lit(1)).alias("year")];
    prev_cols.extend((7..14).map(|i| col(name(i)).alias(format!("prev_{i}"))));
    prev_cols.extend((30..30 + HEADLINES.len()).map(|i| col(name(i)).alias(format!("prev_{i}"))));
    let prev = chosen.clone().select(prev_cols);
    let mut checks: Vec<Expr> = (0..7)
        .map(|c| {
            col(format!("prev_{}", 7 + c))
                .neq(col(name(c)))
                .alias(format!("carry_{c}"))
        })
        .collect();
    checks.extend(
        (30..30 + HEADLINES.len())
            .map(|i| (col(name(i)) - col(format!("prev_{i}"))).alias(format!("change_{i}"))),
    );
    chosen
        .join(
            prev,
            [col("agency"), col("year")],
            [col("agency"), col("year")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(checks)
        .collect()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let only = std::env::args().nth(2).unwrap_or_default();
    let facts = facts(n);
    let t = Instant::now();
    if only == "polars" {
        let df = polars_panel(&facts).expect("polars panel");
        println!(
            "{n} facts, {} panel rows: polars core {:.3} s",
            df.height(),
            t.elapsed().as_secs_f64()
        );
        return;
    }
    let rust = build_panel(&facts, None);
    let rust_s = t.elapsed().as_secs_f64();
    if only == "rust" {
        println!(
            "{n} facts, {} panel rows: build_panel {rust_s:.3} s",
            rust.rows.len()
        );
        return;
    }
    let t = Instant::now();
    let df = polars_panel(&facts).expect("polars panel");
    let polars_s = t.elapsed().as_secs_f64();
    assert_eq!(
        df.height(),
        rust.rows.len(),
        "both choose one report per agency and year"
    );
    println!(
        "{n} facts, {} panel rows: build_panel {rust_s:.3} s (with coverage and every cross-year rule); polars core {polars_s:.3} s",
        rust.rows.len()
    );
}
