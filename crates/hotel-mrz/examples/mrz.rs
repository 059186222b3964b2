//! Try the `hotel mrz` commands without the server binary.
//!
//! ```text
//! cargo run -p hotel-mrz --example mrz -- parse [--json] [LINE...]
//! cargo run -p hotel-mrz --example mrz -- generate --format td3 --surname ERIKSSON [--json]
//! cargo run --release -p hotel-mrz --example mrz -- read [--json] IMAGE...
//! ```
//!
//! `parse` reads stdin when no lines are given; given lines are joined with
//! newlines (an empty argument separates two MRZs). Exit status: 0 when every
//! MRZ is valid, 1 when any is invalid or malformed, 2 for a usage error.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use hotel_mrz::cli::{GenerateArgs, read_parse_input, run_generate, run_parse};
use hotel_mrz::reader::cli::run_read;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        // Output piped into `head`: end as SIGPIPE would (128 + 13).
        Err(error) if is_broken_pipe(&error) => ExitCode::from(141),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run() -> anyhow::Result<bool> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let mut json = false;
    let mut rest = Vec::new();
    for arg in args {
        if arg == "--json" {
            json = true;
        } else {
            rest.push(arg);
        }
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match command.as_str() {
        "parse" => {
            let input = if rest.is_empty() {
                read_parse_input(io::stdin().lock()).context("reading stdin")?
            } else {
                rest.join("\n")
            };
            let ok = run_parse(&input, json, &mut out)?;
            out.flush()?;
            Ok(ok)
        }
        "generate" => {
            let args = generate_args(&rest)?;
            run_generate(&args, json, &mut out)?;
            Ok(true)
        }
        "read" => {
            let ok = run_read(&rest, json, &mut out)?;
            out.flush()?;
            Ok(ok)
        }
        _ => bail!(
            "usage: mrz parse [--json] [LINE...] | mrz generate --format F [--FIELD V...] \
             | mrz read [--json] IMAGE..."
        ),
    }
}

fn generate_args(rest: &[String]) -> anyhow::Result<GenerateArgs> {
    let mut args = GenerateArgs::default();
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .with_context(|| format!("{flag} needs a value"))?
            .clone();
        let slot = match flag.as_str() {
            "--format" => {
                args.format = value;
                continue;
            }
            "--document-code" => &mut args.document_code,
            "--issuing-state" => &mut args.issuing_state,
            "--surname" => &mut args.surname,
            "--given-names" => &mut args.given_names,
            "--document-number" => &mut args.document_number,
            "--nationality" => &mut args.nationality,
            "--birth-date" => &mut args.birth_date,
            "--sex" => &mut args.sex,
            "--expiry-date" => &mut args.expiry_date,
            "--optional-data" => &mut args.optional_data,
            "--optional-data-2" => &mut args.optional_data_2,
            "--administrative-code" => &mut args.administrative_code,
            other => bail!("unknown flag {other}"),
        };
        *slot = Some(value);
    }
    Ok(args)
}
