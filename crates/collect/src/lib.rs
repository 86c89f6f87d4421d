//! The collector: portal columns → report files, politely, with provenance (`nianbao collect`).
//!
//! **In:** start URLs (a report column's list page, or a site's home) and an output folder.
//! **Out:** the report article pages, their attachments and the pictures in their bodies, saved
//! under `OUTPUT/HOST/PATH` (so that `nianbao build --input OUTPUT` reads them), the
//! collector's state in `OUTPUT/.nianbao-collect/` (hidden: the build never reads it) and a
//! [`Summary`]. **Never:** fetches what `robots.txt` refuses, sends two requests at once to one
//! host, follows a link or a redirect off the start hosts (or onto a private or loopback
//! address unless a start URL is one), reads a body past its size limit, writes outside the
//! output folder, or overwrites a file it did not write.
//!
//! A run walks each start host on its own thread (hosts in parallel,
//! [`Options::parallel_hosts`] at a time), the start pages as list pages, breadth first; every
//! host it asks (the start host, or another allowed host a link leads to) is asked through one
//! lock per host for the whole run, `robots.txt` first, so no two requests to one host are ever
//! in flight, whichever walk sends them. A list
//! page gives report articles (a link titled like a report, with a year), attachments linked
//! from the list, further list pages (pagination, TRS page counts, the column's link from a
//! home page) — see [`links`]. An article gives its attachments and pictures. Requests to one
//! host are [`Options::delay`] apart (or the `Crawl-delay` of `robots.txt`, if longer); a 429
//! or a 5xx is retried after 5, 15 and 45 delays (or its `Retry-After`, up to 120 s) and then
//! given up. Files fetched before are asked for conditionally (`If-None-Match`,
//! `If-Modified-Since`), so a second run downloads only what is new or changed.
//!
//! ```no_run
//! let opts = nianbao_collect::Options::new(
//!     vec!["http://www.example.gov.cn/zwgk/zfxxgknb/".into()],
//!     "reports".into(),
//! );
//! let summary = nianbao_collect::collect(&opts, &nianbao_collect::Quiet).unwrap();
//! println!("{} reports", summary.articles + summary.attachments);
//! ```

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::{IpAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use url::Url;

pub mod links;
pub mod loopback;
pub mod store;

pub use links::Kind;
use store::{Record, State};

/// The user agent: the tool, its version and where to read about it.
pub const USER_AGENT: &str = concat!(
    "nianbao-collect/",
    env!("CARGO_PKG_VERSION"),
    " (government information disclosure annual reports; +https://example.invalid/nianbao)"
);

/// The report column's usual paths (`PORTALS.md`), tried under a start URL that is a site's
/// home.
pub const COLUMN_PATHS: [&str; 3] = ["/zwgk/zfxxgknb/", "/xxgk/xxgknb/", "/gknb/"];

/// The agent name `robots.txt` groups are matched against.
pub const ROBOTS_AGENT: &str = "nianbao-collect";

/// What a run does.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to start: list pages or site homes.
    pub starts: Vec<String>,
    /// The folder the files go to.
    pub output: PathBuf,
    /// Time between two requests to one host (at least; `robots.txt` may ask for more).
    pub delay: Duration,
    /// Hosts walked at the same time.
    pub parallel_hosts: usize,
    /// Most pages and files fetched from one host in a run.
    pub max_per_host: usize,
    /// Largest body read (decompressed).
    pub max_bytes: u64,
    /// Time limit of one request, body included.
    pub timeout: Duration,
    /// Hosts other than the start hosts a link may lead to (e.g. `*.gov.cn` for a list of
    /// sites): suffixes a host must end with.
    pub also_hosts: Vec<String>,
}

impl Options {
    /// The defaults: one second between requests, 8 hosts at a time, 2,000 fetches per host,
    /// 100 MB per body, 60 s per request.
    pub fn new(starts: Vec<String>, output: PathBuf) -> Options {
        Options {
            starts,
            output,
            delay: Duration::from_millis(1000),
            parallel_hosts: 8,
            max_per_host: 2_000,
            max_bytes: 100 << 20,
            timeout: Duration::from_secs(60),
            also_hosts: Vec::new(),
        }
    }
}

/// Why a run could not start (problems with single URLs are in the [`Summary`]).
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// A start URL that is not an http(s) URL.
    #[error("the start URL {url:?} is not an http:// or https:// address ({why})")]
    BadStart {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// The output folder or the state cannot be written.
    #[error("cannot write the output folder {path}: {source}")]
    Output {
        /// The folder.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Something a run could not fetch or keep, listed in the summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The URL.
    pub url: String,
    /// `robots`, `http_404`, `http_500`, `redirect_off_site`, `private_address`, `too_large`,
    /// `network`, `not_written`, `limit`.
    pub kind: String,
    /// In words.
    pub detail: String,
    /// The page it was found on.
    pub found_on: Option<String>,
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    /// Hosts walked.
    pub hosts: usize,
    /// HTTP requests sent (robots.txt included).
    pub requests: usize,
    /// List pages read.
    pub list_pages: usize,
    /// Report article pages kept.
    pub articles: usize,
    /// Attachments kept.
    pub attachments: usize,
    /// Pictures kept.
    pub pictures: usize,
    /// Files saved this run (new or changed), relative to the output folder.
    pub saved: Vec<String>,
    /// Answers `304 Not Modified` (nothing downloaded).
    pub not_modified: usize,
    /// Fetched again with the same content.
    pub unchanged: usize,
    /// URLs `robots.txt` refused.
    pub robots_refusals: usize,
    /// Problems by kind.
    pub errors: BTreeMap<String, usize>,
    /// Every problem.
    pub problems: Vec<Problem>,
}

impl Summary {
    fn problem(&mut self, url: &str, kind: &str, detail: String, found_on: Option<&str>) {
        *self.errors.entry(kind.to_owned()).or_default() += 1;
        if kind == "robots" {
            self.robots_refusals += 1;
        }
        self.problems.push(Problem {
            url: url.to_owned(),
            kind: kind.to_owned(),
            detail,
            found_on: found_on.map(str::to_owned),
        });
    }

    fn merge(&mut self, o: Summary) {
        self.hosts += o.hosts;
        self.requests += o.requests;
        self.list_pages += o.list_pages;
        self.articles += o.articles;
        self.attachments += o.attachments;
        self.pictures += o.pictures;
        self.saved.extend(o.saved);
        self.not_modified += o.not_modified;
        self.unchanged += o.unchanged;
        self.robots_refusals += o.robots_refusals;
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.problems.extend(o.problems);
    }
}

/// What the collector tells as it goes (a progress bar in the binary; nothing in a library).
pub trait Progress: Sync {
    /// A request got an answer (`status` 0: none came).
    fn fetched(&self, _url: &str, _status: u16) {}
}

/// A [`Progress`] that says nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// Collects from every start URL into the output folder.
pub fn collect(opts: &Options, progress: &dyn Progress) -> Result<Summary, CollectError> {
    let mut by_host: BTreeMap<String, Vec<Url>> = BTreeMap::new();
    for s in &opts.starts {
        let url = Url::parse(s.trim()).map_err(|e| CollectError::BadStart {
            url: s.clone(),
            why: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(CollectError::BadStart {
                url: s.clone(),
                why: "not http(s) with a host".into(),
            });
        }
        by_host.entry(origin(&url)).or_default().push(url);
    }
    let out_err = |source| CollectError::Output {
        path: opts.output.clone(),
        source,
    };
    std::fs::create_dir_all(&opts.output).map_err(out_err)?;
    let state = Mutex::new(State::open(&opts.output).map_err(out_err)?);
    // hosts whose start URL is on a private or loopback address may stay there
    let private_ok: HashSet<String> = by_host
        .values()
        .flatten()
        .filter(|u| resolves_private(u))
        .filter_map(|u| u.host_str().map(str::to_owned))
        .collect();
    let queue: Mutex<VecDeque<(String, Vec<Url>)>> = Mutex::new(by_host.into_iter().collect());
    let total = Mutex::new(Summary::default());
    let hosts = Hosts::default();
    let workers = opts.parallel_hosts.max(1);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                // (the queue's lock is released before the host is walked)
                let next = || queue.lock().ok().and_then(|mut q| q.pop_front());
                while let Some((_, starts)) = next() {
                    let mut walk = Walk::new(opts, &state, &private_ok, progress, &hosts, &starts);
                    walk.run(starts);
                    if let Ok(mut t) = total.lock() {
                        t.merge(walk.summary);
                    }
                }
            });
        }
    });
    let mut total = total.into_inner().unwrap_or_default();
    total.saved.sort();
    Ok(total)
}

/// `scheme://host:port` of a URL.
fn origin(u: &Url) -> String {
    format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str().unwrap_or(""),
        u.port_or_known_default().unwrap_or(0)
    )
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            v.is_loopback()
                || v.is_private()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || v.octets()[0] == 100 && (v.octets()[1] & 0xC0) == 64
        }
        IpAddr::V6(v) => {
            v.is_loopback()
                || v.is_unspecified()
                || (v.segments()[0] & 0xfe00) == 0xfc00
                || (v.segments()[0] & 0xffc0) == 0xfe80
                || v.to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// Whether a URL's host is, or resolves to, a private or loopback address.
fn resolves_private(u: &Url) -> bool {
    let Some(host) = u.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return is_private(ip);
    }
    let port = u.port_or_known_default().unwrap_or(80);
    (host, port)
        .to_socket_addrs()
        .map(|mut a| a.any(|a| is_private(a.ip())))
        .unwrap_or(false)
}

/// What the run knows of one host (by origin), whichever walk asks it: when it was last asked,
/// how far apart to ask it, and its `robots.txt`. Its lock is held for the whole of a request
/// (body included), so no two requests to one host are ever in flight at once.
#[derive(Default)]
struct HostState {
    last: Option<Instant>,
    delay: Duration,
    /// Not read yet: `None`.
    robots: Option<Robots>,
}

/// A host's `robots.txt`, as read.
enum Robots {
    Rules(Box<texting_robots::Robot>),
    /// No file (4xx): everything may be fetched.
    AllowAll,
    /// It could not be read (429, 5xx, no answer): nothing may be fetched.
    DenyAll,
}

impl Robots {
    fn allowed(&self, u: &Url) -> bool {
        match self {
            Robots::Rules(r) => r.allowed(u.as_str()),
            Robots::AllowAll => true,
            Robots::DenyAll => false,
        }
    }
}

/// Every host of the run, and every URL some walk has taken (each is fetched once a run).
#[derive(Default)]
struct Hosts {
    map: Mutex<HashMap<String, Arc<Mutex<HostState>>>>,
    taken: Mutex<HashSet<String>>,
}

impl Hosts {
    /// Whether `u` is this walk's to fetch (no walk took it before).
    fn take(&self, u: &Url) -> bool {
        self.taken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(u.as_str().to_owned())
    }

    fn get(&self, u: &Url, delay: Duration) -> Arc<Mutex<HostState>> {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(origin(u))
            .or_insert_with(|| {
                Arc::new(Mutex::new(HostState {
                    delay,
                    ..HostState::default()
                }))
            })
            .clone()
    }
}

/// One start host's walk (it may lead to other allowed hosts: each is asked through its own
/// [`HostState`]).
struct Walk<'a> {
    opts: &'a Options,
    state: &'a Mutex<State>,
    private_ok: &'a HashSet<String>,
    progress: &'a dyn Progress,
    hosts_state: &'a Hosts,
    agent: ureq::Agent,
    hosts: HashSet<String>,
    /// The standard column paths tried under a home page.
    probes: HashSet<String>,
    fetches: usize,
    summary: Summary,
}

/// An answer.
struct Answer {
    status: u16,
    url: Url,
    etag: Option<String>,
    last_modified: Option<String>,
    content_type: String,
    location: Option<String>,
    retry_after: Option<u64>,
    body: Vec<u8>,
}

enum Fetched {
    Answer(Box<Answer>),
    /// Refused before or while fetching (the problem is recorded).
    Refused,
}

impl<'a> Walk<'a> {
    fn new(
        opts: &'a Options,
        state: &'a Mutex<State>,
        private_ok: &'a HashSet<String>,
        progress: &'a dyn Progress,
        hosts_state: &'a Hosts,
        starts: &[Url],
    ) -> Walk<'a> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .max_redirects(0)
            .max_redirects_will_error(false)
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .build()
            .into();
        Walk {
            opts,
            state,
            private_ok,
            progress,
            hosts_state,
            agent,
            hosts: starts
                .iter()
                .filter_map(|u| u.host_str().map(str::to_owned))
                .collect(),
            probes: HashSet::new(),
            fetches: 0,
            summary: Summary {
                hosts: 1,
                ..Summary::default()
            },
        }
    }

    /// Whether a link may be followed: on a start host (or an allowed suffix), http(s).
    fn on_site(&self, u: &Url) -> bool {
        let Some(h) = u.host_str() else {
            return false;
        };
        let under = |s: &String| {
            let s = s.trim_start_matches('.');
            h == s || h.ends_with(&format!(".{s}"))
        };
        matches!(u.scheme(), "http" | "https")
            && (self.hosts.contains(h) || self.opts.also_hosts.iter().any(under))
    }

    fn run(&mut self, starts: Vec<Url>) {
        // a site's home: the standard column paths are tried too (quietly: a probe that is not
        // there is no problem)
        let mut probes = Vec::new();
        for u in &starts {
            if u.path() == "/" {
                for p in COLUMN_PATHS {
                    if let Ok(c) = u.join(p) {
                        self.probes.insert(c.as_str().to_owned());
                        probes.push((c, Kind::List, Some(u.as_str().to_owned())));
                    }
                }
            }
        }
        let mut queue: VecDeque<(Url, Kind, Option<String>)> =
            starts.into_iter().map(|u| (u, Kind::List, None)).collect();
        queue.extend(probes);
        let mut seen: HashSet<String> = HashSet::new();
        while let Some((url, kind, found_on)) = queue.pop_front() {
            if !seen.insert(url.as_str().to_owned()) || !self.hosts_state.take(&url) {
                continue;
            }
            if self.fetches >= self.opts.max_per_host {
                self.summary.problem(
                    url.as_str(),
                    "limit",
                    format!(
                        "the limit of {} fetches per host was reached",
                        self.opts.max_per_host
                    ),
                    found_on.as_deref(),
                );
                continue;
            }
            for (next, k) in self.visit(&url, kind, found_on.as_deref()) {
                if !seen.contains(next.as_str()) {
                    queue.push_back((next, k, Some(url.as_str().to_owned())));
                }
            }
        }
    }

    /// One request to a host whose state is locked: waits until it may be asked, sends,
    /// reads the body (up to the limit), and notes the time. `Err` says why nothing came.
    fn send(
        &mut self,
        host: &mut HostState,
        url: &Url,
        etag: Option<&str>,
        since: Option<&str>,
        extra: Duration,
    ) -> Result<Answer, (&'static str, String)> {
        if let Some(last) = host.last {
            let due = last + host.delay.max(extra);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        } else if !extra.is_zero() {
            std::thread::sleep(extra);
        }
        let mut req = self.agent.get(url.as_str());
        if let Some(e) = etag {
            req = req.header("If-None-Match", e);
        }
        if let Some(s) = since {
            req = req.header("If-Modified-Since", s);
        }
        self.summary.requests += 1;
        self.fetches += 1;
        let result = req.call();
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                host.last = Some(Instant::now());
                self.progress.fetched(url.as_str(), 0);
                return Err(("network", e.to_string()));
            }
        };
        let status = resp.status().as_u16();
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let mut a = Answer {
            status,
            url: url.clone(),
            etag: header("etag"),
            last_modified: header("last-modified"),
            content_type: header("content-type").unwrap_or_default(),
            location: header("location"),
            retry_after: header("retry-after").and_then(|v| v.trim().parse::<u64>().ok()),
            body: Vec::new(),
        };
        if status == 200 {
            let body = resp
                .into_body()
                .with_config()
                .limit(self.opts.max_bytes)
                .read_to_vec();
            host.last = Some(Instant::now());
            match body {
                Ok(b) => a.body = b,
                Err(e) => {
                    self.progress.fetched(url.as_str(), 0);
                    let kind = if matches!(e, ureq::Error::BodyExceedsLimit(_)) {
                        "too_large"
                    } else {
                        "network"
                    };
                    return Err((kind, e.to_string()));
                }
            }
        } else {
            host.last = Some(Instant::now());
        }
        self.progress.fetched(url.as_str(), status);
        Ok(a)
    }

    /// Reads the host's `robots.txt` if it has not been read: a 4xx (but 429) means no rules;
    /// a 429, a 5xx or no answer means nothing may be fetched (RFC 9309, 2.3.1).
    fn ensure_robots(&mut self, host: &mut HostState, any: &Url) {
        if host.robots.is_some() {
            return;
        }
        let Ok(url) = any.join("/robots.txt") else {
            host.robots = Some(Robots::AllowAll);
            return;
        };
        let got = self.send(host, &url, None, None, Duration::ZERO);
        let robots = match got {
            Ok(a) if a.status == 200 => match texting_robots::Robot::new(ROBOTS_AGENT, &a.body) {
                Ok(r) => {
                    if let Some(d) = r.delay {
                        let d = Duration::from_secs_f32(d.clamp(0.0, 120.0));
                        host.delay = host.delay.max(d);
                    }
                    Robots::Rules(Box::new(r))
                }
                Err(_) => Robots::AllowAll,
            },
            Ok(a) if (400..500).contains(&a.status) && a.status != 429 => Robots::AllowAll,
            other => {
                let why = match other {
                    Ok(a) => format!("robots.txt answered {}", a.status),
                    Err((_, e)) => format!("robots.txt could not be fetched ({e})"),
                };
                self.summary.problem(
                    url.as_str(),
                    "robots_unavailable",
                    format!("{why}: nothing fetched from this host"),
                    None,
                );
                Robots::DenyAll
            }
        };
        host.robots = Some(robots);
    }

    /// Whether `u` is on a private or loopback address that no start URL is on (then it is
    /// listed as a problem and not fetched, not even its `robots.txt`).
    fn refused_private(&mut self, u: &Url) -> bool {
        let refused =
            u.host_str().is_some_and(|h| !self.private_ok.contains(h)) && resolves_private(u);
        if refused {
            self.summary.problem(
                u.as_str(),
                "private_address",
                "the host is on a private or loopback address; not fetched".into(),
                None,
            );
        }
        refused
    }

    /// Whether the host's `robots.txt` lets `u` be fetched (read first if need be).
    fn allowed(&mut self, u: &Url) -> bool {
        let gate = self.hosts_state.get(u, self.opts.delay);
        let mut host = gate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.ensure_robots(&mut host, u);
        host.robots.as_ref().is_some_and(|r| r.allowed(u))
    }

    /// One fetch: redirects followed by hand (each checked: on the allowed hosts, allowed by
    /// their `robots.txt`, not private), a 429 or 5xx retried after 5, 15 and 45 delays (or
    /// `Retry-After`, at most 120 s).
    fn fetch(&mut self, url: &Url, etag: Option<&str>, since: Option<&str>) -> Fetched {
        let mut url = url.clone();
        let mut hops = 0;
        let mut tries = 0u32;
        let mut extra = Duration::ZERO;
        loop {
            if self.refused_private(&url) {
                return Fetched::Refused;
            }
            let gate = self.hosts_state.get(&url, self.opts.delay);
            let mut host = gate
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            self.ensure_robots(&mut host, &url);
            if !host.robots.as_ref().is_some_and(|r| r.allowed(&url)) {
                self.summary.problem(
                    url.as_str(),
                    "robots",
                    "robots.txt disallows it; not fetched".into(),
                    None,
                );
                return Fetched::Refused;
            }
            let a = match self.send(&mut host, &url, etag, since, extra) {
                Ok(a) => a,
                Err((kind, why)) => {
                    self.summary.problem(url.as_str(), kind, why, None);
                    return Fetched::Refused;
                }
            };
            let delay = host.delay;
            drop(host);
            extra = Duration::ZERO;
            let status = a.status;
            if (300..400).contains(&status) && status != 304 {
                let Some(next) = a.location.as_deref().and_then(|l| url.join(l).ok()) else {
                    return Fetched::Answer(Box::new(a));
                };
                hops += 1;
                if hops > 5 || !self.on_site(&next) {
                    let why = if hops > 5 {
                        "more than 5 redirects".to_owned()
                    } else {
                        format!("redirects to {next}, off the allowed hosts; not followed")
                    };
                    self.summary
                        .problem(url.as_str(), "redirect_refused", why, None);
                    return Fetched::Refused;
                }
                url = next;
                continue;
            }
            if (status == 429 || status >= 500) && tries < 3 {
                tries += 1;
                let step = delay * [5u32, 15, 45][tries as usize - 1];
                extra = a
                    .retry_after
                    .map(Duration::from_secs)
                    .unwrap_or(step)
                    .min(Duration::from_secs(120));
                continue;
            }
            return Fetched::Answer(Box::new(a));
        }
    }

    /// Fetches one URL, keeps what it should, and returns the links to follow.
    fn visit(&mut self, url: &Url, kind: Kind, found_on: Option<&str>) -> Vec<(Url, Kind)> {
        if self.refused_private(url) {
            return Vec::new();
        }
        if !self.allowed(url) {
            self.summary.problem(
                url.as_str(),
                "robots",
                "robots.txt disallows it; not fetched".into(),
                found_on,
            );
            return Vec::new();
        }
        let before = self
            .state
            .lock()
            .ok()
            .and_then(|s| s.last.get(url.as_str()).cloned());
        // a file is asked for conditionally only if it is still where it was saved
        let have = before.as_ref().filter(|r| match (&r.path, kind) {
            (Some(p), _) => store::inside(&self.opts.output, p).is_some_and(|p| p.is_file()),
            (None, Kind::List) => self
                .state
                .lock()
                .is_ok_and(|s| s.list_body(url.as_str()).is_file()),
            _ => false,
        });
        let a = match self.fetch(
            url,
            have.and_then(|r| r.etag.as_deref()),
            have.and_then(|r| r.last_modified.as_deref()),
        ) {
            Fetched::Answer(a) => *a,
            Fetched::Refused => return Vec::new(),
        };
        let now = store::now_rfc3339();
        let mut rec = Record {
            url: url.as_str().to_owned(),
            kind,
            status: a.status,
            path: None,
            found_on: found_on.map(str::to_owned),
            etag: a.etag.clone(),
            last_modified: a.last_modified.clone(),
            sha256: None,
            fetched_at: now,
        };
        let body: Vec<u8> = match a.status {
            200 => a.body,
            304 => {
                let Some(prev) = have else {
                    return Vec::new();
                };
                self.summary.not_modified += 1;
                // what the page turned out to be when it was fetched (an "article" that lists
                // reports is a list)
                let kind = prev.kind;
                rec = Record {
                    status: 304,
                    found_on: rec.found_on.or_else(|| prev.found_on.clone()),
                    ..prev.clone()
                };
                self.log(&rec);
                self.count(kind, false);
                // the links of a page not modified: from the copy kept
                let copy = match &prev.path {
                    Some(p) => store::inside(&self.opts.output, p),
                    None => self.state.lock().ok().map(|s| s.list_body(url.as_str())),
                };
                let body = copy.and_then(|p| std::fs::read(p).ok()).unwrap_or_default();
                return self.follow(&body, url, kind, found_on.is_none());
            }
            s => {
                if !(self.probes.contains(url.as_str()) && (400..500).contains(&s)) {
                    self.summary.problem(
                        url.as_str(),
                        &format!("http_{s}"),
                        format!("the server answered {s}"),
                        found_on,
                    );
                }
                self.log(&rec);
                return Vec::new();
            }
        };
        let final_url = a.url;
        let sha = store::hex(&Sha256::digest(&body));
        rec.sha256 = Some(sha.clone());
        let html = a.content_type.contains("html")
            || (a.content_type.is_empty() || a.content_type.contains("text/plain"))
                && looks_like_html(&body);
        // what the page turned out to be: a report link that serves a file is an attachment,
        // an "article" that lists reports is a list
        let mut kind = kind;
        if kind == Kind::Article && !html {
            kind = Kind::Attachment;
        }
        // (a list may be XML: Hanweb's dataproxy.jsp)
        let xml_list = kind == Kind::List && a.content_type.contains("xml");
        let found = if (html || xml_list) && matches!(kind, Kind::List | Kind::Article) {
            let text = decode(&body, &a.content_type);
            let l = links::links(&text, &final_url, kind);
            if kind == Kind::Article
                && links::report_links(&links::links(&text, &final_url, Kind::List)) >= 3
            {
                kind = Kind::List;
                links::links(&text, &final_url, Kind::List)
            } else {
                l
            }
        } else {
            Vec::new()
        };
        rec.kind = kind;
        // a start page (a site's home) also leads to its disclosure section, where the column
        // is linked
        let mut found = found;
        if kind == Kind::List && found_on.is_none() && html {
            let text = decode(&body, &a.content_type);
            for u in links::section_links(&text, &final_url) {
                found.push(links::Link {
                    url: u,
                    kind: Kind::List,
                });
            }
        }
        if kind == Kind::List {
            self.summary.list_pages += 1;
            if let Ok(s) = self.state.lock() {
                let _ = store::write_atomic(&s.list_body(url.as_str()), &body, &s.tmp());
            }
        } else {
            let rel = store::relative_path(&final_url, kind);
            let Some(path) = store::inside(&self.opts.output, &rel) else {
                return Vec::new();
            };
            let ours = before.as_ref().and_then(|r| r.path.as_deref()) == Some(rel.as_str())
                || self.state.lock().is_ok_and(|s| {
                    s.last
                        .values()
                        .any(|r| r.path.as_deref() == Some(rel.as_str()))
                });
            if path.exists() && !ours {
                self.summary.problem(
                    url.as_str(),
                    "not_written",
                    format!("{rel} exists and was not written by nianbao collect; left as it is"),
                    found_on,
                );
                return Vec::new();
            }
            let same = before.as_ref().and_then(|r| r.sha256.as_deref()) == Some(sha.as_str())
                && path.is_file();
            rec.path = Some(rel.clone());
            // the record first: a kill before the file is in place leaves a record whose file
            // is missing, which the next run fetches again (and knows to be its own)
            self.log(&rec);
            let tmp = self.state.lock().map(|s| s.tmp()).unwrap_or_default();
            if same {
                self.summary.unchanged += 1;
            } else if let Err(e) = store::write_atomic(&path, &body, &tmp) {
                self.summary
                    .problem(url.as_str(), "not_written", format!("{rel}: {e}"), found_on);
                return Vec::new();
            } else {
                self.summary.saved.push(rel);
            }
            self.count(kind, true);
        }
        if kind == Kind::List {
            self.log(&rec);
        }
        found
            .into_iter()
            .filter(|l| self.on_site(&l.url))
            .map(|l| (l.url, l.kind))
            .collect()
    }

    fn count(&mut self, kind: Kind, fresh: bool) {
        match kind {
            Kind::Article => self.summary.articles += 1,
            Kind::Attachment => self.summary.attachments += 1,
            Kind::Picture => self.summary.pictures += 1,
            Kind::List if !fresh => self.summary.list_pages += 1,
            Kind::List => {}
        }
    }

    fn follow(&mut self, body: &[u8], url: &Url, kind: Kind, start: bool) -> Vec<(Url, Kind)> {
        if !matches!(kind, Kind::List | Kind::Article) || body.is_empty() {
            return Vec::new();
        }
        let text = decode(body, "");
        let mut found = links::links(&text, url, kind);
        if start && kind == Kind::List {
            found.extend(
                links::section_links(&text, url)
                    .into_iter()
                    .map(|u| links::Link {
                        url: u,
                        kind: Kind::List,
                    }),
            );
        }
        found
            .into_iter()
            .filter(|l| self.on_site(&l.url))
            .map(|l| (l.url, l.kind))
            .collect()
    }

    fn log(&mut self, r: &Record) {
        if let Ok(mut s) = self.state.lock() {
            if let Err(e) = s.append(r) {
                self.summary.problem(
                    &r.url,
                    "state",
                    format!("the state could not be written: {e}"),
                    None,
                );
            }
        }
    }
}

fn looks_like_html(b: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&b[..b.len().min(1024)]).to_ascii_lowercase();
    head.contains("<html") || head.contains("<!doctype html") || head.contains("<body")
}

/// A page's text: its declared charset (header or `<meta>`), else UTF-8 when valid, else
/// GB18030 (what Chinese portals serve without saying).
fn decode(body: &[u8], content_type: &str) -> String {
    let declared = content_type
        .to_ascii_lowercase()
        .split("charset=")
        .nth(1)
        .map(|c| {
            c.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace())
                .to_owned()
        })
        .or_else(|| {
            let head = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_ascii_lowercase();
            let at = head.find("charset=")?;
            let rest = head[at + 8..].trim_start_matches(['"', '\'']);
            Some(
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect(),
            )
        });
    if let Some(enc) = declared.and_then(|d| encoding_rs::Encoding::for_label(d.as_bytes())) {
        if enc != encoding_rs::UTF_8 {
            let enc = if enc == encoding_rs::GBK {
                encoding_rs::GB18030
            } else {
                enc
            };
            return enc.decode(body).0.into_owned();
        }
    }
    match std::str::from_utf8(body) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(body).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "202.96.1.1", "2001:db8::1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    /// Three walks (two start hosts whose lists link to a third host's reports, and that host's
    /// own list) never ask the third host twice at once, nor closer than the delay.
    #[test]
    fn a_host_several_walks_lead_to_is_asked_one_request_at_a_time() {
        use loopback::{file, page, Server};
        let mut c = HashMap::new();
        c.insert("/robots.txt".to_owned(), file("text/plain", ""));
        let mut list = String::from("<html><body>");
        for i in 0..4 {
            c.insert(format!("/r{i}.htm"), page(format!("<p>丙{i}</p>")));
            list.push_str(&format!(
                r#"<a href="/r{i}.htm">丙{i}局2024年政府信息公开工作年度报告</a>"#
            ));
        }
        c.insert(
            "/list.htm".to_owned(),
            page(format!("{list}</body></html>")),
        );
        let host_c = Server::start("127.0.0.1", c);
        let port = host_c.addr.rsplit(':').next().unwrap().to_owned();
        let other = |ip: &str| {
            let mut r = HashMap::new();
            r.insert("/robots.txt".to_owned(), file("text/plain", ""));
            r.insert(
                "/list.htm".to_owned(),
                page(format!(
                    "<html><body>{}</body></html>",
                    (0..4)
                        .map(|i| format!(
                            r#"<a href="http://localhost:{port}/r{i}.htm">丙{i}局2024年政府信息公开工作年度报告</a>"#
                        ))
                        .collect::<String>()
                )),
            );
            Server::try_start(ip, r)
        };
        let (Ok(a), Ok(b)) = (other("127.0.0.2"), other("127.0.0.3")) else {
            eprintln!("SKIPPED: the loopback addresses 127.0.0.2–3 cannot be bound here");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let mut opts = Options::new(
            vec![
                a.url("/list.htm"),
                b.url("/list.htm"),
                format!("http://localhost:{port}/list.htm"),
            ],
            dir.path().to_owned(),
        );
        opts.delay = Duration::from_millis(40);
        opts.also_hosts = vec!["localhost".into()];
        let s = collect(&opts, &Quiet).unwrap();
        assert_eq!(s.hosts, 3, "{s:?}");
        let seen = host_c.seen();
        assert_eq!(seen.iter().filter(|r| r.path == "/robots.txt").count(), 1);
        // robots.txt, its list and each report once, whichever walk got there first
        assert_eq!(seen.len(), 6, "{seen:?}");
        for w in seen.windows(2) {
            assert!(w[1].at.duration_since(w[0].at) >= opts.delay, "{seen:?}");
        }
        // each of its reports is kept once, under its host
        let saved: Vec<&String> = s
            .saved
            .iter()
            .filter(|p| p.starts_with("localhost_"))
            .collect();
        assert_eq!(saved.len(), 4, "{s:?}");
    }

    /// A home page whose 政府信息公开 section links the column: home → section → column →
    /// report, on the first run and again (all 304) on the second.
    #[test]
    fn a_home_leads_through_its_disclosure_section_to_the_column() {
        use loopback::{file, page, Server};
        let mut r = HashMap::new();
        r.insert("/robots.txt".to_owned(), file("text/plain", ""));
        r.insert(
            "/".to_owned(),
            page(r#"<a href="/zfxxgk/">政府信息公开</a>"#),
        );
        r.insert(
            "/zfxxgk/".to_owned(),
            page(r#"<a href="/zfxxgk/nb/">政府信息公开年报</a>"#),
        );
        r.insert(
            "/zfxxgk/nb/".to_owned(),
            page(r#"<a href="/zfxxgk/nb/t1.htm">戊县2024年政府信息公开工作年度报告</a>"#),
        );
        r.insert("/zfxxgk/nb/t1.htm".to_owned(), page("<p>戊县</p>"));
        let site = Server::start("127.0.0.1", r);
        let dir = tempfile::tempdir().unwrap();
        let mut opts = Options::new(vec![site.url("/")], dir.path().to_owned());
        opts.delay = Duration::from_millis(5);
        let s = collect(&opts, &Quiet).unwrap();
        assert_eq!((s.articles, s.saved.len()), (1, 1), "{s:?}");
        let again = collect(&opts, &Quiet).unwrap();
        assert_eq!(
            (again.articles, again.not_modified, again.saved.len()),
            (1, 4, 0),
            "{again:?}"
        );
    }

    /// A home page that does not link its report column: the standard paths are tried, and
    /// the ones that are not there are no problem.
    #[test]
    fn a_home_page_leads_to_the_column_at_a_standard_path() {
        use loopback::{file, page, Server};
        let mut r = HashMap::new();
        r.insert("/robots.txt".to_owned(), file("text/plain", ""));
        r.insert("/".to_owned(), page("<html><body>首页</body></html>"));
        r.insert(
            "/gknb/".to_owned(),
            page(r#"<a href="/gknb/t1.htm">丁县2024年政府信息公开工作年度报告</a>"#),
        );
        r.insert("/gknb/t1.htm".to_owned(), page("<p>丁县</p>"));
        let site = Server::start("127.0.0.1", r);
        let dir = tempfile::tempdir().unwrap();
        let mut opts = Options::new(vec![site.url("/")], dir.path().to_owned());
        opts.delay = Duration::from_millis(5);
        let s = collect(&opts, &Quiet).unwrap();
        assert_eq!(s.articles, 1, "{s:?}");
        assert!(s.problems.is_empty(), "{s:?}");
        let asked: Vec<String> = site.seen().into_iter().map(|r| r.path).collect();
        assert!(asked.contains(&"/zwgk/zfxxgknb/".to_owned()), "{asked:?}");
    }

    #[test]
    fn pages_decode_as_they_declare() {
        let gbk = encoding_rs::GBK
            .encode("<meta charset=gb2312>年度报告")
            .0
            .into_owned();
        assert!(decode(&gbk, "").contains("年度报告"));
        assert!(decode(&gbk, "text/html; charset=GBK").contains("年度报告"));
        assert!(decode("年度报告".as_bytes(), "text/html").contains("年度报告"));
    }
}
