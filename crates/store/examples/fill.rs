//! Fills a fresh database with synthetic articles and stories and times the
//! calls the pipeline and the front page make most.
//!
//! `cargo run --release -p ravenwire-store --example fill -- [ARTICLES] [PER_STORY]`

use std::time::Instant;

use model::Article;
use ravenwire_store::{NewArticle, SqliteStore, Store, StoryPlacement};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let articles: u32 = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let per_story: u32 = args.next().map_or(Ok(8), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("fill.db")).await?;

    let started = Instant::now();
    for n in 0..articles {
        let url = format!("https://outlet{}.example/news/{n}", n % 50);
        let day = 1 + n % 28;
        let new = NewArticle {
            article: Article {
                url: Some(url.clone()),
                title: Some(format!("Headline {n}")),
                text: "Body text. ".repeat(200),
                html: format!("<p>{}</p>", "Body text. ".repeat(200)),
                published: Some(format!("2024-02-{day:02}T{:02}:00:00Z", n % 24).parse()?),
                ..Article::default()
            },
            canonical_url: url,
            content_hash: format!("{n:064x}"),
            source: None,
            fetch: None,
        };
        let id = store.insert_article(&new).await?;
        let placement = StoryPlacement {
            story_key: format!("story-{}", n / per_story),
            copy_of: None,
            redated: false,
        };
        store.assign_story(id, &placement).await?;
    }
    let filled = started.elapsed();
    println!(
        "insert+assign: {articles} articles in {:.2?} ({:.0}/s)",
        filled,
        f64::from(articles) / filled.as_secs_f64()
    );

    let started = Instant::now();
    let rounds = 50;
    for page in 0..rounds {
        store
            .latest_stories(50, (page * 50) % (articles / per_story).max(1))
            .await?;
    }
    println!("latest_stories(50, ..): {:.2?} per page", started.elapsed() / rounds);

    let first = store.latest_stories(1, 0).await?;
    let started = Instant::now();
    for _ in 0..rounds {
        store.story(first[0].id).await?;
    }
    println!("story(id): {:.2?} per call", started.elapsed() / rounds);

    let started = Instant::now();
    let mut after = None;
    let mut seen = 0;
    loop {
        let batch = store.articles_after(after, 1_000).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        seen += batch.len();
    }
    println!("articles_after: read {seen} articles in {:.2?}", started.elapsed());
    println!("{:?}", store.stats().await?);
    store.close().await;
    Ok(())
}
