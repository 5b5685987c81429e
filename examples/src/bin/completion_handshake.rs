//! Every reachable outcome of the `completion_handshake` scenario, with a witness schedule.
fn main() -> std::process::ExitCode {
    examples::cli::main("completion_handshake")
}
