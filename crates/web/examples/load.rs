//! The load generator of `bench/scale.py`: sends each request path read from
//! standard input (one a line) once, from `--clients` HTTP/1.1 connections
//! kept alive, and prints a JSON object with each request's latency.
//!
//! ```text
//! cargo run --release -p ravenwire-web --example load -- --port 8080 --clients 20 < paths.txt
//! {"latencies_ms": [..], "errors": [["/path", "404"]], "seconds": 1.9}
//! ```
//!
//! It runs on one thread: on a two-core machine the client takes as little
//! of the server's processor as it can, and no interpreter lock stands
//! between a reply's arrival and the clock that times it (the Python client
//! this replaced added 15 to 20 ms to the 99th percentile of a reply that
//! took a millisecond).

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

struct Args {
    port: u16,
    clients: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { port: 0, clients: 20 };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let value = given.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<usize>().map_err(|_| format!("{flag}: {v:?} is not a number"));
        match flag.as_str() {
            "--port" => {
                args.port = u16::try_from(number(&value)?).map_err(|_| format!("--port {value} is out of range"))?
            }
            "--clients" => args.clients = number(&value)?.max(1),
            other => return Err(format!("unknown flag {other:?}: expected --port N [--clients N]")),
        }
    }
    if args.port == 0 {
        return Err("--port N is required".to_string());
    }
    Ok(args)
}

#[derive(Default)]
struct Tally {
    latencies_ms: Vec<f64>,
    errors: Vec<(String, String)>,
}

type Connection = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

async fn connect(port: u16) -> Result<Connection, String> {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connecting to 127.0.0.1:{port}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake with 127.0.0.1:{port}: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// One request on `conn`: its status, or what went wrong.
async fn get(conn: &mut Connection, port: u16, path: &str) -> Result<u16, String> {
    conn.ready().await.map_err(|e| e.to_string())?;
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, format!("127.0.0.1:{port}"))
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("{path:?}: {e}"))?;
    let reply = tokio::time::timeout(Duration::from_secs(60), conn.send_request(request))
        .await
        .map_err(|_| "no reply in 60 s".to_string())?
        .map_err(|e| e.to_string())?;
    let status = reply.status().as_u16();
    // The whole body is read: a reply is timed to its last byte.
    reply.into_body().collect().await.map_err(|e| e.to_string())?;
    Ok(status)
}

async fn client(port: u16, queue: Arc<Mutex<VecDeque<String>>>, tally: Arc<Mutex<Tally>>) -> Result<(), String> {
    let mut conn = connect(port).await?;
    loop {
        let Some(path) = queue.lock().expect("queue lock").pop_front() else {
            return Ok(());
        };
        let start = Instant::now();
        let outcome = get(&mut conn, port, &path).await;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let broken = outcome.is_err();
        {
            let mut tally = tally.lock().expect("tally lock");
            tally.latencies_ms.push(ms);
            match outcome {
                Ok(200) => {}
                Ok(status) => tally.errors.push((path, status.to_string())),
                Err(e) => tally.errors.push((path, e)),
            }
        }
        if broken {
            conn = connect(port).await?;
        }
    }
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("load: {message}");
            std::process::exit(2);
        }
    };
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("load: reading the paths from standard input: {e}");
        std::process::exit(2);
    }
    let queue: VecDeque<String> = input.lines().filter(|l| !l.is_empty()).map(str::to_string).collect();
    let queue = Arc::new(Mutex::new(queue));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let start = Instant::now();
    let failed = runtime.block_on(async {
        let tasks: Vec<_> = (0..args.clients)
            .map(|_| tokio::spawn(client(args.port, Arc::clone(&queue), Arc::clone(&tally))))
            .collect();
        let mut failed = None;
        for task in tasks {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failed = Some(e),
                Err(e) => failed = Some(e.to_string()),
            }
        }
        failed
    });
    let seconds = start.elapsed().as_secs_f64();
    if let Some(message) = failed {
        eprintln!("load: {message}");
        std::process::exit(1);
    }
    let tally = tally.lock().expect("tally lock");
    let out = serde_json::json!({
        "latencies_ms": tally.latencies_ms,
        "errors": tally.errors,
        "seconds": seconds,
    });
    println!("{out}");
}
