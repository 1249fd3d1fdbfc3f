//! The rules that find names in a text and decide what each names.
//!
//! A name is a run of name-shaped words (capitalised words, acronyms,
//! initials, "al-Rashid"), joined by particles ("van", "de la", "of").
//! Each run is cut and classified in this order:
//! 1. leading function words, months and days go ("On Monday Jan
//!    Keller" is "Jan Keller"); a leading place noun ("City of") says that
//!    a place follows;
//! 2. a run in the gazetteer is that country, city or organisation;
//! 3. a title or role splits the run, and a person follows it
//!    ("Chancellor Jan Keller", "Innenministerin Ana Ruiz"); "Mayor of X"
//!    names a place X;
//! 4. an organisation cue makes the run an organisation ("Bank of
//!    Lindenfeld", "Veltronic GmbH"); otherwise "of"/"für" and the like
//!    split it;
//! 5. what is left is a person when it has two or more words or is
//!    followed by a verb of saying, a place after "in"/"nach"/"à", an
//!    organisation when it is an acronym; a lone word is kept only when
//!    another mention supports it (see [`resolve`]).
//!
//! German capitalises every noun, so in German a word with a noun ending
//! ("-ung", "-heit") is never part of a name, a word after an article is
//! taken for a noun, and a lone word needs a place ending ("-dorf",
//! "-stadt") to be a place. Headlines in title case ("Mayor Opens New
//! Bridge") tell nothing by capitals, so only gazetteer names, acronyms
//! and names also found in the body count there.

use std::collections::BTreeMap;

use crate::hash::FastMap;

use super::fold::name_key;
use super::gazetteer::{self, Entry};
use super::lexicon::*;
use super::tokens::{tokenize, Shape, Token};
use super::{Entity, EntityKind};

/// German articles and contracted prepositions: a capitalised word right
/// after one is a noun.
const GERMAN_ARTICLES: &[&str] = &[
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen", "im", "am", "vom",
    "zum", "zur", "beim", "kein", "keine", "jede", "jeder", "diese", "dieser", "dieses",
];

/// A name found once, before mentions are merged into entities.
#[derive(Debug, Clone)]
struct Mention {
    /// The words as written.
    name: String,
    kind: Option<EntityKind>,
    entry: Option<Entry>,
    /// Counts only when it names an entity found by a stronger rule.
    weak: bool,
    /// Found in German text, where every noun is capitalised.
    german: bool,
    /// For a candidate of a restricted run: the run (segment and start)
    /// and the words it covers, so that overlapping candidates of one run
    /// do not all count.
    span: Option<((usize, usize), usize, usize)>,
}

/// What the words around a name say of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    None,
    Person,
    Place,
    Organisation,
    /// After "ministre de la", "ministro de": a portfolio ("Défense"),
    /// then perhaps the minister's name.
    Portfolio,
}

struct Scan<'a> {
    tokens: &'a [Token],
    /// Which segment (title 0, text 1).
    segment: usize,
    german: bool,
    /// A title-case headline or a shouted line: capitals say nothing.
    restricted: bool,
    out: Vec<Mention>,
}

pub fn extract(title: &str, text: &str, language: Option<&str>) -> Vec<Entity> {
    let german = language.is_some_and(|l| l.trim().to_ascii_lowercase().starts_with("de"));
    let mut mentions = Vec::new();
    for (segment, (part, is_title)) in [(title, true), (text, false)].into_iter().enumerate() {
        let tokens = tokenize(part);
        let restricted = capitals_say_nothing(&tokens, is_title);
        let mut scan = Scan {
            tokens: &tokens,
            segment,
            german,
            restricted,
            out: Vec::new(),
        };
        scan.run();
        mentions.append(&mut scan.out);
    }
    resolve(mentions)
}

/// Whether nearly every content word of a headline is capitalised (title
/// case), or most words of a line are in capitals.
fn capitals_say_nothing(tokens: &[Token], headline: bool) -> bool {
    let content: Vec<&Token> = tokens
        .iter()
        .filter(|t| t.text.chars().count() >= 4 && !is_common(t.folded()))
        .collect();
    if content.len() < 3 {
        return false;
    }
    let capitalised = content.iter().filter(|t| t.is_name_like()).count();
    let shouted = content
        .iter()
        .filter(|t| t.text.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase))
        .count();
    (headline && capitalised * 10 >= content.len() * 9) || shouted * 2 > content.len()
}

impl Scan<'_> {
    fn run(&mut self) {
        let tokens = self.tokens;
        let mut i = 0;
        while i < tokens.len() {
            if !tokens[i].is_name_like() {
                i += 1;
                continue;
            }
            let mut end = i + 1;
            loop {
                if end < tokens.len() && !tokens[end].break_before && tokens[end].is_name_like() {
                    end += 1;
                    continue;
                }
                let mut j = end;
                while j < tokens.len() && j - end < 2 && !tokens[j].break_before && self.joins(j) {
                    j += 1;
                }
                if j > end && j < tokens.len() && !tokens[j].break_before && tokens[j].is_name_like() {
                    end = j + 1;
                    continue;
                }
                break;
            }
            // A gazetteer name that goes on in lower case: "Nations
            // unies", "Union européenne".
            for extra in 1..=2 {
                let longer = end + extra;
                if longer <= tokens.len()
                    && tokens[end..longer].iter().all(|t| !t.break_before)
                    && self.gazetteer_entry(i, longer).is_some()
                {
                    end = longer;
                    break;
                }
            }
            let start = self.lowercase_head(i);
            if start < i {
                // "le ministère de l'Intérieur": a lower-case cue word and
                // its particles open the organisation's name.
                self.leaf(start, end, Cue::None);
            } else {
                let cue = self.cue_before(i);
                self.split(i, end, cue);
            }
            i = end;
        }
    }

    /// Whether the lower-case word at `j` joins the names around it. In
    /// German, "der", "den", "des" and "dem" are articles of a genitive
    /// ("Angaben der Polizei") unless a "van" or "von" comes first.
    fn joins(&self, j: usize) -> bool {
        let tokens = self.tokens;
        if !is_lower_particle(&tokens[j]) {
            return false;
        }
        if self.german && ["der", "den", "des", "dem"].contains(&tokens[j].folded()) {
            return j > 0 && ["van", "von"].contains(&tokens[j - 1].folded());
        }
        true
    }

    /// Whether the run `j..end` names a place by itself: a gazetteer
    /// place, a place-name head ("Port"), or a place cue before it.
    fn run_is_place(&self, j: usize, end: usize) -> bool {
        self.gazetteer_entry(j, end)
            .is_some_and(|e| e.kind == EntityKind::Place)
            || is_place_head(self.tokens[j].folded())
            || self.cue_before(j) == Cue::Place
    }

    /// Where a name starting at `i` really starts when a lower-case
    /// organisation cue and particles stand before it ("ministère de",
    /// "tribunal de"); `i` itself otherwise.
    fn lowercase_head(&self, i: usize) -> usize {
        let tokens = self.tokens;
        let mut k = i;
        while k > 0 && i - k < 2 && !tokens[k].break_before && is_lower_particle(&tokens[k - 1]) {
            k -= 1;
        }
        if k == i || k == 0 || tokens[k].break_before {
            return i;
        }
        let head = &tokens[k - 1];
        let folded = head.folded();
        if head.text.starts_with(char::is_lowercase) && is_org_cue(folded, self.german) && !is_common(folded) {
            k - 1
        } else {
            i
        }
    }

    /// The cue of the words before the name starting at `i`: a title
    /// ("the mayor Jan Keller", "le maire Jean Dupont"), a place
    /// preposition or a place noun ("in", "la ville de").
    fn cue_before(&self, i: usize) -> Cue {
        let tokens = self.tokens;
        if i == 0 || tokens[i].break_before {
            return Cue::None;
        }
        let before = tokens[i - 1].folded();
        if is_title(before, self.german) {
            return Cue::Person;
        }
        let lower = |k: usize| tokens[k].text.starts_with(char::is_lowercase);
        if lower(i - 1) && is_org_type(before) {
            return Cue::Organisation;
        }
        // "el grupo ecologista Green Current": the kind, then an adjective.
        if i >= 2 && lower(i - 1) && lower(i - 2) && !tokens[i - 1].break_before && is_org_type(tokens[i - 2].folded())
        {
            return Cue::Organisation;
        }
        if is_conjunction(before) && i >= 2 && !tokens[i - 1].break_before && tokens[i - 2].is_name_like() {
            // "between Port Elwin and Valmora": the kind of the name before.
            let mut j = i - 2;
            while j > 0 && !tokens[j].break_before && tokens[j - 1].is_name_like() {
                j -= 1;
            }
            if j + 4 >= i && self.run_is_place(j, i - 1) {
                return Cue::Place;
            }
        }
        // "le ministre de la Défense", "Minister van Defensie".
        if is_lower_particle(&tokens[i - 1]) {
            let mut k = i - 1;
            while k > 0 && i - k < 3 && is_lower_particle(&tokens[k - 1]) && !tokens[k].break_before {
                k -= 1;
            }
            if k > 0 && !tokens[k].break_before && is_title(tokens[k - 1].folded(), self.german) {
                let noun = tokens[k - 1].folded();
                if !is_place_noun(noun)
                    && ![
                        "mayor",
                        "maire",
                        "alcalde",
                        "alcaldesa",
                        "sindaco",
                        "burgemeester",
                        "prefeito",
                        "prefeita",
                        "burgermeister",
                    ]
                    .contains(&noun)
                {
                    return Cue::Portfolio;
                }
            }
        }
        if is_place_preposition(before) || is_place_noun(before) {
            return Cue::Place;
        }
        if is_lower_particle(&tokens[i - 1]) && i >= 2 && !tokens[i - 1].break_before {
            let noun = tokens[i - 2].folded();
            if is_place_noun(noun) {
                return Cue::Place;
            }
            if is_title(noun, self.german) {
                // "the mayor of Valmora"
                return Cue::Place;
            }
        }
        Cue::None
    }

    /// Cuts the run `start..end` at titles and particles, then classifies
    /// the pieces.
    fn split(&mut self, start: usize, end: usize, cue: Cue) {
        let tokens = self.tokens;
        let (start, end, cue) = self.trim(start, end, cue);
        if start >= end {
            return;
        }
        if self.gazetteer_entry(start, end).is_some() {
            return self.leaf(start, end, cue);
        }
        if cue == Cue::Portfolio {
            // The portfolio goes; a name after it is the minister's.
            return self.split(start + 1, end, Cue::Person);
        }
        // A person's name before an organisation's: "Anna van Dijk van de
        // Universiteit van Lindenfeld", "Jan Keller of Lindenfeld Council".
        if let Some(c) = (start..end).find(|&k| is_org_cue(tokens[k].folded(), self.german)) {
            let mut s0 = c;
            while s0 > start && !is_lower_particle(&tokens[s0 - 1]) {
                s0 -= 1;
            }
            let mut p0 = s0;
            while p0 > start && is_lower_particle(&tokens[p0 - 1]) {
                p0 -= 1;
            }
            if s0 > start && p0 > start && p0 < s0 {
                self.split(start, p0, cue);
                return self.split(s0, end, Cue::None);
            }
        }
        // A title, unless an organisation cue follows it ("General Motors").
        let title_at =
            |t: usize| is_title(tokens[t].folded(), self.german) && (t == start || tokens[t].shape() != Shape::Initial);
        if let Some(t) = (start..end).rev().find(|&t| title_at(t)) {
            let after_has_cue = (t + 1..end).any(|k| is_org_cue(tokens[k].folded(), self.german));
            if !after_has_cue {
                self.split(start, t, Cue::None);
                let next_is_particle = tokens.get(t + 1).is_some_and(is_lower_particle);
                let after_cue = if next_is_particle { Cue::Place } else { Cue::Person };
                return self.split(t + 1, end, after_cue);
            }
        }
        // A particle: kept inside an organisation's or person's name, else
        // a cut ("Jan Keller of Lindenfeld").
        if let Some(p) = (start + 1..end).find(|&p| is_lower_particle(&tokens[p])) {
            let left_has_cue = (start..p).any(|k| is_org_cue(tokens[k].folded(), self.german));
            if left_has_cue {
                return self.leaf(start, end, cue);
            }
            let particle = tokens[p].folded();
            if !is_person_particle(particle) {
                self.split(start, p, cue);
                return self.split(p + 1, end, Cue::Place);
            }
        }
        self.leaf(start, end, cue)
    }

    /// Drops function words, months, particles and (in German) nouns from
    /// both ends; a dropped place noun becomes a place cue.
    fn trim(&self, mut start: usize, mut end: usize, mut cue: Cue) -> (usize, usize, Cue) {
        let tokens = self.tokens;
        while start < end {
            let t = &tokens[start];
            let folded = t.folded();
            let after_article = self.german && start > 0 && is_german_article(&tokens[start - 1]);
            let next_is_particle = tokens.get(start + 1).is_some_and(is_lower_particle);
            if self.gazetteer_entry(start, end).is_some() {
                break;
            }
            let run_has_cue = (start..end).any(|k| is_org_cue(tokens[k].folded(), self.german));
            if is_place_noun(folded) && end - start > 1 && (next_is_particle || after_article) {
                cue = Cue::Place;
            } else if is_org_type(folded) && !is_org_cue(folded, false) && end - start > 1 && !next_is_particle {
                cue = Cue::Organisation;
            } else if is_lower_particle(t)
                || (is_common(folded) && t.shape() != Shape::Acronym)
                || is_calendar(folded)
                || (self.german && is_german_noun(folded) && !is_org_cue(folded, true))
                || (self.german && is_german_bare_noun(folded))
                || (after_article
                    && !run_has_cue
                    && end - start > 1
                    && !is_org_cue(folded, true)
                    && !is_title(folded, true)
                    && self.gazetteer_entry(start, end).is_none())
            {
                if is_common(folded) && is_place_preposition(folded) {
                    cue = Cue::Place;
                } else if after_article && is_org_type(folded) {
                    cue = Cue::Organisation;
                }
            } else {
                break;
            }
            start += 1;
        }
        while end > start {
            let t = &tokens[end - 1];
            let folded = t.folded();
            if is_lower_particle(t)
                || (is_common(folded) && t.shape() != Shape::Acronym)
                || (is_calendar(folded) && end - start > 1 && is_calendar(tokens[end - 2].folded()))
                || (self.german && is_german_noun(folded) && !is_org_cue(folded, true))
            {
                end -= 1;
            } else {
                break;
            }
        }
        if start < end && (start..end).all(|k| is_calendar(tokens[k].folded())) {
            return (end, end, cue);
        }
        (start, end, cue)
    }

    fn gazetteer_entry(&self, start: usize, end: usize) -> Option<Entry> {
        if end - start > gazetteer::longest_name() {
            return None;
        }
        let words: Vec<&str> = self.tokens[start..end].iter().map(|t| t.text.as_str()).collect();
        gazetteer::lookup(&words)
    }

    fn push(&mut self, start: usize, end: usize, kind: Option<EntityKind>, entry: Option<Entry>, weak: bool) {
        let mut name = String::new();
        for t in &self.tokens[start..end] {
            if !name.is_empty() && !name.ends_with(['\'', '’']) {
                name.push(' ');
            }
            name.push_str(&t.text);
        }
        self.out.push(Mention {
            name,
            kind,
            entry,
            weak,
            german: self.german,
            span: None,
        });
    }

    /// Classifies one piece of a run (see the module's rules).
    fn leaf(&mut self, start: usize, end: usize, cue: Cue) {
        let tokens = self.tokens;
        if start >= end {
            return;
        }
        if let Some(entry) = self.gazetteer_entry(start, end) {
            return self.push(start, end, Some(entry.kind), Some(entry), false);
        }
        let words = &tokens[start..end];
        let folded: Vec<&str> = words.iter().map(|t| t.folded()).collect();
        if self.restricted {
            // Capitals say nothing here: every name-shaped stretch is only a
            // candidate for a name found elsewhere, and gazetteer names
            // inside it still count.
            return self.candidates(start, end);
        }
        let single = words.len() == 1;
        let cues = folded.iter().filter(|f| is_org_cue(f, self.german)).count();
        let compound_cue = single && is_org_cue(folded[0], true) && !is_org_cue_exact(folded[0]);
        if (cues > 0 && !single) || compound_cue {
            return self.push(start, end, Some(EntityKind::Organisation), None, false);
        }
        if single && cues > 0 {
            // "Parliament", "the Bank": a generic noun.
            return;
        }
        if single && words[0].shape() == Shape::Acronym {
            if is_plain_acronym(folded[0]) {
                return;
            }
            return self.push(start, end, Some(EntityKind::Organisation), None, false);
        }
        if single && is_demonym(folded[0]) {
            return;
        }
        let after = tokens.get(end).filter(|t| !t.break_before).map(|t| t.folded());
        let speech = after.is_some_and(is_speech_verb) && !words[0].sentence_start;
        match cue {
            Cue::Person => return self.push(start, end, Some(EntityKind::Person), None, false),
            Cue::Organisation => return self.push(start, end, Some(EntityKind::Organisation), None, false),
            Cue::Portfolio => return,
            Cue::Place if words.len() <= 3 => {
                // German nouns follow prepositions too ("nach Angaben"):
                // a lone German word needs a place ending, or a foreign
                // look (a last vowel other than "e": "Valmora").
                let foreign = folded[0].ends_with(['a', 'i', 'o', 'u', 'y']);
                let plausible = !self.german
                    || !single
                    || has_german_place_ending(folded[0])
                    || (foreign && !is_german_bare_noun(folded[0]));
                if plausible && !(single && words[0].sentence_start && self.german) {
                    return self.push(start, end, Some(EntityKind::Place), None, false);
                }
            }
            _ => {}
        }
        if !single && is_place_head(folded[0]) && words[0].shape() == Shape::Capitalised {
            return self.push(start, end, Some(EntityKind::Place), None, false);
        }
        if !single {
            let shaped = words.iter().all(|t| t.is_name_like() || is_lower_particle(t));
            return self.push(start, end, shaped.then_some(EntityKind::Person), None, !shaped);
        }
        if speech && !self.german {
            return self.push(start, end, Some(EntityKind::Person), None, false);
        }
        // A lone word: weak at the head of a sentence and in German;
        // elsewhere it stands when it recurs (see `resolve`).
        let weak = words[0].sentence_start || self.german;
        self.push(start, end, None, None, weak);
    }

    /// Every stretch of a restricted run, as weak candidates; gazetteer
    /// names among them are taken outright.
    fn candidates(&mut self, start: usize, end: usize) {
        let longest = gazetteer::longest_name().max(4);
        for a in start..end {
            for b in (a + 1)..=(end.min(a + longest)) {
                if let Some(entry) = self.gazetteer_entry(a, b) {
                    self.push(a, b, Some(entry.kind), Some(entry), false);
                } else if b - a == 1
                    && self.tokens[a].shape() == Shape::Acronym
                    && !is_plain_acronym(self.tokens[a].folded())
                {
                    self.push(a, b, Some(EntityKind::Organisation), None, true);
                } else {
                    self.push(a, b, None, None, true);
                }
                if let Some(last) = self.out.last_mut() {
                    last.span = Some(((self.segment, start), a, b));
                }
            }
        }
    }
}

/// A lower-case name particle ("van", "de", "of"); "al-" joined to its
/// name is part of the word.
fn is_lower_particle(token: &Token) -> bool {
    token.text.starts_with(char::is_lowercase) && is_particle(token.folded())
}

fn is_german_article(token: &Token) -> bool {
    GERMAN_ARTICLES.contains(&token.folded())
}

/// Merges mentions into entities: strong mentions make entities, weak and
/// lone ones join the entity they name (a surname, a body name repeated in
/// the headline), a lone word that recurs outside sentence heads is an
/// organisation, and the rest is dropped.
fn resolve(mentions: Vec<Mention>) -> Vec<Entity> {
    #[derive(Default)]
    struct Acc {
        kind: Option<EntityKind>,
        display: Option<&'static str>,
        /// Surface forms and how often each was used.
        forms: BTreeMap<String, u32>,
        mentions: u32,
    }
    let mut entities: BTreeMap<String, Acc> = BTreeMap::new();
    let add = |entities: &mut BTreeMap<String, Acc>, key: String, kind: EntityKind, m: &Mention| {
        let acc = entities.entry(key).or_default();
        acc.kind = Some(kind);
        acc.display = m.entry.map(|e| e.display);
        *acc.forms.entry(m.name.clone()).or_default() += 1;
        acc.mentions += 1;
    };
    let key_of = |m: &Mention| match m.entry {
        Some(e) => e.key.to_string(),
        None => name_key(&m.name),
    };
    // Strong mentions first.
    let mut pending = Vec::new();
    for m in &mentions {
        let lone_person = m.kind == Some(EntityKind::Person) && !m.name.contains(' ');
        match (m.kind, m.weak) {
            (Some(kind), false) if !lone_person => add(&mut entities, key_of(m), kind, m),
            _ => pending.push(m),
        }
    }
    // Keys by kind-less name, the words of people's names, and first words
    // of organisations' names.
    let mut by_name: FastMap<String, String> = FastMap::default();
    let mut by_word: FastMap<String, Vec<String>> = FastMap::default();
    for (key, acc) in &entities {
        by_name.entry(key.clone()).or_insert_with(|| key.clone());
        for form in acc.forms.keys() {
            by_name.entry(name_key(form)).or_insert_with(|| key.clone());
            let words: Vec<String> = name_key(form).split(' ').map(str::to_string).collect();
            if words.len() < 2 {
                continue;
            }
            let linked: Vec<&String> = match acc.kind {
                Some(EntityKind::Person) => vec![&words[0], &words[words.len() - 1]],
                _ => vec![&words[0]],
            };
            for word in linked {
                let keys = by_word.entry(word.clone()).or_default();
                if !keys.contains(key) {
                    keys.push(key.clone());
                }
            }
        }
    }
    let mut lone: BTreeMap<String, (u32, u32, &Mention)> = BTreeMap::new();
    // Candidates of restricted runs: longest first, and one match per
    // stretch of words.
    pending.sort_by_key(|m| m.span.map(|(run, a, b)| (run, std::cmp::Reverse(b - a), a)));
    let mut taken: FastMap<(usize, usize), Vec<(usize, usize)>> = FastMap::default();
    for m in pending {
        if let Some((run, a, b)) = m.span {
            let used = taken.entry(run).or_default();
            if used.iter().any(|&(x, y)| a < y && x < b) {
                continue;
            }
            let own = key_of(m);
            let matched = by_name.get(&own).cloned().or_else(|| {
                let keys = by_word.get(&own)?;
                (keys.len() == 1).then(|| keys[0].clone())
            });
            if let Some(key) = matched {
                used.push((a, b));
                entities.entry(key).or_default().mentions += 1;
            }
            continue;
        }
        let own = key_of(m);
        let target = by_name.get(&own).cloned().or_else(|| {
            let keys = by_word.get(&own)?;
            // A surname two people share names neither.
            (keys.len() == 1).then(|| keys[0].clone())
        });
        if let Some(key) = target {
            let acc = entities.entry(key).or_default();
            acc.mentions += 1;
            continue;
        }
        if m.name.contains(' ') {
            continue;
        }
        let slot = lone.entry(own).or_insert((0, 0, m));
        slot.0 += 1;
        if !m.weak {
            slot.1 += 1;
        }
    }
    for (key, (count, strong, m)) in lone {
        let kind = match m.kind {
            Some(EntityKind::Person) if strong >= 1 => Some(EntityKind::Person),
            None if count >= 2 && (strong >= 1 || !m.german) => Some(EntityKind::Organisation),
            _ => None,
        };
        if let Some(kind) = kind {
            let acc = entities.entry(key).or_default();
            acc.kind = Some(kind);
            *acc.forms.entry(m.name.clone()).or_default() += count;
            acc.mentions += count;
        }
    }
    let mut out: Vec<Entity> = entities
        .into_iter()
        .filter_map(|(key, acc)| {
            let kind = acc.kind?;
            let name = match acc.display {
                Some(display) => display.to_string(),
                None => acc
                    .forms
                    .iter()
                    .max_by(|a, b| {
                        let words = |s: &str| s.split(' ').count();
                        (words(a.0), a.1, std::cmp::Reverse(a.0)).cmp(&(words(b.0), b.1, std::cmp::Reverse(b.0)))
                    })
                    .map(|(form, _)| form.clone())?,
            };
            Some(Entity {
                key: format!("{}:{key}", kind.as_str()),
                name,
                kind,
                mentions: acc.mentions,
            })
        })
        .collect();
    // One name, one entity: of two kinds given to one name, the more
    // mentioned wins.
    out.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.key.cmp(&b.key)));
    let mut seen: FastMap<String, usize> = FastMap::default();
    let mut merged: Vec<Entity> = Vec::new();
    for entity in out {
        match seen.get(entity.join_key()) {
            Some(&i) => merged[i].mentions += entity.mentions,
            None => {
                seen.insert(entity.join_key().to_string(), merged.len());
                merged.push(entity);
            }
        }
    }
    merged.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.key.cmp(&b.key)));
    merged
}
