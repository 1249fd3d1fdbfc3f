//! Dates written in a text ("in early October", "ten days ago", "vor einer
//! Woche", "le 3 mars 2019", "en 2018", "on Monday"), resolved against the
//! document's published day. They tell when the reported events happened,
//! which may be long before the page says it was published.
//!
//! Compact rules over the words of English, German, French and Spanish
//! cover what news text mostly says; anything unclear is left out rather
//! than guessed, since a wrong date is worse evidence than none.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use crate::hash::FastMap;

/// How precisely an expression pins its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DatePrecision {
    Day,
    Week,
    Month,
    Year,
}

/// One temporal expression and the days it can stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDate {
    /// First day the expression can mean.
    pub start: NaiveDate,
    /// Last day it can mean (inclusive).
    pub end: NaiveDate,
    pub precision: DatePrecision,
    /// Byte range of the expression in the text.
    pub span: Range<usize>,
}

#[derive(Debug)]
struct Token<'a> {
    /// Borrowed from the text when it is lower case already (most words),
    /// so tokenising allocates only for capitalised words.
    lower: Cow<'a, str>,
    raw: &'a str,
    span: Range<usize>,
}

fn lowered(word: &str) -> Cow<'_, str> {
    if word.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(word.to_lowercase())
    }
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in text.char_indices() {
        if ch.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(Token {
                lower: lowered(&text[s..i]),
                raw: &text[s..i],
                span: s..i,
            });
        }
    }
    if let Some(s) = start {
        out.push(Token {
            lower: lowered(&text[s..]),
            raw: &text[s..],
            span: s..text.len(),
        });
    }
    out
}

/// Month number of a month name. English and German names must be
/// capitalised ("May", "März"), which keeps the verb "may" and the noun
/// "march" out; French and Spanish write months in lower case.
const MONTHS_CAPITALISED: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("januar", 1),
    ("jänner", 1),
    ("february", 2),
    ("feb", 2),
    ("februar", 2),
    ("march", 3),
    ("märz", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("mai", 5),
    ("june", 6),
    ("juni", 6),
    ("july", 7),
    ("juli", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("oktober", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
    ("dezember", 12),
];

const MONTHS_ANY_CASE: &[(&str, u32)] = &[
    ("janvier", 1),
    ("enero", 1),
    ("février", 2),
    ("febrero", 2),
    ("mars", 3),
    ("marzo", 3),
    ("avril", 4),
    ("abril", 4),
    ("mayo", 5),
    ("juin", 6),
    ("junio", 6),
    ("juillet", 7),
    ("julio", 7),
    ("août", 8),
    ("agosto", 8),
    ("septembre", 9),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octobre", 10),
    ("octubre", 10),
    ("novembre", 11),
    ("noviembre", 11),
    ("décembre", 12),
    ("diciembre", 12),
];

fn month(token: &Token) -> Option<u32> {
    let capitalised = token.raw.chars().next().is_some_and(char::is_uppercase);
    let lookup = |table: &[(&str, u32)]| table.iter().find(|(n, _)| *n == token.lower).map(|e| e.1);
    if capitalised {
        if let Some(m) = lookup(MONTHS_CAPITALISED) {
            return Some(m);
        }
    }
    // "mai" is French May too, written in lower case.
    if token.lower == "mai" {
        return Some(5);
    }
    lookup(MONTHS_ANY_CASE)
}

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Mon),
    ("montag", Weekday::Mon),
    ("lundi", Weekday::Mon),
    ("lunes", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("dienstag", Weekday::Tue),
    ("mardi", Weekday::Tue),
    ("martes", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("mittwoch", Weekday::Wed),
    ("mercredi", Weekday::Wed),
    ("miércoles", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("donnerstag", Weekday::Thu),
    ("jeudi", Weekday::Thu),
    ("jueves", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("freitag", Weekday::Fri),
    ("vendredi", Weekday::Fri),
    ("viernes", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("samstag", Weekday::Sat),
    ("samedi", Weekday::Sat),
    ("sábado", Weekday::Sat),
    ("sunday", Weekday::Sun),
    ("sonntag", Weekday::Sun),
    ("dimanche", Weekday::Sun),
    ("domingo", Weekday::Sun),
];

fn weekday(token: &Token) -> Option<Weekday> {
    WEEKDAYS.iter().find(|(n, _)| *n == token.lower).map(|e| e.1)
}

/// A small count written as digits or as a word.
fn count(word: &str) -> Option<u32> {
    if let Ok(n) = word.parse::<u32>() {
        return (1..=400).contains(&n).then_some(n);
    }
    COUNT_WORDS.iter().find(|(n, _)| *n == word).map(|e| e.1)
}

const COUNT_WORDS: &[(&str, u32)] = &[
    ("a", 1),
    ("an", 1),
    ("one", 1),
    ("ein", 1),
    ("eine", 1),
    ("einem", 1),
    ("einer", 1),
    ("einen", 1),
    ("un", 1),
    ("une", 1),
    ("una", 1),
    ("uno", 1),
    ("two", 2),
    ("zwei", 2),
    ("deux", 2),
    ("dos", 2),
    ("three", 3),
    ("drei", 3),
    ("trois", 3),
    ("tres", 3),
    ("four", 4),
    ("vier", 4),
    ("quatre", 4),
    ("cuatro", 4),
    ("five", 5),
    ("fünf", 5),
    ("cinq", 5),
    ("cinco", 5),
    ("six", 6),
    ("sechs", 6),
    ("seis", 6),
    ("seven", 7),
    ("sieben", 7),
    ("sept", 7),
    ("siete", 7),
    ("eight", 8),
    ("acht", 8),
    ("huit", 8),
    ("ocho", 8),
    ("nine", 9),
    ("neun", 9),
    ("neuf", 9),
    ("nueve", 9),
    ("ten", 10),
    ("zehn", 10),
    ("dix", 10),
    ("diez", 10),
    ("eleven", 11),
    ("elf", 11),
    ("onze", 11),
    ("once", 11),
    ("twelve", 12),
    ("zwölf", 12),
    ("douze", 12),
    ("doce", 12),
    ("fifteen", 15),
    ("fünfzehn", 15),
    ("quinze", 15),
    ("quince", 15),
    ("eighteen", 18),
    ("achtzehn", 18),
    ("dix-huit", 18),
    ("dieciocho", 18),
    ("twenty", 20),
    ("zwanzig", 20),
    ("vingt", 20),
    ("veinte", 20),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Day,
    Week,
    Month,
    Year,
}

fn unit(word: &str) -> Option<Unit> {
    Some(match word {
        "day" | "days" | "tag" | "tage" | "tagen" | "jour" | "jours" | "día" | "días" | "dia" | "dias" => Unit::Day,
        "week" | "weeks" | "woche" | "wochen" | "semaine" | "semaines" | "semana" | "semanas" => Unit::Week,
        "month" | "months" | "monat" | "monate" | "monaten" | "monats" | "mois" | "mes" | "meses" => Unit::Month,
        "year" | "years" | "jahr" | "jahre" | "jahren" | "an" | "ans" | "année" | "années" | "año" | "años" => {
            Unit::Year
        }
        _ => return None,
    })
}

/// Hedges between a relative expression's anchor and its count
/// ("a good ten days ago", "vor gut zwei Wochen", "hace unos tres meses").
fn is_hedge(word: &str) -> bool {
    HEDGES.contains(&word)
}

const HEDGES: &[&str] = &[
    "good", "about", "some", "nearly", "almost", "roughly", "around", "just", "over", "gut", "knapp", "etwa", "rund",
    "fast", "über", "mehr", "als", "environ", "près", "de", "plus", "unos", "unas", "casi", "más", "apenas",
];

fn year(token: &Token, published: NaiveDate) -> Option<i32> {
    if token.lower.len() != 4 {
        return None;
    }
    let y: i32 = token.lower.parse().ok()?;
    (1900..=published.year() + 1).contains(&y).then_some(y)
}

fn day_of_month(word: &str) -> Option<u32> {
    let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
    let suffix = &word[digits.len()..];
    if digits.is_empty() || !matches!(suffix, "" | "st" | "nd" | "rd" | "th" | "er" | "o" | "º") {
        return None;
    }
    let d: u32 = digits.parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

fn month_range(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(year, month, 1)?;
    let end = start.checked_add_months(Months::new(1))?.pred_opt()?;
    Some((start, end))
}

/// The latest occurrence of `month` not after the published month: "in
/// October" written in February means the October before.
fn latest_month(month: u32, published: NaiveDate) -> i32 {
    if month > published.month() {
        published.year() - 1
    } else {
        published.year()
    }
}

fn shift_back(published: NaiveDate, n: u32, unit: Unit) -> Option<(NaiveDate, NaiveDate, DatePrecision)> {
    Some(match unit {
        Unit::Day => {
            let d = published.checked_sub_days(Days::new(u64::from(n)))?;
            (d, d, DatePrecision::Day)
        }
        Unit::Week => {
            let d = published.checked_sub_days(Days::new(7 * u64::from(n)))?;
            (
                d.checked_sub_days(Days::new(3))?,
                d.checked_add_days(Days::new(3))?,
                DatePrecision::Week,
            )
        }
        Unit::Month => {
            let d = published.checked_sub_months(Months::new(n))?;
            (
                d.checked_sub_days(Days::new(15))?,
                d.checked_add_days(Days::new(15))?,
                DatePrecision::Month,
            )
        }
        Unit::Year => {
            let y = published.year() - n as i32;
            (
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y, 12, 31)?,
                DatePrecision::Year,
            )
        }
    })
}

/// Words that introduce a bare month or year ("in October", "im März",
/// "en octobre", "desde 2018", "early October", "Anfang Oktober").
fn introduces_period(word: &str) -> bool {
    matches!(
        word,
        "in" | "since"
            | "early"
            | "late"
            | "mid"
            | "last"
            | "im"
            | "seit"
            | "anfang"
            | "ende"
            | "mitte"
            | "en"
            | "depuis"
            | "début"
            | "fin"
            | "mi"
            | "desde"
            | "principios"
            | "finales"
            | "mediados"
            | "de"
            | "of"
            | "jahr"
            | "année"
            | "año"
            | "until"
            | "bis"
            | "jusqu"
            | "hasta"
    )
}

/// Part of a month an "early/late/mid" qualifier narrows to.
fn month_part(word: &str, start: NaiveDate, end: NaiveDate) -> (NaiveDate, NaiveDate) {
    let day = |d: u32| start.with_day(d).unwrap_or(start);
    match word {
        "early" | "anfang" | "début" | "principios" => (start, day(10)),
        "mid" | "mitte" | "mi" | "mediados" => (day(11), day(20)),
        "late" | "ende" | "fin" | "finales" => (day(21), end),
        _ => (start, end),
    }
}

/// Words, besides those starting with a digit, that can open a date
/// expression: the first words of the rules below that are not month,
/// weekday, count or hedge words.
const OPENERS: &[&str] = &[
    "vor",
    "il",
    "hace",
    "last",
    "letzte",
    "letzten",
    "vergangene",
    "vergangenen",
    "vorige",
    "vorigen",
    "semaine",
    "semana",
    "mois",
    "mes",
    "année",
    "an",
    "año",
    "yesterday",
    "gestern",
    "ayer",
];

/// Whether a token (lower case) can open a date expression. Nearly every
/// word cannot, and one hash look-up saves it the hundreds of comparisons
/// the rules would make.
fn may_open_date(lower: &str) -> bool {
    static WORDS: OnceLock<FastMap<&'static str, ()>> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        let names = MONTHS_CAPITALISED
            .iter()
            .chain(MONTHS_ANY_CASE)
            .chain(COUNT_WORDS)
            .map(|e| e.0);
        names
            .chain(WEEKDAYS.iter().map(|e| e.0))
            .chain(HEDGES.iter().copied())
            .chain(OPENERS.iter().copied())
            .map(|w| (w, ()))
            .collect()
    });
    lower.as_bytes().first().is_some_and(u8::is_ascii_digit) || words.contains_key(lower)
}

/// Every date expression in `text` that the rules recognise, resolved
/// against the `published` day, in text order.
pub fn event_dates(text: &str, published: NaiveDate) -> Vec<EventDate> {
    let toks = tokens(text);
    let mut out = Vec::new();
    let word = |i: usize| toks.get(i).map(|t| t.lower.as_ref()).unwrap_or("");
    let gap = |i: usize| -> &str {
        match (toks.get(i), toks.get(i + 1)) {
            (Some(a), Some(b)) => &text[a.span.end..b.span.start],
            _ => "",
        }
    };
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if !may_open_date(&t.lower) {
            i += 1;
            continue;
        }
        let span_to = |j: usize| t.span.start..toks[j].span.end;
        let mut push = |start: NaiveDate, end: NaiveDate, precision, last: usize| {
            out.push(EventDate {
                start,
                end,
                precision,
                span: span_to(last),
            });
            last + 1
        };

        // ISO 2021-10-18.
        if t.lower.len() == 4 && gap(i) == "-" && gap(i + 1) == "-" {
            if let (Ok(y), Ok(m), Ok(d)) = (t.lower.parse(), word(i + 1).parse(), word(i + 2).parse()) {
                if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                    i = push(date, date, DatePrecision::Day, i + 2);
                    continue;
                }
            }
        }

        // 15 October 2021, 15. Oktober, 15 de octubre de 2021, 1er mars.
        if let Some(d) = day_of_month(&t.lower) {
            let mut j = i + 1;
            if word(j) == "de" {
                j += 1;
            }
            if let Some(m) = toks.get(j).and_then(month) {
                let mut k = j + 1;
                if word(k) == "de" {
                    k += 1;
                }
                let (y, last) = match toks.get(k).and_then(|t| year(t, published)) {
                    Some(y) => (y, k),
                    None => (latest_month(m, published), j),
                };
                if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                    i = push(date, date, DatePrecision::Day, last);
                    continue;
                }
            }
        }

        if let Some(m) = month(t) {
            // October 15, 2021 / October 15.
            if let Some(d) = day_of_month(word(i + 1)) {
                let (y, last) = match toks.get(i + 2).and_then(|t| year(t, published)) {
                    Some(y) => (y, i + 2),
                    None => (latest_month(m, published), i + 1),
                };
                if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                    i = push(date, date, DatePrecision::Day, last);
                    continue;
                }
            }
            // October 2021, octubre de 2021.
            let k = if word(i + 1) == "de" { i + 2 } else { i + 1 };
            if let Some(y) = toks.get(k).and_then(|t| year(t, published)) {
                if let Some((s, e)) = month_range(y, m) {
                    let (s, e) = month_part(word(i.wrapping_sub(1)), s, e);
                    i = push(s, e, DatePrecision::Month, k);
                    continue;
                }
            }
            // In (early) October, début octobre, a principios de octubre.
            let before = word(i.wrapping_sub(1));
            if i > 0 && introduces_period(before) {
                let qualifier = if before == "de" {
                    word(i.wrapping_sub(2))
                } else {
                    before
                };
                if let Some((s, e)) = month_range(latest_month(m, published), m) {
                    let (s, e) = month_part(qualifier, s, e);
                    i = push(s, e, DatePrecision::Month, i);
                    continue;
                }
            }
        }

        // In 2018, seit 2018, en 2018, desde 2018.
        if let Some(y) = year(t, published) {
            if i > 0 && introduces_period(word(i - 1)) {
                if let (Some(s), Some(e)) = (NaiveDate::from_ymd_opt(y, 1, 1), NaiveDate::from_ymd_opt(y, 12, 31)) {
                    i = push(s, e, DatePrecision::Year, i);
                    continue;
                }
            }
        }

        // Relative counts: "ten days ago", "vor zehn Tagen", "il y a dix
        // jours", "hace diez días". `anchor` is where the count search starts.
        let relative = match t.lower.as_ref() {
            "vor" => Some(i + 1),
            "il" if word(i + 1) == "y" && word(i + 2) == "a" => Some(i + 3),
            "hace" => Some(i + 1),
            _ => None,
        };
        let english_start = count(&t.lower).is_some() || is_hedge(&t.lower);
        if relative.is_some() || english_start {
            let mut j = relative.unwrap_or(i);
            while j < toks.len() && j < i + 4 && is_hedge(word(j)) && count(word(j)).is_none() {
                j += 1;
            }
            if let (Some(n), Some(u)) = (count(word(j)), unit(word(j + 1))) {
                let english_ago = relative.is_none() && word(j + 2) == "ago";
                // "an" is French for year only after a count: "il y a deux ans".
                let unit_ok = !(word(j + 1) == "an" && relative.is_none());
                if (relative.is_some() || english_ago) && unit_ok {
                    if let Some((s, e, p)) = shift_back(published, n, u) {
                        let last = if english_ago { j + 2 } else { j + 1 };
                        i = push(s, e, p, last);
                        continue;
                    }
                }
            }
        }

        // Last week/month/year and its neighbours.
        let last_unit = match (t.lower.as_ref(), word(i + 1), word(i + 2)) {
            ("last" | "letzte" | "letzten" | "vergangene" | "vergangenen" | "vorige" | "vorigen", u, _) => {
                unit(u).map(|u| (u, i + 1))
            }
            ("semaine", "dernière", _) | ("semana", "pasada", _) => Some((Unit::Week, i + 1)),
            ("mois", "dernier", _) | ("mes", "pasado", _) => Some((Unit::Month, i + 1)),
            ("année" | "an", "dernière" | "dernier", _) | ("año", "pasado", _) => Some((Unit::Year, i + 1)),
            _ => None,
        };
        if let Some((u, last)) = last_unit {
            if u != Unit::Day {
                if let Some((s, e, p)) = shift_back(published, 1, u) {
                    i = push(s, e, p, last);
                    continue;
                }
            }
        }

        // Yesterday. French "hier" is left out: it is German for "here".
        if matches!(t.lower.as_ref(), "yesterday" | "gestern" | "ayer") {
            if let Some(d) = published.pred_opt() {
                i = push(d, d, DatePrecision::Day, i);
                continue;
            }
        }

        // On Monday: the latest such day up to the published one.
        if let Some(w) = weekday(t) {
            let back = (7 + published.weekday().num_days_from_monday() - w.num_days_from_monday()) % 7;
            if let Some(d) = published.checked_sub_days(Days::new(u64::from(back))) {
                i = push(d, d, DatePrecision::Day, i);
                continue;
            }
        }
        i += 1;
    }
    out
}

/// What a document's own dates say about when its events happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EventEvidence {
    /// Expressions (day to month precision) ending more than the re-dating
    /// gap before publication.
    pub old: usize,
    /// Expressions (day to month precision) within that gap.
    pub recent: usize,
    /// Month of the year (1–12) of the latest old expression, which a
    /// matching earlier story should share whatever the year.
    pub old_month: Option<u32>,
}

pub(crate) fn evidence(text: &str, published: NaiveDate, gap_days: i64) -> EventEvidence {
    let mut ev = EventEvidence::default();
    let mut latest_old: Option<NaiveDate> = None;
    for d in event_dates(text, published) {
        if d.precision == DatePrecision::Year {
            continue;
        }
        if (published - d.end).num_days() > gap_days {
            ev.old += 1;
            if latest_old.is_none_or(|l| d.start > l) {
                latest_old = Some(d.start);
            }
        } else {
            ev.recent += 1;
        }
    }
    ev.old_month = latest_old.map(|d| d.month());
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn resolved(text: &str, published: &str) -> Vec<(String, String, DatePrecision, String)> {
        event_dates(text, day(published))
            .into_iter()
            .map(|d| {
                (
                    d.start.to_string(),
                    d.end.to_string(),
                    d.precision,
                    text[d.span].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn english_relative_and_named_dates() {
        let got = resolved(
            "In early October the council voted. A good ten days ago the mayor resigned, \
             and in 2018 she had been re-elected. Police said on Monday that 3 weeks ago \
             nothing was known. The May 4, 2020 report may help.",
            "2021-10-20",
        );
        let want = [
            ("2021-10-01", "2021-10-10", DatePrecision::Month, "October"),
            ("2021-10-10", "2021-10-10", DatePrecision::Day, "good ten days ago"),
            ("2018-01-01", "2018-12-31", DatePrecision::Year, "2018"),
            ("2021-10-18", "2021-10-18", DatePrecision::Day, "Monday"),
            ("2021-09-26", "2021-10-02", DatePrecision::Week, "3 weeks ago"),
            ("2020-05-04", "2020-05-04", DatePrecision::Day, "May 4, 2020"),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0.as_str(), g.1.as_str(), g.2, g.3.as_str()), w);
        }
    }

    #[test]
    fn a_month_alone_means_the_latest_one_before_publication() {
        let got = resolved("Talks began in October and ended last week.", "2023-02-02");
        assert_eq!(got[0].0, "2022-10-01");
        assert_eq!(got[0].1, "2022-10-31");
        assert_eq!(got[1].2, DatePrecision::Week);
        assert_eq!(got[1].0, "2023-01-23");
    }

    #[test]
    fn german_french_and_spanish() {
        let de = resolved(
            "Vor gut zehn Tagen, am 3. März 2024, begann der Streik; seit 2019 wird verhandelt.",
            "2024-03-13",
        );
        assert_eq!(de[0].0, "2024-03-03");
        assert_eq!(de[1].0, "2024-03-03");
        assert_eq!(de[1].3, "3. März 2024");
        assert_eq!(de[2].2, DatePrecision::Year);
        assert_eq!(de[2].3, "2019");

        let fr = resolved(
            "Il y a deux mois, le 1er mars, puis début octobre 2022 et la semaine dernière.",
            "2023-05-10",
        );
        assert_eq!(fr[0].2, DatePrecision::Month);
        assert_eq!(fr[0].0, "2023-02-23");
        assert_eq!(fr[1].0, "2023-03-01");
        assert_eq!((fr[2].0.as_str(), fr[2].1.as_str()), ("2022-10-01", "2022-10-10"));
        assert_eq!(fr[3].2, DatePrecision::Week);

        let es = resolved(
            "Hace tres días, el 21 de mayo de 2025, y a principios de octubre; el lunes hubo calma.",
            "2025-05-24",
        );
        assert_eq!(es[0].0, "2025-05-21");
        assert_eq!(es[1].0, "2025-05-21");
        assert_eq!((es[2].0.as_str(), es[2].1.as_str()), ("2024-10-01", "2024-10-10"));
        assert_eq!(es[3].0, "2025-05-19");
    }

    #[test]
    fn ordinary_words_and_numbers_are_not_dates() {
        let got = resolved(
            "You may march with 1211 others; the 4.25 rate rose by 300 points. It was a day to remember. \
             German: hier ist das Büro.",
            "2024-01-10",
        );
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn evidence_counts_old_and_recent_mentions() {
        let ev = evidence(
            "In early October the plant closed. A good ten days ago workers marched. In 2018 it opened.",
            day("2023-02-02"),
            30,
        );
        assert_eq!(ev.old, 1);
        assert_eq!(ev.recent, 1);
        assert_eq!(ev.old_month, Some(10));
        assert_eq!(
            evidence("Nothing dated here.", day("2023-02-02"), 30),
            EventEvidence::default()
        );
    }
}
