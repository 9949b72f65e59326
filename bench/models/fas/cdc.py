"""Central Difference Convolution (CDC) and its folding into one plain convolution.

Z. Yu et al., "Searching Central Difference Convolutional Networks for Face
Anti-Spoofing", CVPR 2020: ``out = conv(x, w) - theta * conv(x, sum(w) as 1x1)``,
the second term sampling the input at the kernel's centre with the same stride. Both
terms are linear in ``x`` and read the same output positions, so at inference the
pair is one convolution whose centre tap is ``w_centre - theta * sum(w)``
(:meth:`CDConv2d.folded`). The CDC form computes ``sum(w)`` and a second convolution
on every call; runtimes that cannot constant-fold a weight computed in the graph
(the characterization study's TensorRT) choke on it, while the folded form is an
ordinary convolution everywhere. Folding is an export option (:func:`fold_cdc`); the
module built for eager PyTorch stays the CDC form, as trained.

The cross variants (C-CDC, Yu et al., IJCAI 2021) keep five taps of a 3x3 kernel:
horizontal/vertical (``hv``: centre and its four neighbours) or diagonal (``dg``:
centre and the four corners); they fold the same way.

Module layout and parameter names follow the authors' code (``Conv2d_cd``,
``Conv2d_Hori_Veri_Cross``, ``Conv2d_Diag_Cross``: the kernel in ``conv.weight``, the
bias in ``conv.bias``), so their state dicts load.

Multiply-adds as bench counts them (ptflops, module by module) are the work executed:
the CDC form is each k x k convolution plus its 1x1 central term (about 1/9 more than
the folded network), and a cross kernel runs as the dense 3x3 convolution it is
assembled into, so C-CDN counts as CDCN does (counting only the five non-zero taps
would give 5/9 of the convolution work, the figure the C-CDC paper argues with).
"""

import copy

import torch
from torch import nn

CROSS_TAPS = {  # row-major positions in the 3x3 kernel of the five stored taps
    "hv": (1, 3, 4, 5, 7),
    "dg": (0, 2, 4, 6, 8),
}


def _executor(conv):
    """An ``nn.Conv2d`` without a weight of its own, run by :func:`_run` with a kernel
    computed in the forward pass.

    bench counts parameters and multiply-adds by hooking module calls
    (:mod:`bench.models.complexity`); a functional ``F.conv2d`` would be invisible
    to ptflops. Running the computed kernel through a real ``nn.Conv2d`` counts it as
    the convolution it is, while the parameters stay where they are stored.
    """
    del conv.weight
    return conv


def _run(conv, x, weight):
    """``conv(x)`` with ``weight`` as the kernel of this one call."""
    conv.weight = weight
    try:
        return conv(x)
    finally:
        del conv.weight  # a tensor with autograd history must not outlive the call


def check_theta(theta):
    theta = float(theta)
    if not 0.0 <= theta <= 1.0:
        raise ValueError("theta={} is out of range: the CDC weight of the central "
                         "difference term must be >= 0 and <= 1".format(theta))
    return theta


class CDConv2d(nn.Module):
    """Central difference convolution: ``conv(x, w) - theta * conv(x, sum(w) as 1x1)``.

    ``theta`` (0..1, 0.7 in the paper) blends a plain convolution (0) with a pure
    central-difference one (1). The bias, where there is one, enters both terms as in
    the authors' code, so the folded bias is ``(1 - theta) * b``. Folding needs the
    central term to read the input where the kernel's centre does: an odd kernel with
    "same" padding (``padding == dilation * (kernel - 1) / 2``), as every CDC network
    uses (3x3, padding 1).
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=1,
                 dilation=1, groups=1, bias=False, theta=0.7):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                              dilation, groups, bias)
        self._geometry(self.conv)
        self.theta = check_theta(theta)

    def _geometry(self, conv):
        """Keep the convolution's shape here (the cross form stores no 3x3 conv) and
        check that the central term lines up with the kernel's centre."""
        for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                     "dilation", "groups"):
            setattr(self, name, getattr(conv, name))
        for k, p, d in zip(self.kernel_size, self.padding, self.dilation):
            if isinstance(p, str) or k % 2 == 0 or p != d * (k - 1) // 2:
                raise ValueError(
                    "central difference convolution needs an odd kernel with 'same' padding "
                    "(padding = dilation*(kernel-1)/2), got kernel {}, padding {}, dilation "
                    "{}".format(self.kernel_size, self.padding, self.dilation))
        self.diff = _executor(nn.Conv2d(self.in_channels, self.out_channels, 1, self.stride, 0,
                                        groups=self.groups, bias=False))

    @property
    def bias(self):
        return self.conv.bias

    def kernel(self):
        """The dense ``k x k`` kernel ``w``."""
        return self.conv.weight

    def _plain(self, x, weight):
        return self.conv(x)

    def forward(self, x):
        weight = self.kernel()
        out = self._plain(x, weight)
        if self.theta == 0.0:  # as the authors' code: exactly the plain convolution
            return out
        diff = _run(self.diff, x, weight.sum(dim=(2, 3), keepdim=True))
        if self.bias is not None:
            diff = diff + self.bias.view(1, -1, 1, 1)
        return out - self.theta * diff

    @torch.no_grad()
    def folded_weight(self):
        """(weight, bias or None) of the equivalent plain convolution, computed in
        float64 so folding adds no rounding of its own."""
        weight = self.kernel().detach()
        w = weight.double().clone()
        kh, kw = w.shape[2:]
        w[:, :, kh // 2, kw // 2] -= self.theta * w.sum(dim=(2, 3))
        bias = None if self.bias is None else \
            ((1.0 - self.theta) * self.bias.detach().double()).to(self.bias.dtype)
        return w.to(weight.dtype), bias

    def folded(self):
        """The plain ``nn.Conv2d`` equal to this layer at inference."""
        weight, bias = self.folded_weight()
        conv = nn.Conv2d(self.in_channels, self.out_channels, self.kernel_size, self.stride,
                         self.padding, self.dilation, self.groups, bias is not None,
                         device=weight.device, dtype=weight.dtype)
        with torch.no_grad():
            conv.weight.copy_(weight)
            if bias is not None:
                conv.bias.copy_(bias)
        conv.train(self.training)
        return conv

    def extra_repr(self):
        return "theta={}".format(self.theta)


class _CrossTaps(nn.Module):
    """The five stored taps of a cross kernel (``weight``: out x in/groups x 1 x 5, as in
    the authors' code); calling it returns the dense 3x3 kernel, zeros elsewhere."""

    def __init__(self, in_channels, out_channels, taps, groups=1, bias=False):
        super().__init__()
        self.taps = tuple(taps)
        # initialised as the authors' nn.Conv2d(kernel_size=(1, 5)) storage is
        store = nn.Conv2d(in_channels, out_channels, (1, 5), groups=groups, bias=bias)
        self.weight = store.weight
        self.register_parameter("bias", store.bias)

    def forward(self):
        w = self.weight[:, :, 0, :]
        zero = torch.zeros_like(w[:, :, :1])
        pieces = [zero] * 9
        for k, slot in enumerate(self.taps):
            pieces[slot] = w[:, :, k:k + 1]
        return torch.cat(pieces, dim=2).view(w.shape[0], w.shape[1], 3, 3)


class CrossCDConv2d(CDConv2d):
    """Cross central difference convolution (C-CDC): a 3x3 CDC whose kernel keeps five
    taps, ``pattern="hv"`` (centre + horizontal/vertical neighbours) or ``"dg"``
    (centre + diagonal corners). Parameters are 5/9 of a 3x3 convolution's; it runs as a
    dense 3x3 convolution of the assembled kernel, as the authors' code does."""

    def __init__(self, in_channels, out_channels, pattern="hv", stride=1, padding=1,
                 dilation=1, groups=1, bias=False, theta=0.8):
        nn.Module.__init__(self)
        if pattern not in CROSS_TAPS:
            raise ValueError("cross pattern {!r}: expected one of {}".format(
                pattern, ", ".join(sorted(CROSS_TAPS))))
        self.pattern = pattern
        self.conv = _CrossTaps(in_channels, out_channels, CROSS_TAPS[pattern], groups, bias)
        dense = nn.Conv2d(in_channels, out_channels, 3, stride, padding, dilation, groups,
                          bias=False)
        self._geometry(dense)
        self.run = _executor(dense)
        self.theta = check_theta(theta)

    def kernel(self):
        return self.conv()

    def _plain(self, x, weight):
        out = _run(self.run, x, weight)
        return out if self.bias is None else out + self.bias.view(1, -1, 1, 1)

    def extra_repr(self):
        return "pattern={!r}, theta={}".format(self.pattern, self.theta)


def fold_cdc(module):
    """A deep copy of ``module`` with every :class:`CDConv2d` (cross ones included)
    replaced by its folded plain convolution; ``module`` itself is untouched."""
    if isinstance(module, CDConv2d):
        return module.folded()
    folded = copy.deepcopy(module)
    for parent in list(folded.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, CDConv2d):
                setattr(parent, name, child.folded())
    return folded


class CDCNetwork(nn.Module):
    """Base of the CDC networks: a depth-map output and the ``fold`` export option.

    ``score_kind = "depth"``: the output is an N x 32 x 32 depth map, live faces high
    (the mean depth is the live score). ``export_module()`` is what an export freezes:
    the folded copy when ``fold`` is true (a plain-convolution network, equal at
    inference), else the CDC network itself.
    """

    score_kind = "depth"

    def __init__(self, fold=True):
        super().__init__()
        self.fold = bool(fold)

    def export_module(self):
        return fold_cdc(self) if self.fold else self
