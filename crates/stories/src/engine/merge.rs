//! Headline stories that are one event: after a short document joins a
//! story, that story is judged against the other stories the document's
//! terms found, story against story, and merged with those whose headline
//! profiles agree.
//!
//! A headline that shares only its event's name with a story gets too
//! little evidence to join it (one term may not carry a join, see
//! `Config::short_term_cap`), so it starts a story of its own, and later
//! headlines like it join that one. The halves grow apart until their
//! profiles show what single headlines could not: both are told by the
//! same few names. [`profile_cosine`] measures that, on the share of each
//! story's headlines holding each term, weighted by rarity, so that a
//! word every story uses counts for little and a stray word of one
//! headline for little more. The pass is bounded: it looks only at the
//! candidate stories already found for the new document (at most
//! `Config::max_candidates`), within the short window (see `StoryEngine::short_window`), and only at
//! stories mostly of short members, so full texts keep their own rules.

use super::StoryEngine;
use crate::terms::{Sparse, Vocabulary};

/// The cosine of two stories' headline profiles (`(members holding each
/// term, members with a headline)`), each term's share of the story's
/// headlines weighted by its rarity ([`Vocabulary::rarity`]). 0 when
/// either story has no headline.
pub(super) fn profile_cosine(a: (&Sparse, u32), b: (&Sparse, u32), vocab: &Vocabulary) -> f32 {
    let ((pa, na), (pb, nb)) = (a, b);
    if na == 0 || nb == 0 {
        return 0.0;
    }
    let weight = |t: u32, held: f32, n: u32| vocab.rarity(t) * (held / n as f32).clamp(0.0, 1.0);
    let norm = |p: &Sparse, n: u32| p.iter().map(|&(t, h)| weight(t, h, n).powi(2)).sum::<f32>().sqrt();
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < pa.len() && j < pb.len() {
        match pa[i].0.cmp(&pb[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let t = pa[i].0;
                dot += weight(t, pa[i].1, na) * weight(t, pb[j].1, nb);
                i += 1;
                j += 1;
            }
        }
    }
    let (x, y) = (norm(pa, na), norm(pb, nb));
    if x <= 0.0 || y <= 0.0 {
        return 0.0;
    }
    (dot / (x * y)).clamp(0.0, 1.0)
}

impl StoryEngine {
    /// Whether most of the members a story holds are short documents.
    fn of_headlines(&self, id: u32) -> bool {
        self.stories.get(&id).is_some_and(|s| {
            let short = s.members.iter().filter(|m| m.short).count();
            2 * short > s.members.len()
        })
    }

    /// Merges story `b` with story `a` when both are stories of headlines
    /// dated within the short window (see `StoryEngine::short_window`) of each other, at least one
    /// is still open, and their profiles agree from
    /// `Config::short_story_cosine` (see [`profile_cosine`]). Two open
    /// stories that fit in one open story merge as a reunion does; else
    /// the smaller open one moves into the other, which keeps its key.
    pub(super) fn merge_headline_stories(&mut self, a: u32, b: u32) {
        let cfg = &self.config;
        if a == b {
            return;
        }
        let (Some(sa), Some(sb)) = (self.stories.get(&a), self.stories.get(&b)) else {
            return;
        };
        if sa.evicted || sb.evicted {
            return;
        }
        if !self.within_short_window(sa.dates(), sb) {
            return;
        }
        let (open_a, open_b) = (sa.open(cfg.review_members), sb.open(cfg.review_members));
        if !open_a && !open_b {
            return;
        }
        let fits = open_a && open_b && sa.members.len() + sb.members.len() <= cfg.review_members;
        let smaller_a = sa.size <= sb.size;
        // The cheap test first: it holds for few of the candidates.
        if !self.of_headlines(a) || !self.of_headlines(b) {
            return;
        }
        let s = profile_cosine(
            (&sa.headline_terms, sa.headlined),
            (&sb.headline_terms, sb.headlined),
            &self.vocab,
        );
        if s < cfg.short_story_cosine {
            return;
        }
        if fits {
            self.merge_stories(a, b);
        } else if open_a && (!open_b || smaller_a) {
            self.absorb(b, a);
        } else {
            self.absorb(a, b);
        }
    }

    /// Moves every member of the open story `gone` into `keep`, which may
    /// be closed: its sums grow by theirs, it keeps its key, and, once
    /// closed, only its latest `Config::members_kept` members.
    pub(super) fn absorb(&mut self, keep: u32, gone: u32) {
        if keep == gone || !self.stories.contains_key(&keep) {
            return;
        }
        let Some(mut removed) = self.stories.remove(&gone) else {
            return;
        };
        if self.story_by_key.get(&removed.key) == Some(&gone) {
            self.story_by_key.remove(&removed.key);
        }
        let moved: Vec<u32> = removed.members.iter().map(|m| m.doc).collect();
        let (cap, kept, review) = (
            self.config.centroid_terms,
            self.config.members_kept,
            self.config.review_members,
        );
        let Some(story) = self.stories.get_mut(&keep) else {
            return;
        };
        for m in &removed.members {
            story.add_to_sums(&m.contribution());
        }
        story.size += removed.size;
        story.held_docs += removed.held_docs;
        story.last_arrival = story.last_arrival.max(removed.last_arrival);
        story.members.extend(removed.members.drain(..));
        story.members.make_contiguous().sort_by_key(|m| m.arrival);
        if !story.open(review) {
            while story.members.len() > kept {
                story.members.pop_front();
            }
            story.fit_members(kept);
        }
        story.prune_sums(cap, &self.vocab);
        for &d in &moved {
            if let Some(r) = self.docs.get_mut(&d) {
                r.story = keep;
            }
        }
        self.index_members(keep, &moved);
        self.revised.extend(moved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::vocab_of;

    #[test]
    fn halves_told_by_one_name_agree_and_a_stray_word_does_not() {
        // Term 0 is a common word; term 1 the event's name; 2 to 5 words of
        // single headlines.
        let mut docs: Vec<&[u32]> = vec![&[0]; 30];
        docs.extend([&[1, 2][..], &[1, 3], &[1], &[1, 4], &[1, 5], &[0, 5]]);
        let vocab = vocab_of(&docs, 6);
        let big: Sparse = vec![(0, 1.0), (1, 4.0), (2, 1.0), (3, 1.0)];
        let half: Sparse = vec![(1, 2.0), (4, 1.0)];
        let agree = profile_cosine((&big, 4), (&half, 2), &vocab);
        // Another story that shares a stray word and the common one.
        let other: Sparse = vec![(0, 2.0), (3, 1.0), (5, 2.0)];
        let stray = profile_cosine((&big, 4), (&other, 2), &vocab);
        assert!(agree > 0.5, "{agree}");
        assert!(stray < 0.25, "{stray}");
        assert!(agree <= 1.0 && stray >= 0.0);
        assert_eq!(profile_cosine((&big, 0), (&half, 2), &vocab), 0.0);
        assert_eq!(profile_cosine((&big, 4), (&Vec::new(), 2), &vocab), 0.0);
    }

    #[test]
    fn the_cosine_is_symmetric_and_one_for_equal_profiles() {
        let docs: Vec<&[u32]> = vec![&[0], &[1], &[0, 1], &[2]];
        let vocab = vocab_of(&docs, 3);
        let a: Sparse = vec![(0, 1.0), (1, 2.0)];
        let b: Sparse = vec![(1, 1.0), (2, 1.0)];
        let ab = profile_cosine((&a, 2), (&b, 1), &vocab);
        let ba = profile_cosine((&b, 1), (&a, 2), &vocab);
        assert!((ab - ba).abs() < 1e-6);
        assert!((profile_cosine((&a, 2), (&a, 2), &vocab) - 1.0).abs() < 1e-5);
    }
}
