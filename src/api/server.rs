//! The HTTP/1.1 accept loop, with limits a shared server needs: a cap on open connections
//! (when it is reached, the longest-idle connection is closed to make room, so a flood of idle
//! sockets can never lock out a real request), a timeout for reading request headers, an idle
//! timeout between keep-alive requests, and a graceful stop.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

/// Connection limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most; beyond it the longest-idle one is closed.
    pub max_connections: usize,
    /// Time to receive a request's headers.
    pub header_read_timeout: Duration,
    /// Time a keep-alive connection may sit without a request.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// One open connection, as the accept loop sees it.
struct Conn {
    /// Requests in flight.
    busy: AtomicUsize,
    /// Milliseconds since `start` of the last request start or end.
    last: AtomicU64,
    /// Asks the connection to close (after any request in flight).
    close: Notify,
}

struct Registry {
    start: Instant,
    next_id: AtomicU64,
    open: Mutex<BTreeMap<u64, Arc<Conn>>>,
}

impl Registry {
    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// Closes the connection idle the longest; false when every connection is busy.
    fn evict_idle(&self) -> bool {
        let Ok(mut open) = self.open.lock() else { return false };
        let victim = open
            .iter()
            .filter(|(_, conn)| conn.busy.load(Ordering::SeqCst) == 0)
            .min_by_key(|(_, conn)| conn.last.load(Ordering::SeqCst))
            .map(|(id, _)| *id);
        match victim.and_then(|id| open.remove(&id)) {
            Some(conn) => {
                conn.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let registry = Arc::new(Registry {
        start: Instant::now(),
        next_id: AtomicU64::new(0),
        open: Mutex::new(BTreeMap::new()),
    });
    let stopping = Arc::new(Notify::new());
    let live = Arc::new(AtomicUsize::new(0));
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, _) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of file descriptors or similar: make room and keep accepting.
                tracing::warn!(error = %err, "accept failed");
                registry.evict_idle();
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        while live.load(Ordering::SeqCst) >= limits.max_connections {
            if !registry.evict_idle() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            } else {
                tokio::task::yield_now().await;
                break;
            }
        }
        let _ = stream.set_nodelay(true);
        let id = registry.next_id.fetch_add(1, Ordering::SeqCst);
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            last: AtomicU64::new(registry.now()),
            close: Notify::new(),
        });
        if let Ok(mut open) = registry.open.lock() {
            open.insert(id, conn.clone());
        }
        live.fetch_add(1, Ordering::SeqCst);
        let router = router.clone();
        let registry = registry.clone();
        let stopping = stopping.clone();
        let live = live.clone();
        tokio::spawn(async move {
            let tracked = conn.clone();
            let clock = registry.clone();
            let service = hyper::service::service_fn(
                move |request: hyper::Request<hyper::body::Incoming>| {
                    let router = router.clone();
                    let conn = tracked.clone();
                    let clock = clock.clone();
                    conn.busy.fetch_add(1, Ordering::SeqCst);
                    conn.last.store(clock.now(), Ordering::SeqCst);
                    async move {
                        let response = router.oneshot(request.map(axum::body::Body::new)).await;
                        conn.busy.fetch_sub(1, Ordering::SeqCst);
                        conn.last.store(clock.now(), Ordering::SeqCst);
                        response
                    }
                },
            );
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .keep_alive(true);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let mut idle_check = tokio::time::interval(limits.idle_timeout / 2);
            idle_check.tick().await;
            let mut closing = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(err) = result {
                            tracing::debug!(error = %err, "connection ended");
                        }
                        break;
                    }
                    () = conn.close.notified(), if !closing => {
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    () = stopping.notified(), if !closing => {
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    _ = idle_check.tick(), if !closing => {
                        let idle_ms = registry.now().saturating_sub(conn.last.load(Ordering::SeqCst));
                        if conn.busy.load(Ordering::SeqCst) == 0
                            && idle_ms >= limits.idle_timeout.as_millis() as u64
                        {
                            closing = true;
                            connection.as_mut().graceful_shutdown();
                        }
                    }
                }
            }
            if let Ok(mut open) = registry.open.lock() {
                open.remove(&id);
            }
            live.fetch_sub(1, Ordering::SeqCst);
        });
    }
    // Stop accepting; let requests in flight finish (at most the request timeout).
    stopping.notify_waiters();
    let deadline = Instant::now() + Duration::from_secs(65);
    while live.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        stopping.notify_waiters();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
