//! `rlm trajectory export`: a trajectory in another tool's format; today `rlms`, the JSON Lines log of
//! the reference Python library (alexzhang13/rlm), which its visualizer reads (docs/VIEWER.md).

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::args::{ExportArgs, ExportFormat, TrajectoryCommand};
use crate::commands::view::read_trajectory;
use crate::exit::CliError;

/// Runs `rlm trajectory ...`.
pub(crate) fn run(command: TrajectoryCommand) -> Result<(), CliError> {
    match command {
        TrajectoryCommand::Export(args) => export(&args),
    }
}

fn export(args: &ExportArgs) -> Result<(), CliError> {
    let read = read_trajectory(&args.trajectory)?;
    let lines = match args.format {
        ExportFormat::Rlms => read.trajectory.to_rlms_lines(),
    };
    let to_stdout = args.output == Path::new("-");
    let out: Box<dyn Write> = if to_stdout {
        Box::new(std::io::stdout().lock())
    } else {
        let file = std::fs::File::create(&args.output).map_err(|e| {
            CliError::usage(format!(
                "-o {}: cannot write there ({e}); create the folder or choose another path",
                args.output.display()
            ))
        })?;
        Box::new(file)
    };
    let mut out = BufWriter::new(out);
    let written = lines
        .iter()
        .try_for_each(|line| {
            serde_json::to_writer(&mut out, line)?;
            out.write_all(b"\n").map_err(serde_json::Error::io)
        })
        .map_err(std::io::Error::from)
        .and_then(|()| out.flush());
    written
        .map_err(|e| CliError::other(format!("could not write {}: {e}", args.output.display())))?;
    if !to_stdout {
        let iterations = lines.len().saturating_sub(1);
        let mut note = format!(
            "rlm: wrote {}: the metadata and {iterations} iteration(s) of the top-level run",
            args.output.display()
        );
        if !read.is_complete() {
            note.push_str(" (partial: the run did not finish)");
        }
        eprintln!("{note}");
    }
    Ok(())
}
