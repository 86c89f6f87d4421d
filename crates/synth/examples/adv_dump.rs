//! Writes adversarial documents to a folder: `cargo run -p nianbao-synth --example adv_dump -- DIR SEED I [I…]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(&args[1]);
    let seed: u64 = args[2].parse().expect("seed");
    for i in &args[3..] {
        let d = nianbao_synth::adversarial::generate(seed, i.parse().expect("index"));
        std::fs::write(dir.join(&d.name), &d.bytes).expect("write");
        println!("{}", d.name);
    }
}
