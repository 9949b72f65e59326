"""Parameter count and multiply-adds (SPEC §1.2 convention: as ``ptflops`` counts them).

Parameters are the *active* ones: those of modules that actually run in a forward
pass. For ordinary models that is every parameter; for a PTA configuration it is
the branches the configuration executes (LLL lightest, BBB heaviest).
"""

import contextlib
import io

import torch

from bench._torchvision import import_torchvision


def active_parameters(module, resolution, batch=1):
    """Count the parameters owned by modules whose ``forward`` ran on one input."""
    ran = []
    hooks = [m.register_forward_pre_hook(lambda mod, inp: ran.append(mod))
             for m in module.modules()]
    try:
        with torch.no_grad():
            module(torch.zeros(batch, 3, resolution, resolution))
    finally:
        for h in hooks:
            h.remove()
    seen, total = set(), 0
    for mod in ran:
        for p in mod.parameters(recurse=False):
            if id(p) not in seen:
                seen.add(id(p))
                total += p.numel()
    return total


def multiply_adds(module, resolution):
    """MACs for one image at ``resolution`` x ``resolution`` (ptflops, pytorch backend).

    ptflops counts conv, linear, batch-norm, activation and pooling work, the
    convention of SPEC §1.2 (2-class MobileNetV2 at 128: about 104 M).
    """
    import_torchvision()  # ptflops imports torchvision.ops
    from ptflops import get_model_complexity_info

    with contextlib.redirect_stdout(io.StringIO()), torch.no_grad():
        macs, _ = get_model_complexity_info(
            module, (3, resolution, resolution), as_strings=False,
            print_per_layer_stat=False, verbose=False, backend="pytorch")
    return int(macs)


def imagenet_top1(built):
    """Torchvision's recorded ImageNet-1K top-1 for a standard model (offline), else None.

    Only an unchanged torchvision architecture (no spec arguments) has it; the value
    is that of the builder's DEFAULT weights.
    """
    if built.entry.weights is None or built.spec.non_default_args():
        return None
    tv = import_torchvision()
    try:
        weights = tv.models.get_model_weights(built.entry.weights).DEFAULT
    except (ValueError, KeyError):
        return None
    return weights.meta.get("_metrics", {}).get("ImageNet-1K", {}).get("acc@1")


class Complexity:
    def __init__(self, params, macs, top1):
        self.params = params
        self.macs = macs
        self.top1 = top1

    @property
    def params_m(self):
        return self.params / 1e6

    @property
    def macs_m(self):
        return self.macs / 1e6


def complexity(built, resolution):
    module = built.module
    module.eval()
    return Complexity(active_parameters(module, resolution), multiply_adds(module, resolution),
                      imagenet_top1(built))


PTFLOPS = "ptflops (conv, linear, batch-norm, activation, pooling)"


def count(request, shapes=None):
    """(parameters, multiply-adds or None, how the MACs were counted) for one inference of
    ``request``: a built model (ptflops at its resolution) or a model file (read from the
    file at the shapes it would be fed: :mod:`bench.models.files`)."""
    from bench.models.registry import MODELS, build_model

    entry = MODELS.get(request.spec.name)
    if entry.from_file:
        from bench.file_models import file_inputs
        from bench.runtimes.base import BadInput

        try:
            fed = file_inputs(request.spec, 1, request.resolution, shapes or {}, False)
        except BadInput:
            fed = []  # dynamic dimensions only --shape can fill: parameters, no MACs
        names = [t.name for t in entry.info(request.spec).inputs]  # (TorchScript: names only)
        at = {f["name"] if f["name"] is not None else names[i]: f["shape"]
              for i, f in enumerate(fed) if f["name"] is not None or i < len(names)}
        info = entry.info(request.spec, shapes=at or None)
        return info.params, info.macs, info.macs_tool
    cx = complexity(build_model(request.spec), request.resolution)
    return cx.params, cx.macs, PTFLOPS


class ComplexityStore:
    """params / MACs per (model, resolution), remembered in a JSON file between runs.

    Counting needs the model built and traced (seconds for a set); a cached run
    should only measure. The key includes the versions that shape the count.
    """

    def __init__(self, path=None):
        self.path = path
        self._data = self._load()

    def _load(self):
        import json
        import os

        if not self.path or not os.path.exists(self.path):
            return {}
        try:
            with open(self.path) as fh:
                data = json.load(fh)
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}  # a damaged cache is rebuilt, never trusted

    @staticmethod
    def _key(request, shapes):
        from importlib import metadata

        import bench
        from bench.models.registry import MODELS

        versions = "torch={};ptflops={};bench={}".format(
            torch.__version__, metadata.version("ptflops"), bench.__version__)
        digest = MODELS.get(request.spec.name).digest(request.spec)
        return "{}@{}|{}|{}|{}".format(request.name, request.resolution, versions, digest or "",
                                       sorted((shapes or {}).items()))

    def get(self, request, shapes=None):
        """-> (params_m, macs_m, how MACs were counted), rounded as in the CSV (None where
        the format cannot tell)."""
        key = self._key(request, shapes)
        if key not in self._data:
            params, macs, tool = count(request, shapes)
            self._data[key] = [None if params is None else round(params / 1e6, 4),
                               None if macs is None else round(macs / 1e6, 2), tool]
            self._save()
        params_m, macs_m, tool = (self._data[key] + [PTFLOPS])[:3]
        return params_m, macs_m, tool

    def _save(self):
        import json
        import os

        from bench.fileutil import write_problem

        if not self.path:
            return
        tmp = "{}.{}.tmp".format(self.path, os.getpid())
        try:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            with open(tmp, "w") as fh:
                json.dump(self._data, fh, indent=0, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError as exc:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise write_problem(self.path, exc, elsewhere="[export].dir") from None
