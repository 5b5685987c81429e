//! Every reachable outcome of the `one_shot_unload` scenario, with a witness schedule.
fn main() -> std::process::ExitCode {
    examples::cli::main("one_shot_unload")
}
