"""CDCN and CDCN++ (Z. Yu et al., "Searching Central Difference Convolutional Networks
for Face Anti-Spoofing", CVPR 2020).

Both regress a 32x32 depth map from a 256x256 face (live: the face's depth, spoof:
zeros), every convolution a central difference one (theta = 0.7 in the paper):

- CDCN: a stem CDC to 64 channels; three blocks of CDC 128-196-128 and a 3x3/2 max
  pool (outputs at 128, 64, 32 pixels); each block's output resized to 32x32
  (bilinear) and the three concatenated (384 channels); then CDC 128, CDC 64 and CDC 1
  with ReLU.
- CDCN++: the backbone found by the paper's search (its channel widths as the authors
  released them: 128-204-128, 153-128-179-128, 128-153-128) and the multiscale
  attention fusion module: each block's output is weighted by a spatial attention map
  (a convolution over the channel mean and max; kernels 7, 5, 3 from low to high
  level) before the concatenation; then CDC 128 and CDC 1.

Layers, names and the order of modules follow the authors' code
(github.com/ZitongYu/CDCN, CVPR2020_paper_codes/models/CDCNs.py), so its state dicts
load with ``checkpoint=PATH``; the forward returns only the depth map (the authors'
also returns intermediate features for their losses and plots).

Parameters (bench counts every parameter that runs; batch-norm scale and shift
included, running statistics not): CDCN 2,245,016 (convolutions 2,241,792, batch norm
3,224), CDCN++ 2,257,352; the characterization study's Table 3 lists 2.25 M and
2.26 M, the same numbers rounded. Multiply-adds at 256 (ptflops): 52.8 G (CDCN) and
56.6 G (CDCN++) in the CDC form, 47.5 G and 51.0 G folded (see :mod:`.cdc`).
"""

import torch
from torch import nn

from bench.models.checkpoint import load_into
from bench.models.fas.cdc import CDCNetwork, CDConv2d
from bench.models.registry import register_model
from bench.ranges import Range

THETA = {"theta": Range(0, 1, "weight of the central difference term; 0: plain convolution")}


def cdc_bn_relu(cin, cout, theta):
    """CDC 3x3 -> batch norm -> ReLU, as three entries of an ``nn.Sequential``."""
    return [CDConv2d(cin, cout, 3, 1, 1, bias=False, theta=theta), nn.BatchNorm2d(cout),
            nn.ReLU()]


def cdc_block(widths, theta, pool):
    """CDC layers through ``widths`` (in, hidden..., out), then ``pool``."""
    layers = []
    for cin, cout in zip(widths, widths[1:]):
        layers += cdc_bn_relu(cin, cout, theta)
    return nn.Sequential(*(layers + [pool]))


class SpatialAttention(nn.Module):
    """CDCN++'s attention map: sigmoid(conv([mean over channels, max over channels]))."""

    def __init__(self, kernel=3):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 1, kernel_size=kernel, padding=kernel // 2, bias=False)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        avg = torch.mean(x, dim=1, keepdim=True)
        mx, _ = torch.max(x, dim=1, keepdim=True)
        return self.sigmoid(self.conv1(torch.cat([avg, mx], dim=1)))


def _pool():
    return nn.MaxPool2d(kernel_size=3, stride=2, padding=1)


class CDCN(CDCNetwork):
    """CDCN: depth map N x 32 x 32 from N x 3 x H x W (256 in the paper)."""

    def __init__(self, theta=0.7, fold=True):
        super().__init__(fold)
        self.conv1 = nn.Sequential(*cdc_bn_relu(3, 64, theta))
        self.Block1 = cdc_block((64, 128, 196, 128), theta, _pool())
        self.Block2 = cdc_block((128, 128, 196, 128), theta, _pool())
        self.Block3 = cdc_block((128, 128, 196, 128), theta, _pool())
        self.lastconv1 = nn.Sequential(*cdc_bn_relu(128 * 3, 128, theta))
        self.lastconv2 = nn.Sequential(*cdc_bn_relu(128, 64, theta))
        self.lastconv3 = nn.Sequential(CDConv2d(64, 1, 3, 1, 1, bias=False, theta=theta),
                                       nn.ReLU())
        self.downsample32x32 = nn.Upsample(size=(32, 32), mode="bilinear")

    def forward(self, x):
        x = self.conv1(x)
        b1 = self.Block1(x)
        b2 = self.Block2(b1)
        b3 = self.Block3(b2)
        x = torch.cat([self.downsample32x32(b) for b in (b1, b2, b3)], dim=1)
        x = self.lastconv3(self.lastconv2(self.lastconv1(x)))
        return x.squeeze(1)


class CDCNpp(CDCNetwork):
    """CDCN++: searched backbone + multiscale attention fusion; depth map N x 32 x 32."""

    def __init__(self, theta=0.7, fold=True):
        super().__init__(fold)
        c = 128
        self.conv1 = nn.Sequential(*cdc_bn_relu(3, 64, theta))
        self.Block1 = cdc_block((64, c, int(c * 1.6), c), theta, _pool())
        self.Block2 = cdc_block((c, int(c * 1.2), c, int(c * 1.4), c), theta, _pool())
        self.Block3 = cdc_block((c, c, int(c * 1.2), c), theta, _pool())
        self.lastconv1 = nn.Sequential(*(cdc_bn_relu(c * 3, c, theta) + [
            CDConv2d(c, 1, 3, 1, 1, bias=False, theta=theta), nn.ReLU()]))
        self.sa1 = SpatialAttention(kernel=7)
        self.sa2 = SpatialAttention(kernel=5)
        self.sa3 = SpatialAttention(kernel=3)
        self.downsample32x32 = nn.Upsample(size=(32, 32), mode="bilinear")

    def forward(self, x):
        x = self.conv1(x)
        b1 = self.Block1(x)
        b2 = self.Block2(b1)
        b3 = self.Block3(b2)
        fused = [self.downsample32x32(sa(b) * b)
                 for sa, b in ((self.sa1, b1), (self.sa2, b2), (self.sa3, b3))]
        return self.lastconv1(torch.cat(fused, dim=1)).squeeze(1)


def build(cls, what, checkpoint=None, **kwargs):
    """``cls(**kwargs)``, with trained weights from ``checkpoint`` when given."""
    model = cls(**kwargs)
    if checkpoint is not None:
        load_into(model, str(checkpoint), what=what)
    return model


CDC_PARAMS = {"theta": 0.7, "fold": True, "checkpoint": None}


@register_model("cdcn", family="fas_cdcn", default_resolution=256, params=CDC_PARAMS,
                ranges=THETA, summary="cdcn:theta=0.7")
def build_cdcn(checkpoint=None, **kwargs):
    return build(CDCN, "CDCN checkpoint", checkpoint, **kwargs)


@register_model("cdcn_pp", family="fas_cdcn", default_resolution=256, params=CDC_PARAMS,
                ranges=THETA, summary="cdcn_pp:theta=0.7")
def build_cdcn_pp(checkpoint=None, **kwargs):
    return build(CDCNpp, "CDCN++ checkpoint", checkpoint, **kwargs)
