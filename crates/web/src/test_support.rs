//! A real store and a real index in a temporary folder, filled with a small
//! news day, and a way to send requests to the router.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use index::{IndexedArticle, SearchIndex};
use model::{Article, Timestamp};
use store::{ArticleId, NewArticle, SqliteStore, Store, StoryId, StoryPlacement};
use tempfile::TempDir;
use tower::ServiceExt;

use crate::{router, AppState, BaseUrl, Limits};

pub(crate) struct Fixture {
    pub state: AppState,
    pub bridge_story: StoryId,
    pub orchard_story: StoryId,
    /// The first report of the bridge story.
    pub bridge: ArticleId,
    /// A wire copy of it, hours later.
    pub echo: ArticleId,
    /// The same text again months later, presented as new.
    pub rerun: ArticleId,
    pub orchard: ArticleId,
    _dir: TempDir,
}

pub(crate) struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

struct Piece<'a> {
    url: &'a str,
    site: &'a str,
    title: &'a str,
    html: &'a str,
    published: &'a str,
    authors: &'a [&'a str],
}

fn new_article(piece: &Piece<'_>) -> NewArticle {
    let text = piece.html.replace("<p>", "").replace("</p>", "\n\n").trim().to_string();
    NewArticle {
        article: Article {
            url: Some(piece.url.to_string()),
            canonical_url: Some(piece.url.to_string()),
            title: Some(piece.title.to_string()),
            text,
            html: piece.html.to_string(),
            published: Some(piece.published.parse().expect("fixture date")),
            authors: piece.authors.iter().map(|a| a.to_string()).collect(),
            language: Some("en".to_string()),
            site_name: Some(piece.site.to_string()),
            description: None,
            ..Article::default()
        },
        canonical_url: piece.url.to_string(),
        content_hash: format!("hash-of-{}", piece.url),
        source: None,
        fetch: None,
    }
}

async fn add(
    store: &SqliteStore,
    index_rows: &mut Vec<IndexedArticle>,
    piece: Piece<'_>,
    story_key: &str,
    copy_of: Option<ArticleId>,
    redated: bool,
) -> (ArticleId, StoryId) {
    let new = new_article(&piece);
    let id = store.insert_article(&new).await.expect("insert article");
    let placement = StoryPlacement {
        story_key: story_key.to_string(),
        copy_of,
        redated,
    };
    let story = store.assign_story(id, &placement).await.expect("assign story");
    index_rows.push(IndexedArticle {
        id: id.0,
        title: piece.title.to_string(),
        text: new.article.text.clone(),
        url: piece.url.to_string(),
        source: piece.site.to_string(),
        language: Some("en".to_string()),
        published: new.article.published.as_ref().map(Timestamp::unix),
        story: Some(story.0),
    });
    (id, story)
}

impl Fixture {
    pub(crate) async fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temporary folder");
        let store = SqliteStore::open(&dir.path().join("ravenwire.db"))
            .await
            .expect("open store");
        let index = SearchIndex::open(&dir.path().join("index")).expect("open index");
        let mut rows = Vec::new();

        let bridge_html = "<p>The harbour bridge closed on Friday after a storm damaged its cables.</p>\
             <script>document.title = 'owned'</script>\
             <p onclick=\"steal()\">Engineers expect repairs to take <a href=\"/repairs\">two weeks</a>.</p>";
        let (bridge, bridge_story) = add(
            &store,
            &mut rows,
            Piece {
                url: "https://coastal.example/news/bridge",
                site: "Coastal Times",
                title: "Harbour bridge closes after storm",
                html: bridge_html,
                published: "2024-03-01T08:00:00Z",
                authors: &["Ana Lima", "Ben Ode"],
            },
            "bridge",
            None,
            false,
        )
        .await;
        let (echo, _) = add(
            &store,
            &mut rows,
            Piece {
                url: "https://echo.example/wire/bridge",
                site: "Wire Echo",
                title: "Storm shuts harbour bridge",
                html: "<p>The harbour bridge closed on Friday after a storm damaged its cables.</p>",
                published: "2024-03-01T11:30:00+01:00",
                authors: &[],
            },
            "bridge",
            Some(bridge),
            false,
        )
        .await;
        let (rerun, _) = add(
            &store,
            &mut rows,
            Piece {
                url: "https://olddaily.example/bridge-closed",
                site: "Old News Daily",
                title: "Bridge closed by storm",
                html: "<p>The harbour bridge closed on Friday after a storm damaged its cables.</p>",
                published: "2024-06-10",
                authors: &[],
            },
            "bridge",
            Some(bridge),
            true,
        )
        .await;
        let (orchard, orchard_story) = add(
            &store,
            &mut rows,
            Piece {
                url: "https://valley.example/orchard",
                site: "Valley Post",
                title: "Orchard harvest breaks record",
                html: "<p>Growers in the valley picked more apples than in any year on record.</p>",
                published: "2024-03-02T09:00:00Z",
                authors: &["Cy Moss"],
            },
            "orchard",
            None,
            false,
        )
        .await;
        store
            .set_related(bridge_story, &[orchard_story])
            .await
            .expect("relate stories");

        let mut batch = index.batch().expect("index batch");
        for row in &rows {
            batch.upsert(row).expect("index article");
        }
        batch.commit().expect("commit index");

        Fixture {
            state: AppState {
                store: Arc::new(store),
                index: Arc::new(index),
                base_url: BaseUrl::parse("http://news.local:8080").expect("base URL"),
                websub: None,
                private: false,
                login_limiter: Default::default(),
                searches: Default::default(),
            },
            bridge_story,
            orchard_story,
            bridge,
            echo,
            rerun,
            orchard,
            _dir: dir,
        }
    }

    pub(crate) async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).expect("request")).await
    }

    /// A GET naming a host, as a browser's (or a forger's) does.
    pub(crate) async fn get_with_host(&self, uri: &str, host: &str) -> Reply {
        let request = Request::get(uri)
            .header(axum::http::header::HOST, host)
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    /// Stores one more article as the first report of a story of its own,
    /// headed `title`, published after everything else in the fixture.
    pub(crate) async fn add_story_with_title(&self, title: &str, url: &str) -> (ArticleId, StoryId) {
        let piece = Piece {
            url,
            site: "Odd Outlet",
            title,
            html: "<p>Text.</p>",
            published: "2024-07-01T12:00:00Z",
            authors: &[],
        };
        let id = self
            .state
            .store
            .insert_article(&new_article(&piece))
            .await
            .expect("insert article");
        let placement = StoryPlacement {
            story_key: format!("story-of-{url}"),
            copy_of: None,
            redated: false,
        };
        let story = self
            .state
            .store
            .assign_story(id, &placement)
            .await
            .expect("assign story");
        (id, story)
    }

    /// Stores (and indexes) a hostile article as the first report of a
    /// story of its own, published after everything else: scripts, event
    /// handlers, `javascript:` and `data:` addresses in its body, and markup
    /// in its title, site name, authors, description, language and lead.
    /// Search finds it by the word "Grimwold".
    pub(crate) async fn add_hostile_article(&self) -> (ArticleId, StoryId) {
        let html = concat!(
            "<p>Grimwold council met.<script>alert('body')</script></p>",
            "<img src=\"https://hostile.example/a.png\" onerror=\"alert('img')\">",
            "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"data image\">",
            "<a href=\"javascript:alert('link')\">click</a> <a href=\"JaVaScRiPt:alert('case')\">case</a>",
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data link</a>",
            "<iframe src=\"javascript:alert('frame')\"></iframe>",
            "<svg onload=\"alert('svg')\"><script>alert('svg')</script></svg>",
            "<p style=\"background:url(javascript:alert('css'))\" onmouseover=\"alert('p')\">styled</p>",
            "<form action=\"javascript:alert('form')\"><button formaction=\"javascript:alert('b')\">go</button></form>",
            "<object data=\"javascript:alert('object')\"></object><embed src=\"data:text/html,x\">",
            "<math><a xlink:href=\"javascript:alert('math')\">m</a></math><base href=\"javascript:alert('base')\">",
        );
        let url = "https://hostile.example/grimwold";
        let new = NewArticle {
            article: Article {
                url: Some("javascript:alert('url')".to_string()),
                canonical_url: Some(url.to_string()),
                title: Some(
                    "<script>alert('title')</script>Grimwold <img src=x onerror=alert('title')> <b>vote</b>"
                        .to_string(),
                ),
                text: "<b>Grimwold</b> council met <script>alert('lead')</script> at dawn. It voted.".to_string(),
                html: html.to_string(),
                published: Some("2024-08-01T12:00:00Z".parse().expect("fixture date")),
                authors: vec!["<script>alert('author')</script>Mallory".to_string()],
                language: Some("en\" onload=\"alert('lang')".to_string()),
                site_name: Some("Evil <b>Outlet</b><script>alert('site')</script>".to_string()),
                description: Some("<img src=x onerror=alert('description')>A hostile description".to_string()),
                image: Some("javascript:alert('image')".to_string()),
                ..Article::default()
            },
            canonical_url: url.to_string(),
            content_hash: format!("hash-of-{url}"),
            source: None,
            fetch: None,
        };
        let store = &self.state.store;
        let id = store.insert_article(&new).await.expect("insert hostile article");
        let placement = StoryPlacement {
            story_key: "hostile".to_string(),
            copy_of: None,
            redated: false,
        };
        let story = store.assign_story(id, &placement).await.expect("assign story");
        let mut batch = self.state.index.batch().expect("index batch");
        batch
            .upsert(&IndexedArticle {
                id: id.0,
                title: new.article.title.clone().unwrap_or_default(),
                text: new.article.text.clone(),
                url: url.to_string(),
                source: new.article.site_name.clone().unwrap_or_default(),
                language: new.article.language.clone(),
                published: new.article.published.as_ref().map(Timestamp::unix),
                story: Some(story.0),
            })
            .expect("index hostile article");
        batch.commit().expect("commit index");
        (id, story)
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> Reply {
        let response = router(self.state.clone(), Limits::DEFAULT.request_timeout)
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let content_type = crate::error::content_type(&response).to_string();
        let bytes = axum::body::to_bytes(response.into_body(), 4 << 20).await.expect("body");
        Reply {
            status,
            content_type,
            body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
        }
    }
}
