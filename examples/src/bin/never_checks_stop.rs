//! Every reachable outcome of the `never_checks_stop` scenario, with a witness schedule.
fn main() -> std::process::ExitCode {
    examples::cli::main("never_checks_stop")
}
