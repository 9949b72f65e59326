"""``bench models``: the registry with family, parameters, multiply-adds, ImageNet top-1."""

import csv
import sys

from bench.cli.commands import command
from bench.progress import Progress
from bench.textable import format_table

COLUMNS = ("model", "family", "params_m", "macs_m", "resolution", "imagenet_top1")


def model_rows(requests, progress=None):
    from bench.models import build_model, complexity

    for req in requests:
        if progress:
            progress.update(req.name)
        built = build_model(req.spec)
        cx = complexity(built, req.resolution)
        if progress:
            progress.advance()
        yield {"model": req.name, "family": built.family, "params_m": round(cx.params_m, 4),
               "macs_m": round(cx.macs_m, 2), "resolution": req.resolution,
               "imagenet_top1": cx.top1}


@command("models", help="list models with family, parameter count and multiply-adds")
class ModelsCommand:
    @staticmethod
    def add_arguments(p):
        p.add_argument("specs", nargs="*", metavar="SPEC",
                       help="model spec strings, e.g. resnet18 mobilenet_v2:width_mult=0.6 pta:LHH")
        p.add_argument("--set", action="append", default=[], metavar="NAME",
                       help="named model set: pta, zoo, custom, all, or one from [sets]")
        p.add_argument("--resolution", type=int, metavar="R",
                       help="square input resolution (default: the set's or model's)")
        p.add_argument("--format", choices=("table", "csv"), default="table")

    def run(self, args, config):
        from bench.models import select_models
        from bench.models.sets import require_set

        for name in args.set:  # --set takes set names only: never "unknown model"
            require_set(name, config.sets)
        items = list(args.set) + list(args.specs) or ["all"]
        requests = select_models(items, config.sets, args.resolution)
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
        print(format_table(rows, COLUMNS, {"params_m": ".3f", "macs_m": ".1f",
                                            "imagenet_top1": ".2f"},
                           right=("params_m", "macs_m", "resolution", "imagenet_top1")))
        return 0
