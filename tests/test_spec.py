import pytest

from bench.errors import SpecError
from bench.models import resolve_spec
from bench.models.spec import parse_spec


def test_parse_name_args_positional():
    p = parse_spec("pta:LHH,num_classes=3,width_mult=0.5,flag=true")
    assert p.name == "pta" and p.positional == "LHH"
    assert p.args == {"num_classes": 3, "width_mult": 0.5, "flag": True}


@pytest.mark.parametrize("text, canonical", [
    ("resnet18", "resnet18"),
    ("mobilenet_v2:width_mult=0.6", "mobilenet_v2:width_mult=0.6"),
    ("mobilenet_v2:width_mult=1", "mobilenet_v2"),          # default dropped
    ("mobilenet_v2:num_classes=2", "mobilenet_v2:num_classes=2"),
    ("resnet18:num_classes=2", "resnet18:num_classes=2"),
    ("pta:config=lhh", "pta:LHH"),
    ("pta:LHH,num_classes=2", "pta:LHH"),
    ("pta", "pta:HHH"),
    ("resnet:layers=3-4-3-3,block=basic", "resnet:block=basic,layers=3-4-3-3"),
])
def test_canonical_form(text, canonical):
    assert resolve_spec(text).canonical() == canonical


@pytest.mark.parametrize("text, needle", [
    ("resnett18", "unknown model 'resnett18' (did you mean: resnet18"),
    ("mobilenet_v2:widht_mult=0.5", "unknown key 'widht_mult' for mobilenet_v2 (did you mean: width_mult?)"),
    ("mobilenet_v2:width_mult=wide", "width_mult='wide' should be float"),
    ("resnet18:num_classes=2.5", "num_classes=2.5 should be int"),
    ("resnet18:", "nothing after ':'"),
    ("resnet18:a=1,,b=2", "empty argument"),
    ("resnet18:=3", "bad argument '=3'"),
    ("res net", "bad model name"),
    ("resnet18:LHH", "'LHH' is not key=value"),
    ("pta:LHX", "PTA configuration 'LHX'"),
    ("pta:LH", "PTA configuration 'LH'"),
    ("resnet:block=basic", "resnet needs layers"),
    ("resnet:block=dense,layers=1-1-1-1", "block='dense'"),
    ("resnet:block=basic,layers=1-1-1", "four block counts"),
    ("resnet:block=basic,layers=1-0-1-1", "four block counts"),
])
def test_bad_specs(text, needle):
    with pytest.raises(SpecError) as err:
        resolve_spec(text)
    assert needle in str(err.value)


# -- value ranges: every numeric key of every registered model (issue 11) ----------------------

@pytest.mark.parametrize("text, needle", [
    ("mobilenet_v2:width_mult=0", "width_mult=0 is out of range: must be > 0 and <= 4"),
    ("mobilenet_v2:width_mult=-1", "width_mult=-1 is out of range: must be > 0 and <= 4"),
    ("mobilenet_v2:width_mult=nan", "width_mult=nan is out of range"),
    ("mobilenet_v2:width_mult=60", "width_mult=60 is out of range"),
    ("mobilenet_v2:round_nearest=0", "round_nearest=0 is out of range: must be >= 1"),
    ("mobilenet_v2:dropout=1", "dropout=1 is out of range: must be >= 0 and < 1"),
    ("densenet121:drop_rate=-0.1", "drop_rate=-0.1 is out of range: must be >= 0 and < 1"),
    ("resnet18:num_classes=0", "num_classes=0 is out of range: must be >= 1"),
    ("resnet50:groups=0", "groups=0 is out of range: must be >= 1"),
    ("resnet50:width_per_group=0", "width_per_group=0 is out of range: must be >= 1"),
    ("resnet18:groups=2", "basic-block ResNets take only groups=1 and width_per_group=64"),
    ("resnet:block=basic,layers=2-2-2-2,width_per_group=32", "basic-block ResNets take only"),
    ("resnet:block=basic,layers=1-1-1-999", "layers=1-1-1-999 is out of range: each of the "
                                            "four block counts must be >= 1 and <= 256"),
    ("pta:LLL,width_mult=0", "width_mult=0 is out of range: must be > 0"),
    ("pta:LLL,num_classes=0", "num_classes=0 is out of range"),
])
def test_out_of_range_values_name_spec_key_value_and_range(text, needle):
    with pytest.raises(SpecError) as err:
        resolve_spec(text)
    message = str(err.value)
    assert message.startswith("model spec {!r}: ".format(text)) and needle in message, message
    assert "\n" not in message


def _outside(valid):
    """Values just outside a Range (and NaN), as a spec would spell them."""
    out = ["nan"]
    if valid.low is not None:
        out.append(str(valid.low if not valid.low_inclusive else valid.low - 1))
    if valid.high is not None:
        out.append(str(valid.high if not valid.high_inclusive else valid.high + 1))
    return out


def test_every_numeric_key_of_every_model_has_a_range_that_is_enforced():
    from bench.models import MODELS

    checked = 0
    for name, entry in MODELS.items():
        numeric = {k for k, v in entry.params.items()
                   if isinstance(v, (int, float)) and not isinstance(v, bool)}
        assert numeric <= set(entry.ranges), (name, numeric - set(entry.ranges))
        base = entry.summary if entry.required else name
        sep = "," if ":" in base else ":"
        for key in numeric:
            default = entry.params[key]
            assert default in entry.ranges[key], (name, key, default)  # the default is valid
            for value in _outside(entry.ranges[key]):
                if isinstance(default, int) and value == "nan":
                    continue  # an int key refuses nan by type already
                with pytest.raises(SpecError, match="{}={} is out of range".format(key, value)):
                    resolve_spec("{}{}{}={}".format(base, sep, key, value))
                checked += 1
    assert checked > 50


def test_registering_a_numeric_key_without_a_range_is_refused():
    from bench.models.registry import ModelEntry, Range

    with pytest.raises(ValueError, match="'toy': numeric spec key.* depth have no valid range"):
        ModelEntry("toy", "toy", lambda **kw: None, {"num_classes": 10, "depth": 3})
    entry = ModelEntry("toy", "toy", lambda **kw: None, {"depth": 3},
                       ranges={"depth": Range(1, 8, "blocks")})
    assert 3 in entry.ranges["depth"] and 9 not in entry.ranges["depth"]


def test_float_keys_written_as_int_defaults_take_floats():
    assert resolve_spec("densenet121:drop_rate=0.2").kwargs["drop_rate"] == 0.2
    assert resolve_spec("densenet121:drop_rate=0").canonical() == "densenet121"
