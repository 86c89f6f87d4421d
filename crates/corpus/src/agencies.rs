//! Agencies: the distinct `agency_key`s of the corpus, numbered in the order of their first
//! documents (so the numbering, and with it the panel's order, does not depend on the order
//! reports arrive in), each printed as its first report prints it.

use std::collections::HashMap;

use crate::facts::ReportFacts;

/// Agencies by `agency_key`, numbered; each printed as its first report in path order.
#[derive(Default)]
pub struct Agencies {
    pub(crate) by_key: HashMap<String, u32>,
    pub(crate) keys: Vec<String>,
    pub(crate) names: Vec<String>,
    /// The first document of each agency so far.
    pub(crate) first: Vec<u32>,
}

impl Agencies {
    /// The number of the agency `key` (printed `name` in document `doc`).
    pub fn number(&mut self, key: String, name: String, doc: u32) -> u32 {
        match self.by_key.get(&key) {
            Some(&n) => {
                let i = n as usize;
                if doc < self.first[i] {
                    self.first[i] = doc;
                    self.names[i] = name;
                }
                n
            }
            None => {
                let n = self.keys.len() as u32;
                self.keys.push(key.clone());
                self.names.push(name);
                self.first.push(doc);
                self.by_key.insert(key, n);
                n
            }
        }
    }

    /// Numbers the agencies in the order of their first documents (so that the numbering,
    /// and with it the panel's order, does not depend on the order reports were added in),
    /// then the expected agencies never seen, in list order; renumbers `facts`. Returns the
    /// keys, the names and the expected agencies' numbers.
    pub(crate) fn finish(
        self,
        facts: &mut [ReportFacts],
        expected: Option<&[(String, String)]>,
    ) -> (Vec<String>, Vec<String>, Option<Vec<u32>>) {
        let Agencies {
            mut by_key,
            keys,
            names,
            first,
        } = self;
        let mut order: Vec<u32> = (0..keys.len() as u32).collect();
        order.sort_by_key(|&n| first[n as usize]);
        let mut new_of = vec![0u32; keys.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old as usize] = new as u32;
        }
        let mut new_keys: Vec<String> = Vec::with_capacity(keys.len());
        let mut new_names: Vec<String> = Vec::with_capacity(keys.len());
        let (mut keys, mut names): (Vec<Option<String>>, Vec<Option<String>>) = (
            keys.into_iter().map(Some).collect(),
            names.into_iter().map(Some).collect(),
        );
        for &old in &order {
            new_keys.push(keys[old as usize].take().unwrap_or_default());
            new_names.push(names[old as usize].take().unwrap_or_default());
        }
        for f in facts.iter_mut() {
            f.agency = f.agency.map(|a| new_of[a as usize]);
        }
        for v in by_key.values_mut() {
            *v = new_of[*v as usize];
        }
        let expected_ids = expected.map(|list| {
            list.iter()
                .map(|(key, name)| match by_key.get(key) {
                    Some(&n) => n,
                    None => {
                        let n = new_keys.len() as u32;
                        new_keys.push(key.clone());
                        new_names.push(name.clone());
                        by_key.insert(key.clone(), n);
                        n
                    }
                })
                .collect()
        });
        (new_keys, new_names, expected_ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Agencies are numbered by their first document, whatever order reports were added in
    /// (a nightly run adds the touched years first), and printed as that document prints them.
    #[test]
    fn agencies_are_numbered_by_their_first_document() {
        let mut book = Agencies::default();
        let mut facts = Vec::new();
        for (doc, key, name) in [(5, "k2", "B five"), (1, "k1", "A one"), (0, "k2", "B zero")] {
            facts.push(ReportFacts {
                doc,
                agency: Some(book.number(key.into(), name.into(), doc)),
                ..ReportFacts::default()
            });
        }
        let expected = [
            ("k3".to_owned(), "C".to_owned()),
            ("k1".to_owned(), "A".to_owned()),
        ];
        let (keys, names, ids) = book.finish(&mut facts, Some(&expected));
        assert_eq!(keys, ["k2", "k1", "k3"]);
        assert_eq!(names, ["B zero", "A one", "C"]);
        assert_eq!(ids, Some(vec![2, 1]));
        let agencies: Vec<Option<u32>> = facts.iter().map(|f| f.agency).collect();
        assert_eq!(agencies, [Some(0), Some(1), Some(0)]);
    }
}
