"""Choosing what runs inside an artifact that holds several: a *selection*.

A switchable PTA artifact (:mod:`bench.models.pta_switch`) holds every configuration; a
selection says which one a session runs, in one of two ways:

- ``{"name": "LLL", "signature": "LLL"}``: a named entry point (a TFLite signature). The
  session must have ``select_signature(key)``.
- ``{"name": "LLL", "inputs": {"pta_config": {"dtype": "int32", "value": [1, 1, 1]}}}``:
  inputs whose values are fixed by the selection, not fed by the protocol (an ONNX graph
  that takes the configuration as an input; the TensorRT engine built from it).

:func:`apply_selection` wraps a session in :class:`SelectedSession`, which hides the fixed
inputs from the protocol (``inputs``/``set_inputs`` see only the data inputs) and can
``switch`` to another selection: what an application does between two frames, timed by
the worker as the first inference after a switch.

Shipped to devices: Python 3.6, stdlib at import time (numpy inside methods).
"""

from bench.runtimes.base import Session, Unsupported


def describe(selection):
    return (selection or {}).get("name") or "?"


class SelectedSession(Session):
    """``inner`` running ``selection``; everything else is passed through."""

    def __init__(self, inner, selection, runtime_name=""):
        self._inner = inner
        self._runtime = runtime_name
        self._arrays = None
        self.selection = None
        self._fixed = {}
        self._apply(selection, place=False)

    def __getattr__(self, name):  # notes, info, ... of the wrapped session
        return getattr(self._inner, name)

    def _apply(self, selection, place=True):
        import numpy as np

        if selection.get("signature"):
            chooser = getattr(self._inner, "select_signature", None)
            if chooser is None:
                raise Unsupported("{} cannot run signature {!r} of a multi-signature file; "
                                  "measure the frozen configuration instead".format(
                                      self._runtime or "this runtime", selection["signature"]))
            chooser(selection["signature"])
        fixed = {}
        for name, value in sorted((selection.get("inputs") or {}).items()):
            fixed[name] = np.asarray(value["value"], dtype=value.get("dtype") or "int32")
        self.selection = selection
        if not place or self._arrays is None:
            self._fixed = fixed
            return
        setter = getattr(self._inner, "set_input_value", None)
        if selection.get("signature") or setter is None or set(fixed) != set(self._fixed):
            self._fixed = fixed
            self._inner.set_inputs(self._all(self._arrays))
        else:  # only the selector's values change: no other input is copied again
            self._fixed = fixed
            for name, array in fixed.items():
                setter(name, array)

    def _declared(self):
        declared = self._inner.inputs()
        if declared is None:
            if self._fixed:
                raise Unsupported("{} does not say what inputs the artifact takes, so it "
                                  "cannot fix {}".format(self._runtime or "this runtime",
                                                         ", ".join(sorted(self._fixed))))
            return None
        missing = sorted(set(self._fixed) - set(d["name"] for d in declared))
        if missing:
            raise Unsupported("the artifact has no input {} to select configuration {} with; "
                              "export it again with switchable=true".format(
                                  ", ".join(missing), describe(self.selection)))
        return declared

    def inputs(self):
        declared = self._declared()
        if declared is None:
            return None
        return [d for d in declared if d["name"] not in self._fixed]

    def _all(self, arrays):
        declared = self._declared()
        if declared is None:
            return list(arrays)
        data = iter(arrays)
        out = []
        for d in declared:
            out.append(self._fixed[d["name"]] if d["name"] in self._fixed else next(data))
        return out

    def set_inputs(self, arrays):
        self._arrays = list(arrays)
        self._inner.set_inputs(self._all(self._arrays))

    def switch(self, selection):
        """Run ``selection`` from now on (the data inputs stay as they were placed)."""
        self._apply(selection)

    def run(self):
        self._inner.run()

    def sync(self):
        self._inner.sync()

    def output(self):
        return self._inner.output()

    def close(self):
        self._inner.close()


def apply_selection(session, selection, runtime_name=""):
    """``session`` itself when ``selection`` is empty, else a :class:`SelectedSession`."""
    if not selection:
        return session
    try:
        return SelectedSession(session, selection, runtime_name)
    except BaseException:
        session.close()
        raise
