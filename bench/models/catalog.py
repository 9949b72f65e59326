"""Importing this module fills the model registry: one import per model file."""

from bench.models import custom_resnet, fas, pta, user, zoo  # noqa: F401
