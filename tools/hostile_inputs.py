#!/usr/bin/env python3
"""The hostile inputs issue 13 lists, one by one, through two (or more) gaitscope binaries.

Each case builds its input from the shipped files, runs the subcommand that reads it, and is
classified as tools/mutant_outcomes.py classifies a mutant (accepted, nan, refused, panic, abort,
hang). Cases the issue calls wrong even when they exit 0 (`eval --episodes 0` "succeeding")
say what was expected.

Usage: tools/hostile_inputs.py BINARY [BINARY ...]   (from the repository root)
"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from mutant_outcomes import classify, short_motion  # noqa: E402

ROOT = os.getcwd()
MODEL = os.path.join(ROOT, "models/gait14dof22musc.osim")
CONFIG = os.path.join(ROOT, "assets/configs/train.ron")
POLICY = os.path.join(ROOT, "models/policies/none")


def read(p, mode="r"):
    with open(p, mode) as f:
        return f.read()


def write(p, data):
    with open(p, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return p


def config_with(w, old, new):
    text = read(CONFIG)
    assert old in text, old
    return write(os.path.join(w, "c.ron"), text.replace(old, new, 1))


def train(b, cfg, out, *extra):
    return [b, "train", "--config", cfg, "--encoder", "none", "--mode", "frozen", "--steps", "1",
            "--workers", "1", "--out", os.path.join(out, "run"), *extra]


def policy_copy(w):
    run = os.path.join(w, "run")
    shutil.copytree(POLICY, run, ignore=shutil.ignore_patterns("eval", "metrics*.csv"))
    return run


def safetensors_edit(path, edit):
    b = read(path, "rb")
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    data = bytearray(b[8 + n:])
    edit(header, data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    write(path, struct.pack("<Q", len(h)) + h + bytes(data))


def nan_weight(header, data):
    off = header["policy.0.weight"]["data_offsets"][0]
    data[off:off + 4] = struct.pack("<f", float("nan"))


def i32_tensor(header, _data):
    header["policy.0.weight"]["dtype"] = "I32"


def eval_argv(b, run, out, *extra):
    return [b, "eval", run, "--episodes", "1", "--seconds", "1",
            "--json", os.path.join(out, "e.json"), *extra]


def cases():
    """(name, expected outcome, builder(binary, work folder) -> (argv, outputs, limit s))."""
    def deep_osim(b, w):
        text = read(MODEL)
        i = text.index(">", text.index("<OpenSimDocument")) + 1
        deep = text[:i] + "<a>" * 13000 + "</a>" * 13000 + text[i:]
        m = write(os.path.join(w, "m.osim"), deep)
        return [b, "analyze", "--model", m, "--motion", short_motion(ROOT, w), "--out", w], [w], 30

    def huge_location(b, w):
        text = read(MODEL).replace("<location_in_parent> -0.0707 -0.0661 0.0835",
                                   "<location_in_parent> 1e308 -0.0661 0.0835", 1)
        m = write(os.path.join(w, "m.osim"), text)
        return [b, "analyze", "--model", m, "--motion", short_motion(ROOT, w), "--out", w], [w], 30

    def huge_motion(b, w):
        text = read(short_motion(ROOT, w)).replace("\t24.61\t", "\t1e308\t", 1)
        mo = write(os.path.join(w, "h.mot"), text)
        return [b, "analyze", "--motion", mo, "--out", w], [w], 30

    def cfg(old, new, *extra):
        return lambda b, w: (train(b, config_with(w, old, new), w, *extra),
                             [os.path.join(w, "run", "metrics.csv")], 60)

    def plain(b, w):
        return write(os.path.join(w, "c.ron"), read(CONFIG))

    def envs0(b, w):
        return train(b, plain(b, w), w, "--envs", "0"), [], 60

    def nsteps0(b, w):
        return train(b, plain(b, w), w, "--n-steps", "0"), [], 30

    def collect0(b, w):
        obs = os.path.join(w, "o.safetensors")
        subprocess.run([b, "collect", "--steps", "0", "--out", obs], capture_output=True)
        return [b, "fit-encoder", "--kind", "pca", "--data", obs, "--out", w], [w], 60

    def latent0(b, w):
        obs = os.path.join(w, "o.safetensors")
        subprocess.run([b, "collect", "--steps", "300", "--out", obs], capture_output=True)
        return [b, "fit-encoder", "--kind", "pca", "--latent", "0", "--data", obs, "--out", w], [w], 60

    def policy_edit(edit):
        def build(b, w):
            run = policy_copy(w)
            safetensors_edit(os.path.join(run, "checkpoint", "policy.safetensors"), edit)
            return eval_argv(b, run, w), [os.path.join(w, "e.json")], 60
        return build

    def std295(b, w):
        run = policy_copy(w)
        p = os.path.join(run, "checkpoint", "none.ron")
        text = read(p)
        # Drop the last value of the std list.
        i = text.index("std:")
        j = text.index("]", i)
        body = text[i:j].rstrip().rstrip(",")
        k = body.rfind(",")
        write(p, text[:i] + body[:k] + "\n" + text[j:])
        return eval_argv(b, run, w), [os.path.join(w, "e.json")], 60

    def nan_recording(b, w):
        rec = os.path.join(w, "r.ron")
        subprocess.run([b, "record", POLICY, "--out", rec], capture_output=True)
        text = read(rec)
        # The first frame's first coordinate value.
        text = re.sub(r"(\),\s*coordinates:\s*\[\s*)(-?[0-9.eE+-]+)", r"\1NaN", text, count=1)
        write(rec, text)
        return [b, "export", rec, "--mot", os.path.join(w, "x.mot")], [w], 30

    def eval0(b, w):
        return eval_argv(b, policy_copy(w), w)[:3] + ["--episodes", "0"], [], 30

    def record0(b, w):
        return [b, "record", POLICY, "--episodes", "0", "--out", os.path.join(w, "r.ron")], [], 30

    return [
        (".osim nested 13,000 deep", "refused", deep_osim),
        (".osim location_in_parent 1e308", "refused", huge_location),
        (".mot value 1e308", "refused", huge_motion),
        ("config clip: NaN", "refused", cfg("clip: 0.2", "clip: NaN")),
        ("config batch_size: 0", "refused", cfg("batch_size: 512", "batch_size: 0")),
        ("config hidden: [0]", "refused", cfg("hidden: [312, 312, 312]", "hidden: [0]")),
        ("config n_envs: 4294967296", "refused", cfg("n_envs: 20", "n_envs: 4294967296")),
        ("train --envs 0", "refused", envs0),
        ("train --n-steps 0", "refused", nsteps0),
        ("fit-encoder on collect --steps 0", "refused", collect0),
        ("fit-encoder --latent 0", "refused", latent0),
        ("policy with a NaN weight", "refused", policy_edit(nan_weight)),
        ("policy tensor stored as I32", "refused", policy_edit(i32_tensor)),
        ("encoder .ron std of 295 values", "refused", std295),
        ("recording with a NaN angle", "refused", nan_recording),
        ("eval --episodes 0", "refused", eval0),
        ("record --episodes 0", "refused", record0),
    ]


def main():
    binaries = sys.argv[1:]
    if not binaries:
        sys.exit(__doc__)
    print("| input | expected | " + " | ".join(os.path.basename(b) for b in binaries) + " |")
    print("|---|---|" + "---|" * len(binaries))
    for name, expected, build in cases():
        outcomes = []
        for b in binaries:
            w = tempfile.mkdtemp(prefix="gaitscope-hostile-")
            try:
                argv, outputs, limit = build(b, w)
                try:
                    p = subprocess.run(argv, capture_output=True, timeout=limit)
                    outcomes.append(classify(p, False, outputs))
                except subprocess.TimeoutExpired:
                    outcomes.append(classify(None, True, outputs))
            finally:
                shutil.rmtree(w, ignore_errors=True)
        print(f"| {name} | {expected} | " + " | ".join(outcomes) + " |", flush=True)


if __name__ == "__main__":
    main()
