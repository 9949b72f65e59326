"""``bench report CSV... -o report.html``: one self-contained HTML page from result CSVs."""

import os

from bench.cli.commands import command


@command("report", help="one self-contained HTML page (devices, tables, every plot, relative "
                        "results) from result CSVs")
class ReportCommand:
    @staticmethod
    def add_arguments(p):
        p.add_argument("sources", nargs="+", metavar="CSV",
                       help="bench run, sweep-resolution, compare-fp16, estimate, evaluate "
                            "(--speed) or sustained CSVs; the kind is told by the columns")
        p.add_argument("-o", "--out", metavar="HTML",
                       help="default: FIRST_CSV-report.html")
        p.add_argument("--title", help="page title (default: bench report)")

    def run(self, args, config):
        from bench.report import write_report

        out = args.out or "{}-report.html".format(os.path.splitext(args.sources[0])[0])
        tables, plots = write_report(args.sources, out, args.title)
        print("report: {} ({} table{}, {} plot{})".format(
            out, tables, "" if tables == 1 else "s", plots, "" if plots == 1 else "s"))
        return 0
