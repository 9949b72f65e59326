"""``bench models``: the registry with family, parameters, multiply-adds, ImageNet top-1."""

import csv
import sys

from bench.cli.commands import command
from bench.progress import Progress
from bench.textable import format_table

COLUMNS = ("model", "family", "params_m", "macs_m", "resolution", "imagenet_top1", "inputs",
           "macs_tool")
TABLE = COLUMNS[:-1]  # the tool is said once under the table


def model_rows(requests, progress=None):
    """One row per request: family, parameters, MACs (and how they were counted), the
    resolution, ImageNet top-1 where torchvision recorded it, what a model file takes."""
    from bench.file_models import file_inputs
    from bench.measure.inputs import describe
    from bench.models import MODELS, BuiltModel
    from bench.models.complexity import count, imagenet_top1
    from bench.runtimes.base import BadInput

    for req in requests:
        if progress:
            progress.update(req.name)
        entry = MODELS.get(req.spec.name)
        params, macs, tool = count(req)
        top1, inputs = None, ""
        if entry.from_file:
            try:
                inputs = describe(file_inputs(req.spec, 1, req.resolution, {}, False))
            except BadInput:  # dynamic dimensions only --shape can fill: show them as declared
                inputs = describe([{"name": t.name, "dtype": t.dtype or "?", "shape": t.shape or []}
                                   for t in entry.info(req.spec).inputs])
        elif entry.weights is not None:
            top1 = imagenet_top1(BuiltModel(req.spec, entry, None))  # metadata only
        if progress:
            progress.advance()
        yield {"model": req.name, "family": entry.family_of(req.spec),
               "params_m": None if params is None else round(params / 1e6, 4),
               "macs_m": None if macs is None else round(macs / 1e6, 2),
               "resolution": req.resolution, "imagenet_top1": top1, "inputs": inputs,
               "macs_tool": tool}


@command("models", help="list models with family, parameter count and multiply-adds")
class ModelsCommand:
    @staticmethod
    def add_arguments(p):
        p.add_argument("specs", nargs="*", metavar="SPEC",
                       help="model spec strings, e.g. resnet18 mobilenet_v2:width_mult=0.6 pta:LHH")
        p.add_argument("--set", action="append", default=[], metavar="NAME",
                       help="named model set: pta, pta-switchable, fas, zoo, custom, all, or one from [sets]")
        p.add_argument("--resolution", type=int, metavar="R",
                       help="square input resolution (default: the set's or model's)")
        p.add_argument("--format", choices=("table", "csv"), default="table")

    def run(self, args, config):
        from bench.models import select_models
        from bench.models.sets import require_set

        for name in args.set:  # --set takes set names only: never "unknown model"
            require_set(name, config.sets)
        items = list(args.set) + list(args.specs) or ["all"]
        requests = select_models(items, config.sets, args.resolution, config.base_dir)
        if args.format == "csv":
            writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            for row in model_rows(requests):
                writer.writerow(row)
                sys.stdout.flush()
            return 0
        progress = Progress(len(requests), "models")
        rows = list(model_rows(requests, progress))
        progress.close()
        shown = TABLE if any(r["inputs"] for r in rows) else TABLE[:-1]
        print(format_table(rows, shown, {"params_m": ".3f", "macs_m": ".1f",
                                         "imagenet_top1": ".2f"},
                           right=("params_m", "macs_m", "resolution", "imagenet_top1")))
        for tool in dict.fromkeys(r["macs_tool"] for r in rows if r["macs_tool"]):
            print("MACs counted with {}".format(tool))
        return 0
