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
