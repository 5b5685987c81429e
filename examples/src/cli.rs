//! The command line every simulation binary shares.

use std::process::ExitCode;

const USAGE: &str = "usage: SCENARIO [--json] [--variant NAME]

Explores every interleaving of the scenario's model and prints each
reachable outcome with one witness schedule (the shortest).
  --json            print the report as JSON (examples::ScenarioReport)
  --variant NAME    only this variant";

/// `main()` of the binary for scenario `name`.
pub fn main(name: &str) -> ExitCode {
    let mut json = false;
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--variant" => match args.next() {
                Some(v) => only = Some(v),
                None => return usage("--variant needs a name"),
            },
            "-h" | "--help" => {
                println!("{}", USAGE.replace("SCENARIO", name));
                return ExitCode::SUCCESS;
            }
            other => return usage(&format!("unknown argument `{other}`")),
        }
    }
    let Some(mut report) = crate::run(name) else {
        return usage(&format!("no scenario `{name}`"));
    };
    if let Some(only) = only {
        report.variants.retain(|v| v.variant == only);
        if report.variants.is_empty() {
            return usage(&format!("scenario `{name}` has no variant `{only}`"));
        }
    }
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", crate::report::render(&report));
    }
    ExitCode::SUCCESS
}

fn usage(err: &str) -> ExitCode {
    eprintln!("error: {err}\n{USAGE}");
    ExitCode::from(2)
}
