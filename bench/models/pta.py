"""MobileNetV2 with Post-Train Adaptive (PTA) blocks (SPEC §1.2).

K. Khabarlak, "Post-Train Adaptive MobileNet for Fast Anti-Spoofing", IntelITSIS 2022.
A PTA block replaces a pair of inverted-residual (IR) blocks with two branches:
Heavy (the original pair), Light (one IR block) and Both (their element-wise mean).
The selector is a plain attribute, changed at run time without touching weights;
tracing turns it into a constant, so each configuration freezes to its own artifact.
"""

import contextlib
import random

import torch
from torch import nn

from bench._torchvision import import_torchvision
from bench.errors import SpecError
from bench.models.checkpoint import load_into
from bench.models.registry import register_model

_tv = import_torchvision()
InvertedResidual = _tv.models.mobilenetv2.InvertedResidual
_make_divisible = _tv.models._utils._make_divisible
Conv2dNormActivation = _tv.ops.misc.Conv2dNormActivation

MODES = "HLB"  # Heavy, Light, Both

# (kind, output channels, repeats, first stride, expansion) — the SPEC table, in order.
LAYOUT = (
    ("ir", 16, 1, 1, 1),
    ("ir", 24, 2, 2, 6),
    ("ir", 32, 3, 2, 6),
    ("ir", 64, 2, 2, 6),
    ("pta", 64, 1, 1, 6),
    ("ir", 96, 1, 1, 6),
    ("pta", 96, 1, 1, 6),
    ("ir", 160, 1, 2, 6),
    ("pta", 160, 1, 1, 6),
    ("ir", 320, 1, 1, 6),
)

# Training-time configuration sampling (SPEC §1.2). Both is never sampled.
TRAIN_PROBABILITIES = (
    ("HHH", 0.45), ("LHH", 0.15), ("HLH", 0.15), ("HHL", 0.15), ("LLL", 0.10), ("BBB", 0.0),
)
STANDARD_CONFIGS = tuple(c for c, _ in TRAIN_PROBABILITIES)


class PTABlock(nn.Module):
    """Heavy = two IR blocks in sequence, Light = one IR block, Both = their mean."""

    def __init__(self, channels, expand_ratio=6, norm_layer=None):
        super().__init__()
        self.heavy = nn.Sequential(
            InvertedResidual(channels, channels, 1, expand_ratio, norm_layer),
            InvertedResidual(channels, channels, 1, expand_ratio, norm_layer),
        )
        self.light = InvertedResidual(channels, channels, 1, expand_ratio, norm_layer)
        self.mode = "H"

    def forward(self, x):
        if self.mode == "H":
            return self.heavy(x)
        if self.mode == "L":
            return self.light(x)
        return (self.heavy(x) + self.light(x)) / 2

    def extra_repr(self):
        return "mode={!r}".format(self.mode)


def validate_config(config, n_blocks=3):
    """``"LHH"`` -> ``"LHH"``; anything else raises :class:`SpecError`."""
    if not isinstance(config, str) or len(config) != n_blocks or \
            any(c not in MODES for c in config.upper()):
        raise SpecError("PTA configuration {!r}: expected {} letters from H (heavy), "
                        "L (light), B (both), e.g. LHH".format(config, n_blocks))
    return config.upper()


class PTAMobileNetV2(nn.Module):
    """MobileNetV2 (2 classes, 128x128 in the paper) whose 64/96/160 pairs are PTA blocks."""

    switchable = False  # exported as one artifact for every configuration (pta_switch)

    def __init__(self, num_classes=2, width_mult=1.0, round_nearest=8, dropout=0.2):
        super().__init__()
        norm_layer = nn.BatchNorm2d
        in_ch = _make_divisible(32 * width_mult, round_nearest)
        self.last_channel = _make_divisible(1280 * max(1.0, width_mult), round_nearest)
        layers = [Conv2dNormActivation(3, in_ch, stride=2, norm_layer=norm_layer,
                                       activation_layer=nn.ReLU6)]
        for kind, c, n, s, t in LAYOUT:
            out_ch = _make_divisible(c * width_mult, round_nearest)
            if kind == "pta":
                if out_ch != in_ch or s != 1:
                    raise ValueError("a PTA block keeps its channels and stride 1")
                layers.append(PTABlock(out_ch, t, norm_layer))
                continue
            for i in range(n):
                layers.append(InvertedResidual(in_ch, out_ch, s if i == 0 else 1, t, norm_layer))
                in_ch = out_ch
        layers.append(Conv2dNormActivation(in_ch, self.last_channel, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout),
                                        nn.Linear(self.last_channel, num_classes))
        self._init_weights()

    def _init_weights(self):  # as torchvision's MobileNetV2
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    @property
    def pta_blocks(self):
        return [m for m in self.features if isinstance(m, PTABlock)]

    @property
    def config(self):
        return "".join(b.mode for b in self.pta_blocks)

    def set_config(self, config):
        """Select the branch of every PTA block at run time, e.g. ``"LHH"``."""
        config = validate_config(config, len(self.pta_blocks))
        for block, mode in zip(self.pta_blocks, config):
            block.mode = mode
        return self

    @contextlib.contextmanager
    def calibrating(self):
        """Batch-norm calibration of random weights runs every branch (Both), so that every
        configuration -- frozen or in one switchable artifact -- is the same network, as a
        trained PTA model is. (A branch left uncalibrated shrinks its activations into
        denormal floats, which are slow on CPUs.)"""
        own = self.config
        self.set_config("B" * len(own))
        try:
            yield
        finally:
            self.set_config(own)

    def forward(self, x):
        x = self.features(x)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)


def sample_config(rng):
    """One training-time configuration drawn with the SPEC probabilities.

    ``rng`` is a :class:`random.Random` (seed it for reproducibility). Configurations
    of probability 0 (Both) are never returned.
    """
    u = rng.random()
    acc = 0.0
    candidates = [(c, p) for c, p in TRAIN_PROBABILITIES if p > 0]
    for config, p in candidates:
        acc += p
        if u < acc:
            return config
    return candidates[-1][0]


class ConfigSampler:
    """Seeded per-step sampler for training: ``sampler.apply(model)`` each step."""

    def __init__(self, seed=0):
        self.rng = random.Random(seed)

    def next(self):
        return sample_config(self.rng)

    def apply(self, model):
        config = self.next()
        model.set_config(config)
        return config


def heavy_key_map(model):
    """Map PTAMobileNetV2 state-dict key prefixes to torchvision MobileNetV2 ones.

    With every PTA block on Heavy the network *is* MobileNetV2: feature ``i`` of
    torchvision is either one of ours or one IR block inside a PTA block's heavy pair.
    """
    mapping = {}
    tv_index = 0
    for i, module in enumerate(model.features):
        if isinstance(module, PTABlock):
            for j in range(len(module.heavy)):
                mapping["features.{}.heavy.{}.".format(i, j)] = "features.{}.".format(tv_index)
                tv_index += 1
        else:
            mapping["features.{}.".format(i)] = "features.{}.".format(tv_index)
            tv_index += 1
    mapping["classifier."] = "classifier."
    return mapping


def load_mobilenet_v2_weights(model, tv_state):
    """Copy a torchvision MobileNetV2 state dict into the heavy path of ``model``."""
    own = model.state_dict()
    copied = 0
    for ours_prefix, tv_prefix in heavy_key_map(model).items():
        for key in own:
            if key.startswith(ours_prefix):
                own[key] = tv_state[tv_prefix + key[len(ours_prefix):]].clone()
                copied += 1
    model.load_state_dict(own)
    return copied


def load_checkpoint(model, path):
    """Load trained PTA weights; one state dict serves every configuration.

    A file that is missing or is not a PyTorch state dict that fits is a one-line
    :class:`SpecError` (see :mod:`bench.models.checkpoint`)."""
    return load_into(model, path, what="PTA checkpoint")


@register_model("pta", family="mobilenet_v2_pta", positional="config", default_resolution=128,
                params={"config": "HHH", "num_classes": 2, "width_mult": 1.0,
                        "checkpoint": None, "switchable": False},
                summary="pta:LHH",
                normalize=lambda kw: dict(kw, config=validate_config(kw["config"])),
                artifact_spec=lambda spec: _switch().artifact_spec(spec))
def build_pta(config="HHH", checkpoint=None, switchable=False, **kwargs):
    """``switchable``: exported as one artifact holding every configuration
    (:mod:`bench.models.pta_switch`); the module itself is the same."""
    model = PTAMobileNetV2(**kwargs)
    if checkpoint is not None:
        load_checkpoint(model, str(checkpoint))
    model.switchable = bool(switchable)
    return model.set_config(str(config))


def _switch():
    from bench.models import pta_switch

    return pta_switch
