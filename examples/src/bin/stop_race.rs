//! Every reachable outcome of the `stop_race` scenario, with a witness schedule.
fn main() -> std::process::ExitCode {
    examples::cli::main("stop_race")
}
