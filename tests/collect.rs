//! `nianbao collect` against portals served on this machine's loopback addresses (issue 31):
//! a TRS-shaped column (GBK list pages, a script page count, articles in month folders,
//! attachments, a picture, a redirect, a 404, a 503 that recovers, a robots.txt refusal, an
//! off-site link), then a second run that downloads nothing again, a run killed with SIGKILL
//! and resumed, and many hosts (127.0.0.2, 127.0.0.3, …) walked in parallel, each politely.
//! Every server answers a bounded number of requests and stops with its test.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nianbao_collect::loopback::{file, page, Route, Seen, Server};

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

/// A TRS-shaped site: `/zwgk/zfxxgknb/` with two list pages.
fn trs_site(other: &str) -> HashMap<String, Route> {
    let mut r = HashMap::new();
    let docs = nianbao_synth::generate_layouts(3, 41, false, &["html", "pdf", "docx"]);
    r.insert(
        "/robots.txt".into(),
        file("text/plain", "User-agent: *\nDisallow: /private/\n"),
    );
    r.insert(
        "/zwgk/zfxxgknb/index.html".into(),
        page(gbk(&format!(
            r#"<html><head><meta charset="gb2312"><title>政府信息公开年报</title></head><body><ul>
<li><a href="./202401/t20240120_1.htm" title="东区2023年政府信息公开工作年度报告">东区2023年政府信息公开工作年度报告</a></li>
<li><a href="./202402/P020240201.pdf">西区2023年政府信息公开工作年度报告</a></li>
<li><a href="/private/t1.htm">北区2023年政府信息公开工作年度报告</a></li>
<li><a href="./202403/t20240301_9.htm">南区2023年政府信息公开工作年度报告</a></li>
<li><a href="{other}/zwgk/t1.htm">镜像站2023年政府信息公开工作年度报告</a></li>
</ul><script>createPageHTML(2, 0, "index", "html");</script></body></html>"#
        ))),
    );
    r.insert(
        "/zwgk/zfxxgknb/index_1.html".into(),
        page(
            r#"<html><body><a href="./202312/t20231205_2.htm">中区2022年政府信息公开工作年度报告</a>
<a href="./202311/t20231101_3.htm">高新区2022年政府信息公开工作年度报告</a></body></html>"#,
        ),
    );
    r.insert(
        "/zwgk/zfxxgknb/202401/t20240120_1.htm".into(),
        page(format!(
            r#"<html><body>{}<p><img src="./W020240120_table.png"></p><p><a href="./W020240120_report.docx">附件：东区2023年报告.docx</a></p></body></html>"#,
            String::from_utf8_lossy(&docs[0].bytes)
        )),
    );
    r.insert(
        "/zwgk/zfxxgknb/202401/W020240120_table.png".into(),
        file(
            "image/png",
            b"\x89PNG\r\n\x1a\nnot really a picture".to_vec(),
        ),
    );
    r.insert(
        "/zwgk/zfxxgknb/202401/W020240120_report.docx".into(),
        file(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            docs[2].bytes.clone(),
        ),
    );
    r.insert(
        "/zwgk/zfxxgknb/202402/P020240201.pdf".into(),
        file("application/pdf", docs[1].bytes.clone()),
    );
    r.insert(
        "/zwgk/zfxxgknb/202312/t20231205_2.htm".into(),
        Route {
            status: 301,
            location: Some("/zwgk/zfxxgknb/202312/t20231205_2_new.htm".into()),
            ..page("")
        },
    );
    r.insert(
        "/zwgk/zfxxgknb/202312/t20231205_2_new.htm".into(),
        page("<html><body><h1>中区2022年政府信息公开工作年度报告</h1></body></html>"),
    );
    r.insert(
        "/zwgk/zfxxgknb/202311/t20231101_3.htm".into(),
        Route {
            fail_first: 1,
            ..page("<html><body><h1>高新区2022年政府信息公开工作年度报告</h1></body></html>")
        },
    );
    r
}

fn collect(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["collect"];
    all.extend_from_slice(args);
    all.push("--json");
    crate::common::nianbao_json(&all)
}

fn tmp(name: &str) -> PathBuf {
    crate::common::tmp_dir("collect", name)
}

/// Every file under `root`, relative, with `/` separators, sorted.
fn files_under(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_column_is_collected_politely_and_a_second_run_fetches_nothing_again() {
    let site = Server::start("127.0.0.1", trs_site("http://127.0.0.9:9"));
    let dir = tmp("column");
    let out = dir.join("out");
    let delay = Duration::from_millis(60);
    let start = site.url("/zwgk/zfxxgknb/index.html");
    let s = collect(&[
        "--start",
        &start,
        "--output",
        out.to_str().unwrap(),
        "--delay-ms",
        "60",
    ]);
    let host = site.addr.replace(':', "_");
    let kept: Vec<String> = files_under(&out)
        .into_iter()
        .filter(|f| !f.starts_with(".nianbao-collect"))
        .collect();
    let want: Vec<String> = [
        "zwgk/zfxxgknb/202311/t20231101_3.htm",
        "zwgk/zfxxgknb/202312/t20231205_2_new.htm",
        "zwgk/zfxxgknb/202401/W020240120_report.docx",
        "zwgk/zfxxgknb/202401/W020240120_table.png",
        "zwgk/zfxxgknb/202401/t20240120_1.htm",
        "zwgk/zfxxgknb/202402/P020240201.pdf",
    ]
    .iter()
    .map(|p| format!("{host}/{p}"))
    .collect();
    assert_eq!(kept, want, "{s:#}");
    // the bodies are the served ones, byte for byte
    let routes = trs_site("http://127.0.0.9:9");
    assert_eq!(
        std::fs::read(out.join(&want[5])).unwrap(),
        routes["/zwgk/zfxxgknb/202402/P020240201.pdf"].body
    );
    assert_eq!(
        (
            s["articles"].as_u64(),
            s["attachments"].as_u64(),
            s["pictures"].as_u64()
        ),
        (Some(3), Some(2), Some(1)),
        "{s:#}"
    );
    assert_eq!(s["robots_refusals"], 1, "{s:#}");
    assert_eq!(s["errors"]["http_404"], 1, "{s:#}");
    assert_eq!(s["list_pages"], 2, "{s:#}");
    let problems = s["problems"].as_array().unwrap();
    assert!(problems
        .iter()
        .any(|p| p["kind"] == "robots" && p["url"].as_str().unwrap().ends_with("/private/t1.htm")));
    assert!(problems
        .iter()
        .any(|p| p["kind"] == "http_404" && p["found_on"].as_str() == Some(start.as_str())));

    let seen = site.seen();
    // robots.txt first; the off-site link and the refused path never asked for
    assert_eq!(seen[0].path, "/robots.txt");
    assert!(seen.iter().all(|r| !r.path.starts_with("/private/")));
    assert!(seen.iter().all(|r| r
        .headers
        .get("user-agent")
        .is_some_and(|u| u.starts_with("nianbao-collect/"))));
    // one request at a time, at least the delay apart
    for w in seen.windows(2) {
        assert!(
            w[1].at.duration_since(w[0].at) >= delay,
            "{} then {} too close",
            w[0].path,
            w[1].path
        );
    }
    // the 503 was retried after a back-off of 5 delays
    let flaky: Vec<&Seen> = seen
        .iter()
        .filter(|r| r.path.ends_with("t20231101_3.htm"))
        .collect();
    assert_eq!(
        flaky.iter().map(|r| r.status).collect::<Vec<_>>(),
        [503, 200]
    );
    assert!(flaky[1].at.duration_since(flaky[0].at) >= delay * 5);
    // the state records where each file came from
    let state = std::fs::read_to_string(out.join(".nianbao-collect/state.jsonl")).unwrap();
    let docx: serde_json::Value = state
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["url"].as_str().unwrap().ends_with("report.docx"))
        .unwrap();
    assert_eq!(
        docx["found_on"],
        site.url("/zwgk/zfxxgknb/202401/t20240120_1.htm")
    );
    assert_eq!(docx["status"], 200);
    assert_eq!(docx["path"], want[2]);

    // the second run asks conditionally and downloads nothing again
    let n = seen.len();
    let s2 = collect(&[
        "--start",
        &start,
        "--output",
        out.to_str().unwrap(),
        "--delay-ms",
        "60",
    ]);
    let again = &site.seen()[n..];
    assert!(s2["saved"].as_array().unwrap().is_empty(), "{s2:#}");
    assert_eq!(s2["not_modified"], 8, "{s2:#}");
    for r in again
        .iter()
        .filter(|r| r.path != "/robots.txt" && !r.path.ends_with("t20240301_9.htm"))
    {
        assert!(
            r.headers.contains_key("if-none-match"),
            "{} not asked conditionally",
            r.path
        );
        assert!(
            r.status == 304 || r.status == 301,
            "{} answered {}",
            r.path,
            r.status
        );
    }

    // the build reads what was collected, with where each file came from
    let dataset = dir.join("dataset");
    crate::common::build_into(&out, &dataset);
    let mut rows: Vec<(String, String, String, String, String)> = Vec::new();
    for b in crate::common::read(&dataset.join("reports.parquet")) {
        let c = |n: &str| crate::common::col(&b, n).clone();
        let (d, u, at, on, f) = (
            c("document"),
            c("source_url"),
            c("collected_at"),
            c("found_on"),
            c("format"),
        );
        for i in 0..b.num_rows() {
            rows.push((
                d.value(i).into(),
                u.value(i).into(),
                at.value(i).into(),
                on.value(i).into(),
                f.value(i).into(),
            ));
        }
    }
    rows.sort();
    // every collected file is a document of the dataset (the state folder is not)
    assert_eq!(rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(), want);
    for (doc, url, at, on, _) in &rows {
        let path = doc.strip_prefix(&format!("{host}/")).unwrap();
        let served = if path.ends_with("_new.htm") {
            site.url("/zwgk/zfxxgknb/202312/t20231205_2.htm")
        } else {
            site.url(&format!("/{path}"))
        };
        assert_eq!(url, &served, "{doc}");
        assert!(
            at.len() == 20 && at.starts_with("20") && at.ends_with('Z'),
            "{doc}: {at}"
        );
        assert!(!on.is_empty(), "{doc}");
    }
    let pdf = rows.iter().find(|r| r.4 == "pdf").unwrap();
    assert_eq!(pdf.3, start);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Hanweb JCMS column: the static page holds the first items in a script's CDATA and the
/// address of `dataproxy.jsp`, whose XML answers give the page count and the other items.
#[test]
fn a_script_loaded_list_is_followed_past_its_static_first_page() {
    let item = |i: u32| {
        format!(
            r#"<record><![CDATA[<li><a href="/art/2024/1/{i}/art_123_{i}.html" title="乙{i}县2023年政府信息公开工作年度报告">乙{i}县…</a></li>]]></record>"#
        )
    };
    let proxy = "/module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid=123&unitid=4567";
    let mut routes = HashMap::new();
    routes.insert("/robots.txt".to_owned(), file("text/plain", ""));
    routes.insert(
        "/col/col123/index.html".into(),
        page(format!(
            r#"<html><body><div id="4567"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{proxy}"></a>]]></nextgroup><recordset>{}{}</recordset></datastore></script></div></body></html>"#,
            item(1),
            item(2)
        )),
    );
    routes.insert(
        proxy.into(),
        file(
            "text/xml; charset=utf-8",
            format!(
                "<datastore><totalpage>2</totalpage><recordset>{}{}</recordset></datastore>",
                item(1),
                item(2)
            ),
        ),
    );
    routes.insert(
        "/module/web/jpage/dataproxy.jsp?page=2&webid=1&columnid=123&unitid=4567".into(),
        file(
            "text/xml",
            format!(
                "<datastore><totalpage>2</totalpage><recordset>{}</recordset></datastore>",
                item(3)
            ),
        ),
    );
    for i in 1..=3 {
        routes.insert(
            format!("/art/2024/1/{i}/art_123_{i}.html"),
            page(format!(
                "<html><body>乙{i}县2023年政府信息公开工作年度报告</body></html>"
            )),
        );
    }
    let site = Server::start("127.0.0.1", routes);
    let dir = tmp("hanweb");
    let out = dir.join("out");
    let s = collect(&[
        "--start",
        &site.url("/col/col123/index.html"),
        "--output",
        out.to_str().unwrap(),
        "--delay-ms",
        "20",
    ]);
    assert_eq!(s["articles"], 3, "{s:#}");
    assert_eq!(s["list_pages"], 3, "{s:#}");
    assert!(s["problems"].as_array().unwrap().is_empty(), "{s:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_collect_killed_midway_resumes_where_it_stopped() {
    let mut routes = HashMap::new();
    routes.insert("/robots.txt".to_owned(), file("text/plain", ""));
    let mut list = String::from("<html><body>");
    for i in 0..8 {
        let path = format!("/col/202401/t2024010{i}.htm");
        list.push_str(&format!(
            r#"<a href="{path}">第{i}区2023年政府信息公开工作年度报告</a>"#
        ));
        routes.insert(
            path,
            Route {
                slow: Duration::from_millis(150),
                ..page(format!(
                    "<html><body>第{i}区2023年政府信息公开工作年度报告</body></html>"
                ))
            },
        );
    }
    routes.insert("/col/index.html".into(), page(list + "</body></html>"));
    let site = Server::start("127.0.0.1", routes);
    let dir = tmp("resume");
    let out = dir.join("out");
    let start = site.url("/col/index.html");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args([
            "collect",
            "--start",
            &start,
            "--output",
            out.to_str().unwrap(),
            "--delay-ms",
            "50",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // kill -9 once some articles are saved
    let began = Instant::now();
    while site
        .seen()
        .iter()
        .filter(|r| r.path.starts_with("/col/2024"))
        .count()
        < 3
        && began.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before: Vec<String> = files_under(&out)
        .into_iter()
        .filter(|f| f.contains("/col/"))
        .collect();
    assert!(!before.is_empty() && before.len() < 8, "{before:?}");
    let n = site.seen().len();
    let s = collect(&[
        "--start",
        &start,
        "--output",
        out.to_str().unwrap(),
        "--delay-ms",
        "50",
    ]);
    let after: Vec<String> = files_under(&out)
        .into_iter()
        .filter(|f| f.contains("/col/"))
        .collect();
    assert_eq!(after.len(), 8, "{s:#}");
    // no temporary file left; what was saved before the kill was not downloaded again
    assert!(files_under(&out).iter().all(|f| !f.contains("nianbao-tmp")));
    for r in &site.seen()[n..] {
        if before.iter().any(|b| b.ends_with(&r.path)) {
            assert_eq!(r.status, 304, "{} fetched again", r.path);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn many_hosts_are_walked_in_parallel_each_politely() {
    let servers: std::io::Result<Vec<Server>> = (2..=5)
        .map(|k| {
            let mut routes = HashMap::new();
            routes.insert(
                "/robots.txt".to_owned(),
                file("text/plain", "User-agent: *\nCrawl-delay: 0\n"),
            );
            let mut list = String::from("<html><body>");
            for i in 0..3 {
                let path = format!("/gknb/t{i}.htm");
                list.push_str(&format!(
                    r#"<a href="{path}">站{k}第{i}局2024年政府信息公开工作年度报告</a>"#
                ));
                routes.insert(path, page(format!("<html><body>站{k} {i}</body></html>")));
            }
            routes.insert("/gknb/".into(), page(list + "</body></html>"));
            Server::try_start(&format!("127.0.0.{k}"), routes)
        })
        .collect();
    let servers = match servers {
        Ok(s) => s,
        Err(e) => {
            eprintln!("SKIPPED: the loopback addresses 127.0.0.2–5 cannot be bound here ({e})");
            return;
        }
    };
    let dir = tmp("hosts");
    let out = dir.join("out");
    let delay = Duration::from_millis(200);
    // the sites as a list (`--sites`: a CSV with a url column), the first one as `--start`
    std::fs::create_dir_all(&dir).unwrap();
    let sites = dir.join("sites.csv");
    let mut csv = String::from("name,url\n");
    for (k, s) in servers.iter().enumerate().skip(1) {
        csv.push_str(&format!("站{k},{}\n", s.url("/gknb/")));
    }
    std::fs::write(&sites, csv).unwrap();
    let first = servers[0].url("/gknb/");
    let args = [
        "--start",
        &first,
        "--sites",
        sites.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--delay-ms",
        "200",
        "--parallel-hosts",
        "4",
    ];
    let began = Instant::now();
    let s = collect(&args);
    let took = began.elapsed();
    assert_eq!(s["hosts"], 4, "{s:#}");
    assert_eq!(s["articles"], 12, "{s:#}");
    // each host: 5 requests, the delay apart
    let windows: Vec<(Instant, Instant)> = servers
        .iter()
        .map(|srv| {
            let seen = srv.seen();
            assert_eq!(seen.len(), 5);
            for w in seen.windows(2) {
                assert!(w[1].at.duration_since(w[0].at) >= delay);
            }
            (seen[0].at, seen[seen.len() - 1].at)
        })
        .collect();
    // the hosts' walks overlap in time (in parallel, not one after another)
    for a in &windows {
        for b in &windows {
            assert!(a.0 < b.1 && b.0 < a.1, "host walks did not overlap");
        }
    }
    // one after another would take at least 4 × 4 delays
    assert!(took < delay * 16, "took {took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
