//! Reading ids and query parameters, with errors that name the bad input.
//!
//! axum's own `Path<i64>` and `Query<T>` extractors answer bad input with a
//! plain-text rejection; parsing here keeps every failure inside [`Error`].

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::Error;

/// The query string as name/value pairs, in order.
pub(crate) struct QueryParams(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        match axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri) {
            Ok(axum::extract::Query(pairs)) => Ok(QueryParams(pairs)),
            Err(err) => Err(Error::BadRequest(format!(
                "cannot read the query string {raw:?}: {err}"
            ))),
        }
    }
}

impl QueryParams {
    /// The first value given for `name`, trimmed; blank counts as absent.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    /// A whole number in `min..=max`, or `default` when absent.
    pub(crate) fn number(&self, name: &str, default: u32, min: u32, max: u32) -> Result<u32, Error> {
        let Some(raw) = self.text(name) else {
            return Ok(default);
        };
        match raw.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(Error::BadRequest(format!(
                "{name} must be a whole number from {min} to {max}, not {raw:?}"
            ))),
        }
    }
}

/// A positive numeric id from the path; `what` names the kind of thing
/// (story, article) in the error.
pub(crate) fn path_id(path: Result<Path<String>, PathRejection>, what: &str) -> Result<i64, Error> {
    let Path(raw) = path.map_err(|err| Error::BadRequest(format!("cannot read the {what} id: {err}")))?;
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(Error::BadRequest(format!("not a valid {what} id: {raw:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> QueryParams {
        QueryParams(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn blank_values_count_as_absent() {
        let p = params(&[("q", "  "), ("page", "2")]);
        assert_eq!(p.text("q"), None);
        assert_eq!(p.text("page"), Some("2"));
        assert_eq!(p.number("limit", 20, 1, 100).unwrap(), 20);
    }

    #[test]
    fn numbers_out_of_range_are_refused_by_name() {
        let p = params(&[("page", "0"), ("limit", "many")]);
        let err = p.number("page", 1, 1, 50).unwrap_err();
        assert!(err.to_string().contains("page"), "{err}");
        let err = p.number("limit", 20, 1, 100).unwrap_err();
        assert!(err.to_string().contains("\"many\""), "{err}");
    }

    #[test]
    fn ids_must_be_positive_numbers() {
        assert_eq!(path_id(Ok(Path("42".into())), "story").unwrap(), 42);
        for bad in ["abc", "0", "-3", "4.5", "99999999999999999999"] {
            let err = path_id(Ok(Path(bad.into())), "story").unwrap_err();
            assert!(err.to_string().starts_with("not a valid story id"), "{bad}: {err}");
        }
    }
}
