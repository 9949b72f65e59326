"""The runner's own decisions: how models are grouped (bounded size, large models in smaller
groups, the baseline in every group of its precision) and what it says about threads."""

import pytest

from bench.config import ExportConfig, RunConfig
from bench.options import resolve_options
from bench.groups import Item, plan_groups
from bench.runner import BenchmarkRun


def item(order, mb=10.0, precision="fp32", baseline=False):
    it = Item(order, request=None, runtime_cls=None, precision=precision, row={},
              baseline=baseline)
    it.size_mb = mb
    return it


def orders(groups):
    return [[i.order for i in g] for g in groups]


def test_groups_are_bounded_in_size_and_keep_the_request_order():
    items = [item(n) for n in range(7)]
    assert orders(plan_groups(items, 8, 1024)) == [[0, 1, 2, 3, 4, 5, 6]]
    assert orders(plan_groups(items, 3, 1024)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert orders(plan_groups(items, 1, 1024)) == [[n] for n in range(7)]


def test_large_models_fall_back_to_smaller_groups():
    items = [item(0, 100), item(1, 600), item(2, 500), item(3, 50), item(4, 2000)]
    # at most 1024 MB loaded together; a model larger than that goes alone
    assert orders(plan_groups(items, 8, 1024)) == [[0, 1], [2, 3], [4]]


def test_the_baseline_is_in_every_group_of_its_precision_and_counts_toward_the_size():
    base32, base16 = item(-1, baseline=True), item(-1, precision="fp16", baseline=True)
    items = [item(n, precision=p) for n in range(3) for p in ("fp32", "fp16")]
    groups = plan_groups(items, 4, 1024, [base32, base16])
    assert all(len(g) <= 4 for g in groups)
    for g in groups:
        precisions = {i.precision for i in g if not i.baseline}
        assert {i.precision for i in g if i.baseline} == precisions
        assert g[0].baseline  # first in its group: it was first among the requests
    measured = [i.order for g in groups for i in g if not i.baseline]
    assert sorted(measured) == sorted(i.order for i in items)
    assert plan_groups([], 8, 1024, [base32]) == []


class Device:
    name = "local"


@pytest.mark.parametrize("threads, info, needle", [
    (2, {"threads": 2, "idle_cpus": 1, "cpu_affinity": "0-1", "allowed": "0-1"},
     "warning: 2 runtime thread(s) on local but only 1 idle core(s)"),
    (0, {"threads": 1, "idle_cpus": 0, "cpu_affinity": "1", "allowed": "0-1"},
     "warning: no idle core on local"),
    (0, {"threads": 1, "idle_cpus": 2, "cpu_affinity": "1", "allowed": "0-1"},
     "local: 1 runtime thread(s) on core(s) 1 (2 of the cores 0-1 idle; one left free"),
    (2, {"threads": 2, "idle_cpus": 2, "cpu_affinity": "0-1", "allowed": "0-1"},
     "local: 2 runtime thread(s) on core(s) 0-1 (2 of the cores 0-1 idle)"),
])
def test_threads_and_cores_are_said_once_at_the_start(tmp_path, threads, info, needle):
    class Args:
        pass

    args = Args()
    args.threads = threads
    said = []
    run = BenchmarkRun(Device(), ExportConfig(dir=str(tmp_path)),
                       resolve_options(args, RunConfig()), writer=None, log=said.append)
    run._tell_cpus(info)
    run._tell_cpus(info)  # the next group's: not repeated
    assert said == [said[0]] and said[0].startswith(needle), said
