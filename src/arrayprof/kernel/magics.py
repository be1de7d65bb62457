"""``%%arrayprof`` and ``%arrayprof``: parse arguments, run the code through a session, show.

The magics only orchestrate; measuring lives in the session, advice in the advisor, drawing in
the renderers.  Every form has an argparse parser with help per option, and its usage text is the
magic's docstring, so ``%arrayprof?`` shows real help.
"""

from __future__ import annotations

import argparse
import json
import shlex
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import MagicArgumentParser

from arrayprof import api
from arrayprof.kernel.auto import AutoProfiler
from arrayprof.kernel.display import show_note, show_report
from arrayprof.session import Session
from arrayprof.units import parse_bytes

SUBCOMMANDS = ("on", "off", "status", "last", "advise", "explain")


def _size(text: str) -> int:
    try:
        return parse_bytes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cell_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(
        prog="%%arrayprof",
        description="Profile this cell: NumPy bytes per line, temporaries, peak, views, advice.")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    parser.add_argument("--quiet", action="store_true", help="show nothing (use with --json or "
                        "%%arrayprof last)")
    parser.add_argument("--no-verify", action="store_true",
                        help="do not run and compare suggested rewrites")
    parser.add_argument("--rss", choices=("memory-profiler", "hwm", "off"),
                        default="memory-profiler",
                        help="how to measure resident memory (default: memory-profiler)")
    return parser


def on_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(prog="%arrayprof on",
                                 description="Automatic mode: profile every cell from now on.")
    parser.add_argument("--threshold", type=_size, default=None, metavar="SIZE",
                        help="show a summary for cells allocating more than SIZE (default 10MB)")
    parser.add_argument("--verify", action="store_true",
                        help="also verify suggested rewrites (slower)")
    return parser


def explain_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(
        prog="%arrayprof explain",
        description="Explain an array expression; with two, walk NumPy's broadcasting rules.")
    parser.add_argument("--broadcast", action="store_true",
                        help="explain how the two expressions broadcast together")
    parser.add_argument("expressions", nargs="+", metavar="EXPR",
                        help="array expressions evaluated in the user namespace (quote spaces)")
    return parser


USAGE = f"""Profile NumPy memory and speed in IPython.

  %%arrayprof [--json PATH] [--quiet] [--no-verify] [--rss memory-profiler|hwm|off]
      profile the cell below the magic line
  %arrayprof [--json PATH] [--quiet] STATEMENT
      profile one statement
  %arrayprof on [--threshold 10MB] [--verify] | off | status
      automatic mode: profile every cell, summarise big or suspicious ones
  %arrayprof last        show the last report again
  %arrayprof advise      run the advisor again on the last report
  %arrayprof explain EXPR [EXPR2] | --broadcast A B
      explain an array's memory layout, or how two shapes broadcast

{cell_parser().format_help()}
{on_parser().format_help()}
{explain_parser().format_help()}"""


def _split_options(line: str) -> tuple[list[str], str]:
    """Leading ``--options`` of the statement form, and the statement after them (kept verbatim)."""
    options: list[str] = []
    rest = line.strip()
    takes_value = {"--json", "--rss"}
    while rest.startswith("-"):
        head, _, tail = rest.partition(" ")
        options.append(head)
        rest = tail.lstrip()
        if head in takes_value:
            value, _, tail = rest.partition(" ")
            if not value:
                raise UsageError(f"{head} needs a value\n\n{USAGE}")
            options.append(value)
            rest = tail.lstrip()
    return options, rest


@magics_class
class ArrayprofMagics(Magics):
    def __init__(self, shell: Any, auto: AutoProfiler) -> None:
        super().__init__(shell)
        self.auto = auto

    @line_cell_magic
    def arrayprof(self, line: str, cell: str | None = None) -> Any:
        if cell is not None:
            args = cell_parser().parse_argstring(line)
            return self._profile(cell, args)
        stripped = line.strip()
        if not stripped:
            raise UsageError(f"%arrayprof needs a subcommand or a statement\n\n{USAGE}")
        command = stripped.split(None, 1)[0]
        if command in SUBCOMMANDS:
            return getattr(self, f"_cmd_{command}")(stripped[len(command):].strip())
        options, statement = _split_options(stripped)
        if not statement:
            raise UsageError(f"%arrayprof: no statement to profile\n\n{USAGE}")
        args = cell_parser().parse_args(options)
        return self._profile(statement, args)

    arrayprof.__doc__ = USAGE

    # -- profiling ---------------------------------------------------------------------------------
    def _profile(self, source: str, args: argparse.Namespace) -> Any:
        code = self.shell.transform_cell(source)  # `%time ...`, `!ls`, `x?` inside the cell
        if code.splitlines() == source.splitlines():
            code = source
        filename = self.shell.compile.cache(code, self.shell.execution_count, raw_code=source)
        session = Session(code, self.shell.user_ns, filename=filename, rss=args.rss,
                          capture=not args.no_verify, shown_source=source)
        report, value, error = api.profile_session(session, verify=not args.no_verify,
                                                   display_last=True)
        # IPython counts the running cell before executing it: its own number is one less
        report.execution_count = self.shell.execution_count - 1
        try:
            if args.json:
                with open(args.json, "w", encoding="utf-8") as out:
                    json.dump(report.to_dict(), out, indent=2)
            if not args.quiet:
                show_report(self.shell, report)
        except Exception as exc:
            show_note(f"arrayprof: could not show or save the report ({type(exc).__name__}: "
                      f"{exc}); the cell ran normally")
        if error is not None:
            raise error.with_traceback(user_traceback(error, session.filename))
        if DisplayHook.semicolon_at_end_of_expression(source):
            return None  # `np.add(z, 1, out=z);` shows nothing, as in a plain cell
        return value

    # -- subcommands -------------------------------------------------------------------------------
    def _cmd_on(self, rest: str) -> None:
        args = on_parser().parse_argstring(rest)
        self.auto.verify = args.verify
        self.auto.enable(args.threshold)
        show_note(self.auto.status())

    def _cmd_off(self, rest: str) -> None:
        self._no_arguments("off", rest)
        self.auto.disable()
        show_note(self.auto.status())

    def _cmd_status(self, rest: str) -> None:
        self._no_arguments("status", rest)
        show_note(self.auto.status())

    def _cmd_last(self, rest: str) -> None:
        self._no_arguments("last", rest)
        report = api.last_report()
        if report is None:
            show_note("arrayprof: no cell has been profiled yet")
            return
        show_report(self.shell, report)

    def _cmd_advise(self, rest: str) -> None:
        self._no_arguments("advise", rest)
        report, context = api.last_report(), api.last_context()
        if report is None or context is None:
            show_note("arrayprof: no cell has been profiled yet")
            return
        api.advise(report, context, verify=True)
        show_report(self.shell, report)

    def _cmd_explain(self, rest: str) -> None:
        from arrayprof.explain import explain, explain_broadcast

        args = explain_parser().parse_args(shlex.split(rest))
        values = []
        for expression in args.expressions:
            try:
                values.append(self.shell.ev(expression))
            except Exception as exc:
                raise UsageError(f"%arrayprof explain: cannot evaluate {expression!r}: "
                                 f"{type(exc).__name__}: {exc}") from None
        if args.broadcast or len(values) == 2:
            if len(values) != 2:
                raise UsageError("%arrayprof explain --broadcast needs exactly two expressions")
            text = explain_broadcast(values[0], values[1], names=args.expressions)
        elif len(values) == 1:
            text = explain(values[0], name=args.expressions[0], namespace=self.shell.user_ns)
        else:
            raise UsageError("%arrayprof explain takes one expression, or two to broadcast")
        print(text)

    @staticmethod
    def _no_arguments(command: str, rest: str) -> None:
        if rest:
            raise UsageError(f"%arrayprof {command} takes no arguments (got {rest!r})\n\n{USAGE}")


def user_traceback(error: BaseException, filename: str) -> Any:
    """The traceback from the user's first frame on, without arrayprof's own frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    return tb if tb is not None else error.__traceback__
