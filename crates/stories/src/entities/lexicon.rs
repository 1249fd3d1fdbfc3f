//! Word lists the name rules consult, written folded (lower case, no
//! diacritics; see [`super::fold::fold`]) and shared by every supported
//! language (en, de, fr, es, it, nl, pt): a word that is a function word in
//! one of them is rarely a name in another.

use std::sync::OnceLock;

use crate::hash::FastSet;

/// Words that are capitalised only because they open a sentence or a
/// headline (articles, pronouns, conjunctions, prepositions, frequent
/// adverbs), never names on their own.
#[rustfmt::skip]
const COMMON: &[&str] = &[
    // en
    "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i", "you", "his",
    "her", "their", "our", "my", "your", "in", "on", "at", "for", "from", "by", "with", "to", "of", "but", "and",
    "or", "as", "after", "before", "when", "while", "if", "although", "however", "meanwhile", "according", "there",
    "here", "what", "who", "why", "how", "where", "some", "many", "most", "all", "both", "each", "no", "not", "one",
    "two", "three", "four", "five", "last", "next", "yesterday", "today", "tomorrow", "earlier", "later", "also",
    "still", "now", "then", "so", "yet", "more", "less", "new", "other", "another", "such", "several", "every",
    "during", "since", "until", "under", "over", "about", "against", "without", "within", "among", "between",
    "despite", "instead", "once", "only", "even", "just", "first", "second", "third", "police", "officials",
    "residents", "authorities", "witnesses", "experts", "critics", "analysts", "investors", "workers", "members",
    "people", "several", "local", "national", "breaking", "update", "live", "watch", "video", "photos", "report",
    "exclusive", "opinion", "analysis", "editorial", "read", "see", "says", "said", "will", "would", "could",
    "should", "can", "may", "might", "must", "is", "are", "was", "were", "be", "has", "have", "had", "do", "does",
    "did", "yes", "thanks", "please",
    // de
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen", "er", "sie", "es",
    "wir", "ihr", "ich", "du", "sein", "seine", "ihre", "unser", "und", "oder", "aber", "doch", "auch", "noch",
    "nach", "vor", "bei", "mit", "von", "zu", "zum", "zur", "im", "am", "ins", "ans", "vom", "beim", "auf", "aus",
    "an", "um", "durch", "gegen", "ohne", "seit", "bis", "wie", "wenn", "als", "ob", "dass", "weil", "denn",
    "nachdem", "bevor", "wahrend", "trotz", "laut", "dieser", "diese", "dieses", "jener", "jede",
    "jeder", "jedes", "alle", "viele", "einige", "mehrere", "kein", "keine", "nicht", "nur", "schon", "jetzt",
    "heute", "gestern", "morgen", "damit", "dabei", "dafur", "dazu", "deshalb", "daher", "dann", "so", "hier",
    "dort", "was", "wer", "warum", "wo", "man", "zudem", "zuvor", "erst", "bereits", "inzwischen", "zunachst",
    "rund", "etwa", "mehr", "neue", "neuer", "neues", "erste", "ersten", "letzte", "letzten", "ist", "sind", "war",
    "waren", "hat", "haben", "hatte", "wird", "werden", "wurde", "wurden", "kann", "soll", "sollen", "muss",
    // fr
    "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "ce", "cet", "cette", "ces", "il", "elle", "ils",
    "elles", "nous", "vous", "je", "on", "son", "sa", "ses", "leur", "leurs", "et", "ou", "mais", "donc", "car",
    "dans", "sur", "sous", "avec", "pour", "par", "sans", "chez", "apres", "avant", "pendant", "depuis", "selon",
    "lors", "quand", "si", "comme", "ainsi", "alors", "aussi", "encore", "deja", "hier", "demain", "aujourd",
    "aujourd'hui", "plus", "moins", "tous", "toutes", "tout", "plusieurs", "certains", "aucun", "ne", "pas",
    "qui", "que", "quoi", "dont", "ou", "enfin", "cependant", "pourtant", "toutefois", "entre", "vers", "contre",
    "au", "aux", "est", "sont", "etait", "sera", "a", "ont", "nouveau", "nouvelle", "premier", "premiere",
    "dernier", "derniere",
    // es
    "el", "los", "las", "una", "unos", "unas", "lo", "al", "del", "este", "esta", "estos", "estas", "ese", "esa",
    "ella", "ellos", "ellas", "nosotros", "su", "sus", "y", "e", "o", "u", "pero", "sino", "en", "con", "por",
    "para", "sin", "sobre", "tras", "desde", "hasta", "durante", "segun", "cuando", "como", "donde", "tambien",
    "ya", "ayer", "hoy", "manana", "mas", "menos", "todos", "todas", "varios", "varias", "algunos", "ningun", "no",
    "que", "quien", "entre", "hacia", "contra", "es", "son", "fue", "era", "ha", "han", "nuevo", "nueva", "ultimo",
    "ultima", "primer", "primero", "primera", "mientras", "sin embargo", "ademas", "asi",
    // it
    "il", "lo", "gli", "le", "uno", "dei", "degli", "delle", "della", "dello", "nel", "nella", "nei", "nelle",
    "sul", "sulla", "dal", "dalla", "al", "alla", "ai", "alle", "questo", "questa", "questi", "queste", "quel",
    "quella", "lui", "lei", "loro", "noi", "voi", "suo", "sua", "suoi", "e", "ed", "ma", "anche", "ancora", "per",
    "tra", "fra", "dopo", "prima", "durante", "secondo", "quando", "come", "dove", "ieri", "oggi", "domani",
    "piu", "meno", "tutti", "tutte", "alcuni", "nessun", "non", "che", "chi", "contro", "verso", "mentre",
    "inoltre", "pero", "ha", "hanno", "sono", "era", "nuovo", "nuova", "ultimo", "ultima",
    // nl
    "de", "het", "een", "dit", "dat", "deze", "die", "hij", "zij", "ze", "wij", "we", "jij", "zijn", "haar",
    "hun", "en", "of", "maar", "want", "dus", "in", "op", "aan", "met", "voor", "na", "bij", "uit", "over",
    "naar", "door", "tegen", "zonder", "sinds", "tot", "tijdens", "volgens", "als", "wanneer", "toen", "ook",
    "nog", "al", "gisteren", "vandaag", "morgen", "meer", "minder", "alle", "veel", "enkele", "geen", "niet",
    "wie", "wat", "waar", "er", "is", "was", "heeft", "hebben", "wordt", "werd", "nieuwe", "eerste", "laatste",
    "intussen", "daarna", "toch",
    // pt
    "o", "os", "as", "um", "uma", "uns", "umas", "do", "da", "dos", "das", "no", "na", "nos", "nas", "ao", "aos",
    "pelo", "pela", "pelos", "pelas", "este", "esta", "esse", "essa", "isso", "isto", "ele", "ela", "eles",
    "elas", "seu", "sua", "seus", "suas", "mas", "em", "com", "por", "para", "sem", "sobre", "apos", "antes",
    "desde", "ate", "durante", "segundo", "quando", "como", "onde", "tambem", "ja", "ontem", "hoje", "amanha",
    "mais", "menos", "todos", "todas", "varios", "alguns", "nenhum", "nao", "que", "quem", "entre", "contra",
    "foi", "sao", "tem", "novo", "nova", "ultimo", "ultima", "enquanto", "porem", "alem",
];

/// Months and days of the week, capitalised in English and German, and at
/// the head of sentences everywhere.
#[rustfmt::skip]
const CALENDAR: &[&str] = &[
    "january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "januar",
    "februar", "marz", "mai", "juni", "juli", "oktober", "dezember", "montag", "dienstag", "mittwoch",
    "donnerstag", "freitag", "samstag", "sonntag", "sonnabend", "janvier", "fevrier", "mars", "avril", "juin",
    "juillet", "aout", "septembre", "octobre", "novembre", "decembre", "lundi", "mardi", "mercredi", "jeudi",
    "vendredi", "samedi", "dimanche", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
    "septiembre", "octubre", "noviembre", "diciembre", "lunes", "martes", "miercoles", "jueves", "viernes",
    "sabado", "domingo", "gennaio", "febbraio", "aprile", "maggio", "giugno", "luglio", "settembre", "ottobre",
    "dicembre", "lunedi", "martedi", "mercoledi", "giovedi", "venerdi", "domenica", "januari", "februari",
    "maart", "mei", "augustus", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag",
    "janeiro", "fevereiro", "maio", "junho", "julho", "setembro", "outubro", "novembro", "dezembro",
    "segunda", "terca", "quarta", "quinta", "sexta", "christmas", "easter", "weihnachten", "ostern", "noel",
    "navidad", "natale", "pasqua", "kerstmis", "pasen", "natal", "pascoa",
];

/// Titles and roles written before a person's name: they are not part of
/// the name, and they say that a person follows.
#[rustfmt::skip]
const TITLES: &[&str] = &[
    // en
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "president", "minister",
    "prime", "chancellor", "mayor", "governor", "senator", "judge", "justice", "general", "colonel", "captain",
    "commissioner", "inspector", "detective", "sergeant", "officer", "coach", "king", "queen", "prince",
    "princess", "pope", "bishop", "archbishop", "father", "sister", "rev", "reverend", "chief", "ceo",
    "chairman", "chairwoman", "chair", "director", "secretary", "ambassador", "spokesman", "spokeswoman",
    "spokesperson", "councillor", "councilwoman", "councilman", "deputy", "mp", "mep", "rep", "sen", "gov",
    "lt", "sgt", "gen", "col", "capt", "supt", "superintendent", "premier", "leader", "founder", "manager",
    "striker", "midfielder", "goalkeeper", "defender", "author", "artist", "singer", "actor", "actress",
    "economist", "scientist", "researcher", "lawyer", "attorney", "prosecutor", "editor",
    // de
    "herr", "frau", "prasident", "prasidentin", "ministerin", "kanzler", "kanzlerin", "bundeskanzler",
    "bundeskanzlerin", "landrat", "landratin", "burgermeister", "burgermeisterin", "oberburgermeister", "oberburgermeisterin", "richter",
    "richterin", "trainer", "trainerin", "sprecher", "sprecherin", "direktor", "direktorin", "chefin",
    "vorsitzende", "vorsitzender", "abgeordnete", "abgeordneter", "staatsanwalt", "staatsanwaltin", "kommissar",
    "kommissarin", "pfarrer", "konig", "konigin", "furst", "graf", "grafin", "papst", "bischof", "senatorin",
    "botschafter", "botschafterin", "leiter", "leiterin", "stadtrat", "stadtratin", "autor", "autorin",
    // fr
    "m", "mme", "mlle", "monsieur", "madame", "mademoiselle", "president", "presidente", "ministre", "maire",
    "juge", "general", "capitaine", "commissaire", "entraineur", "roi", "reine", "pape", "eveque", "directeur",
    "directrice", "porte", "depute", "deputee", "senateur", "senatrice", "ambassadeur", "ambassadrice",
    "procureur", "maitre", "me", "auteur", "autrice",
    // es
    "sr", "sra", "srta", "senor", "senora", "don", "dona", "presidenta", "ministro", "ministra", "alcalde",
    "alcaldesa", "juez", "jueza", "entrenador", "entrenadora", "rey", "reina", "papa", "obispo", "director",
    "directora", "portavoz", "diputado", "diputada", "senador", "senadora", "embajador", "embajadora", "fiscal",
    "gobernador", "gobernadora", "autora",
    // it
    "signor", "signora", "sig", "dott", "dottor", "dottoressa", "ing", "avv", "sindaco", "giudice", "allenatore",
    "papa", "vescovo", "direttore", "direttrice", "portavoce", "deputato", "deputata", "senatrice",
    "ambasciatore", "procuratore", "governatore", "autore", "premier",
    // nl
    "meneer", "mevrouw", "dhr", "mevr", "burgemeester", "premier", "minister", "rechter", "trainer", "koning",
    "koningin", "paus", "bisschop", "directeur", "woordvoerder", "woordvoerster", "kamerlid", "wethouder",
    "ambassadeur", "officier", "schrijver",
    // pt
    "senhor", "senhora", "sra", "presidente", "ministro", "ministra", "prefeito", "prefeita", "autarca", "juiz",
    "juiza", "treinador", "treinadora", "rei", "rainha", "bispo", "diretor", "diretora", "porta-voz",
    "deputado", "deputada", "embaixador", "embaixadora", "procurador", "procuradora", "governador",
    "governadora",
];

/// Endings of German role nouns that stand before names ("Innenminister",
/// "Oberbürgermeisterin", "Vereinschef").
#[rustfmt::skip]
const GERMAN_ROLE_ENDINGS: &[&str] = &[
    "minister", "ministerin", "kanzler", "kanzlerin", "prasident", "prasidentin", "burgermeister",
    "burgermeisterin", "chef", "chefin", "sprecher", "sprecherin", "direktor", "direktorin", "trainer",
    "trainerin", "leiter", "leiterin", "vorsitzende", "vorsitzender", "experte", "expertin", "forscher",
    "forscherin", "kommissar", "kommissarin", "sekretar", "sekretarin", "anwalt", "anwaltin", "richter",
    "richterin", "politiker", "politikerin", "sprecher", "chefin", "abgeordneter", "abgeordnete", "leider",
    "voorzitter", "burgemeester", "woordvoerder", "woordvoerster", "topman", "topvrouw",
];

/// Acronyms that name no one: roles, measures, currencies, technologies.
#[rustfmt::skip]
const PLAIN_ACRONYMS: &[&str] = &[
    "ceo", "cfo", "coo", "cto", "gdp", "bip", "pib", "tv", "ai", "ki", "ia", "pm", "am", "ok", "dna", "hiv",
    "covid", "usb", "pc", "ps", "ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii", "vat", "mwst", "iva",
    "tva", "btw", "kg", "km", "mw", "gw", "kw", "kwh", "mwh", "eur", "usd", "gbp", "chf", "id", "faq", "pdf",
    "news", "live", "video", "update", "gps", "sms", "suv", "led", "lng", "co2", "nr", "no", "st", "ag", "gmbh",
    "plc", "ltd", "inc", "sa", "nv", "bv", "spa", "srl", "sl", "ltda", "se", "kg", "vs", "etc", "usw", "bzw",
];

/// English names of peoples and languages, capitalised but not names.
#[rustfmt::skip]
const DEMONYMS: &[&str] = &[
    "german", "germans", "french", "spanish", "italian", "italians", "dutch", "portuguese", "british", "english",
    "american", "americans", "european", "europeans", "chinese", "japanese", "russian", "russians", "ukrainian",
    "ukrainians", "polish", "greek", "turkish", "swiss", "austrian", "belgian", "irish", "scottish", "welsh",
    "african", "asian", "arab", "arabic", "muslim", "muslims", "christian", "christians", "jewish", "catholic",
    "protestant", "western", "eastern", "northern", "southern", "latin", "nordic", "israeli", "palestinian",
    "iranian", "indian", "canadian", "mexican", "brazilian", "australian", "korean", "democrats", "democrat",
    "republicans", "republican", "conservatives", "conservative", "labour", "liberal", "liberals", "socialist",
    "socialists", "green", "greens", "internet", "web", "euro", "euros", "dollar", "dollars", "covid",
];

/// Words that make a capitalised run an organisation's name.
#[rustfmt::skip]
const ORG_CUES: &[&str] = &[
    // en
    "ministry", "department", "bank", "party", "council", "court", "university", "college", "school", "academy",
    "inc", "ltd", "llc", "plc", "corp", "corporation", "co", "company", "group", "holdings", "agency", "institute",
    "association", "union", "commission", "committee", "foundation", "federation", "league", "club", "fc",
    "society", "office", "authority", "board", "parliament", "senate", "assembly", "congress", "police",
    "army", "navy", "hospital", "clinic", "museum", "theatre", "theater", "orchestra", "airlines", "airways",
    "airport", "lines", "rail", "railways", "motors", "energy", "systems", "technologies", "labs", "media", "news", "times",
    "post", "gazette", "herald", "tribune", "journal", "press", "network", "trust", "fund", "service",
    "services", "organisation", "organization", "alliance", "movement", "front", "church", "cathedral",
    "brigade", "guard", "unit", "exchange", "station", "studios", "pharmaceuticals", "insurance",
    // de
    "ministerium", "bundesministerium", "bundesamt", "amt", "partei", "rat", "gericht", "landgericht",
    "amtsgericht", "bundesgericht", "universitat", "hochschule", "akademie", "ag", "gmbh", "kg", "se", "gruppe",
    "konzern", "verband", "verein", "bund", "stiftung", "institut", "kommission", "ausschuss", "behorde",
    "parlament", "bundestag", "landtag", "senat", "polizei", "klinikum", "krankenhaus", "klinik", "werke",
    "bahn", "zeitung", "rundfunk", "feuerwehr", "kirche", "bundeswehr", "gewerkschaft", "kammer",
    // fr
    "ministere", "banque", "parti", "conseil", "cour", "tribunal", "universite", "ecole", "academie", "sa",
    "sas", "sarl", "groupe", "societe", "compagnie", "agence", "institut", "fondation", "federation",
    "commission", "comite", "assemblee", "senat", "gendarmerie", "hopital", "musee", "mairie", "prefecture",
    "syndicat", "eglise", "journal",
    // es
    "ministerio", "banco", "partido", "consejo", "tribunal", "juzgado", "universidad", "escuela", "academia",
    "sl", "grupo", "compania", "empresa", "agencia", "instituto", "fundacion", "federacion", "comision",
    "comite", "congreso", "senado", "policia", "guardia", "hospital", "museo", "ayuntamiento", "sindicato",
    "iglesia", "diario",
    // it
    "ministero", "banca", "partito", "consiglio", "corte", "tribunale", "universita", "scuola", "accademia",
    "spa", "srl", "gruppo", "societa", "compagnia", "agenzia", "istituto", "fondazione", "federazione",
    "commissione", "comitato", "camera", "senato", "polizia", "carabinieri", "ospedale", "museo", "comune",
    "sindacato", "chiesa", "giornale",
    // nl
    "ministerie", "partij", "raad", "rechtbank", "hof", "universiteit", "hogeschool", "academie", "nv", "bv",
    "groep", "bedrijf", "agentschap", "instituut", "stichting", "federatie", "commissie", "kamer",
    "tweede", "politie", "ziekenhuis", "gemeente", "vakbond", "kerk", "krant",
    // pt
    "ministerio", "banco", "partido", "conselho", "tribunal", "universidade", "escola", "academia", "ltda",
    "grupo", "companhia", "empresa", "agencia", "instituto", "fundacao", "federacao", "comissao", "comite",
    "congresso", "senado", "policia", "hospital", "museu", "prefeitura", "camara", "sindicato", "igreja",
];

/// Nouns for a kind of organisation, written before its name in
/// apposition ("battery maker Veltronic", "der Batteriehersteller
/// Veltronic", "la naviera Tidewater Lines"); a compound ending in one
/// counts too.
#[rustfmt::skip]
const ORG_TYPES: &[&str] = &[
    "company", "firm", "maker", "manufacturer", "group", "carrier", "operator", "airline", "bank", "utility",
    "retailer", "insurer", "broker", "party", "club", "newspaper", "broadcaster", "union", "charity", "startup",
    "hersteller", "firma", "konzern", "unternehmen", "reederei", "gruppe", "organisation", "verband", "versorger",
    "anbieter", "betreiber", "gesellschaft", "sender", "verein", "klub", "kette", "dienst", "gewerkschaft",
    "societe", "compagnie", "groupe", "entreprise", "firme", "constructeur", "fabricant", "banque", "operateur",
    "parti", "syndicat", "association", "empresa", "compania", "grupo", "fabricante", "naviera", "banco",
    "operador", "partido", "electrica", "aerolinea", "sindicato", "societa", "compagnia", "gruppo", "azienda",
    "banca", "partito", "bedrijf", "rederij", "fabrikant", "groep", "partij", "vakbond", "companhia",
    "operadora", "organizacao", "organizacion", "organizzazione", "organisatie",
];

/// German nouns used bare after a preposition ("nach Angaben", "in
/// Kraft"), which a place rule must not take for names.
#[rustfmt::skip]
const GERMAN_BARE_NOUNS: &[&str] = &[
    "angaben", "kraft", "zukunft", "sicht", "hohe", "folge", "ansicht", "richtung", "protest", "haft", "betrieb",
    "hause", "gefahr", "bezug", "form", "anspruch", "frage", "summe", "ruhe", "zeiten", "kauf", "betracht",
    "bedarf", "versehen", "plan", "ende", "anfang", "mitte", "teil", "grund", "fall", "art", "weise", "ort",
    "zeit", "druck", "kontakt", "verbindung", "absprache", "auftrag", "erwartung", "sachen", "kurze", "prozent",
    "euro", "dollar", "stunden", "tagen", "wochen", "monaten", "jahren", "minuten", "sekunden", "menschen",
];

/// Words after which a lone capitalised word is a place: "in Lindenfeld",
/// "à Varennes", "nach Hollstadt".
#[rustfmt::skip]
const PLACE_PREPOSITIONS: &[&str] = &[
    "in", "at", "near", "from", "outside", "across", "to", "nach", "aus", "bei", "a", "en", "pres", "depuis", "desde", "vanuit",
    "cerca", "em", "no", "na", "perto", "vicino", "bij", "naar", "uit", "nabij",
];

/// Words that say a place's name follows ("the city of Valmora", "die
/// Stadt Hollstadt", "la ville de Varennes").
#[rustfmt::skip]
const PLACE_NOUNS: &[&str] = &[
    "city", "town", "village", "province", "region", "state", "county", "district", "island", "port", "stadt",
    "gemeinde", "dorf", "ort", "provinz", "region", "landkreis", "kreis", "insel", "hafen", "ville", "village",
    "commune", "province", "departement", "ile", "ciudad", "pueblo", "provincia", "isla", "municipio", "citta",
    "paese", "isola", "regione", "stad", "dorp", "provincie", "eiland", "cidade", "vila", "ilha", "estado",
];

/// Verbs of saying that follow a person's name: "Keller said", "sagte
/// Keller" is not caught, "Ruiz dijo" is.
#[rustfmt::skip]
const SPEECH_VERBS: &[&str] = &[
    "said", "says", "told", "added", "explained", "warned", "announced", "stated", "sagte", "sagt", "erklarte",
    "betonte", "teilte", "warnte", "dit", "declare", "explique", "annonce", "affirme", "dijo", "afirmo",
    "declaro", "explico", "anuncio", "aseguro", "detto", "dichiarato", "spiegato", "annunciato", "zei",
    "zegt", "verklaarde", "liet", "disse", "afirmou", "declarou", "explicou", "anunciou",
];

/// Name-joining particles: lower-case words inside a name ("Anna van
/// Dijk", "Luis de la Cruz", "Ministry of Finance").
#[rustfmt::skip]
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "dos", "das", "do", "la", "le", "ter",
    "ten", "zu", "bin", "ibn", "al", "el", "of", "for", "fur", "des", "dei", "degli", "delle", "voor", "l",
    "d", "dell", "dall", "nell", "sull", "all",
];

/// Particles that belong to people's names; the others ("of", "für")
/// join only organisations' names.
#[rustfmt::skip]
const PERSON_PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "dos", "das", "do", "la", "le", "ter",
    "ten", "zu", "bin", "ibn", "al", "el",
];

/// Endings of German common nouns (which German capitalises): a run of
/// such words is not a name.
#[rustfmt::skip]
const GERMAN_NOUN_ENDINGS: &[&str] = &[
    "ung", "ungen", "heit", "heiten", "keit", "keiten", "schaft", "schaften", "tion", "tionen", "tat", "taten",
    "ismus", "nis", "nisse", "tum", "linge", "ment", "mente", "chen", "lein", "ien", "anz", "enz", "eien",
];

/// Endings of German place names ("Hollstadt", "Birkenfeld", "Ahlbach"):
/// a lone German word with one of these after a place preposition is a
/// place.
#[rustfmt::skip]
const GERMAN_PLACE_ENDINGS: &[&str] = &[
    "dorf", "berg", "burg", "hausen", "heim", "feld", "felde", "stadt", "stedt", "ingen", "hafen", "furt", "bach",
    "bruck", "brucken", "kirchen", "hagen", "stein", "tal", "rode", "hof", "see", "wald", "au", "ow", "itz",
    "leben", "beck", "horst", "kamp", "werder", "wick",
];

/// A word list asked about by set look-up, the set built on first use:
/// the rules ask about every word of every text, several lists a word,
/// and a scan of a list compares the word with each entry in turn. The
/// lists are fixed, so no text can crowd the fast hash's buckets.
struct WordSet {
    list: &'static [&'static str],
    set: OnceLock<FastSet<&'static str>>,
}

impl WordSet {
    const fn new(list: &'static [&'static str]) -> Self {
        WordSet {
            list,
            set: OnceLock::new(),
        }
    }

    fn contains(&self, folded: &str) -> bool {
        self.set
            .get_or_init(|| self.list.iter().copied().collect())
            .contains(folded)
    }
}

macro_rules! word_sets {
    ($($set:ident = $list:ident;)*) => {
        $(static $set: WordSet = WordSet::new($list);)*
    };
}

word_sets! {
    COMMON_SET = COMMON;
    CALENDAR_SET = CALENDAR;
    TITLE_SET = TITLES;
    PLAIN_ACRONYM_SET = PLAIN_ACRONYMS;
    DEMONYM_SET = DEMONYMS;
    ORG_CUE_SET = ORG_CUES;
    GERMAN_BARE_NOUN_SET = GERMAN_BARE_NOUNS;
    PLACE_PREPOSITION_SET = PLACE_PREPOSITIONS;
    PLACE_NOUN_SET = PLACE_NOUNS;
    SPEECH_VERB_SET = SPEECH_VERBS;
    PARTICLE_SET = PARTICLES;
    PERSON_PARTICLE_SET = PERSON_PARTICLES;
}

pub fn is_common(folded: &str) -> bool {
    COMMON_SET.contains(folded)
}

pub fn is_calendar(folded: &str) -> bool {
    CALENDAR_SET.contains(folded)
}

/// A title or role before a name, or a compound role ("Innenminister",
/// "vakbondsleider"; German and Dutch write them as one word).
pub fn is_title(folded: &str, _german: bool) -> bool {
    TITLE_SET.contains(folded)
        || GERMAN_ROLE_ENDINGS
            .iter()
            .any(|e| folded.len() >= e.len() + 3 && folded.ends_with(e))
}

/// First words of place names ("Port Elwin", "Lake Orvan", "San Aldric").
pub fn is_place_head(folded: &str) -> bool {
    [
        "port", "fort", "mount", "lake", "cape", "isla", "lago", "monte", "puerto", "porto", "bad", "sankt", "san",
        "santa", "saint", "sainte", "sao", "nova", "nueva", "nuevo", "novo", "new", "north", "south", "east", "west",
        "upper", "lower", "bay", "glen",
    ]
    .contains(&folded)
}

/// An organisation cue, or a compound ending in one ("Finanzministerium",
/// "Landespolizei", "Kustwachtbureau").
pub fn is_org_cue(folded: &str, _german: bool) -> bool {
    ORG_CUE_SET.contains(folded)
        || (folded.chars().count() > 7
            && [
                "ministerium",
                "amt",
                "gericht",
                "partei",
                "polizei",
                "bank",
                "verband",
                "werke",
                "zeitung",
                "bureau",
                "dienst",
                "partij",
                "ministerie",
                "politie",
                "commissie",
                "behorde",
            ]
            .iter()
            .any(|e| folded.ends_with(e)))
}

pub fn is_plain_acronym(folded: &str) -> bool {
    PLAIN_ACRONYM_SET.contains(folded)
}

pub fn is_demonym(folded: &str) -> bool {
    DEMONYM_SET.contains(folded)
}

/// A noun for a kind of organisation, or a compound ending in one.
pub fn is_org_type(folded: &str) -> bool {
    ORG_TYPES
        .iter()
        .any(|t| folded == *t || (folded.len() > t.len() + 3 && folded.ends_with(t)))
}

pub fn is_german_bare_noun(folded: &str) -> bool {
    GERMAN_BARE_NOUN_SET.contains(folded)
}

/// Conjunctions that join two names of one kind ("Orvania and Corvenia").
pub fn is_conjunction(folded: &str) -> bool {
    ["and", "or", "und", "oder", "et", "ou", "y", "o", "e", "ed", "en", "of"].contains(&folded)
}

/// Exactly a listed organisation cue, not a compound ending in one.
pub fn is_org_cue_exact(folded: &str) -> bool {
    ORG_CUE_SET.contains(folded)
}

pub fn is_place_preposition(folded: &str) -> bool {
    PLACE_PREPOSITION_SET.contains(folded)
}

pub fn is_place_noun(folded: &str) -> bool {
    PLACE_NOUN_SET.contains(folded)
}

pub fn is_speech_verb(folded: &str) -> bool {
    SPEECH_VERB_SET.contains(folded)
}

pub fn is_particle(folded: &str) -> bool {
    PARTICLE_SET.contains(folded)
}

pub fn is_person_particle(folded: &str) -> bool {
    PERSON_PARTICLE_SET.contains(folded)
}

/// Whether a German capitalised word looks like a common noun.
pub fn is_german_noun(folded: &str) -> bool {
    folded.chars().count() > 4 && GERMAN_NOUN_ENDINGS.iter().any(|e| folded.ends_with(e))
}

pub fn has_german_place_ending(folded: &str) -> bool {
    folded.chars().count() > 4 && GERMAN_PLACE_ENDINGS.iter().any(|e| folded.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_folded() {
        for list in [
            COMMON,
            CALENDAR,
            TITLES,
            GERMAN_ROLE_ENDINGS,
            PLAIN_ACRONYMS,
            DEMONYMS,
            ORG_CUES,
            ORG_TYPES,
            GERMAN_BARE_NOUNS,
            PLACE_PREPOSITIONS,
            PLACE_NOUNS,
            SPEECH_VERBS,
            PARTICLES,
            PERSON_PARTICLES,
            GERMAN_NOUN_ENDINGS,
            GERMAN_PLACE_ENDINGS,
        ] {
            for word in list {
                assert!(
                    word.chars().all(|c| c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || c == '\''
                        || c == ' '
                        || c == '-'),
                    "{word:?} is not folded"
                );
            }
        }
    }

    #[test]
    fn german_compounds_are_roles_and_organisations() {
        assert!(is_title("innenminister", true));
        assert!(is_title("vakbondsleider", false));
        assert!(!is_title("leider", false));
        assert!(is_org_cue("finanzministerium", true));
        assert!(is_german_noun("regierung"));
        assert!(!is_german_noun("keller"));
        assert!(has_german_place_ending("hollstadt"));
    }
}
