//! The HTTP server around the router: the limits that keep slow or numerous
//! clients from holding the server, and the graceful stop on SIGINT/SIGTERM.
//!
//! Connections are accepted by hand rather than through `axum::serve`, which
//! has no header timeout and no connection cap. Each connection is served by
//! hyper's HTTP/1.1 connection with a header read timeout; HTTP/2 without TLS
//! (prior knowledge) is not offered, because detecting it means waiting for
//! the client's first bytes with no timeout at all.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::{router, AppState, Error};

/// The server's limits. [`Limits::DEFAULT`] holds every default, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A client has this long to send a request's whole header block, counted
    /// from when the server starts waiting for it: after connecting, and
    /// again after each answer on a kept-alive connection. A client that has
    /// not finished by then is disconnected without an answer.
    pub header_read_timeout: Duration,
    /// A request not answered within this time gets a 503 page (or JSON
    /// error) saying so, and its work is dropped.
    pub request_timeout: Duration,
    /// Connections served at once. At the cap the server stops accepting:
    /// new connections wait in the kernel's listen backlog, using no file
    /// descriptor of ours, until a served one closes.
    pub max_connections: u32,
    /// After a stop signal, how long requests in flight get to finish before
    /// their connections are dropped.
    pub shutdown_grace: Duration,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        header_read_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(30),
        max_connections: 512,
        shutdown_grace: Duration::from_secs(30),
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// How often reaching the connection cap is logged, at most.
const CAP_WARNING_INTERVAL: Duration = Duration::from_secs(60);

/// The signals that stop the server: SIGINT (ctrl-c) and SIGTERM, which
/// systemd, Docker and Kubernetes send. Listening starts when this is made,
/// so make it before telling anyone the server is up: a signal that arrives
/// earlier would kill the process at once.
pub struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Starts listening for the stop signals. Needs a running tokio runtime.
    pub fn install() -> Result<StopSignals, Error> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(StopSignals {
                interrupt: signal(SignalKind::interrupt()).map_err(Error::Signals)?,
                terminate: signal(SignalKind::terminate()).map_err(Error::Signals)?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Waits for the next stop signal and names it.
    pub async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => "SIGINT (ctrl-c)",
                _ = self.terminate.recv() => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => "ctrl-c",
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for ctrl-c; serving until killed");
                    std::future::pending().await
                }
            }
        }
    }
}

/// Serves [`router`] on `listener` within `limits` until SIGINT or SIGTERM,
/// then stops accepting, lets requests in flight finish (for at most
/// [`Limits::shutdown_grace`]) and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    limits: Limits,
    mut signals: StopSignals,
) -> Result<(), Error> {
    let app = router(state, limits.request_timeout);
    let (reason, stopping) = serve_until(listener, app, limits, signals.recv()).await?;
    stopping.drain(reason, signals.recv()).await;
    Ok(())
}

/// A server stopped by [`serve_until`], whose connections may still be
/// serving their last request.
pub(crate) struct Stopping {
    limits: Limits,
    permits: Arc<Semaphore>,
    stop_tx: watch::Sender<bool>,
}

/// Accepts connections on `listener` and serves `app` on them until `stop`
/// completes; then closes the listener, asks every connection to finish its
/// request in flight and close, and returns `stop`'s output with a handle to
/// wait for them.
pub(crate) async fn serve_until<T>(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = T>,
) -> Result<(T, Stopping), Error> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, ?limits, "serving the web front end");
    }
    let permits = Arc::new(Semaphore::new(limits.max_connections as usize));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    let mut last_warned: Option<tokio::time::Instant> = None;
    let output = loop {
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // Under a flood the cap is reached again and again: say so
                // once a minute, not once a connection.
                let now = tokio::time::Instant::now();
                if last_warned.is_none_or(|at| now.duration_since(at) >= CAP_WARNING_INTERVAL) {
                    last_warned = Some(now);
                    tracing::warn!(
                        max = limits.max_connections,
                        "connection cap reached; new connections wait until one closes"
                    );
                }
                tokio::select! {
                    output = &mut stop => break output,
                    acquired = Arc::clone(&permits).acquire_owned() => match acquired {
                        Ok(permit) => permit,
                        // The semaphore is never closed; were it closed, no
                        // connection could be served, so wait for the stop.
                        Err(_) => break (&mut stop).await,
                    },
                }
            }
        };
        let (stream, peer) = tokio::select! {
            output = &mut stop => break output,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(err).await;
                    continue;
                }
            },
        };
        tokio::spawn(serve_connection(
            stream,
            peer,
            app.clone(),
            limits,
            stop_rx.clone(),
            permit,
        ));
    };
    drop(listener);
    Ok((
        output,
        Stopping {
            limits,
            permits,
            stop_tx,
        },
    ))
}

impl Stopping {
    /// Tells every connection to stop after its request in flight, and waits
    /// until they have all closed, the grace period has passed or `again` (a
    /// second signal) completes.
    pub(crate) async fn drain(self, reason: &str, again: impl Future<Output = &'static str>) {
        let Stopping {
            limits,
            permits,
            stop_tx,
        } = self;
        let open = (limits.max_connections as usize).saturating_sub(permits.available_permits());
        tracing::info!(
            reason,
            open_connections = open,
            "stopping the web server: no new connections; requests in flight may finish"
        );
        let _ = stop_tx.send(true);
        tokio::select! {
            _ = permits.acquire_many(limits.max_connections) => tracing::info!("the web server has stopped"),
            _ = tokio::time::sleep(limits.shutdown_grace) => tracing::warn!(
                grace = ?limits.shutdown_grace,
                "connections still open after the grace period are dropped"
            ),
            second = again => tracing::warn!(reason = second, "stopping at once; open connections are dropped"),
        }
    }
}

/// Serves one connection (from `peer`) until it closes, or finishes its request in flight
/// once `stop` turns true. The permit counts it against the cap.
async fn serve_connection(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    // Each request learns the client's address (axum's `ConnectInfo`), so
    // that failed logins are counted per client.
    let app = tower::ServiceBuilder::new()
        .map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            request
        })
        .service(app);
    let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    let mut connection = std::pin::pin!(connection);
    let stopping = async move {
        let _ = stop.wait_for(|stopping| *stopping).await;
    };
    let finished = tokio::select! {
        result = connection.as_mut() => Some(result),
        () = stopping => None,
    };
    let result = match finished {
        Some(result) => result,
        None => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(err) = result {
        // Clients that time out, vanish or send garbage are routine.
        tracing::debug!(error = %err, "connection ended with an error");
    }
    drop(permit);
}

/// Accepting fails for two kinds of reason: the one client gave up (skip
/// it), or the process is out of something, such as file descriptors (wait
/// a little so the loop does not spin, then try again).
async fn accept_failed(err: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!(error = %err, "cannot accept a connection; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::sync::oneshot;
    use tokio::task::JoinHandle;

    use super::*;
    use crate::test_support::Fixture;

    /// Far longer than any step here should take: only a hang reaches it.
    const GENEROUS: Duration = Duration::from_secs(20);

    /// Serves `app` on a free port until the sender is used or dropped; the
    /// task ends when the server has drained.
    async fn start(app: Router, limits: Limits) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let ((), stopping) = serve_until(listener, app, limits, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
            stopping.drain("the test is over", std::future::pending()).await;
        });
        (addr, stop_tx, task)
    }

    async fn fetch(addr: SocketAddr, path: &str) -> String {
        let mut socket = TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut reply = String::new();
        tokio::time::timeout(GENEROUS, socket.read_to_string(&mut reply))
            .await
            .expect("an answer")
            .unwrap();
        reply
    }

    /// Reads until the server closes the connection, and returns what it sent.
    async fn read_until_closed(socket: &mut TcpStream) -> Vec<u8> {
        let mut received = Vec::new();
        match tokio::time::timeout(GENEROUS, socket.read_to_end(&mut received)).await {
            Ok(_) => received, // closed, or reset
            Err(_) => panic!("the server kept the connection open"),
        }
    }

    #[tokio::test]
    async fn serve_answers_http_on_a_real_socket() {
        let fx = Fixture::new().await;
        let app = router(fx.state.clone(), Limits::DEFAULT.request_timeout);
        let (addr, stop, task) = start(app, Limits::DEFAULT).await;
        let reply = fetch(addr, "/healthz").await;
        assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
        assert!(reply.contains("\"status\":\"ok\""), "{reply}");
        assert!(!task.is_finished());
        stop.send(()).unwrap();
        tokio::time::timeout(GENEROUS, task).await.expect("stops").unwrap();
    }

    #[tokio::test]
    async fn a_half_sent_request_is_dropped_after_the_header_timeout() {
        let limits = Limits {
            header_read_timeout: Duration::from_millis(200),
            ..Limits::DEFAULT
        };
        let app = Router::new().route("/", get(|| async { "hello" }));
        let (addr, _stop, _task) = start(app, limits).await;

        let mut half_sent = TcpStream::connect(addr).await.unwrap();
        half_sent.write_all(b"GET / HTTP/1.1\r\nHost: local").await.unwrap();
        let mut silent = TcpStream::connect(addr).await.unwrap();
        assert!(read_until_closed(&mut half_sent).await.is_empty());
        assert!(read_until_closed(&mut silent).await.is_empty());

        // A kept-alive connection gets the same time between requests.
        let mut kept = TcpStream::connect(addr).await.unwrap();
        kept.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        let answer = String::from_utf8(read_until_closed(&mut kept).await).unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 200 OK") && answer.ends_with("hello"),
            "{answer}"
        );
    }

    #[tokio::test]
    async fn connections_beyond_the_cap_wait_until_one_closes() {
        let limits = Limits {
            max_connections: 1,
            ..Limits::DEFAULT
        };
        let app = Router::new().route("/", get(|| async { "hello" }));
        let (addr, _stop, _task) = start(app, limits).await;

        let holder = TcpStream::connect(addr).await.unwrap();
        // Let the server accept the holder before the second client comes.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let waiting = tokio::spawn(fetch(addr, "/"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !waiting.is_finished(),
            "a second connection was served beyond the cap of one"
        );
        drop(holder);
        let reply = tokio::time::timeout(GENEROUS, waiting).await.expect("served").unwrap();
        assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    }

    #[tokio::test]
    async fn stopping_lets_a_request_in_flight_finish() {
        let (started_tx, started_rx) = oneshot::channel::<()>();
        let started = Arc::new(std::sync::Mutex::new(Some(started_tx)));
        let app = Router::new().route(
            "/slow",
            get(move || async move {
                if let Some(tx) = started.lock().unwrap().take() {
                    let _ = tx.send(());
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
                "finished"
            }),
        );
        let (addr, stop, task) = start(app, Limits::DEFAULT).await;
        let in_flight = tokio::spawn(fetch(addr, "/slow"));
        started_rx.await.unwrap();
        stop.send(()).unwrap();
        let reply = tokio::time::timeout(GENEROUS, in_flight)
            .await
            .expect("answered")
            .unwrap();
        assert!(
            reply.starts_with("HTTP/1.1 200 OK") && reply.ends_with("finished"),
            "{reply}"
        );
        tokio::time::timeout(GENEROUS, task).await.expect("stops").unwrap();
        assert!(
            TcpStream::connect(addr).await.is_err(),
            "still accepting after the stop"
        );
    }
}
