//! Provenance: which earlier document a copy comes from, and whether a copy
//! is being passed off as new.

const DAY: i64 = 86_400;

/// When an earlier document was seen, for choosing the original of a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    pub doc: u32,
    pub published: Option<i64>,
    pub arrival: u64,
}

/// The earliest of the documents a new one copies: by published time when
/// every candidate has one, else by arrival (a missing date cannot be
/// ordered against a present one).
pub(crate) fn earliest(candidates: &[Seen]) -> Option<Seen> {
    let all_dated = candidates.iter().all(|c| c.published.is_some());
    candidates.iter().copied().min_by_key(|c| {
        if all_dated {
            (c.published.unwrap_or(i64::MAX), c.arrival)
        } else {
            (0, c.arrival)
        }
    })
}

/// Whether a copy dated `published` is presented as new although its story
/// was already out at `story_first` (Unix seconds). Reports that are not
/// copies are re-dated by the engine from the dates in their text instead
/// (see `temporal`).
pub(crate) fn is_redated(published: Option<i64>, story_first: Option<i64>, after_days: i64) -> bool {
    match (published, story_first) {
        (Some(p), Some(first)) => p - first > after_days * DAY,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(doc: u32, published: Option<i64>, arrival: u64) -> Seen {
        Seen {
            doc,
            published,
            arrival,
        }
    }

    #[test]
    fn earliest_prefers_published_time_then_arrival() {
        let dated = [seen(1, Some(500), 1), seen(2, Some(100), 2), seen(3, Some(100), 3)];
        assert_eq!(earliest(&dated).unwrap().doc, 2);
        let mixed = [seen(1, None, 4), seen(2, Some(100), 9)];
        assert_eq!(earliest(&mixed).unwrap().doc, 1);
        assert_eq!(earliest(&[]), None);
    }

    #[test]
    fn redated_needs_both_dates_and_a_long_gap() {
        assert!(is_redated(Some(40 * DAY), Some(0), 30));
        assert!(!is_redated(Some(20 * DAY), Some(0), 30));
        assert!(!is_redated(None, Some(0), 30));
        assert!(!is_redated(Some(40 * DAY), None, 30));
    }
}
