"""Bad input across every command, table-driven: each case is refused with its documented
exit code, exactly one line on stderr naming the problem (and no traceback), before any
work starts. The commands run in this process (``bench.cli.main.main``), as the CLI
entry point calls it, so the table stays fast; tests elsewhere run the same paths as
separate processes."""

import os

import pytest

from conftest import assert_one_line_error, call_main

RUN_HEADER = ("timestamp,device,model,family,params_m,runtime,precision,resolution,batch,"
              "throughput,status,error,notes\n")


def run_row(model="resnet18", family="resnet", params="11.7", runtime="onnxruntime",
            precision="fp32", throughput="100.5", status="ok"):
    return "2026-01-01,local,{},{},{},{},{},224,1,{},{},,\n".format(
        model, family, params, runtime, precision, throughput, status)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad-inputs")

    def write(name, text, mode="w"):
        path = d / name
        with open(path, mode) as fh:
            fh.write(text)
        return str(path)

    good = [run_row(), run_row("resnet34", params="21.8", throughput="60"),
            run_row("resnet50", params="25.6", throughput="40")]
    f = {"dir": str(d)}
    f["inf"] = write("inf.csv", RUN_HEADER + run_row(throughput="inf") + "".join(good[1:]))
    f["abc"] = write("abc.csv", RUN_HEADER + "".join(good[:2]) + run_row("resnet50",
                                                                         throughput="abc"))
    f["nan"] = write("nan.csv", RUN_HEADER + run_row(throughput="nan"))
    f["fp32only"] = write("fp32.csv", RUN_HEADER + "".join(good))
    f["nocol"] = write("nocol.csv", "model,family\nresnet18,resnet\n")
    f["empty"] = write("empty.csv", "")
    f["header"] = write("header.csv", RUN_HEADER)
    f["binary"] = write("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00garbage", "wb")
    f["semicolon"] = write("semi.csv", "model;throughput\nresnet18;1\n")
    f["landmarks_bad"] = write("lm.csv", "model,throughput\nresnet18,fast\nresnet34,60\n"
                                         "resnet50,40\n")
    f["checkpoint_txt"] = write("weights.pt", "these are not weights\n")
    f["cfg_latin1"] = write("latin1.toml", "[run]\n# caf\xe9\n".encode("latin-1"), "wb")
    f["cfg_nomodels"] = write("nomodels.toml", "[run]\nmodels = []\n")
    f["cfg_opset"] = write("opset.toml", "[export]\nonnx_opset = 99\n")
    f["cfg_devname"] = write("devname.toml", '[devices."a/b"]\nkind = "ssh"\nhost = "x"\n')
    f["cfg_setname"] = write("setname.toml", '[sets]\n"../x" = ["resnet18"]\n')
    f["cfg_key"] = write("key.toml", "[run]\nbtach = 2\n")
    f["cfg_target"] = write("target.toml", "[run]\ntarget_ci = 0.0\n")
    f["cfg_section"] = write("section.toml", "[rnu]\n")
    f["cfg_toml"] = write("broken.toml", "[run\n")
    f["existing"] = write("existing.csv", RUN_HEADER + "".join(good))
    return f


CASES = [
    # -- run: measuring values, one rule each, the valid range in the message --
    ("run --trials 0", 2, "--trials: 0 is out of range: must be >= 1"),
    ("run --repeats 0", 2, "--repeats: 0 is out of range: must be >= 1"),
    ("run --warmup -1", 2, "--warmup: -1 is out of range: must be >= 0"),
    ("run --batch 0", 2, "--batch: 0 is out of range: must be >= 1"),
    ("run --batch 100000", 2, "--batch: 100000 is out of range"),
    ("run --threads -1", 2, "--threads: -1 is out of range: must be >= 0"),
    ("run --timeout 0", 2, "--timeout: 0.0 is out of range: must be > 0"),
    ("run --timeout -1", 2, "--timeout: -1.0 is out of range: must be > 0"),
    ("run --min-trial-s 0", 2, "--min-trial-s: 0.0 is out of range: must be > 0"),
    ("run --target-ci 0", 2, "--target-ci: 0.0 is out of range: must be > 0 and < 1"),
    ("run --target-ci 1", 2, "--target-ci: 1.0 is out of range"),
    ("run --max-measure-s 0", 2, "--max-measure-s: 0.0 is out of range: must be > 0"),
    ("run --group-size 0", 2, "--group-size: 0 is out of range: must be >= 1"),
    ("run --cpu-affinity fast", 2, "--cpu-affinity: 'fast' is not \"auto\""),
    ("run --resolution 0", 2, "--resolution: 0 is out of range: must be >= 16 and <= 4096"),
    ("run --resolution -64", 2, "--resolution: -64 is out of range"),
    ("run --resolution 100000", 2, "--resolution: 100000 is out of range"),
    ("run --resolution 8", 2, "--resolution: 8 is out of range"),
    ("run --runtimes ,", 2, "--runtimes: empty list"),
    ("run --runtimes onnxrt", 2, "unknown runtime 'onnxrt' (did you mean: onnxruntime"),
    ("run --models resnett18", 2, "unknown model 'resnett18'"),
    ("run --models mobilenet_v2:width_mult=0", 2, "width_mult=0 is out of range: must be > 0"),
    ("run --models mobilenet_v2:width_mult=-1", 2, "width_mult=-1"),
    ("run --models pta:XYZ", 2, "PTA configuration 'XYZ'"),
    ("run --models resnet:block=basic", 2, "resnet needs layers"),
    ("run --models pta:LLL,checkpoint={checkpoint_txt}", 2, "is not a PyTorch checkpoint"),
    ("run --device nano", 2, "unknown device 'nano'"),
    ("run --out {dir}", 2, "is a directory; give a file path"),
    ("run --out {existing}", 2, "already exists; pass --resume to continue it or another --out"),
    ("run --resume --device ghost", 2, "nothing to resume: no results/run-ghost-*.csv"),
    ("run --baseline resnett18", 2, "unknown model 'resnett18'"),
    ("run --precision fp8", 2, "invalid choice: 'fp8'"),
    ("run --trials abc", 2, "invalid int value: 'abc'"),
    ("run --bogus", 2, "unrecognized arguments: --bogus"),
    ("run --out /etc/hostname/sub/r.csv", 3, "cannot write results to /etc/hostname/sub/r.csv"),
    # -- configuration files --
    ("run --config {cfg_latin1}", 2, "not UTF-8"),
    ("run --config {cfg_nomodels}", 2, "models"),
    ("run --config {cfg_opset}", 2, "onnx_opset: 99 is out of range"),
    ("run --config {cfg_devname}", 2, "a/b"),
    ("models --config {cfg_setname}", 2, "../x"),
    ("run --config {cfg_key}", 2, "unknown key 'btach' (did you mean: batch?)"),
    ("run --config {cfg_target}", 2, "target_ci: 0.0 is out of range"),
    ("run --config {cfg_section}", 2, "unknown section [rnu]"),
    ("run --config {cfg_toml}", 2, "not valid TOML"),
    ("run --config /nonexistent.toml", 2, "config file /nonexistent.toml not found"),
    # -- sweep-resolution, compare-fp16 --
    ("sweep-resolution --resolutions 64,big", 2, "--resolutions: 'big' is not an integer"),
    ("sweep-resolution --resolutions 8", 2, "--resolutions: 8 is out of range"),
    ("sweep-resolution --resolutions ,", 2, "--resolutions: empty list"),
    ("sweep-resolution --resolution 64", 2, "takes --resolutions"),
    ("sweep-resolution --target-ci 2", 2, "--target-ci: 2.0 is out of range"),
    ("compare-fp16 --resolution 0", 2, "--resolution: 0 is out of range"),
    ("compare-fp16 --from /nonexistent.csv", 2, "/nonexistent.csv not found"),
    ("compare-fp16 --from {inf}", 2, "line 2: throughput 'inf' is not a finite number"),
    ("compare-fp16 --from {fp32only}", 2, "fp16"),
    ("compare-fp16 --from {binary}", 2, "binary"),
    # -- export, models --
    ("export --models resnet18 --batch 0", 2, "--batch: 0 is out of range"),
    ("export --models resnet18 --formats ,", 2, "--formats ',': empty list"),
    ("export --models resnet18 --formats onnxx", 2, "unknown format 'onnxx' (did you mean: onnx?)"),
    ("export --models resnet18 --resolution 0", 2, "--resolution: 0 is out of range"),
    ("export --models pta:LLL,checkpoint={checkpoint_txt}", 2, "is not a PyTorch checkpoint"),
    ("models resnet18:", 2, "malformed model spec 'resnet18:'"),
    ("models --set X", 2, "unknown set 'X'"),
    ("models --resolution 8 resnet18", 2, "--resolution: 8 is out of range"),
    ("models mobilenet_v2:dropout=1.5", 2, "dropout=1.5 is out of range"),
    ("models densenet121:drop_rate=-0.1", 2, "drop_rate=-0.1 is out of range"),
    # -- estimate, plot: garbage in is refused, never a plausible chart --
    ("estimate", 2, "give either --landmarks L.csv or --from-results RUN.csv"),
    ("estimate --landmarks /nonexistent.csv --predict resnet18", 2, "not found"),
    ("estimate --landmarks {landmarks_bad} --predict resnet18", 2,
     "line 2: throughput 'fast' is not a number"),
    ("estimate --from-results {inf} --runtime onnxruntime", 2, "throughput 'inf' is not a finite"),
    ("plot params --from {inf}", 2, "line 2: throughput 'inf' is not a finite number"),
    ("plot accuracy --from {abc}", 2, "line 4: throughput 'abc' is not a number"),
    ("plot bars --from {nan}", 2, "throughput 'nan' is not a finite number"),
    ("plot fp16 --from {fp32only}", 2, "fp16"),
    ("plot bars --from {nocol}", 2, "lacks column"),
    ("plot bars --from {empty}", 2, "is empty"),
    ("plot bars --from {header}", 2, "has a header but no rows"),
    ("plot bars --from {binary}", 2, "binary"),
    ("plot bars --from {semicolon}", 2, "{semicolon}"),
    ("plot bars --from {dir}", 2, "is a directory"),
    ("plot bars --from {existing} --size 10x10", 2, "--size 10x10"),
    ("plot nope --from {existing}", 2, "invalid choice: 'nope'"),
    # -- sustained, cooldown, device lists, leases --
    ("sustained --model resnet18 --runtime onnxruntime --minutes 0", 2, "--minutes"),
    ("sustained --model resnet18 --runtime onnxruntime --interval 0.1", 2, "--interval"),
    ("sustained --model resnet18 --runtime onnxruntime --minutes 0.01 --interval 5", 2,
     "--interval 5 s is longer than --minutes 0.01"),
    ("sustained --model nosuchnet --runtime onnxruntime --out {dir}/s.csv", 2,
     "unknown model 'nosuchnet'"),
    ("run --cooldown hot --out {dir}/c.csv", 2, "--cooldown 'hot': expected a temperature"),
    ("run --cooldown 200 --out {dir}/c.csv", 2, "between 0 and 150"),
    ("run --cooldown-max-s -5 --out {dir}/c.csv", 2, "--cooldown-max-s"),
    ("run --lock-timeout -1 --out {dir}/c.csv", 2, "--lock-timeout"),
    ("run --device @nolab --out {dir}/c.csv", 2, "unknown device group 'nolab'"),
    ("run --device , --out {dir}/c.csv", 2, "no device named"),
    ("plot energy --from {existing}", 2, "energy_mj_per_inference"),
    # -- evaluate --
    ("evaluate --models pta:LLL --data {dir}/missing", 2, "no such folder"),
    ("evaluate --models pta:LXZ --data {dir}", 2, "PTA configuration 'LXZ'"),
    # -- profile --
    ("profile --models mobilenet_v2 --runtime onnxrt --out {dir}/p.csv", 2,
     "unknown runtime 'onnxrt' (did you mean: onnxruntime?)"),
    ("profile --models nosuchnet --runtime onnxruntime --out {dir}/p.csv", 2,
     "unknown model 'nosuchnet'"),
    ("profile --models mobilenet_v2 --runtime onnxruntime --runs 0 --out {dir}/p.csv", 2,
     "--runs: 0 is out of range"),
    # -- report --
    ("report /nonexistent.csv", 2, "CSV /nonexistent.csv not found"),
    ("report {empty}", 2, "{empty} is empty"),
    ("report {nocol}", 2, "is none of the CSVs bench writes"),
    ("report {existing} -o {dir}/missing/r.html", 2, "no directory {dir}/missing"),
    # -- diff --
    ("diff /nonexistent.csv {existing}", 2, "results CSV /nonexistent.csv not found"),
    ("diff {existing} {empty}", 2, "{empty} is empty"),
    ("diff {binary} {existing}", 2, "is a binary file, not a CSV file"),
    ("diff {existing} {nocol}", 2, "have different columns"),
    ("diff {existing} {existing}", 2, "not a bench run CSV: it lacks format, trial_throughputs"),
    ("diff {existing} {existing} --fail-slower 100", 2, "--fail-slower: 100.0 is out of range"),
    # -- the lab --
    ("worker --lab http://x --devices local", 2, "expected redis://HOST:PORT/0"),
    ("worker --lab redis://127.0.0.1:1/0 --devices nano", 2, "unknown device 'nano'"),
    ("worker --lab redis://127.0.0.1:1/0 --devices ,", 2, "--devices: name this host's devices"),
    ("run --lab redis://:pw@127.0.0.1:1/0 --device nano --out {dir}/l.csv", 2,
     "BENCH_LAB_PASSWORD"),
    ("run --lab redis://127.0.0.1:1/0 --device @lab --out {dir}/l.csv", 2, "@lab"),
    # -- doctor, the command line itself --
    ("doctor --device nano", 2, "unknown device 'nano'"),
    ("bogus", 2, "invalid choice: 'bogus'"),
]


call = call_main  # bench's main() in this process (tests/conftest.py)


@pytest.mark.parametrize("line, code, phrase", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_with_its_exit_code(files, line, code, phrase, monkeypatch):
    monkeypatch.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    argv = [a.format(**files) for a in line.split()]
    res = call(argv)
    assert_one_line_error(res, code, phrase.format(**files))


def test_the_table_covers_every_command_and_enough_cases():
    from bench.cli.main import build_parser
    from bench.cli.commands import COMMANDS

    build_parser()
    covered = {c[0].split()[0] for c in CASES}
    assert set(COMMANDS.names()) <= covered
    assert len(CASES) >= 60
