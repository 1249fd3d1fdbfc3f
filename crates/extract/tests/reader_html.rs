//! The reader HTML: in-body images survive extraction with their alt text,
//! and a page read without an address keeps its relative image paths
//! instead of losing the images. (Pages that fall back to `trafilatura`
//! still lose theirs: its image mode lets captions into the text.)

const PROSE: &str = "The ferry between Kettlewick and the island of Marrow Holm will run every hour \
    from Monday, the harbour board said, after a summer in which queues on the quay grew longer \
    each weekend and islanders complained that they could not reach the mainland for work.";

/// A long article that the finder is sure of.
fn long_article(image_src: &str) -> String {
    format!(
        r#"<!doctype html><html><head><title>Hourly ferry for Marrow Holm</title></head><body>
        <article><h1>Hourly ferry for Marrow Holm</h1><p>{PROSE}</p><p>{PROSE}</p>
        <figure><img src="{image_src}" alt="The ferry Saint Brannoc at Kettlewick quay"><figcaption>The Saint Brannoc.</figcaption></figure>
        <p>{PROSE}</p><p>{PROSE}</p></article></body></html>"#
    )
}

fn image_tag(html: &str) -> Option<&str> {
    let start = html.find("<img")?;
    let end = html[start..].find('>')? + start;
    Some(&html[start..=end])
}

#[test]
fn a_long_article_keeps_its_image_and_alt_text() {
    let page = long_article("/media/ferry.jpg");
    let a = ravenwire_extract::extract(page.as_bytes(), Some("https://courier.example/news/ferry")).unwrap();
    let img = image_tag(&a.html).unwrap_or_else(|| panic!("no image in {}", a.html));
    assert!(img.contains("src=\"https://courier.example/media/ferry.jpg\""), "{img}");
    assert!(
        img.contains("alt=\"The ferry Saint Brannoc at Kettlewick quay\""),
        "{img}"
    );
}

#[test]
fn without_an_address_relative_images_stay_relative() {
    let a = ravenwire_extract::extract(long_article("media/ferry.jpg").as_bytes(), None).unwrap();
    let img = image_tag(&a.html).unwrap_or_else(|| panic!("no image in {}", a.html));
    assert!(img.contains("src=\"media/ferry.jpg\""), "{img}");
    assert!(
        img.contains("alt=\"The ferry Saint Brannoc at Kettlewick quay\""),
        "{img}"
    );
    // Root-relative paths with a query stay too.
    let a = ravenwire_extract::extract(long_article("/media/ferry.jpg?w=640").as_bytes(), None).unwrap();
    assert!(a.html.contains("src=\"/media/ferry.jpg?w=640\""), "{}", a.html);
}
