//! HTML to article. Pure: bytes in, value out.

use model::Article;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not an HTML page: {0}")]
    NotHtml(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Extracts the article from one page. `url` is where the page came from and
/// makes links absolute.
pub fn extract(_html: &[u8], _url: Option<&str>) -> Result<Article> {
    todo!()
}
