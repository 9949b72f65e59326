"""The model layer: spec strings -> built ``nn.Module`` s with family and complexity.

Where things go: a new model family is one file here with ``@register_model`` and
one import line in ``catalog.py``; named sets live in ``sets.py``.
"""

from bench.models.complexity import Complexity, complexity
from bench.models.registry import MODELS, BuiltModel, ModelEntry, build_model, register_model, \
    resolve_spec
from bench.models.selection import ModelRequest, select_models
from bench.models.spec import ModelSpec

__all__ = ["MODELS", "BuiltModel", "Complexity", "ModelEntry", "ModelRequest", "ModelSpec",
           "build_model", "complexity", "register_model", "resolve_spec", "select_models"]
