//! `nianbao`: turns folders of 政府信息公开工作年度报告 into an analysis-ready dataset (the
//! command line is `nianbao_cli::main_with`).

/// mimalloc instead of the system allocator: see `Cargo.toml` (memory stays flat across long
/// runs; allocation-heavy parsing is faster).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(nianbao_cli::main_with(std::env::args()));
}
