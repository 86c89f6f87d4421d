//! A small HTTP/1.1 server on a loopback address, for the collector's tests and benchmarks
//! (the build machines reach no other network): fixed routes with a status, a content type, a
//! body and an ETag from the body (`If-None-Match` answers 304), optional redirects, failures
//! before success and slowness; every request logged with its arrival time. It answers at
//! most 2,000 connections and stops when dropped or after 300 s.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// When it arrived.
    pub at: Instant,
    /// The request target (path and query).
    pub path: String,
    /// Its headers, names in lower case.
    pub headers: HashMap<String, String>,
    /// The status answered.
    pub status: u16,
}

/// A page or file the server holds: status, content type, body (and an ETag from the body).
#[derive(Clone)]
pub struct Route {
    /// The status (200; 301 with a `location`; anything else).
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// The `Location` of a redirect.
    pub location: Option<String>,
    /// Answer 503 this many times first.
    pub fail_first: u32,
    /// Wait this long before answering.
    pub slow: Duration,
}

/// An HTML page (200).
pub fn page(body: impl Into<Vec<u8>>) -> Route {
    Route {
        status: 200,
        content_type: "text/html",
        body: body.into(),
        location: None,
        fail_first: 0,
        slow: Duration::ZERO,
    }
}

/// A file of content type `ct` (200).
pub fn file(ct: &'static str, body: impl Into<Vec<u8>>) -> Route {
    Route {
        content_type: ct,
        ..page(body)
    }
}

/// A running server (stops when dropped).
pub struct Server {
    /// `IP:PORT`.
    pub addr: String,
    log: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Server {
    /// Serves `routes` on `ip` (a free port), at most 2,000 requests.
    ///
    /// # Panics
    ///
    /// When the address cannot be bound ([`Server::try_start`] says why instead).
    pub fn start(ip: &str, routes: HashMap<String, Route>) -> Server {
        Server::try_start(ip, routes).unwrap_or_else(|e| panic!("cannot serve on {ip}: {e}"))
    }

    /// Serves `routes` on `ip` (a free port), or says why it cannot (an address such as
    /// 127.0.0.2 that a sandbox does not route).
    pub fn try_start(ip: &str, routes: HashMap<String, Route>) -> std::io::Result<Server> {
        let listener = TcpListener::bind((ip, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?.to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        let routes = Arc::new(Mutex::new(routes));
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut served = 0;
            while !stop2.load(Ordering::SeqCst)
                && served < 2000
                && started.elapsed() < Duration::from_secs(300)
            {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        let (log, routes) = (log2.clone(), routes.clone());
                        std::thread::spawn(move || answer(stream, &log, &routes));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Ok(Server { addr, log, stop })
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }
}

fn answer(stream: TcpStream, log: &Mutex<Vec<Seen>>, routes: &Mutex<HashMap<String, Route>>) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let at = Instant::now();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l).unwrap_or(0) == 0 || l.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let route = {
        let mut r = routes.lock().unwrap();
        match r.get_mut(&path) {
            Some(route) if route.fail_first > 0 => {
                route.fail_first -= 1;
                Some(Route {
                    status: 503,
                    ..route.clone()
                })
            }
            Some(route) => Some(route.clone()),
            None => None,
        }
    };
    let route = route.unwrap_or(Route {
        status: 404,
        ..page("not found")
    });
    std::thread::sleep(route.slow);
    let etag = format!(
        "\"{:x}\"",
        route.body.len() * 7919 + route.body.iter().map(|b| *b as usize).sum::<usize>()
    );
    let not_modified = route.status == 200 && headers.get("if-none-match") == Some(&etag);
    let status = if not_modified { 304 } else { route.status };
    let reason = match status {
        200 => "OK",
        301 => "Moved Permanently",
        304 => "Not Modified",
        404 => "Not Found",
        _ => "Service Unavailable",
    };
    let body: &[u8] = if status == 200 { &route.body } else { b"" };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nETag: {etag}\r\nConnection: close\r\n",
        route.content_type,
        body.len()
    );
    if let Some(l) = &route.location {
        head.push_str(&format!("Location: {l}\r\n"));
    }
    head.push_str("\r\n");
    log.lock().unwrap().push(Seen {
        at,
        path,
        headers,
        status,
    });
    let mut s = stream;
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
    let _ = s.flush();
    let mut rest = Vec::new();
    let _ = s.set_read_timeout(Some(Duration::from_millis(20)));
    let _ = s.read_to_end(&mut rest);
}
