//! Tests of the OpenAPI document against the router and the fixture: every
//! API route is documented, and every documented GET answers as documented.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

use crate::test_support::Fixture;

/// The router's source, where every route is declared.
const ROUTER_SOURCE: &str = include_str!("lib.rs");

const HTTP_METHODS: [&str; 8] = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/// Routes that the document must cover: the API, the health check and the
/// metrics.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path == "/metrics"
}

/// Every `(path, method)` that a `.route("...", get(..).post(..))` call in
/// `source` serves, for the paths that `keep` accepts. Method routers are
/// read at the top level of the call's arguments only, so a `.layer(...)`
/// or a handler's own arguments do not count.
fn routes_in(source: &str, keep: fn(&str) -> bool) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    let mut rest = source;
    while let Some(start) = rest.find(".route(") {
        rest = &rest[start + ".route(".len()..];
        let Some(open) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        let Some((path, args)) = open.split_once('"') else {
            break;
        };
        // Walk to the call's closing parenthesis, noting each identifier
        // followed by `(` at depth 0.
        let mut depth = 0usize;
        let mut word = String::new();
        let mut in_string = false;
        let mut escaped = false;
        let mut methods = Vec::new();
        for c in args.chars() {
            if in_string {
                in_string = escaped || c != '"';
                escaped = !escaped && c == '\\';
                continue;
            }
            match c {
                '"' => in_string = true,
                '(' => {
                    if depth == 0 && HTTP_METHODS.contains(&word.as_str()) {
                        methods.push(word.clone());
                    }
                    depth += 1;
                }
                ')' if depth == 0 => break,
                ')' => depth -= 1,
                _ => {}
            }
            if c.is_ascii_alphanumeric() || c == '_' {
                word.push(c);
            } else {
                word.clear();
            }
        }
        assert!(!methods.is_empty(), "no method found for the route {path}");
        if keep(path) {
            routes.extend(methods.into_iter().map(|m| (path.to_string(), m)));
        }
    }
    routes
}

fn document() -> Value {
    serde_json::from_str(super::document_json()).expect("the document is JSON")
}

/// Every `(path, method)` of the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let item = item.as_object().expect("a path item");
            item.keys()
                .filter(|k| HTTP_METHODS.contains(&k.as_str()))
                .map(|m| (path.clone(), m.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_route_reader_finds_paths_and_methods() {
    let source = r#"
        .route("/", get(pages::front_page))
        .route("/api/v1/things", get(things::list).post(things::add))
        .route(
            "/api/v1/things/{id}",
            axum::routing::delete(things::remove)
                .layer(axum::extract::DefaultBodyLimit::max(post_limit(1))),
        )
        .route("/api/v1/odd", get(|| async { "(\")\\" }))
        .route("/api/v1/after", put(|| async { "\\" }))
    "#;
    let found: Vec<_> = routes_in(source, is_api).into_iter().collect();
    let expected = [
        ("/api/v1/after", "put"),
        ("/api/v1/odd", "get"),
        ("/api/v1/things", "get"),
        ("/api/v1/things", "post"),
        ("/api/v1/things/{id}", "delete"),
    ];
    let expected: Vec<_> = expected.iter().map(|(p, m)| (p.to_string(), m.to_string())).collect();
    assert_eq!(found, expected);
}

#[test]
fn every_api_route_is_documented() {
    let routes = routes_in(ROUTER_SOURCE, is_api);
    assert!(routes.contains(&("/api/v1/stories".to_string(), "get".to_string())));
    let doc = document();
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    let documented = documented(&doc);
    let missing: Vec<_> = routes.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document (see the comment atop openapi.rs): {missing:?}"
    );
    let stray: Vec<_> = documented.difference(&routes).collect();
    assert!(stray.is_empty(), "documented, but no route serves them: {stray:?}");
}

/// Follows a `$ref` to the schema it names.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("an unexpected $ref {reference}"));
            let target = &doc["components"]["schemas"][name];
            assert!(!target.is_null(), "{reference} names no schema");
            resolve(doc, target)
        }
        None => schema,
    }
}

fn type_matches(value: &Value, kind: &str) -> bool {
    match kind {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "string" => value.is_string(),
        other => panic!("an unknown type {other}"),
    }
}

/// Checks `value` against `schema` as far as this document uses JSON
/// Schema, strictly: an object may hold only the properties its schema
/// lists. Returns what does not match, each with where it is.
fn mismatches(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let schema = resolve(doc, schema);
    let mut found = Vec::new();
    if let Some(choices) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let fitting = choices
            .iter()
            .filter(|choice| mismatches(doc, choice, value, at).is_empty())
            .count();
        if fitting == 0 {
            found.push(format!("{at}: {value} fits none of the choices"));
        }
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        found.extend(mismatches(doc, part, value, at));
    }
    let kinds: Vec<&str> = match &schema["type"] {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !kinds.is_empty() && !kinds.iter().any(|kind| type_matches(value, kind)) {
        found.push(format!("{at}: {value} is not of type {kinds:?}"));
        return found;
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            found.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let (Some(n), Some(min)) = (value.as_f64(), schema["minimum"].as_f64()) {
        if n < min {
            found.push(format!("{at}: {n} is below {min}"));
        }
    }
    if let (Some(n), Some(max)) = (value.as_f64(), schema["maximum"].as_f64()) {
        if n > max {
            found.push(format!("{at}: {n} is above {max}"));
        }
    }
    if let (Some(text), Some("date-time")) = (value.as_str(), schema["format"].as_str()) {
        if chrono::DateTime::parse_from_rfc3339(text).is_err() {
            found.push(format!("{at}: {text:?} is not an RFC 3339 date-time"));
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().expect("a required name");
            if !object.contains_key(name) {
                found.push(format!("{at}: the required {name} is missing"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, field) in object {
                match properties.get(name) {
                    Some(property) => found.extend(mismatches(doc, property, field, &format!("{at}.{name}"))),
                    None => found.push(format!("{at}: {name} is not documented")),
                }
            }
        }
    }
    if let (Some(items), Some(item_schema)) = (value.as_array(), schema.get("items")) {
        for (n, item) in items.iter().enumerate() {
            found.extend(mismatches(doc, item_schema, item, &format!("{at}[{n}]")));
        }
    }
    found
}

#[test]
fn the_schema_check_catches_what_does_not_match() {
    let doc = serde_json::json!({"components": {"schemas": {
        "Thing": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "integer", "minimum": 1},
            "name": {"type": ["string", "null"]},
            "kind": {"$ref": "#/components/schemas/Kind"},
            "when": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}}
        }},
        "Kind": {"type": "string", "enum": ["a", "b"]}
    }}});
    let thing = serde_json::json!({"$ref": "#/components/schemas/Thing"});
    let good = serde_json::json!({"id": 3, "name": null, "kind": "a", "when": "2024-03-01T08:00:00Z", "tags": ["x"]});
    assert_eq!(mismatches(&doc, &thing, &good, "$"), Vec::<String>::new());
    for bad in [
        serde_json::json!({"name": "no id"}),
        serde_json::json!({"id": 0}),
        serde_json::json!({"id": "3"}),
        serde_json::json!({"id": 3, "kind": "c"}),
        serde_json::json!({"id": 3, "when": "yesterday"}),
        serde_json::json!({"id": 3, "tags": [1]}),
        serde_json::json!({"id": 3, "extra": true}),
    ] {
        assert!(!mismatches(&doc, &thing, &bad, "$").is_empty(), "{bad}");
    }
}

/// Requests `uri` and checks the answer against the operation's documented
/// responses: a listed status, the listed media type, and for JSON a body
/// that fits the listed schema. Returns the status.
async fn check_answer(fx: &Fixture, doc: &Value, operation: &Value, uri: &str) -> StatusCode {
    let reply = fx.get(uri).await;
    let documented = &operation["responses"][reply.status.as_str()];
    assert!(
        documented.is_object(),
        "{uri} answered {}, which the document does not list: {}",
        reply.status,
        reply.body
    );
    let content = documented["content"].as_object().expect("a documented body");
    let media = content
        .keys()
        .find(|media| {
            let essence = media.split(';').next().unwrap_or_default();
            reply.content_type.starts_with(essence)
        })
        .unwrap_or_else(|| panic!("{uri}: {} is not among {:?}", reply.content_type, content.keys()));
    if media.starts_with("application/json") {
        let body: Value =
            serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {}", reply.body));
        let problems = mismatches(doc, &content[media]["schema"], &body, "$");
        assert!(problems.is_empty(), "{uri} ({}): {problems:#?}\n{body:#}", reply.status);
    }
    reply.status
}

#[tokio::test]
async fn documented_get_routes_answer_as_documented() {
    let fx = Fixture::new().await;
    // Something in every list, so that item schemas are checked too.
    let saved = fx
        .state
        .store
        .save_search(&store::NewSavedSearch {
            name: "Bridge".to_string(),
            query: "bridge".to_string(),
            filters: store::SearchFilters::default(),
            sort: store::SearchSort::Date,
        })
        .await
        .expect("save a search");
    fx.state
        .store
        .add_source(&model::Source {
            kind: model::SourceKind::Feed,
            url: "https://harbour.example/feed.xml".to_string(),
            title: Some("Harbour Gazette".to_string()),
        })
        .await
        .expect("add a source");
    let entity = entities_of_bridge(&fx).await;
    // A stored id for each documented path with a `{param}`.
    let ids = [
        ("/api/v1/entities/{id}", entity.0),
        ("/api/v1/stories/{id}", fx.bridge_story.0),
        ("/api/v1/articles/{id}", fx.bridge.0),
        ("/api/v1/saved-searches/{id}", saved.0),
    ];
    let doc = document();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(operation) = item.get("get") else {
            continue;
        };
        // Required query parameters take their documented example.
        let mut query = Vec::new();
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "query" && parameter["required"] == true {
                let name = parameter["name"].as_str().expect("a parameter name");
                let example = parameter
                    .get("example")
                    .or(parameter["schema"].get("example"))
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("{path}: give the required {name} an example"));
                query.push(format!("{name}={example}"));
            }
        }
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        if path.contains('{') {
            let (_, id) = ids
                .iter()
                .find(|(p, _)| p == path)
                .unwrap_or_else(|| panic!("{path}: add a fixture id for it to this test's table"));
            let found = check_answer(&fx, &doc, operation, &path.replace("{id}", &id.to_string())).await;
            assert_eq!(found, StatusCode::OK, "{path} with id {id}");
            let missing = check_answer(&fx, &doc, operation, &path.replace("{id}", "987654321")).await;
            assert_eq!(missing, StatusCode::NOT_FOUND, "{path} with an id not stored");
        } else {
            let status = check_answer(&fx, &doc, operation, &format!("{path}{query}")).await;
            assert_eq!(status, StatusCode::OK, "{path}{query}");
        }
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} GET routes documented");
    // An error of a route without parameters fits the document too.
    let operation = &doc["paths"]["/api/v1/stories"]["get"];
    let status = check_answer(&fx, &doc, operation, "/api/v1/stories?limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Gives the bridge story's first report an entity, and returns its id.
async fn entities_of_bridge(fx: &Fixture) -> store::EntityId {
    let harbour = store::ArticleEntity {
        key: "place:port elvin".to_string(),
        name: "Port Elwin".to_string(),
        kind: store::EntityKind::Place,
        mentions: 2,
    };
    fx.state
        .store
        .set_article_entities(fx.bridge, 1, &[harbour])
        .await
        .expect("store an entity");
    fx.state
        .store
        .story_entities(fx.bridge_story, 1)
        .await
        .expect("story entities")[0]
        .id
}
