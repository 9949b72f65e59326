import collections
import random

import pytest
import torch

from bench._torchvision import import_torchvision
from bench.errors import SpecError
from bench.models import build_model
from bench.models.pta import (TRAIN_PROBABILITIES, ConfigSampler, PTABlock, PTAMobileNetV2,
                              load_mobilenet_v2_weights, sample_config)
from conftest import assert_one_line_error

tv = import_torchvision()


def realistic_bn(model):
    """Give batch norms trained-looking statistics: at init the logits are ~1e-10."""
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=gen) * 0.2 - 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) * 0.01 + 0.01)
    return model


def differs(a, b):
    return (a - b).abs().max() > 1e-3 * a.abs().max()


def x(res=128, seed=0):
    return torch.randn(2, 3, res, res, generator=torch.Generator().manual_seed(seed))


def test_hhh_is_torchvision_mobilenet_v2():
    torch.manual_seed(1)
    ref = realistic_bn(tv.models.mobilenet_v2(num_classes=2).eval())
    pta = PTAMobileNetV2(num_classes=2).eval().set_config("HHH")
    copied = load_mobilenet_v2_weights(pta, ref.state_dict())
    assert copied == len(ref.state_dict())
    with torch.no_grad():
        out = pta(x())
        assert out.abs().max() > 1e-3  # a meaningful comparison, not of near-zeros
        assert torch.allclose(out, ref(x()), rtol=1e-5, atol=1e-6)
    assert sum(p.numel() for p in ref.parameters()) == sum(
        p.numel() for n, p in pta.named_parameters() if ".light." not in n)


def test_structure_follows_the_spec_table():
    m = PTAMobileNetV2()
    blocks = m.pta_blocks
    assert [b.light.conv[-1].num_features for b in blocks] == [64, 96, 160]
    assert all(len(b.heavy) == 2 for b in blocks)
    # weights are never shared between branches
    heavy = {id(p) for b in blocks for p in b.heavy.parameters()}
    assert not heavy & {id(p) for b in blocks for p in b.light.parameters()}


def test_both_is_the_mean_of_the_branches():
    torch.manual_seed(0)
    block = PTABlock(64).eval()
    inp = torch.randn(1, 64, 8, 8)
    with torch.no_grad():
        block.mode = "H"
        h = block(inp)
        block.mode = "L"
        l_ = block(inp)
        block.mode = "B"
        b = block(inp)
    assert differs(h, l_)
    assert torch.allclose(b, (h + l_) / 2, atol=1e-6)


def test_switching_at_run_time_changes_output_without_reload():
    m = realistic_bn(build_model("pta:HHH").module)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    outs = {}
    with torch.no_grad():
        for cfg in ("HHH", "LHH", "HLH", "HHL", "LLL", "BBB"):
            outs[cfg] = m.set_config(cfg)(x())
        back = m.set_config("HHH")(x())
    assert m.config == "HHH"
    assert torch.equal(back, outs["HHH"])
    for cfg in ("LHH", "HLH", "HHL", "LLL", "BBB"):
        assert differs(outs[cfg], outs["HHH"]), cfg
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())


@pytest.mark.parametrize("bad", ["HH", "HHHH", "XHH", "", 3])
def test_set_config_validates(bad):
    with pytest.raises(SpecError):
        PTAMobileNetV2().set_config(bad)


def test_sampling_frequencies_match_spec():
    n, tol = 100_000, 0.01  # binomial sd <= 0.0016 here, so 0.01 is over six sd
    rng = random.Random(1234)
    counts = collections.Counter(sample_config(rng) for _ in range(n))
    assert counts["BBB"] == 0
    for config, p in TRAIN_PROBABILITIES:
        assert abs(counts[config] / n - p) < tol, (config, counts[config] / n, p)


def test_sampler_is_reproducible_and_sets_the_model():
    m = PTAMobileNetV2()
    first = ConfigSampler(7).next()
    s1, s2 = ConfigSampler(7), ConfigSampler(7)
    seq1 = [s1.apply(m) for _ in range(50)]
    seq2 = [s2.next() for _ in range(50)]
    assert seq1 == seq2 and first == seq1[0]
    assert m.config == seq1[-1]
    assert len(set(seq1)) > 1


def test_checkpoint_serves_every_configuration(tmp_path):
    trained = build_model("pta:HHH", seed=5).module
    path = tmp_path / "pta.pt"
    torch.save({"state_dict": trained.state_dict()}, path)
    for cfg in ("HHH", "LHH", "BBB"):
        loaded = build_model("pta:{},checkpoint={}".format(cfg, path), seed=99).module
        with torch.no_grad():
            assert torch.equal(loaded(x()), trained.set_config(cfg)(x()))


def test_bad_checkpoints(tmp_path):
    with pytest.raises(SpecError, match="not found"):
        build_model("pta:LHH,checkpoint={}".format(tmp_path / "missing.pt"))
    wrong = tmp_path / "wrong.pt"
    torch.save(PTAMobileNetV2(num_classes=5).state_dict(), wrong)
    with pytest.raises(SpecError, match="does not fit"):
        build_model("pta:LHH,checkpoint={}".format(wrong))
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(SpecError, match="cannot load"):
        build_model("pta:LHH,checkpoint={}".format(junk))


def test_a_file_that_is_no_state_dict_is_one_line_naming_path_and_fix(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("these are not weights\n")
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    whole = tmp_path / "whole.pt"
    torch.save(PTAMobileNetV2(width_mult=0.25), str(whole))  # a pickled module, not weights
    listed = tmp_path / "list.pt"
    torch.save([torch.zeros(1)], str(listed))
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"PK\x03\x04 a zip header and then nothing")
    for path, why in ((text, "not written by torch.save"), (empty, "empty"),
                      (whole, "a whole model saved with torch.save(model)"),
                      (listed, "holds a list"), (broken, "RuntimeError")):
        with pytest.raises(SpecError) as err:
            build_model("pta:LLL,checkpoint={}".format(path))
        message = str(err.value)
        assert "\n" not in message and str(path) in message and why in message, message
        assert "is not a PyTorch checkpoint (state dict) this model can load" in message
        assert "save one with torch.save(model.state_dict(), PATH)" in message
    with pytest.raises(SpecError, match="is a directory"):
        build_model("pta:LLL,checkpoint={}".format(tmp_path))


def test_cli_text_checkpoint_is_one_line_exit_2(cli, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("weights go here\n")
    res = cli("models", "pta:LLL,checkpoint={}".format(notes))
    assert_one_line_error(res, 2, str(notes), "not a PyTorch checkpoint (state dict)",
                          "torch.save(model.state_dict(), PATH)")
    res = cli("models", "pta:LLL,checkpoint={}".format(tmp_path / "missing.pt"))
    assert_one_line_error(res, 2, str(tmp_path / "missing.pt"), "not found",
                          "pass checkpoint=PATH to an existing state dict file")
