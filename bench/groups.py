"""How the models of one runtime are put into groups measured together (interleaved).

An :class:`Item` is one (model, runtime, precision) on its way to a row; groups hold at
most ``group_size`` of them and ``group_max_mb`` of artifacts, and the baseline of each
precision is in every group (relative times are paired per round).
"""


class Item:
    """One (model, runtime, precision): its row so far and, once placed, its candidate."""

    def __init__(self, order, request, runtime_cls, precision, row, baseline=False, write=True):
        self.order = order  # position among the requests: rows follow it
        self.request = request
        self.runtime_cls = runtime_cls
        self.precision = precision
        self.row = row
        self.baseline = baseline  # relative times of its precision are against it
        self.write = write  # False: measured only as the others' baseline (already in the file)
        self.candidate = None
        self.size_mb = 0.0
        self.extra_timeout_s = 0.0
        self.note = ""
        self.broken = False  # killed the worker on its own: left out of later groups

    @property
    def key(self):
        return "{}@{}/{}".format(self.request.name, self.request.resolution, self.precision)


def plan_groups(items, group_size, max_mb, baselines=()):
    """Consecutive chunks of ``items`` -> groups to measure together. A group holds at most
    ``group_size`` models counting the baselines of its precisions (which every group
    gets) and at most ``max_mb`` of artifacts; a model too large for that goes alone
    with its baseline."""
    by_precision = {b.precision: b for b in baselines}

    def with_baselines(chunk):
        extra = [by_precision[p] for p in dict.fromkeys(i.precision for i in chunk)
                 if p in by_precision]
        return sorted(extra + chunk, key=lambda i: i.order)

    groups, chunk = [], []
    for item in items:
        trial = chunk + [item]
        group = with_baselines(trial)
        if chunk and (len(group) > group_size or sum(i.size_mb for i in group) > max_mb):
            groups.append(with_baselines(chunk))
            chunk = [item]
        else:
            chunk = trial
    if chunk:
        groups.append(with_baselines(chunk))
    return groups
