//! Drives a streamed run of `rlm run`: every update goes to the live view or the progress display,
//! the `--events` feed and the `--trajectory` file as it happens; Ctrl-C stops the run cleanly (calls
//! in flight are cancelled, the run ends with its partial run), a second Ctrl-C exits at once.

use futures::StreamExt;
use rlm::{RlmAnswer, RlmError, RunStream, RunUpdate};

use crate::exit::ExitClass;
use crate::live::Live;
use crate::outputs::{EventsFeed, TrajectoryFile};
use crate::progress::Progress;

/// Where the updates of a run go.
pub(crate) struct Outputs {
    /// The live view (`--stream`), or `None` for the progress display.
    pub(crate) live: Option<Live>,
    pub(crate) progress: Progress,
    pub(crate) events: Option<EventsFeed>,
    pub(crate) trajectory: Option<TrajectoryFile>,
}

/// Runs `run` to its end, showing and writing every update.
pub(crate) async fn drive(
    mut run: RunStream,
    outputs: &mut Outputs,
) -> Result<RlmAnswer, RlmError> {
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    let mut interrupted = false;
    loop {
        let update = tokio::select! {
            update = run.next() => update,
            signal = &mut ctrl_c, if !interrupted => {
                interrupted = true;
                if signal.is_ok() {
                    eprintln!("\nrlm: interrupted: stopping the run and writing what it did (Ctrl-C again exits at once)");
                    run.cancel();
                    exit_on_second_interrupt();
                }
                continue;
            }
        };
        match update {
            Some(RunUpdate::Event(event)) => {
                match &mut outputs.live {
                    Some(live) => live.on_event(&event),
                    None => outputs.progress.on_event(&event),
                }
                if let Some(feed) = &mut outputs.events {
                    feed.event(&event);
                }
            }
            Some(RunUpdate::Metadata(metadata)) => {
                if let Some(file) = &mut outputs.trajectory {
                    file.metadata(&metadata);
                }
            }
            Some(RunUpdate::Record(record)) => {
                if let Some(file) = &mut outputs.trajectory {
                    file.record(&record);
                }
            }
            Some(RunUpdate::Answer(answer)) => return Ok(*answer),
            Some(RunUpdate::Failed(error)) => return Err(*error),
            // `RunUpdate` is non-exhaustive: later kinds of update are not shown.
            Some(_) => {}
            None => return Err(RlmError::Config("the run ended without an outcome".into())),
        }
    }
}

/// After the first Ctrl-C: the next one ends the process at once.
fn exit_on_second_interrupt() {
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("rlm: interrupted again: exiting now");
            std::process::exit(i32::from(ExitClass::Interrupted.code()));
        }
    });
}
