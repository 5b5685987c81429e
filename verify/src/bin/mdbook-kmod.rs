//! `mdbook-kmod`: the kthread book's mdBook preprocessor, declared in
//! `book.toml`. Expands `{{#kmod NAME}}`, `{{#sim NAME}}`, `{{#kernels}}` and
//! `{{#measure NAME KEY}}` from `kmods/`, the `examples` crate and `kernels.toml`; see
//! `verify::book::preprocessor`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(verify::book::preprocessor::run_command(&args));
}
