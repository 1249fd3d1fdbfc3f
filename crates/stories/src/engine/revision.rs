//! Revision of open stories: a review that splits a story in two, and the
//! reunion of two stories that are one.

use std::collections::VecDeque;

use super::scoring::DateRange;
use super::{short, Member, StoryEngine, ANCHOR_TERMS};
use crate::hash::FastSet;
use crate::review;
use crate::terms::{self, DenseQuery};

impl StoryEngine {
    /// Reviews an open story at its checkpoints: when its originals fall
    /// into two groups with a normalised cut below `Config::split_cut`, the
    /// group without the first report leaves as a new story, and its
    /// members' moves are listed in [`StoryEngine::revised`]. Copies go
    /// where their original goes, and do not count as evidence: a wire
    /// story and its copies would otherwise look like a tight group of
    /// their own. Short members (headlines) are no evidence either: two
    /// headlines of one event share a word or two, so a graph of them cuts
    /// cheaply anywhere. Each goes to the side whose texts it resembles
    /// more, and stays when it resembles neither.
    pub(super) fn review(&mut self, id: u32) {
        let cfg = &self.config;
        let min_side = cfg.split_min_side.max(1);
        let Some(story) = self.stories.get(&id) else {
            return;
        };
        let size = story.size as usize;
        if story.evicted || !story.open(cfg.review_members) || size < 2 * min_side || !at_checkpoint(size, min_side) {
            return;
        }
        let copy_of = |m: &Member| self.docs.get(&m.doc).and_then(|r| r.copy_of_doc);
        let originals: Vec<&Member> = story
            .members
            .iter()
            .filter(|m| copy_of(m).is_none() && !m.short)
            .collect();
        if originals.len() < 2 * min_side {
            return;
        }
        let mut dense = std::mem::take(&mut self.dense_query);
        let weights = self.similarity_graph(&mut dense, &originals);
        let weights = review::nearest_neighbours(&weights, cfg.review_neighbours);
        let Some(split) = review::bisect(&weights, min_side) else {
            self.dense_query = dense;
            return;
        };
        if split.ncut >= f64::from(cfg.split_cut) {
            self.dense_query = dense;
            return;
        }
        let mut leaving: FastSet<u32> = originals
            .iter()
            .zip(&split.second)
            .filter(|(_, &second)| second)
            .map(|(m, _)| m.doc)
            .collect();
        // Short originals go with the side whose texts they resemble more.
        let headlines: Vec<&Member> = story
            .members
            .iter()
            .filter(|m| copy_of(m).is_none() && m.short)
            .collect();
        for m in headlines {
            dense.load(m.fields.as_ref(), &self.vocab);
            let mut sums = [0.0f32; 2];
            for (o, &second) in originals.iter().zip(&split.second) {
                let s = self.field_similarity(&dense, o.fields.as_ref(), o.norms).unwrap_or(0.0);
                sums[usize::from(second)] += s.max(0.0);
            }
            let sides = [
                split.second.iter().filter(|&&b| !b).count(),
                split.second.iter().filter(|&&b| b).count(),
            ];
            let mean = |k: usize| sums[k] / sides[k].max(1) as f32;
            if mean(1) > mean(0) {
                leaving.insert(m.doc);
            }
        }
        self.dense_query = dense;
        let originals: Vec<&Member> = story.members.iter().filter(|m| copy_of(m).is_none()).collect();
        // The side with the first report keeps the story and its key.
        let first = story.members.front().map(|m| m.doc);
        if first.is_some_and(|d| leaving.contains(&d)) {
            leaving = originals
                .iter()
                .map(|m| m.doc)
                .filter(|d| !leaving.contains(d))
                .collect();
        }
        let follows = story
            .members
            .iter()
            .filter(|m| copy_of(m).is_some_and(|o| leaving.contains(&o)))
            .map(|m| m.doc)
            .collect::<Vec<_>>();
        leaving.extend(follows);
        self.split_story(id, &leaving);
    }

    /// Merges two open stories that a new document resembles both when the
    /// review would not split their union along the line between them: the
    /// same test that splits a story, run the other way.
    pub(super) fn reunite(&mut self, a: u32, b: u32) {
        let cfg = &self.config;
        let min_side = cfg.split_min_side.max(1);
        let (Some(sa), Some(sb)) = (self.stories.get(&a), self.stories.get(&b)) else {
            return;
        };
        if sa.evicted || sb.evicted || !sa.open(cfg.review_members) || !sb.open(cfg.review_members) {
            return;
        }
        // Cheap bounds first: this runs for every document that two open
        // stories would take.
        let union = sa.members.len() + sb.members.len();
        if union > cfg.review_members || union < cfg.reunite_min_members || !at_checkpoint(union, min_side) {
            return;
        }
        let copy_of = |m: &Member| self.docs.get(&m.doc).and_then(|r| r.copy_of_doc);
        let originals: Vec<(&Member, bool)> = sa
            .members
            .iter()
            .map(|m| (m, false))
            .chain(sb.members.iter().map(|m| (m, true)))
            .filter(|(m, _)| copy_of(m).is_none() && !m.short)
            .collect();
        let in_b = originals.iter().filter(|(_, side)| *side).count();
        if in_b < min_side || originals.len() - in_b < min_side {
            return;
        }
        if originals.len() < cfg.reunite_min_members {
            return;
        }
        let mut dense = std::mem::take(&mut self.dense_query);
        let members: Vec<&Member> = originals.iter().map(|(m, _)| *m).collect();
        let weights = review::nearest_neighbours(&self.similarity_graph(&mut dense, &members), cfg.review_neighbours);
        self.dense_query = dense;
        let second: Vec<bool> = originals.iter().map(|(_, side)| *side).collect();
        if review::normalised_cut(&weights, &second) < f64::from(cfg.split_cut) {
            return;
        }
        self.merge_stories(a, b);
    }

    /// Takes a lone document into the story a new document just joined,
    /// when the new document was judged against both and the lone one's
    /// story was its runner-up: the lone document started a story of its
    /// own because its story had not yet formed (an early arrival), and if
    /// the grown story now reaches `Config::join_threshold` for it, as a
    /// new arrival would be judged, it belongs there. Only full texts, and
    /// only a story of one document that is not a copy.
    pub(super) fn adopt_lone(&mut self, own: u32, lone: u32) {
        let cfg = &self.config;
        let (Some(story), Some(single)) = (self.stories.get(&own), self.stories.get(&lone)) else {
            return;
        };
        if own == lone || story.evicted || single.evicted || !story.open(cfg.review_members) {
            return;
        }
        if single.members.len() != 1 || single.size != 1 {
            return;
        }
        let member = &single.members[0];
        if member.short || self.docs.get(&member.doc).is_none_or(|r| r.copy_of_doc.is_some()) {
            return;
        }
        let range = DateRange::at(member.published);
        let mut dense = std::mem::take(&mut self.dense_query);
        dense.load(member.fields.as_ref(), &self.vocab);
        let similarity = self.similarity(&dense, range, story);
        self.dense_query = dense;
        if similarity.is_some_and(|s| s >= self.config.join_threshold) {
            self.absorb(own, lone);
        }
    }

    /// Merges two open stories of headlines that a new headline's profile
    /// claims both, when their own profiles agree: the rare terms most of
    /// one story's headlines hold, most of the other's hold too (see
    /// `short::profile_overlap`). Two stories of one event, begun apart
    /// because their first headlines shared no word, so become one whatever
    /// order their headlines came in.
    pub(super) fn reunite_headlines(&mut self, a: u32, b: u32) {
        let cfg = &self.config;
        let (Some(sa), Some(sb)) = (self.stories.get(&a), self.stories.get(&b)) else {
            return;
        };
        if sa.evicted || sb.evicted || !sa.open(cfg.review_members) || !sb.open(cfg.review_members) {
            return;
        }
        if !self.within_short_window(sa.dates(), sb) {
            return;
        }
        if sa.members.len() + sb.members.len() > cfg.review_members {
            return;
        }
        let overlap = short::profile_overlap(
            (&sa.headline_terms, sa.headlined),
            (&sb.headline_terms, sb.headlined),
            &self.vocab,
        );
        if overlap >= cfg.short_merge_threshold {
            self.merge_stories(a, b);
        }
    }

    /// Moves the members of one of two open stories into the other, the
    /// story with the earlier first report keeping its key.
    pub(super) fn merge_stories(&mut self, a: u32, b: u32) {
        let (Some(sa), Some(sb)) = (self.stories.get(&a), self.stories.get(&b)) else {
            return;
        };
        let (keep, gone) = if sa.members.front().map(|m| m.arrival) <= sb.members.front().map(|m| m.arrival) {
            (a, b)
        } else {
            (b, a)
        };
        let Some(mut removed) = self.stories.remove(&gone) else {
            return;
        };
        if self.story_by_key.get(&removed.key) == Some(&gone) {
            self.story_by_key.remove(&removed.key);
        }
        let moved: Vec<u32> = removed.members.iter().map(|m| m.doc).collect();
        let story = self.stories.get_mut(&keep).expect("checked above");
        story.members.extend(removed.members.drain(..));
        story.members.make_contiguous().sort_by_key(|m| m.arrival);
        self.rebuild(keep);
        for &d in &moved {
            if let Some(r) = self.docs.get_mut(&d) {
                r.story = keep;
            }
        }
        self.index_members(keep, &moved);
        self.revised.extend(moved);
    }

    /// The similarity graph of members: each pair's field-weighted cosine.
    pub(super) fn similarity_graph(&self, dense: &mut DenseQuery, members: &[&Member]) -> nalgebra::DMatrix<f64> {
        let n = members.len();
        let mut weights = nalgebra::DMatrix::<f64>::zeros(n, n);
        for (i, a) in members.iter().enumerate() {
            dense.load(a.fields.as_ref(), &self.vocab);
            for (j, other) in members.iter().enumerate().skip(i + 1) {
                let s = self
                    .field_similarity(dense, other.fields.as_ref(), other.norms)
                    .unwrap_or(0.0)
                    .max(0.0);
                weights[(i, j)] = f64::from(s);
                weights[(j, i)] = f64::from(s);
            }
        }
        weights
    }

    /// Moves the members in `leaving` out of story `id` into a new story
    /// keyed by the first of them, and rebuilds both stories from their
    /// members.
    pub(super) fn split_story(&mut self, id: u32, leaving: &FastSet<u32>) {
        let Some(story) = self.stories.get_mut(&id) else {
            return;
        };
        let (moved, stayed): (VecDeque<Member>, VecDeque<Member>) = std::mem::take(&mut story.members)
            .into_iter()
            .partition(|m| leaving.contains(&m.doc));
        story.members = stayed;
        let Some(key) = moved.front().and_then(|m| self.docs.get(&m.doc)).map(|r| r.id.clone()) else {
            let story = self.stories.get_mut(&id).expect("looked up above");
            story.members.extend(moved);
            story.members.make_contiguous().sort_by_key(|m| m.arrival);
            return;
        };
        let key = if self.story_by_key.contains_key(&key) {
            format!("{key}#{}", self.next_story)
        } else {
            key
        };
        let new = self.new_story(key);
        self.stories.get_mut(&new).expect("just made").members = moved;
        for c in [id, new] {
            self.rebuild(c);
        }
        let moved_docs: Vec<u32> = self.stories[&new].members.iter().map(|m| m.doc).collect();
        for &d in &moved_docs {
            if let Some(r) = self.docs.get_mut(&d) {
                r.story = new;
            }
        }
        self.index_members(new, &moved_docs);
        self.revised.extend(moved_docs);
    }

    /// Files a story under the heaviest terms of those of its members that
    /// are in `docs`, as `insert` files a new member.
    pub(super) fn index_members(&mut self, id: u32, docs: &[u32]) {
        let Some(story) = self.stories.get(&id) else {
            return;
        };
        let terms: Vec<u32> = story
            .members
            .iter()
            .filter(|m| docs.contains(&m.doc))
            .flat_map(|m| {
                let mut query = m.fields.body.clone();
                terms::add_into(&mut query, &m.fields.title);
                terms::add_into(&mut query, &m.fields.names);
                let mut heavy: Vec<u32> = self
                    .heaviest(&query, self.config.query_terms)
                    .into_iter()
                    .map(|(_, t)| t)
                    .collect();
                heavy.extend(self.heaviest(&m.anchors, ANCHOR_TERMS).into_iter().map(|(_, t)| t));
                heavy
            })
            .collect();
        for term in terms {
            self.term_postings.insert(u64::from(term), id);
        }
    }
}

/// Whether a story (or two stories together) of `size` documents is due
/// for review: at every size while small, then every `min_side` documents,
/// so that a large open story is not re-examined on each arrival.
fn at_checkpoint(size: usize, min_side: usize) -> bool {
    size <= 4 * min_side || size.is_multiple_of(min_side)
}
