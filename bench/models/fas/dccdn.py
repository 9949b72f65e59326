"""C-CDN and DC-CDN (Z. Yu et al., "Dual-Cross Central Difference Network for Face
Anti-Spoofing", IJCAI 2021).

Cross central difference convolution (C-CDC, :class:`~bench.models.fas.cdc.CrossCDConv2d`)
keeps five taps of each 3x3 kernel: the horizontal/vertical cross (HV) or the diagonal
one (DG); theta = 0.8, the authors' default.

- C-CDN: CDCN's network (stem 64; three blocks of 128-196-128; multi-level 32x32
  concatenation; 128, 64, 1) with every CDC a C-CDC (HV by default, ``pattern=dg`` for
  the diagonal one) and 2x2/2 max pools.
- DC-CDN: an HV stream and a DG stream of that backbone side by side, and after each
  block a Cross Feature Interaction Module: each stream's features become a learnt
  mix of both, ``s(a_i) * own + (1 - s(a_i)) * other`` (s: sigmoid; one scalar per
  stream and level, 6 in all). Each stream concatenates its mixed low/mid/high
  features at 32x32 and refines them (C-CDC 128, 64); the two 64-channel results are
  concatenated and a 1x1 convolution (plain) gives the depth map.

Built as the authors' code has it (github.com/ZitongYu/CDCN, DC_CDN_IJCAI21.py), names
included, so its state dicts load. Details the code settles: the mixed features feed the
concatenation only (each stream's next block takes its own unmixed features); the cross
kernel is stored as five taps (``conv.weight``, out x in x 1 x 5) and run as a dense
3x3 convolution; the pools are 2x2/2 where CDCN's are 3x3/2. Patch Exchange, the
paper's third contribution, is a training-time augmentation with no part in the network.

Parameters: every C-CDC has 5/9 of a 3x3 convolution's weights. C-CDN 1,248,664
(convolutions 2,241,792 x 5/9 = 1,245,440, batch norm 3,224); DC-CDN 2,496,822 (two
streams without CDCN's last 64->1 layer, 2 x 1,245,120, batch norm 2 x 3,224, the 1x1
head 128 and the six mixing weights). Table 3 of the characterization study lists
1.25 M and 2.50 M: the same numbers, rounded. Multiply-adds at 256 (ptflops): C-CDN
52.8 G (as CDCN: the cross kernels run dense), DC-CDN 105.6 G; folded 47.5 G and 95.1 G.
"""

import torch
from torch import nn

from bench.errors import SpecError
from bench.models.fas.cdc import CROSS_TAPS, CDCNetwork, CrossCDConv2d
from bench.models.fas.cdcn import THETA, build
from bench.models.registry import register_model


def ccdc_bn_relu(cin, cout, pattern, theta):
    return [CrossCDConv2d(cin, cout, pattern, 1, 1, bias=False, theta=theta),
            nn.BatchNorm2d(cout), nn.ReLU()]


def ccdc_block(widths, pattern, theta):
    layers = []
    for cin, cout in zip(widths, widths[1:]):
        layers += ccdc_bn_relu(cin, cout, pattern, theta)
    return nn.Sequential(*(layers + [nn.MaxPool2d(kernel_size=2, stride=2, padding=0)]))


def build_stream(net, suffix, pattern, theta, last=True):
    """One stream's layers, set on ``net`` under the authors' names (+ ``suffix``)."""
    setattr(net, "conv1" + suffix, nn.Sequential(*ccdc_bn_relu(3, 64, pattern, theta)))
    setattr(net, "Block1" + suffix, ccdc_block((64, 128, 196, 128), pattern, theta))
    setattr(net, "Block2" + suffix, ccdc_block((128, 128, 196, 128), pattern, theta))
    setattr(net, "Block3" + suffix, ccdc_block((128, 128, 196, 128), pattern, theta))
    setattr(net, "lastconv1" + suffix, nn.Sequential(*ccdc_bn_relu(128 * 3, 128, pattern, theta)))
    setattr(net, "lastconv2" + suffix, nn.Sequential(*ccdc_bn_relu(128, 64, pattern, theta)))
    if last:
        net.lastconv3 = nn.Sequential(
            CrossCDConv2d(64, 1, pattern, 1, 1, bias=False, theta=theta), nn.ReLU())


class CCDN(CDCNetwork):
    """C-CDN: CDCN with cross central difference convolutions; depth map N x 32 x 32."""

    def __init__(self, theta=0.8, pattern="hv", fold=True):
        super().__init__(fold)
        self.pattern = pattern
        build_stream(self, "", pattern, theta)
        self.downsample32x32 = nn.Upsample(size=(32, 32), mode="bilinear")

    def forward(self, x):
        x = self.conv1(x)
        b1 = self.Block1(x)
        b2 = self.Block2(b1)
        b3 = self.Block3(b2)
        x = torch.cat([self.downsample32x32(b) for b in (b1, b2, b3)], dim=1)
        return self.lastconv3(self.lastconv2(self.lastconv1(x))).squeeze(1)


class DCCDN(CDCNetwork):
    """DC-CDN: HV and DG C-CDN streams with cross feature interaction; depth N x 32 x 32."""

    def __init__(self, theta=0.8, fold=True):
        super().__init__(fold)
        build_stream(self, "", "hv", theta, last=False)
        build_stream(self, "_2", "dg", theta, last=False)
        self.lastconv3 = nn.Sequential(nn.Conv2d(128, 1, kernel_size=1, bias=False), nn.ReLU())
        # CFIM weights, one per level: sigmoid(0) = 0.5 at the start, as the authors'
        self.HP_branch1 = nn.Parameter(torch.zeros(3, 1))
        self.HP_branch2 = nn.Parameter(torch.zeros(3, 1))
        self.downsample32x32 = nn.Upsample(size=(32, 32), mode="bilinear")

    def forward(self, x):
        a, b = self.conv1(x), self.conv1_2(x)
        mixed_a, mixed_b = [], []
        for level, (block_a, block_b) in enumerate(((self.Block1, self.Block1_2),
                                                    (self.Block2, self.Block2_2),
                                                    (self.Block3, self.Block3_2))):
            a, b = block_a(a), block_b(b)
            wa = torch.sigmoid(self.HP_branch1[level])
            wb = torch.sigmoid(self.HP_branch2[level])
            mixed_a.append(self.downsample32x32(wa * a + (1 - wa) * b))
            mixed_b.append(self.downsample32x32(wb * b + (1 - wb) * a))
        depth_a = self.lastconv2(self.lastconv1(torch.cat(mixed_a, dim=1)))
        depth_b = self.lastconv2_2(self.lastconv1_2(torch.cat(mixed_b, dim=1)))
        return self.lastconv3(torch.cat([depth_a, depth_b], dim=1)).squeeze(1)


def check_pattern(kwargs):
    pattern = str(kwargs["pattern"]).lower()
    if pattern not in CROSS_TAPS:
        raise SpecError("pattern={!r}: expected hv (horizontal/vertical cross) or dg "
                        "(diagonal cross)".format(kwargs["pattern"]))
    return dict(kwargs, pattern=pattern)


@register_model("c_cdn", family="fas_cdcn", default_resolution=256,
                params={"theta": 0.8, "pattern": "hv", "fold": True, "checkpoint": None},
                ranges=THETA, summary="c_cdn:pattern=dg", normalize=check_pattern)
def build_c_cdn(checkpoint=None, **kwargs):
    return build(CCDN, "C-CDN checkpoint", checkpoint, **kwargs)


@register_model("dc_cdn", family="fas_cdcn", default_resolution=256,
                params={"theta": 0.8, "fold": True, "checkpoint": None},
                ranges=THETA, summary="dc_cdn:theta=0.8")
def build_dc_cdn(checkpoint=None, **kwargs):
    return build(DCCDN, "DC-CDN checkpoint", checkpoint, **kwargs)
