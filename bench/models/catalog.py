"""Importing this module fills the model registry: one import per model file."""

from bench.models import custom_resnet, pta, zoo  # noqa: F401
