//! How diverse a story's coverage is: how many outlets, languages and
//! countries report it.
//!
//! An outlet's country is its source's `country` setting (from the sources
//! page or a `country:XX` category in OPML), else the country of its
//! domain's two-letter top-level domain, else unknown. Generic domains
//! (.com, .org, .net, ...) and country domains sold for other uses (.io,
//! .tv, ...) say nothing.

use std::collections::HashMap;

use serde::Serialize;
use store::{ArticleId, ArticleOrigin, ArticleSummary};

/// Every assigned ISO 3166-1 alpha-2 code, in upper case.
const ISO_3166_ALPHA_2: &str = "\
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
    DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
    HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
    KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY \
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
    NA NC NE NF NG NI NL NO NP NR NU NZ OM \
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
    VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Country domains mostly registered by anyone, anywhere: they name a
/// country only under a second-level domain such as `.com.co`.
const BORROWED_TLDS: &[&str] = &[
    "ai", "am", "cc", "co", "fm", "gg", "io", "ly", "me", "nu", "to", "tv", "ws",
];

/// Second-level domains that registries keep for their own country.
const NATIONAL_SECOND_LEVELS: &[&str] = &["ac", "co", "com", "edu", "gob", "gov", "net", "org"];

/// Whether `code` (upper case) is an assigned ISO 3166-1 alpha-2 code.
pub(crate) fn is_country_code(code: &str) -> bool {
    code.len() == 2 && ISO_3166_ALPHA_2.split_whitespace().any(|c| c == code)
}

/// The country a host's top-level domain stands for, if it stands for one.
pub(crate) fn country_of_host(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let mut labels = host.rsplit('.');
    let tld = labels.next()?;
    if tld.len() != 2 {
        return None;
    }
    if BORROWED_TLDS.contains(&tld) && !labels.next().is_some_and(|l| NATIONAL_SECOND_LEVELS.contains(&l)) {
        return None;
    }
    // The United Kingdom's domain is .uk, its code GB.
    let code = if tld == "uk" {
        "GB".to_string()
    } else {
        tld.to_ascii_uppercase()
    };
    is_country_code(&code).then_some(code)
}

/// The country of one article: its source's setting, else its domain.
fn country_of(origin: &ArticleOrigin) -> Option<String> {
    let setting = origin
        .country
        .as_deref()
        .map(str::to_ascii_uppercase)
        .filter(|c| is_country_code(c));
    setting.or_else(|| {
        [origin.url.as_deref(), Some(origin.canonical_url.as_str())]
            .into_iter()
            .flatten()
            .filter_map(|u| url::Url::parse(u).ok())
            .find_map(|u| u.host_str().and_then(country_of_host))
    })
}

/// A language or a country, with the outlets that cover the story in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Group {
    pub code: String,
    pub outlets: Vec<String>,
}

/// Who covers a story.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub(crate) struct Diversity {
    /// Distinct outlets, in the order they first reported.
    pub outlets: Vec<String>,
    /// Languages (primary subtag, lower case), most outlets first.
    pub languages: Vec<Group>,
    /// Countries (ISO 3166-1 alpha-2), most outlets first.
    pub countries: Vec<Group>,
    /// Outlets whose country is not known.
    pub unknown_country: Vec<String>,
    /// Outlets none of whose articles names its language.
    pub unknown_language: Vec<String>,
}

impl Diversity {
    /// Counts over every article of a story (`articles`, oldest first);
    /// `origins` gives each article's source country and addresses.
    pub(crate) fn of(articles: &[ArticleSummary], origins: &HashMap<ArticleId, ArticleOrigin>) -> Diversity {
        let mut outlets: Vec<String> = Vec::new();
        let mut languages: Vec<Group> = Vec::new();
        let mut countries: HashMap<String, Option<String>> = HashMap::new();
        let mut spoken: HashMap<String, bool> = HashMap::new();
        for article in articles {
            let outlet = &article.outlet;
            if !outlets.contains(outlet) {
                outlets.push(outlet.clone());
            }
            // An outlet keeps the first country one of its articles gives.
            let known = countries.entry(outlet.clone()).or_default();
            if known.is_none() {
                *known = origins.get(&article.id).and_then(country_of);
            }
            let language = article
                .language
                .as_deref()
                .and_then(|l| l.split(['-', '_']).next())
                .map(|l| l.trim().to_ascii_lowercase())
                .filter(|l| !l.is_empty());
            let has_language = spoken.entry(outlet.clone()).or_default();
            if let Some(language) = language {
                *has_language = true;
                add_to_group(&mut languages, &language, outlet);
            }
        }
        let mut by_country: Vec<Group> = Vec::new();
        let mut unknown_country = Vec::new();
        for outlet in &outlets {
            match countries.get(outlet).cloned().flatten() {
                Some(code) => add_to_group(&mut by_country, &code, outlet),
                None => unknown_country.push(outlet.clone()),
            }
        }
        let unknown_language = outlets.iter().filter(|o| !spoken[*o]).cloned().collect();
        // Stable sorts: ties keep the order of first report.
        languages.sort_by_key(|g| std::cmp::Reverse(g.outlets.len()));
        by_country.sort_by_key(|g| std::cmp::Reverse(g.outlets.len()));
        Diversity {
            outlets,
            languages,
            countries: by_country,
            unknown_country,
            unknown_language,
        }
    }

    /// "3 outlets · 2 languages · 2 countries".
    pub(crate) fn headline(&self) -> String {
        let count = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{} · {} · {}",
            count(self.outlets.len(), "outlet", "outlets"),
            count(self.languages.len(), "language", "languages"),
            count(self.countries.len(), "country", "countries"),
        )
    }
}

fn add_to_group(groups: &mut Vec<Group>, code: &str, outlet: &str) {
    match groups.iter_mut().find(|g| g.code == code) {
        Some(group) => {
            if !group.outlets.iter().any(|o| o == outlet) {
                group.outlets.push(outlet.to_string());
            }
        }
        None => groups.push(Group {
            code: code.to_string(),
            outlets: vec![outlet.to_string()],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_list_is_iso_3166_1() {
        let codes: Vec<&str> = ISO_3166_ALPHA_2.split_whitespace().collect();
        assert_eq!(codes.len(), 249);
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, codes, "sorted, each once");
    }

    #[test]
    fn country_domains_name_countries_and_generic_ones_do_not() {
        assert_eq!(country_of_host("lagoon-courier.example.nz").as_deref(), Some("NZ"));
        assert_eq!(country_of_host("news.tidewater.co.uk").as_deref(), Some("GB"));
        assert_eq!(country_of_host("WWW.Heraldo.CL.").as_deref(), Some("CL"));
        assert_eq!(country_of_host("diario.com.co").as_deref(), Some("CO"));
        for host in [
            "coastal.example",
            "news.example.com",
            "x.org",
            "startup.io",
            "channel.tv",
            "x.eu",
            "x.su",
        ] {
            assert_eq!(country_of_host(host), None, "{host}");
        }
    }

    fn article(id: i64, outlet: &str, language: Option<&str>) -> ArticleSummary {
        ArticleSummary {
            id: ArticleId(id),
            title: None,
            url: None,
            outlet: outlet.to_string(),
            language: language.map(str::to_string),
            published: None,
            copy_of: None,
            redated: false,
            description: None,
        }
    }

    fn origin(id: i64, url: &str, country: Option<&str>) -> (ArticleId, ArticleOrigin) {
        let id = ArticleId(id);
        let origin = ArticleOrigin {
            id,
            canonical_url: url.to_string(),
            url: None,
            country: country.map(str::to_string),
        };
        (id, origin)
    }

    #[test]
    fn outlets_languages_and_countries_are_counted_once_each() {
        let articles = [
            article(1, "Lagoon Courier", Some("en-NZ")),
            article(2, "Lagoon Courier", Some("en")),
            article(3, "Tidewater Post", Some("en")),
            article(4, "Gazeta do Cais", Some("pt")),
            article(5, "Wire Echo", None),
        ];
        let origins = HashMap::from([
            origin(1, "https://lagoon-courier.example.nz/a", None),
            origin(2, "https://lagoon-courier.example.nz/b", None),
            // The source's setting wins over the domain.
            origin(3, "https://tidewater.example.nz/c", Some("gb")),
            origin(4, "https://gazeta.example.com/d", Some("PT")),
            origin(5, "https://echo.example/e", None),
        ]);
        let diversity = Diversity::of(&articles, &origins);
        assert_eq!(
            diversity.outlets,
            ["Lagoon Courier", "Tidewater Post", "Gazeta do Cais", "Wire Echo"]
        );
        let groups = |g: &[Group]| {
            g.iter()
                .map(|g| (g.code.clone(), g.outlets.join("+")))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            groups(&diversity.languages),
            [
                ("en".into(), "Lagoon Courier+Tidewater Post".into()),
                ("pt".into(), "Gazeta do Cais".into())
            ]
        );
        assert_eq!(
            groups(&diversity.countries),
            [
                ("NZ".into(), "Lagoon Courier".into()),
                ("GB".into(), "Tidewater Post".into()),
                ("PT".into(), "Gazeta do Cais".into())
            ]
        );
        assert_eq!(diversity.unknown_country, ["Wire Echo"]);
        assert_eq!(diversity.unknown_language, ["Wire Echo"]);
        assert_eq!(diversity.headline(), "4 outlets · 2 languages · 3 countries");
        assert_eq!(
            Diversity::of(&[], &HashMap::new()).headline(),
            "0 outlets · 0 languages · 0 countries"
        );
    }
}
