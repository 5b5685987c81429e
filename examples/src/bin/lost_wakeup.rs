//! Every reachable outcome of the `lost_wakeup` scenario, with a witness schedule.
fn main() -> std::process::ExitCode {
    examples::cli::main("lost_wakeup")
}
