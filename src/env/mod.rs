//! The walking environment.
