//! Every feed format ravenwire reads, one hand-written fixture each, parsed
//! with `gather::parse_feed`; and the bodies that are no feed at all.

use ravenwire_gather::{parse_feed, Error, Feed, FeedEntry};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/feeds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(name: &str, url: &str) -> Feed {
    parse_feed(&fixture(name), url).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn utc(entry: &FeedEntry) -> Option<String> {
    entry.published.map(|t| t.to_utc().to_rfc3339())
}

fn titles(feed: &Feed) -> Vec<&str> {
    feed.entries.iter().filter_map(|e| e.title.as_deref()).collect()
}

fn urls(feed: &Feed) -> Vec<&str> {
    feed.entries.iter().filter_map(|e| e.url.as_deref()).collect()
}

#[test]
fn rss_091_with_a_doctype_latin1_bytes_and_a_relative_link() {
    let feed = parse("rss091.xml", "https://tarnby-herald.example/rss091.xml");
    assert_eq!(feed.format, "rss");
    assert_eq!(feed.title.as_deref(), Some("Lower Tarnby Herald"));
    assert_eq!(feed.site_url.as_deref(), Some("https://tarnby-herald.example/"));
    assert_eq!(
        titles(&feed),
        [
            "Tarnby lock gates reopen after repairs",
            "Café owner wins village baking prize"
        ]
    );
    assert_eq!(
        urls(&feed),
        [
            "https://tarnby-herald.example/news/lock-gates",
            "https://tarnby-herald.example/news/baking-prize"
        ]
    );
    // The ISO-8859-1 bytes of the description are decoded as declared.
    assert_eq!(
        feed.entries[1].summary.as_deref(),
        Some("Mireille Dunstan's rye loaf with crème fraîche impressed the Tarnby judges.")
    );
    // RSS 0.91 items carry no dates.
    assert!(feed.entries.iter().all(|e| e.published.is_none()));
    assert_eq!(feed.hub, None);
    assert_eq!(feed.self_url, None);
}

#[test]
fn rss_092_with_escaped_html_descriptions() {
    let feed = parse("rss092.xml", "https://kessling-bulletin.example/rss");
    assert_eq!(feed.format, "rss");
    assert_eq!(feed.title.as_deref(), Some("Kessling Valley Bulletin"));
    assert_eq!(
        titles(&feed),
        [
            "Snowmelt raises the Kessel river",
            "New bus line links Obermarl and Saint-Ivette"
        ]
    );
    assert_eq!(
        urls(&feed),
        [
            "https://kessling-bulletin.example/2024/03/snowmelt",
            "https://kessling-bulletin.example/2024/03/bus-line"
        ]
    );
    assert_eq!(
        feed.entries[0].summary.as_deref(),
        Some("<p>Wardens in <b>Obermarl</b> closed the lower footpath.</p>")
    );
}

#[test]
fn rss_10_rdf_with_dublin_core_dates_and_creators() {
    let feed = parse("rss10.rdf", "https://morrow-ledger.example/rss");
    assert_eq!(feed.format, "rdf");
    assert_eq!(feed.title.as_deref(), Some("Morrow Bay Ledger"));
    assert_eq!(feed.site_url.as_deref(), Some("https://morrow-ledger.example/"));
    assert_eq!(feed.entries.len(), 2);
    let tide = &feed.entries[0];
    assert_eq!(
        tide.title.as_deref(),
        Some("Tide station records the highest spring tide in decades")
    );
    assert_eq!(
        tide.url.as_deref(),
        Some("https://morrow-ledger.example/a/tide-station")
    );
    assert_eq!(utc(tide).as_deref(), Some("2024-03-08T08:45:00+00:00"));
    assert_eq!(tide.authors, ["Petra Lindqvist"]);
    assert_eq!(
        tide.content_html.as_deref(),
        Some("<p>Harbour master <em>Elian Vos</em> said the sea wall held.</p>")
    );
    let library = &feed.entries[1];
    assert_eq!(library.authors, ["Jonah Achterberg"]);
    assert_eq!(
        library.published.map(|t| t.day().to_string()).as_deref(),
        Some("2024-03-07")
    );
}

#[test]
fn rss_20_with_hub_self_link_relative_link_and_both_author_forms() {
    let feed = parse("rss20.xml", "https://coast-times.example/feeds/all.rss");
    assert_eq!(feed.format, "rss");
    assert_eq!(feed.title.as_deref(), Some("Castellan Coast Times"));
    assert_eq!(feed.site_url.as_deref(), Some("https://coast-times.example/"));
    assert_eq!(feed.hub.as_deref(), Some("https://hub.coast-times.example/"));
    assert_eq!(
        feed.self_url.as_deref(),
        Some("https://coast-times.example/feeds/all.rss")
    );
    assert_eq!(feed.entries.len(), 3);
    let chair = &feed.entries[0];
    assert_eq!(chair.id, "coast-times-55102");
    assert_eq!(
        chair.url.as_deref(),
        Some("https://coast-times.example/2024/03/09/cooperative-chair")
    );
    assert_eq!(utc(chair).as_deref(), Some("2024-03-09T09:20:00+00:00"));
    assert_eq!(chair.authors, ["Amara Okonkwo-Lind"]);
    assert_eq!(
        chair.content_html.as_deref(),
        Some("<p>The cooperative chose <strong>Ruaidhri Santos</strong> by 41 votes to 38.</p>")
    );
    let lamp = &feed.entries[1];
    assert_eq!(utc(lamp).as_deref(), Some("2024-03-08T15:05:00+00:00"));
    // `<author>address (Name)</author>` gives the name.
    assert_eq!(lamp.authors, ["Teodor Marsh"]);
    assert_eq!(utc(&feed.entries[2]).as_deref(), Some("2024-03-07T12:00:00+00:00"));
}

#[test]
fn atom_03_is_read_through_atom_10() {
    let feed = parse("atom03.xml", "https://greywick-observer.example/atom.xml");
    assert_eq!(feed.format, "atom");
    assert_eq!(feed.title.as_deref(), Some("Greywick Observer"));
    assert_eq!(feed.site_url.as_deref(), Some("https://greywick-observer.example/"));
    assert_eq!(
        titles(&feed),
        [
            "Moorland railway halt to reopen in summer",
            "Sheep fair draws record crowd"
        ]
    );
    let halt = &feed.entries[0];
    assert_eq!(halt.id, "tag:greywick-observer.example,2024:halt");
    assert_eq!(halt.url.as_deref(), Some("https://greywick-observer.example/2024/halt"));
    // `issued` is the publication time, `modified` only the update.
    assert_eq!(utc(halt).as_deref(), Some("2024-03-10T06:30:00+00:00"));
    assert_eq!(halt.authors, ["Hesper Callow"]);
    assert_eq!(
        halt.content_html.as_deref(),
        Some("<p>Trains will stop at <em>Fenner's Cross</em> again.</p>")
    );
    assert_eq!(
        halt.summary.as_deref(),
        Some("Trains will stop at Fenner's Cross again from June.")
    );
    assert_eq!(utc(&feed.entries[1]).as_deref(), Some("2024-03-09T15:00:00+00:00"));
}

#[test]
fn atom_10_with_hub_xml_base_several_authors_and_xhtml_content() {
    let feed = parse("atom10.xml", "https://vellmar-post.example/feed.atom");
    assert_eq!(feed.format, "atom");
    assert_eq!(feed.title.as_deref(), Some("Vellmar Evening Post"));
    assert_eq!(feed.site_url.as_deref(), Some("https://vellmar-post.example/"));
    assert_eq!(feed.hub.as_deref(), Some("https://websub.vellmar-post.example/hub"));
    assert_eq!(feed.self_url.as_deref(), Some("https://vellmar-post.example/feed.atom"));
    let tram = &feed.entries[0];
    assert_eq!(
        tram.url.as_deref(),
        Some("https://vellmar-post.example/news/tram-strike")
    );
    assert_eq!(utc(tram).as_deref(), Some("2024-03-11T17:40:00+00:00"));
    assert_eq!(tram.authors, ["Lucan Ferrow", "Inka Maresch"]);
    assert_eq!(
        tram.content_html.as_deref(),
        Some("<p>Drivers and the <b>transit board</b> agreed.</p>")
    );
    let hall = &feed.entries[1];
    assert_eq!(utc(hall).as_deref(), Some("2024-03-10T12:00:00+00:00"));
    let content = hall.content_html.as_deref().unwrap_or_default();
    assert!(content.contains("<em>Friday</em>"), "{content}");
}

#[test]
fn json_feed_10_with_singular_author_and_relative_url() {
    let feed = parse("jsonfeed10.json", "https://ostra-dispatch.example/feed.json");
    assert_eq!(feed.format, "json");
    assert_eq!(feed.title.as_deref(), Some("Ostra Islands Dispatch"));
    assert_eq!(feed.site_url.as_deref(), Some("https://ostra-dispatch.example/"));
    assert_eq!(
        feed.self_url.as_deref(),
        Some("https://ostra-dispatch.example/feed.json")
    );
    assert_eq!(feed.hub.as_deref(), Some("https://hub.ostra-dispatch.example/"));
    let airstrip = &feed.entries[0];
    assert_eq!(airstrip.id, "ostra-301");
    assert_eq!(airstrip.authors, ["Keoni Ashgrove"]);
    assert_eq!(utc(airstrip).as_deref(), Some("2024-03-11T22:00:00+00:00"));
    assert_eq!(
        airstrip.content_html.as_deref(),
        Some("<p>Larger planes can land from May, said pilot <em>Wren Haddad</em>.</p>")
    );
    let garden = &feed.entries[1];
    assert_eq!(
        garden.url.as_deref(),
        Some("https://ostra-dispatch.example/302-school-garden")
    );
    // Without its own author an item has the feed's.
    assert_eq!(garden.authors, ["Ostra Dispatch desk"]);
    assert_eq!(utc(garden).as_deref(), Some("2024-03-11T04:30:00+00:00"));
}

#[test]
fn json_feed_11_with_authors_array_and_modified_only_dates() {
    let feed = parse("jsonfeed11.json", "https://altiplano-cronica.example/feed.json");
    assert_eq!(feed.format, "json");
    assert_eq!(feed.title.as_deref(), Some("Altiplano Crónica"));
    assert_eq!(feed.hub.as_deref(), Some("https://websub.altiplano-cronica.example/"));
    assert_eq!(
        titles(&feed),
        [
            "Nueva escuela abre en Villa Quenara",
            "Festival de llamas en Pampa Sirel"
        ]
    );
    let school = &feed.entries[0];
    assert_eq!(school.authors, ["Ramiro Quispe Delgado", "Lucía Anccasi"]);
    assert_eq!(utc(school).as_deref(), Some("2024-03-13T13:00:00+00:00"));
    let festival = &feed.entries[1];
    assert_eq!(utc(festival).as_deref(), Some("2024-03-12T21:20:00+00:00"));
    assert_eq!(
        festival.summary.as_deref(),
        Some("Criadores de seis provincias llegaron al festival.")
    );
}

#[test]
fn bodies_that_are_no_feed_name_the_url_and_say_why() {
    let url = "https://notafeed.example/feed";
    let cases: [(&[u8], &str); 5] = [
        (b"", "not a feed: the body is empty"),
        (b" \r\n\t ", "not a feed: the body is empty"),
        (
            b"<!DOCTYPE html><html><head><title>Home</title></head></html>",
            "not a feed: an HTML page",
        ),
        (
            b"<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>",
            "not a feed: an HTML page",
        ),
        (b"Service temporarily unavailable", "not a feed: neither XML nor JSON"),
    ];
    for (body, why) in cases {
        let error = parse_feed(body, url).unwrap_err();
        assert!(matches!(error, Error::NotAFeed { .. }), "{error:?}");
        assert_eq!(error.to_string(), format!("{url}: {why}"));
    }
}

#[test]
fn malformed_xml_and_json_are_feed_errors_naming_the_url() {
    let url = "https://broken.example/feed.xml";
    let rss = String::from_utf8(fixture("rss20.xml")).unwrap();
    let cut_short = &rss[..rss.len() / 2];
    let bodies = [
        cut_short,
        "<rss version=\"2.0\"><channel><title>A</title><item><title>B</item></channel></rss>",
        "<catalog><book/></catalog>",
        "{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [",
    ];
    for body in bodies {
        let error = parse_feed(body.as_bytes(), url).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("{url}: malformed feed: ")),
            "{body:?} gave {message}"
        );
    }
}

#[test]
fn bytes_in_another_encoding_than_declared_do_not_panic() {
    // Declared UTF-8, written in ISO-8859-1.
    let mut latin1 = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Caf".to_vec();
    latin1.extend_from_slice(b"\xe9 Tarnby</title><item><title>Cr\xe8me br\xfbl\xe9e festival</title>");
    latin1.extend_from_slice(b"<link>https://tarnby.example/1</link></item></channel></rss>");
    let feed = parse_feed(&latin1, "https://tarnby.example/rss").unwrap();
    assert_eq!(feed.entries.len(), 1);
    assert_eq!(feed.entries[0].url.as_deref(), Some("https://tarnby.example/1"));
    // Taken for Windows-1252, which it was.
    assert_eq!(feed.title.as_deref(), Some("Café Tarnby"));
    assert_eq!(feed.entries[0].title.as_deref(), Some("Crème brûlée festival"));

    // Declared ISO-8859-1, written in UTF-8: read, if wrongly decoded.
    let utf8 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss version=\"2.0\"><channel>\
        <title>Café</title><item><title>Crème brûlée</title><link>https://t.example/2</link></item>\
        </channel></rss>";
    let feed = parse_feed(utf8.as_bytes(), "https://t.example/rss").unwrap();
    assert_eq!(feed.entries.len(), 1);

    // Declared as an encoding nobody knows.
    let unknown = "<?xml version=\"1.0\" encoding=\"x-martian\"?>\n<rss version=\"2.0\"><channel>\
        <title>Mars</title><item><title>Dust</title><link>https://m.example/3</link></item></channel></rss>";
    let _ = parse_feed(unknown.as_bytes(), "https://m.example/rss");

    // UTF-16 without a declaration, and random bytes after a feed start.
    let _ = parse_feed(&[0xff, 0xfe, b'<', 0, b'r', 0], "https://u.example/rss");
    let _ = parse_feed(
        b"<rss version=\"2.0\"><channel>\x80\x81\xfe\xff",
        "https://u.example/rss",
    );
}
