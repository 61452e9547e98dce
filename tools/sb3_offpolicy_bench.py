"""Seconds per gradient step of Stable-Baselines3's SAC and TD3 at seed 004's sizes, for
comparison with `gaitscope bench sac` / `gaitscope bench td3` on the same machine in the same
session.

Not part of the app or its tests. Set up once in a throwaway virtual environment:

    python3 -m venv /tmp/sb3
    /tmp/sb3/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
    /tmp/sb3/bin/pip install stable-baselines3==2.9.2
    /tmp/sb3/bin/python tools/sb3_offpolicy_bench.py [STEPS] [THREADS]

The replay buffer is filled with 10,000 random transitions (features of width 66 or 296, 22
actions in [0, 1]); after 20 warm-up steps, `train(gradient_steps=STEPS)` is timed alone:
2 x 64 ReLU networks, TD3 batch 100 (gamma 0.98, lr 1e-3), SAC batch 256 (gamma 0.9,
ent_coef 0.01, lr 3e-4).
"""

import sys
import time

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import SAC, TD3


class SyntheticEnv(gym.Env):
    """Random observations of a given width; only the spaces matter here."""

    def __init__(self, obs_dim):
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (obs_dim,), np.float32)
        self.action_space = gym.spaces.Box(0.0, 1.0, (22,), np.float32)

    def reset(self, seed=None, options=None):
        return np.zeros(self.observation_space.shape, np.float32), {}

    def step(self, action):
        return np.zeros(self.observation_space.shape, np.float32), 0.0, False, False, {}


def fill(model, obs_dim, rng):
    for _ in range(10_000):
        obs = rng.uniform(-1, 1, (1, obs_dim)).astype(np.float32)
        nxt = rng.uniform(-1, 1, (1, obs_dim)).astype(np.float32)
        act = rng.uniform(-1, 1, (1, 22)).astype(np.float32)
        model.replay_buffer.add(obs, nxt, act, rng.uniform(-1, 1, 1), np.array([False]), [{}])


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    print(f"sb3 off-policy bench: torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    rng = np.random.default_rng(7)
    for name, cls, kw in (
        ("TD3", TD3, dict(batch_size=100, buffer_size=200_000, gamma=0.98, learning_rate=1e-3)),
        ("SAC", SAC, dict(batch_size=256, buffer_size=1_000_000, gamma=0.9, ent_coef=0.01,
                          learning_rate=3e-4)),
    ):
        for obs_dim in (66, 296):
            model = cls("MlpPolicy", SyntheticEnv(obs_dim), policy_kwargs=dict(net_arch=[64, 64]),
                        device="cpu", **kw)
            model._setup_learn(1)
            fill(model, obs_dim, rng)
            model.train(gradient_steps=20, batch_size=model.batch_size)
            started = time.perf_counter()
            model.train(gradient_steps=steps, batch_size=model.batch_size)
            secs = (time.perf_counter() - started) / steps
            print(f"sb3 {name}: features {obs_dim}, hidden [64, 64], batch {model.batch_size}: "
                  f"{secs * 1e3:.3f} ms per gradient step ({steps} steps)")


if __name__ == "__main__":
    main()
