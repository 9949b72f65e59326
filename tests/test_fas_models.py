"""The ``fas`` set: FeatherNetA/B, CDCN, CDCN++, C-CDN, DC-CDN, and central difference
convolution with its folding into a plain convolution (bench/models/fas).

CPU time is kept low: models are built through their registry builders without the
batch-norm calibration ``build_model`` runs at 96x96 (CDCN at 96 costs seconds), and run
at 32-64 pixels; parameter counts do not depend on the resolution.
"""


import pytest
import torch
from torch import nn

from bench.errors import SpecError
from bench.models import MODELS, build_model, resolve_spec
from bench.models import registry
from bench.models.complexity import active_parameters
from bench.models.fas.cdc import CDConv2d, CrossCDConv2d, fold_cdc
from bench.models.fas.cdcn import CDCN
from bench.models.fas.feathernet import FeatherNet
from bench.models.sets import get_set
from conftest import assert_one_line_error, call_main

FAS = ("feathernet_a", "feathernet_b", "cdcn", "cdcn_pp", "c_cdn", "dc_cdn")
CDC_MODELS = ("cdcn", "cdcn_pp", "c_cdn", "dc_cdn")
# the characterization study's Table 3, millions of parameters (two decimals)
TABLE3 = {"feathernet_a": 0.35, "feathernet_b": 0.35, "cdcn": 2.25, "cdcn_pp": 2.26,
          "c_cdn": 1.25, "dc_cdn": 2.50}


def make(spec):
    """The registered builder's module for ``spec`` with its seeded random weights, eval
    mode, without build_model's batch-norm calibration (see the module docstring)."""
    resolved = resolve_spec(spec)
    torch.manual_seed(0)
    return MODELS.get(resolved.name).build(**resolved.kwargs).eval()


def images(n=2, res=32, seed=0):
    return torch.randn(n, 3, res, res, generator=torch.Generator().manual_seed(seed))


def cdc_layers(module):
    return [m for m in module.modules() if isinstance(m, CDConv2d)]


# -- every model builds and runs ---------------------------------------------------------

@pytest.mark.parametrize("name", FAS)
def test_every_model_builds_runs_and_says_how_to_score_it(name):
    m = make(name)
    with torch.no_grad():
        out = m(images(res=64))
    if name.startswith("feathernet"):
        assert m.score_kind == "logits" and tuple(out.shape) == (2, 2)
        assert MODELS.get(name).family == "fas_feathernet"
        assert MODELS.get(name).default_resolution == 224
    else:
        assert m.score_kind == "depth" and tuple(out.shape) == (2, 32, 32)
        assert MODELS.get(name).family == "fas_cdcn"
        assert MODELS.get(name).default_resolution == 256
    assert torch.isfinite(out).all()


def test_feathernet_streaming_module_is_the_papers_at_224():
    """At 224 the depthwise streaming convolution leaves 4x4x64 = 1024 features, flattened
    straight into the classifier (no resize); elsewhere the map is resized to 4x4."""
    m = make("feathernet_b")
    seen = []
    m.final_DW.register_forward_hook(lambda mod, inp, out: seen.append(tuple(out.shape)))
    with torch.no_grad():
        m(images(n=1, res=224))
        m(images(n=1, res=96))
    assert seen == [(1, 64, 4, 4), (1, 64, 2, 2)]
    assert m.classifier.in_features == 1024


# -- parameters, derived from the papers' layer descriptions -------------------------------

def conv(cin, cout, k=3, groups=1):
    return cin // groups * cout * k * k


def bn(c):
    return 2 * c  # scale and shift; running statistics are buffers, not parameters


def cdc_chain(widths, taps=9):
    """CDC (or C-CDC: ``taps=5``) 3x3 layers through ``widths``, each with batch norm."""
    return sum(cin * cout * taps + bn(cout) for cin, cout in zip(widths, widths[1:]))


def cdcn_params(taps=9, last=True):
    """Stem 3->64, three blocks 128-196-128, then 384->128->64 (->1 without batch norm)."""
    body = (cdc_chain((3, 64), taps) + cdc_chain((64, 128, 196, 128), taps) +
            2 * cdc_chain((128, 128, 196, 128), taps) + cdc_chain((384, 128, 64), taps))
    return body + (64 * 1 * taps if last else 0)


def cdcn_pp_params():
    """Searched widths (128x1.6 = 204, x1.2 = 153, x1.4 = 179) and three spatial attention
    convolutions 2->1 of kernels 7, 5, 3."""
    return (cdc_chain((3, 64)) + cdc_chain((64, 128, 204, 128)) +
            cdc_chain((128, 153, 128, 179, 128)) + cdc_chain((128, 128, 153, 128)) +
            cdc_chain((384, 128)) + 128 * 9 + conv(2, 1, 7) + conv(2, 1, 5) + conv(2, 1, 3))


def inverted_residual(cin, cout, t):
    hidden = cin * t
    expand = conv(cin, hidden, 1) + bn(hidden) if t != 1 else 0
    return expand + conv(hidden, hidden, 3, groups=hidden) + bn(hidden) + conv(hidden, cout, 1) \
        + bn(cout)


def feathernet_params(avgdown, num_classes=2):
    """Stem 3->32; stages (t, c, n) (1,16,1) (6,32,2) (6,48,6) (6,64,3), each followed by
    squeeze-and-excitation (reduction 8); BlockB adds a BN + 1x1 shortcut to each stage's
    first block; a 3x3 depthwise streaming convolution and the classifier 1024 -> 2."""
    total, cin = conv(3, 32) + bn(32), 32
    for t, c, n in ((1, 16, 1), (6, 32, 2), (6, 48, 6), (6, 64, 3)):
        for i in range(n):
            total += inverted_residual(cin, c, t)
            if i == 0 and avgdown:
                total += bn(cin) + conv(cin, c, 1)
            cin = c
        total += (c * (c // 8) + c // 8) + (c // 8 * c + c)  # SE: two linear layers
    return total + conv(64, 64, 3, groups=64) + (1024 * num_classes + num_classes)


EXPECTED = {
    "feathernet_a": feathernet_params(False),
    "feathernet_b": feathernet_params(True),
    "cdcn": cdcn_params(),
    "cdcn_pp": cdcn_pp_params(),
    "c_cdn": cdcn_params(taps=5),
    # two C-CDC streams without the 64->1 layer, a 1x1 head 128->1, six CFIM weights
    "dc_cdn": 2 * cdcn_params(taps=5, last=False) + 128 + 6,
}


@pytest.mark.parametrize("name", FAS)
def test_parameter_counts_follow_the_architecture_and_table_3(name):
    """bench's counter (parameters of the modules that run) gives exactly the count derived
    from the layer description above, and that count rounds to Table 3's two decimals:
    a faithful build may differ from the table by at most half its last digit (0.005 M).
    FeatherNets: the 2,050 classifier parameters bench adds are within that."""
    counted = active_parameters(make(name), 32)
    assert counted == EXPECTED[name]
    assert abs(counted / 1e6 - TABLE3[name]) <= 0.005 + 1e-12, (name, counted)


def test_documented_counts():
    """The numbers the module docstrings (and the report) quote."""
    assert EXPECTED == {"feathernet_a": 347382, "feathernet_b": 353270, "cdcn": 2245016,
                        "cdcn_pp": 2257352, "c_cdn": 1248664, "dc_cdn": 2496822}
    assert feathernet_params(False) - (1024 * 2 + 2) == 345332


# -- central difference convolution and its folding ----------------------------------------

def test_theta_zero_is_the_plain_convolution():
    torch.manual_seed(1)
    cdc = CDConv2d(4, 6, 3, stride=1, padding=1, bias=True, theta=0.0)
    plain = nn.Conv2d(4, 6, 3, 1, 1, bias=True)
    plain.load_state_dict(cdc.conv.state_dict())
    x = torch.randn(2, 4, 9, 9)
    with torch.no_grad():
        assert torch.equal(cdc(x), plain(x))


def test_cdc_is_the_papers_formula():
    """out = conv(x, w) - theta * conv(x, sum(w) as 1x1), bias in both terms."""
    torch.manual_seed(2)
    cdc = CDConv2d(3, 5, 3, stride=2, padding=1, bias=True, theta=0.7)
    w, b = cdc.conv.weight, cdc.conv.bias
    x = torch.randn(1, 3, 11, 11)
    ref = nn.functional.conv2d(x, w, b, 2, 1) - 0.7 * nn.functional.conv2d(
        x, w.sum(dim=(2, 3), keepdim=True), b, 2, 0)
    with torch.no_grad():
        assert torch.allclose(cdc(x), ref, atol=1e-6)


FOLD_CASES = [  # (in, out, kernel, stride, padding, dilation, groups, bias)
    (4, 6, 3, 1, 1, 1, 1, False),
    (4, 6, 3, 2, 1, 1, 1, False),
    (4, 6, 3, 1, 1, 1, 1, True),
    (4, 6, 3, 2, 1, 1, 1, True),
    (4, 8, 3, 1, 1, 1, 2, True),
    (8, 8, 3, 2, 1, 1, 8, False),  # depthwise
    (4, 6, 5, 2, 2, 1, 1, True),
    (4, 6, 3, 1, 2, 2, 1, False),  # dilated
]


@pytest.mark.parametrize("case", FOLD_CASES, ids=lambda c: "k{2}s{3}p{4}d{5}g{6}b{7}".format(*c))
@pytest.mark.parametrize("theta", [0.7, 1.0])
def test_folding_is_exact(case, theta):
    cin, cout, k, s, p, d, g, bias = case
    torch.manual_seed(3)
    cdc = CDConv2d(cin, cout, k, s, p, d, g, bias, theta=theta).eval()
    plain = cdc.folded()
    assert type(plain) is nn.Conv2d
    x = torch.randn(2, cin, 13, 13)
    with torch.no_grad():
        a, b = cdc(x), plain(x)
    assert a.shape == b.shape
    assert (a - b).abs().max() < 1e-5
    assert a.abs().max() > 0.1  # a comparison of real values, not of zeros


@pytest.mark.parametrize("pattern", ["hv", "dg"])
@pytest.mark.parametrize("stride, bias", [(1, False), (2, True)])
def test_cross_cdc_keeps_five_taps_and_folds_exactly(pattern, stride, bias):
    torch.manual_seed(4)
    cdc = CrossCDConv2d(4, 6, pattern, stride=stride, bias=bias, theta=0.8).eval()
    assert tuple(cdc.conv.weight.shape) == (6, 4, 1, 5)  # the authors' storage
    zero = {"hv": (0, 2, 6, 8), "dg": (1, 3, 5, 7)}[pattern]
    dense = cdc.kernel().detach().flatten(2)
    assert (dense[:, :, list(zero)] == 0).all() and (dense[:, :, 4] != 0).all()
    x = torch.randn(2, 4, 12, 12)
    with torch.no_grad():
        assert (cdc(x) - cdc.folded()(x)).abs().max() < 1e-5


def test_a_kernel_whose_centre_is_off_the_central_term_is_refused():
    with pytest.raises(ValueError, match="'same' padding"):
        CDConv2d(3, 4, 3, padding=0)
    with pytest.raises(ValueError, match="'same' padding"):
        CDConv2d(3, 4, 2, padding=1)
    with pytest.raises(ValueError, match="theta"):
        CDConv2d(3, 4, theta=1.5)


@pytest.mark.parametrize("name", CDC_MODELS)
def test_fold_cdc_replaces_every_cdc_and_leaves_the_model_alone(name):
    m = make(name)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    n_cdc = len(cdc_layers(m))
    n_conv = sum(type(x) is nn.Conv2d for x in m.modules()
                 if not any(x is e for c in cdc_layers(m) for e in c.modules()))
    folded = fold_cdc(m)
    assert n_cdc > 0 and cdc_layers(folded) == []
    assert sum(type(x) is nn.Conv2d for x in folded.modules()) == n_conv + n_cdc
    assert len(cdc_layers(m)) == n_cdc
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())


@pytest.mark.parametrize("name", CDC_MODELS)
def test_a_folded_network_matches_the_cdc_network(name):
    """Folding changes the order of float32 sums in each of 13-25 stacked layers; the
    output of a whole network then agrees to about 1e-5 of its scale, not bit for bit."""
    m = registry.calibrate_batch_norm(make(name), resolution=32, batch_size=2)
    x = images(res=32, seed=5)
    with torch.no_grad():
        ref = m(x)
        out = m.export_module()(x)
    scale = ref.abs().max()
    assert scale > 0.1 and (ref > 0).float().mean() > 0.1  # a depth map, not ReLU's zeros
    assert (out - ref).abs().max() <= 1e-4 * scale


def test_fold_is_an_export_option():
    folded = make("cdcn")
    assert folded.fold is True and cdc_layers(folded.export_module()) == []
    assert folded.export_module() is not folded
    kept = make("cdcn:fold=false")
    assert kept.export_module() is kept
    assert not hasattr(make("feathernet_a"), "export_module")
    assert cdc_layers(folded)  # eager PyTorch runs the CDC form


def _onnx_graph(module, tmp_path, name):
    import onnx

    path = str(tmp_path / (name + ".onnx"))
    with torch.no_grad():
        torch.onnx.export(module, (images(n=1, res=32),), path, opset_version=13, dynamo=False,
                          input_names=["input"], output_names=["output"])
    return onnx.load(path).graph


def test_onnx_of_a_folded_cdcn_has_only_plain_convolutions(tmp_path):
    m = CDCN().eval()
    producer_ops = {}
    for label, module in (("cdc", m), ("folded", m.export_module())):
        graph = _onnx_graph(module, tmp_path, label)
        initializers = {i.name for i in graph.initializer}
        producers = {out: node.op_type for node in graph.node for out in node.output}
        convs = [n for n in graph.node if n.op_type == "Conv"]
        producer_ops[label] = {
            "convs": len(convs),
            "constant_weights": sum(c.input[1] in initializers for c in convs),
            "reduce_fed": sum(producers.get(c.input[1]) == "ReduceSum" for c in convs),
            "reduce_sums": sum(n.op_type == "ReduceSum" for n in graph.node),
        }
    assert producer_ops["folded"] == {"convs": 13, "constant_weights": 13, "reduce_fed": 0,
                                      "reduce_sums": 0}
    cdc = producer_ops["cdc"]
    assert cdc["convs"] == 26 and cdc["reduce_fed"] == 13 and cdc["constant_weights"] == 13


# -- the registry, the set and the command line ---------------------------------------------

def test_the_fas_set():
    specs, resolution = get_set("fas")
    assert tuple(specs) == FAS and resolution is None
    assert not set(FAS) & set(get_set("all")[0])


call = call_main  # bench's main() in this process (tests/conftest.py)


def test_bench_models_lists_the_fas_set_with_parameters(monkeypatch):
    # batch-norm statistics change no count; skipping their calibration saves ~40 s of CPU
    monkeypatch.setattr(registry, "calibrate_batch_norm", lambda module, seed=0: module)
    res = call(["models", "--set", "fas", "--resolution", "32"])
    assert res.returncode == 0, res.stderr
    rows = {line.split()[0]: line.split() for line in res.stdout.splitlines()[2:-1]}
    assert list(rows) == list(FAS)
    for name in FAS:
        family, params = rows[name][1], rows[name][2]
        assert family == MODELS.get(name).family
        assert params == "{:.3f}".format(EXPECTED[name] / 1e6)


@pytest.mark.parametrize("spec, phrase", [
    ("cdcn:theta=1.5", "theta=1.5 is out of range: must be >= 0 and <= 1"),
    ("dc_cdn:theta=-0.1", "theta=-0.1 is out of range"),
    ("cdcn_pp:theta=high", "theta='high' should be float"),
    ("cdcn:fold=1", "fold=1 should be bool"),
    ("feathernet_a:theta=0.7", "unknown key 'theta' for feathernet_a"),
    ("cdcn:num_classes=2", "unknown key 'num_classes' for cdcn"),
    ("c_cdn:pattern=plus", "pattern='plus': expected hv"),
    ("feathernet_b:num_classes=0", "num_classes=0 is out of range"),
])
def test_bad_specs_are_one_line(spec, phrase):
    with pytest.raises(SpecError) as err:
        resolve_spec(spec)
    assert phrase in str(err.value) and "\n" not in str(err.value)
    res = call(["models", spec])
    assert_one_line_error(res, 2, phrase)


def test_checkpoints_load_and_one_that_does_not_fit_is_one_line(tmp_path):
    trained = make("cdcn:theta=0.5")
    with torch.no_grad():
        for p in trained.parameters():
            p.add_(0.01)
    good = tmp_path / "cdcn.pt"
    torch.save({"state_dict": trained.state_dict()}, str(good))
    loaded = build_model("cdcn:theta=0.5,checkpoint={}".format(good)).module
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in trained.state_dict().items())

    torch.save(trained.state_dict(), str(tmp_path / "cdcn_sd.pt"))
    with pytest.raises(SpecError) as shape:  # CDCN++ has other widths
        build_model("cdcn_pp:checkpoint={}".format(tmp_path / "cdcn_sd.pt"))
    torch.save(FeatherNet(num_classes=3).state_dict(), str(tmp_path / "feather3.pt"))
    with pytest.raises(SpecError) as classes:
        build_model("feathernet_a:checkpoint={}".format(tmp_path / "feather3.pt"))
    with pytest.raises(SpecError) as other:  # another network's weights
        build_model("c_cdn:checkpoint={}".format(tmp_path / "feather3.pt"))
    for exc in (shape, classes, other):
        text = str(exc.value)
        assert "does not fit this network" in text and "\n" not in text
    assert "classifier.weight has shape (3, 1024), expected (2, 1024)" in str(classes.value)
    res = call(["models", "cdcn_pp:checkpoint={}".format(tmp_path / "cdcn_sd.pt")])
    assert_one_line_error(res, 2, "does not fit this network")
