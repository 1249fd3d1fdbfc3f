//! The article that extraction makes of one page.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// What extraction makes of one page: the readable article and its metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// The address the page was fetched from or declared in an archive.
    pub url: Option<String>,
    /// The page's own canonical address (`<link rel=canonical>`, `og:url`),
    /// made absolute.
    pub canonical_url: Option<String>,
    /// The headline, without the site-name suffix.
    pub title: Option<String>,
    /// The body as plain text, paragraphs separated by a blank line.
    pub text: String,
    /// The body as sanitised HTML for the reader view.
    pub html: String,
    pub published: Option<Timestamp>,
    pub modified: Option<Timestamp>,
    /// Clean author names, without "By".
    pub authors: Vec<String>,
    /// ISO 639-1 code, from metadata or detected.
    pub language: Option<String>,
    pub site_name: Option<String>,
    pub description: Option<String>,
    /// Lead image, absolute URL.
    pub image: Option<String>,
}
