//! Arbitrary markup inside an HTML page with a report around it: tables, spans, hidden and
//! struck-out cells. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let page = format!(
        "<html><head><meta charset=\"utf-8\"></head><body><p>二、主动公开政府信息情况</p>{body}<p>五、存在的主要问题及改进情况</p></body></html>"
    );
    if let Ok(doc) = nianbao_extract::read(page.as_bytes()) {
        let _ = nianbao_normalize::normalize(&doc, nianbao_normalize::Source::default());
    }
});
