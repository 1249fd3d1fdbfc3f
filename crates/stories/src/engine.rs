//! The streaming story engine: copy detection first (a copy belongs to its
//! original's story whatever the clustering would say), then clustering of
//! everything else against recent stories.

use std::collections::HashMap;

use model::{Assignment, Document};

use crate::canonical::canonical_url;
use crate::config::Config;
use crate::fingerprint::content_fingerprint;
use crate::minhash::{self, CappedPostings};
use crate::provenance::{self, Seen};
use crate::terms::{self, Sparse, Vocabulary};
use crate::text::{self, Word};

const DAY: f64 = 86_400.0;

/// What the engine keeps of one document.
#[derive(Debug)]
struct DocRecord {
    id: String,
    published: Option<i64>,
    arrival: u64,
    cluster: u32,
    copy_of: Option<String>,
    copy_of_doc: Option<u32>,
    redated: bool,
    signature: Vec<u64>,
    samples: Vec<u64>,
}

/// One story: its key and the summed term vectors of its members.
#[derive(Debug)]
struct Cluster {
    key: String,
    first_published: Option<i64>,
    last_published: Option<i64>,
    last_arrival: u64,
    title: Sparse,
    body: Sparse,
    names: Sparse,
    /// The latest members' own vectors: a story that drifts or merges two
    /// threads has a blurred centroid, but its members stay sharp.
    members: std::collections::VecDeque<[Sparse; 3]>,
}

impl Cluster {
    fn new(key: String) -> Self {
        Self {
            key,
            first_published: None,
            last_published: None,
            last_arrival: 0,
            title: Vec::new(),
            body: Vec::new(),
            names: Vec::new(),
            members: std::collections::VecDeque::new(),
        }
    }
}

/// A document as the engine compares it.
#[derive(Debug, Default)]
struct Features {
    title: Sparse,
    body: Sparse,
    names: Sparse,
    distinct_terms: Vec<u32>,
    signature: Vec<u64>,
    band_keys: Vec<u64>,
    samples: Vec<u64>,
    fingerprint: Option<String>,
    url: Option<String>,
}

/// The outcome of looking for earlier documents that this one copies.
#[derive(Debug, Default)]
struct CopyMatch {
    /// Documents it copies outright.
    strong: Vec<u32>,
    /// The closest document it nearly copies, when nothing is copied outright.
    near: Option<u32>,
}

/// The streaming story engine.
#[derive(Debug)]
pub struct StoryEngine {
    config: Config,
    vocab: Vocabulary,
    docs: Vec<DocRecord>,
    doc_by_id: HashMap<String, u32>,
    doc_by_url: HashMap<String, u32>,
    doc_by_fingerprint: HashMap<String, u32>,
    band_postings: CappedPostings,
    sample_postings: CappedPostings,
    clusters: Vec<Cluster>,
    cluster_by_key: HashMap<String, u32>,
    term_postings: CappedPostings,
    arrivals: u64,
}

impl Default for StoryEngine {
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl StoryEngine {
    /// An empty engine. A config that fails [`Config::validate`] is clamped
    /// to the nearest workable one rather than rejected.
    pub fn new(config: Config) -> Self {
        let config = config.clamped();
        Self {
            vocab: Vocabulary::new(config.idf_prior_docs),
            docs: Vec::new(),
            doc_by_id: HashMap::new(),
            doc_by_url: HashMap::new(),
            doc_by_fingerprint: HashMap::new(),
            band_postings: CappedPostings::new(config.postings_cap),
            sample_postings: CappedPostings::new(config.postings_cap),
            clusters: Vec::new(),
            cluster_by_key: HashMap::new(),
            term_postings: CappedPostings::new(config.postings_cap),
            arrivals: 0,
            config,
        }
    }

    /// Assigns one new document. A document id seen before gets its earlier
    /// assignment back unchanged.
    pub fn add(&mut self, doc: &Document) -> Assignment {
        if let Some(&known) = self.doc_by_id.get(&doc.id) {
            return self.assignment_of(known);
        }
        let features = self.features(doc);
        self.vocab.observe(&features.distinct_terms);
        let published = doc.published.map(|t| t.unix());

        let copies = self.find_copies(&features);
        let mut copy_of = None;
        let mut cluster = None;
        if !copies.strong.is_empty() {
            let mut seen: Vec<Seen> = Vec::new();
            for &d in &copies.strong {
                seen.push(self.seen(d));
                if let Some(root) = self.docs[d as usize].copy_of_doc {
                    seen.push(self.seen(root));
                }
            }
            let original = provenance::earliest(&seen).map(|s| s.doc);
            if let Some(original) = original {
                let original_published = self.docs[original as usize].published;
                // A document dated before everything it matches is the first
                // appearance itself; earlier verdicts are not re-decided.
                let predates = matches!((published, original_published), (Some(p), Some(o)) if p < o);
                if !predates {
                    copy_of = Some(original);
                }
                cluster = Some(self.docs[original as usize].cluster);
            }
        } else if let Some(near) = copies.near {
            cluster = Some(self.docs[near as usize].cluster);
        }
        let is_copy = cluster.is_some();
        let cluster = match cluster {
            Some(c) => c,
            None => self
                .best_cluster(&features, published)
                .unwrap_or_else(|| self.new_cluster(doc.id.clone())),
        };
        let redated = is_copy && {
            let story = &self.clusters[cluster as usize];
            let original_first = copy_of.and_then(|o| self.docs[o as usize].published);
            let story_first = match (story.first_published, original_first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            provenance::is_redated(published, story_first, self.config.redate_after_days)
        };
        let copy_of_id = copy_of.map(|o| self.docs[o as usize].id.clone());
        let index = self.insert(doc, published, features, cluster, copy_of_id, copy_of, redated);
        self.assignment_of(index)
    }

    /// Re-loads a document assigned earlier (a warm start from storage)
    /// without re-deciding anything: later documents are compared with it
    /// as if the engine had assigned it.
    pub fn restore(&mut self, doc: &Document, assignment: &Assignment) {
        if self.doc_by_id.contains_key(&doc.id) {
            return;
        }
        let features = self.features(doc);
        self.vocab.observe(&features.distinct_terms);
        let published = doc.published.map(|t| t.unix());
        let cluster = match self.cluster_by_key.get(&assignment.cluster) {
            Some(&c) => c,
            None => self.new_cluster(assignment.cluster.clone()),
        };
        let copy_of_doc = assignment
            .copy_of
            .as_ref()
            .and_then(|id| self.doc_by_id.get(id).copied());
        self.insert(
            doc,
            published,
            features,
            cluster,
            assignment.copy_of.clone(),
            copy_of_doc,
            assignment.redated,
        );
    }

    /// Up to `n` related story keys for a story key, best first, never the
    /// story itself. Unknown keys have no related stories.
    pub fn related(&self, cluster: &str, n: usize) -> Vec<String> {
        let Some(&own) = self.cluster_by_key.get(cluster) else {
            return Vec::new();
        };
        if n == 0 {
            return Vec::new();
        }
        let story = &self.clusters[own as usize];
        let mut combined = story.body.clone();
        terms::add_into(&mut combined, &story.title);
        terms::add_into(&mut combined, &story.names);
        let range = (story.first_published, story.last_published);
        let mut scored: Vec<(f32, u32)> = self
            .candidates(&combined, range, story.last_arrival)
            .into_iter()
            .filter(|&c| c != own)
            .filter_map(|c| {
                let other = &self.clusters[c as usize];
                let s = self.similarity(&story.title, &story.body, &story.names, range, other)?;
                (s >= self.config.related_threshold).then_some((s, c))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .into_iter()
            .take(n)
            .map(|(_, c)| self.clusters[c as usize].key.clone())
            .collect()
    }

    fn assignment_of(&self, index: u32) -> Assignment {
        let d = &self.docs[index as usize];
        Assignment {
            id: d.id.clone(),
            cluster: self.clusters[d.cluster as usize].key.clone(),
            copy_of: d.copy_of.clone(),
            redated: d.redated,
        }
    }

    fn seen(&self, doc: u32) -> Seen {
        let d = &self.docs[doc as usize];
        Seen {
            doc,
            published: d.published,
            arrival: d.arrival,
        }
    }

    fn new_cluster(&mut self, key: String) -> u32 {
        let index = self.clusters.len() as u32;
        self.cluster_by_key.insert(key.clone(), index);
        self.clusters.push(Cluster::new(key));
        index
    }

    fn features(&mut self, doc: &Document) -> Features {
        let title_words = doc.title.as_deref().map(text::words).unwrap_or_default();
        let body_words = text::words(&doc.text);
        let mut f = Features {
            url: doc.url.as_deref().and_then(canonical_url),
            ..Features::default()
        };

        let title_terms = self.term_ids(&title_words, "");
        // A headline-only document is its own body, so it still meets
        // full-text documents on the body field.
        let body_terms = if body_words.is_empty() {
            title_terms.clone()
        } else {
            self.term_ids(&body_words, "")
        };
        // Capitalised words mid-sentence are mostly names, and numbers
        // (dates, counts, versions) tell one event from a similar one.
        // Headlines are title-cased throughout, so only the body is read.
        let name_words: Vec<Word> = body_words
            .iter()
            .filter(|w| (w.capitalised && !w.sentence_start) || w.lower.chars().any(|c| c.is_numeric()))
            .cloned()
            .collect();
        let name_terms = self.term_ids(&name_words, "@");
        f.title = terms::tf_vector(&title_terms);
        f.body = terms::tf_vector(&body_terms);
        f.names = terms::tf_vector(&name_terms);
        let mut distinct: Vec<u32> = title_terms
            .iter()
            .chain(&body_terms)
            .chain(&name_terms)
            .copied()
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        f.distinct_terms = distinct;

        if body_words.len() >= self.config.min_copy_words {
            let lower: Vec<&str> = body_words.iter().map(|w| w.lower.as_str()).collect();
            let shingles = minhash::shingles(&lower, self.config.shingle_words);
            f.signature = minhash::signature(&shingles, self.config.minhash_perms);
            f.band_keys = minhash::band_keys(&f.signature, self.config.lsh_bands);
            f.samples = minhash::sample(&shingles, self.config.sample_modulus);
            f.fingerprint = Some(content_fingerprint(&doc.text));
        }
        f
    }

    fn term_ids(&mut self, words: &[Word], prefix: &str) -> Vec<u32> {
        words
            .iter()
            .filter(|w| text::is_term(&w.lower))
            .map(|w| {
                if prefix.is_empty() {
                    self.vocab.intern(&w.lower)
                } else {
                    self.vocab.intern(&format!("{prefix}{}", w.lower))
                }
            })
            .collect()
    }

    fn find_copies(&self, f: &Features) -> CopyMatch {
        let mut out = CopyMatch::default();
        if let Some(&d) = f.url.as_ref().and_then(|u| self.doc_by_url.get(u)) {
            out.strong.push(d);
        }
        if let Some(&d) = f.fingerprint.as_ref().and_then(|h| self.doc_by_fingerprint.get(h)) {
            out.strong.push(d);
        }
        let mut candidates: Vec<u32> = Vec::new();
        for &key in &f.band_keys {
            candidates.extend(self.band_postings.get(key));
        }
        let mut sample_hits: Vec<u32> = Vec::new();
        for &s in &f.samples {
            sample_hits.extend(self.sample_postings.get(s));
        }
        sample_hits.sort_unstable();
        // Two shared samples is the least that can be a containment worth checking.
        for run in sample_hits.chunk_by(|a, b| a == b) {
            if run.len() >= 2 {
                candidates.push(run[0]);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best_near: Option<(f64, u32)> = None;
        for d in candidates {
            let other = &self.docs[d as usize];
            let resemblance = minhash::estimated_resemblance(&f.signature, &other.signature);
            let containment = minhash::containment(&f.samples, &other.samples, self.config.min_containment_samples);
            if resemblance >= self.config.copy_resemblance || containment >= self.config.copy_containment {
                out.strong.push(d);
            } else if resemblance >= self.config.near_copy_resemblance
                || containment >= self.config.near_copy_containment
            {
                let closeness = resemblance.max(containment);
                if best_near.is_none_or(|(c, _)| closeness > c) {
                    best_near = Some((closeness, d));
                }
            }
        }
        out.strong.sort_unstable();
        out.strong.dedup();
        out.near = best_near.map(|(_, d)| d);
        out
    }

    /// Stories worth scoring in full: those sharing the query's heaviest
    /// terms, within the time or arrival window, best overlap first.
    fn candidates(&self, query: &Sparse, range: (Option<i64>, Option<i64>), arrival: u64) -> Vec<u32> {
        let mut weighted: Vec<(f32, u32)> = query.iter().map(|&(t, w)| (w * self.vocab.idf(t), t)).collect();
        weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        weighted.truncate(self.config.query_terms);
        let mut overlap: HashMap<u32, f32> = HashMap::new();
        let mut seen_for_term: Vec<u32> = Vec::new();
        for &(weight, term) in &weighted {
            seen_for_term.clear();
            seen_for_term.extend(self.term_postings.get(u64::from(term)));
            seen_for_term.sort_unstable();
            seen_for_term.dedup();
            for &c in &seen_for_term {
                *overlap.entry(c).or_default() += weight;
            }
        }
        let mut ranked: Vec<(f32, u32)> = overlap
            .into_iter()
            .map(|(c, w)| (w, c))
            .filter(|&(_, c)| self.in_window(&self.clusters[c as usize], range, arrival))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(self.config.max_candidates);
        ranked.into_iter().map(|(_, c)| c).collect()
    }

    fn in_window(&self, c: &Cluster, range: (Option<i64>, Option<i64>), arrival: u64) -> bool {
        if c.last_arrival + self.config.arrival_window < arrival {
            return false;
        }
        match gap_days(range, (c.first_published, c.last_published)) {
            Some(gap) => gap <= self.config.time_window_days as f64,
            None => true,
        }
    }

    fn best_cluster(&self, f: &Features, published: Option<i64>) -> Option<u32> {
        let mut query = f.body.clone();
        terms::add_into(&mut query, &f.title);
        terms::add_into(&mut query, &f.names);
        let range = (published, published);
        let mut best: Option<(f32, u32)> = None;
        for c in self.candidates(&query, range, self.arrivals) {
            let Some(s) = self.similarity(&f.title, &f.body, &f.names, range, &self.clusters[c as usize]) else {
                continue;
            };
            if s >= self.config.join_threshold && best.is_none_or(|(b, _)| s > b) {
                best = Some((s, c));
            }
        }
        best.map(|(_, c)| c)
    }

    /// Weighted cosine over the fields both sides have, blending the story
    /// centroid with the closest recent member, damped by the time between
    /// them. `None` when they share no field.
    fn similarity(
        &self,
        title: &Sparse,
        body: &Sparse,
        names: &Sparse,
        range: (Option<i64>, Option<i64>),
        c: &Cluster,
    ) -> Option<f32> {
        let cfg = &self.config;
        let centroid = self.field_similarity([title, body, names], [&c.title, &c.body, &c.names])?;
        let closest = c
            .members
            .iter()
            .filter_map(|m| self.field_similarity([title, body, names], [&m[0], &m[1], &m[2]]))
            .fold(None, |best: Option<f32>, s| Some(best.map_or(s, |b| b.max(s))));
        let blended = match closest {
            Some(m) => (1.0 - cfg.member_share) * centroid + cfg.member_share * m,
            None => centroid,
        };
        let damping = match gap_days(range, (c.first_published, c.last_published)) {
            Some(gap) if gap > cfg.same_time_days => (-(gap - cfg.same_time_days) / cfg.time_decay_days).exp() as f32,
            _ => 1.0,
        };
        Some(blended * damping)
    }

    fn field_similarity(&self, a: [&Sparse; 3], b: [&Sparse; 3]) -> Option<f32> {
        let cfg = &self.config;
        let weights = [cfg.title_weight, cfg.body_weight, cfg.names_weight];
        let mut total = 0.0;
        let mut weight = 0.0;
        for i in 0..3 {
            if let Some(cos) = terms::cosine(a[i], b[i], &self.vocab) {
                total += weights[i] * cos;
                weight += weights[i];
            }
        }
        (weight > 0.0).then(|| total / weight)
    }

    #[allow(clippy::too_many_arguments)]
    fn insert(
        &mut self,
        doc: &Document,
        published: Option<i64>,
        f: Features,
        cluster: u32,
        copy_of: Option<String>,
        copy_of_doc: Option<u32>,
        redated: bool,
    ) -> u32 {
        self.arrivals += 1;
        let index = self.docs.len() as u32;
        for &key in &f.band_keys {
            self.band_postings.insert(key, index);
        }
        for &s in &f.samples {
            self.sample_postings.insert(s, index);
        }
        if let Some(url) = &f.url {
            self.doc_by_url.entry(url.clone()).or_insert(index);
        }
        if let Some(fp) = &f.fingerprint {
            self.doc_by_fingerprint.entry(fp.clone()).or_insert(index);
        }

        let mut query = f.body.clone();
        terms::add_into(&mut query, &f.title);
        terms::add_into(&mut query, &f.names);
        let mut weighted: Vec<(f32, u32)> = query.iter().map(|&(t, w)| (w * self.vocab.idf(t), t)).collect();
        weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, term) in weighted.iter().take(self.config.query_terms) {
            self.term_postings.insert(u64::from(term), cluster);
        }

        let cap = self.config.centroid_terms;
        let story = &mut self.clusters[cluster as usize];
        if story.members.len() == self.config.members_kept {
            story.members.pop_front();
        }
        if self.config.members_kept > 0 {
            story
                .members
                .push_back([f.title.clone(), f.body.clone(), f.names.clone()]);
        }
        terms::add_into(&mut story.title, &f.title);
        terms::add_into(&mut story.body, &f.body);
        terms::add_into(&mut story.names, &f.names);
        terms::prune(&mut story.title, cap);
        terms::prune(&mut story.body, cap);
        terms::prune(&mut story.names, cap);
        story.last_arrival = self.arrivals;
        if let Some(p) = published {
            story.first_published = Some(story.first_published.map_or(p, |f| f.min(p)));
            story.last_published = Some(story.last_published.map_or(p, |l| l.max(p)));
        }

        self.doc_by_id.insert(doc.id.clone(), index);
        self.docs.push(DocRecord {
            id: doc.id.clone(),
            published,
            arrival: self.arrivals,
            cluster,
            copy_of,
            copy_of_doc,
            redated,
            signature: f.signature,
            samples: f.samples,
        });
        index
    }
}

/// Days between two date ranges (0 when they overlap); `None` when either
/// side has no date.
fn gap_days(a: (Option<i64>, Option<i64>), b: (Option<i64>, Option<i64>)) -> Option<f64> {
    let (a0, a1) = (a.0?, a.1?);
    let (b0, b1) = (b.0?, b.1?);
    let gap = if a1 < b0 {
        b0 - a1
    } else if b1 < a0 {
        a0 - b1
    } else {
        0
    };
    Some(gap as f64 / DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, title: &str, text: &str, published: Option<&str>) -> Document {
        Document {
            id: id.to_string(),
            title: (!title.is_empty()).then(|| title.to_string()),
            text: text.to_string(),
            published: published.map(|p| p.parse().expect("test date")),
            ..Document::default()
        }
    }

    const QUAKE_A: &str = "A magnitude 6.8 earthquake struck near the city of Marrakesh late \
        on Friday, killing at least 600 people and damaging buildings across the Atlas \
        mountains. Rescue teams from Rabat searched collapsed houses in the villages of \
        Amizmiz and Talat N'Yaaqoub through the night, the interior ministry said.";
    const QUAKE_B: &str = "Rescuers in Morocco dug through rubble on Saturday after the \
        earthquake near Marrakesh left more than 600 people dead. The interior ministry \
        said most victims were in the Atlas mountains, where villages such as Amizmiz \
        were badly damaged and roads to Talat N'Yaaqoub were blocked by rocks.";
    const BUDGET: &str = "The finance committee in Oslo approved a revised budget for the \
        coming year on Tuesday, raising spending on rail lines and hospitals while cutting \
        fuel subsidies. Norwegian lawmakers from the Labour party said the plan would be \
        voted on in parliament next month after talks with coalition partners.";
    const FOOTBALL: &str = "Barcelona beat Sevilla 3-1 at the Camp Nou on Sunday night, with \
        Robert Lewandowski scoring twice before half time. Coach Xavi Hernandez praised the \
        young midfielders after the match and said the league title race remained open with \
        ten games left to play this season.";

    fn engine_with_background() -> StoryEngine {
        let mut e = StoryEngine::default();
        e.add(&doc("budget", "Norway approves budget", BUDGET, Some("2023-09-05")));
        e.add(&doc("football", "Barcelona beat Sevilla", FOOTBALL, Some("2023-09-03")));
        e
    }

    #[test]
    fn clusters_an_obvious_pair_and_separates_an_unrelated_document() {
        let mut e = engine_with_background();
        let a = e.add(&doc(
            "qa",
            "Earthquake in Morocco kills hundreds",
            QUAKE_A,
            Some("2023-09-08"),
        ));
        let b = e.add(&doc(
            "qb",
            "Morocco quake death toll passes 600",
            QUAKE_B,
            Some("2023-09-09"),
        ));
        assert_eq!(a.cluster, "qa");
        assert_eq!(b.cluster, "qa");
        assert_eq!(b.copy_of, None, "a rewrite is the same story, not a copy");
        let budget = e.assignment_of(e.doc_by_id["budget"]);
        assert_eq!(budget.cluster, "budget");
        let football = e.assignment_of(e.doc_by_id["football"]);
        assert_eq!(football.cluster, "football");
    }

    #[test]
    fn same_words_far_apart_in_time_are_different_stories() {
        let mut e = engine_with_background();
        e.add(&doc(
            "qa",
            "Earthquake in Morocco kills hundreds",
            QUAKE_A,
            Some("2023-09-08"),
        ));
        let later = e.add(&doc(
            "qb",
            "Morocco quake death toll passes 600",
            QUAKE_B,
            Some("2024-06-01"),
        ));
        assert_eq!(later.cluster, "qb");
    }

    #[test]
    fn clusters_headlines_without_bodies_or_dates() {
        let mut e = StoryEngine::default();
        let headlines = [
            ("h1", "Central bank raises interest rates to fight inflation"),
            ("h2", "Storm Ciaran batters coast of Brittany"),
            ("h3", "Inflation fight: central bank raises rates again"),
            ("h4", "Brittany coast battered as Storm Ciaran hits"),
            ("h5", "Chess champion wins title in Madrid"),
        ];
        let got: Vec<String> = headlines
            .iter()
            .map(|(id, t)| e.add(&doc(id, t, "", None)).cluster)
            .collect();
        assert_eq!(got, ["h1", "h2", "h1", "h2", "h5"]);
    }

    #[test]
    fn works_in_other_languages() {
        let mut e = StoryEngine::default();
        let a = e.add(&doc(
            "r1",
            "Наводнение в Сибири",
            "Сильное наводнение затопило деревни в Иркутской области, тысячи жителей эвакуированы спасателями МЧС.",
            None,
        ));
        let b = e.add(&doc(
            "r2",
            "Выборы в Москве",
            "В Москве прошли выборы в городскую думу, явка избирателей оказалась низкой.",
            None,
        ));
        let c = e.add(&doc(
            "r3",
            "Сибирь: наводнение",
            "Спасатели МЧС эвакуировали тысячи жителей из деревень Иркутской области после наводнения.",
            None,
        ));
        assert_eq!(
            (a.cluster.as_str(), b.cluster.as_str(), c.cluster.as_str()),
            ("r1", "r2", "r1")
        );
    }

    #[test]
    fn copies_link_to_the_earliest_original() {
        let mut e = engine_with_background();
        let original = e.add(&doc(
            "wire",
            "Quake hits Morocco",
            QUAKE_A,
            Some("2023-09-08T23:00:00Z"),
        ));
        let copy = e.add(&doc(
            "copy1",
            "Morocco earthquake",
            QUAKE_A,
            Some("2023-09-09T02:00:00Z"),
        ));
        assert_eq!(copy.copy_of.as_deref(), Some("wire"));
        assert_eq!(copy.cluster, original.cluster);
        // A copy of the copy still points at the first appearance.
        let edited = QUAKE_A.replace("late on Friday", "on Friday night");
        let second = e.add(&doc("copy2", "", &edited, Some("2023-09-09T05:00:00Z")));
        assert_eq!(second.copy_of.as_deref(), Some("wire"));
        assert!(!copy.redated && !second.redated);
    }

    #[test]
    fn a_copy_embedded_in_a_longer_page_is_found_by_containment() {
        let mut e = engine_with_background();
        e.add(&doc("wire", "Quake hits Morocco", QUAKE_A, None));
        let page = format!(
            "Home News World Sport Weather. {QUAKE_A} {BUDGET_TAIL} Read more: our live \
             coverage, the latest pictures and what we know so far. Sign up for the morning \
             newsletter. Advertisement. Follow us on social media.",
            BUDGET_TAIL = "Aid agencies appealed for blankets, tents and clean water for \
             families sleeping outdoors."
        );
        let a = e.add(&doc("portal", "", &page, None));
        assert_eq!(a.copy_of.as_deref(), Some("wire"));
        assert_eq!(a.cluster, "wire");
    }

    #[test]
    fn a_document_that_predates_its_match_is_not_its_copy() {
        let mut e = StoryEngine::default();
        e.add(&doc("late", "", QUAKE_A, Some("2023-09-10")));
        let early = e.add(&doc("early", "", QUAKE_A, Some("2023-09-08")));
        assert_eq!(early.copy_of, None);
        assert_eq!(early.cluster, "late");
    }

    #[test]
    fn same_canonical_url_is_the_same_page() {
        let mut e = StoryEngine::default();
        let mut a = doc("a", "Short note", "Brief update.", None);
        a.url = Some("https://www.example.com/news/1?utm_source=rss".into());
        let mut b = doc("b", "Short note (updated)", "Brief update, corrected.", None);
        b.url = Some("http://example.com/news/1/".into());
        e.add(&a);
        let got = e.add(&b);
        assert_eq!(got.copy_of.as_deref(), Some("a"));
        assert_eq!(got.cluster, "a");
    }

    #[test]
    fn a_copy_presented_long_after_the_story_is_redated() {
        let mut e = engine_with_background();
        e.add(&doc("wire", "Quake hits Morocco", QUAKE_A, Some("2023-09-08")));
        let fresh = e.add(&doc("fresh", "", QUAKE_A, Some("2023-09-20")));
        let old_news = e.add(&doc("old", "BREAKING: quake", QUAKE_A, Some("2024-02-01")));
        assert!(!fresh.redated);
        assert!(old_news.redated);
        assert_eq!(old_news.copy_of.as_deref(), Some("wire"));
        assert_eq!(old_news.cluster, "wire");
        assert_eq!(old_news.provenance(), model::Provenance::Redated);
    }

    #[test]
    fn same_input_gives_same_output() {
        let stream = || {
            vec![
                doc("1", "Norway approves budget", BUDGET, Some("2023-09-05")),
                doc("2", "Earthquake in Morocco", QUAKE_A, Some("2023-09-08")),
                doc("3", "Barcelona beat Sevilla", FOOTBALL, None),
                doc("4", "Morocco quake toll rises", QUAKE_B, Some("2023-09-09")),
                doc("5", "", QUAKE_A, Some("2023-09-10")),
                doc("6", "Budget talks in Oslo", "", None),
            ]
        };
        let run = || {
            let mut e = StoryEngine::default();
            let assignments: Vec<Assignment> = stream().iter().map(|d| e.add(d)).collect();
            let related = e.related("2", 3);
            (assignments, related)
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn repeated_id_returns_the_first_verdict() {
        let mut e = StoryEngine::default();
        let first = e.add(&doc("x", "Budget", BUDGET, None));
        let again = e.add(&doc("x", "Football", FOOTBALL, None));
        assert_eq!(first, again);
    }

    #[test]
    fn restore_rebuilds_state_without_deciding() {
        let mut e = StoryEngine::default();
        let stored = Assignment {
            id: "old".into(),
            cluster: "story-7".into(),
            copy_of: None,
            redated: false,
        };
        e.restore(&doc("old", "Quake hits Morocco", QUAKE_A, Some("2023-09-08")), &stored);
        let copy = e.add(&doc("new", "", QUAKE_A, Some("2023-09-09")));
        assert_eq!(copy.cluster, "story-7");
        assert_eq!(copy.copy_of.as_deref(), Some("old"));
        let near = e.add(&doc("b", "Morocco quake toll", QUAKE_B, Some("2023-09-09")));
        assert_eq!(near.cluster, "story-7");
    }

    #[test]
    fn related_stories_exclude_the_story_itself() {
        let mut e = engine_with_background();
        // Restored verdicts keep the two quakes apart, whatever clustering
        // would decide on so small a corpus.
        let own = |id: &str| Assignment {
            id: id.into(),
            cluster: id.into(),
            copy_of: None,
            redated: false,
        };
        let morocco = doc("qa", "Earthquake in Morocco", QUAKE_A, Some("2023-09-08"));
        e.restore(&morocco, &own("qa"));
        let herat = "A magnitude 6.3 earthquake struck western Afghanistan near the city \
            of Herat on Sunday, killing at least 120 people and flattening mud-brick houses in \
            the villages of Zindajan district. Taliban officials said rescue teams were still \
            searching the rubble and that the death toll was expected to rise.";
        let afghanistan = doc("af", "Earthquake in Afghanistan", herat, Some("2023-09-10"));
        e.restore(&afghanistan, &own("af"));
        // Another earthquake the same week is the closest related story.
        assert_eq!(e.related("af", 5).first().map(String::as_str), Some("qa"));
        assert_eq!(e.related("qa", 5).first().map(String::as_str), Some("af"));
        assert!(!e.related("af", 5).contains(&"af".to_string()));
        assert!(e.related("no-such-story", 5).is_empty());
        assert!(e.related("qa", 0).is_empty());
    }
}
