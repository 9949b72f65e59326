"""A tiny, seeded trainer for PTA MobileNetV2: a checkpoint to evaluate, made in seconds.

Not a recipe for a production anti-spoofing model (that is the paper's long training on
CASIA-FASD / Replay-Attack / OULU-NPU): it exists so the tests, and a user trying
``bench evaluate``, have a real trained checkpoint of the right shape without a download.

What it does, following SPEC §1.2: one PTAMobileNetV2 is trained, and every step draws
the configuration to train with :class:`~bench.models.pta.ConfigSampler` (HHH 0.45,
LHH/HLH/HHL 0.15 each, LLL 0.10; Both never), so one state dict serves every
configuration. Images come from the same folder reader and normalisation as
``bench evaluate`` (:mod:`bench.quality.data`), with random horizontal flips.

A few steps leave the batch-norm running statistics of rarely drawn branches (the light
ones) far from their data: after training they are re-estimated on the training images
in every trained configuration ("precise BN": a cumulative average, weights untouched),
so each configuration is evaluated with statistics of its own activations.

    python -m bench.quality.train DATA_DIR OUT.pt [--resolution 128] [--steps 100]
"""

import os
import sys

from bench.errors import BenchError
from bench.quality.data import find_images, normalize

DEFAULTS = {"resolution": 128, "steps": 100, "seed": 0, "batch_size": 32, "lr": 1e-3}


def _recalibrate_batch_norm(model, batches, configs):
    """Re-estimate every batch-norm's running statistics over ``batches`` in each config."""
    import torch

    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    saved = [bn.momentum for bn in bns]
    try:
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average of every batch seen
        model.train()
        with torch.no_grad():
            for config in configs:
                model.set_config(config)
                for x in batches:
                    model(x)
    finally:
        for bn, momentum in zip(bns, saved):
            bn.momentum = momentum
        model.eval()


def train_pta(data_dir, out_path, resolution=DEFAULTS["resolution"], steps=DEFAULTS["steps"],
              seed=DEFAULTS["seed"], batch_size=DEFAULTS["batch_size"], lr=DEFAULTS["lr"],
              width_mult=1.0):
    """Train PTAMobileNetV2 (2 classes) on ``data_dir`` and save its state dict at ``out_path``.

    Deterministic for a seed (on one machine and torch build). Returns a summary dict:
    path, steps, final loss, how often each configuration was drawn.
    """
    import numpy as np
    import torch

    from bench.models.pta import TRAIN_PROBABILITIES, ConfigSampler, PTAMobileNetV2

    for name, value, low in (("resolution", resolution, 16), ("steps", steps, 1),
                             ("batch_size", batch_size, 2)):
        if int(value) != value or value < low:
            raise BenchError("train_pta: {}={!r}; give a whole number of at least {}".format(
                name, value, low))
    folder = find_images(data_dir)
    x_all = torch.from_numpy(normalize(folder.pixels(resolution)))
    y_all = torch.from_numpy(folder.labels)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = PTAMobileNetV2(num_classes=2, width_mult=width_mult)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sampler = ConfigSampler(seed)
    drawn = {}
    loss = None
    model.train()
    for _ in range(int(steps)):
        config = sampler.apply(model)
        drawn[config] = drawn.get(config, 0) + 1
        idx = torch.randperm(len(x_all), generator=gen)[:batch_size]
        x, y = x_all[idx], y_all[idx]
        flip = torch.rand(len(idx), generator=gen) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    trained = [c for c, p in TRAIN_PROBABILITIES if p > 0]
    _recalibrate_batch_norm(model, list(torch.split(x_all, batch_size)), trained)
    model.set_config("HHH")
    parent = os.path.dirname(os.path.abspath(str(out_path)))
    os.makedirs(parent, exist_ok=True)
    torch.save(model.state_dict(), str(out_path))
    return {"path": str(out_path), "steps": int(steps), "resolution": resolution,
            "loss": None if loss is None else float(np.float64(loss.item())),
            "configs": drawn}


def main(argv=None):
    import argparse

    p = argparse.ArgumentParser(prog="python -m bench.quality.train",
                                description="train a small PTA MobileNetV2 checkpoint on "
                                            "DIR/live and DIR/spoof face crops")
    p.add_argument("data", metavar="DIR")
    p.add_argument("out", metavar="OUT.pt")
    for key in ("resolution", "steps", "seed", "batch_size"):
        p.add_argument("--" + key.replace("_", "-"), type=int, default=DEFAULTS[key])
    p.add_argument("--lr", type=float, default=DEFAULTS["lr"])
    args = p.parse_args(argv)
    try:
        done = train_pta(args.data, args.out, args.resolution, args.steps, args.seed,
                         args.batch_size, args.lr)
    except BenchError as exc:
        print("bench: error: {}".format(exc), file=sys.stderr)
        return exc.exit_code
    print("saved {} ({} steps at r{}, final loss {:.4f}; configurations drawn: {})".format(
        done["path"], done["steps"], done["resolution"], done["loss"],
        ", ".join("{} {}".format(c, n) for c, n in sorted(done["configs"].items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
