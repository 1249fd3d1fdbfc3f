//! Benchmarks for the story engine. Run with `--help` for the modes.
//!
//!     cargo run --release -p ravenwire-stories --example cluster_bench -- IN.jsonl > PRED.jsonl
//!
//! Throughput with 1M documents already seen (`--throughput 1100000`, last
//! 100,000 reported apart) is measured on generated batches, timing only
//! `StoryEngine::add`, by thread CPU time and by wall time; see `--help`.

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use model::{Document, Timestamp};
use ravenwire_stories::{Config, StoryEngine};

#[path = "../tests/common/provenance_set.rs"]
mod provenance_set;

use provenance_set::Rng;

type BoxError = Box<dyn std::error::Error>;

/// The allocator the `ravenwire` binary uses, so that the figures are the
/// binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HELP: &str = "\
cluster_bench: benchmarks for the ravenwire story engine (default Config).

  cluster_bench IN.jsonl
      Streams IN.jsonl (one Document per line; `story` and `topic` are
      removed first) and prints one {id, cluster, copy_of, redated} line per
      document for score.py; docs/s on stderr.

  cluster_bench --provenance [--seed S] IN.jsonl [IN2.jsonl ...]
      Builds a provenance set from the inputs: documents repeating an earlier
      one (half their word 5-grams) are dropped, since their true original
      is unknown; for 30% of the rest a word-for-word or lightly edited copy
      (a word in eighty dropped or doubled, the last sentence cut, a credit
      line added) is injected. A dated original's copy comes within three
      days or, half the time, 60-360 days later (re-dated); an undated one's
      follows within 50 documents. One dated copy in five (published a day
      or more after its original) arrives just before it. Verdicts are
      final ones: revisions reported by StoryEngine::revised replace the
      first verdicts. Prints precision and recall of copy_of and redated.

  cluster_bench --throughput N IN.jsonl [IN2.jsonl ...]
      Feeds N synthetic documents, one thread, and reports docs/s per
      100,000 (10,000 when N < 200,000) and the engine's state sizes. Each
      synthetic story takes a random input document, rewrites its
      capitalised words, numbers and half its other words into
      story-specific inventions, and emits 1-6 members (a quarter of the
      sentences dropped, the rest rotated), 1,400 documents a day from
      2020-01-01, so the stream spans about N/1400 days.
      Method: documents are generated in batches of 5,000 outside the
      timed region; each batch is then fed to StoryEngine::add and timed
      twice, by the thread's CPU time (Linux /proc/thread-self/schedstat;
      wall time elsewhere) and by wall time. CPU docs/s is the figure to
      quote on a shared machine (pin with `taskset -c 0`); wall docs/s
      drops whenever other processes take the core. The bar is the last
      line before the total with N = 1,100,000: the cost per document
      with 1M documents already seen:
        cargo run --release -p ravenwire-stories --example cluster_bench -- \
          --throughput 1100000 basil.jsonl ecbplus.jsonl
      Memory stays bounded because stories out of the time window are
      evicted to digests and documents past the copy horizon are dropped
      (see EngineStats): the state stops growing at about 400,000.

  cluster_bench --synthetic N
      N documents of generated words (no input needed), docs/s on stderr.

  cluster_bench --snapshot N [IN.jsonl ...]
      Warm-start cost: assigns N documents (the --throughput stream when
      inputs are given, else the --synthetic one), then times a fresh
      engine restoring all N (what a run without a snapshot does) against
      saving and loading a snapshot of the engine, and prints the
      snapshot's size. The loaded engine's state sizes must match.

  cluster_bench --replay [--from SNAPSHOT] IN.jsonl
      The engine's cost at a given state: loads SNAPSHOT (a data folder's
      story-engine.snapshot) or starts empty, then adds IN.jsonl's documents
      in order, timing only StoryEngine::add by thread CPU time. Prints ms
      per document for each 2,000 and overall, and a checksum of the final
      verdicts (story, original, re-dated), so that two builds can be shown
      to decide alike.

Settings can be overridden for exploration with
RAVENWIRE_STORIES_SET=name=value,... (benchmark figures use the defaults).
";

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Err(HELP.into()),
        [flag, ..] if flag == "--help" || flag == "-h" => {
            print!("{HELP}");
            Ok(())
        }
        [flag, n] if flag == "--synthetic" => synthetic(n.parse()?),
        [flag, seed_flag, seed, paths @ ..] if flag == "--provenance" && seed_flag == "--seed" => {
            provenance(paths, seed.parse()?)
        }
        [flag, paths @ ..] if flag == "--provenance" => provenance(paths, 7),
        [flag, n, paths @ ..] if flag == "--throughput" => throughput(n.parse()?, paths),
        [flag, n, paths @ ..] if flag == "--snapshot" => snapshot(n.parse()?, paths),
        [flag, from, snapshot, path] if flag == "--replay" && from == "--from" => replay(Some(snapshot), path),
        [flag, path] if flag == "--replay" => replay(None, path),
        [path] => bench(path),
        _ => Err(HELP.into()),
    }
}

/// `name=value` overrides of the default config, for exploring settings;
/// read from `RAVENWIRE_STORIES_SET` (comma separated) so that benchmark
/// runs without it always use the defaults.
fn config_from_env() -> Result<Config, BoxError> {
    let mut config = Config::default();
    let Ok(spec) = std::env::var("RAVENWIRE_STORIES_SET") else {
        return Ok(config);
    };
    for pair in spec.split(',').filter(|p| !p.trim().is_empty()) {
        let (name, value) = pair.split_once('=').ok_or_else(|| format!("bad override {pair:?}"))?;
        let v: f64 = value.trim().parse().map_err(|e| format!("{pair}: {e}"))?;
        match name.trim() {
            "join_threshold" => config.join_threshold = v as f32,
            "title_weight" => config.title_weight = v as f32,
            "body_weight" => config.body_weight = v as f32,
            "names_weight" => config.names_weight = v as f32,
            "member_share" => config.member_share = v as f32,
            "idf_prior_docs" => config.idf_prior_docs = v as f32,
            "cross_language_threshold" => config.cross_language_threshold = v as f32,
            "min_shared_anchors" => config.min_shared_anchors = v as usize,
            "redate_match_threshold" => config.redate_match_threshold = v as f32,
            "keep_arrivals" => config.keep_arrivals = v as u64,
            "short_join_threshold" => config.short_join_threshold = v as f32,
            "short_text_words" => config.short_text_words = v as usize,
            "short_merge_threshold" => config.short_merge_threshold = v as f32,
            "short_cover_share" => config.short_cover_share = v as f32,
            "short_term_cap" => config.short_term_cap = v as f32,
            other => return Err(format!("unknown setting {other}").into()),
        }
    }
    Ok(config)
}

fn read_documents(path: &str) -> Result<Vec<Document>, BoxError> {
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut docs = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let mut value: serde_json::Value = serde_json::from_str(&line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        if let Some(obj) = value.as_object_mut() {
            // The answers must not reach the engine.
            obj.remove("story");
            obj.remove("topic");
        }
        docs.push(serde_json::from_value(value).map_err(|e| format!("{path}:{}: {e}", n + 1))?);
    }
    Ok(docs)
}

fn bench(path: &str) -> Result<(), BoxError> {
    let docs = read_documents(path)?;
    let mut engine = StoryEngine::new(config_from_env()?);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let started = Instant::now();
    // Final verdicts: a review's revisions replace the first ones.
    let mut verdicts = Vec::with_capacity(docs.len());
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for doc in &docs {
        let a = engine.add(doc);
        for r in engine.revised() {
            if let Some(&i) = at.get(&r.id) {
                verdicts[i] = r;
            }
        }
        at.insert(a.id.clone(), verdicts.len());
        verdicts.push(a);
    }
    let secs = started.elapsed().as_secs_f64();
    for a in &verdicts {
        let row = serde_json::json!({
            "id": a.id, "cluster": a.story_key, "copy_of": a.copy_of, "redated": a.redated,
        });
        writeln!(out, "{row}")?;
    }
    eprintln!(
        "{} documents in {secs:.2}s ({:.0} docs/s)",
        docs.len(),
        docs.len() as f64 / secs.max(1e-9)
    );
    Ok(())
}

fn replay(snapshot: Option<&String>, path: &str) -> Result<(), BoxError> {
    let docs = read_documents(path)?;
    let config = config_from_env()?;
    let mut engine = match snapshot {
        Some(file) => {
            let started = Instant::now();
            let mut input = std::io::BufReader::new(std::fs::File::open(file).map_err(|e| format!("{file}: {e}"))?);
            let (engine, watermark) =
                StoryEngine::load_snapshot(&mut input, config).map_err(|e| format!("{file}: {e}"))?;
            eprintln!(
                "loaded {file} (mark {watermark}) in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            engine
        }
        None => StoryEngine::new(config),
    };
    const STEP: usize = 2_000;
    let mut verdicts: Vec<(String, String, Option<String>, bool)> = Vec::with_capacity(docs.len());
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let (mut step_cpu, mut total_cpu) = (0.0, 0.0);
    for (i, doc) in docs.iter().enumerate() {
        let before = thread_cpu_seconds();
        let a = engine.add(doc);
        if let (Some(b), Some(e)) = (before, thread_cpu_seconds()) {
            step_cpu += e - b;
        }
        for r in engine.revised() {
            if let Some(&k) = at.get(&r.id) {
                verdicts[k] = (r.id, r.story_key, r.copy_of, r.redated);
            }
        }
        at.insert(a.id.clone(), verdicts.len());
        verdicts.push((a.id, a.story_key, a.copy_of, a.redated));
        if (i + 1) % STEP == 0 || i + 1 == docs.len() {
            let n = (i % STEP) + 1;
            eprintln!(
                "{:>7} documents: {:.3} ms each (thread CPU)",
                i + 1,
                step_cpu * 1e3 / n as f64
            );
            total_cpu += step_cpu;
            step_cpu = 0.0;
        }
    }
    // FNV-1a over the verdicts, in input order.
    let mut sum: u64 = 0xcbf2_9ce4_8422_2325;
    for (id, story, copy_of, redated) in &verdicts {
        let line = format!("{id}\t{story}\t{}\t{redated}\n", copy_of.as_deref().unwrap_or(""));
        for b in line.bytes() {
            sum = (sum ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!(
        "{} documents, {:.3} ms each (thread CPU), verdicts checksum {sum:016x}",
        docs.len(),
        total_cpu * 1e3 / docs.len().max(1) as f64
    );
    Ok(())
}

fn dated_pool(paths: &[String]) -> Result<Vec<Document>, BoxError> {
    let start: chrono::NaiveDate = "2020-01-01".parse()?;
    let mut pool = Vec::new();
    for path in paths {
        for (i, mut doc) in read_documents(path)?.into_iter().enumerate() {
            if doc.published.is_none() {
                doc.published = Some(Timestamp::Day(start + chrono::Days::new(i as u64 / 10)));
            }
            pool.push(doc);
        }
    }
    if pool.is_empty() {
        return Err("no input documents".into());
    }
    Ok(pool)
}

fn provenance(paths: &[String], seed: u64) -> Result<(), BoxError> {
    let mut pool = Vec::new();
    for path in paths {
        pool.extend(read_documents(path)?);
    }
    let originals = provenance_set::distinct(&pool);
    let (stream, truth) = provenance_set::build(&originals, 30, seed);
    let mut engine = StoryEngine::new(config_from_env()?);
    let assignments = provenance_set::final_verdicts(&mut engine, &stream);
    let s = provenance_set::score(&assignments, &truth);
    if std::env::var_os("CLUSTER_BENCH_SHOW_ERRORS").is_some() {
        for a in &assignments {
            let t = &truth[&a.id];
            if a.copy_of != t.copy_of || a.redated != t.redated {
                eprintln!(
                    "{} predicted {:?}/{} expected {:?}/{}",
                    a.id, a.copy_of, a.redated, t.copy_of, t.redated
                );
            }
        }
    }
    println!(
        "{} documents, {} injected copies ({} re-dated), seed {seed}\n\
         copy_of: precision {:.3} recall {:.3}\nredated: precision {:.3} recall {:.3}",
        stream.len(),
        s.copies,
        s.redated,
        s.copy_precision,
        s.copy_recall,
        s.redated_precision,
        s.redated_recall
    );
    Ok(())
}

/// An invented word for `seed`: syllables so it tokenises like a name.
fn invented(seed: u64) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "ro", "len", "mar", "ti", "vos", "el", "dun", "sa", "bri", "no", "gal", "ther", "qui", "ost", "ve",
    ];
    let mut h = seed;
    let mut out = String::new();
    for _ in 0..4 {
        out.push_str(SYLLABLES[(h % 16) as usize]);
        h /= 16;
    }
    out
}

/// Rewrites a text for one synthetic story: capitalised words and numbers
/// always, and half the other words (chosen per story), become
/// story-specific inventions, so stories drawn from one input document
/// share structure but not their telling words.
fn renamed(text: &str, story: u64) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let key = word.bytes().fold(story.wrapping_mul(0x9e37_79b9_7f4a_7c15), |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3).rotate_left(17)
        });
        match word.chars().next() {
            Some(c) if c.is_uppercase() && word.len() > 2 => {
                let mut name = invented(key);
                name[..1].make_ascii_uppercase();
                out.push_str(&name);
            }
            Some(c) if c.is_ascii_digit() => out.push_str(&(key % 10_000).to_string()),
            Some(_) if word.len() > 3 && key % 2 == 0 => out.push_str(&invented(key >> 1)),
            _ => out.push_str(word),
        }
    }
    out
}

/// CPU time this thread has run, from Linux's scheduler statistics; `None`
/// elsewhere. Wall time overstates the engine's cost on a shared machine,
/// CPU time does not.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}

/// The synthetic stream of `--throughput`, made in batches so that the
/// engine's time can be measured apart from the generator's.
struct SyntheticStream<'a> {
    pool: &'a [Document],
    start: chrono::NaiveDate,
    rng: Rng,
    produced: usize,
    story: u64,
    /// Members made but not yet handed out (a story may straddle batches).
    pending: std::collections::VecDeque<Document>,
}

impl<'a> SyntheticStream<'a> {
    /// The stream every throughput and snapshot run replays: same start,
    /// same seed.
    fn new(pool: &'a [Document]) -> Self {
        SyntheticStream {
            pool,
            start: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("a valid date"),
            rng: Rng::new(0x5eed_0001),
            produced: 0,
            story: 0,
            pending: Default::default(),
        }
    }

    /// The next `count` documents.
    fn take(&mut self, count: usize, out: &mut Vec<Document>) {
        while self.pending.len() < count {
            self.next_story();
        }
        out.extend(self.pending.drain(..count));
    }

    /// Makes the next story's members (1-6).
    fn next_story(&mut self) {
        self.story += 1;
        let rng = &mut self.rng;
        let base = &self.pool[rng.below(self.pool.len() as u64) as usize];
        let members = 1 + rng.below(6) as usize;
        let day = self.produced as u64 / 1_400;
        for m in 0..members {
            let sentences: Vec<&str> = base.text.split_inclusive(". ").collect();
            let rotate = rng.below(sentences.len().max(1) as u64) as usize;
            let mut kept = String::new();
            for k in 0..sentences.len() {
                let s = sentences[(k + rotate) % sentences.len()];
                if m == 0 || !rng.chance(25) {
                    kept.push_str(s);
                }
            }
            self.pending.push_back(Document {
                id: format!("syn{}", self.produced),
                title: base.title.as_deref().map(|t| renamed(t, self.story)),
                text: renamed(&kept, self.story),
                published: Some(Timestamp::Day(self.start + chrono::Days::new(day + rng.below(2)))),
                source: Some(format!("outlet{}", rng.below(50))),
                url: Some(format!("https://outlet.example/{}", self.produced)),
                language: None,
            });
            self.produced += 1;
        }
    }
}

fn throughput(n: usize, paths: &[String]) -> Result<(), BoxError> {
    let pool = dated_pool(paths)?;
    let mut stream = SyntheticStream::new(&pool);
    let mut done = 0usize;
    let mut engine = StoryEngine::new(Config::default());
    let chunk = if n < 200_000 { 10_000 } else { 100_000 };
    let batch_size = 5_000.min(chunk);
    let (mut chunk_wall, mut chunk_cpu, mut chunk_docs) = (0.0f64, 0.0f64, 0usize);
    let (mut total_wall, mut total_cpu) = (0.0f64, 0.0f64);
    let mut batch = Vec::with_capacity(batch_size + 6);
    while done < n {
        // Whole stories up to the next report, so a report falls exactly
        // on a multiple of `chunk`.
        let next_report = (done / chunk + 1) * chunk;
        let limit = n.min(next_report).min(done + batch_size);
        batch.clear();
        stream.take(limit - done, &mut batch);
        done = limit;
        let cpu_before = thread_cpu_seconds();
        let wall_before = Instant::now();
        for doc in &batch {
            engine.add(doc);
        }
        let wall = wall_before.elapsed().as_secs_f64();
        let cpu = match (cpu_before, thread_cpu_seconds()) {
            (Some(a), Some(b)) => b - a,
            _ => wall,
        };
        chunk_wall += wall;
        chunk_cpu += cpu;
        chunk_docs += batch.len();
        let produced = done;
        if produced.is_multiple_of(chunk) || produced == n {
            let s = engine.stats();
            eprintln!(
                "{produced:>9} seen: {:.0} docs/s CPU, {:.0} docs/s wall over the last {chunk_docs}; held {} docs, {} live + {} archived stories, {} terms, {} postings",
                chunk_docs as f64 / chunk_cpu.max(1e-9),
                chunk_docs as f64 / chunk_wall.max(1e-9),
                s.documents_held,
                s.stories_live,
                s.stories_archived,
                s.terms,
                s.postings_entries
            );
            total_wall += chunk_wall;
            total_cpu += chunk_cpu;
            (chunk_wall, chunk_cpu, chunk_docs) = (0.0, 0.0, 0);
        }
    }
    eprintln!(
        "{n} documents: engine {total_cpu:.1}s CPU ({:.0} docs/s), {total_wall:.1}s wall ({:.0} docs/s)",
        n as f64 / total_cpu.max(1e-9),
        n as f64 / total_wall.max(1e-9)
    );
    Ok(())
}

fn snapshot(n: usize, paths: &[String]) -> Result<(), BoxError> {
    let docs = if paths.is_empty() {
        synthetic_documents(n).0
    } else {
        let pool = dated_pool(paths)?;
        let mut stream = SyntheticStream::new(&pool);
        let mut docs = Vec::with_capacity(n);
        stream.take(n, &mut docs);
        docs
    };
    let mut engine = StoryEngine::new(Config::default());
    let started = Instant::now();
    let assigned: Vec<_> = docs.iter().map(|d| engine.add(d)).collect();
    eprintln!("{n} documents assigned in {:.2}s", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let mut replayed = StoryEngine::new(Config::default());
    for (doc, a) in docs.iter().zip(&assigned) {
        replayed.restore(doc, a);
    }
    let replay_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut bytes = Vec::new();
    engine.save_snapshot(n as u64, &mut bytes)?;
    let save_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (loaded, watermark) = StoryEngine::load_snapshot(&mut bytes.as_slice(), Config::default())?;
    let load_s = started.elapsed().as_secs_f64();
    if loaded.stats() != engine.stats() || watermark != n as u64 {
        return Err("the loaded engine differs from the saved one".into());
    }
    let s = engine.stats();
    eprintln!(
        "{n} documents: replay {replay_s:.2}s ({:.0} docs/s); snapshot save {save_s:.3}s, load {load_s:.3}s ({:.0}x faster than replay), {} bytes ({:.1} MB); held {} docs, {} live + {} archived stories, {} terms",
        n as f64 / replay_s.max(1e-9),
        replay_s / load_s.max(1e-9),
        bytes.len(),
        bytes.len() as f64 / 1e6,
        s.documents_held,
        s.stories_live,
        s.stories_archived,
        s.terms
    );
    Ok(())
}

/// A deterministic stream: stories of 1–8 documents drawn from a Zipf-like
/// vocabulary, each story with its own topic words and names, a quarter of
/// the documents being lightly edited copies.
fn synthetic(n: usize) -> Result<(), BoxError> {
    let (docs, story) = synthetic_documents(n);
    let mut engine = StoryEngine::new(Config::default());
    let started = Instant::now();
    let mut stories = std::collections::HashSet::new();
    for doc in &docs {
        stories.insert(engine.add(doc).story_key);
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{n} synthetic documents (400 words) in {secs:.2}s: {:.0} docs/s, {} stories found for {story} made",
        n as f64 / secs.max(1e-9),
        stories.len()
    );
    Ok(())
}

fn synthetic_documents(n: usize) -> (Vec<Document>, usize) {
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    let common: Vec<String> = (0..5_000).map(|i| format!("w{i}")).collect();
    let mut docs = Vec::with_capacity(n);
    let mut story = 0usize;
    while docs.len() < n {
        story += 1;
        let topic: Vec<String> = (0..30).map(|i| format!("t{story}x{i}")).collect();
        let names: Vec<String> = (0..4).map(|i| format!("Name{story}n{i}")).collect();
        let size = 1 + rng.below(8) as usize;
        let mut first_body = String::new();
        for k in 0..size {
            let mut body = String::new();
            if k > 0 && rng.chance(25) {
                body = first_body.replacen("w1 ", "w2 ", 3);
            } else {
                for _ in 0..400 {
                    let r = rng.below(100);
                    let word = if r < 70 {
                        let zipf = rng.below(5_000) as f64;
                        &common[(zipf * zipf / 5_000.0) as usize]
                    } else if r < 92 {
                        &topic[rng.below(30) as usize]
                    } else {
                        &names[rng.below(4) as usize]
                    };
                    body.push_str(word);
                    body.push(' ');
                }
            }
            if k == 0 {
                first_body = body.clone();
            }
            let day = 1 + (story / 50) % 28;
            docs.push(Document {
                id: format!("s{story}d{k}"),
                title: Some(format!("{} {} {}", topic[0], names[0], topic[1])),
                text: body,
                published: format!("2024-03-{day:02}").parse().ok(),
                source: Some(format!("outlet{}", k % 5)),
                url: Some(format!("https://outlet{}.example/{story}/{k}", k % 5)),
                language: None,
            });
        }
    }
    docs.truncate(n);
    (docs, story)
}
