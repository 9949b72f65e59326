import csv
import io

import pytest


def test_models_csv_is_plain_csv(cli):
    res = cli("models", "--format", "csv", "resnet18", "pta:LHH", "--resolution", "96")
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["model"] for r in rows] == ["resnet18", "pta:LHH"]
    assert list(rows[0]) == ["model", "family", "params_m", "macs_m", "resolution", "imagenet_top1",
                             "inputs", "macs_tool"]
    assert rows[0]["family"] == "resnet" and rows[0]["resolution"] == "96"
    assert float(rows[0]["imagenet_top1"]) == pytest.approx(69.758)
    assert rows[1]["imagenet_top1"] == ""


def test_models_table_for_pta_set(cli):
    res = cli("models", "--set", "pta")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["model", "family", "params_m", "macs_m", "resolution",
                                "imagenet_top1"]
    assert any(line.startswith("mobilenet_v2:num_classes=2") and " 2.226 " in line
               and " 104.2 " in line for line in lines)
    assert len(lines) == 2 + 7 + 1
    assert lines[-1] == "MACs counted with ptflops (conv, linear, batch-norm, activation, pooling)"


@pytest.mark.parametrize("args, needle", [
    (["models", "resnett18"], "unknown model 'resnett18' (did you mean: resnet18"),
    (["models", "mobilenet_v2:widht_mult=2"], "unknown key 'widht_mult'"),
    (["models", "resnet18:oops"], "'oops' is not key=value"),
    (["models", "resnet18:,"], "empty argument"),
    (["models", "--config", "tests/data/bad.toml"], "tests/data/bad.toml: not valid TOML"),
    (["models", "--config", "tests/data/unknown_key.toml"], "unknown key 'warmpu'"),
    (["models", "--config", "nope.toml"], "config file nope.toml not found"),
    (["models", "--format", "xml"], "invalid choice: 'xml'"),
    (["models", "--set", "zo"],
     "unknown set 'zo' (did you mean: zoo?); sets: pta, pta-switchable, fas, zoo, custom, all"),
    (["models", "mobilenet_v2:width_mult=0"], "model spec 'mobilenet_v2:width_mult=0': "
                                              "width_mult=0 is out of range: must be > 0"),
])
def test_bad_input_is_one_line_exit_2(cli, args, needle):
    res = cli(*args)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert needle in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stdout == ""


def test_debug_shows_the_traceback(cli):
    res = cli("models", "resnett18", "--debug")
    assert res.returncode != 0
    assert "Traceback" in res.stderr and "SpecError" in res.stderr
