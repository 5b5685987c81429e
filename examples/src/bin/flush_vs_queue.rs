//! Every reachable outcome of the `flush_vs_queue` scenario, with a witness schedule.
fn main() -> std::process::ExitCode {
    examples::cli::main("flush_vs_queue")
}
