//! Generalized advantage estimation (Schulman et al. 2016), with Stable-Baselines3's handling of
//! time limits: a truncated episode's last reward gets `gamma * V(final observation)` added before
//! GAE, so the value keeps bootstrapping where the episode was cut, not where it failed.

/// Advantages and returns for one environment's rollout.
///
/// `rewards[t]`, `values[t]` and `dones[t]` (episode ended after step t, terminated or truncated)
/// for t in 0..T; `last_value` is V of the observation after the last step (used unless
/// `dones[T-1]`). Truncation bootstraps must already be folded into `rewards`.
pub fn gae(
    rewards: &[f64],
    values: &[f64],
    dones: &[bool],
    last_value: f64,
    gamma: f64,
    lambda: f64,
) -> (Vec<f64>, Vec<f64>) {
    let n = rewards.len();
    let mut advantages = vec![0.0; n];
    let mut next_advantage = 0.0;
    for t in (0..n).rev() {
        let next_value = if t + 1 < n { values[t + 1] } else { last_value };
        let not_done = if dones[t] { 0.0 } else { 1.0 };
        let delta = rewards[t] + gamma * next_value * not_done - values[t];
        next_advantage = delta + gamma * lambda * not_done * next_advantage;
        advantages[t] = next_advantage;
    }
    let returns = advantages.iter().zip(values).map(|(a, v)| a + v).collect();
    (advantages, returns)
}

/// The reward of a truncated step with its bootstrap folded in (SB3's time-limit handling).
pub fn bootstrap_truncated(reward: f64, gamma: f64, value_of_final_observation: f64) -> f64 {
    reward + gamma * value_of_final_observation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_hand_computed_case() {
        // gamma 0.5, lambda 0.5, three steps, no episode end, last value 4.
        let (adv, ret) = gae(
            &[1.0, 2.0, 3.0],
            &[1.0, 2.0, 3.0],
            &[false; 3],
            4.0,
            0.5,
            0.5,
        );
        // deltas: 1+0.5*2-1 = 1; 2+0.5*3-2 = 1.5; 3+0.5*4-3 = 2
        // A2 = 2; A1 = 1.5 + 0.25*2 = 2; A0 = 1 + 0.25*2 = 1.5
        assert_eq!(adv, vec![1.5, 2.0, 2.0]);
        assert_eq!(ret, vec![2.5, 4.0, 5.0]);
    }

    #[test]
    fn termination_cuts_and_truncation_bootstraps() {
        // Episode ends after step 1 (terminated): no value flows from step 2 into step 1.
        let (adv, _) = gae(
            &[1.0, 2.0, 3.0],
            &[1.0, 2.0, 3.0],
            &[false, true, false],
            4.0,
            0.5,
            0.5,
        );
        // deltas: 1+1-1=1; 2+0-2=0; 2 -> A2=2; A1=0; A0=1+0.25*0=1
        assert_eq!(adv, vec![1.0, 0.0, 2.0]);
        // Truncated instead: the final observation's value 10 is folded into the reward.
        let r1 = bootstrap_truncated(2.0, 0.5, 10.0);
        let (adv, _) = gae(
            &[1.0, r1, 3.0],
            &[1.0, 2.0, 3.0],
            &[false, true, false],
            4.0,
            0.5,
            0.5,
        );
        // delta1 = 7 - 2 = 5; A1 = 5; A0 = 1 + 0.25*5 = 2.25
        assert_eq!(adv, vec![2.25, 5.0, 2.0]);
    }
}
