"""The A/A check: does plain `bench run` give the same number for the same network?

`pta:HHH` is the No-PTA MobileNetV2 (`mobilenet_v2:num_classes=2`) with a different
name: identical exported graph. So its time relative to the baseline must be 1.00
on every runtime. This script runs `bench run --models pta` with the defaults (the
same command a user types; exports cached under models/) on every host runtime,
twice: on a quiet machine, and with a noisy neighbour it starts and stops itself (a
child process spinning on one core, as a laptop's or CI runner's other work does).

Prints per runtime and condition

    runtime=R condition=C aa_error=E tau=T tau_macs=M rel=HHH:..,LHH:..

aa_error = |T(baseline)/T(HHH) - 1| from the run's `relative_time` of pta:HHH (paired
per round); tau = Kendall's tau of the six PTA relative times against the PTA paper's
SD845 column (HHH 1.00, LHH 0.87, HLH 0.92, HHL 0.90, LLL 0.80, BBB 1.07); tau_macs
the same against the configurations' multiply-add counts (what a CPU's time follows
when nothing else limits it). Then `condition=C max_aa_error=E` per condition and
last `max_aa_error=E` over everything.

Usage: .venv/bin/python benchmarks/aa_check.py [--runtimes tflite,onnxruntime,torchscript]
       [--conditions quiet,noisy] [-- extra bench run flags]
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = "mobilenet_v2:num_classes=2"
PAPER_SD845 = {"pta:HHH": 1.00, "pta:LHH": 0.87, "pta:HLH": 0.92, "pta:HHL": 0.90,
               "pta:LLL": 0.80, "pta:BBB": 1.07}


def bench_run(runtime, out, extra):
    cmd = [sys.executable, "-m", "bench", "run", "--models", "pta", "--runtimes", runtime,
           "--out", out, "--no-plot"] + extra
    env = dict(os.environ, PYTHONPATH=REPO)
    res = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit("bench run failed ({}): {}".format(res.returncode, res.stderr.strip()[-2000:]))
    with open(out, newline="") as fh:
        return {r["model"]: r for r in csv.DictReader(fh)}


def macs(rows):
    return {m: float(rows[m]["macs_m"]) for m in PAPER_SD845}


def measure(runtime, condition, workdir, extra):
    neighbour = None
    if condition == "noisy":  # another process spinning on one core
        neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
    try:
        out = os.path.join(workdir, "aa-{}-{}.csv".format(runtime, condition))
        return bench_run(runtime, out, extra)
    finally:
        if neighbour is not None:
            neighbour.kill()
            neighbour.wait()


def main():
    from scipy.stats import kendalltau

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtimes", default="tflite,onnxruntime,torchscript,torch")
    ap.add_argument("--conditions", default="quiet,noisy")
    ap.add_argument("extra", nargs="*", help="more `bench run` flags (after --)")
    args = ap.parse_args()
    worst, by_condition = 0.0, {}
    with tempfile.TemporaryDirectory() as workdir:
        for condition in args.conditions.split(","):
            for runtime in args.runtimes.split(","):
                start = time.monotonic()
                rows = measure(runtime, condition, workdir, args.extra)
                missing = [m for m in list(PAPER_SD845) + [BASELINE]
                           if rows.get(m, {}).get("status") != "ok"]
                if missing:
                    print("runtime={} condition={} not measured: {}".format(
                        runtime, condition, ", ".join(missing)), flush=True)
                    continue
                rel = {m: float(rows[m]["relative_time"]) for m in PAPER_SD845}
                aa = abs(rel["pta:HHH"] - 1)
                names = list(PAPER_SD845)
                tau = kendalltau([PAPER_SD845[m] for m in names], [rel[m] for m in names])[0]
                mac = macs(rows)
                tau_macs = kendalltau([mac[m] for m in names], [rel[m] for m in names])[0]
                worst = max(worst, aa)
                by_condition[condition] = max(by_condition.get(condition, 0.0), aa)
                print("runtime={} condition={} aa_error={:.4f} tau={:.2f} tau_macs={:.2f} "
                      "threads={} seconds={:.0f} rel={}".format(
                          runtime, condition, aa, tau, tau_macs, rows["pta:HHH"]["threads"],
                          time.monotonic() - start,
                          ",".join("{}:{:.3f}".format(m[4:], rel[m]) for m in names)), flush=True)
    for condition, value in by_condition.items():
        print("condition={} max_aa_error={:.4f}".format(condition, value))
    print("max_aa_error={:.4f}".format(worst))


if __name__ == "__main__":
    main()
