//! RTF documents: arbitrary bytes after an `{\rtf1` header, read and normalized (seed with
//! `tests/fixtures/rtf/docs/*.rtf`). Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = Vec::with_capacity(data.len() + 6);
    if !data.starts_with(b"{\\rtf") {
        bytes.extend_from_slice(b"{\\rtf1");
    }
    bytes.extend_from_slice(data);
    if let Ok(doc) = nianbao_extract::read(&bytes) {
        let _ = nianbao_normalize::normalize(&doc, nianbao_normalize::Source::default());
    }
});
