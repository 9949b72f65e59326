"""Where MobileNetV2's time goes: `bench profile` on onnxruntime and tflite (issue 16).

Runs, on this machine, `bench profile --models mobilenet_v2 --resolution 224` once per
runtime (default onnxruntime and tflite; the export is cached under models/) and prints
what it prints: per runtime the ten slowest operators (op_name, op_type, time_ms, share,
where), the line `sum of operator times X ms vs measured latency Y ms (Z %)` and the notes
that explain a sum outside 90-110 %. onnxruntime's times come from its session profiling;
tflite's from LiteRT's own profiler through libLiteRt.so (XNNPACK's operators). Where a
runtime cannot give per-operator times here, bench's one-line reason is printed instead.
The CSVs and plots are left in a temporary folder (or --out-dir).

Usage: .venv/bin/python benchmarks/profile_mobilenet.py [--runtimes onnxruntime,tflite]
       [--model mobilenet_v2] [--resolution 224] [--runs 60] [--out-dir DIR]
"""

import argparse
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench_profile(model, runtime, resolution, runs, out):
    cmd = [sys.executable, "-m", "bench", "profile", "--models", model, "--runtime", runtime,
           "--resolution", str(resolution), "--runs", str(runs), "--out", out]
    env = dict(os.environ, PYTHONPATH=REPO)
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtimes", default="onnxruntime,tflite")
    ap.add_argument("--model", default="mobilenet_v2")
    ap.add_argument("--resolution", type=int, default=224)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--out-dir", help="where the CSVs and plots stay (default: a temporary folder)")
    args = ap.parse_args()
    workdir = args.out_dir or tempfile.mkdtemp(prefix="profile-mobilenet-")
    if not os.path.isdir(workdir):
        os.makedirs(workdir)
    code = 0
    for runtime in args.runtimes.split(","):
        out = os.path.join(workdir, "{}-{}.csv".format(args.model.replace(":", "_"), runtime))
        if os.path.exists(out):
            os.remove(out)
        print("$ bench profile --models {} --runtime {} --resolution {} --runs {}".format(
            args.model, runtime, args.resolution, args.runs), flush=True)
        res = bench_profile(args.model, runtime, args.resolution, args.runs, out)
        if res.returncode != 0:
            code = 1
            lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
            print("{} cannot be profiled here: {}".format(
                runtime, lines[-1] if lines else "exit {}".format(res.returncode)))
        else:
            print(res.stdout.rstrip())
        print(flush=True)
    print("CSVs and plots: {}".format(workdir))
    return code


if __name__ == "__main__":
    sys.exit(main())
