//! Every reachable outcome of the `stop_after_run` scenario, with a witness schedule.
fn main() -> std::process::ExitCode {
    examples::cli::main("stop_after_run")
}
