"""FeatherNetA and FeatherNetB (P. Zhang et al., "FeatherNets: Convolutional Neural
Networks as Light as Feather for Face Anti-spoofing", CVPR Workshops 2019).

A MobileNetV2-style network for 224x224 faces, 2 classes (0 spoof, 1 live):
a 3x3/2 convolution to 32 channels, then inverted-residual stages (expansion t,
output channels c, repeats n, first stride s) (1, 16, 1, 2), (6, 32, 2, 2),
(6, 48, 6, 2), (6, 64, 3, 2), each stage followed by a squeeze-and-excitation layer
(reduction 8), then the paper's Streaming Module instead of global average pooling: a
3x3/2 depthwise convolution (7x7x64 -> 4x4x64) flattened to 1024 features.
FeatherNetB differs only in its downsampling blocks (BlockB): their shortcut is a 2x2
average pool, batch norm and a 1x1 convolution added to the block's output.

Layers and names follow the authors' code (github.com/SoftwareGift/
FeatherNets_Face-Anti-spoofing-Attack-Detection-Challenge-CVPR2019, models/
FeatherNet.py), with two additions so the output is the N x 2 logits bench's evaluation
reads:

- ``classifier``: a linear layer 1024 -> num_classes (2,050 parameters for 2 classes).
  The authors' network ends at the 1024 flattened features: their training puts a
  softmax over all 1024 and reads entries 0 and 1 as spoof and live. Their state dicts
  therefore lack ``classifier.*`` and do not load as they are.
- at inputs outside 193-256 pixels (224 in the paper) the streaming module's map is not
  4x4; it is resized to 4x4 (bilinear) so the classifier fits and resolution sweeps
  run. At 224 there is no resize: the network is the paper's.

Parameters: FeatherNetA 345,332 without the classifier (347,382 with it), FeatherNetB
351,220 (353,270): the 5,888 more are BlockB's shortcuts. The paper and the
characterization study's Table 3 give 0.35 M for both: the same numbers, rounded.
Multiply-adds at 224 (ptflops): 84.5 M (A), 88.2 M (B); the paper gives 83 M FLOPs.
"""

import math

from torch import nn
from torch.nn import functional as F

from bench.models.checkpoint import load_into
from bench.models.registry import register_model

# t, c, n, s (expansion, output channels, repeats, first stride)
STAGES = ((1, 16, 1, 2), (6, 32, 2, 2), (6, 48, 6, 2), (6, 64, 3, 2))
STREAM = 4  # the streaming module's map at 224: 224 / 64 rounded up


def conv_bn(inp, oup, stride):
    return nn.Sequential(nn.Conv2d(inp, oup, 3, stride, 1, bias=False), nn.BatchNorm2d(oup),
                         nn.ReLU6(inplace=True))


class SELayer(nn.Module):
    """Squeeze-and-excitation: channel weights from the global mean (reduction 8)."""

    def __init__(self, channel, reduction=8):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(nn.Linear(channel, channel // reduction), nn.ReLU(inplace=True),
                                nn.Linear(channel // reduction, channel), nn.Sigmoid())

    def forward(self, x):
        b, c = x.shape[:2]
        y = self.fc(self.avg_pool(x).view(b, c)).view(b, c, 1, 1)
        return x * y


class InvertedResidual(nn.Module):
    """MobileNetV2's block; with ``downsample`` (BlockB) its output is added to it."""

    def __init__(self, inp, oup, stride, expand_ratio, downsample=None):
        super().__init__()
        hidden = round(inp * expand_ratio)
        self.use_res_connect = stride == 1 and inp == oup
        self.downsample = downsample
        layers = []
        if expand_ratio != 1:
            layers += [nn.Conv2d(inp, hidden, 1, 1, 0, bias=False), nn.BatchNorm2d(hidden),
                       nn.ReLU6(inplace=True)]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
                   nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
                   nn.Conv2d(hidden, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        if self.downsample is not None:
            return self.downsample(x) + self.conv(x)
        return self.conv(x)


class FeatherNet(nn.Module):
    """FeatherNetA (``avgdown=False``) or FeatherNetB (``avgdown=True``); N x classes logits."""

    score_kind = "logits"  # index 1 = live, 0 = spoof

    def __init__(self, num_classes=2, avgdown=False):
        super().__init__()
        in_ch = 32
        features = [conv_bn(3, in_ch, 2)]
        for t, c, n, s in STAGES:
            for i in range(n):
                downsample = None
                if i == 0 and avgdown:
                    downsample = nn.Sequential(nn.AvgPool2d(2, stride=2), nn.BatchNorm2d(in_ch),
                                               nn.Conv2d(in_ch, c, kernel_size=1, bias=False))
                features.append(InvertedResidual(in_ch, c, s if i == 0 else 1, t, downsample))
                in_ch = c
            features.append(SELayer(in_ch))
        self.features = nn.Sequential(*features)
        self.final_DW = nn.Sequential(nn.Conv2d(in_ch, in_ch, kernel_size=3, stride=2,
                                                padding=1, groups=in_ch, bias=False))
        self.classifier = nn.Linear(in_ch * STREAM * STREAM, num_classes)
        self._initialize_weights()

    def forward(self, x):
        x = self.final_DW(self.features(x))
        if tuple(x.shape[-2:]) != (STREAM, STREAM):  # not 224: see the module docstring
            x = F.interpolate(x, size=(STREAM, STREAM), mode="bilinear", align_corners=False)
        return self.classifier(x.flatten(1))

    def _initialize_weights(self):  # as the authors'
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, 0, math.sqrt(2.0 / n))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)


def _build(avgdown, what, checkpoint=None, **kwargs):
    model = FeatherNet(avgdown=avgdown, **kwargs)
    if checkpoint is not None:
        load_into(model, str(checkpoint), what=what)
    return model


PARAMS = {"num_classes": 2, "checkpoint": None}


@register_model("feathernet_a", family="fas_feathernet", default_resolution=224, params=PARAMS,
                summary="feathernet_a")
def build_feathernet_a(checkpoint=None, **kwargs):
    return _build(False, "FeatherNetA checkpoint", checkpoint, **kwargs)


@register_model("feathernet_b", family="fas_feathernet", default_resolution=224, params=PARAMS,
                summary="feathernet_b")
def build_feathernet_b(checkpoint=None, **kwargs):
    return _build(True, "FeatherNetB checkpoint", checkpoint, **kwargs)
