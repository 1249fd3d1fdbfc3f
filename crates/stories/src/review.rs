//! Spectral bisection of a story's members, for the review that splits a
//! story which joined two look-alike events.
//!
//! A stream has to decide on the first report of a second earthquake, a
//! second arrest or a second security patch while its story holds a single
//! document, and at that moment nothing tells the new event from the old
//! one's follow-ups. Once both events have several reports, they show as two
//! groups whose members resemble each other more than the other group's. A
//! normalised cut (Shi and Malik, 2000) measures exactly that: the weight of
//! the similarities cut, relative to each side's total. Two halves of one
//! event cut about as much as they keep (a cut near 1); two events cut much
//! less.

use nalgebra::{DMatrix, SymmetricEigen};

/// A proposed split of a similarity graph's nodes into two sides.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bisection {
    /// Whether each node goes to the second side.
    pub(crate) second: Vec<bool>,
    /// The normalised cut: the cut weight over the first side's volume plus
    /// the cut weight over the second's. Between 0 and 2.
    pub(crate) ncut: f64,
}

/// The lowest normalised cut with at least `min_side` nodes on each side,
/// among the splits that order the nodes by the graph's Fiedler vector (the
/// second eigenvector of the normalised similarity matrix). `weights` is a
/// symmetric matrix of non-negative similarities; its diagonal is ignored.
/// `None` when the graph is too small for two sides of `min_side`.
pub(crate) fn bisect(weights: &DMatrix<f64>, min_side: usize) -> Option<Bisection> {
    let n = weights.nrows();
    let min_side = min_side.max(1);
    if n < 2 * min_side || weights.ncols() != n {
        return None;
    }
    let mut w = weights.clone();
    w.fill_diagonal(0.0);
    // An isolated node has no degree; a tiny one keeps the scaling finite
    // and lets the cut place it wherever it costs least.
    let degree: Vec<f64> = (0..n).map(|i| w.row(i).sum().max(1e-9)).collect();
    let scale: Vec<f64> = degree.iter().map(|d| d.sqrt().recip()).collect();
    let normalised = DMatrix::from_fn(n, n, |i, j| w[(i, j)] * scale[i] * scale[j]);
    let eigen = SymmetricEigen::new(normalised);
    let mut by_value: Vec<usize> = (0..n).collect();
    by_value.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
    let fiedler = eigen.eigenvectors.column(by_value[1]);
    let mut order: Vec<usize> = (0..n).collect();
    // Ties broken by index so that the same input always splits the same way.
    order.sort_by(|&a, &b| {
        (fiedler[a] * scale[a])
            .total_cmp(&(fiedler[b] * scale[b]))
            .then(a.cmp(&b))
    });

    let total: f64 = degree.iter().sum();
    let mut first = vec![false; n];
    let mut volume_first = 0.0;
    let mut cut = 0.0;
    let mut best: Option<(f64, usize)> = None;
    for (k, &node) in order.iter().enumerate().take(n - min_side) {
        // Moving `node` to the first side cuts its edges to the second side
        // and heals those to the first.
        let (mut to_first, mut to_second) = (0.0, 0.0);
        for j in 0..n {
            if j == node {
                continue;
            }
            if first[j] {
                to_first += w[(node, j)];
            } else {
                to_second += w[(node, j)];
            }
        }
        first[node] = true;
        volume_first += degree[node];
        cut += to_second - to_first;
        if k + 1 < min_side {
            continue;
        }
        let ncut = cut / volume_first + cut / (total - volume_first).max(1e-9);
        if best.is_none_or(|(b, _)| ncut < b) {
            best = Some((ncut, k + 1));
        }
    }
    let (ncut, size) = best?;
    let mut second = vec![true; n];
    for &node in &order[..size] {
        second[node] = false;
    }
    Some(Bisection { second, ncut })
}

/// The normalised cut of a given split: the cut weight over each side's
/// volume, summed. `second` marks the nodes of the second side.
pub(crate) fn normalised_cut(weights: &DMatrix<f64>, second: &[bool]) -> f64 {
    let n = weights.nrows();
    let (mut cut, mut volume) = (0.0, [0.0f64; 2]);
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            volume[usize::from(second[i])] += weights[(i, j)];
            if second[i] != second[j] {
                cut += weights[(i, j)];
            }
        }
    }
    // Each cut edge was counted from both ends.
    let cut = cut / 2.0;
    cut / volume[0].max(1e-9) + cut / volume[1].max(1e-9)
}

/// The graph that keeps, for each node, its edges to the `k` nodes most
/// similar to it (an edge stays when either end keeps it). A graph of `k + 1`
/// nodes or fewer is returned whole.
pub(crate) fn nearest_neighbours(weights: &DMatrix<f64>, k: usize) -> DMatrix<f64> {
    let n = weights.nrows();
    if k == 0 || n <= k + 1 {
        return weights.clone();
    }
    let mut kept = DMatrix::zeros(n, n);
    for i in 0..n {
        let mut row: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        row.sort_by(|&a, &b| weights[(i, b)].total_cmp(&weights[(i, a)]).then(a.cmp(&b)));
        for &j in row.iter().take(k) {
            kept[(i, j)] = weights[(i, j)];
            kept[(j, i)] = weights[(j, i)];
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two groups whose members resemble each other (`inside`) more than
    /// the other group (`across`).
    fn two_groups(a: usize, b: usize, inside: f64, across: f64) -> DMatrix<f64> {
        DMatrix::from_fn(a + b, a + b, |i, j| if (i < a) == (j < a) { inside } else { across })
    }

    #[test]
    fn two_events_are_cut_apart_cheaply() {
        let split = bisect(&two_groups(5, 4, 0.5, 0.1), 3).unwrap();
        let second: Vec<bool> = split.second.clone();
        assert!(second[..5].iter().all(|&s| s == second[0]), "{second:?}");
        assert!(second[5..].iter().all(|&s| s != second[0]), "{second:?}");
        assert!(split.ncut < 0.6, "{}", split.ncut);
    }

    #[test]
    fn one_event_cuts_about_as_much_as_it_keeps() {
        let split = bisect(&two_groups(9, 0, 0.4, 0.4), 3).unwrap();
        assert!(split.ncut > 0.9, "{}", split.ncut);
    }

    #[test]
    fn nearest_neighbours_keep_each_nodes_strongest_edges() {
        let w = DMatrix::from_row_slice(
            4,
            4,
            &[
                0.0, 0.9, 0.1, 0.2, 0.9, 0.0, 0.3, 0.1, 0.1, 0.3, 0.0, 0.8, 0.2, 0.1, 0.8, 0.0,
            ],
        );
        let kept = nearest_neighbours(&w, 1);
        // 0-1 and 2-3 are each other's nearest; 1-2, 0-3 and the rest go.
        assert_eq!(kept[(0, 1)], 0.9);
        assert_eq!(kept[(3, 2)], 0.8);
        assert_eq!(kept[(1, 2)], 0.0);
        assert_eq!(kept[(0, 3)], 0.0);
        assert_eq!(kept, kept.transpose());
        assert_eq!(nearest_neighbours(&w, 3), w, "small graphs stay whole");
    }

    #[test]
    fn the_cut_of_a_given_split_matches_the_bisection() {
        let w = two_groups(4, 4, 0.5, 0.1);
        let split = bisect(&w, 2).unwrap();
        assert!((normalised_cut(&w, &split.second) - split.ncut).abs() < 1e-9);
        // Any other line cuts more.
        let across: Vec<bool> = (0..8).map(|i| i % 2 == 1).collect();
        assert!(normalised_cut(&w, &across) > split.ncut);
    }

    #[test]
    fn too_small_for_two_sides_is_not_split() {
        assert!(bisect(&two_groups(3, 2, 0.5, 0.1), 3).is_none());
    }

    #[test]
    fn an_isolated_member_does_not_break_the_arithmetic() {
        let mut w = two_groups(4, 4, 0.5, 0.05);
        for j in 0..8 {
            w[(0, j)] = 0.0;
            w[(j, 0)] = 0.0;
        }
        let split = bisect(&w, 2).unwrap();
        assert!(split.ncut.is_finite());
    }
}
