"""``%%arrayprof`` and ``%arrayprof``: parse arguments, run the code through a session, show.

The magics only orchestrate; measuring lives in the session, advice in the advisor, drawing in
the renderers.  Every form has an argparse parser with help per option, and its usage text is the
magic's docstring, so ``%arrayprof?`` shows real help.
"""

from __future__ import annotations
import __future__

import argparse
import ast
import functools
import inspect
import json
import linecache
import operator
import shlex
import sys
from collections import deque
from typing import Any, NoReturn

from IPython.core.displayhook import DisplayHook
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import MagicArgumentParser

from arrayprof import api
from arrayprof.kernel.auto import AutoProfiler
from arrayprof.kernel.display import show_note, show_report
from arrayprof.report import Report
from arrayprof.session import Session, needs_await, note_interrupted, was_interrupted
from arrayprof.units import parse_bytes

SUBCOMMANDS = ("on", "off", "status", "last", "advise", "explain", "rules")
# the ``from __future__`` statements of earlier cells, which IPython's compiler carries over
FUTURE_FLAGS = functools.reduce(operator.or_, (getattr(__future__, name).compiler_flag
                                               for name in __future__.all_feature_names), 0)


def _size(text: str) -> int:
    try:
        return parse_bytes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


SEE_HELP = "(%arrayprof? shows every form and option)"


class Parser(MagicArgumentParser):
    """A magic's argument parser whose errors say which form failed and show its usage line.

    `prog` is written without its first ``%``: IPython's help formatter adds one."""

    usage_tail = ""  # what follows the options (the statement form's STATEMENT)

    def usage_line(self) -> str:
        return "usage: " + " ".join(self.format_usage().replace("::", " ").split()) + \
            self.usage_tail

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"%{self.prog}: {message}\n{self.usage_line()}\n{SEE_HELP}")

    def parse_words(self, text: str) -> argparse.Namespace:
        """Parse `text` split as a shell would (an unclosed quote is a usage error too)."""
        try:
            words = shlex.split(text)
        except ValueError as exc:
            self.error(f"{exc} in {text!r}")
        return self.parse_args(words)


def cell_parser(prog: str = "%arrayprof") -> Parser:
    """The options of ``%%arrayprof`` (`prog` ``"arrayprof"`` for the statement form)."""
    parser = Parser(
        prog=prog,
        description="Profile this cell: NumPy bytes per line, temporaries, peak, views, advice.")
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    parser.add_argument("--quiet", action="store_true", help="show nothing (use with --json or "
                        "%%arrayprof last)")
    parser.add_argument("--no-verify", action="store_true",
                        help="do not run and compare suggested rewrites")
    parser.add_argument("--rss", choices=("memory-profiler", "hwm", "off"),
                        default="memory-profiler",
                        help="how to measure resident memory (default: memory-profiler)")
    if prog == "arrayprof":
        parser.usage_tail = " STATEMENT"
    return parser


def on_parser() -> Parser:
    parser = Parser(prog="arrayprof on",
                                 description="Automatic mode: profile every cell from now on.")
    parser.add_argument("--threshold", type=_size, default=None, metavar="SIZE",
                        help="show a summary for cells allocating more than SIZE (default 10MB)")
    parser.add_argument("--verify", action="store_true",
                        help="also verify suggested rewrites (slower)")
    return parser


def explain_parser() -> Parser:
    parser = Parser(
        prog="arrayprof explain",
        description="Explain an array expression; with two, walk NumPy's broadcasting rules.")
    parser.add_argument("--broadcast", action="store_true",
                        help="explain how the two expressions broadcast together")
    parser.add_argument("expressions", nargs="+", metavar="EXPR",
                        help="array expressions evaluated in the user namespace (quote spaces)")
    return parser


OVERVIEW = """Profile NumPy memory and speed in IPython.

  %%arrayprof [--json PATH] [--quiet] [--no-verify] [--rss memory-profiler|hwm|off]
      profile the cell below the magic line
  %arrayprof [--json PATH] [--quiet] [--no-verify] [--rss ...] STATEMENT
      profile one statement
  %arrayprof on [--threshold 10MB] [--verify] | off | status
      automatic mode: profile every cell, summarise big or suspicious ones
  %arrayprof last        show the last report again
  %arrayprof advise      run the advisor again on the last report
  %arrayprof explain EXPR [EXPR2] | --broadcast A B
      explain an array's memory layout, or how two shapes broadcast
  %arrayprof rules [CATEGORY|RULE]
      list the advisor's rules, or describe one
"""

USAGE = f"""{OVERVIEW}
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
                raise UsageError(f"%arrayprof: {head} needs a value\n"
                                 f"{cell_parser('arrayprof').usage_line()}\n{SEE_HELP}")
            options.append(value)
            rest = tail.lstrip()
    return options, rest


@magics_class
class ArrayprofMagics(Magics):
    def __init__(self, shell: Any, auto: AutoProfiler) -> None:
        super().__init__(shell)
        self.auto = auto
        self.await_cells = AwaitCells(shell)  # registered by the extension

    @line_cell_magic
    def arrayprof(self, line: str, cell: str | None = None) -> Any:
        __tracebackhide__ = True  # IPython shows the user's frames, not this one
        if cell is not None:
            args = cell_parser().parse_words(line)
            return self._profile(cell, args, self.await_cells.claim(line, cell), cell=True)
        stripped = line.strip()
        if not stripped:
            raise UsageError(f"%arrayprof needs a subcommand or a statement\n\n{OVERVIEW}")
        command = stripped.split(None, 1)[0]
        if command in SUBCOMMANDS:
            return getattr(self, f"_cmd_{command}")(stripped[len(command):].strip())
        options, statement = _split_options(stripped)
        args = cell_parser("arrayprof").parse_args(options)  # an unknown option is named first
        if not statement:
            raise UsageError(f"%arrayprof: no statement to profile\n\n{OVERVIEW}")
        return self._profile(statement, args, self.await_cells.claim(line, None))

    arrayprof.__doc__ = USAGE

    # -- profiling ---------------------------------------------------------------------------------
    def _profile(self, source: str, args: argparse.Namespace, awaited: bool = False,
                 cell: bool = False) -> Any:
        """Profile `source`.  `awaited`: IPython awaits what this returns (`AwaitCells` rewrote
        the call), so code with top-level ``await`` can run as a coroutine in IPython's loop.
        `cell`: `source` is a whole ``%%arrayprof`` cell (its traceback is the cell's own)."""
        __tracebackhide__ = True  # the user's traceback, not arrayprof's (IPython hides this frame)
        code = self.shell.transform_cell(source)  # `%time ...`, `!ls`, `x?` inside the cell
        if code.splitlines() == source.splitlines():
            code = source
        number = running_cell_number(self.shell)
        filename = self.shell.compile.cache(code, number, raw_code=source)
        session = Session(code, self.shell.user_ns, filename=filename, rss=args.rss,
                          capture=not args.no_verify, shown_source=source,
                          compile_flags=self.shell.compile.flags & FUTURE_FLAGS,
                          allow_await=awaited)
        if awaited:
            # IPython awaits whatever this returns in its loop (see `AwaitCells`), as it awaits
            # a plain cell: always a coroutine then, whatever the code turns out to be
            return self._profile_async(session, args, source, number, cell)
        try:
            report, value, error = api.profile_session(session, verify=not args.no_verify,
                                                       display_last=True)
        except BaseException as exc:
            if isinstance(exc, Exception):
                raise  # arrayprof's own failure, with its frames
            # the cell's KeyboardInterrupt (or other BaseException); arrayprof has stopped
            raise_as_users(self.shell, exc, session.filename, whole_cell=cell)
        return self._finish(session, report, value, error, args, source, number, cell)

    async def _profile_async(self, session: Session, args: argparse.Namespace, source: str,
                             number: int, cell: bool) -> Any:
        __tracebackhide__ = True
        try:
            report, value, error = await api.profile_session_async(
                session, verify=not args.no_verify, display_last=True)
        except BaseException as exc:  # interrupted or cancelled awaiting; arrayprof has stopped
            raise_as_users(self.shell, exc, session.filename, whole_cell=cell)
        return self._finish(session, report, value, error, args, source, number, cell)

    def _finish(self, session: Session, report: Report, value: Any,
                error: BaseException | None, args: argparse.Namespace, source: str,
                number: int, cell: bool) -> Any:
        """Save and show the report, then give the cell's own outcome: its exception, or the
        value of its last expression (shown as Out[n] by IPython)."""
        __tracebackhide__ = True
        try:
            report.execution_count = number
            if not was_interrupted(report):
                if args.json:
                    with open(args.json, "w", encoding="utf-8") as out:
                        json.dump(report.to_dict(), out, indent=2)
                if not args.quiet:
                    show_report(self.shell, report)
        except KeyboardInterrupt:
            note_interrupted(report, "showing the report")
        except Exception as exc:
            show_note(f"arrayprof: could not show or save the report ({type(exc).__name__}: "
                      f"{exc}); the cell ran normally")
        if error is not None:
            raise_as_users(self.shell, error, session.filename, whole_cell=cell)
        if DisplayHook.semicolon_at_end_of_expression(source):
            return None  # `np.add(z, 1, out=z);` shows nothing, as in a plain cell
        return value

    # -- subcommands -------------------------------------------------------------------------------
    def _cmd_on(self, rest: str) -> None:
        args = on_parser().parse_words(rest)
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
        if api.advise(report, context, verify=True):  # interrupted: its note says so
            show_report(self.shell, report)

    def _cmd_rules(self, rest: str) -> None:
        from arrayprof.advisor.catalogue import by_category, listing

        words = rest.split()
        if len(words) > 1:
            raise UsageError(f"%arrayprof rules takes at most one category or rule (got {rest!r})"
                             f"\nusage: %arrayprof rules [CATEGORY|RULE]\n{SEE_HELP}")
        try:
            print(listing(words[0] if words else None), end="")
        except KeyError:
            raise UsageError(f"%arrayprof rules: no rule or category {words[0]!r} (categories: "
                             f"{', '.join(by_category())}; %arrayprof rules lists the rules)"
                             ) from None

    def _cmd_explain(self, rest: str) -> None:
        from arrayprof.explain import explain, explain_broadcast

        parser = explain_parser()
        args = parser.parse_words(rest)
        count = len(args.expressions)
        if args.broadcast and count != 2:
            parser.error("--broadcast needs exactly two expressions")
        if count > 2:
            parser.error("takes one expression, or two to broadcast")
        values = []  # evaluated only once the arguments are known to be right
        for expression in args.expressions:
            try:
                values.append(self.shell.ev(expression))
            except Exception as exc:
                parser.error(f"cannot evaluate {expression!r}: {type(exc).__name__}: {exc}")
        if count == 2:
            text = explain_broadcast(values[0], values[1], names=args.expressions)
        else:
            text = explain(values[0], name=args.expressions[0], namespace=self.shell.user_ns)
        print(text)

    @staticmethod
    def _no_arguments(command: str, rest: str) -> None:
        if rest:
            raise UsageError(f"%arrayprof {command} takes no arguments (got {rest!r})\n"
                             f"usage: %arrayprof {command}\n{SEE_HELP}")


def running_cell_number(shell: Any) -> int:
    """The execution count of the cell running now (IPython >= 9.8 counts a cell before running
    it, older versions after; the running cell's result knows its own number)."""
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    number = getattr(result, "execution_count", None)
    return number if isinstance(number, int) else int(shell.execution_count)


class AwaitCells:
    """IPython input transformer (``input_transformers_post``) for top-level ``await`` in
    ``%%arrayprof`` cells and ``%arrayprof STATEMENT``.

    IPython runs a cell as a coroutine in its event loop (ipykernel's, or the terminal's runner)
    only when the cell itself awaits at top level; a magic cell is one synchronous call, so its
    ``await`` would be a SyntaxError.  When the magic's code awaits (and autoawait is on), the
    call becomes ``await get_ipython().run_cell_magic('arrayprof', ...)``: IPython then awaits it
    in its loop, and the magic returns a coroutine that runs the code there, recording across its
    awaits.  The transformer reads the cell with IPython's static transforms only, so the user's
    own input transformers do not run an extra time."""

    MAGICS = ("run_cell_magic", "run_line_magic")

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        # the magic calls rewritten to be awaited, as (line, cell) (cell None for the line
        # form): the magic returns a coroutine only for those, so a call nobody awaits (this
        # transformer removed, a direct run_cell_magic) never gets one.  A cell is transformed
        # more than once (the kernel, then IPython), so a few are remembered.
        self._rewritten: deque[tuple[str, str | None]] = deque(maxlen=16)

    def __call__(self, lines: list[str]) -> list[str]:
        try:
            key = self._awaits("".join(lines)) if getattr(self.shell, "autoawait", False) \
                else None
            if key is not None:
                self._rewritten.append(key)
                return ["await " + "".join(lines).lstrip()]
        except Exception:
            pass  # never in the way of a cell: the magic runs it synchronously
        return lines

    def claim(self, line: str, cell: str | None) -> bool:
        """Whether this call of the magic was rewritten to be awaited (forgotten once asked)."""
        key = (line, cell)
        if key not in self._rewritten:
            return False
        kept = [k for k in self._rewritten if k != key]
        self._rewritten.clear()
        self._rewritten.extend(kept)
        return True

    def _awaits(self, text: str) -> tuple[str, str | None] | None:
        """The (line, cell) of an arrayprof magic call whose code awaits at top level."""
        if "arrayprof" not in text or "await" not in text:
            return None
        tree = ast.parse(text)
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
            return None
        call = tree.body[0].value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in self.MAGICS and len(call.args) >= 2
                and all(isinstance(arg, ast.Constant) for arg in call.args)
                and call.args[0].value == "arrayprof"):
            return None
        line = str(call.args[1].value)
        cell: str | None = None
        if call.func.attr == "run_cell_magic":
            cell = str(call.args[2].value) if len(call.args) > 2 else ""
            code = cell
        else:
            stripped = line.strip()
            if not stripped or stripped.split(None, 1)[0] in SUBCOMMANDS:
                return None
            code = _split_options(stripped)[1]
        static = self.shell.input_transformer_manager.transform_cell(code)
        return (line, cell) if needs_await(static) else None


def user_traceback(error: BaseException, filename: str) -> Any:
    """The traceback from the user's first frame on, without arrayprof's own frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    return tb if tb is not None else error.__traceback__


def raise_as_users(shell: Any, error: BaseException, filename: str, *,
                   whole_cell: bool) -> NoReturn:
    """Raise the cell's own `error` so that IPython shows the traceback of the same code run
    plainly: from the user's cell frame on (its own ``In[N]``), with neither the
    ``get_ipython().run_cell_magic(...)`` line nor arrayprof's (hidden) frames.

    The frames between IPython's ``run_code`` and the user's code are added to the traceback
    as the exception leaves the magic, after arrayprof has returned; `UserTraceback` removes
    them at the moment IPython formats it (so ``%tb`` and ``%debug`` see the user's frames too).
    `whole_cell`: the magic is the cell (``%%arrayprof``): its line is dropped as well; a
    ``%arrayprof STATEMENT`` among other lines keeps the cell's line that called it."""
    __tracebackhide__ = True
    try:
        _expect_traceback(shell, error, filename, whole_cell)
    except Exception:
        pass  # IPython then hides arrayprof's frames itself, as before
    raise error.with_traceback(user_traceback(error, filename))


def _is_machinery(frame: Any) -> bool:
    """A frame of arrayprof or IPython (magic dispatch, decorators) between a cell and its code."""
    name = frame.f_globals.get("__name__")
    if isinstance(name, str) and name.split(".", 1)[0] in ("arrayprof", "IPython"):
        return True
    return frame.f_code.co_filename.startswith("<decorator-gen")


def _single_statement(filename: str) -> bool:
    """Whether the (transformed) cell compiled under `filename` is one statement."""
    try:
        return len(ast.parse("".join(linecache.getlines(filename))).body) == 1
    except (SyntaxError, ValueError):
        return False


def _formatter_for(shell: Any, error: BaseException) -> Any:
    """The formatter IPython's ``run_code`` shows `error` with: ``SyntaxTB`` for a SyntaxError,
    ``InteractiveTB`` for the rest, None where it uses neither (`UserTraceback` waits for the
    formatter's next call: one that never comes would leave it waiting)."""
    import bdb

    if isinstance(error, SystemExit | bdb.BdbQuit | UsageError):
        return None
    custom = getattr(shell, "custom_exceptions", ())
    if custom and isinstance(error, custom):
        return None
    if isinstance(error, SyntaxError):
        return getattr(shell, "SyntaxTB", None)
    if inspect.getattr_static(error, "_render_traceback_", None) is not None:
        return None
    seen: BaseException | None = error
    while seen is not None:  # IPython prints exception groups with the traceback module
        if isinstance(seen, BaseExceptionGroup):
            return None
        seen = seen.__context__
    return getattr(shell, "InteractiveTB", None)


def _expect_traceback(shell: Any, error: BaseException, filename: str, whole_cell: bool) -> None:
    formatter = _formatter_for(shell, error)
    if formatter is None:
        return
    caller = sys._getframe()
    while caller is not None and _is_machinery(caller):
        caller = caller.f_back
    if caller is None:
        return
    runner = caller.f_back  # IPython's run_code when the magic is the cell's own
    top_level = (runner is not None and runner.f_code.co_name == "run_code"
                 and runner.f_globals.get("__name__") == "IPython.core.interactiveshell")
    if top_level and (whole_cell or _single_statement(caller.f_code.co_filename)):
        keep = runner
    else:
        keep = caller  # called from user code: that frame (and its callers) stay
    UserTraceback(formatter, error, filename, keep, isinstance(error, SyntaxError)).install()


_MISSING = object()


class UserTraceback:
    """A one-shot stand-in for a formatter's ``structured_traceback`` (set on the instance, then
    removed at its first call, whatever the exception): for the magic's `error` it links the
    traceback entry of the frame `keep` straight to the user's first frame (compiled under
    `filename`), then formats as IPython would.  It holds no reference to the error or the
    frames (ids only), so one that is never called (the user caught the error) keeps nothing
    alive, and the next traceback removes it.

    `syntax`: IPython's ``SyntaxTB``, which takes the frames as a list extracted beforehand:
    they are extracted again from the linked traceback, or are none at all when the cell's own
    source did not compile (as for a plain cell, whose source IPython compiles before running)."""

    def __init__(self, formatter: Any, error: BaseException, filename: str, keep: Any,
                 syntax: bool = False) -> None:
        self.formatter = formatter
        self.error_id = id(error)
        self.keep_id = id(keep)
        self.filename = filename
        self.syntax = syntax
        self.previous = formatter.__dict__.get("structured_traceback", _MISSING)

    def install(self) -> None:
        self.formatter.structured_traceback = self

    def uninstall(self) -> None:
        if self.formatter.__dict__.get("structured_traceback") is self:
            if self.previous is _MISSING:
                del self.formatter.structured_traceback
            else:
                self.formatter.structured_traceback = self.previous

    def __call__(self, etype: Any, evalue: Any, etb: Any = None, *args: Any, **kwargs: Any) -> Any:
        self.uninstall()
        if id(evalue) == self.error_id:
            try:
                if self.syntax:
                    import traceback

                    linked = self._cut(evalue.__traceback__)
                    etb = traceback.extract_tb(evalue.__traceback__) if linked else []
                elif etb is not None:
                    self._cut(etb)
            except Exception:
                pass
        return self.formatter.structured_traceback(etype, evalue, etb, *args, **kwargs)

    def _cut(self, etb: Any) -> bool:
        """Link `keep`'s entry to the user's first frame; whether there was one."""
        entry = etb
        while entry is not None and id(entry.tb_frame) != self.keep_id:
            entry = entry.tb_next
        if entry is None:
            return False
        user = entry.tb_next
        while user is not None and user.tb_frame.f_code.co_filename != self.filename:
            user = user.tb_next
        if user is None:
            return False
        entry.tb_next = user
        return True
