//! Legacy Word documents (`.doc`/`.wps`). Bytes that start with the compound file signature are
//! read as a file (seed with `tests/fixtures/doc/docs/*.doc`); other bytes become the streams of
//! one: the first part the `WordDocument` stream (its FIB, pieces and property pages), the rest
//! the `1Table` and `Data` streams. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    if data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        if let Ok(doc) = nianbao_extract::read(data) {
            let _ = nianbao_normalize::normalize(&doc, nianbao_normalize::Source::default());
        }
        return;
    }
    if data.len() < 4 {
        return;
    }
    // the split points come from the input itself
    let a = usize::from(data[0]) * 64 % data.len();
    let b = a + (usize::from(data[1]) * 16 % (data.len() - a + 1));
    let (word, rest) = data.split_at(a);
    let (table, extra) = rest.split_at(b - a);
    let mut cf = match cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())) {
        Ok(cf) => cf,
        Err(_) => return,
    };
    for (name, bytes) in [("/WordDocument", word), ("/1Table", table), ("/0Table", table), ("/Data", extra)] {
        match cf.create_stream(name) {
            Ok(mut s) => {
                if s.write_all(bytes).is_err() {
                    return;
                }
            }
            Err(_) => return,
        }
    }
    if cf.flush().is_err() {
        return;
    }
    let bytes = cf.into_inner().into_inner();
    if let Ok(doc) = nianbao_extract::read(&bytes) {
        let _ = nianbao_normalize::normalize(&doc, nianbao_normalize::Source::default());
    }
});
