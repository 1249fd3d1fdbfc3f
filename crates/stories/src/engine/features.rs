//! A document as the engine compares it: term vectors, names, anchors, copy-
//! detection keys and date evidence, from its words.

use model::Document;
use rust_stemmers::Stemmer;

use super::{language_bit, StoryEngine, LEADING_NAMES};
use crate::canonical::canonical_url;
use crate::entities;
use crate::fingerprint::{fingerprint_key, headline_key};
use crate::hash::{hash_bytes, FastMap};
use crate::minhash;
use crate::stem;
use crate::temporal::{self, EventEvidence};
use crate::terms::{self, Fields, Sparse};
use crate::text::{self, Word};

/// Seeds the keys of the stem cache; the algorithm's number is mixed in,
/// so that one word stemmed by two languages has two keys.
const STEM_SEED: u64 = 0x5d3e_1c0a_77b2_4f19;
/// Most words the stem cache holds before it starts again.
pub(super) const STEM_CACHE_CAP: usize = 1 << 20;

/// A document's stemmer, with the seed of its words' keys in
/// `StoryEngine::stem_cache`.
pub(super) struct StemmerOf {
    stemmer: Stemmer,
    seed: u64,
}

/// A document as the engine compares it.
#[derive(Debug, Default)]
pub(super) struct Features {
    pub(super) title: Sparse,
    pub(super) body: Sparse,
    pub(super) names: Sparse,
    pub(super) anchors: Sparse,
    pub(super) distinct_terms: Vec<u32>,
    pub(super) signature: Vec<u32>,
    pub(super) band_keys: Vec<u64>,
    pub(super) samples: Vec<u64>,
    pub(super) fingerprint_key: Option<u64>,
    /// Set for headline-only documents long enough to be syndicated
    /// copies, with their outlet's key.
    pub(super) headline_key: Option<u64>,
    pub(super) source_key: Option<u64>,
    pub(super) url_key: Option<u64>,
    pub(super) language: Option<u32>,
    pub(super) evidence: EventEvidence,
    /// The names the body repeats most, with their counts, most first.
    pub(super) leading_names: Vec<(u32, u32)>,
    /// Anchor terms of numbers with a decimal part (magnitudes, rates,
    /// versions), sorted.
    pub(super) decimals: Vec<u32>,
    /// Fewer body words than `Config::short_text_words`: a headline or a
    /// teaser, judged by its story's term profile (see `short.rs`).
    pub(super) short: bool,
    /// The document's headline terms, sorted, each once: its title's words,
    /// or a short document's body words when it has no title, and a short
    /// document's link slug (see `short::slug_words`), less words of one
    /// or two letters (see `short::profile_word`).
    pub(super) headline: Vec<u32>,
    /// Its entity terms (see `StoryEngine::entity_terms`), also among its
    /// headline terms: they file its story in the term postings, where a
    /// headline in another language looks for it.
    pub(super) entities: Sparse,
}

impl Features {
    /// The compared fields' vectors.
    pub(super) fn fields(&self) -> Fields<&Sparse> {
        Fields {
            title: &self.title,
            body: &self.body,
            names: &self.names,
        }
    }
}

impl StoryEngine {
    /// Counts a document's terms, and the language of its anchors.
    pub(super) fn observe(&mut self, f: &Features) {
        self.vocab.observe(&f.distinct_terms);
        let bit = language_bit(f.language);
        if bit != 0 {
            for &(t, _) in &f.anchors {
                self.vocab.mark_language(t, bit);
            }
        }
    }

    pub(super) fn features(&mut self, doc: &Document) -> Features {
        let title_words = doc.title.as_deref().map(text::words).unwrap_or_default();
        let body_words = text::words(&doc.text);
        let mut f = Features {
            url_key: doc
                .url
                .as_deref()
                .and_then(canonical_url)
                .map(|u| hash_bytes(u.as_bytes(), 0x0u64)),
            language: text::language_of(
                doc.language.as_deref(),
                if body_words.is_empty() {
                    &title_words
                } else {
                    &body_words
                },
            ),
            short: body_words.len() < self.config.short_text_words,
            ..Features::default()
        };

        // Words repeat within a document; looking each up once in a small
        // table spares the vocabulary's large one most of its cache misses.
        let mut known: FastMap<&str, u32> = FastMap::default();
        let algorithm = stem::algorithm_for(doc.language.as_deref(), f.language);
        let stemmer = algorithm.map(|a| StemmerOf {
            stemmer: Stemmer::create(a),
            seed: STEM_SEED ^ (a as u64),
        });
        let title_terms = self.term_ids(&title_words, "", stemmer.as_ref(), &mut known);
        // A headline-only document is its own body, so it still meets
        // full-text documents on the body field.
        let body_terms = if body_words.is_empty() {
            title_terms.clone()
        } else {
            self.term_ids(&body_words, "", stemmer.as_ref(), &mut known)
        };
        // Capitalised words mid-sentence are mostly names, and numbers
        // (dates, counts, versions) tell one event from a similar one.
        // Headlines are title-cased throughout, so only the body is read.
        let name_words: Vec<Word> = body_words
            .iter()
            .filter(|w| (w.capitalised && !w.sentence_start) || w.lower.chars().any(|c| c.is_numeric()))
            .cloned()
            .collect();
        let name_terms = self.term_ids(&name_words, "@", None, &mut FastMap::default());
        let headline_source = if !title_words.is_empty() {
            &title_words[..]
        } else if f.short {
            &body_words[..]
        } else {
            &[]
        };
        // A short document's link slug adds to its headline terms.
        let slug = if f.short {
            doc.url.as_deref().map(super::short::slug_words).unwrap_or_default()
        } else {
            String::new()
        };
        let slug_words = text::words(&slug);
        let headline_words: Vec<Word> = headline_source
            .iter()
            .chain(&slug_words)
            .filter(|w| super::short::profile_word(&w.lower))
            .cloned()
            .collect();
        let mut headline = self.term_ids(&headline_words, "", stemmer.as_ref(), &mut FastMap::default());
        let entity_terms = self.entity_terms(doc, f.language, f.short);
        headline.extend_from_slice(&entity_terms);
        f.entities = terms::tf_vector(&entity_terms);
        headline.sort_unstable();
        headline.dedup();
        f.headline = headline;
        let anchors = text::anchors(&doc.text, &body_words);
        let anchor_terms: Vec<u32> = anchors.iter().map(|a| self.vocab.intern(&format!("^{a}"))).collect();
        f.decimals = anchors
            .iter()
            .zip(&anchor_terms)
            .filter(|(a, _)| a.starts_with('#') && a.contains('.'))
            .map(|(_, &t)| t)
            .collect();
        f.decimals.sort_unstable();
        f.decimals.dedup();
        f.title = terms::tf_vector(&title_terms);
        f.body = terms::tf_vector(&body_terms);
        f.names = terms::tf_vector(&name_terms);
        f.anchors = terms::tf_vector(&anchor_terms);
        let mut distinct: Vec<u32> = title_terms
            .iter()
            .chain(&body_terms)
            .chain(&name_terms)
            .chain(&anchor_terms)
            .chain(&entity_terms)
            .copied()
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        f.distinct_terms = distinct;
        f.leading_names = self.leading_names(&body_words);
        if let Some(published) = doc.published {
            f.evidence = temporal::evidence(&doc.text, published.day(), self.config.redate_after_days);
        }

        if body_words.len() >= self.config.min_copy_words {
            let lower: Vec<&str> = body_words.iter().map(|w| w.lower.as_ref()).collect();
            let shingles = minhash::shingles(&lower, self.config.shingle_words);
            f.signature = minhash::signature(&shingles, self.config.minhash_perms);
            f.band_keys = minhash::band_keys(&f.signature, self.config.lsh_bands);
            f.samples = minhash::sample(&shingles, self.config.sample_modulus);
            f.fingerprint_key = Some(fingerprint_key(&body_words));
        } else if title_words.len() >= self.config.min_headline_copy_words {
            f.headline_key = Some(headline_key(&title_words, &body_words));
            f.source_key = doc
                .source
                .as_deref()
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .map(|s| hash_bytes(s.as_bytes(), 0x50c3));
        }
        f
    }

    /// Headline terms for the entities a document names, the same in every
    /// language (see [`crate::entities::entity_keys`]): "Deutschland" and
    /// "Germany" give one term, "Jürgen Müller" and "Juergen Mueller" one.
    /// Read from the title, and from a short document's text; a long text
    /// is not read (its words meet other languages through its anchors,
    /// and the rules cost more than the rest of the engine per document).
    /// A name spelt the same as its key also counts as a word: within one
    /// language it weighs twice, as a name should against common words.
    /// Marked with `~`, apart from words.
    pub(super) fn entity_terms(&mut self, doc: &Document, language: Option<u32>, short: bool) -> Vec<u32> {
        const CODES: [&str; 4] = ["en", "de", "fr", "es"];
        let code = doc
            .language
            .as_deref()
            .or_else(|| language.and_then(|l| CODES.get(l as usize).copied()));
        let title = doc.title.as_deref().unwrap_or("");
        let text = if short { doc.text.as_str() } else { "" };
        if title.is_empty() && text.is_empty() {
            return Vec::new();
        }
        let mut buffer = String::new();
        entities::entity_keys(title, text, code)
            .into_iter()
            .map(|k| {
                buffer.clear();
                buffer.push('~');
                buffer.push_str(&k);
                self.vocab.intern(&buffer)
            })
            .collect()
    }

    /// The names (words written capitalised inside a sentence at least
    /// once) that a body repeats most, counting every capitalised use.
    pub(super) fn leading_names(&mut self, words: &[Word]) -> Vec<(u32, u32)> {
        let mut counts: FastMap<&str, (u32, bool)> = FastMap::default();
        for w in words {
            if w.capitalised && w.lower.len() >= 3 && w.lower.chars().all(char::is_alphabetic) {
                let entry = counts.entry(w.lower.as_ref()).or_default();
                entry.0 += 1;
                entry.1 |= !w.sentence_start;
            }
        }
        let mut named: Vec<(u32, &str)> = counts
            .into_iter()
            .filter(|&(_, (n, inside))| inside && n >= 2)
            .map(|(word, (n, _))| (n, word))
            .collect();
        named.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        named.truncate(LEADING_NAMES);
        named
            .into_iter()
            .map(|(n, word)| (self.vocab.intern(word), n))
            .collect()
    }

    /// Term ids of the words, stemmed when a stemmer is given, `prefix`
    /// marking the field; `known` holds the ids of words met before under
    /// the same prefix and stemmer.
    pub(super) fn term_ids<'w>(
        &mut self,
        words: &'w [Word],
        prefix: &str,
        stemmer: Option<&StemmerOf>,
        known: &mut FastMap<&'w str, u32>,
    ) -> Vec<u32> {
        let mut buffer = String::new();
        words
            .iter()
            .filter(|w| text::is_term(&w.lower))
            .map(|w| {
                let word: &str = &w.lower;
                if let Some(&id) = known.get(word) {
                    return id;
                }
                let id = if let Some(stemmer) = stemmer {
                    // Stemming and interning were a quarter of the engine's
                    // work, for words it had met many times before.
                    let key = prefix.is_empty().then(|| hash_bytes(word.as_bytes(), stemmer.seed));
                    if let Some(&id) = key.and_then(|k| self.stem_cache.get(&k)) {
                        known.insert(word, id);
                        return id;
                    }
                    let stemmed = stemmer.stemmer.stem(word);
                    if prefix.is_empty() {
                        let id = self.vocab.intern(&stemmed);
                        if let Some(k) = key {
                            if self.stem_cache.len() >= STEM_CACHE_CAP {
                                self.stem_cache.clear();
                            }
                            self.stem_cache.insert(k, id);
                        }
                        id
                    } else {
                        buffer.clear();
                        buffer.push_str(prefix);
                        buffer.push_str(&stemmed);
                        self.vocab.intern(&buffer)
                    }
                } else if prefix.is_empty() {
                    self.vocab.intern(word)
                } else {
                    buffer.clear();
                    buffer.push_str(prefix);
                    buffer.push_str(word);
                    self.vocab.intern(&buffer)
                };
                known.insert(word, id);
                id
            })
            .collect()
    }

    pub(super) fn combined(f: &Features) -> Sparse {
        let mut query = f.body.clone();
        terms::add_into(&mut query, &f.title);
        terms::add_into(&mut query, &f.names);
        query
    }
}
