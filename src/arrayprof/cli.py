"""``arrayprof run FILE.ipynb|FILE.py``: profile every code cell headless, in one namespace.

Cells run in an in-process IPython shell, so notebook magics (``%time``, ``!ls`` transforms) work
as in Jupyter; each cell is profiled like ``%%arrayprof``.  Cells that ``await`` at top level run in
one event loop kept for the whole run, as a kernel's.  A failing cell (``SystemExit`` included) is
reported and the run goes on; the exit status is 1 if any cell failed or went over its NumPy
budget (``--budget peak=500MB``, or a cell's metadata ``{"arrayprof": {"budget": {...}}}``).
Ctrl-C stops the run: the cells done so far are reported and written, and the exit status is 130.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from arrayprof.budget import Budget, check, explain
from arrayprof.extras import MissingExtra, missing_extra
from arrayprof.render.text import raised_words, render_text
from arrayprof.report import Report


def read_cells(path: Path) -> list[str]:
    """Code cells of a notebook, or a .py file as one cell."""
    if path.suffix == ".ipynb":
        try:
            import nbformat
        except ModuleNotFoundError as error:
            raise missing_extra("reading notebooks", "notebook", error) from None

        notebook = nbformat.read(path, as_version=4)
        return [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    return [path.read_text()]


def arrayprof_cell(source: str, verify: bool) -> tuple[str, bool]:
    """A ``%%arrayprof [options]`` cell is profiled as its body, so its findings are the run's
    (running the magic inside the run would profile the magic and keep its report elsewhere);
    ``--no-verify`` is honoured.  Other cells, and a magic line that does not parse (the magic
    itself then says why), are run as they are."""
    first, _, body = source.lstrip("\n").partition("\n")
    words = first.split(maxsplit=1)
    if not words or words[0] != "%%arrayprof":
        return source, verify
    try:
        from arrayprof.kernel.magics import cell_parser

        args = cell_parser().parse_words(words[1] if len(words) > 1 else "")
    except Exception:
        return source, verify
    return body, verify and not args.no_verify


def cell_budgets(path: Path) -> list[Budget | None]:
    """Each code cell's own budget, from its metadata ``{"arrayprof": {"budget": {"peak":
    "100 MB", ...}}}`` (None where a cell sets none).  Raises ValueError naming the cell."""
    if path.suffix != ".ipynb":
        return [None]
    try:
        import nbformat
    except ModuleNotFoundError as error:
        raise missing_extra("reading notebooks", "notebook", error) from None

    notebook = nbformat.read(path, as_version=4)
    out: list[Budget | None] = []
    for cell in (c for c in notebook.cells if c.cell_type == "code"):
        limits = (cell.metadata.get("arrayprof") or {}).get("budget")
        if limits is None:
            out.append(None)
            continue
        try:
            if not isinstance(limits, dict):
                raise ValueError("the metadata budget must be an object such as {\"peak\": "
                                 "\"100 MB\"}")
            out.append(Budget.from_arguments(**limits))
        except ValueError as exc:
            raise ValueError(f"cell {len(out) + 1}: bad budget in its metadata: {exc}") from None
    return out


def over_budget(reports: list[Report], run_budget: Budget | None,
                own: list[Budget | None]) -> list[str]:
    """What broke a budget, cell by cell (the cell's own limits over the run's)."""
    out: list[str] = []
    for index, report in enumerate(reports):
        limits = run_budget or Budget()
        if index < len(own) and own[index] is not None:
            limits = limits.merged(own[index])
        breaches = check(report, limits) if limits else []
        if breaches:
            out.extend(explain(report, breaches, what=f"cell {report.execution_count}"))
    return out


def shell_namespace(path: Path) -> tuple[object | None, dict]:
    """An in-process IPython shell (for magics and IPython syntax), or a plain dict without it."""
    try:
        from IPython.core.interactiveshell import InteractiveShell

        shell = InteractiveShell.instance()
        shell.user_ns["__file__"] = str(path)
        return shell, shell.user_ns
    except Exception:
        return None, {"__name__": "__main__", "__file__": str(path)}


def run_file(path: Path, *, verify: bool) -> tuple[list[Report], bool]:
    """The reports of the file's cells, and whether Ctrl-C stopped the run before the end."""
    from arrayprof.api import profile_session, profile_session_async
    from arrayprof.session import Session, needs_await

    shell, namespace = shell_namespace(path)
    reports = []
    # the notebook's event loop, current for every cell (a task one cell starts, another awaits)
    # and running while a cell awaits; a cell without await may still call asyncio.run itself
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        for number, cell in enumerate(read_cells(path), start=1):
            source, verifying = arrayprof_cell(cell, verify)
            code = shell.transform_cell(source) if shell is not None else source
            session = Session(code, namespace, rss="hwm", capture=verifying)
            if needs_await(code):
                report, _, _ = loop.run_until_complete(
                    profile_session_async(session, verify=verifying))
            else:
                report, _, _ = profile_session(session, verify=verifying)
            report.execution_count = number
            report.source = source
            reports.append(report)
    except KeyboardInterrupt:
        return reports, True
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return reports, False


def raised(report: Report) -> bool:
    """Whether the cell failed: any exception but a successful ``sys.exit()`` (a script's way
    to end, which arrayprof reports and does not count against it)."""
    error = report.error
    return error is not None and not (error.type == "SystemExit" and error.message in ("", "0"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arrayprof",
                                     description="NumPy memory and speed profiler for notebooks.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="profile every code cell of a notebook or script")
    run.add_argument("file", type=Path, help="a .ipynb notebook or a .py script (one cell)")
    run.add_argument("--json", type=Path, metavar="OUT", help="write the reports as a JSON list")
    run.add_argument("--html", type=Path, metavar="OUT", help="write a self-contained HTML report")
    run.add_argument("--no-verify", action="store_true", help="do not verify suggested rewrites")
    run.add_argument("--quiet", action="store_true", help="print only the summary lines")
    run.add_argument("--budget", metavar="LIMITS", type=budget_argument,
                     help="fail (exit 1) when a cell goes over these NumPy limits, e.g. "
                          "peak=500MB,temporaries=100MB (also allocated=, allocations=); a cell's "
                          'metadata {"arrayprof": {"budget": {...}}} sets its own')
    rules = commands.add_parser("rules", help="list the advisor's rules, or describe one")
    rules.add_argument("name", nargs="?",
                       help="a category (e.g. broadcast-blowup) or a rule (e.g. argsort-then-slice)")
    return parser


def list_rules(name: str | None) -> int:
    from arrayprof.advisor.catalogue import by_category, listing

    try:
        print(listing(name), end="")
    except KeyError:
        print(f"arrayprof: no rule or category {name!r} (categories: "
              f"{', '.join(by_category())}; `arrayprof rules` lists the rules)", file=sys.stderr)
        return 2
    return 0


def budget_argument(text: str) -> Budget:
    try:
        return Budget.from_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "rules":
        return list_rules(args.name)
    if not args.file.exists():
        print(f"arrayprof: no such file: {args.file}", file=sys.stderr)
        return 2
    if args.file.suffix not in (".py", ".ipynb"):
        print("arrayprof: run takes a .py or .ipynb file", file=sys.stderr)
        return 2
    try:
        own_budgets = cell_budgets(args.file)
        reports, interrupted = run_file(args.file, verify=not args.no_verify)
    except MissingExtra as error:  # before any cell ran: one line saying what to install
        print(error, file=sys.stderr)
        return 2
    except ValueError as error:  # a cell's metadata budget, before any cell ran
        print(f"arrayprof: {error}", file=sys.stderr)
        return 2
    for report in reports:
        print(f"--- cell {report.execution_count} ---")
        print(render_text(report).split("\n")[0] if args.quiet else render_text(report))
        print()
    if args.json:
        args.json.write_text(json.dumps([r.to_dict() for r in reports], indent=2), encoding="utf-8")
    if args.html:
        from arrayprof.render.html import document_html

        args.html.write_text(document_html(reports, title=args.file.name), encoding="utf-8")
    failed = [r for r in reports if raised(r)]
    for report in failed:
        print(f"arrayprof: cell {report.execution_count} {raised_words(report)}", file=sys.stderr)
    if failed:
        print(f"arrayprof: {len(failed)} of {len(reports)} cells raised", file=sys.stderr)
    broken = over_budget(reports, args.budget, own_budgets)
    if broken:
        print("\n".join(broken), file=sys.stderr)
    if interrupted:
        print(f"arrayprof: interrupted after {len(reports)} cells", file=sys.stderr)
        return 130
    return 1 if failed or broken else 0


if __name__ == "__main__":
    sys.exit(main())
