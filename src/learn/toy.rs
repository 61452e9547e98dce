//! A small continuous-control task of our own for the learners' tests: a point mass in the
//! square [-1, 1]^2 that should be brought to the origin. Observation: the position; action:
//! a velocity in [-1, 1]^2 (moves `0.2 a` per step); reward `-|s'|^2`; 20 steps per episode
//! from a uniform random start. The expert `a = clip(-5 s, -1, 1)` reaches the origin in at
//! most 5 steps; a random policy drifts around it.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Steps per episode.
pub const HORIZON: usize = 20;

/// The point-mass task.
#[derive(Debug, Clone)]
pub struct PointMass {
    /// Position.
    pub s: [f32; 2],
    /// Steps into the episode.
    pub t: usize,
    rng: SmallRng,
}

impl PointMass {
    /// A task seeded with `seed`, reset.
    pub fn new(seed: u64) -> PointMass {
        let mut p = PointMass {
            s: [0.0; 2],
            t: 0,
            rng: SmallRng::seed_from_u64(seed),
        };
        p.reset();
        p
    }

    /// A new episode from a random start; returns the observation.
    pub fn reset(&mut self) -> [f32; 2] {
        self.s = [self.rng.gen_range(-1.0..1.0), self.rng.gen_range(-1.0..1.0)];
        self.t = 0;
        self.s
    }

    /// One step with `a` in [-1, 1]^2: (observation, reward, episode over by the time limit).
    pub fn step(&mut self, a: &[f32]) -> ([f32; 2], f32, bool) {
        for (x, v) in self.s.iter_mut().zip(a) {
            *x = (*x + 0.2 * v.clamp(-1.0, 1.0)).clamp(-1.0, 1.0);
        }
        self.t += 1;
        let r = -(self.s[0] * self.s[0] + self.s[1] * self.s[1]);
        (self.s, r, self.t >= HORIZON)
    }

    /// The expert's action for an observation.
    pub fn expert(s: &[f32]) -> [f32; 2] {
        [
            (-5.0 * s[0]).clamp(-1.0, 1.0),
            (-5.0 * s[1]).clamp(-1.0, 1.0),
        ]
    }

    /// Mean return of `policy` (observation to action in [-1, 1]^2) over `episodes` episodes
    /// from fixed starts (seed 999).
    pub fn evaluate(policy: &mut dyn FnMut(&[f32]) -> Vec<f32>, episodes: usize) -> f32 {
        let mut env = PointMass::new(999);
        let mut total = 0.0;
        for _ in 0..episodes {
            let mut s = env.reset();
            loop {
                let (next, r, done) = env.step(&policy(&s));
                total += r;
                s = next;
                if done {
                    break;
                }
            }
        }
        total / episodes as f32
    }
}
