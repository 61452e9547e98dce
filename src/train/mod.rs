//! Training: threads and plain-data messages. Simulation workers own the environments; the
//! learner owns the networks; the CLI and the app watch through channels.

pub mod collect;
pub mod eval;
pub mod folder;
pub mod imitate;
pub mod messages;
pub mod metrics;
pub mod offpolicy;
pub mod run;
mod runner;
pub mod session;
pub mod sweep;
pub mod trainer;
pub mod workers;
