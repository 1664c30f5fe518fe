//! `rlm view`: a trajectory as one self-contained HTML page (see `viewer`), written next to it or to
//! `-o`, optionally opened in the browser; also what `rlm run --view` writes at the end of a run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rlm::{PartialTrajectory, Trajectory};

use crate::args::ViewArgs;
use crate::exit::CliError;
use crate::viewer;

/// Runs `rlm view`.
pub(crate) fn run(args: &ViewArgs) -> Result<(), CliError> {
    let read = read_trajectory(&args.trajectory)?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| args.trajectory.with_extension("html"));
    write_page(&read, &args.trajectory, &output)?;
    eprintln!("rlm: {}", describe(&read, &output));
    println!("{}", output.display());
    if args.open {
        open_in_browser(&output);
    }
    Ok(())
}

/// Reads a trajectory file, accepting one cut short by a killed run (its last, cut line is dropped).
pub(crate) fn read_trajectory(path: &Path) -> Result<PartialTrajectory, CliError> {
    let file = std::fs::File::open(path).map_err(|e| {
        CliError::input(format!(
            "cannot read the trajectory {}: {e}",
            path.display()
        ))
    })?;
    Trajectory::read_partial(std::io::BufReader::new(file))
        .map_err(|e| CliError::input(format!("{}: {e}", path.display())))
}

/// Writes the page for `read` (read from `source`) to `output`.
pub(crate) fn write_page(
    read: &PartialTrajectory,
    source: &Path,
    output: &Path,
) -> Result<(), CliError> {
    let page = viewer::page(read, source)
        .map_err(|e| CliError::other(format!("the trajectory could not be encoded: {e}")))?;
    std::fs::write(output, page).map_err(|e| {
        CliError::other(format!(
            "could not write the viewer to {}: {e}",
            output.display()
        ))
    })
}

/// What was written, on one line: the counts, and where a partial trajectory stops.
pub(crate) fn describe(read: &PartialTrajectory, output: &Path) -> String {
    let trajectory = &read.trajectory;
    let root = trajectory.iterations().filter(|it| it.run_id == 0).count();
    let subcalls: usize = trajectory
        .iterations()
        .flat_map(|it| &it.cells)
        .map(|cell| cell.subcalls)
        .sum();
    let mut line = format!(
        "wrote {}: {root} iteration(s) of the top-level run, {subcalls} sub-call(s)",
        output.display()
    );
    if !read.is_complete() {
        line.push_str("; partial: the run did not finish");
        if let Some(cut) = read.cut_line {
            let _ = write!(line, ", line {cut} was cut in the middle and left out");
        }
    }
    line
}

/// Checks before a run that `path` can be written (`rlm run --view`): creates it empty.
pub(crate) fn check_writable(path: &Path) -> Result<PathBuf, CliError> {
    std::fs::File::create(path).map_err(|e| {
        CliError::usage(format!(
            "--view {}: cannot write there ({e}); create the folder or choose another path",
            path.display()
        ))
    })?;
    Ok(path.to_owned())
}

/// `rlm run --view`: writes the page of the run's trajectory (`None`: the run never started, so there
/// is none) to `path`; a failure is a warning, as for the trajectory file. `source` names the
/// trajectory file, if one was written.
pub(crate) fn write_run_view(
    path: &Path,
    trajectory: Option<&Trajectory>,
    source: Option<&Path>,
    quiet: bool,
) {
    let Some(trajectory) = trajectory else {
        eprintln!(
            "rlm: warning: the run stopped before it started, so there is no trajectory to write to {}",
            path.display()
        );
        let _ = std::fs::remove_file(path);
        return;
    };
    let read = PartialTrajectory::from(trajectory.clone());
    match write_page(&read, source.unwrap_or(Path::new("rlm run")), path) {
        Ok(()) if !quiet => eprintln!("rlm: {}", describe(&read, path)),
        Ok(()) => {}
        Err(e) => eprintln!("rlm: warning: {e}"),
    }
}

/// Opens `page` in the default browser, best effort: a failure is a warning, never an error.
fn open_in_browser(page: &Path) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    match std::process::Command::new(opener)
        .arg(page)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        // The opener hands the page to the browser and exits on its own; it is not waited for.
        Ok(_child) => {}
        Err(e) => eprintln!(
            "rlm: warning: could not open {} with {opener} ({e}); open it in a browser yourself",
            page.display()
        ),
    }
}
