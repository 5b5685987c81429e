//! Every reachable outcome of the `cancel_created` scenario, with a witness schedule.
fn main() -> std::process::ExitCode {
    examples::cli::main("cancel_created")
}
