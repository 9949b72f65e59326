"""A folder of labelled face crops: ``DIR/live/`` (bona fide) and ``DIR/spoof/`` (attacks).

Images are png or jpg of any size, in those folders or folders below them (a dataset
sorted by subject or session keeps its layout). Each is read with Pillow, turned upright
by its EXIF orientation, converted to RGB and resized to the model's square input
resolution (bilinear; no crop: face crops are square already, and a crop would drop
face area from some datasets and not others). Decoded images are kept as uint8 per
resolution, so a set of models at one resolution decodes the folder once.

Normalisation, the same on every path (eager, ONNX, TFLite, and :mod:`bench.quality.train`):
pixel / 255, then minus the ImageNet mean (0.485, 0.456, 0.406) and divided by the ImageNet
standard deviation (0.229, 0.224, 0.225) per RGB channel, as torchvision's models expect;
NCHW float32.

Every way the folder can be wrong is one :class:`BenchError` line naming the path and the
fix (exit 2), checked before any model runs: missing, a file, empty, without ``live/`` or
``spoof/``, a class folder with no images, an image that cannot be decoded.
"""

import os

import numpy as np

from bench.errors import BenchError

CLASSES = (("live", 1), ("spoof", 0))  # folder -> label (1 = live / bona fide)
SUFFIXES = (".png", ".jpg", ".jpeg")
MEAN = np.array((0.485, 0.456, 0.406), dtype=np.float32)
STD = np.array((0.229, 0.224, 0.225), dtype=np.float32)
LAYOUT = "DIR/live/ (bona fide face crops) and DIR/spoof/ (attacks), png or jpg"


def _listing(path, limit=5):
    names = sorted(n for n in os.listdir(path) if not n.startswith("."))
    shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
    return names, shown


def _images_under(folder):
    """(image paths, count of other files) below ``folder``, sorted, hidden entries skipped."""
    found, other = [], 0
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            if name.lower().endswith(SUFFIXES):
                found.append(os.path.join(parent, name))
            else:
                other += 1
    return found, other


class FaceFolder:
    """The labelled images of a data folder (paths and labels; pixels on demand)."""

    def __init__(self, root, paths, labels, ignored=0):
        self.root = root
        self.paths = list(paths)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.ignored = ignored  # files that are not png/jpg, left out
        self._pixels = {}

    @property
    def n_live(self):
        return int((self.labels == 1).sum())

    @property
    def n_spoof(self):
        return int((self.labels == 0).sum())

    def __len__(self):
        return len(self.paths)

    def pixels(self, resolution, progress=None):
        """uint8 array N x r x r x 3 (RGB), decoded once per resolution."""
        if resolution not in self._pixels:
            self._pixels[resolution] = load_pixels(self.paths, resolution, progress)
        return self._pixels[resolution]

    def batches(self, resolution, size=64):
        """Normalised float32 NCHW batches of at most ``size`` images, in folder order."""
        pixels = self.pixels(resolution)
        for start in range(0, len(pixels), size):
            yield normalize(pixels[start:start + size])


def find_images(root):
    """The :class:`FaceFolder` at ``root``; a folder that cannot serve is a BenchError."""
    root = str(root)
    if not os.path.exists(root):
        raise BenchError("--data {}: no such folder; give a folder with {}".format(root, LAYOUT))
    if not os.path.isdir(root):
        raise BenchError("--data {} is a file, not a folder; give a folder with {}".format(
            root, LAYOUT))
    try:
        names, shown = _listing(root)
    except OSError as exc:
        raise BenchError("--data {}: cannot list it ({})".format(root, exc.strerror)) from None
    if not names:
        raise BenchError("--data {} is empty; put {}".format(root, LAYOUT.replace("DIR", root)))
    missing = [c for c, _ in CLASSES if not os.path.isdir(os.path.join(root, c))]
    if missing:
        have = "has neither live/ nor spoof/" if len(missing) == 2 else \
            "has no {}/".format(missing[0])
        raise BenchError("--data {} {} (it has: {}); sort the crops into {}: unlabelled images "
                         "cannot be scored".format(root, have, shown,
                                                   LAYOUT.replace("DIR", root)))
    paths, labels, ignored = [], [], 0
    for name, label in CLASSES:
        folder = os.path.join(root, name)
        found, other = _images_under(folder)
        if not found:
            what = "bona fide" if label == 1 else "attack"
            if other:
                _, shown = _listing(folder)
                raise BenchError("{} has no png/jpg images (it has: {}); put the {} face crops "
                                 "there".format(folder, shown, what))
            raise BenchError("{} is empty; put the {} face crops there (png or jpg)".format(
                folder, what))
        paths += found
        labels += [label] * len(found)
        ignored += other
    return FaceFolder(root, paths, labels, ignored)


def read_image(path, resolution):
    """One image as uint8 r x r x 3 RGB; a file Pillow cannot decode is a BenchError."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as img:
            img.load()
            img = ImageOps.exif_transpose(img).convert("RGB")
            img = img.resize((resolution, resolution), Image.Resampling.BILINEAR)
            return np.asarray(img, dtype=np.uint8)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BenchError("cannot read image {}: {}; replace the file or remove it".format(
            path, reason)) from None


def load_pixels(paths, resolution, progress=None):
    """uint8 N x r x r x 3 for ``paths`` (``progress.update`` hears every 64th file)."""
    out = np.empty((len(paths), resolution, resolution, 3), dtype=np.uint8)
    for i, path in enumerate(paths):
        if progress is not None and i % 64 == 0:
            progress.update("reading images at r{}: {}/{}".format(resolution, i, len(paths)))
        out[i] = read_image(path, resolution)
    return out


def normalize(pixels):
    """uint8 N x H x W x 3 RGB -> float32 N x 3 x H x W, ImageNet mean/std."""
    x = np.asarray(pixels, dtype=np.float32) / 255.0
    x = (x - MEAN) / STD
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)
