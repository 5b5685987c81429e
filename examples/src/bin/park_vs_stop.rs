//! Every reachable outcome of the `park_vs_stop` scenario, with a witness schedule.
fn main() -> std::process::ExitCode {
    examples::cli::main("park_vs_stop")
}
