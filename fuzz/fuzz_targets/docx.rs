//! Arbitrary bytes as `word/document.xml` of a DOCX. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        if z.start_file("word/document.xml", opts).is_err() || z.write_all(data).is_err() {
            return;
        }
        if z.finish().is_err() {
            return;
        }
    }
    if let Ok(doc) = nianbao_extract::read(&buf.into_inner()) {
        let _ = nianbao_normalize::normalize(&doc, nianbao_normalize::Source::default());
    }
});
