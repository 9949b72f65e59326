"""Every registered model builds and runs; every set resolves (parametrised over the registry)."""

import pytest
import torch

from bench.models import MODELS, build_model, resolve_spec, select_models
from bench.models.catalog import pta  # noqa: F401  (fills the registry)
from bench.models.sets import BUILTIN_SETS


def example_spec(name):
    entry = MODELS.get(name)
    return entry.summary if entry.required else name


BUILT_IN = [n for n in MODELS.names() if n not in ("file", "py")]  # (yours: test_user_models)


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_registered_model_builds_and_runs(name):
    built = build_model(example_spec(name))
    with torch.no_grad():
        out = built.module(built.example_input(64))
    if getattr(built.module, "score_kind", "logits") == "depth":  # a FAS depth-map model
        assert out.dim() == 3 and out.shape[0] == 1
        return
    num_classes = built.spec.kwargs.get("num_classes", 1000)
    assert out.shape == (1, num_classes)
    assert torch.isfinite(out).all()
    assert built.family


@pytest.mark.parametrize("set_name", list(BUILTIN_SETS))
def test_builtin_sets_resolve(set_name):
    requests = select_models([set_name])
    assert requests
    assert len({r.name for r in requests}) == len(requests)


def test_pta_set_is_baseline_plus_six_configs_at_128():
    requests = select_models(["pta"])
    assert [r.name for r in requests] == [
        "mobilenet_v2:num_classes=2", "pta:HHH", "pta:LHH", "pta:HLH", "pta:HHL", "pta:LLL",
        "pta:BBB"]
    assert {r.resolution for r in requests} == {128}


def test_resolution_override_and_user_sets():
    requests = select_models(["mine", "pta:LHH"], {"mine": ("resnet18", "resnet18")}, 96)
    assert [(r.name, r.resolution) for r in requests] == [("resnet18", 96), ("pta:LHH", 96)]
    assert select_models(["pta:LHH"])[0].resolution == 128
    assert select_models(["resnet18"])[0].resolution == 224


def test_builder_kwargs_reach_the_model():
    m = build_model("mobilenet_v2:width_mult=0.6,num_classes=7").module
    assert m.classifier[-1].out_features == 7
    assert m.features[0][0].out_channels == 24  # _make_divisible(32 * 0.6, 8): 16 < 0.9*19.2, so 24


def test_custom_resnet_blocks_and_depths():
    basic = build_model("resnet:block=basic,layers=3-4-3-3").module
    assert [len(getattr(basic, "layer%d" % i)) for i in range(1, 5)] == [3, 4, 3, 3]
    bott = build_model("resnet:block=bottleneck,layers=3-8-10-4").module
    assert type(bott.layer1[0]).__name__ == "Bottleneck"
    assert bott.fc.in_features == 2048


def test_same_seed_same_weights():
    a = build_model("resnet18", seed=3).module.state_dict()
    b = build_model("resnet18", seed=3).module.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resolve_spec_never_builds():
    assert resolve_spec("densenet169").name == "densenet169"


def test_unknown_sets_are_called_sets():
    from bench.errors import SpecError
    from bench.models.sets import require_set

    with pytest.raises(SpecError, match=r"^unknown set 'resnet18'; sets: pta, pta-switchable, fas, "
                                        r"zoo, custom, all, "
                                        r"mine .*; resnet18 is a model: give it without --set$"):
        require_set("resnet18", {"mine": ("resnet18",)})
    assert require_set("mine", {"mine": ("resnet18",)}) == (("resnet18",), None)
    # --models takes sets and specs: a bare name close to a set (and to no model) is a set
    with pytest.raises(SpecError, match=r"^unknown set 'custm' \(did you mean: custom\?\)"):
        select_models(["custm"])
    with pytest.raises(SpecError, match=r"^unknown model 'resnett18' \(did you mean: resnet18"):
        select_models(["resnett18"])
