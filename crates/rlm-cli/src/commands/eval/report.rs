//! `rlm eval report`: the report of one or more result files, as a terminal table, Markdown or JSON.

use rlm_eval::ResultFile;
use rlm_eval::report::Report;

use crate::args::EvalReportArgs;
use crate::exit::CliError;

/// Runs `rlm eval report`.
pub(crate) fn run(args: &EvalReportArgs) -> Result<(), CliError> {
    let mut files = Vec::new();
    for path in &args.results {
        if !path.is_file() {
            return Err(CliError::input(format!(
                "the result file {} does not exist",
                path.display()
            )));
        }
        let file = ResultFile::load(path)
            .map_err(|e| CliError::input(format!("could not read {}: {e}", path.display())))?;
        files.push((path.display().to_string(), file));
    }
    let report = Report::build_against(&files, args.baseline.as_deref());
    if report.groups.is_empty() {
        return Err(CliError::input("the result files hold no result line"));
    }
    if let Some(baseline) = &args.baseline
        && !report.groups.iter().any(|g| &g.label == baseline)
    {
        let mut labels: Vec<&str> = report.groups.iter().map(|g| g.label.as_str()).collect();
        labels.sort_unstable();
        labels.dedup();
        return Err(CliError::usage(format!(
            "--baseline {baseline}: no result line has this label; the labels are {}",
            labels.join(", ")
        )));
    }
    if args.json {
        println!("{}", report.to_json());
    } else if args.markdown {
        println!("{}", report.to_markdown());
    } else {
        println!("{}", report.to_text());
    }
    Ok(())
}
