//! The replay buffer of the off-policy learners, as Stable-Baselines3's `ReplayBuffer`
//! (`common/buffers.py`) with `handle_timeout_termination`: a ring of transitions
//! `(features, action, reward, next features, terminated)` where `terminated` is set only for a
//! real end (a fall or a divergence), not for a time limit, so the target bootstraps through
//! truncations. The next features of a step that ended an episode are the episode's last ones
//! (SB3's `terminal_observation`), not the reset's.
//!
//! The features are the frozen encoder's output (z-scored observations for `none`), so the
//! learner's networks read them directly and the encoder runs once per step, in the workers.

use rand::rngs::SmallRng;
use rand::Rng;

/// Transitions of consecutive steps, row-major (what a worker sends back, and a sample).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transitions {
    /// Feature width.
    pub feature_dim: usize,
    /// Action width.
    pub action_dim: usize,
    /// Features the actor saw, `n x feature_dim`.
    pub features: Vec<f32>,
    /// Actions taken, scaled to [-1, 1] (the environment got `(a + 1) / 2`), `n x action_dim`.
    pub actions: Vec<f32>,
    /// Rewards, `n`.
    pub rewards: Vec<f32>,
    /// Features after the step (the episode's last ones where it ended), `n x feature_dim`.
    pub next_features: Vec<f32>,
    /// 1 where the episode really ended (fall, divergence), 0 otherwise (time limits too), `n`.
    pub terminated: Vec<f32>,
}

impl Transitions {
    /// An empty batch of the given widths.
    pub fn new(feature_dim: usize, action_dim: usize) -> Transitions {
        Transitions {
            feature_dim,
            action_dim,
            ..Transitions::default()
        }
    }

    /// Transitions held.
    pub fn len(&self) -> usize {
        self.rewards.len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.rewards.is_empty()
    }

    /// Appends every transition of `other` (of the same widths).
    pub fn append(&mut self, other: &Transitions) {
        self.features.extend_from_slice(&other.features);
        self.actions.extend_from_slice(&other.actions);
        self.rewards.extend_from_slice(&other.rewards);
        self.next_features.extend_from_slice(&other.next_features);
        self.terminated.extend_from_slice(&other.terminated);
    }

    /// Appends one transition.
    pub fn push(&mut self, features: &[f32], action: &[f32], reward: f32, next: &[f32], end: bool) {
        self.features.extend_from_slice(features);
        self.actions.extend_from_slice(action);
        self.rewards.push(reward);
        self.next_features.extend_from_slice(next);
        self.terminated.push(f32::from(u8::from(end)));
    }
}

/// A fixed-size ring of transitions; the oldest are overwritten once it is full.
#[derive(Debug, Clone)]
pub struct ReplayBuffer {
    capacity: usize,
    data: Transitions,
    /// Where the next transition goes once the ring is full.
    pos: usize,
}

impl ReplayBuffer {
    /// An empty buffer for `capacity` transitions (memory grows as it fills).
    pub fn new(capacity: usize, feature_dim: usize, action_dim: usize) -> ReplayBuffer {
        ReplayBuffer {
            capacity: capacity.max(1),
            data: Transitions::new(feature_dim, action_dim),
            pos: 0,
        }
    }

    /// Transitions held.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The most it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Adds transitions in order, overwriting the oldest once full.
    pub fn add(&mut self, batch: &Transitions) {
        let (f, a) = (self.data.feature_dim, self.data.action_dim);
        for i in 0..batch.len() {
            if self.data.len() < self.capacity {
                self.data.push(
                    &batch.features[i * f..(i + 1) * f],
                    &batch.actions[i * a..(i + 1) * a],
                    batch.rewards[i],
                    &batch.next_features[i * f..(i + 1) * f],
                    batch.terminated[i] > 0.5,
                );
                continue;
            }
            let p = self.pos;
            let d = &mut self.data;
            d.features[p * f..(p + 1) * f].copy_from_slice(&batch.features[i * f..(i + 1) * f]);
            d.actions[p * a..(p + 1) * a].copy_from_slice(&batch.actions[i * a..(i + 1) * a]);
            d.rewards[p] = batch.rewards[i];
            d.next_features[p * f..(p + 1) * f]
                .copy_from_slice(&batch.next_features[i * f..(i + 1) * f]);
            d.terminated[p] = batch.terminated[i];
            self.pos = (p + 1) % self.capacity;
        }
    }

    /// `n` transitions drawn uniformly with replacement (SB3's `sample`).
    pub fn sample(&self, n: usize, rng: &mut SmallRng) -> Transitions {
        let (f, a) = (self.data.feature_dim, self.data.action_dim);
        let mut out = Transitions::new(f, a);
        if self.is_empty() {
            return out;
        }
        for _ in 0..n {
            let i = rng.gen_range(0..self.len());
            let d = &self.data;
            out.push(
                &d.features[i * f..(i + 1) * f],
                &d.actions[i * a..(i + 1) * a],
                d.rewards[i],
                &d.next_features[i * f..(i + 1) * f],
                d.terminated[i] > 0.5,
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn one(v: f32) -> Transitions {
        let mut t = Transitions::new(2, 1);
        t.push(&[v, v], &[v], v, &[v + 1.0, v + 1.0], v > 2.5);
        t
    }

    #[test]
    fn the_ring_overwrites_the_oldest_and_samples_only_what_it_holds() {
        let mut b = ReplayBuffer::new(3, 2, 1);
        for v in 0..5 {
            b.add(&one(v as f32));
        }
        assert_eq!(b.len(), 3);
        // 0 and 1 were overwritten by 3 and 4.
        let mut seen: Vec<f32> = b.data.rewards.clone();
        seen.sort_by(f32::total_cmp);
        assert_eq!(seen, vec![2.0, 3.0, 4.0]);
        let s = b.sample(200, &mut SmallRng::seed_from_u64(1));
        assert_eq!(s.len(), 200);
        for i in 0..s.len() {
            let r = s.rewards[i];
            assert!([2.0, 3.0, 4.0].contains(&r));
            // Rows stay together.
            assert_eq!(s.features[2 * i], r);
            assert_eq!(s.next_features[2 * i + 1], r + 1.0);
            assert_eq!(s.terminated[i], f32::from(u8::from(r > 2.5)));
        }
    }
}
