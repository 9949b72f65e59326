"""One PTA artifact for every configuration (``pta:LLL,switchable=true``).

The PTA paper's point is that one trained network is reconfigured after training, on the
device. A frozen export turns the selector into a constant (one file per configuration);
a switchable export keeps it:

- ONNX: one graph that takes the configuration as a second input, ``pta_config`` (int32,
  one code per PTA block: H=0, L=1, B=2), each PTA block an ``If`` on its code. Only the
  chosen branch runs; any of the 27 configurations can be asked. int32, not int64:
  TensorRT 8 (JetPack 4) takes no int64 network inputs.
- TFLite: one file with a signature per standard configuration (``HHH`` ... ``BBB``),
  converted together by ``litert-torch``, which stores each weight once.

The artifact is the same for all configurations, so its identity (cache key, folder) is
the spec without the configuration (:func:`artifact_spec`). Which configuration a row
measures travels to the runtime as a *selection* (:func:`selection_for`):
``{"name": "LLL", "signature": "LLL"}`` or ``{"name": "LLL", "inputs": {"pta_config":
{"dtype": "int32", "value": [1, 1, 1]}}}`` (see :mod:`bench.runtimes.select`).
"""

import torch
from torch import nn

from bench.errors import SpecError
from bench.models.pta import MODES, PTABlock, STANDARD_CONFIGS, validate_config

CONFIG_INPUT = "pta_config"
CODES = {mode: i for i, mode in enumerate(MODES)}  # H=0, L=1, B=2


def config_codes(config):
    """``"LHB"`` -> ``[1, 0, 2]``."""
    return [CODES[m] for m in validate_config(config)]


class _SwitchBlock(nn.Module):
    """A PTA block whose branch is chosen by ``config[index]`` at run time (scripted to If).

    Each branch sits in exactly one ``If`` (heavy when the mode is not L, light when it is
    not H, then the pick or the mean), so each weight is used by one subgraph and can be
    stored inside it (:func:`localize_initializers`)."""

    def __init__(self, block, index):
        super().__init__()
        self.heavy = block.heavy
        self.light = block.light
        self.index = index

    def forward(self, x, config):
        mode = config[self.index]
        if bool(mode != 1):
            h = self.heavy(x)
        else:
            h = x
        if bool(mode != 0):
            low = self.light(x)
        else:
            low = x
        if bool(mode == 2):
            return (h + low) / 2
        if bool(mode == 0):
            return h
        return low


class SwitchablePTA(nn.Module):
    """``forward(x, config)``: the PTA network with its weights shared (not copied), the
    configuration an int tensor of codes. ``torch.jit.script`` turns the branches into
    control flow that the ONNX exporter writes as ``If`` nodes."""

    def __init__(self, net):
        super().__init__()
        self.stages = nn.ModuleList()
        self.blocks = nn.ModuleList()
        current = []
        for module in net.features:
            if isinstance(module, PTABlock):
                self.stages.append(nn.Sequential(*current))
                self.blocks.append(_SwitchBlock(module, len(self.blocks)))
                current = []
            else:
                current.append(module)
        self.tail = nn.Sequential(*current)
        self.classifier = net.classifier

    def forward(self, x, config):
        for stage, block in zip(self.stages, self.blocks):
            x = block(stage(x), config)
        x = self.tail(x)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)


class FixedConfig(nn.Module):
    """The network at one configuration: a TFLite signature (weights shared between them)."""

    def __init__(self, net, config):
        super().__init__()
        self.net = net
        self.config = config

    def forward(self, x):
        self.net.set_config(self.config)  # read while tracing: a constant in this signature
        return self.net(x)


def localize_initializers(model):
    """Move each initializer used by one subgraph only into that subgraph -> how many.

    The exporter puts every weight in the main graph, and a branch reads it from the
    outer scope; onnxruntime does not pre-pack such outer-scope weights for its
    convolution kernels, which cost the switchable graph about 30 % of the frozen one's
    throughput on the CPU. Inside the branch they are ordinary constants again."""
    import onnx

    uses, graphs = {}, {}

    def walk(graph, gid):
        graphs[gid] = graph
        for node in graph.node:
            for name in node.input:
                uses.setdefault(name, set()).add(gid)
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    walk(attr.g, "{}/{}.{}".format(gid, node.name, attr.name))
                for sub in (attr.graphs if attr.type == onnx.AttributeProto.GRAPHS else ()):
                    walk(sub, "{}/{}.{}".format(gid, node.name, attr.name))

    walk(model.graph, "")
    moved = 0
    for init in list(model.graph.initializer):
        where = uses.get(init.name, set())
        if len(where) == 1 and "" not in where:
            graphs[next(iter(where))].initializer.append(init)
            model.graph.initializer.remove(init)
            moved += 1
    return moved


def is_switchable(module):
    return bool(getattr(module, "switchable", False))


def signature_modules(net, configs=STANDARD_CONFIGS):
    """[(signature name, module)] for a multi-signature TFLite conversion."""
    return [(c, FixedConfig(net, c)) for c in configs]


def artifact_spec(spec):
    """The spec that names the artifact: a switchable one without its configuration (one
    file serves them all); any other spec as it is."""
    if not spec.kwargs.get("switchable"):
        return spec
    from bench.models.spec import ModelSpec

    # the default configuration, not positional: the name reads pta:switchable=true
    kwargs = dict(spec.kwargs, config=spec._defaults["config"])
    return ModelSpec(spec.name, kwargs, spec._defaults, None)


def selection_for(manifest, config):
    """The selection that makes a switchable artifact run ``config``, from its manifest;
    None for an artifact that is not switchable. An unknown configuration is a SpecError."""
    switch = (manifest.get("details") or {}).get("switchable")
    if not switch:
        return None
    config = validate_config(config)
    if switch["kind"] == "signature":
        if config not in switch["configs"]:
            raise SpecError("configuration {} is not in the switchable {} file (its signatures: "
                            "{}); use one of them, or the onnx format, which takes any "
                            "configuration".format(config, manifest.get("format"),
                                                   ", ".join(switch["configs"])))
        return {"name": config, "signature": config}
    return {"name": config,
            "inputs": {switch["input"]: {"dtype": switch["dtype"], "value": config_codes(config)}}}


def selections(manifest, spec):
    """(selection of ``spec``'s configuration, selection a switch to it is timed from)."""
    config = spec.kwargs["config"]
    return selection_for(manifest, config), selection_for(manifest, other_config(config))


def other_config(config):
    """The configuration a switch-latency measurement comes from: the one most unlike
    ``config`` among the standard ones (all light <-> all heavy)."""
    return "HHH" if config != "HHH" else "LLL"
