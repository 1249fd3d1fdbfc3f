//! The built-in gazetteer: countries, regions and major cities, and
//! international organisations, each with its names in the supported
//! languages (en, de, fr, es, it, nl, pt) and one canonical key, so that
//! "Deutschland", "Germany" and "Allemagne" are one place. Written for this
//! project; the first name of each entry is its display name.

use std::sync::OnceLock;

use crate::hash::FastMap;

use super::fold::fold;
use super::EntityKind;

/// One entry of a table: its key, then its names.
type Names = (&'static str, &'static [&'static str]);

/// Countries and regions: key, then names (the English one first).
#[rustfmt::skip]
const COUNTRIES: &[(&str, &[&str])] = &[
    ("germany", &["Germany", "Deutschland", "Allemagne", "Alemania", "Germania", "Duitsland", "Alemanha", "Bundesrepublik"]),
    ("france", &["France", "Frankreich", "Francia", "Frankrijk", "França"]),
    ("spain", &["Spain", "Spanien", "Espagne", "España", "Spagna", "Spanje", "Espanha"]),
    ("italy", &["Italy", "Italien", "Italie", "Italia", "Italië", "Itália"]),
    ("netherlands", &["Netherlands", "Niederlande", "Pays-Bas", "Países Bajos", "Paesi Bassi", "Nederland", "Países Baixos", "Holland", "Holanda", "Hollande", "Olanda"]),
    ("portugal", &["Portugal", "Portogallo"]),
    ("belgium", &["Belgium", "Belgien", "Belgique", "Bélgica", "Belgio", "België"]),
    ("austria", &["Austria", "Österreich", "Autriche", "Oostenrijk", "Áustria"]),
    ("switzerland", &["Switzerland", "Schweiz", "Suisse", "Suiza", "Svizzera", "Zwitserland", "Suíça"]),
    ("united_kingdom", &["United Kingdom", "UK", "U.K.", "Britain", "Great Britain", "Großbritannien", "Vereinigtes Königreich", "Royaume-Uni", "Grande-Bretagne", "Reino Unido", "Gran Bretaña", "Regno Unito", "Gran Bretagna", "Verenigd Koninkrijk", "Groot-Brittannië", "Grã-Bretanha"]),
    ("england", &["England", "Angleterre", "Inglaterra", "Inghilterra", "Engeland"]),
    ("scotland", &["Scotland", "Schottland", "Écosse", "Escocia", "Scozia", "Schotland", "Escócia"]),
    ("wales", &["Wales", "Pays de Galles", "Gales", "Galles", "País de Gales"]),
    ("ireland", &["Ireland", "Irland", "Irlande", "Irlanda", "Ierland"]),
    ("united_states", &["United States", "USA", "U.S.", "U.S.A.", "US", "America", "Vereinigte Staaten", "Amerika", "États-Unis", "Amérique", "Estados Unidos", "EE.UU.", "EEUU", "Stati Uniti", "Verenigde Staten", "EUA", "Estados Unidos da América"]),
    ("canada", &["Canada", "Kanada", "Canadá"]),
    ("mexico", &["Mexico", "Mexiko", "Mexique", "México", "Messico"]),
    ("brazil", &["Brazil", "Brasilien", "Brésil", "Brasil", "Brasile", "Brazilië"]),
    ("argentina", &["Argentina", "Argentinien", "Argentine", "Argentinië"]),
    ("chile", &["Chile", "Chili", "Cile"]),
    ("colombia", &["Colombia", "Kolumbien", "Colombie", "Colômbia"]),
    ("peru", &["Peru", "Pérou", "Perú", "Perù"]),
    ("venezuela", &["Venezuela"]),
    ("cuba", &["Cuba", "Kuba"]),
    ("china", &["China", "Chine", "Cina", "Volksrepublik China"]),
    ("japan", &["Japan", "Japon", "Japón", "Giappone", "Japão"]),
    ("india", &["India", "Indien", "Inde", "Índia"]),
    ("pakistan", &["Pakistan", "Pakistán", "Paquistão"]),
    ("russia", &["Russia", "Russland", "Russie", "Rusia", "Rusland", "Rússia"]),
    ("ukraine", &["Ukraine", "Ucrania", "Ucraina", "Oekraïne", "Ucrânia"]),
    ("poland", &["Poland", "Polen", "Pologne", "Polonia", "Polônia", "Polónia"]),
    ("czechia", &["Czechia", "Czech Republic", "Tschechien", "Tchéquie", "République tchèque", "Chequia", "República Checa", "Repubblica Ceca", "Tsjechië", "Chéquia", "República Tcheca"]),
    ("slovakia", &["Slovakia", "Slowakei", "Slovaquie", "Eslovaquia", "Slovacchia", "Slowakije", "Eslováquia"]),
    ("hungary", &["Hungary", "Ungarn", "Hongrie", "Hungría", "Ungheria", "Hongarije", "Hungria"]),
    ("romania", &["Romania", "Rumänien", "Roumanie", "Rumania", "Roemenië", "Romênia", "Roménia"]),
    ("bulgaria", &["Bulgaria", "Bulgarien", "Bulgarie", "Bulgarije", "Bulgária"]),
    ("greece", &["Greece", "Griechenland", "Grèce", "Grecia", "Griekenland", "Grécia"]),
    ("turkey", &["Turkey", "Türkiye", "Türkei", "Turquie", "Turquía", "Turchia", "Turkije", "Turquia"]),
    ("sweden", &["Sweden", "Schweden", "Suède", "Suecia", "Svezia", "Zweden", "Suécia"]),
    ("norway", &["Norway", "Norwegen", "Norvège", "Noruega", "Norvegia", "Noorwegen"]),
    ("denmark", &["Denmark", "Dänemark", "Danemark", "Dinamarca", "Danimarca", "Denemarken"]),
    ("finland", &["Finland", "Finnland", "Finlande", "Finlandia", "Finlândia"]),
    ("iceland", &["Iceland", "Islande", "Islandia", "Islanda", "IJsland", "Islândia"]),
    ("luxembourg", &["Luxembourg", "Luxemburg", "Luxemburgo", "Lussemburgo"]),
    ("croatia", &["Croatia", "Kroatien", "Croatie", "Croacia", "Croazia", "Kroatië", "Croácia"]),
    ("serbia", &["Serbia", "Serbien", "Serbie", "Servië", "Sérvia"]),
    ("slovenia", &["Slovenia", "Slowenien", "Slovénie", "Eslovenia", "Slovenië", "Eslovénia"]),
    ("israel", &["Israel", "Israël", "Israele"]),
    ("palestine", &["Palestine", "Palästina", "Palestina", "Gaza", "Gazastreifen", "Westjordanland", "West Bank", "Cisjordanie", "Cisjordania"]),
    ("egypt", &["Egypt", "Ägypten", "Égypte", "Egipto", "Egitto", "Egypte", "Egito"]),
    ("iran", &["Iran", "Irán", "Irã"]),
    ("iraq", &["Iraq", "Irak", "Iraque"]),
    ("syria", &["Syria", "Syrien", "Syrie", "Siria", "Syrië", "Síria"]),
    ("lebanon", &["Lebanon", "Libanon", "Liban", "Líbano", "Libano"]),
    ("saudi_arabia", &["Saudi Arabia", "Saudi-Arabien", "Arabie saoudite", "Arabia Saudita", "Arabia Saudí", "Saoedi-Arabië", "Arábia Saudita"]),
    ("morocco", &["Morocco", "Marokko", "Maroc", "Marruecos", "Marocco", "Marrocos"]),
    ("algeria", &["Algeria", "Algerien", "Algérie", "Argelia", "Algerije", "Argélia"]),
    ("tunisia", &["Tunisia", "Tunesien", "Tunisie", "Túnez", "Tunesië", "Tunísia"]),
    ("libya", &["Libya", "Libyen", "Libye", "Libia", "Libië", "Líbia"]),
    ("nigeria", &["Nigeria", "Nigéria"]),
    ("kenya", &["Kenya", "Kenia", "Quénia", "Quênia"]),
    ("south_africa", &["South Africa", "Südafrika", "Afrique du Sud", "Sudáfrica", "Sudafrica", "Zuid-Afrika", "África do Sul"]),
    ("ethiopia", &["Ethiopia", "Äthiopien", "Éthiopie", "Etiopía", "Etiopia", "Ethiopië", "Etiópia"]),
    ("australia", &["Australia", "Australien", "Australie", "Australië", "Austrália"]),
    ("new_zealand", &["New Zealand", "Neuseeland", "Nouvelle-Zélande", "Nueva Zelanda", "Nuova Zelanda", "Nieuw-Zeeland", "Nova Zelândia"]),
    ("indonesia", &["Indonesia", "Indonesien", "Indonésie", "Indonesië", "Indonésia"]),
    ("thailand", &["Thailand", "Thaïlande", "Tailandia", "Thailandia", "Tailândia"]),
    ("vietnam", &["Vietnam", "Viêt Nam", "Vietnã", "Vietname"]),
    ("philippines", &["Philippines", "Philippinen", "Filipinas", "Filippine", "Filipijnen"]),
    ("south_korea", &["South Korea", "Südkorea", "Corée du Sud", "Corea del Sur", "Corea del Sud", "Zuid-Korea", "Coreia do Sul"]),
    ("north_korea", &["North Korea", "Nordkorea", "Corée du Nord", "Corea del Norte", "Corea del Nord", "Noord-Korea", "Coreia do Norte"]),
    ("afghanistan", &["Afghanistan", "Afganistán", "Afghanistan", "Afeganistão"]),
    ("qatar", &["Qatar", "Katar"]),
    ("united_arab_emirates", &["United Arab Emirates", "UAE", "Vereinigte Arabische Emirate", "Émirats arabes unis", "Emiratos Árabes Unidos", "Emirati Arabi Uniti", "Verenigde Arabische Emiraten", "Emirados Árabes Unidos"]),
    ("europe", &["Europe", "Europa"]),
    ("africa", &["Africa", "Afrika", "Afrique", "África"]),
    ("asia", &["Asia", "Asien", "Asie", "Azië", "Ásia"]),
    ("latin_america", &["Latin America", "Lateinamerika", "Amérique latine", "América Latina", "America Latina", "Latijns-Amerika"]),
    ("middle_east", &["Middle East", "Nahost", "Naher Osten", "Moyen-Orient", "Oriente Medio", "Medio Oriente", "Midden-Oosten", "Oriente Médio"]),
];

/// Capitals and other major cities: key, then names.
#[rustfmt::skip]
const CITIES: &[(&str, &[&str])] = &[
    ("berlin", &["Berlin", "Berlino", "Berlijn", "Berlim"]),
    ("paris", &["Paris", "Parigi", "Parijs"]),
    ("madrid", &["Madrid", "Madri"]),
    ("rome", &["Rome", "Rom", "Roma"]),
    ("london", &["London", "Londres", "Londra", "Londen"]),
    ("amsterdam", &["Amsterdam", "Ámsterdam", "Amsterdão"]),
    ("lisbon", &["Lisbon", "Lissabon", "Lisbonne", "Lisboa", "Lisbona"]),
    ("brussels", &["Brussels", "Brüssel", "Bruxelles", "Bruselas", "Bruxelas", "Brussel"]),
    ("vienna", &["Vienna", "Wien", "Vienne", "Viena", "Wenen"]),
    ("bern", &["Bern", "Berne", "Berna"]),
    ("zurich", &["Zurich", "Zürich", "Zúrich", "Zurigo"]),
    ("geneva", &["Geneva", "Genf", "Genève", "Ginebra", "Ginevra", "Genebra"]),
    ("dublin", &["Dublin", "Dublino", "Dublim"]),
    ("edinburgh", &["Edinburgh", "Édimbourg", "Edimburgo"]),
    ("munich", &["Munich", "München", "Múnich", "Monaco di Baviera", "Munique"]),
    ("hamburg", &["Hamburg", "Hambourg", "Hamburgo", "Amburgo"]),
    ("cologne", &["Cologne", "Köln", "Colonia", "Keulen", "Colônia"]),
    ("frankfurt", &["Frankfurt", "Francfort", "Fráncfort", "Francoforte", "Frankfurt am Main"]),
    ("stuttgart", &["Stuttgart", "Estugarda", "Stoccarda"]),
    ("dresden", &["Dresden", "Dresde", "Dresda"]),
    ("leipzig", &["Leipzig", "Leipzig", "Lipsia"]),
    ("milan", &["Milan", "Mailand", "Milano", "Milán", "Milão"]),
    ("naples", &["Naples", "Neapel", "Napoli", "Nápoles"]),
    ("turin", &["Turin", "Torino", "Turim"]),
    ("venice", &["Venice", "Venedig", "Venise", "Venecia", "Venezia", "Venetië", "Veneza"]),
    ("florence", &["Florence", "Florenz", "Firenze", "Florencia", "Florença"]),
    ("genoa", &["Genoa", "Genua", "Gênes", "Génova", "Genova"]),
    ("barcelona", &["Barcelona", "Barcelone", "Barcellona"]),
    ("seville", &["Seville", "Sevilla", "Séville", "Siviglia", "Sevilha"]),
    ("valencia", &["Valencia", "Valence", "Valenza", "Valência"]),
    ("porto", &["Porto", "Oporto"]),
    ("marseille", &["Marseille", "Marseilles", "Marsella", "Marsiglia", "Marselha"]),
    ("lyon", &["Lyon", "Lyons", "Lione", "Lião"]),
    ("rotterdam", &["Rotterdam", "Róterdam", "Roterdão"]),
    ("the_hague", &["The Hague", "Den Haag", "La Haye", "La Haya", "L'Aia", "Haia"]),
    ("antwerp", &["Antwerp", "Antwerpen", "Anvers", "Amberes", "Anversa", "Antuérpia"]),
    ("copenhagen", &["Copenhagen", "Kopenhagen", "Copenhague", "Copenaghen", "Copenhaga"]),
    ("stockholm", &["Stockholm", "Estocolmo", "Stoccolma"]),
    ("oslo", &["Oslo"]),
    ("helsinki", &["Helsinki", "Helsingfors"]),
    ("warsaw", &["Warsaw", "Warschau", "Varsovie", "Varsovia", "Varsavia", "Varsóvia"]),
    ("prague", &["Prague", "Prag", "Praga", "Praag"]),
    ("budapest", &["Budapest", "Budapeste"]),
    ("bucharest", &["Bucharest", "Bukarest", "Bucarest", "Boekarest", "Bucareste"]),
    ("athens", &["Athens", "Athen", "Athènes", "Atenas", "Atene", "Athene"]),
    ("belgrade", &["Belgrade", "Belgrad", "Belgrado"]),
    ("moscow", &["Moscow", "Moskau", "Moscou", "Moscú", "Mosca", "Moskou"]),
    ("kyiv", &["Kyiv", "Kiev", "Kiew", "Kyjiw", "Kiiv", "Kijev", "Kiev"]),
    ("istanbul", &["Istanbul", "Estambul", "Istambul", "Istanboel"]),
    ("ankara", &["Ankara", "Ancara"]),
    ("washington", &["Washington", "Washington D.C.", "Washington DC"]),
    ("new_york", &["New York", "New York City", "Nueva York", "Nova Iorque", "Nova York"]),
    ("los_angeles", &["Los Angeles"]),
    ("chicago", &["Chicago"]),
    ("toronto", &["Toronto"]),
    ("montreal", &["Montreal", "Montréal"]),
    ("ottawa", &["Ottawa"]),
    ("mexico_city", &["Mexico City", "Mexiko-Stadt", "Ciudad de México", "Città del Messico", "Cidade do México"]),
    ("havana", &["Havana", "Havanna", "La Havane", "La Habana", "L'Avana"]),
    ("bogota", &["Bogotá", "Bogota"]),
    ("lima", &["Lima"]),
    ("buenos_aires", &["Buenos Aires"]),
    ("sao_paulo", &["São Paulo", "Sao Paulo", "San Paolo"]),
    ("rio_de_janeiro", &["Rio de Janeiro", "Río de Janeiro"]),
    ("brasilia", &["Brasília", "Brasilia"]),
    ("santiago", &["Santiago", "Santiago de Chile"]),
    ("caracas", &["Caracas"]),
    ("beijing", &["Beijing", "Peking", "Pékin", "Pekín", "Pechino", "Pequim"]),
    ("shanghai", &["Shanghai", "Shanghái", "Xangai"]),
    ("hong_kong", &["Hong Kong", "Hongkong"]),
    ("tokyo", &["Tokyo", "Tokio", "Tóquio"]),
    ("seoul", &["Seoul", "Séoul", "Seúl", "Seul"]),
    ("new_delhi", &["New Delhi", "Neu-Delhi", "Nueva Delhi", "Nuova Delhi", "Nova Deli", "Delhi"]),
    ("mumbai", &["Mumbai", "Bombay"]),
    ("singapore", &["Singapore", "Singapur", "Singapour", "Singapura"]),
    ("bangkok", &["Bangkok", "Bangkok", "Banguecoque"]),
    ("jakarta", &["Jakarta", "Yakarta", "Giacarta", "Djakarta"]),
    ("manila", &["Manila", "Manille"]),
    ("jerusalem", &["Jerusalem", "Jérusalem", "Jerusalén", "Gerusalemme", "Jeruzalem", "Jerusalém"]),
    ("tel_aviv", &["Tel Aviv", "Tel-Aviv", "Tel Avive"]),
    ("tehran", &["Tehran", "Teheran", "Téhéran", "Teherán", "Teerã", "Teerão"]),
    ("baghdad", &["Baghdad", "Bagdad", "Bagdade"]),
    ("damascus", &["Damascus", "Damaskus", "Damas", "Damasco"]),
    ("beirut", &["Beirut", "Beyrouth", "Beirute"]),
    ("riyadh", &["Riyadh", "Riad", "Riyad", "Riade"]),
    ("dubai", &["Dubai", "Dubaï", "Dubái"]),
    ("doha", &["Doha"]),
    ("cairo", &["Cairo", "Kairo", "Le Caire", "El Cairo", "Il Cairo", "Caïro"]),
    ("nairobi", &["Nairobi"]),
    ("lagos", &["Lagos"]),
    ("johannesburg", &["Johannesburg", "Johannesburgo"]),
    ("cape_town", &["Cape Town", "Kapstadt", "Le Cap", "Ciudad del Cabo", "Città del Capo", "Kaapstad", "Cidade do Cabo"]),
    ("sydney", &["Sydney", "Sídney"]),
    ("canberra", &["Canberra"]),
    ("strasbourg", &["Strasbourg", "Straßburg", "Estrasburgo", "Strasburgo", "Straatsburg"]),
    ("vatican", &["Vatican", "Vatikan", "Vaticano", "Vaticaan", "Città del Vaticano"]),
];

/// International organisations whose names are translated: key, then
/// names and acronyms in each language.
#[rustfmt::skip]
const ORGANISATIONS: &[(&str, &[&str])] = &[
    ("united_nations", &["United Nations", "UN", "U.N.", "Vereinte Nationen", "Vereinten Nationen", "UNO", "VN", "Nations unies", "ONU", "Naciones Unidas", "Nazioni Unite", "Verenigde Naties", "Nações Unidas"]),
    ("european_union", &["European Union", "EU", "Europäische Union", "Europäischen Union", "Union européenne", "UE", "Unión Europea", "Unione europea", "Europese Unie", "União Europeia"]),
    ("european_commission", &["European Commission", "EU Commission", "EU-Kommission", "Europäische Kommission", "Commission européenne", "Comisión Europea", "Commissione europea", "Europese Commissie", "Comissão Europeia"]),
    ("european_parliament", &["European Parliament", "Europäisches Parlament", "EU-Parlament", "Europaparlament", "Parlement européen", "Parlamento Europeo", "Europees Parlement", "Parlamento Europeu"]),
    ("european_central_bank", &["European Central Bank", "ECB", "EZB", "Europäische Zentralbank", "BCE", "Banque centrale européenne", "Banco Central Europeo", "Banca centrale europea", "Europese Centrale Bank", "Banco Central Europeu"]),
    ("nato", &["NATO", "Nato", "OTAN", "NAVO"]),
    ("who", &["World Health Organization", "WHO", "Weltgesundheitsorganisation", "OMS", "Organisation mondiale de la santé", "Organización Mundial de la Salud", "Organizzazione mondiale della sanità", "Wereldgezondheidsorganisatie", "Organização Mundial da Saúde"]),
    ("imf", &["International Monetary Fund", "IMF", "IWF", "Internationaler Währungsfonds", "FMI", "Fonds monétaire international", "Fondo Monetario Internacional", "Fondo monetario internazionale", "Internationaal Monetair Fonds", "Fundo Monetário Internacional"]),
    ("world_bank", &["World Bank", "Weltbank", "Banque mondiale", "Banco Mundial", "Banca Mondiale", "Wereldbank"]),
    ("oecd", &["OECD", "OCDE", "OESO"]),
    ("unesco", &["UNESCO", "Unesco"]),
    ("unicef", &["UNICEF", "Unicef"]),
    ("red_cross", &["Red Cross", "Rotes Kreuz", "Croix-Rouge", "Cruz Roja", "Croce Rossa", "Rode Kruis", "Cruz Vermelha"]),
    ("interpol", &["Interpol", "INTERPOL"]),
    ("europol", &["Europol"]),
    ("wto", &["World Trade Organization", "WTO", "Welthandelsorganisation", "OMC", "Organisation mondiale du commerce", "Organización Mundial del Comercio"]),
    ("g7", &["G7", "G-7"]),
    ("g20", &["G20", "G-20"]),
    ("opec", &["OPEC", "Opec", "OPEP"]),
    ("fifa", &["FIFA", "Fifa"]),
    ("uefa", &["UEFA", "Uefa"]),
    ("bundestag", &["Bundestag"]),
    ("bundeswehr", &["Bundeswehr"]),
    ("ioc", &["International Olympic Committee", "IOC", "Internationales Olympisches Komitee", "CIO", "Comité international olympique", "Comité Olímpico Internacional"]),
];

/// One gazetteer entry as the extractor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub key: &'static str,
    pub display: &'static str,
    pub kind: EntityKind,
}

struct Gazetteer {
    /// Folded name → entry (a lookup for every run of name words).
    names: FastMap<String, Entry>,
    /// The most words any name has.
    longest: usize,
}

fn gazetteer() -> &'static Gazetteer {
    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    GAZETTEER.get_or_init(|| {
        let mut names = FastMap::default();
        let mut longest = 1;
        let lists: [(&[Names], EntityKind); 3] = [
            (ORGANISATIONS, EntityKind::Organisation),
            (COUNTRIES, EntityKind::Place),
            (CITIES, EntityKind::Place),
        ];
        for (list, kind) in lists {
            for (key, spellings) in list {
                let entry = Entry {
                    key,
                    display: spellings[0],
                    kind,
                };
                for name in *spellings {
                    let folded = fold(name);
                    longest = longest.max(folded.split(' ').count());
                    // The first list wins a shared spelling.
                    names.entry(folded).or_insert(entry);
                }
            }
        }
        Gazetteer { names, longest }
    })
}

/// The entry named by exactly these words, if any. Upper-case spellings
/// that are also ordinary words ("US", "WHO") match only written in
/// capitals.
pub fn lookup(words: &[&str]) -> Option<Entry> {
    let joined = words.join(" ");
    let entry = *gazetteer().names.get(&fold(&joined))?;
    let written_upper = joined.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
    if !written_upper && is_ambiguous_acronym(&joined) {
        return None;
    }
    Some(entry)
}

/// Acronyms that are ordinary words when written in lower or title case.
fn is_ambiguous_acronym(written: &str) -> bool {
    ["us", "who", "un", "eu", "ue", "uk", "vn", "oms"].contains(&fold(written).as_str())
}

/// The most words a gazetteer name has.
pub fn longest_name() -> usize {
    gazetteer().longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_for_each_language() {
        for name in [
            "Germany",
            "Deutschland",
            "Allemagne",
            "Alemania",
            "Germania",
            "Duitsland",
            "Alemanha",
        ] {
            assert_eq!(lookup(&[name]).map(|e| e.key), Some("germany"), "{name}");
        }
        assert_eq!(lookup(&["Vereinigte", "Staaten"]).map(|e| e.key), Some("united_states"));
        assert_eq!(lookup(&["Royaume-Uni"]).map(|e| e.key), Some("united_kingdom"));
        assert_eq!(lookup(&["Sao", "Paulo"]).map(|e| e.key), Some("sao_paulo"));
        assert_eq!(
            lookup(&["OTAN"]).map(|e| (e.key, e.kind)),
            Some(("nato", EntityKind::Organisation))
        );
    }

    #[test]
    fn short_words_match_only_in_capitals() {
        assert_eq!(lookup(&["US"]).map(|e| e.key), Some("united_states"));
        assert_eq!(lookup(&["Us"]), None);
        assert_eq!(lookup(&["Who"]), None);
        assert_eq!(lookup(&["WHO"]).map(|e| e.key), Some("who"));
    }

    #[test]
    fn every_entry_has_names_and_no_spelling_is_shared_by_two_keys() {
        let mut seen: FastMap<String, &str> = FastMap::default();
        for (key, names) in COUNTRIES.iter().chain(CITIES).chain(ORGANISATIONS) {
            assert!(!names.is_empty(), "{key}");
            for name in *names {
                if let Some(other) = seen.insert(fold(name), key) {
                    assert_eq!(other, *key, "{name} names both {other} and {key}");
                }
            }
        }
    }
}
