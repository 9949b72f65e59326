"""Which format a file is, by content: the readers' registry and the file probe.

Each reader class declares ``name``, ``claims(probe)`` (a cheap look at the first
bytes, the zip listing or the suffix) and ``check(probe)`` (the real validation,
which may leave the parsed file in ``probe.loaded`` for ``inspect``). Readers are
asked in registration order; a file no reader claims is explained (a torch.save
pickle, text, another zip, unknown bytes). Stdlib only.
"""

import os
import zipfile

from bench.models.files.base import first_line, refuse

READERS = {}  # name -> reader instance, in detection order

SAVE_INSTEAD = "save the model with torch.jit.save or torch.export.save, or export it to ONNX"
HEAD_BYTES = 64


def register_reader(cls):
    """Class decorator: one instance of a model-file reader, keyed by its ``name``."""
    READERS[cls.name] = cls()
    return cls


class Probe(object):
    """A model file being identified: its path, size, first bytes, suffix, zip listing."""

    def __init__(self, path, size, head):
        self.path = path
        self.size = size
        self.head = head
        self.suffix = os.path.splitext(path)[1].lower()
        self.format = None
        self.loaded = None  # what the claiming reader parsed, reused by inspect
        self._zip_names = None

    @property
    def is_pickle(self):
        """A pickle (protocol 2-5), as torch.save wrote before torch 1.6, or pickle.dump."""
        return self.head[:1] == b"\x80" and self.head[1:2] in (b"\x02", b"\x03", b"\x04",
                                                               b"\x05")

    @property
    def is_zip(self):
        return self.head.startswith(b"PK\x03\x04") or self.head.startswith(b"PK\x05\x06")

    def zip_names(self):
        """Entry names of a zip archive (a truncated one is refused), else []."""
        if not self.is_zip:
            return []
        if self._zip_names is None:
            try:
                with zipfile.ZipFile(self.path) as zf:
                    self._zip_names = zf.namelist()
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise refuse(self.path, "it is a truncated or corrupt zip archive ({})".format(
                    first_line(exc))) from None
        return self._zip_names

    def zip_read(self, name, limit=1 << 20):
        """The first ``limit`` bytes of one entry (a damaged entry is refused)."""
        try:
            with zipfile.ZipFile(self.path) as zf:
                with zf.open(name) as fh:
                    return fh.read(limit)
        except Exception as exc:  # noqa: BLE001 - zipfile and zlib raise several types
            raise refuse(self.path, "it is a truncated or corrupt zip archive ({})".format(
                first_line(exc))) from None


def probe_file(path):
    """The :class:`Probe` of ``path`` with ``format`` set, or a one-line SpecError."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise refuse(path, "no such file")
    if os.path.isdir(path):
        raise refuse(path, "it is a directory, not a model file")
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise refuse(path, "it cannot be read ({})".format(exc.strerror or exc),
                     "make it readable") from None
    if size == 0:
        raise refuse(path, "the file is empty")
    probe = Probe(path, size, head)
    for reader in READERS.values():
        if reader.claims(probe):
            reader.check(probe)
            probe.format = reader.name
            return probe
    raise unknown(probe)


def unknown(probe):
    """Why no reader claimed the file, as the SpecError to raise."""
    kind = torch_save_kind(probe)
    if kind == "state dict":
        return refuse(probe.path, "it is a state dict (torch.save(model.state_dict())): "
                      "weights without the model code", "use a py: spec with the code that "
                      "builds the model, or " + SAVE_INSTEAD)
    if kind == "module":
        return refuse(probe.path, "it is a whole nn.Module pickled with torch.save(model), "
                      "which needs its Python class to load", "use a py: spec with the model "
                      "code, or " + SAVE_INSTEAD)
    if kind:
        return refuse(probe.path, "it is a Python pickle (torch.save or pickle.dump), not a "
                      "model file", SAVE_INSTEAD)
    if probe.is_zip:
        return refuse(probe.path, "it is a zip archive but not a TorchScript or torch.export "
                      "file (no code/, constants.pkl or models/*.json entries)")
    if looks_like_text(probe.head):
        return refuse(probe.path, "it is a text file, not a model")
    return refuse(probe.path, "its content is no model format bench knows")


def torch_save_kind(probe):
    """"state dict" / "module" / "pickle" for a torch.save (or pickle) file, else None.
    Nothing is unpickled: the pickle's bytes are searched for the names it imports."""
    if probe.is_zip:
        pickles = [n for n in probe.zip_names() if n.endswith("data.pkl")]
        if not pickles:
            return None
        data = probe.zip_read(pickles[0])
    elif probe.is_pickle:
        with open(probe.path, "rb") as fh:
            data = fh.read(1 << 20)
    else:
        return None
    if b"torch.nn.modules" in data or b"__main__" in data:
        return "module"
    if b"OrderedDict" in data or b"_rebuild_tensor" in data or b"_rebuild_parameter" in data:
        return "state dict"
    return "pickle"


def looks_like_text(head):
    for cut in range(4):  # the first bytes may end inside a multi-byte character
        try:
            text = head[:len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return bool(text) and all(c.isprintable() or c in "\r\n\t" for c in text)
    return False
