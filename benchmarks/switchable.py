"""What one switchable PTA artifact costs against the frozen configurations (issue 15).

For each runtime and each of the six configurations C, one `bench run` measures
`pta:C,switchable=true` with `pta:C` (the frozen file) as its baseline: the two are loaded
side by side and their trials interleaved, so `relative_time` (paired per round, with its
95 % interval) is the switchable artifact's time over the frozen one's on the same
moments of this busy machine. Exports are cached under the run's export folder.

Prints per runtime and configuration

    runtime=R config=C cost=+X.X% [lo, hi] switch_ms=S latency_p50_ms=L

(cost = relative_time - 1: positive is slower; switch_ms = from asking for C, coming
from another configuration, to the end of C's first inference) and per runtime

    runtime=R switchable_mb=A frozen_bbb_mb=B size_ratio=A/B (target <= 1.30) max_cost=+X.X% (target <= 2 %)

Usage: .venv/bin/python benchmarks/switchable.py [--runtimes onnxruntime,tflite]
       [--configs HHH,LHH,...] [-- extra bench run flags]
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = ("HHH", "LHH", "HLH", "HHL", "LLL", "BBB")


def bench_run(models, baseline, runtime, out, extra):
    cmd = [sys.executable, "-m", "bench", "run", "--models"] + models + [
        "--baseline", baseline, "--runtimes", runtime, "--resolution", "128", "--out", out,
        "--no-plot"] + extra
    env = dict(os.environ, PYTHONPATH=REPO)
    res = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit("bench run failed ({}): {}".format(res.returncode, res.stderr.strip()[-2000:]))
    with open(out, newline="") as fh:
        return {r["model"]: r for r in csv.DictReader(fh)}


def number(row, key):
    try:
        return float(row[key])
    except (KeyError, TypeError, ValueError):
        return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtimes", default="onnxruntime,tflite")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("extra", nargs="*", help="more `bench run` flags (after --)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        for runtime in args.runtimes.split(","):
            worst, sizes = float("-inf"), {}
            for config in args.configs.split(","):
                switchable, frozen = "pta:{},switchable=true".format(config), "pta:" + config
                out = os.path.join(workdir, "{}-{}.csv".format(runtime, config))
                rows = bench_run([switchable], frozen, runtime, out, args.extra)
                row, base = rows[switchable], rows[frozen]
                if row["status"] != "ok" or base["status"] != "ok":
                    print("runtime={} config={} status={}/{} error={}".format(
                        runtime, config, row["status"], base["status"],
                        row["error"] or base["error"]))
                    continue
                cost = number(row, "relative_time") - 1
                low, high = (number(row, "relative_time_ci_low") - 1,
                             number(row, "relative_time_ci_high") - 1)
                worst = max(worst, cost)
                sizes["switchable"] = number(row, "artifact_mb")
                if config == "BBB":
                    sizes["frozen_bbb"] = number(base, "artifact_mb")
                print("runtime={} config={} cost={:+.1%} [{:+.1%}, {:+.1%}] switch_ms={:.2f} "
                      "latency_p50_ms={:.2f}".format(runtime, config, cost, low, high,
                                                     number(row, "switch_ms"),
                                                     number(row, "latency_ms_p50")), flush=True)
            if "frozen_bbb" in sizes:
                print("runtime={} switchable_mb={:.2f} frozen_bbb_mb={:.2f} size_ratio={:.2f} "
                      "(target <= 1.30) max_cost={:+.1%} (target <= 2 %)".format(
                          runtime, sizes["switchable"], sizes["frozen_bbb"],
                          sizes["switchable"] / sizes["frozen_bbb"], worst), flush=True)


if __name__ == "__main__":
    main()
