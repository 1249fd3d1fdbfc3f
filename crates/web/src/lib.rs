//! The web front end: HTML pages and the JSON API, over the store and index.
