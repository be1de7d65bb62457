"""chain-of-temporaries (category temporary-chain): a statement whose measured peak rises well above
its result because of the temporaries of a chain of element-wise operations.

NumPy's temporary elision already removes many temporaries, so a chain is reported only when the
measured peak (per line, from the timeline) shows them, and never on a line that broadcasts (that
is category broadcast-blowup).
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at
from arrayprof.advisor.config import CONFIG
from arrayprof.advisor.facts import finding, growth_over, kept_bytes, line_growth, nbytes
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.scopes import RETURN
from arrayprof.context import CellContext
from arrayprof.report import Finding, Report, Rewrite

CHAIN_KINDS = ("ufunc", "binop", "unaryop")


def chain_depth(node: ast.AST) -> int:
    """How many array-producing operations an expression nests."""
    return sum(1 for n in ast.walk(node) if isinstance(n, ast.BinOp | ast.UnaryOp | ast.Call))


def chain_of_temporaries(report: Report, context: CellContext) -> list[Finding]:
    """A statement whose measured peak rises well above its result because of temporaries."""
    assert context.tree is not None
    blown = {op.lineno for op in report.ops if op.broadcast and op.expansion >= CONFIG.blowup_factor}
    found = []
    done: set[int] = set()
    for line in report.lines:
        stmt = at.statement_at(context.tree, line.lineno)
        if stmt is None or id(stmt) in done:
            continue
        done.add(id(stmt))
        if not isinstance(stmt, ast.Assign | ast.AugAssign | ast.Return) or stmt.value is None:
            continue
        lines = range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)
        if blown & set(lines) or chain_depth(stmt.value) < 3:
            continue
        stats = [row for row in report.lines if row.lineno in lines]
        temporaries = sum(row.temporaries for row in stats)
        temporary_bytes = sum(row.temporary_bytes for row in stats)
        if temporaries < 2:
            continue
        ops = [op for op in report.ops if op.lineno in lines and op.kind in CHAIN_KINDS
               and op.result and op.name not in NOT_ELEMENTWISE
               and not at.internal_op(op, context.tree)]
        if len(ops) < 3:
            continue
        target: ast.expr | None = None
        name = None
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0]
        elif isinstance(stmt, ast.AugAssign):
            target = stmt.target
        if target is not None:
            name = at.root_name(target)
        target_value = context.namespace.get(name) if name else None
        result = target_value.nbytes if isinstance(target_value, np.ndarray) else max(
            (op.result.get("nbytes", 0) for op in ops if op.result), default=0)
        growth = statement_growth(report, lines)
        new_kept = sum(kept_bytes(row) for row in stats)
        excess = growth - new_kept
        temp_bytes = sum(op.result.get("nbytes", 0) for op in ops if not op.inplace
                         and op.result)
        # Below a warning's worth the temporaries cost nothing anyone would notice, and every
        # vectorized expression has a few: saying nothing is the right answer there.
        if excess < CONFIG.warn_bytes or excess < CONFIG.temporary_factor * max(result, 1) or \
                excess > temp_bytes * 1.05:
            continue
        rewrite = chain_rewrite(context, stmt, target, name)
        lineno = stmt.lineno
        # What was measured: the line's peak minus what was live when it started (per-line
        # peak and timeline), not the sum of every temporary it made over its run.
        each = temporary_bytes // temporaries
        together = ""
        if each and temporary_bytes == each * temporaries and excess >= each:
            alive = min(temporaries, round(excess / each))  # the growth the result is not
            together = (f"; at the worst moment {alive} of them ({nbytes(alive * each)}) "
                        "were alive together" if alive < temporaries else
                        "; all of them were alive together")
        explanation = (
            f"Line {lineno} evaluates a chain of {len(ops)} array operations whose result "
            f"is {nbytes(result)}, but NumPy memory rose {nbytes(growth)} above what was live "
            f"before the line while it ran (the line's peak minus the level it started from). "
            f"It made {temporaries} temporaries ({nbytes(temporary_bytes)} over the whole "
            f"line){together}. NumPy reuses a temporary only in simple chains; separate "
            "subexpressions each need their own buffer. Rule of thumb: for big arrays write the "
            "chain as in-place steps (out=, +=, *=) into the result, or use numexpr.")
        found.append(finding("temporary-chain", lineno,
                             f"temporaries raise memory by {nbytes(growth)} while the line "
                             f"runs, for a {nbytes(result)} result", explanation, rewrite=rewrite,
                             bytes_wasted=excess - result))
    return found


# ufuncs whose temporaries out= cannot remove (their outputs are not element-wise results)
NOT_ELEMENTWISE = ("matmul", "dot", "vecdot", "matvec", "vecmat")


def statement_growth(report: Report, lines: range) -> int:
    """How far NumPy memory rose above its level when a statement spanning `lines` started
    (worst run), from the timeline; a one-line statement is facts.line_growth."""
    if len(lines) == 1:
        return line_growth(report, lines[0])
    return growth_over(report, lines)


SIMPLE = (ast.Name, ast.Constant, ast.Attribute, ast.Subscript)
COMMUTATIVE = (ast.Add, ast.Mult)
AUG = {ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/="}
UFUNC_OF = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide"}


class InPlace:
    """Emit a chain as in-place steps into `dest` with as few scratch buffers as possible."""

    def __init__(self, ns: dict[str, Any]) -> None:
        self.ns = ns
        self.lines: list[str] = []
        self.scratch = 0

    def cheap(self, node: ast.AST) -> bool:
        """Evaluable with at most one temporary (a leaf or one ufunc on leaves)."""
        if isinstance(node, SIMPLE):
            return True
        return isinstance(node, ast.Call) and all(isinstance(a, SIMPLE) for a in node.args)

    def emit(self, node: ast.AST, dest: str, exists: bool) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in AUG:
            op = type(node.op)
            if op in COMMUTATIVE and isinstance(node.left, ast.Constant) and \
                    not isinstance(node.right, ast.Constant):
                # 0.5 * t: start from the array, scale it in place
                self.emit(node.right, dest, exists)
                self.lines.append(f"{dest} {AUG[op]} {at.unparse(node.left)}")
                return
            if self.cheap(node.right):
                self.emit(node.left, dest, exists)
                self.lines.append(f"{dest} {AUG[op]} {at.unparse(node.right)}")
                return
            if op in COMMUTATIVE and self.cheap(node.left):
                self.emit(node.right, dest, exists)
                self.lines.append(f"{dest} {AUG[op]} {at.unparse(node.left)}")
                return
            self.emit(node.left, dest, exists)
            self.scratch += 1
            tmp = f"_tmp{self.scratch}"
            self.emit(node.right, tmp, False)
            self.lines.append(f"{dest} {AUG[op]} {tmp}")
            self.lines.append(f"del {tmp}")
            return
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords and \
                isinstance(at.resolve(node.func, self.ns), np.ufunc):
            func = at.unparse(node.func)
            if isinstance(node.args[0], SIMPLE):
                if exists:
                    self.lines.append(f"{func}({at.unparse(node.args[0])}, out={dest})")
                else:
                    self.lines.append(f"{dest} = {at.unparse(node)}")
                return
            self.emit(node.args[0], dest, exists)
            self.lines.append(f"{func}({dest}, out={dest})")
            return
        if exists and isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and \
                isinstance(node.operand, SIMPLE) and self.ns.get("np") is np:
            self.lines.append(f"np.negative({at.unparse(node.operand)}, out={dest})")
        elif exists:
            self.lines.append(f"{dest}[...] = {at.unparse(node)}")
        elif isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
            self.lines.append(f"{dest} = np.array({at.unparse(node)})")  # a copy, never an alias
        else:
            self.lines.append(f"{dest} = {at.unparse(node)}")


def sum_terms(node: ast.expr, op: type) -> list[tuple[ast.expr, type]]:
    """``t1 + t2 - t3`` added to (op Add) or subtracted from (op Sub) a target, as (term, op)
    pairs: ``acc += t1 + t2 - t3`` is ``acc += t1; acc += t2; acc -= t3``."""
    flip = {ast.Add: ast.Sub, ast.Sub: ast.Add}
    if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub):
        right_op = op if isinstance(node.op, ast.Add) else flip[op]
        return [*sum_terms(node.left, op), *sum_terms(node.right, right_op)]
    return [(node, op)]


def chain_rewrite(context: CellContext, stmt: ast.Assign | ast.AugAssign | ast.Return,
                  target: ast.expr | None, name: str | None) -> Rewrite | None:
    """The chain as in-place steps: into the assigned name (or ``name[:]``), into a fresh
    local returned afterwards (``return <chain>``), or into one scratch array added to the
    target (``acc += <chain>``)."""
    assert context.tree is not None
    taken = at.names_in(context.tree) | set(context.namespace)
    fresh = next(f"chain{k}" if k else "chain" for k in range(100)
                 if (f"chain{k}" if k else "chain") not in taken)
    emitter = InPlace(context.namespace)
    tail: list[str] = []
    compared: list[str]
    if isinstance(stmt, ast.Return):
        emitter.emit(stmt.value, fresh, False)
        tail = [f"return {fresh}"]
        compared = [RETURN]
    elif isinstance(stmt, ast.AugAssign):
        if not isinstance(stmt.target, ast.Name) or type(stmt.op) not in AUG or \
                stmt.target.id in at.loaded_names(stmt.value):
            return None
        # acc += t1 + t2 - t3: one term at a time into acc, through one scratch buffer, so
        # no two terms are ever alive together
        terms = sum_terms(stmt.value, type(stmt.op)) if type(stmt.op) in (ast.Add, ast.Sub) \
            else [(stmt.value, type(stmt.op))]
        if any(isinstance(term, ast.Constant) for term, _ in terms):
            terms = [(stmt.value, type(stmt.op))]
        for k, (term, op) in enumerate(terms):
            emitter.emit(term, fresh, k > 0)
            emitter.lines.append(f"{stmt.target.id} {AUG[op]} {fresh}")
        tail = [f"del {fresh}"]
        compared = [stmt.target.id]
    else:
        if len(stmt.targets) != 1 or name is None:
            return None
        if isinstance(target, ast.Subscript):
            if at.unparse(target.slice) not in (":", "...") or \
                    not isinstance(target.value, ast.Name):
                return None
            dest, exists = name, True
        elif isinstance(target, ast.Name):
            dest, exists = name, False
            if name in at.loaded_names(stmt.value):
                return None
        else:
            return None
        emitter.emit(stmt.value, dest, exists)
        compared = [name]
    if len(emitter.lines) < 2:
        return None
    indent = at.indent_of(context.source.splitlines()[stmt.lineno - 1])
    return Rewrite(kind="equivalent", code=at.reindent("\n".join(emitter.lines + tail), indent),
                   lines=[stmt.lineno, stmt.end_lineno or stmt.lineno], compared=compared)


RULE = Rule(
    name="chain-of-temporaries",
    category="temporary-chain",
    finds="An assignment, augmented assignment or return of at least three element-wise "
          "operations that made two or more temporaries, where memory rose above the result by "
          "at least `warn_bytes` and `temporary_factor` times the result while the line ran.",
    why="Each operation of a chain allocates a full-size array and separate subexpressions each "
        "need their own buffer; in-place steps (out=, +=) reuse one.",
    example="y = np.sqrt(x) * np.exp(x) + np.sin(x) * np.cos(x)\n->\ny = np.sqrt(x)\n"
            "y *= np.exp(x)\n_tmp1 = np.sin(x)\n_tmp1 *= np.cos(x)\ny += _tmp1\ndel _tmp1",
    near_misses="Chains NumPy already elides (y = a * b + c * d - e * f: the measured peak stays "
                "near the result); small "
                "arrays; ufunc chains written with out=; lines that broadcast (broadcast-blowup); "
                "matrix products, whose temporaries out= cannot remove.",
    rewrite="equivalent",
    check=chain_of_temporaries,
)
