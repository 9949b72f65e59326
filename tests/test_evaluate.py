"""``bench evaluate``: anti-spoofing metrics, the face folder, a tiny trained PTA checkpoint,
the ONNX path, the --speed join and every bad input's one line (issue 15).

Everything is generated here: 16 live and 16 spoof crops of assorted sizes (smooth shading
for live faces, the stripes of a screen replay's moire for attacks) and a checkpoint that
:func:`bench.quality.train.train_pta` trains on them in seconds at 32 x 32. Nothing is
downloaded; one ONNX export in the whole file.
"""

import csv
import os

import numpy as np
import pytest

from bench.errors import BenchError
from bench.quality.metrics import decide_live, live_score, quality
from conftest import assert_one_line_error, call_main

RES = "32"


def make_faces(root, n=16, seed=0):
    """``root/live`` and ``root/spoof`` with ``n`` crops each (one jpg, the rest png)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for label in ("live", "spoof"):
        os.makedirs(os.path.join(root, label), exist_ok=True)
        for i in range(n):
            h, w = int(rng.integers(32, 49)), int(rng.integers(32, 49))
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
            theta = rng.uniform(0, np.pi)
            u = xx * np.cos(theta) + yy * np.sin(theta)
            period = rng.uniform(60, 120) if label == "live" else rng.uniform(4, 6)
            wave = (35 if label == "live" else 45) * np.sin(2 * np.pi * u / period +
                                                              rng.uniform(0, 6.3))
            img = rng.uniform(90, 200, size=3)[None, None, :] + wave[..., None] + \
                rng.normal(0, 6, size=(h, w, 3))
            name = "{}{:02d}{}".format(label, i, ".jpg" if i == 0 else ".png")
            Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(
                os.path.join(root, label, name), quality=95)
    return str(root)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """The generated folder, a trained checkpoint, and a config whose results and export
    cache live in a temporary folder (one torch thread: the suite shares two cores)."""
    import torch

    from bench.quality.train import train_pta

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("evaluate")
    faces = make_faces(str(root / "faces"))
    ckpt = str(root / "pta32.pt")
    summary = train_pta(faces, ckpt, resolution=32, steps=30, seed=0, batch_size=16, lr=3e-3)
    config = root / "bench.toml"
    config.write_text('[run]\nresults_dir = "{}"\n[export]\ndir = "{}"\n'.format(
        root / "results", root / "models"))
    yield {"root": str(root), "faces": faces, "ckpt": ckpt, "config": str(config),
           "summary": summary}
    torch.set_num_threads(threads)


call = call_main  # bench's main() in this process (tests/conftest.py)


def evaluate(work, *args):
    return call(["evaluate", "--config", work["config"], "--resolution", RES] + list(args))


def read_csv(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


# -- metrics: hand-computed cases ------------------------------------------------------

def test_metrics_match_hand_computed_cases():
    labels = [0, 0, 0, 0, 1, 1, 1, 1, 1]  # 0 spoof, 1 live (unequal counts on purpose)
    scores = [0.9, 0.8, 0.7, 0.1,  # 3 of 4 spoofs called live
              0.9, 0.2, 0.6, 0.7, 0.8]  # 1 of 5 live faces called spoof
    q = quality(labels, scores)
    assert (q["n_live"], q["n_spoof"], q["spoof_as_live"], q["live_as_spoof"]) == (5, 4, 3, 1)
    assert q["apcer"] == pytest.approx(75.0)
    assert q["bpcer"] == pytest.approx(20.0)
    assert q["acer"] == pytest.approx(47.5)
    assert q["accuracy"] == pytest.approx(100.0 * 5 / 9)
    strict = quality(labels, scores, threshold=0.75)  # spoofs 0.9, 0.8 live; lives 0.2-0.7 not
    assert (strict["apcer"], strict["bpcer"], strict["acer"]) == (50.0, 60.0, 55.0)
    assert quality([0, 1, 1], [0.0, 1.0, 0.99])["acer"] == 0.0
    # a score exactly at the threshold is spoof: at 0.5 that is the arg-max's tie rule
    assert not decide_live([0.5])[0]


def test_live_score_conventions():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 2)) * 3
    s = live_score(logits)
    assert np.allclose(s, np.exp(logits[:, 1]) / np.exp(logits).sum(1))
    assert np.array_equal(decide_live(s), logits.argmax(1) == 1)  # class 1 = live
    depth = np.stack([np.full((1, 4, 4), 0.8), np.full((1, 4, 4), 0.1), np.full((1, 4, 4), 3.0)])
    assert np.allclose(live_score(depth), [0.8, 0.1, 1.0])  # mean, clipped to [0, 1]
    assert np.allclose(live_score(depth[:, 0]), [0.8, 0.1, 1.0])  # N x H x W
    two = np.array([[0.2, 0.6], [0.9, 0.9]])  # N x 2 read as logits, unless declared depth
    assert np.allclose(live_score(two[None], "depth"), [0.65])
    for bad, kind, phrase in ((np.zeros((2, 1000)), None, "num_classes=2"),
                              (np.zeros((2, 3, 4, 4)), None, "depth map"),
                              (np.zeros((2, 3)), "logits", "N x 2"),
                              (np.zeros((2, 2)), "probability", "logits, depth")):
        with pytest.raises(BenchError, match=phrase) as info:
            live_score(bad, kind, "m")
        assert "\n" not in str(info.value)


def test_folder_is_read_resized_and_normalised(tmp_path):
    from PIL import Image

    from bench.quality.data import MEAN, STD, find_images

    for label, colour in (("live", (255, 0, 0)), ("spoof", (0, 0, 255))):
        os.makedirs(str(tmp_path / label / "subject1"))
        Image.new("RGB", (40, 24), colour).save(str(tmp_path / label / "subject1" / "a.png"))
        Image.new("L", (7, 7), 128).save(str(tmp_path / label / "b.jpg"))
        (tmp_path / label / "notes.txt").write_text("not an image")
    folder = find_images(str(tmp_path))
    assert (folder.n_live, folder.n_spoof, folder.ignored) == (2, 2, 2)
    assert list(folder.labels) == [1, 1, 0, 0]
    x = np.concatenate(list(folder.batches(16, size=3)))
    assert x.shape == (4, 3, 16, 16) and x.dtype == np.float32
    red = (np.array([1.0, 0.0, 0.0]) - MEAN) / STD  # /255, ImageNet mean and std, RGB
    assert np.allclose(x[1, :, 8, 8], red, atol=1e-5)  # live/b.jpg sorts before live/subject1
    assert np.allclose(x[0, :, 3, 3], (128 / 255.0 - MEAN) / STD, atol=0.02)  # grey -> RGB


def test_checkpoint_goes_only_where_a_model_takes_one():
    from bench.models import select_models
    from bench.quality.evaluate import weights_of, with_checkpoint
    from bench.cli.cmd_evaluate import speed_key

    base, lll = select_models(["mobilenet_v2:num_classes=2", "pta:LLL"])
    assert with_checkpoint(base, "/x/c.pt") is base and weights_of(base.spec) == "random"
    got = with_checkpoint(lll, "/x/c.pt")
    assert got.name == "pta:LLL,checkpoint=/x/c.pt" and weights_of(got.spec) == "checkpoint"
    assert speed_key(got.name) == "pta:LLL" == speed_key("pta:config=LLL")
    with pytest.raises(BenchError, match="give one of them"):
        with_checkpoint(got, "/y/other.pt")


def test_training_is_seeded(tmp_path, work):
    import torch

    from bench.quality.train import train_pta

    a, b = str(tmp_path / "a.pt"), str(tmp_path / "b.pt")
    for path in (a, b):
        train_pta(work["faces"], path, resolution=32, steps=2, seed=5, batch_size=8)
    sa, sb = torch.load(a), torch.load(b)
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


# -- the command on the generated folder -----------------------------------------------

def test_trained_checkpoint_beats_chance_and_the_baseline_says_random(work):
    out = os.path.join(work["root"], "eager.csv")
    res = evaluate(work, "--models", "pta:HHH", "pta:LLL", "mobilenet_v2:num_classes=2",
                   "--data", work["faces"], "--checkpoint", work["ckpt"], "-o", out)
    assert res.returncode == 0, res.stderr
    rows = {r["model"].split(",")[0]: r for r in read_csv(out)}
    hhh, lll, base = rows["pta:HHH"], rows["pta:LLL"], rows["mobilenet_v2:num_classes=2"]
    assert hhh["weights"] == "checkpoint" and hhh["checkpoint"] == work["ckpt"]
    assert (hhh["n_live"], hhh["n_spoof"], hhh["config"]) == ("16", "16", "HHH")
    assert float(hhh["acer"]) <= 15.0, hhh  # chance is 50
    assert float(lll["acer"]) <= 30.0, lll
    assert float(lll["params_m"]) < float(hhh["params_m"])  # active parameters of LLL
    for r in (hhh, lll):
        apcer, bpcer = float(r["apcer"]), float(r["bpcer"])
        assert float(r["acer"]) == pytest.approx((apcer + bpcer) / 2, abs=1e-3)
        assert float(r["apcer"]) == pytest.approx(100.0 * int(r["spoof_as_live"]) / 16, abs=1e-3)
    assert base["weights"] == "random" and base["config"] == "No PTA"
    assert "random weights" in res.stderr and "mobilenet_v2:num_classes=2" in res.stderr
    header = res.stdout.splitlines()[0].split()
    assert header == ["model", "weights", "format", "n_live", "n_spoof", "accuracy", "apcer",
                      "bpcer", "acer"]
    assert "results: {}".format(out) in res.stdout


def test_scores_are_the_softmax_of_class_1_of_the_eager_model(work):
    """The plumbing, checked independently: labels from folders, class 1 = live."""
    import torch

    from bench.models import build_model
    from bench.quality.data import find_images
    from bench.quality.evaluate import Options, evaluate_request
    from bench.models import select_models

    folder = find_images(work["faces"])
    req = select_models(["pta:HLH,checkpoint=" + work["ckpt"]], resolution=32)[0]
    row = evaluate_request(req, folder, Options())
    module = build_model(req.spec).module
    with torch.no_grad():
        logits = module(torch.from_numpy(np.concatenate(list(folder.batches(32))))).numpy()
    live = logits.argmax(1) == 1
    spoof = folder.labels == 0
    assert row["spoof_as_live"] == int((live & spoof).sum())
    assert row["live_as_spoof"] == int((~live & ~spoof).sum())


def test_onnx_keeps_the_decisions_of_eager(work):
    out = os.path.join(work["root"], "onnx.csv")
    res = evaluate(work, "--models", "pta:LLL", "--data", work["faces"], "--checkpoint",
                   work["ckpt"], "--format", "onnx", "-o", out)
    assert res.returncode == 0, res.stderr
    (row,) = read_csv(out)
    assert (row["format"], row["runtime"], row["batch"]) == ("onnx", "onnxruntime", "1")
    assert row["decisions_differ"] == "0"
    assert float(row["score_max_diff"]) < 1e-4
    assert "score_max_diff" in res.stdout.splitlines()[0]
    eager = [r for r in read_csv(os.path.join(work["root"], "eager.csv"))
             if r["model"].startswith("pta:LLL")]
    if eager:  # the eager test ran first: same quality through the export
        assert (row["apcer"], row["bpcer"], row["acer"]) == (
            eager[0]["apcer"], eager[0]["bpcer"], eager[0]["acer"])


def test_a_switchable_artifact_keeps_each_configurations_quality(work):
    """Two configurations through the one switchable ONNX file: each row's scores are its
    own configuration's eager scores (a wrong selection would differ from them)."""
    out = os.path.join(work["root"], "switchable.csv")
    res = evaluate(work, "--models", "pta:LLL,switchable=true", "pta:HHL,switchable=true",
                   "--data", work["faces"], "--checkpoint", work["ckpt"], "--format", "onnx",
                   "-o", out)
    assert res.returncode == 0, res.stderr
    rows = read_csv(out)
    assert [r["model"].split(",")[0] for r in rows] == ["pta:LLL", "pta:HHL"]
    for row in rows:
        assert row["decisions_differ"] == "0" and float(row["score_max_diff"]) < 1e-4, row


def write_run_csv(path, rows):
    columns = ("device", "model", "format", "runtime", "precision", "resolution", "batch",
               "params_m", "throughput", "status")
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, columns, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(dict({"device": "local", "precision": "fp32", "batch": 1,
                             "resolution": 32, "status": "ok"}, **r))


def test_speed_join_matches_models_without_their_checkpoint(work):
    run = os.path.join(work["root"], "run.csv")
    write_run_csv(run, [
        {"model": "pta:HHH", "runtime": "onnxruntime", "format": "onnx", "throughput": 900},
        {"model": "pta:LLL", "runtime": "onnxruntime", "format": "onnx", "throughput": 1300},
        {"model": "pta:HHH", "runtime": "torch", "format": "eager", "throughput": 90},
        {"model": "pta:LLL,checkpoint=elsewhere.pt", "runtime": "torch", "format": "eager",
         "throughput": 120},
        {"model": "pta:LLL", "runtime": "torch", "format": "eager", "throughput": 7,
         "resolution": 128},  # another resolution: not this evaluation's
        {"model": "pta:HHH", "runtime": "tflite", "format": "tflite", "throughput": "",
         "status": "failed"},
    ])
    out = os.path.join(work["root"], "joined.csv")
    res = evaluate(work, "--models", "pta:HHH", "pta:LLL", "pta:BBB", "--data", work["faces"],
                   "--checkpoint", work["ckpt"], "--speed", run, "-o", out)
    assert res.returncode == 0, res.stderr
    joined = read_csv(os.path.join(work["root"], "joined-speed.csv"))
    got = {(r["model"], r["runtime"]): float(r["throughput"]) for r in joined}
    assert got == {("pta:HHH", "onnxruntime"): 900, ("pta:LLL", "onnxruntime"): 1300,
                   ("pta:HHH", "torch"): 90, ("pta:LLL", "torch"): 120}
    quality_rows = {r["model"].split(",")[0]: r for r in read_csv(out)}
    for r in joined:
        assert r["acer"] == quality_rows[r["model"]]["acer"]
    assert "no throughput for pta:BBB at r32" in res.stderr
    table = res.stdout[res.stdout.index("Quality and speed"):]
    assert "onnxruntime inf/s" in table and "torch inf/s" in table and "params_m" in table
    assert os.path.getsize(os.path.join(work["root"], "joined-speed.png")) > 10000
    redrawn = os.path.join(work["root"], "redrawn.png")  # bench plot quality re-draws it
    res = call(["plot", "quality", "--from", os.path.join(work["root"], "joined-speed.csv"),
                "--out", redrawn])
    assert res.returncode == 0, res.stderr
    assert os.path.getsize(redrawn) > 10000


# -- bad input: one line, exit 2 ---------------------------------------------------------

@pytest.fixture(scope="module")
def bad(work):
    """Broken folders and files, made once."""
    import shutil

    import torch

    from bench.models.pta import PTAMobileNetV2

    root = os.path.join(work["root"], "bad")
    os.makedirs(os.path.join(root, "empty"))
    os.makedirs(os.path.join(root, "flat"))
    shutil.copy(os.path.join(work["faces"], "live", "live01.png"), os.path.join(root, "flat"))
    os.makedirs(os.path.join(root, "onlylive", "live"))
    shutil.copy(os.path.join(work["faces"], "live", "live01.png"),
                os.path.join(root, "onlylive", "live"))
    shutil.copytree(work["faces"], os.path.join(root, "noimages"))
    for name in os.listdir(os.path.join(root, "noimages", "spoof")):
        os.remove(os.path.join(root, "noimages", "spoof", name))
    with open(os.path.join(root, "noimages", "spoof", "readme.txt"), "w") as fh:
        fh.write("crops go here\n")
    shutil.copytree(work["faces"], os.path.join(root, "corrupt"))
    with open(os.path.join(root, "corrupt", "spoof", "spoof03.png"), "r+b") as fh:
        fh.truncate(120)
    torch.save(PTAMobileNetV2(num_classes=3).state_dict(), os.path.join(root, "three.pt"))
    with open(os.path.join(root, "garbage.csv"), "w") as fh:
        fh.write("this is not\x00 a csv\n")
    write_run_csv(os.path.join(root, "other.csv"),
                  [{"model": "resnet18", "runtime": "torch", "format": "eager",
                    "throughput": 50}])
    return root


BAD = [
    ("--models pta:LLL --data {root}/missing", "--data {root}/missing: no such folder"),
    ("--models pta:LLL --data {root}/empty", "--data {root}/empty is empty"),
    ("--models pta:LLL --data {root}/flat", "has neither live/ nor spoof/ (it has: live01.png)"),
    ("--models pta:LLL --data {root}/onlylive", "{root}/onlylive has no spoof/"),
    ("--models pta:LLL --data {root}/noimages",
     "{root}/noimages/spoof has no png/jpg images (it has: readme.txt)"),
    ("--models pta:LLL --data {root}/corrupt",
     "cannot read image {root}/corrupt/spoof/spoof03.png"),
    ("--models pta:LLL --data {faces} --checkpoint {root}/three.pt",
     "does not fit this network: classifier.1.weight has shape (3, 1280), expected (2, 1280)"),
    ("--models pta:LLL --data {faces} --checkpoint {root}/none.pt",
     "--checkpoint {root}/none.pt not found"),
    ("--models pta:XYZ --data {faces}", "PTA configuration 'XYZ': expected 3 letters"),
    ("--models pta:LLL --data {faces} --speed {root}/garbage.csv",
     "--speed CSV {root}/garbage.csv is a binary file"),
    ("--models pta:LLL --data {faces} --speed {root}/other.csv",
     "has no ok throughput for any model evaluated here (it has: resnet18 r32)"),
    ("--models resnet18 --data {faces}", "resnet18 has 1000 classes"),
    ("--models pta:LLL --data {faces} --threshold 1.5", "--threshold 1.5"),
    ("--models mobilenet_v2:num_classes=2 --data {faces} --checkpoint {ckpt}",
     "none of mobilenet_v2:num_classes=2 takes a checkpoint key"),
]


@pytest.mark.parametrize("line, phrase", BAD, ids=[b[1][:40] for b in BAD])
def test_bad_input_is_one_line_exit_2(work, bad, line, phrase):
    names = {"root": bad, "faces": work["faces"], "ckpt": work["ckpt"]}
    out = os.path.join(bad, "out.csv")
    res = evaluate(work, *(line.format(**names).split() + ["-o", out]))
    assert_one_line_error(res, 2, phrase.format(**names))
    assert not os.path.exists(out)  # refused before the first row: no half-written file
