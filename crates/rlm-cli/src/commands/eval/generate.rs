//! `rlm eval gen`: a generated suite written as a task file (stdout with `-o -`), its contexts inline
//! or, with `--context-dir`, one file per task referenced by `context_file`.

use std::io::Write;
use std::path::{Path, PathBuf};

use rlm_eval::{Filler, FillerCorpus, GenConfig, generate};
use rlm_eval::{TaskContext, TaskSet};

use crate::args::EvalGenArgs;
use crate::exit::CliError;

/// Runs `rlm eval gen`.
pub(crate) fn run(args: &EvalGenArgs) -> Result<(), CliError> {
    let mut config = GenConfig::new(args.suite);
    config.n = args.n as usize;
    config.size = args.size;
    config.seed = args.seed;
    config.depth = args.depth;
    config.needles = args.needles;
    config.labels = args.labels;
    config.pairs = args.pairs;
    if let Some(dir) = &args.filler {
        config.filler = Filler::Corpus(
            FillerCorpus::from_dir(dir).map_err(|e| CliError::input(format!("--filler: {e}")))?,
        );
    }
    let mut tasks = generate(&config).map_err(|e| CliError::usage(e.to_string()))?;
    let to_stdout = args.output == Path::new("-");
    let base = if to_stdout {
        std::env::current_dir().unwrap_or_default()
    } else {
        absolute(args.output.parent().unwrap_or(Path::new("")))
    };
    if let Some(dir) = &args.context_dir {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::usage(format!(
                "--context-dir {}: cannot create it: {e}",
                dir.display()
            ))
        })?;
        let dir = absolute(dir);
        for task in &mut tasks {
            let TaskContext::Text(text) = &task.context else {
                continue;
            };
            let path = dir.join(format!("{}.txt", task.id));
            std::fs::write(&path, text)
                .map_err(|e| CliError::other(format!("could not write {}: {e}", path.display())))?;
            task.context = TaskContext::File(path);
        }
    }
    let mut set = TaskSet::default();
    set.tasks = tasks;
    let written = if to_stdout {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        set.write(&mut out, &base).and_then(|()| out.flush())
    } else {
        std::fs::File::create(&args.output).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            set.write(&mut out, &base)?;
            out.flush()
        })
    };
    written.map_err(|e| {
        CliError::other(format!(
            "could not write the task file {}: {e}",
            args.output.display()
        ))
    })?;
    if !to_stdout {
        eprintln!(
            "rlm eval: wrote {} {} task(s) to {}",
            set.tasks.len(),
            args.suite,
            args.output.display()
        );
    }
    Ok(())
}

/// `path` made absolute against the working directory (so `context_file` paths can be made
/// relative to the task file's folder).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    }
}
