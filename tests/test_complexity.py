import pytest

from bench.models import build_model, complexity


def test_sanity_anchor_mobilenet_v2_two_classes_at_128():
    cx = complexity(build_model("mobilenet_v2:num_classes=2"), 128)
    assert round(cx.params_m, 2) == 2.23
    assert abs(cx.macs_m - 104) < 1.0, cx.macs_m


def test_pta_hhh_equals_mobilenet_v2_complexity():
    base = complexity(build_model("mobilenet_v2:num_classes=2"), 128)
    hhh = complexity(build_model("pta:HHH"), 128)
    assert hhh.params == base.params
    assert hhh.macs == base.macs


def test_active_parameters_order_lll_lightest_bbb_heaviest():
    cx = {c: complexity(build_model("pta:" + c), 128)
          for c in ("HHH", "LHH", "HLH", "HHL", "LLL", "BBB")}
    params = {c: v.params for c, v in cx.items()}
    assert min(params, key=params.get) == "LLL"
    assert max(params, key=params.get) == "BBB"
    for c in ("LHH", "HLH", "HHL"):
        assert params["LLL"] < params[c] < params["HHH"] < params["BBB"]
        assert cx["LLL"].macs < cx[c].macs < cx["HHH"].macs < cx["BBB"].macs


def test_macs_scale_with_resolution():
    m = build_model("resnet18")
    assert complexity(m, 224).macs > 3 * complexity(m, 112).macs


@pytest.mark.parametrize("spec, top1", [("resnet18", 69.758), ("mobilenet_v2", None)])
def test_imagenet_top1_from_metadata(spec, top1):
    cx = complexity(build_model(spec), 64)
    if top1 is None:
        assert cx.top1 is not None and 60 < cx.top1 < 80
    else:
        assert cx.top1 == top1


def test_no_top1_for_modified_models():
    assert complexity(build_model("resnet18:num_classes=2"), 64).top1 is None
    assert complexity(build_model("pta:HHH"), 64).top1 is None
