//! Every reachable outcome of the `exited_then_stopped` scenario, with a witness schedule.
fn main() -> std::process::ExitCode {
    examples::cli::main("exited_then_stopped")
}
