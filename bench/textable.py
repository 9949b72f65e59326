"""Plain-text tables for the terminal (no dependency, aligned columns)."""


def _cell(value, fmt):
    if value is None or value == "":
        return ""
    if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, fmt)
    return str(value)


def format_table(rows, columns, formats=None, right=()):
    """``rows``: list of dicts; ``columns``: keys in order; ``formats``: key -> format spec."""
    formats = formats or {}
    cells = [[_cell(r.get(c), formats.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]

    def line(values):
        out = []
        for i, (v, w) in enumerate(zip(values, widths)):
            out.append(v.rjust(w) if columns[i] in right else v.ljust(w))
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), sep] + [line(r) for r in cells])
