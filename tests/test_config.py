import os

import pytest

from bench.config import Config, ExportConfig, RunConfig, load_config
from bench.errors import ConfigError
from conftest import REPO


def write(tmp_path, text):
    path = tmp_path / "bench.toml"
    path.write_text(text)
    return str(path)


def test_shipped_bench_toml_loads_with_defaults_equal_to_dataclasses():
    cfg = load_config("bench.toml")
    assert cfg.run == RunConfig()
    assert cfg.export == ExportConfig()


def test_values_are_typed_and_frozen(tmp_path):
    cfg = load_config(write(tmp_path, '[run]\nmodels = ["zoo", "pta:LHH"]\nresolution = 160\n'
                                      'max_measure_s = 1\n[sets]\nmine = ["resnet18"]\n'))
    assert cfg.run.models == ("zoo", "pta:LHH")
    assert cfg.run.resolution == 160
    assert cfg.run.max_measure_s == 1.0 and isinstance(cfg.run.max_measure_s, float)
    assert cfg.run.trials is None and cfg.run.repeats is None  # sized by time, adaptive
    assert cfg.sets == {"mine": ("resnet18",)}
    with pytest.raises(AttributeError):
        cfg.run.batch = 4


def test_no_file_no_flag_gives_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config() == Config()


@pytest.mark.parametrize("text, needle", [
    ("[run]\nbtach = 2\n", "unknown key 'btach' (did you mean: batch?)"),
    ("[run]\nbatch = \"two\"\n", "[run].batch: expected int, got 'two'"),
    ("[run]\nbatch = true\n", "[run].batch: expected int"),
    ("[run]\nprecision = \"fp8\"\n", "[run].precision: 'fp8' is not one of fp32, fp16"),
    ("[rnu]\n", "unknown section [rnu] (did you mean: run?)"),
    ("[run\n", "not valid TOML"),
    ("[devices.nano]\nhost = \"x\"\n", "[devices].nano: missing key 'kind'"),
    ("[devices.nano]\nkind = \"telnet\"\n", "unknown device kind 'telnet'"),
    ("[run]\ntarget_ci = 0.0\n", "[run].target_ci: 0.0 is out of range: must be > 0 and < 1"),
    ("[run]\nmin_trial_s = -1\n", "[run].min_trial_s: -1.0 is out of range: must be > 0"),
    ("[run]\ntrials = 0\n", "[run].trials: 0 is out of range: must be >= 1"),
    ("[run]\ngroup_size = 0\n", "[run].group_size: 0 is out of range: must be >= 1 and <= 64"),
    ("[run]\ncpu_affinity = \"big\"\n", "[run].cpu_affinity: 'big' is not \"auto\""),
    ("[run]\nunstable_cv = 0.05\n", "unknown key 'unstable_cv'"),
    ("[run]\nmodels = []\n", "[run].models: must list at least one model or set"),
    ("[run]\nmodels = [\" \"]\n", "[run].models[0]: empty string"),
    ("[run]\ndevice = \"lab/nano\"\n", "[run].device: name 'lab/nano' is not allowed: use "
                                         "letters, digits, '_', '-' and '.'"),
    ("[export]\nonnx_opset = 99\n",
     "[export].onnx_opset: 99 is out of range: must be >= 7 and <= 23"),
    ("[export]\nonnx_opset = 6\n", "[export].onnx_opset: 6 is out of range"),
    ("[export]\nparity_atol_fp16 = 0\n", "[export].parity_atol_fp16: 0.0 is out of range: "
                                         "must be > 0"),
    ("[sets]\n\"a/b\" = [\"resnet18\"]\n", "[sets].a/b: name 'a/b' is not allowed"),
    ("[sets]\n\".hidden\" = [\"resnet18\"]\n", "name '.hidden' is not allowed"),
    ("[sets]\nmine = []\n", "[sets].mine: must list at least one model or set"),
    ("[devices.\"../up\"]\nkind = \"ssh\"\nhost = \"x\"\n",
     "[devices].../up: name '../up' is not allowed"),
    ("[devices.\"my nano\"]\nkind = \"ssh\"\nhost = \"x\"\n", "name 'my nano' is not allowed"),
])
def test_bad_config_names_file_and_key(tmp_path, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert needle in str(err.value)
    assert path in str(err.value)
    assert "\n" not in str(err.value)


def test_good_names_are_accepted(tmp_path):
    cfg = load_config(write(tmp_path, '[sets]\n"my-set_2.v1" = ["resnet18"]\n'
                                      '[devices."nano-2_b.lab"]\nkind = "ssh"\nhost = "x"\n'))
    assert list(cfg.sets) == ["my-set_2.v1"] and list(cfg.devices) == ["nano-2_b.lab"]


def test_non_utf8_config_is_one_line(tmp_path):
    path = tmp_path / "bench.toml"
    path.write_bytes(b"# caf\xe9\n[run]\nbatch = 1\n")
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    assert str(err.value) == ("{}: not UTF-8 text (byte 0xe9 at offset 5); TOML must be UTF-8: "
                              "save the file as UTF-8".format(path))


def test_onnx_opset_bounds_are_those_of_the_pinned_torch():
    from torch.onnx import _constants

    from bench import config

    assert (config.ONNX_MIN_OPSET, config.ONNX_MAX_OPSET) == (_constants.ONNX_MIN_OPSET,
                                                              _constants.ONNX_MAX_OPSET)


def test_missing_explicit_file():
    with pytest.raises(ConfigError, match="config file /nonexistent.toml not found"):
        load_config("/nonexistent.toml")


def test_ssh_device_config(tmp_path):
    cfg = load_config(write(tmp_path, '[devices.nano]\nkind = "ssh"\nhost = "10.1.2.3"\n'
                                      'user = "nvidia"\nenv = { OPENBLAS_CORETYPE = "ARMV8" }\n'
                                      'power_mode = 0\n'))
    nano = cfg.devices["nano"]
    assert (nano.kind, nano.host, nano.port, nano.user) == ("ssh", "10.1.2.3", 22, "nvidia")
    assert nano.env == {"OPENBLAS_CORETYPE": "ARMV8"}
    assert nano.trust_on_first_use is False and nano.power_mode == 0


@pytest.mark.parametrize("body, needle", [
    ('host = "x"\npassword = "hunter2"\n', "passwords are never read from the config"),
    ('host = "x"\nport = 70000\n', "[devices].nano.port: 70000 is not a TCP port"),
    ('host = "x"\nhots = "y"\n', "unknown key 'hots' (did you mean: host"),
    ('user = "nvidia"\n', "missing 1 required"),
    ('host = "x"\nenv = { A = 1 }\n', "[devices].nano.env.A: expected str"),
])
def test_bad_ssh_device_config(tmp_path, body, needle):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, '[devices.nano]\nkind = "ssh"\n' + body))
    assert needle in str(err.value)
    assert "hunter2" not in str(err.value)


def test_shipped_bench_toml_has_a_commented_jetson_example():
    text = open("bench.toml").read()
    assert '# kind = "ssh"' in text and "OPENBLAS_CORETYPE" in text


def _uncomment_block(text, header):
    """The commented ``# [devices.X]`` example of the shipped bench.toml, uncommented."""
    lines = text.splitlines()
    start = lines.index("# " + header)
    block = []
    for line in lines[start:]:
        if not line.startswith("# ") or line.startswith("# ("):
            break
        block.append(line[2:])
    return "\n".join(block) + "\n"


def test_the_shipped_jetson_example_loads_when_uncommented(tmp_path):
    from bench.devices.ssh.config import SSHDeviceConfig

    body = _uncomment_block(open(os.path.join(REPO, "bench.toml")).read(), "[devices.nano]")
    cfg = load_config(write(tmp_path, body))
    nano = cfg.devices["nano"]
    assert isinstance(nano, SSHDeviceConfig)
    assert (nano.power_mode, nano.lock_clocks, nano.env) == (0, True, {"OPENBLAS_CORETYPE": "ARMV8"})
    documented = {line.split("=")[0].strip() for line in body.splitlines() if "=" in line}
    assert documented >= {f for f in SSHDeviceConfig.__dataclass_fields__}  # every key shown
