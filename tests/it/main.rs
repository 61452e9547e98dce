//! The integration tests as one binary (linked once, as cargo's own testsuite), a module per
//! topic: physics, parsing, OpenSim agreement, environment, configuration, learning, action
//! distributions, training (kill -9 included), live data, the headless app, the reflex
//! controller, fuzzed inputs and sweeps.

mod app;
mod cli;
mod common;
mod config;
mod distribution;
mod env;
mod fuzz;
mod learners;
mod learning;
mod live;
mod opensim;
mod opensim4;
mod parsing;
mod physics;
mod reflex;
mod sweep;
mod train;
mod viewer;
