"""The report page: one self-contained HTML file (CSS inline, figures as ``data:`` URIs, no
script, nothing fetched), so it can be mailed, archived or opened offline.

Every value that comes from a CSV (model names, error messages, host names, file names)
is escaped with :func:`html.escape`; the page's Content-Security-Policy in addition
forbids scripts and any load that is not a ``data:`` image, so even a value that slipped
through could neither run nor phone home.
"""

import base64
import datetime
import html
import os

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif;
       margin: 24px auto; max-width: 1500px; padding: 0 16px; color: #1d2330; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.8em; padding-bottom: 0.2em;
     border-bottom: 2px solid #3b6ea8; }
h3 { font-size: 1.0em; margin: 1.2em 0 0.4em; color: #33415c; }
.meta { color: #5b6475; font-size: 0.9em; }
.source { font-family: monospace; color: #5b6475; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.3em 0 1em; }
th, td { border: 1px solid #c9d1de; padding: 3px 7px; vertical-align: top; text-align: left; }
th { background: #e8eef7; }
tbody:nth-of-type(even) td { background: #f7f9fc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody.bad td { background: #fdecec; }
tr.reason td { border-top: none; padding: 0 7px 4px 2em; font-size: 0.92em; color: #6b3a3a;
               overflow-wrap: anywhere; }
tbody.bad tr.reason td { color: #8a1f1f; }
div.wide { overflow-x: auto; max-width: 100%; }
table.device th:first-child, table.device td:first-child { background: #e8eef7; font-weight: bold; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #dde3ec; }
figcaption { color: #5b6475; font-size: 0.9em; margin-top: 0.3em; }
.problem { color: #8a1f1f; }
ul.toc { columns: 2; font-size: 0.9em; }
"""


def esc(value):
    return html.escape("" if value is None else str(value), quote=True)


def _anchor(i):
    return "s{}".format(i)


def render_table(table, css_class=""):
    out = ["<h3>{}</h3>".format(esc(table.caption))] if table.caption else []
    if table.note:
        out.append('<p class="meta">{}</p>'.format(esc(table.note)))
    out.append('<div class="wide"><table{}><thead><tr>{}</tr></thead>'.format(
        ' class="{}"'.format(css_class) if css_class else "",
        "".join("<th>{}</th>".format(esc(h)) for h in table.headers)))
    for row, bad, reason in zip(table.rows, table.bad, table.reasons):
        # one <tbody> per result: its row and, under it, its error and notes
        cells = "".join("<td{}>{}</td>".format(' class="num"' if i in table.right else "",
                                               esc(value)) for i, value in enumerate(row))
        out.append("<tbody{}><tr>{}</tr>{}</tbody>".format(
            ' class="bad"' if bad else "", cells,
            '<tr class="reason"><td colspan="{}">{}</td></tr>'.format(
                len(table.headers), esc(reason)) if reason else ""))
    out.append("</table></div>")
    return "\n".join(out)


def render_figure(fig):
    if fig.png is None:
        return '<p class="problem">{}: not drawn: {}</p>'.format(esc(fig.caption),
                                                               esc(fig.problem))
    data = base64.b64encode(fig.png).decode("ascii")
    return ('<figure><img src="data:image/png;base64,{}" alt="{}"><figcaption>{}</figcaption>'
            '</figure>'.format(data, esc(fig.caption), esc(fig.caption)))


def render(title, sources, devices, sections, version):
    """The page as one string. ``sources``: (path, kind title, rows); ``devices``: a
    :class:`bench.report.sections.Table` or None; ``sections``: [Section]."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    n_fig = sum(1 for s in sections for f in s.figures if f.png is not None)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="{}">'.format(CSP),
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>{}</title>".format(esc(title)),
           "<style>{}</style>".format(STYLE), "</head><body>",
           "<h1>{}</h1>".format(esc(title)),
           '<p class="meta">Written by bench {} on {} from {} CSV file{}; {} plot{}.</p>'.format(
               esc(version), esc(now), len(sources), "" if len(sources) == 1 else "s", n_fig,
               "" if n_fig == 1 else "s")]
    out.append("<table><thead><tr><th>file</th><th>kind</th><th>rows</th></tr></thead><tbody>")
    for path, kind, rows in sources:
        out.append('<tr><td class="source">{}</td><td>{}</td><td class="num">{}</td></tr>'.format(
            esc(path), esc(kind), rows))
    out.append("</tbody></table>")
    out.append('<ul class="toc">')
    if devices is not None:
        out.append('<li><a href="#devices">Devices</a></li>')
    for i, sec in enumerate(sections):
        out.append('<li><a href="#{}">{}{}</a></li>'.format(
            _anchor(i), esc(sec.title),
            " — " + esc(os.path.basename(sec.source)) if sec.source else ""))
    out.append("</ul>")
    if devices is not None:
        out.append('<h2 id="devices">Devices</h2>')
        devices.caption = ""
        out.append(render_table(devices, "device"))
    for i, sec in enumerate(sections):
        out.append('<h2 id="{}">{}</h2>'.format(_anchor(i), esc(sec.title)))
        if sec.source:
            out.append('<p class="source">{}{}</p>'.format(
                esc(sec.source), " — " + esc(sec.summary) if sec.summary else ""))
        for table in sec.tables:
            out.append(render_table(table))
        for fig in sec.figures:
            out.append(render_figure(fig))
    out.append("</body></html>\n")
    return "\n".join(out)
