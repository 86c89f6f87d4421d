//! Spreadsheets (`.xls`, `.xlsx`): arbitrary bytes read as a file (seed with
//! `tests/fixtures/sheet/docs/*`). A compound file goes to the BIFF reader, a zip to the
//! archive checks and the XML reader. Must never panic out of `read`.
//!
//! `calamine` has panics of its own on damaged workbooks (found here: a sector chain sliced out
//! of bounds, a record length subtracted past zero); `read` catches them and calls the file
//! damaged. libFuzzer's panic hook aborts before any unwinding, which would count those caught
//! panics as crashes, so this target installs a quiet hook: a panic that escapes `read` still
//! reaches libFuzzer's own `catch_unwind` and aborts there, a crash as before.
#![no_main]
use libfuzzer_sys::fuzz_target;

static QUIET: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    if let Ok(doc) = nianbao_extract::read(data) {
        let _ = nianbao_normalize::normalize(&doc, nianbao_normalize::Source::default());
    }
});
