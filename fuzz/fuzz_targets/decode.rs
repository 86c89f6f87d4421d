//! Any bytes: sniffed, decoded (UTF-8, GBK/GB18030, UTF-16 …) and read into a report. Must
//! never panic. PDFs are left out (they go to a subprocess).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"%PDF") {
        return;
    }
    if let Ok(doc) = nianbao_extract::read(data) {
        let _ = nianbao_normalize::normalize(&doc, nianbao_normalize::Source::default());
    }
});
