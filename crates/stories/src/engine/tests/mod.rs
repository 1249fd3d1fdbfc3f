//! The engine's unit tests, with the documents and helpers they share.

use super::*;

mod clustering;
mod lone;
mod merge;
mod provenance;
mod short;
mod state;
mod window;

fn doc(id: &str, title: &str, text: &str, published: Option<&str>) -> Document {
    Document {
        id: id.to_string(),
        title: (!title.is_empty()).then(|| title.to_string()),
        text: text.to_string(),
        published: published.map(|p| p.parse().expect("test date")),
        ..Document::default()
    }
}

const QUAKE_A: &str = "A magnitude 6.8 earthquake struck near the city of Marrakesh late \
    on Friday, killing at least 600 people and damaging buildings across the Atlas \
    mountains. Rescue teams from Rabat searched collapsed houses in the villages of \
    Amizmiz and Talat N'Yaaqoub through the night, the interior ministry said.";
const QUAKE_B: &str = "Rescuers in Morocco dug through rubble on Saturday after the \
    earthquake near Marrakesh left more than 600 people dead. The interior ministry \
    said most victims were in the Atlas mountains, where villages such as Amizmiz \
    were badly damaged and roads to Talat N'Yaaqoub were blocked by rocks.";
const BUDGET: &str = "The finance committee in Oslo approved a revised budget for the \
    coming year on Tuesday, raising spending on rail lines and hospitals while cutting \
    fuel subsidies. Norwegian lawmakers from the Labour party said the plan would be \
    voted on in parliament next month after talks with coalition partners.";
const FOOTBALL: &str = "Barcelona beat Sevilla 3-1 at the Camp Nou on Sunday night, with \
    Robert Lewandowski scoring twice before half time. Coach Xavi Hernandez praised the \
    young midfielders after the match and said the league title race remained open with \
    ten games left to play this season.";

/// Restores a document into the story keyed `story`, as a warm start
/// would: the verdict an earlier run reached, whatever it was.
fn restore_as(e: &mut StoryEngine, document: &Document, story: &str) {
    let assignment = Assignment {
        id: document.id.clone(),
        story_key: story.to_string(),
        copy_of: None,
        redated: false,
    };
    e.restore(document, &assignment);
}

fn engine_with_background() -> StoryEngine {
    let mut e = StoryEngine::default();
    e.add(&doc("budget", "Norway approves budget", BUDGET, Some("2023-09-05")));
    e.add(&doc("football", "Barcelona beat Sevilla", FOOTBALL, Some("2023-09-03")));
    e
}
