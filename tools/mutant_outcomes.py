#!/usr/bin/env python3
"""Mutant outcomes through the command line, for comparing two gaitscope binaries.

Issue 13's "before and after" table: seeded mutants of the shipped files (truncations, byte
flips, hostile numbers, lines removed or repeated, junk inserted, spans removed, as
tests/it/fuzz.rs makes them) are fed to the subcommand that reads each format, one process per
mutant, and each run is classified by how it ended:

  accepted  exit 0, and no NaN or inf in what it wrote
  nan       exit 0, but NaN or inf in its output files or report
  refused   exit 1 with an "error:" message
  panic     a Rust panic (exit 101)
  abort     killed by a signal (allocation failure, stack overflow: "overflowed its stack")
  hang      still running after the time limit

Usage: tools/mutant_outcomes.py BINARY [BINARY ...] [--cases N] [--seed S] [--csv FILE]
Run from the repository root. Needs only Python's standard library; the product never runs it.
"""

import argparse
import csv
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HOSTILE = [b"NaN", b"inf", b"-inf", b"1e308", b"-1e308", b"1e-320", b"0", b"-1", b"1e12"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One mutation, of the kinds tests/it/fuzz.rs uses."""
    out = bytearray(data)
    if not out:
        return bytes(out)
    at = rng.randrange(len(out))
    kind = rng.randrange(7)
    if kind == 0:
        del out[at:]
    elif kind == 1:
        out[at] = rng.randrange(256)
    elif kind == 2:
        m = re.compile(rb"[0-9][0-9.eE+-]*").search(bytes(out), at)
        if m:
            out[m.start():m.end()] = rng.choice(HOSTILE)
    elif kind in (3, 4):
        start = out.rfind(b"\n", 0, at) + 1
        end = out.find(b"\n", at)
        end = len(out) if end < 0 else end + 1
        line = bytes(out[start:end])
        if kind == 3:
            del out[start:end]
        else:
            out[end:end] = line
    elif kind == 5:
        out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
    else:
        del out[at:min(len(out), at + rng.randrange(1, 200))]
    return bytes(out)


NONFINITE = re.compile(rb"(?<![A-Za-z0-9_])(nan|NaN|-?inf|-?Inf)(?![A-Za-z0-9_])")


def has_nonfinite(paths) -> bool:
    for p in paths:
        for root, _, files in os.walk(p) if os.path.isdir(p) else [(os.path.dirname(p), None, [os.path.basename(p)])]:
            for f in files:
                fp = os.path.join(root, f)
                if not os.path.isfile(fp) or f.endswith(".safetensors"):
                    continue
                with open(fp, "rb") as fh:
                    text = fh.read()
                if f == "metrics.csv":
                    # A mean return is NaN by design when no episode ended; the losses never are.
                    lines = text.decode(errors="replace").splitlines()
                    head = lines[0].split(",") if lines else []
                    cols = [head.index(c) for c in ("policy_loss", "value_loss", "entropy") if c in head]
                    for line in lines[1:]:
                        cells = line.split(",")
                        if any(i < len(cells) and NONFINITE.fullmatch(cells[i].encode()) for i in cols):
                            return True
                elif f.endswith(".json"):
                    # serde_json writes a non-finite number as null; only the figures of events
                    # that never happened are null by design (time to a fall, to lost
                    # tracking; a side's step time and the asymmetry without steps on it).
                    allowed = (b"mean_time_to_fall_s", b"mean_time_to_tracking_loss_s",
                               b"step_time_asymmetry", b"left", b"right")
                    for m in re.finditer(rb'"([a-z_0-9]+)":\s*null', text):
                        if m.group(1) not in allowed:
                            return True
                elif NONFINITE.search(text):
                    return True
    return False


def classify(proc, timed_out, outputs) -> str:
    if timed_out:
        return "hang"
    err = proc.stderr or b""
    if proc.returncode == 0:
        return "nan" if has_nonfinite(outputs) else "accepted"
    if b"overflowed its stack" in err or proc.returncode < 0:
        return "abort"
    if b"panicked" in err or proc.returncode == 101:
        return "panic"
    return "refused"


def short_motion(root, folder, rows=20):
    """The shipped normal.mot cut to its header and first `rows` rows, written into `folder`
    (analyze over it takes a fraction of a second)."""
    with open(os.path.join(root, "models/motions/normal.mot"), "rb") as f:
        lines = f.read().split(b"\n")
    end = next(i for i, l in enumerate(lines) if l.strip().lower() == b"endheader")
    path = os.path.join(folder, "short.mot")
    with open(path, "wb") as f:
        f.write(b"\n".join(lines[: end + 2 + rows]) + b"\n")
    return path


def formats(root, scratch):
    """(name, original file, command builder) per format. The builder gets the binary, the
    mutant's path and a fresh output folder, and returns (argv, outputs to check, limit s)."""
    model = os.path.join(root, "models/gait14dof22musc.osim")
    motion = short_motion(root, scratch)
    # A recording of the shipped none policy, made once with the first binary.
    recording = os.path.join(scratch, "episode.ron")
    policy_run = os.path.join(root, "models/policies/none")

    def analyze_model(b, m, out):
        return [b, "analyze", "--model", m, "--motion", motion, "--out", out], [out], 30

    def analyze_motion(b, m, out):
        return [b, "analyze", "--model", model, "--motion", m, "--out", out], [out], 30

    def export(b, m, out):
        mot = os.path.join(out, "x.mot")
        return [b, "export", m, "--mot", mot], [out], 20

    def evaluate_with(name):
        """eval of the shipped none policy with the mutant as its checkpoint's `name`."""
        def build(b, m, out):
            run = os.path.join(out, "run")
            shutil.copytree(policy_run, run, ignore=shutil.ignore_patterns("eval", "metrics*.csv"))
            shutil.copy(m, os.path.join(run, "checkpoint", name))
            js = os.path.join(out, "eval.json")
            return [b, "eval", run, "--episodes", "1", "--seconds", "1", "--json", js], [js], 60
        return build

    def train(b, m, out):
        run = os.path.join(out, "run")
        argv = [b, "train", "--config", m, "--encoder", "none", "--mode", "frozen",
                "--steps", "1", "--workers", "1", "--out", run]
        return argv, [os.path.join(run, "metrics.csv")], 90

    return [
        ("osim", model, analyze_model),
        ("normal.mot", os.path.join(root, "models/motions/normal.mot"), analyze_motion),
        ("recording", recording, export),
        ("policy.safetensors", os.path.join(policy_run, "checkpoint/policy.safetensors"),
         evaluate_with("policy.safetensors")),
        ("study config", os.path.join(root, "assets/configs/train.ron"), train),
        ("walk config", os.path.join(root, "assets/configs/walk.ron"), train),
        ("encoder ron", os.path.join(policy_run, "checkpoint/none.ron"), evaluate_with("none.ron")),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--cases", type=int, default=100, help="mutants per format")
    ap.add_argument("--train-cases", type=int, default=30, help="mutants of the config")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--csv")
    ap.add_argument("--formats", help="comma-separated subset of the format names")
    a = ap.parse_args()
    root = os.getcwd()
    scratch = tempfile.mkdtemp(prefix="gaitscope-mutants-")
    rec = os.path.join(scratch, "episode.ron")
    subprocess.run([a.binaries[0], "record", "models/policies/none", "--out", rec],
                   capture_output=True, check=True)
    kinds = ["accepted", "nan", "refused", "panic", "abort", "hang"]
    rows = []
    for name, original, build in formats(root, scratch):
        if a.formats and name not in a.formats.split(","):
            continue
        with open(original, "rb") as f:
            data = f.read()
        cases = a.train_cases if name.endswith("config") else a.cases
        rng = random.Random(a.seed)
        mutants = []
        for case in range(cases):
            m = mutate(data, rng)
            if case % 5 == 4:
                m = mutate(m, rng)
            mutants.append(m)
        for b in a.binaries:
            counts = dict.fromkeys(kinds, 0)
            examples = {}
            for case, m in enumerate(mutants):
                work = tempfile.mkdtemp(dir=scratch)
                path = os.path.join(work, "input" + os.path.splitext(original)[1])
                with open(path, "wb") as f:
                    f.write(m)
                out = os.path.join(work, "out")
                os.makedirs(out)
                argv, outputs, limit = build(b, path, out)
                try:
                    p = subprocess.run(argv, capture_output=True, timeout=limit)
                    outcome = classify(p, False, outputs)
                except subprocess.TimeoutExpired:
                    outcome = classify(None, True, outputs)
                counts[outcome] += 1
                if outcome not in ("accepted", "refused"):
                    examples.setdefault(outcome, case)
                shutil.rmtree(work, ignore_errors=True)
            rows.append([name, b, cases] + [counts[k] for k in kinds])
            print(f"{name:20} {b:40} {cases:5} " + " ".join(f"{k} {counts[k]}" for k in kinds)
                  + (f"  first cases: {examples}" if examples else ""), flush=True)
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["format", "binary", "mutants"] + kinds)
            w.writerows(rows)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
