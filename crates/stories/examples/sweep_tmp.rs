// Temporary tuning harness; not shipped.
use model::Document;
use ravenwire_stories::{Config, StoryEngine};
use std::collections::HashMap;

fn load(path: &str) -> (Vec<Document>, Vec<String>) {
    let mut docs = vec![];
    let mut gold = vec![];
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let o = v.as_object_mut().unwrap();
        gold.push(o.remove("story").unwrap().as_str().unwrap().to_string());
        o.remove("topic");
        docs.push(serde_json::from_value(v).unwrap());
    }
    (docs, gold)
}

fn b3(pred: &[String], gold: &[String]) -> (f64, f64, f64) {
    let mut pc: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut gc: HashMap<&str, usize> = HashMap::new();
    for (i, p) in pred.iter().enumerate() {
        pc.entry(p).or_default().push(i);
        *gc.entry(&gold[i]).or_default() += 1;
    }
    let (mut bp, mut br) = (0.0, 0.0);
    for m in pc.values() {
        let mut inside: HashMap<&str, usize> = HashMap::new();
        for &i in m {
            *inside.entry(&gold[i]).or_default() += 1;
        }
        for &i in m {
            let c = inside[gold[i].as_str()] as f64;
            bp += c / m.len() as f64;
            br += c / gc[gold[i].as_str()] as f64;
        }
    }
    let n = pred.len() as f64;
    let (p, r) = (bp / n, br / n);
    (2.0 * p * r / (p + r), p, r)
}

fn main() {
    let dir = "/work/shared/bench/clustering";
    let sets: Vec<_> = ["basil", "ecbplus"]
        .iter()
        .map(|d| load(&format!("{dir}/{d}.jsonl")))
        .collect();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut grid: Vec<(String, Vec<f64>)> = vec![];
    for a in &args {
        let (k, v) = a.split_once('=').unwrap();
        grid.push((k.into(), v.split(',').map(|x| x.parse().unwrap()).collect()));
    }
    let mut combos: Vec<Vec<(String, f64)>> = vec![vec![]];
    for (k, vs) in &grid {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                vs.iter().map(move |&v| {
                    let mut c = c.clone();
                    c.push((k.clone(), v));
                    c
                })
            })
            .collect();
    }
    for combo in combos {
        let mut cfg = Config::default();
        for (k, v) in &combo {
            match k.as_str() {
                "th" => cfg.join_threshold = *v as f32,
                "tw" => cfg.title_weight = *v as f32,
                "bw" => cfg.body_weight = *v as f32,
                "nw" => cfg.names_weight = *v as f32,
                "prior" => cfg.idf_prior_docs = *v as f32,
                "decay" => cfg.time_decay_days = *v,
                "same" => cfg.same_time_days = *v,
                "win" => cfg.time_window_days = *v as i64,
                "ms" => cfg.member_share = *v as f32,
                "mk" => cfg.members_kept = *v as usize,
                "q" => cfg.query_terms = *v as usize,
                _ => panic!("{k}"),
            }
        }
        let mut out = String::new();
        let mut tot = 0.0;
        for (docs, gold) in &sets {
            let mut e = StoryEngine::new(cfg.clone());
            let pred: Vec<String> = docs.iter().map(|d| e.add(d).cluster).collect();
            let (f, p, r) = b3(&pred, gold);
            tot += f;
            out += &format!("  F1 {f:.3} (P {p:.3} R {r:.3})");
        }
        println!("{combo:?}{out}  sum {tot:.3}");
    }
}
