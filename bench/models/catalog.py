"""Importing this module fills the model registry: one import per model file."""

from bench.models import custom_resnet, pta, user, zoo  # noqa: F401
