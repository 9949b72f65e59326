"""One switchable PTA artifact for every configuration (`pta:LLL,switchable=true`).

ONNX: one graph taking the configuration as an input; TFLite: one file with a signature
per standard configuration. Both are checked against eager PyTorch in every
configuration they hold, switched inside one open session, and measured by `bench run`
with the switch latency. The exports come once per session (tests/switchable_fixtures.py).
"""

import itertools
import os

import numpy as np
import pytest

from bench.artifacts import artifact_request
from bench.errors import SpecError
from bench.models import build_model, resolve_spec, select_models
from bench.models.pta import STANDARD_CONFIGS
from bench.models.pta_switch import CONFIG_INPUT, selection_for
from bench.results_csv import read_rows
from bench.runtimes import get_runtime
from bench.runtimes.select import apply_selection
from switchable_fixtures import RESOLUTION, switchable_cache  # noqa: F401

RUNTIME = {"onnx": "onnxruntime", "tflite": "tflite"}


@pytest.fixture(scope="module")
def eager():
    """The PTA network the artifacts were exported from (same seed: same weights)."""
    return build_model("pta:HHH")


def eager_output(eager, config, x):
    import torch

    eager.module.set_config(config)
    with torch.no_grad():
        return eager.module(torch.from_numpy(x)).numpy()


def example():
    return np.random.default_rng(3).standard_normal((1, 3, RESOLUTION, RESOLUTION)).astype(np.float32)


def test_the_set_lists_six_specs_that_share_one_artifact():
    requests = select_models(["pta-switchable"])
    assert [r.name for r in requests] == ["pta:{},switchable=true".format(c) for c in STANDARD_CONFIGS]
    assert {r.resolution for r in requests} == {128}
    assert {artifact_request(r).name for r in requests} == {"pta:switchable=true"}
    frozen = select_models(["pta:LLL"])[0]
    assert artifact_request(frozen) is frozen  # a frozen configuration names its own file


def test_an_unknown_configuration_is_refused():
    with pytest.raises(SpecError, match="PTA configuration 'LXZ'"):
        resolve_spec("pta:LXZ,switchable=true")


def test_onnx_takes_any_of_the_27_configurations_as_an_input(switchable_cache, eager):
    _, artifacts, _ = switchable_cache
    art = artifacts["onnx"]
    switch = art.manifest["details"]["switchable"]
    assert switch["kind"] == "input" and switch["input"] == CONFIG_INPUT and switch["if_nodes"] >= 3
    parity = art.parity
    assert parity["ok"] and sorted(parity["configs"]) == sorted(STANDARD_CONFIGS), parity
    x = example()
    session = get_runtime("onnxruntime").open(art.path, "fp32", "cpu", 1)
    first = selection_for(art.manifest, "HHH")
    session = apply_selection(session, first, "onnxruntime")
    try:
        assert [i["name"] for i in session.inputs()] == ["input"]  # the selector is hidden
        session.set_inputs([x])
        for letters in itertools.product("HLB", repeat=3):
            config = "".join(letters)
            session.switch(selection_for(art.manifest, config))
            session.run()
            out, ref = session.output(), eager_output(eager, config, x)
            assert np.abs(out - ref).max() < 1e-4, config
            assert out.argmax() == ref.argmax(), config
    finally:
        session.close()


def test_onnx_weights_live_in_their_branches(switchable_cache):
    import onnx

    _, artifacts, frozen = switchable_cache
    model = onnx.load(artifacts["onnx"].path)
    inside = [init for node in model.graph.node if node.op_type == "If"
              for attr in node.attribute for init in attr.g.initializer]
    assert len(inside) > 0  # localized: onnxruntime pre-packs them (see pta_switch)

    def ifs(graph):
        for node in graph.node:
            if node.op_type == "If":
                yield node
                for attr in node.attribute:
                    yield from ifs(attr.g)

    for node in ifs(model.graph):  # onnx-tensorrt: the two branches' outputs differ in name
        branches = {attr.name: attr.g for attr in node.attribute}
        then_out = [o.name for o in branches["then_branch"].output]
        else_out = [o.name for o in branches["else_branch"].output]
        assert not set(then_out) & set(else_out), node.name
    # every weight is stored once: the file is no bigger than the frozen BBB graph, which
    # holds every branch too
    assert os.path.getsize(artifacts["onnx"].path) <= 1.05 * os.path.getsize(frozen["onnx"].path)


def test_tflite_is_one_file_with_a_signature_per_configuration(switchable_cache, eager):
    from ai_edge_litert.interpreter import Interpreter

    _, artifacts, frozen = switchable_cache
    art = artifacts["tflite"]
    assert art.manifest["details"]["switchable"] == {"kind": "signature",
                                                      "configs": list(STANDARD_CONFIGS)}
    assert sorted(Interpreter(model_path=art.path).get_signature_list()) == sorted(STANDARD_CONFIGS)
    assert art.parity["ok"] and sorted(art.parity["configs"]) == sorted(STANDARD_CONFIGS)
    size, bbb = os.path.getsize(art.path), os.path.getsize(frozen["tflite"].path)
    assert size <= 1.3 * bbb, (size, bbb)  # the target: weights stored once
    with pytest.raises(SpecError, match="LHB is not in the switchable tflite file"):
        selection_for(art.manifest, "LHB")


@pytest.mark.parametrize("fmt", ["onnx", "tflite"])
def test_one_session_switches_configuration_between_inferences(switchable_cache, eager, fmt):
    _, artifacts, _ = switchable_cache
    art, runtime = artifacts[fmt], RUNTIME[fmt]
    x = example()
    session = get_runtime(runtime).open(art.path, "fp32", "cpu", 1)
    session = apply_selection(session, selection_for(art.manifest, "LLL"), runtime)
    try:
        assert len(session.inputs()) == 1
        session.set_inputs([x])
        for config in ("LLL", "BBB", "HHL", "LLL"):
            session.switch(selection_for(art.manifest, config))
            session.run()
            assert np.abs(session.output() - eager_output(eager, config, x)).max() < 1e-4, config
    finally:
        session.close()


def test_bench_run_measures_configurations_through_the_one_file(cli, switchable_cache, tmp_path):
    config, _, _ = switchable_cache
    cfg = tmp_path / "bench.toml"
    cfg.write_text('[export]\ndir = "{}"\n'.format(config.dir))
    out = tmp_path / "run.csv"
    res = cli("run", "--config", str(cfg), "--out", str(out), "--no-plot", "--models",
              "pta:LLL,switchable=true", "pta:HHL,switchable=true", "pta:LHB,switchable=true",
              "--runtimes", "onnxruntime,tflite,torchscript", "--resolution", str(RESOLUTION),
              "--repeats", "2", "--trials", "3", "--warmup", "1")
    assert res.returncode == 2, res.stderr  # the LHB tflite row is bad input
    assert "Traceback" not in res.stderr
    rows = {(r["model"], r["runtime"]): r for r in read_rows(str(out))}
    for runtime in ("onnxruntime", "tflite"):
        lll, hhl = rows[("pta:LLL,switchable=true", runtime)], rows[("pta:HHL,switchable=true", runtime)]
        for row in (lll, hhl):
            assert row["status"] == "ok", row["error"]
            assert float(row["switch_ms"]) > 0 and float(row["throughput"]) > 0
            assert row["parity_argmax_agree"] == "true"
        assert lll["artifact_key"] == hhl["artifact_key"] and lll["artifact_mb"] == hhl["artifact_mb"]
    assert rows[("pta:LHB,switchable=true", "onnxruntime")]["status"] == "ok"
    lhb = rows[("pta:LHB,switchable=true", "tflite")]
    assert lhb["status"] == "invalid" and "its signatures: HHH, LHH, HLH, HHL, LLL, BBB" in lhb["error"]
    ts = rows[("pta:LLL,switchable=true", "torchscript")]
    assert ts["status"] == "unsupported"
    assert "switchable PTA artifacts are onnx, tflite, tensorrt files" in ts["error"]


def test_bench_export_refuses_a_format_that_holds_one_configuration(cli, tmp_path):
    cfg = tmp_path / "bench.toml"
    cfg.write_text('[export]\ndir = "{}"\n'.format(tmp_path / "models"))
    res = cli("export", "--config", str(cfg), "--models", "pta:LLL,switchable=true",
              "--formats", "torchscript", "--resolution", "32")
    assert res.returncode != 0
    assert "torchscript holds one configuration per file" in res.stderr + res.stdout
    assert "Traceback" not in res.stderr


def test_phone_flags_and_messages_for_a_signature():
    from bench.devices.adb.benchmark import benchmark_flags, classify_failure, ignored_signature
    from bench.devices.adb.config import AdbDeviceConfig
    from bench.measure.messages import Candidate, MeasureJob

    cand = Candidate(key="k", artifact="/data/local/tmp/m.tflite",
                     select={"name": "LLL", "signature": "LLL"})
    job = MeasureJob(id="1", runtime="tflite", candidates=[cand])
    flags, _, _ = benchmark_flags(job, cand, AdbDeviceConfig(serial="x"))
    assert "--signature_to_run_for=LLL" in flags
    old = "INFO: STARTING!\nWARN: Unconsumed cmdline flags: --signature_to_run_for=LLL\n"
    assert "does not know --signature_to_run_for" in ignored_signature(old, "LLL")
    assert ignored_signature("INFO: Using signature: LLL\n", "LLL") is None
    text = ('ERROR: Signature not specified or incorrect for graph with multiple signatures. Pass '
            'one of the following to the flag "--signature_to_run_for"\nERROR:  #> Signature key: '
            'HHH\nERROR:  #> Signature key: LLL\nERROR: Benchmarking failed.\n')
    status, message = classify_failure(1, text, "benchmark_model", "arm64-v8a", "cpu")
    assert status == "failed" and "(it has: HHH, LLL)" in message
