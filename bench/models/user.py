"""Your own models: ``file:PATH`` (a model file, measured as it is) and ``py:TARGET:FACTORY``
(code that returns an ``nn.Module``, exported like a zoo model).

``file:models/net.onnx[,family=NAME]`` reads ONNX, TFLite, TorchScript (``torch.jit.save``),
``torch.export`` programs (``.pt2``) and TensorRT engines; what it takes and what it weighs
are read from the file (:mod:`bench.models.files`). ``py:mypkg.nets:build,width=2`` or
``py:path/to/nets.py:build,width=2`` calls ``build(width=2)``: every other key is an
argument of the factory, ``family=NAME`` excepted. Relative paths resolve against the
current folder (a ``[sets]`` entry: against the config file's folder). A file's content
hash, or the source's, is part of every cache key.
"""

import hashlib
import importlib
import importlib.util
import os
import sys

from bench.errors import SpecError
from bench.fileutil import sha256_file
from bench.models.registry import MODELS, ModelEntry

PY_FORMS = "py:package.module:factory or py:path/to/file.py:factory"


class FileEntry(ModelEntry):
    """``file:PATH``: the model is the file; the runtimes that read its format run it."""

    from_file = True
    calibrate = False
    path_keys = ("path",)

    def __init__(self):
        super().__init__("file", "file", None, {"path": None, "family": ""}, positional="path",
                         required=("path",), default_resolution=None,
                         summary="file:models/net.onnx", normalize=self._normalize)

    @staticmethod
    def absolute(path, base_dir):
        path = os.path.expanduser(path)
        return os.path.normpath(os.path.join(base_dir or os.getcwd(), path))

    @staticmethod
    def _normalize(kwargs):
        from bench.models.files import detect_format

        detect_format(kwargs["path"])  # missing, unreadable, not a model file: SpecError
        return kwargs

    def family_of(self, spec):
        return spec.kwargs.get("family") or "file"

    def resolution_of(self, spec):
        """The file's own fixed square size when its first input is an image, else 224 for
        a dynamic image input, None for a non-image model (ids, features)."""
        info = self.info(spec)
        from bench.measure.inputs import layout_of

        first = info.inputs[0].shape if info.inputs else None
        if first is None:
            return 224  # the file says nothing (TorchScript): images at the usual size
        layout = layout_of(first)
        if layout is None:
            return None
        h, w = (first[2], first[3]) if layout == "NCHW" else (first[1], first[2])
        return h if h is not None and h == w else 224

    def info(self, spec, shapes=None):
        from bench.models.files import inspect_file

        return inspect_file(spec.kwargs["path"], shapes=shapes)

    def format_of(self, spec):
        from bench.models.files import detect_format

        return detect_format(spec.kwargs["path"])

    def digest(self, spec):
        return sha256_file(spec.kwargs["path"])


class PyEntry(ModelEntry):
    """``py:TARGET:FACTORY[,key=value]``: ``FACTORY(**kwargs)`` must return an nn.Module."""

    calibrate = False  # the user's module is measured as the factory made it
    open_keys = True
    path_keys = ("target",)

    def __init__(self):
        super().__init__("py", "py", self._build, {"target": None, "family": ""},
                         positional="target", required=("target",),
                         summary="py:mymodels.py:build", normalize=self._normalize)

    @staticmethod
    def absolute(target, base_dir):
        """``nets.py:build`` -> ``/abs/nets.py:build``; a module path stays as it is."""
        source, sep, factory = target.rpartition(":")
        if not sep:
            return target  # no factory: refused by _normalize with the forms
        if source.endswith(".py"):
            source = os.path.normpath(os.path.join(base_dir or os.getcwd(),
                                                   os.path.expanduser(source)))
        return "{}:{}".format(source, factory)

    @staticmethod
    def _split(target):
        source, sep, factory = str(target).rpartition(":")
        if not sep or not source or not factory.isidentifier():
            raise SpecError("{!r} is not a factory: write {}".format(target, PY_FORMS))
        return source, factory

    def _normalize(self, kwargs):
        self._factory(kwargs["target"])  # importable, and the name is a callable there
        return kwargs

    def _factory(self, target):
        source, name = self._split(target)
        module = _load_module(source)
        factory = getattr(module, name, None)
        if not callable(factory):
            raise SpecError("{} has no function {!r}; write {}".format(source, name, PY_FORMS))
        return factory

    def _build(self, target, family="", **kwargs):
        import torch

        factory = self._factory(target)
        try:
            module = factory(**kwargs)
        except SpecError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's code: one line with its message
            lines = str(exc).strip().splitlines()
            raise SpecError("{}({}) raised {}: {}".format(
                target, ", ".join("{}={!r}".format(k, v) for k, v in sorted(kwargs.items())),
                type(exc).__name__, lines[0] if lines else "")) from None
        if not isinstance(module, torch.nn.Module):
            raise SpecError("{} returned {} ({}), not a torch.nn.Module".format(
                target, repr(module)[:40], type(module).__name__))
        return module.float().eval()

    def family_of(self, spec):
        return spec.kwargs.get("family") or "py"

    def digest(self, spec):
        """The source file's hash (a package module: its file's)."""
        source, _ = self._split(spec.kwargs["target"])
        path = source if source.endswith(".py") else _module_file(source)
        return sha256_file(path) if path else None


def _module_file(name):
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return found.origin if found is not None and found.origin not in (None, "built-in") else None


def _load_module(source):
    """A module from a ``.py`` path (loaded under a private name) or an importable name."""
    if source.endswith(".py"):
        if not os.path.isfile(source):
            raise SpecError("{} not found; write {}".format(source, PY_FORMS))
        name = "bench_user_" + hashlib.sha1(source.encode()).hexdigest()[:12]
        if name in sys.modules:
            return sys.modules[name]
        loader_spec = importlib.util.spec_from_file_location(name, source)
        module = importlib.util.module_from_spec(loader_spec)
        sys.path.insert(0, os.path.dirname(source))  # its own helper modules next to it
        try:
            loader_spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - the user's code: one line
            raise SpecError("importing {} failed: {}: {}".format(
                source, type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip()
                else "")) from None
        finally:
            sys.path.remove(os.path.dirname(source))
        sys.modules[name] = module
        return module
    try:
        return importlib.import_module(source)
    except ImportError as exc:
        raise SpecError("cannot import {} ({}); write {}, with the package on PYTHONPATH".format(
            source, exc, PY_FORMS)) from None
    except Exception as exc:  # noqa: BLE001
        raise SpecError("importing {} failed: {}: {}".format(
            source, type(exc).__name__, str(exc).strip().splitlines()[0])) from None


MODELS.add("file", FileEntry())
MODELS.add("py", PyEntry())
