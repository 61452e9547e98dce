//! The rollout buffer: the one type a rollout lives in from the simulation workers to the PPO
//! update, as Stable-Baselines3's `RolloutBuffer` (`buffers.py`): each worker fills one for its
//! own environments, the pool interleaves them into one for all environments, and
//! [`RolloutBuffer::compute_returns_and_advantage`] adds the GAE advantages the update reads.
//!
//! Rows are time-major: row `t * n_envs + j` is step `t` of environment `j`.

use super::gae::gae;

/// One rollout: what the policy saw and did, what it got, and (once computed) the advantages.
#[derive(Debug, Clone, Default)]
pub struct RolloutBuffer {
    /// Environments (the row stride).
    pub n_envs: usize,
    /// Z-scored observations the policy acted on, `rows x obs`.
    pub obs: Vec<f32>,
    /// Actions before clipping or squashing (what the log-probability is of), `rows x act`.
    pub u: Vec<f32>,
    /// Log-probabilities of `u` at collection.
    pub log_prob: Vec<f32>,
    /// Values of the observations at collection.
    pub values: Vec<f32>,
    /// Rewards, with the bootstrap added where the time limit ended an episode.
    pub rewards: Vec<f64>,
    /// Whether the episode ended at this step (fall, divergence or time limit).
    pub dones: Vec<bool>,
    /// Values of the observations after the last step, one per environment (GAE's bootstrap).
    pub last_values: Vec<f32>,
    /// GAE advantages (empty until computed).
    pub advantages: Vec<f32>,
    /// Returns, advantage + value (empty until computed).
    pub returns: Vec<f32>,
}

impl RolloutBuffer {
    /// An empty buffer for `n_envs` environments with room for `n_steps` steps of each.
    pub fn with_capacity(n_envs: usize, n_steps: usize, obs_dim: usize, act_dim: usize) -> Self {
        let rows = n_steps * n_envs;
        RolloutBuffer {
            n_envs,
            obs: Vec::with_capacity(rows * obs_dim),
            u: Vec::with_capacity(rows * act_dim),
            log_prob: Vec::with_capacity(rows),
            values: Vec::with_capacity(rows),
            rewards: Vec::with_capacity(rows),
            dones: Vec::with_capacity(rows),
            last_values: Vec::with_capacity(n_envs),
            advantages: Vec::new(),
            returns: Vec::new(),
        }
    }

    /// Rows (steps times environments).
    pub fn rows(&self) -> usize {
        self.log_prob.len()
    }

    /// Steps per environment.
    pub fn steps(&self) -> usize {
        self.rows() / self.n_envs.max(1)
    }

    /// Interleaves buffers of disjoint environment groups (in environment order, each with the
    /// same number of steps) into one buffer of all of them.
    pub fn interleave(parts: &[RolloutBuffer]) -> RolloutBuffer {
        let n_envs: usize = parts.iter().map(|p| p.n_envs).sum();
        let n_steps = parts.first().map_or(0, |p| p.steps());
        let rows = n_steps * n_envs;
        let width = |len: usize, p: &RolloutBuffer| len / p.rows().max(1);
        let obs_dim = parts
            .iter()
            .map(|p| width(p.obs.len(), p))
            .max()
            .unwrap_or(0);
        let act_dim = parts.iter().map(|p| width(p.u.len(), p)).max().unwrap_or(0);
        let mut r = RolloutBuffer {
            n_envs,
            obs: vec![0.0; rows * obs_dim],
            u: vec![0.0; rows * act_dim],
            log_prob: vec![0.0; rows],
            values: vec![0.0; rows],
            rewards: vec![0.0; rows],
            dones: vec![false; rows],
            last_values: Vec::with_capacity(n_envs),
            ..RolloutBuffer::default()
        };
        let mut first = 0;
        for p in parts {
            let count = p.n_envs;
            for t in 0..n_steps {
                for j in 0..count {
                    let (src, dst) = (t * count + j, t * n_envs + first + j);
                    r.obs[dst * obs_dim..(dst + 1) * obs_dim]
                        .copy_from_slice(&p.obs[src * obs_dim..(src + 1) * obs_dim]);
                    r.u[dst * act_dim..(dst + 1) * act_dim]
                        .copy_from_slice(&p.u[src * act_dim..(src + 1) * act_dim]);
                    r.log_prob[dst] = p.log_prob[src];
                    r.values[dst] = p.values[src];
                    r.rewards[dst] = p.rewards[src];
                    r.dones[dst] = p.dones[src];
                }
            }
            r.last_values.extend_from_slice(&p.last_values);
            first += count;
        }
        r
    }

    /// GAE advantages and returns per environment (SB3's `compute_returns_and_advantage`), in
    /// double precision, stored in [`Self::advantages`] and [`Self::returns`].
    pub fn compute_returns_and_advantage(&mut self, gamma: f64, gae_lambda: f64) {
        let (n_envs, n_steps) = (self.n_envs, self.steps());
        self.advantages = vec![0.0; n_steps * n_envs];
        self.returns = vec![0.0; n_steps * n_envs];
        for (e, last_value) in self.last_values.iter().enumerate() {
            let idx: Vec<usize> = (0..n_steps).map(|t| t * n_envs + e).collect();
            let r: Vec<f64> = idx.iter().map(|&i| self.rewards[i]).collect();
            let v: Vec<f64> = idx.iter().map(|&i| self.values[i] as f64).collect();
            let d: Vec<bool> = idx.iter().map(|&i| self.dones[i]).collect();
            let (a, ret) = gae(&r, &v, &d, *last_value as f64, gamma, gae_lambda);
            for (k, &i) in idx.iter().enumerate() {
                self.advantages[i] = a[k] as f32;
                self.returns[i] = ret[k] as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(n_envs: usize, base: f32) -> RolloutBuffer {
        let rows = 2 * n_envs;
        RolloutBuffer {
            n_envs,
            obs: (0..rows * 2).map(|i| base + i as f32).collect(),
            u: (0..rows).map(|i| base + i as f32).collect(),
            log_prob: (0..rows).map(|i| base + i as f32).collect(),
            values: vec![0.0; rows],
            rewards: (0..rows).map(|i| (base + i as f32) as f64).collect(),
            dones: vec![false; rows],
            last_values: vec![base; n_envs],
            ..RolloutBuffer::default()
        }
    }

    #[test]
    fn interleaving_keeps_each_environments_steps_in_time_major_order() {
        // Worker A has environments 0 and 1, worker B environment 2; two steps each.
        let (a, b) = (part(2, 0.0), part(1, 100.0));
        let r = RolloutBuffer::interleave(&[a, b]);
        assert_eq!((r.n_envs, r.steps()), (3, 2));
        // Row t * 3 + j: A's rows are t * 2 + j, B's are t.
        assert_eq!(r.log_prob, vec![0.0, 1.0, 100.0, 2.0, 3.0, 101.0]);
        assert_eq!(r.obs[4..6], [100.0, 101.0]);
        assert_eq!(r.obs[10..12], [102.0, 103.0]);
        assert_eq!(r.last_values, vec![0.0, 0.0, 100.0]);
    }

    #[test]
    fn advantages_are_computed_per_environment() {
        // Two environments, two steps, rewards 1 each step, zero values; gamma 0.5, lambda 1.
        let mut r = RolloutBuffer {
            n_envs: 2,
            log_prob: vec![0.0; 4],
            values: vec![0.0; 4],
            rewards: vec![1.0; 4],
            // Environment 1 ends after its first step.
            dones: vec![false, true, false, false],
            last_values: vec![2.0, 4.0],
            ..RolloutBuffer::default()
        };
        r.compute_returns_and_advantage(0.5, 1.0);
        // Env 0: A1 = 1 + 0.5 * 2 = 2, A0 = 1 + 0.5 * 2 = 2.
        // Env 1: A1 = 1 + 0.5 * 4 = 3, A0 = 1 (done: no bootstrap).
        assert_eq!(r.advantages, vec![2.0, 1.0, 2.0, 3.0]);
        assert_eq!(r.returns, r.advantages);
    }
}
