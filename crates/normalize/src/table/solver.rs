//! The exact search: every combination of the open rows' readings that satisfies the
//! column identities, pruned by interval bounds; a row is settled only when exactly one of its
//! readings occurs in all solutions. Pure: candidates and constraints in, a verdict per row out.

use super::*;

/// `constant + Σ coeff · value(row j, column)` must be 0.
pub(super) struct Constraint {
    pub(super) constant: f64,
    pub(super) terms: Vec<(usize, usize, f64)>,
}

/// What the column search says of an open row.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Solved {
    /// Exactly one reading occurs in the solutions.
    Unique(usize),
    /// Several, none, or the search could not finish: why.
    Open(String),
}

/// Most search nodes for one group of rows.
pub(super) const MAX_NODES: usize = 500_000;
/// Most candidates tried (each checked against the row's constraints) for one group of rows:
/// a node of a row with thousands of readings tries them all, so nodes alone do not bound
/// the work (a table of such rows took minutes).
pub(super) const MAX_TRIES: usize = 10_000_000;

/// The exact search over open rows' candidates (`cands[row][candidate][column]`): rows linked
/// by constraints are searched together, group by group.
pub(super) fn solve(cands: &[Vec<Vec<Option<f64>>>], cons: &[Constraint]) -> Vec<Solved> {
    let n = cands.len();
    let mut out: Vec<Solved> = vec![Solved::Open(String::new()); n];
    let p = Problem::new(cands, cons);
    for rows in p.groups() {
        if rows.iter().all(|&j| p.cons_of[j].is_empty()) {
            for &j in &rows {
                out[j] = Solved::Open(
                    "no identity of the table reaches the row, so nothing can choose among its readings"
                        .into(),
                );
            }
            continue;
        }
        let group_cons: Vec<usize> = {
            let mut v: Vec<usize> = rows.iter().flat_map(|&j| p.cons_of[j].clone()).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        // live candidates, pruned by interval bounds to a fixpoint
        let mut live: Vec<Vec<usize>> = (0..n).map(|j| (0..cands[j].len()).collect()).collect();
        p.prune(&mut live, &group_cons);
        if rows.iter().any(|&j| live[j].is_empty()) {
            for &j in &rows {
                out[j] = Solved::Open(
                    "no combination of the rows' readings satisfies the column identities".into(),
                );
            }
            continue;
        }
        let (seen, stopped) = p.search(&rows, &live, &group_cons);
        for &j in &rows {
            out[j] = verdict(&seen[j], stopped);
        }
    }
    out
}

/// The verdict on one row from the candidates seen in solutions.
fn verdict(seen: &[usize], stopped: bool) -> Solved {
    if stopped {
        return Solved::Open(format!(
            "too many combinations of readings: the search stopped at its budget ({MAX_NODES} steps or {MAX_TRIES} readings tried)"
        ));
    }
    match seen {
        [c] => Solved::Unique(*c),
        [] => Solved::Open(
            "no combination of the rows' readings satisfies the column identities".into(),
        ),
        _ => Solved::Open(format!(
            "{} of its readings are consistent with the column identities",
            if seen.len() > 2 {
                "several".to_owned()
            } else {
                "two".to_owned()
            }
        )),
    }
}

/// The rows, the constraints and what links them, with every candidate's contribution to
/// every constraint computed once.
struct Problem<'a> {
    cands: &'a [Vec<Vec<Option<f64>>>],
    cons: &'a [Constraint],
    /// Rows of each constraint (sorted, once each).
    rows_of: Vec<Vec<usize>>,
    /// Constraints of each row.
    cons_of: Vec<Vec<usize>>,
    /// `table[i][j][c]`: the contribution of candidate c of row j to constraint i (None: a
    /// blank cell, unknown); empty for a row the constraint does not reach. Dense: the
    /// search reads it for every candidate it tries.
    table: Vec<Vec<Vec<Option<f64>>>>,
}

impl<'a> Problem<'a> {
    fn new(cands: &'a [Vec<Vec<Option<f64>>>], cons: &'a [Constraint]) -> Problem<'a> {
        let contrib_of = |i: usize, j: usize, c: usize| -> Option<f64> {
            cons[i]
                .terms
                .iter()
                .filter(|t| t.0 == j)
                .map(|t| cands[j][c][t.1].map(|v| v * t.2))
                .sum()
        };
        let mut rows_of: Vec<Vec<usize>> = cons
            .iter()
            .map(|c| c.terms.iter().map(|t| t.0).collect())
            .collect();
        for r in &mut rows_of {
            r.sort_unstable();
            r.dedup();
        }
        let mut cons_of: Vec<Vec<usize>> = vec![Vec::new(); cands.len()];
        for (i, rs) in rows_of.iter().enumerate() {
            for &j in rs {
                cons_of[j].push(i);
            }
        }
        let table = rows_of
            .iter()
            .enumerate()
            .map(|(i, rs)| {
                let mut by_row = vec![Vec::new(); cands.len()];
                for &j in rs {
                    by_row[j] = (0..cands[j].len()).map(|c| contrib_of(i, j, c)).collect();
                }
                by_row
            })
            .collect();
        Problem {
            cands,
            cons,
            rows_of,
            cons_of,
            table,
        }
    }

    fn contrib(&self, i: usize, j: usize, c: usize) -> Option<f64> {
        self.table[i][j][c]
    }

    /// Groups of rows linked by constraints (union-find), in row order.
    fn groups(&self) -> Vec<Vec<usize>> {
        let n = self.cands.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(p: &mut [usize], x: usize) -> usize {
            let mut x = x;
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for rs in &self.rows_of {
            for w in rs.windows(2) {
                let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
                parent[a] = b;
            }
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut group_of: HashMap<usize, usize> = HashMap::new();
        for j in 0..n {
            let root = find(&mut parent, j);
            let g = *group_of.entry(root).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(j);
        }
        groups
    }

    /// The interval of row j's live contributions to constraint i (unbounded when one is a
    /// blank).
    fn range(&self, live: &[Vec<usize>], i: usize, j: usize) -> (f64, f64) {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for &c in &live[j] {
            match self.contrib(i, j, c) {
                Some(v) => {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
                None => return (f64::NEG_INFINITY, f64::INFINITY),
            }
        }
        (lo, hi)
    }

    /// Drops every candidate that no values of the other rows within their intervals can
    /// complete, until nothing changes. Sound: only readings that cannot be in any solution go.
    fn prune(&self, live: &mut [Vec<usize>], group_cons: &[usize]) {
        loop {
            let mut changed = false;
            for &i in group_cons {
                for &j in &self.rows_of[i] {
                    let (mut lo, mut hi) = (self.cons[i].constant, self.cons[i].constant);
                    for &o in self.rows_of[i].iter().filter(|&&o| o != j) {
                        let (a, b) = self.range(live, i, o);
                        lo += a;
                        hi += b;
                    }
                    let before = live[j].len();
                    live[j].retain(|&c| {
                        self.contrib(i, j, c)
                            .is_none_or(|v| lo + v <= 1e-6 && hi + v >= -1e-6)
                    });
                    changed |= live[j].len() != before;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The exhaustive search over a group's live candidates, fewest candidates first: the
    /// candidates of each row seen in solutions, and whether the search stopped at its budget.
    fn search(
        &self,
        rows: &[usize],
        live: &[Vec<usize>],
        group_cons: &[usize],
    ) -> (Vec<Vec<usize>>, bool) {
        let n = self.cands.len();
        // the ranges of the live candidates, computed once
        let ranges: Vec<Vec<(f64, f64)>> = (0..self.cons.len())
            .map(|i| {
                let mut by_row = vec![(0.0, 0.0); n];
                if group_cons.contains(&i) {
                    for &o in &self.rows_of[i] {
                        by_row[o] = self.range(live, i, o);
                    }
                }
                by_row
            })
            .collect();
        let mut order = rows.to_vec();
        order.sort_by_key(|&j| live[j].len());
        let mut seen: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut assign: Vec<Option<usize>> = vec![None; n];
        let mut nodes = 0usize;
        let mut tries = 0usize;
        let mut stopped = false;
        let ok = |assign: &[Option<usize>], j: usize| -> bool {
            self.cons_of[j].iter().all(|&i| {
                let (mut lo, mut hi) = (self.cons[i].constant, self.cons[i].constant);
                for &o in &self.rows_of[i] {
                    match assign[o] {
                        Some(c) => match self.contrib(i, o, c) {
                            Some(v) => {
                                lo += v;
                                hi += v;
                            }
                            None => return true,
                        },
                        None => {
                            let (a, b) = ranges[i][o];
                            lo += a;
                            hi += b;
                        }
                    }
                }
                lo <= 1e-6 && hi >= -1e-6
            })
        };
        let mut walk = Walk {
            order: &order,
            live,
            assign: &mut assign,
            seen: &mut seen,
            nodes: &mut nodes,
            tries: &mut tries,
            stopped: &mut stopped,
            ok: &ok,
        };
        walk.dfs(0);
        (seen, stopped)
    }
}

/// The depth-first walk of [`Problem::search`].
struct Walk<'w> {
    order: &'w [usize],
    live: &'w [Vec<usize>],
    assign: &'w mut [Option<usize>],
    seen: &'w mut [Vec<usize>],
    nodes: &'w mut usize,
    tries: &'w mut usize,
    stopped: &'w mut bool,
    ok: &'w dyn Fn(&[Option<usize>], usize) -> bool,
}

impl Walk<'_> {
    /// Returns true to stop (every row already has two readings, or the budget ran out).
    fn dfs(&mut self, d: usize) -> bool {
        *self.nodes += 1;
        if *self.nodes > MAX_NODES {
            *self.stopped = true;
            return true;
        }
        if d == self.order.len() {
            for &j in self.order {
                let c = self.assign[j].expect("assigned");
                if !self.seen[j].contains(&c) {
                    self.seen[j].push(c);
                }
            }
            return self.order.iter().all(|&j| self.seen[j].len() >= 2);
        }
        let j = self.order[d];
        for &c in &self.live[j] {
            *self.tries += 1;
            if *self.tries > MAX_TRIES {
                *self.stopped = true;
                self.assign[j] = None;
                return true;
            }
            self.assign[j] = Some(c);
            if (self.ok)(self.assign, j) && self.dfs(d + 1) {
                self.assign[j] = None;
                return true;
            }
        }
        self.assign[j] = None;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::{solve, Constraint, Solved};

    /// Rows with one column: `rows[j]` lists row j's readings of it.
    fn cands(rows: &[&[f64]]) -> Vec<Vec<Vec<Option<f64>>>> {
        rows.iter()
            .map(|r| r.iter().map(|&v| vec![Some(v)]).collect())
            .collect()
    }

    /// `Σ coeff · row = total`.
    fn sum(total: f64, terms: &[(usize, f64)]) -> Constraint {
        Constraint {
            constant: -total,
            terms: terms.iter().map(|&(j, c)| (j, 0, c)).collect(),
        }
    }

    fn open(s: &Solved) -> &str {
        match s {
            Solved::Open(why) => why,
            Solved::Unique(c) => panic!("settled on {c}, expected open"),
        }
    }

    #[test]
    fn the_one_reading_that_satisfies_the_identity_is_chosen() {
        // row 0 reads 5 or 50; row 1 (one reading, 5) must equal it
        let out = solve(
            &cands(&[&[5.0, 50.0], &[5.0]]),
            &[sum(0.0, &[(0, 1.0), (1, -1.0)])],
        );
        assert_eq!(out, vec![Solved::Unique(0), Solved::Unique(0)]);
        // the same with the candidates in the other order
        let out = solve(
            &cands(&[&[50.0, 5.0], &[5.0]]),
            &[sum(0.0, &[(0, 1.0), (1, -1.0)])],
        );
        assert_eq!(out[0], Solved::Unique(1));
    }

    #[test]
    fn two_solutions_settle_nothing() {
        // 1 + 2 = 3 and 2 + 1 = 3: both rows stay open, never the first candidate
        let out = solve(
            &cands(&[&[1.0, 2.0], &[2.0, 1.0]]),
            &[sum(3.0, &[(0, 1.0), (1, 1.0)])],
        );
        assert!(open(&out[0]).contains("two"), "{out:?}");
        assert!(open(&out[1]).contains("two"), "{out:?}");
    }

    #[test]
    fn a_row_no_identity_reaches_stays_open() {
        let out = solve(&cands(&[&[1.0, 10.0], &[4.0]]), &[sum(4.0, &[(1, 1.0)])]);
        assert!(open(&out[0]).contains("no identity"), "{out:?}");
        assert_eq!(out[1], Solved::Unique(0));
    }

    #[test]
    fn no_solution_settles_nothing() {
        let out = solve(&cands(&[&[1.0, 2.0]]), &[sum(5.0, &[(0, 1.0)])]);
        assert!(open(&out[0]).contains("no combination"), "{out:?}");
    }

    #[test]
    fn a_row_shared_by_two_identities_is_settled_by_both() {
        // a + b = 10 and a + c = 7 with b, c fixed: a = 7 - 4 = 3 (and 3 + 7 = 10)
        let out = solve(
            &cands(&[&[3.0, 30.0, 0.3], &[7.0], &[4.0]]),
            &[
                sum(10.0, &[(0, 1.0), (1, 1.0)]),
                sum(7.0, &[(0, 1.0), (2, 1.0)]),
            ],
        );
        assert_eq!(out[0], Solved::Unique(0));
    }

    #[test]
    fn a_blank_reading_contributes_nothing_known() {
        // row 0 reads blank or 2; row 0 + row 1 = 5 with row 1 = 3: 2 fits, but a blank cell's
        // value is unknown, so the identity cannot exclude the blank reading either: open
        let c = vec![vec![vec![None], vec![Some(2.0)]], vec![vec![Some(3.0)]]];
        let out = solve(&c, &[sum(5.0, &[(0, 1.0), (1, 1.0)])]);
        assert!(open(&out[0]).contains("two"), "{out:?}");
        assert_eq!(out[1], Solved::Unique(0));
    }

    #[test]
    fn a_search_cut_short_is_open_never_the_first_candidate() {
        // 26 rows reading 0 or 2 must sum to 27: no solution, but the bounds cannot see the
        // parity, so the search runs out of steps; every row stays open and says why
        let rows: Vec<&[f64]> = vec![&[0.0, 2.0]; 26];
        let terms: Vec<(usize, f64)> = (0..26).map(|j| (j, 1.0)).collect();
        let out = solve(&cands(&rows), &[sum(27.0, &terms)]);
        for s in &out {
            assert!(open(s).contains("too many combinations"), "{s:?}");
        }
    }
}
