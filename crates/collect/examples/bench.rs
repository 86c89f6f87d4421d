//! Pages per second of the collector against servers on this machine's loopback addresses
//! (BENCHMARKS.md, "Collecting"): one host with many report pages, then many hosts (127.0.0.2,
//! 127.0.0.3, …) in parallel. With `--delay-ms 0` this measures the collector itself (HTTP,
//! link extraction, hashing, the state, writing files); on real portals the politeness delay
//! bounds each host at one request per delay, and the parallel hosts are what scale.
//!
//! `cargo run --release -p nianbao-collect --example bench -- [PAGES] [HOSTS] [DELAY_MS]`
use std::collections::HashMap;
use std::time::{Duration, Instant};

use nianbao_collect::loopback::{file, page, Server};

fn site(k: usize, pages: usize) -> HashMap<String, nianbao_collect::loopback::Route> {
    let mut routes = HashMap::new();
    routes.insert("/robots.txt".to_owned(), file("text/plain", ""));
    let mut list = String::from("<html><body><ul>");
    let body = "<p>一、总体情况</p>".repeat(200);
    for i in 0..pages {
        let path = format!("/zwgk/zfxxgknb/2024{:02}/t{i}.htm", i % 12 + 1);
        list.push_str(&format!(
            r#"<li><a href="{path}">第{k}站第{i}局2024年政府信息公开工作年度报告</a></li>"#
        ));
        routes.insert(path, page(format!("<html><body>{body}{i}</body></html>")));
    }
    routes.insert("/zwgk/zfxxgknb/".into(), page(list + "</ul></body></html>"));
    routes
}

fn run(servers: &[Server], delay: Duration, label: &str) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut opts = nianbao_collect::Options::new(
        servers.iter().map(|s| s.url("/zwgk/zfxxgknb/")).collect(),
        dir.path().to_owned(),
    );
    opts.delay = delay;
    opts.parallel_hosts = servers.len();
    opts.max_per_host = 100_000;
    let t = Instant::now();
    let s = nianbao_collect::collect(&opts, &nianbao_collect::Quiet).expect("collect");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{label}: {} hosts, {} requests, {} pages saved in {secs:.2} s: {:.0} requests/s",
        s.hosts,
        s.requests,
        s.saved.len(),
        s.requests as f64 / secs
    );
    let t = Instant::now();
    let s = nianbao_collect::collect(&opts, &nianbao_collect::Quiet).expect("collect");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{label}, second run (all 304): {} requests in {secs:.2} s: {:.0} requests/s",
        s.requests,
        s.requests as f64 / secs
    );
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let pages = args.first().copied().unwrap_or(500);
    let hosts = args.get(1).copied().unwrap_or(16);
    let delay = Duration::from_millis(args.get(2).copied().unwrap_or(0) as u64);
    let one = [Server::start("127.0.0.1", site(1, pages))];
    run(&one, delay, "one host");
    drop(one);
    let many: Vec<Server> = (0..hosts)
        .map(|k| Server::start(&format!("127.0.0.{}", k + 2), site(k, pages / hosts.max(1))))
        .collect();
    run(&many, delay, "many hosts");
}
