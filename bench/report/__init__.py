"""``bench report``: one self-contained HTML page from result CSVs (device information,
result tables, every plot the CSVs support, results relative to a baseline)."""

import os
import tempfile

from bench.errors import BenchError, EnvironmentProblem


def check_output(out, sources):
    """Refuse, before any work, an output path that cannot be written or would overwrite an
    input."""
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise BenchError("cannot write {}: no directory {}".format(out, parent))
    if os.path.isdir(out):
        raise BenchError("-o {} is a directory; give a file path such as {}".format(
            out, os.path.join(out, "report.html")))
    for src in sources:
        if os.path.exists(src) and os.path.exists(out) and os.path.samefile(src, out):
            raise BenchError("-o {} is one of the input CSVs; give another file".format(out))


def write_report(sources, out, title=None):
    """Read ``sources`` (CSV paths), write the report to ``out`` (atomically).
    -> (number of tables, number of plots)."""
    from bench import __version__
    from bench.report import html, sections

    check_output(out, sources)
    inputs = [sections.read_input(src) for src in sources]  # every file checked first
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        devices, secs = sections.build(inputs, folder)
    page = html.render(title or "bench report", [(i.path, i.kind.title, len(i.rows))
                                                 for i in inputs], devices, secs, __version__)
    tmp = "{}.{}.tmp".format(out, os.getpid())
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(page)
        os.replace(tmp, out)
    except OSError as exc:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise EnvironmentProblem("cannot write {}: {}".format(out, exc.strerror or exc)) from None
    tables = sum(len(s.tables) for s in secs) + (devices is not None)
    plots = sum(1 for s in secs for f in s.figures if f.png is not None)
    return tables, plots
