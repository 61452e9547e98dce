//! `gaitscope train`: PPO+IL on worker threads with a progress bar; the same `train::run` code
//! the app uses.

use std::path::Path;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use crate::train::messages::Event;
use crate::train::run::{train, RunConfig};

/// Trains (or resumes) `config` into `out`.
pub fn run(config: RunConfig, out: &Path) -> Result<()> {
    let total = config.total_steps;
    let (tx, rx) = crossbeam_channel::bounded(256);
    let out_owned = out.to_path_buf();
    let learner = std::thread::Builder::new()
        .name("learner".into())
        .spawn(move || train(config, &out_owned, Some(tx), None))?;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps {elapsed}/{eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for event in rx.iter() {
        match event {
            Event::Update(m) => {
                bar.set_position(m.env_steps);
                bar.set_message(format!(
                    "return {:.2} duration {:.2} s | {:.0} steps/s",
                    m.mean_return, m.mean_duration, m.steps_per_second
                ));
                if !bar.is_hidden() {
                    continue;
                }
                println!(
                    "update {} steps {} return {:.3} duration {:.3} s kl {:.4} (last epoch {:.4}) entropy {:.2} ev {:.3} {:.0} steps/s",
                    m.update, m.env_steps, m.mean_return, m.mean_duration, m.stats.approx_kl, m.stats.approx_kl_last_epoch, m.stats.entropy, m.stats.explained_variance, m.steps_per_second
                );
            }
            Event::Log(s) => bar.println(s),
            Event::Policy(_) => {}
            Event::Finished(s) => bar.println(format!("training {s}")),
        }
    }
    bar.finish();
    let state = learner
        .join()
        .map_err(|_| anyhow::anyhow!("the learner thread panicked"))??;
    println!(
        "{} updates, {} environment steps; run folder {}",
        state.updates,
        state.env_steps,
        out.display()
    );
    Ok(())
}
