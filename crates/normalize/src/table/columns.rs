//! Settling rows with the column identities: what a row alone cannot settle is searched
//! with the table's identities (the exact search is the `solver`), and repairs another
//! identity contradicts are withdrawn.

use super::*;

/// Settles rows with several readings by the column identities of the whole table.
///
/// An exact search, not a heuristic: the open rows are split into groups that share an
/// identity; within a group, readings no combination can satisfy are pruned by interval
/// bounds, then every combination that satisfies all identities is enumerated (with the same
/// bounds). A row is settled only when exactly one of its readings occurs in the solutions and
/// the search finished. A row no identity reaches, a search over its budget, a table whose own
/// fixed cells already break an identity, or no solution at all: the row stays ambiguous with
/// the reason in `open_note`.
pub(super) fn resolve_with_columns(reads: &mut [RowRead], identities: &[nianbao_vocab::Identity]) {
    for r in reads.iter_mut() {
        if let Some(x) = &r.readings {
            if x.truncated {
                r.open_note = x.note.clone();
            } else if x.candidates.len() == 1 {
                r.chosen = Some(0);
            }
        }
    }
    let open: Vec<usize> = (0..reads.len())
        .filter(|&i| {
            reads[i]
                .readings
                .as_ref()
                .is_some_and(|x| x.candidates.len() > 1 && !x.truncated)
        })
        .collect();
    if open.is_empty() {
        return;
    }
    // Fixed values: chosen rows. Cells of open, truncated or missing rows, and blank cells,
    // are unknown; an identity with an unknown fixed cell constrains nothing here.
    let mut known: HashMap<&str, f64> = HashMap::new();
    for r in reads.iter() {
        if let (Some(c), Some(x)) = (r.chosen, &r.readings) {
            for (k, cell) in r.keys.iter().zip(&x.candidates[c]) {
                if let Some(v) = cell.value {
                    known.insert(k, v);
                }
            }
        }
    }
    let mut slot: HashMap<&str, (usize, usize)> = HashMap::new(); // key -> (open index, column)
    for (j, &i) in open.iter().enumerate() {
        for (c, k) in reads[i].keys.iter().enumerate() {
            slot.insert(k, (j, c));
        }
    }
    // The table's own fixed cells must obey the identities before they can be evidence.
    let broken: Vec<&nianbao_vocab::Identity> = identities
        .iter()
        .filter(|id| {
            id.residual(|k| known.get(k).copied())
                .is_some_and(|r| r.abs() > 1e-6)
        })
        .collect();
    // Linear constraints over the open rows: const + Σ coeff·cell = 0.
    let cons = if broken.is_empty() {
        constraints(identities, &known, &slot)
    } else {
        Vec::new()
    };
    let cands: Vec<Vec<Vec<Option<f64>>>> = open
        .iter()
        .map(|&i| {
            reads[i]
                .readings
                .as_ref()
                .map(|x| {
                    x.candidates
                        .iter()
                        .map(|r| r.iter().map(|c| c.value).collect())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let outcome = solve(&cands, &cons);
    distrust_repairs_beside_infeasible(reads, &open, &outcome, identities);
    for (j, &i) in open.iter().enumerate() {
        let r = &mut reads[i];
        match &outcome[j] {
            Solved::Unique(c) => {
                r.chosen = Some(*c);
                r.settled_by_columns = true;
            }
            Solved::Open(why) => {
                r.open_note = Some(if broken.is_empty() {
                    why.clone()
                } else {
                    format!(
                        "the table's own numbers break {} ({}), so its identities cannot settle the row",
                        broken[0].rule,
                        broken[0].describe()
                    )
                });
            }
        }
    }
}

/// The identities as constraints over the open rows' cells (`slot`: key → open row, column),
/// with the known cells as constants; an identity with an unknown cell outside the open rows
/// constrains nothing.
fn constraints(
    identities: &[nianbao_vocab::Identity],
    known: &HashMap<&str, f64>,
    slot: &HashMap<&str, (usize, usize)>,
) -> Vec<Constraint> {
    let mut cons: Vec<Constraint> = Vec::new();
    for id in identities {
        let mut c = Constraint {
            constant: 0.0,
            terms: Vec::new(),
        };
        let mut usable = true;
        for (coeff, k) in id
            .lhs
            .iter()
            .map(|k| (1.0, *k))
            .chain(id.rhs.iter().map(|k| (-1.0, *k)))
        {
            if let Some(&(j, col)) = slot.get(k) {
                c.terms.push((j, col, coeff));
            } else if let Some(v) = known.get(k) {
                c.constant += coeff * v;
            } else {
                usable = false;
                break;
            }
        }
        if usable && !c.terms.is_empty() {
            cons.push(c);
        }
    }
    cons
}

/// No combination of the open rows' readings fits: some fixed number is wrong, or the
/// document breaks its identities. A repair among the fixed rows that share an identity with
/// such a row is then not trusted.
fn distrust_repairs_beside_infeasible(
    reads: &mut [RowRead],
    open: &[usize],
    outcome: &[Solved],
    identities: &[nianbao_vocab::Identity],
) {
    let infeasible: Vec<&str> = open
        .iter()
        .zip(outcome)
        .filter(|(_, o)| matches!(o, Solved::Open(w) if w.starts_with("no combination")))
        .flat_map(|(&i, _)| reads[i].keys.iter().copied())
        .collect();
    if !infeasible.is_empty() {
        let linked: Vec<&str> = identities
            .iter()
            .filter(|id| id.keys().any(|k| infeasible.contains(&k)))
            .flat_map(|id| id.keys())
            .collect();
        for r in reads.iter_mut() {
            let repaired = r.chosen.is_some()
                && r.readings
                    .as_ref()
                    .is_some_and(|x| !matches!(x.mode, Mode::Exact | Mode::Positional));
            if repaired && !one_digit_per_cell(r) && r.keys.iter().any(|k| linked.contains(k)) {
                r.chosen = None;
                r.open_note = Some(
                    "its only reading leaves no combination of the table's other rows that satisfies the column identities"
                        .into(),
                );
            }
        }
    }
}

/// A repaired row whose reading gives every column one digit of a run as long as the row has
/// columns (`6000017` → 6|0|0|0|0|1|7): the run leaves no other reading, whatever the table's
/// other numbers say. A table whose own arithmetic is wrong keeps such rows; the broken
/// identity is the document's error, reported by validation as for a clean table.
fn one_digit_per_cell(r: &RowRead) -> bool {
    let (Some(c), Some(x)) = (r.chosen, &r.readings) else {
        return false;
    };
    x.mode == Mode::Split
        && x.candidates.len() == 1
        && x.candidates[c].iter().all(|cell| {
            cell.value.is_some()
                && cell
                    .raw
                    .is_some_and(|raw| raw.len() == 1 && raw.as_bytes()[0].is_ascii_digit())
        })
}

/// A repair must agree with every identity of the table that reaches it: a repaired row in an
/// identity that the final numbers break is withdrawn (ambiguous, with the identity named). A
/// repair that only its own row could check is not trusted against a table that says otherwise
/// — unless its run gives one digit per column (see [`one_digit_per_cell`]).
pub(super) fn withdraw_inconsistent_repairs(
    reads: &mut [RowRead],
    identities: &[nianbao_vocab::Identity],
) {
    let repaired = |r: &RowRead| {
        r.chosen.is_some()
            && r.readings
                .as_ref()
                .is_some_and(|x| !matches!(x.mode, Mode::Exact | Mode::Positional))
    };
    let mut values: HashMap<&str, f64> = HashMap::new();
    for r in reads.iter() {
        if let (Some(c), Some(x)) = (r.chosen, &r.readings) {
            for (k, cell) in r.keys.iter().zip(&x.candidates[c]) {
                if let Some(v) = cell.value {
                    values.insert(k, v);
                }
            }
        }
    }
    for id in identities {
        // Cells not known yet are counts ≥ 0: a side with an unknown cell has no upper bound.
        let side = |keys: &[&str]| -> (f64, bool) {
            let known: f64 = keys.iter().filter_map(|k| values.get(k)).sum();
            (known, keys.iter().any(|k| !values.contains_key(k)))
        };
        let (l, l_open) = side(&id.lhs);
        let (r, r_open) = side(&id.rhs);
        let broken = (l > r + 1e-6 && !r_open) || (r > l + 1e-6 && !l_open);
        if !broken {
            continue;
        }
        for r in reads.iter_mut() {
            if repaired(r)
                && !one_digit_per_cell(r)
                && r.keys.iter().any(|k| id.keys().any(|x| x == *k))
            {
                r.chosen = None;
                r.settled_by_columns = false;
                r.open_note = Some(format!(
                    "its only reading breaks the identity {} of the table ({})",
                    id.rule,
                    id.describe()
                ));
            }
        }
    }
}
