//! Prints what the reader makes of a file: format, encoding, layout and the text with each
//! line's origin, the first thing to look at when a document reads wrong.
//!
//! `cargo run -p nianbao-extract --example text -- FILE`
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: text FILE");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    match nianbao_extract::read(&bytes) {
        Ok(doc) => {
            println!("# {:?} {} {:?}", doc.format, doc.encoding, doc.layout);
            for l in &doc.lines {
                let cells: Vec<&str> = l.cells.iter().map(|c| doc.cell_text(c)).collect();
                println!(
                    "{}\t{}",
                    l.origin.as_deref().unwrap_or(""),
                    cells.join(" ‖ ")
                );
            }
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}
