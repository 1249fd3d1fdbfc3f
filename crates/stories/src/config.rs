//! The engine's one configuration. The defaults are the configuration: they
//! are chosen to work across sources and languages, not per data set.

use serde::Serialize;

use crate::Error;

/// Settings for copy detection, clustering and provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// Words per shingle for copy detection.
    pub shingle_words: usize,
    /// MinHash signature length.
    pub minhash_perms: usize,
    /// LSH bands; `minhash_perms / lsh_bands` rows each.
    pub lsh_bands: usize,
    /// One shingle in this many (by hash value) is kept for containment.
    pub sample_modulus: u64,
    /// Bodies shorter than this (in words) are not compared for copying:
    /// short texts share phrases by chance.
    pub min_copy_words: usize,
    /// A document with less text than that is a copy only of one with the
    /// same headline and text word for word, from another outlet, within
    /// `same_time_days`, and only when the headline has at least this many
    /// words: a syndicated feed item. Short headlines repeat by chance.
    pub min_headline_copy_words: usize,
    /// Estimated Jaccard resemblance from which a text is a copy.
    pub copy_resemblance: f64,
    /// Share of the shorter text's samples found in the longer one from
    /// which a text is a copy (embedded or excerpted).
    pub copy_containment: f64,
    /// Samples the shorter text needs before containment is trusted.
    pub min_containment_samples: usize,
    /// Looser thresholds for a near copy: it joins the story and may be
    /// flagged re-dated, but is not recorded as a copy.
    pub near_copy_resemblance: f64,
    pub near_copy_containment: f64,
    /// A copy published more than this many days after the story first
    /// appeared is re-dated.
    pub redate_after_days: i64,

    /// Pseudo-documents in the IDF denominator (see `terms::Vocabulary`).
    pub idf_prior_docs: f32,
    /// Field weights of the document–story similarity.
    pub title_weight: f32,
    pub body_weight: f32,
    pub names_weight: f32,
    /// Weight of the closest recent member against the centroid.
    pub member_share: f32,
    /// Recent members kept per story for that comparison.
    pub members_kept: usize,
    /// Similarity from which a document joins a story.
    pub join_threshold: f32,
    /// Dates this many days apart count as the same moment.
    pub same_time_days: f64,
    /// Beyond `same_time_days`, similarity decays with this time constant.
    pub time_decay_days: f64,
    /// Stories whose dates lie further than this from a document's are not
    /// compared (copies are found regardless).
    pub time_window_days: i64,
    /// Without dates, stories last touched more than this many arrivals ago
    /// are not compared.
    pub arrival_window: u64,
    /// Stories and documents touched within this many arrivals are kept
    /// whole however old their dates: an archive imported in file-name
    /// order jumps back and forth in time, and the stream's present (the
    /// median of recent dates) would otherwise retire a story that the
    /// next file still reports on.
    pub keep_arrivals: u64,
    /// Terms of a document used to find and index candidate stories.
    pub query_terms: usize,
    /// Recent entries kept per term, LSH band and sample. A sample whose
    /// list has let a document go (this many newer ones hold it) no longer
    /// counts towards that document's containment: it is common text.
    pub postings_cap: usize,
    /// Candidate stories scored in full per document.
    pub max_candidates: usize,
    /// Terms kept per story centroid field.
    pub centroid_terms: usize,
    /// Least similarity for a related story.
    pub related_threshold: f32,
    /// A document with fewer body words than this is short (a headline, a
    /// teaser of a line): its few words meet a story's other members' few
    /// words by chance or not at all, so it joins by the story's term
    /// profile instead (see `engine/short.rs`), and is no evidence in a
    /// story's review.
    pub short_text_words: usize,
    /// Profile evidence from which a short document joins a story dated
    /// within `same_time_days` of it: the rarity of the words it shares
    /// with the story's headlines, summed, each word weighed by the share
    /// of the story's headlines that hold it and the share of the word's
    /// earlier uses that were in this story.
    pub short_join_threshold: f32,
    /// Profile agreement (see `engine/short.rs`) from which two open
    /// stories that a new headline's profile claims both are merged.
    pub short_merge_threshold: f32,
    /// Cosine of two stories' headline profiles (see
    /// `engine/merge.rs`) from which a story of headlines that a new
    /// headline joined merges with another story of headlines that the
    /// headline's terms found: the share of each story's headlines holding
    /// each term, weighted by the term's rarity, so that two halves of one
    /// event, both told by its few names, agree, and two events that share
    /// a common word or one headline's stray word do not.
    pub short_story_cosine: f32,
    /// Share of a short document's own headline content (its terms'
    /// rarity, summed) that a story's profile evidence must reach for the
    /// document to join it, besides `short_join_threshold`. A story that
    /// shares one word with a headline, a topic name such as a president's
    /// that many stories of a busy day hold, explains little of what the
    /// headline says; the story of the headline explains much of it.
    pub short_cover_share: f32,
    /// Most that one shared term may give to a short document's profile
    /// evidence, as a share of `short_join_threshold`: below 1, no single
    /// word carries a join alone. Early in a stream every word is still
    /// rare, and a topic word ("Obama") shared by two headlines of
    /// different events would otherwise join them, and the story it made
    /// would then own the word. A name found as an entity counts as a word
    /// and as its entity key, so a distinctive name still can.
    pub short_term_cap: f32,
    /// In a dense stream (its latest 101 dated documents came within
    /// `same_time_days`), a short document joins, and two stories of
    /// headlines merge, only across less than this many days: two
    /// headlines with day-only dates then meet only on the same day. A
    /// headline's few names recur in the next day's development of its
    /// topic (the next market report, the inquiry after a recall), and
    /// many stories compete for each day's names. A sparse stream, and
    /// full texts, which say far more, keep `same_time_days`;
    /// related-story links still connect the days.
    pub short_window_days: f64,

    /// Documents in different languages share few words but do share rare
    /// names and numbers ("anchors"); from this IDF cosine of their anchors
    /// a document joins a story none of whose members is in its language.
    pub cross_language_threshold: f32,
    /// Such a join needs the story within this many days...
    pub cross_language_days: f64,
    /// ...and at least this many shared anchors.
    pub min_shared_anchors: usize,
    /// A document whose own text dates its events well before publication
    /// joins an earlier story, as re-dated, when its heaviest terms match
    /// that story's digest at least this well.
    pub redate_match_threshold: f32,
    /// Heaviest terms kept as a story's digest once it leaves the window.
    pub digest_terms: usize,
    /// Mentions of old events (with none of recent ones) from which a
    /// document is re-dated without matching any story.
    pub redate_standalone_mentions: usize,
    /// Copy detection reaches back this many days of publication; older
    /// documents' signatures are dropped so memory stays bounded.
    pub copy_horizon_days: i64,
    /// The same horizon in arrivals, for documents without dates.
    pub copy_horizon_arrivals: u64,
    /// A story's membership stays open to review, with every member's
    /// vectors kept, until it holds this many documents; after that it is
    /// final and keeps only `members_kept` members.
    pub review_members: usize,
    /// Each member of a story under review keeps its edges to this many
    /// most similar members. A dense graph lets the many weak likenesses
    /// of one topic hide two events; a sparse one keeps what each report
    /// resembles most.
    pub review_neighbours: usize,
    /// A story under review is split in two when its members' similarity
    /// graph has a normalised cut below this (two halves of one event cut
    /// about 1.0; see `review.rs`).
    pub split_cut: f32,
    /// Fewest originals (copies follow their original) on each side of a
    /// split; a story is first reviewed when it holds twice as many.
    pub split_min_side: usize,
    /// Two open stories that a new document resembles both are reunited
    /// when their members' graph would not be split along the line between
    /// them (a normalised cut of `split_cut` or more), and only when they
    /// hold this many originals together: in a smaller graph one shared
    /// word moves the cut too far.
    pub reunite_min_members: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            shingle_words: 5,
            minhash_perms: 64,
            lsh_bands: 16,
            sample_modulus: 4,
            min_copy_words: 25,
            min_headline_copy_words: 6,
            copy_resemblance: 0.7,
            copy_containment: 0.8,
            min_containment_samples: 6,
            near_copy_resemblance: 0.4,
            near_copy_containment: 0.5,
            redate_after_days: 30,

            idf_prior_docs: 20.0,
            title_weight: 0.3,
            body_weight: 0.5,
            names_weight: 0.2,
            member_share: 0.5,
            members_kept: 16,
            join_threshold: 0.2,
            same_time_days: 3.0,
            time_decay_days: 14.0,
            time_window_days: 60,
            arrival_window: 20_000,
            keep_arrivals: 5_000,
            query_terms: 40,
            postings_cap: 256,
            max_candidates: 64,
            centroid_terms: 1_000,
            related_threshold: 0.1,
            short_text_words: 12,
            short_join_threshold: 0.2,
            short_merge_threshold: 0.5,
            short_story_cosine: 0.25,
            short_cover_share: 0.25,
            short_term_cap: 0.9,
            short_window_days: 1.0,
            cross_language_threshold: 0.25,
            cross_language_days: 3.0,
            min_shared_anchors: 3,
            redate_match_threshold: 0.5,
            digest_terms: 32,
            redate_standalone_mentions: 3,
            copy_horizon_days: 400,
            copy_horizon_arrivals: 400_000,
            review_members: 64,
            review_neighbours: 8,
            split_cut: 0.7,
            split_min_side: 3,
            reunite_min_members: 8,
        }
    }
}

impl Config {
    /// Reports the first setting that cannot work. The engine itself never
    /// fails on a bad setting: it clamps (see [`Config::clamped`]).
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |name: &'static str, why: &'static str| Err(Error::InvalidConfig { name, why });
        if self.shingle_words == 0 {
            return bad("shingle_words", "must be at least 1");
        }
        if self.minhash_perms == 0 || self.lsh_bands == 0 {
            return bad("minhash_perms/lsh_bands", "must be at least 1");
        }
        if !self.minhash_perms.is_multiple_of(self.lsh_bands) {
            return bad("lsh_bands", "must divide minhash_perms");
        }
        if self.sample_modulus == 0 {
            return bad("sample_modulus", "must be at least 1");
        }
        for (name, v) in [
            ("copy_resemblance", self.copy_resemblance),
            ("copy_containment", self.copy_containment),
            ("near_copy_resemblance", self.near_copy_resemblance),
            ("near_copy_containment", self.near_copy_containment),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(name, "must lie in 0..=1");
            }
        }
        if self.title_weight < 0.0 || self.body_weight < 0.0 || self.names_weight < 0.0 {
            return bad("field weights", "must not be negative");
        }
        if self.title_weight + self.body_weight + self.names_weight <= 0.0 {
            return bad("field weights", "must not all be zero");
        }
        if self.time_decay_days <= 0.0 {
            return bad("time_decay_days", "must be positive");
        }
        if self.postings_cap == 0 || self.max_candidates == 0 || self.query_terms == 0 {
            return bad("postings_cap/max_candidates/query_terms", "must be at least 1");
        }
        Ok(())
    }

    /// The nearest workable configuration: zero sizes raised to one, bands
    /// made to divide the signature, negative weights zeroed.
    pub fn clamped(mut self) -> Self {
        self.shingle_words = self.shingle_words.max(1);
        self.minhash_perms = self.minhash_perms.max(1);
        self.lsh_bands = self.lsh_bands.clamp(1, self.minhash_perms);
        while !self.minhash_perms.is_multiple_of(self.lsh_bands) {
            self.lsh_bands -= 1;
        }
        self.sample_modulus = self.sample_modulus.max(1);
        self.member_share = if self.member_share.is_nan() {
            0.0
        } else {
            self.member_share.clamp(0.0, 1.0)
        };
        self.short_cover_share = if self.short_cover_share.is_nan() {
            0.0
        } else {
            self.short_cover_share.clamp(0.0, 1.0)
        };
        self.short_story_cosine = if self.short_story_cosine.is_nan() {
            1.0
        } else {
            self.short_story_cosine.clamp(0.0, 1.0)
        };
        if self.short_term_cap.is_nan() || self.short_term_cap < 0.0 {
            self.short_term_cap = 0.0;
        }
        self.title_weight = self.title_weight.max(0.0);
        self.body_weight = self.body_weight.max(0.0);
        self.names_weight = self.names_weight.max(0.0);
        if self.title_weight + self.body_weight + self.names_weight <= 0.0 {
            self.body_weight = 1.0;
        }
        if self.time_decay_days.is_nan() || self.time_decay_days <= 0.0 {
            self.time_decay_days = 1.0;
        }
        self.postings_cap = self.postings_cap.max(1);
        self.max_candidates = self.max_candidates.max(1);
        self.query_terms = self.query_terms.max(1);
        self.centroid_terms = self.centroid_terms.max(1);
        self.digest_terms = self.digest_terms.max(1);
        self.redate_standalone_mentions = self.redate_standalone_mentions.max(1);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn bad_settings_are_named_and_clamped() {
        let bad = Config {
            lsh_bands: 7,
            ..Config::default()
        };
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("lsh_bands"), "{err}");
        let fixed = bad.clamped();
        assert_eq!(fixed.minhash_perms % fixed.lsh_bands, 0);
        fixed.validate().unwrap();

        let zero = Config {
            shingle_words: 0,
            title_weight: 0.0,
            body_weight: 0.0,
            names_weight: 0.0,
            ..Config::default()
        };
        assert!(zero.validate().is_err());
        zero.clamped().validate().unwrap();
    }
}
