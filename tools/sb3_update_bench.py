"""Seconds per PPO update in Stable-Baselines3 at the study's Table 3.2 sizes, for comparison
with `gaitscope bench ppo` on the same machine in the same session.

Not part of the app or its tests. Set up once in a throwaway virtual environment:

    python3 -m venv /tmp/sb3 && /tmp/sb3/bin/pip install torch==2.15.0 stable-baselines3==2.9.2
    /tmp/sb3/bin/python tools/sb3_update_bench.py [UPDATES]

The rollout buffer is filled once by `learn` on a synthetic environment (20 environments x
1024 steps, 22 actions in [0, 1]); then `train()` (4 epochs over minibatches of 512, separate
3 x 312 tanh policy and value networks, Adam at 1e-3, gradient clipping 0.5) is timed alone.
"""

import sys
import time

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv


class SyntheticEnv(gym.Env):
    """Random observations of a given width; the reward and dynamics do not matter here."""

    def __init__(self, obs_dim):
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (obs_dim,), np.float32)
        self.action_space = gym.spaces.Box(0.0, 1.0, (22,), np.float32)
        self.rng = np.random.default_rng(0)

    def reset(self, seed=None, options=None):
        return self.rng.standard_normal(self.observation_space.shape).astype(np.float32), {}

    def step(self, action):
        obs = self.rng.standard_normal(self.observation_space.shape).astype(np.float32)
        return obs, float(self.rng.standard_normal()), False, False, {}


def main():
    updates = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    torch.set_num_threads(2)
    print(f"sb3 update bench: torch {torch.__version__}, {torch.get_num_threads()} threads")
    for obs_dim in (66, 296):
        env = DummyVecEnv([lambda: SyntheticEnv(obs_dim) for _ in range(20)])
        model = PPO(
            "MlpPolicy",
            env,
            n_steps=1024,
            batch_size=512,
            n_epochs=4,
            gamma=0.999,
            gae_lambda=0.9,
            clip_range=0.2,
            ent_coef=0.01,
            learning_rate=1e-3,
            max_grad_norm=0.5,
            policy_kwargs=dict(
                net_arch=dict(pi=[312, 312, 312], vf=[312, 312, 312]),
                activation_fn=torch.nn.Tanh,
            ),
            seed=42,
            device="cpu",
            verbose=0,
        )
        model.learn(total_timesteps=20 * 1024)  # fills the buffer and runs one (warm-up) update
        times = []
        for _ in range(updates):
            t = time.perf_counter()
            model.train()
            times.append(time.perf_counter() - t)
        print(
            f"  obs {obs_dim:>3}: {np.mean(times):.2f} s per update "
            f"(min {min(times):.2f}, max {max(times):.2f}, {updates} updates)"
        )


if __name__ == "__main__":
    main()
