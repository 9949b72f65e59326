"""The throughput estimator (SPEC §6): exact recovery, held-out prediction, grouping, errors."""

import csv

import pytest
from conftest import assert_one_line_error

from bench.analysis import estimator
from bench.analysis.estimate_run import estimate
from bench.analysis.estimator import Point
from bench.errors import BenchError


def hyperbola(c1, c2, i):
    return lambda p: c1 / p ** 2 + c2 / p + i


A = hyperbola(50.0, 300.0, 10.0)
B = hyperbola(2000.0, 900.0, 3.0)


def family(name, f, params):
    return [Point("{}{}".format(name, p), name, p, f(p)) for p in params]


def test_recovers_known_coefficients_exactly():
    fit = estimator.fit_points(family("a", A, (0.5, 1.0, 2.0, 4.0, 8.0)), "a")
    assert (fit.c1, fit.c2, fit.intercept) == pytest.approx((50.0, 300.0, 10.0), rel=1e-9)
    # three landmarks determine the three coefficients
    fit3 = estimator.fit_points(family("a", A, (1.0, 3.0, 9.0)), "a")
    assert (fit3.c1, fit3.c2, fit3.intercept) == pytest.approx((50.0, 300.0, 10.0), rel=1e-9)


def test_predicts_a_held_out_member_of_a_synthetic_family():
    fits = estimator.fit_families(family("a", A, (1.0, 2.0, 4.0, 8.0)))
    held_out = Point("a3", "a", 3.0, A(3.0))
    assert estimator.predict(fits, held_out) == pytest.approx(A(3.0), rel=1e-9)
    assert fits["a"].predict([3.0, 6.0]) == pytest.approx([A(3.0), A(6.0)], rel=1e-9)


def test_families_are_fitted_separately_and_beat_one_global_hyperbola():
    landmarks = family("a", A, (1.0, 2.0, 4.0, 8.0)) + family("b", B, (10.0, 20.0, 40.0, 80.0))
    tests = [Point("a3", "a", 3.0, A(3.0)), Point("b30", "b", 30.0, B(30.0))]
    est = estimate(landmarks, tests)
    assert set(est.fits) == {"a", "b"}
    assert (est.fits["b"].c1, est.fits["b"].c2, est.fits["b"].intercept) == pytest.approx(
        (2000.0, 900.0, 3.0), rel=1e-9)
    assert est.errors(tests)["mae"] == pytest.approx(0.0, abs=1e-9)
    assert est.errors(tests, naive=True)["mae"] > 1.0  # one hyperbola over both fits poorly


def test_errors_are_in_inferences_per_second():
    e = estimator.errors([100.0, 200.0], [110.0, 180.0])
    assert e["mae"] == pytest.approx(15.0)
    assert e["rmse"] == pytest.approx(((100 + 400) / 2) ** 0.5)
    assert e["mape"] == pytest.approx((0.1 + 0.1) / 2)


def test_too_few_landmarks_is_an_error_naming_the_family():
    with pytest.raises(BenchError, match=r"family b has 2 landmarks; the fit needs at least 3"):
        estimator.fit_families(family("a", A, (1.0, 2.0, 4.0)) + family("b", B, (10.0, 20.0)))
    with pytest.raises(BenchError, match="only 2 distinct parameter counts"):
        estimator.fit_points(family("a", A, (1.0, 2.0, 2.0)), "a")


def test_an_unneeded_small_family_is_skipped_a_needed_one_is_an_error():
    landmarks = family("a", A, (1.0, 2.0, 4.0)) + family("b", B, (10.0, 20.0))
    est = estimate(landmarks, predicts=[Point("a3", "a", 3.0)])
    assert set(est.fits) == {"a"} and est.skipped == {"b": 2}
    with pytest.raises(BenchError, match="family b has 2 landmarks"):
        estimate(landmarks, predicts=[Point("b30", "b", 30.0)])


def _write(path, rows, columns=("model", "throughput", "family", "params_m")):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        w.writerows(rows)
    return str(path)


def test_cli_fit_test_predict_and_out(cli, tmp_path):
    lm = _write(tmp_path / "L.csv", [("a{}".format(p), A(p), "A", p) for p in (1, 2, 4, 8)])
    test = _write(tmp_path / "T.csv", [("a3", A(3), "A", 3)])
    out = tmp_path / "P.csv"
    res = cli("estimate", "--landmarks", lm, "--test", test, "--predict",
              "mobilenet_v2:width_mult=0.6", "--out", str(out), "--no-plot")
    # the registry spec is of family mobilenet_v2, which has no landmarks: a one-line error
    assert res.returncode == 2
    assert "family mobilenet_v2 has 0 landmarks" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    res = cli("estimate", "--landmarks", lm, "--test", test, "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "C1" in res.stdout and "test over 1 models" in res.stdout
    with open(out) as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:6] == ["model", "family", "params_m", "predicted_throughput",
                                 "throughput", "abs_error"]
    t = [r for r in rows if r["role"] == "test"][0]
    assert float(t["predicted_throughput"]) == pytest.approx(A(3), rel=1e-5)
    assert (tmp_path / "P.png").stat().st_size > 1000


def test_cli_derives_family_and_params_from_the_registry(cli, tmp_path):
    specs = ["mobilenet_v2:width_mult=0.25", "mobilenet_v2:width_mult=0.5", "mobilenet_v2"]
    lm = _write(tmp_path / "L.csv", [(s, 100.0 / (i + 1)) for i, s in enumerate(specs)],
                columns=("model", "throughput"))
    cfg = tmp_path / "b.toml"
    cfg.write_text('[export]\ndir = "{}"\n'.format(tmp_path / "cache"))
    res = cli("estimate", "--config", str(cfg), "--landmarks", lm, "--predict",
              "mobilenet_v2:width_mult=0.6")
    assert res.returncode == 0, res.stderr
    assert "mobilenet_v2:width_mult=0.6  mobilenet_v2" in res.stdout


@pytest.mark.parametrize("content, needle", [
    (None, "landmarks CSV {} not found"),
    ("model,speed\nx,1\n", "lacks column throughput"),
    ("model,throughput,family,params_m\na,1,A,1\nb,2,A,2\n", "family A has 2 landmarks; the fit "
                                                             "needs at least 3"),
    ("model,throughput,family,params_m\na,fast,A,1\n", "{} line 2: throughput 'fast' is not a "
                                                       "number"),
    ("model,throughput,family,params_m\na,1,A,1\n\nb,2,A,-inf\n", "{} line 4: params_m '-inf' "
                                                                  "is not a finite number"),
    ("model,throughput,family,params_m\n,1,A,1\n", "{} line 2: model is empty"),
    ("", "landmarks CSV {} is empty"),
    (b"\x00\x01\x02binary", "landmarks CSV {} is a binary file"),
    ("dir", "landmarks CSV {} is a directory"),
])
def test_cli_bad_input_is_one_line(cli, tmp_path, content, needle):
    path = tmp_path / "L.csv"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    res = cli("estimate", "--landmarks", str(path))
    assert_one_line_error(res, 2, needle.format(path))


def test_cli_test_csv_is_checked_like_the_landmarks(cli, tmp_path):
    lm = _write(tmp_path / "L.csv", [("a{}".format(p), A(p), "A", p) for p in (1, 2, 4, 8)])
    test = _write(tmp_path / "T.csv", [("a3", "nan", "A", 3)])
    res = cli("estimate", "--landmarks", lm, "--test", test, "--no-plot")
    assert_one_line_error(res, 2, "{} line 2: throughput 'nan' is not a finite number".format(test))


RUN_COLUMNS = ("device", "model", "family", "params_m", "runtime", "precision", "resolution",
               "batch", "throughput", "status")


def test_cli_from_results_selects_one_configuration_and_plots(cli, tmp_path):
    rows = []
    for rt, scale in (("onnxruntime", 1.0), ("torch", 0.5)):
        for name, p in (("resnet18", 11.69), ("resnet34", 21.8), ("resnet50", 25.56),
                        ("resnet101", 44.55)):
            rows.append(("local", name, "resnet", p, rt, "fp32", 64, 1, scale * B(p), "ok"))
        rows.append(("local", "resnet:block=basic,layers=3-4-3-3", "resnet", 17.0, rt, "fp32", 64,
                     1, scale * B(17.0), "ok"))
    run = _write(tmp_path / "run.csv", rows, RUN_COLUMNS)
    res = cli("estimate", "--from-results", run, "--landmarks-set", "zoo")
    assert res.returncode == 2 and "several runtimes (onnxruntime, torch); pick one with " \
                                   "--runtime" in res.stderr
    res = cli("estimate", "--from-results", run, "--runtime", "onnxruntime",
              "--predict-set", "resnet:block=basic,layers=3-4-3-3")
    assert res.returncode == 0, res.stderr
    assert "naive global hyperbola" in res.stdout and "per-family fits" in res.stdout
    with open(tmp_path / "run-estimate.csv") as fh:
        test = [r for r in csv.DictReader(fh) if r["role"] == "test"]
    assert float(test[0]["abs_error"]) < 1e-3
    assert (tmp_path / "run-estimate.png").stat().st_size > 1000


@pytest.mark.parametrize("value, problem", [("inf", "is not a finite number"),
                                            ("-inf", "is not a finite number"),
                                            ("nan", "is not a finite number"),
                                            ("abc", "is not a number")])
def test_cli_from_results_refuses_a_throughput_that_is_not_a_number(cli, tmp_path, value,
                                                                     problem):
    rows = [("local", name, "resnet", p, "onnxruntime", "fp32", 64, 1, B(p), "ok")
            for name, p in (("resnet18", 11.69), ("resnet34", 21.8), ("resnet50", 25.56))]
    rows.insert(1, ("local", "resnet101", "resnet", 44.55, "onnxruntime", "fp32", 64, 1, value,
                    "ok"))  # line 3
    rows.append(("local", "resnet152", "resnet", 60.19, "onnxruntime", "fp32", 64, 1, "",
                 "crashed"))  # no throughput: fine on a row that is not ok
    run = _write(tmp_path / "run.csv", rows, RUN_COLUMNS)
    res = cli("estimate", "--from-results", run, "--no-plot")
    assert_one_line_error(res, 2, "{} line 3: throughput {!r} {}".format(run, value, problem))
    assert not (tmp_path / "run-estimate.csv").exists()
