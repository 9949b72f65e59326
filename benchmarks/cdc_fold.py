"""Central Difference Convolution with and without folding (issue 15).

A CDC layer computes conv(x, w) - θ·conv(x, Σw) -- at inference one plain convolution
whose centre tap is reduced by θ·Σw. `fold=true` (the default) exports that plain
convolution; `fold=false` exports the layer as the reference code writes it (a second
convolution whose kernel is computed in the graph). For each CDC model and runtime, one
`bench run` measures the two side by side (interleaved; the unfolded one is the
baseline), at the paper's 256x256 unless --resolution says otherwise.

Prints per model and runtime

    model=M runtime=R folded=T1 inf/s unfolded=T0 inf/s speedup=T1/T0 [lo, hi] parity=E

(speedup from the run's paired relative_time and its 95 % interval; parity = the folded
export's max |error| against the unfolded eager model), or the row's status and error.

Usage: .venv/bin/python benchmarks/cdc_fold.py [--models cdcn,cdcn_pp,c_cdn,dc_cdn]
       [--runtimes onnxruntime,tflite,torchscript] [--resolution 256] [-- extra bench run flags]
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench_run(models, baseline, runtime, resolution, out, extra):
    cmd = [sys.executable, "-m", "bench", "run", "--models"] + models + [
        "--baseline", baseline, "--runtimes", runtime, "--resolution", str(resolution),
        "--out", out, "--no-plot"] + extra
    env = dict(os.environ, PYTHONPATH=REPO)
    res = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if res.returncode not in (0, 1):  # 1: some row failed; it is printed below
        sys.exit("bench run failed ({}): {}".format(res.returncode, res.stderr.strip()[-2000:]))
    with open(out, newline="") as fh:
        return {r["model"]: r for r in csv.DictReader(fh)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="cdcn,cdcn_pp,c_cdn,dc_cdn")
    ap.add_argument("--runtimes", default="onnxruntime,tflite,torchscript")
    ap.add_argument("--resolution", type=int, default=256)
    ap.add_argument("extra", nargs="*", help="more `bench run` flags (after --)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        for model in args.models.split(","):
            for runtime in args.runtimes.split(","):
                folded, unfolded = model, model + ":fold=false"
                out = os.path.join(workdir, "{}-{}.csv".format(model, runtime))
                rows = bench_run([folded], unfolded, runtime, args.resolution, out, args.extra)
                row, base = rows.get(folded, {}), rows.get(unfolded, {})
                if row.get("status") != "ok" or base.get("status") != "ok":
                    print("model={} runtime={} folded={} unfolded={} error={}".format(
                        model, runtime, row.get("status"), base.get("status"),
                        row.get("error") or base.get("error")), flush=True)
                    continue
                speed = 1 / float(row["relative_time"])
                low, high = 1 / float(row["relative_time_ci_high"]), 1 / float(row["relative_time_ci_low"])
                print("model={} runtime={} folded={:.2f} inf/s unfolded={:.2f} inf/s "
                      "speedup={:.2f} [{:.2f}, {:.2f}] parity={}".format(
                          model, runtime, float(row["throughput"]), float(base["throughput"]),
                          speed, low, high, row["parity_max_abs_err"] or "-"), flush=True)


if __name__ == "__main__":
    main()
