//! OFD documents. Bytes that start with a zip signature are read as a file (seed with
//! `data/raw/*.ofd`); other bytes become the one page's `Content.xml` of an otherwise
//! well-formed OFD package, so the fuzzer works on the text objects. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let bytes = if data.starts_with(b"PK\x03\x04") {
        data.to_vec()
    } else {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        let files: [(&str, &[u8]); 3] = [
            ("OFD.xml", b"<ofd:OFD xmlns:ofd=\"x\"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"),
            ("Doc_0/Document.xml", b"<ofd:Document xmlns:ofd=\"x\"><ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>"),
            ("Doc_0/Pages/Page_0/Content.xml", data),
        ];
        for (name, content) in files {
            if zip.start_file(name, opts).is_err() || zip.write_all(content).is_err() {
                return;
            }
        }
        match zip.finish() {
            Ok(c) => c.into_inner(),
            Err(_) => return,
        }
    };
    if let Ok(doc) = nianbao_extract::read(&bytes) {
        let _ = nianbao_normalize::normalize(&doc, nianbao_normalize::Source::default());
    }
});
