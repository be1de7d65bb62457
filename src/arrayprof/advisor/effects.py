"""What verification may run: code whose effects stay inside the copies it made.

Verification (verify.py) and function replays (scopes.py) run code of the cell a second time, on
copies of its inputs; the rules evaluate small expressions of it on the user's own values
(ast_tools.try_eval, the checks of the dtype-overflow rules).  Whatever that code does outside those
copies would happen twice: a file written or a memory-mapped file incremented again, a function
of the user's that NumPy calls back (``np.vectorize(f)``, ``np.apply_along_axis(f, ...)``,
``np.frompyfunc``, ``np.piecewise``, an ``np.seterrcall`` handler) called again, NumPy's or
Python's global random state moved (the next cell would draw other numbers), a module's attribute
set, an iterator consumed.  So code runs only when everything it reaches is on an allow-list:

* calls: NumPy's functions, classes and methods except those that touch files, print or change
  NumPy's global state (`numpy_effect`), math and cmath, pure builtins, methods of the copied
  values (arrays, lists, dicts, random generators with their own state), and the functions and
  lambdas the cell itself defines, whose bodies are judged the same way (a run calls them re-bound
  to its copies, see verify.fresh_namespace);
* values (verify.fresh): plain arrays and data and random generators are copied; modules, classes,
  dtypes and callables not bound to the user's objects are shared (their calls are judged here);
  anything else (a memory-mapped array, an iterator, an object of the user's) is never handed to
  a run.

`EffectCheck` and `code_effect` judge code, `callable_effect` one object; each says why in words
("it reads or writes files (np.save)"), or None when running it again is safe.  With ``live`` the
names hold the user's own values: changing one in place is refused too.
"""

from __future__ import annotations

import ast
import builtins
import collections
import contextlib
import functools
import gc
import importlib
import random
import sys
import types
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from arrayprof.advisor import ast_tools as at

# Builtins that call nothing of the user's on plain data and change nothing outside their
# arguments (``print``, ``open``, ``input``, ``exec``, ``setattr``, ``globals`` are not here).
SAFE_BUILTINS = frozenset({
    "abs", "all", "any", "bin", "bool", "bytearray", "bytes", "callable", "chr", "complex",
    "dict", "divmod", "enumerate", "filter", "float", "format", "frozenset", "hash", "hex", "id",
    "int", "isinstance", "issubclass", "iter", "len", "list", "map", "max", "min", "next",
    "object", "oct", "ord", "pow", "range", "repr", "reversed", "round", "set", "slice",
    "sorted", "str", "sum", "tuple", "type", "zip",
})
PURE_BUILTIN_OBJECTS = {id(getattr(builtins, name)) for name in SAFE_BUILTINS}
# Methods that write to, or close, a file behind an object: never repeated, whatever the owner
FILE_METHODS = frozenset({"tofile", "dump", "flush", "write", "writelines", "close"})
COPIED_OWNERS = (np.ndarray, np.generic, np.dtype, list, dict, set, frozenset, tuple, str, bytes,
                 bytearray, int, float, complex, bool, range, slice,
                 np.random.Generator, np.random.RandomState, np.random.BitGenerator,
                 np.random.SeedSequence, random.Random)
MATH_MODULES = ("math", "cmath")
# Methods that only read their object (for code run on the user's own values, `live`)
PURE_METHODS = at.PURE_METHODS
# NumPy's random module: what may be called without touching its global state
NUMPY_RANDOM_OWN_STATE = frozenset({
    "default_rng", "Generator", "RandomState", "SeedSequence", "BitGenerator", "MT19937",
    "PCG64", "PCG64DXSM", "Philox", "SFC64",
})
NUMPY_GLOBAL_RANDOM = "it draws from or seeds NumPy's global random state"
PYTHON_GLOBAL_RANDOM = "it draws from or seeds Python's global random state (random)"
WRITES_FILES = "it reads or writes files"
# Parts of NumPy whose functions touch files, print, load libraries or change global state
NUMPY_EFFECT_MODULES = {
    "numpy.lib.format": WRITES_FILES,
    "numpy.lib.npyio": WRITES_FILES,
    "numpy.lib._npyio_impl": WRITES_FILES,
    "numpy.lib._datasource": WRITES_FILES,
    "numpy.ctypeslib": "it loads libraries or reads raw memory (numpy.ctypeslib)",
    "numpy.f2py": "it compiles and loads code (numpy.f2py)",
    "numpy.distutils": "it compiles and loads code (numpy.distutils)",
}
# numpy.<name>: why calling it is not repeatable (looked up by identity; names missing in this
# NumPy version are skipped)
NUMPY_EFFECT_NAMES = {
    **dict.fromkeys(("load", "save", "savez", "savez_compressed", "savetxt", "loadtxt",
                     "genfromtxt", "fromfile", "fromregex", "memmap", "DataSource",
                     "rec.fromfile", "lib.format.open_memmap", "ndarray.tofile",
                     "ndarray.dump"), WRITES_FILES),
    **dict.fromkeys(("seterr", "seterrcall", "seterrobj", "setbufsize", "set_printoptions",
                     "set_string_function", "add_docstring", "add_newdoc", "add_newdoc_ufunc",
                     "lib.add_docstring", "lib.add_newdoc"),
                    "it changes NumPy's global settings"),
    **dict.fromkeys(("info", "show_config", "show_runtime", "disp", "who", "source", "lookfor",
                     "test"), "it prints or runs other code"),
}
NUMPY_TESTING_PURE_PREFIX = "assert_"


def numpy_object(path: str) -> Any:
    value: Any = np
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def build_numpy_effects() -> dict[int, tuple[Any, str]]:
    """id -> (object, reason) for NumPy's callables with effects outside their arguments (the
    object is kept so its id stays its own)."""
    out: dict[int, tuple[Any, str]] = {}
    for path, reason in NUMPY_EFFECT_NAMES.items():
        value = numpy_object(path)
        if value is not None:
            out[id(value)] = (value, reason)
    for module in (np.random, sys.modules.get("numpy.random.mtrand")):
        for name, value in getattr(module, "__dict__", {}).items():
            if callable(value) and not name.startswith("_") and \
                    name not in NUMPY_RANDOM_OWN_STATE and not isinstance(value, type):
                out[id(value)] = (value, NUMPY_GLOBAL_RANDOM)
    return out


NUMPY_EFFECTS = build_numpy_effects()


def numpy_effect(value: Any) -> str | None:
    """Why calling a NumPy object is not repeatable, or None (NumPy's callables are pure
    otherwise: they compute on their arguments and return new values or views)."""
    known = NUMPY_EFFECTS.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    owner = getattr(value, "__self__", None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        if owner is np.random.mtrand._rand:
            return NUMPY_GLOBAL_RANDOM
        if isinstance(owner, np.ndarray | np.generic) and \
                getattr(value, "__name__", "") in FILE_METHODS:
            return WRITES_FILES
    module = getattr(value, "__module__", None) or ""
    if module.startswith("numpy.testing") and not isinstance(value, type) and \
            not getattr(value, "__name__", "").startswith(NUMPY_TESTING_PURE_PREFIX):
        return "it prints, runs the collector or writes files (numpy.testing)"
    for prefix, reason in NUMPY_EFFECT_MODULES.items():
        if module == prefix or module.startswith(prefix + "."):
            return reason
    if isinstance(value, type) and issubclass(value, np.memmap):
        return WRITES_FILES
    return None


def frompyfunc_ufunc(value: Any) -> bool:
    """A ufunc made by ``np.frompyfunc``: it calls a Python function for every element."""
    return isinstance(value, np.ufunc) and value.__name__.endswith("(vectorized)") and \
        all(set(t.replace("->", "")) == {"O"} for t in value.types)


def callable_effect(value: Any, label: str) -> str | None:
    """Why calling `value` (named `label` in the code) could have effects outside the run's
    copies, or None when it is on the allow-list (see the module docstring)."""
    if id(value) in PURE_BUILTIN_OBJECTS:
        return None
    if value is random.Random or (isinstance(value, type) and issubclass(value, BaseException)
                                  and getattr(builtins, value.__name__, None) is value):
        return None  # Python's own exceptions (a subclass of the user's may run its code)
    owner = getattr(value, "__self__", None)
    if owner is random._inst:  # type: ignore[attr-defined]
        return PYTHON_GLOBAL_RANDOM
    if isinstance(value, np.vectorize):
        inner = callable_effect(value.pyfunc, label)
        return None if inner is None else (
            f"{label} is np.vectorize of a function of yours, which NumPy would call again")
    if frompyfunc_ufunc(value):
        return f"{label} is np.frompyfunc of a function of yours, which NumPy would call again"
    if at.is_numpy_object(value) or (owner is not None and not isinstance(
            owner, types.ModuleType) and at.is_numpy_object(owner)):
        effect = numpy_effect(value)
        return None if effect is None else f"{effect} ({label})"
    if owner is not None and not isinstance(owner, types.ModuleType) and \
            isinstance(owner, COPIED_OWNERS):
        name = getattr(value, "__name__", "")
        return f"{WRITES_FILES} ({label})" if name in FILE_METHODS else None
    module = getattr(value, "__module__", None) or getattr(owner, "__name__", "") or ""
    if module in MATH_MODULES and isinstance(value, types.BuiltinFunctionType):
        return None
    if module == "random" or owner is random:
        return PYTHON_GLOBAL_RANDOM
    if isinstance(value, types.FunctionType | types.MethodType) or (
            isinstance(value, type) and value.__module__ not in ("builtins", "numpy")):
        return f"it calls {label}, a function of yours outside NumPy that could have side effects"
    return f"it calls {label}, which is outside NumPy and could have side effects"


# -- code ----------------------------------------------------------------------------------------
Definition = ast.FunctionDef | ast.Lambda


def cell_definitions(tree: ast.AST) -> dict[str, Definition]:
    """Functions the cell defines, by name: ``def`` statements and lambdas bound to a name."""
    out: dict[str, Definition] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            out[node.name] = node
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda) and \
                len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = node.value
    return out


def definition_body(definition: Definition) -> ast.Module:
    body = definition.body if isinstance(definition, ast.FunctionDef) else [
        ast.Expr(value=definition.body)]
    return ast.Module(body=list(body), type_ignores=[])


def imported_values(tree: ast.AST) -> tuple[dict[str, Any], str | None]:
    """The objects the code's own imports bind (NumPy and math only), or why an import is not
    allowed."""
    bound: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in ("numpy", *MATH_MODULES):
                    return bound, f"it imports {alias.name}"
                if alias.asname:
                    bound[alias.asname] = importlib.import_module(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = importlib.import_module(top)
        elif isinstance(node, ast.ImportFrom):
            module_name = node.module or ""
            if node.level or module_name.split(".")[0] not in ("numpy", *MATH_MODULES):
                return bound, f"it imports {module_name or '.'}"
            module = importlib.import_module(module_name)
            for alias in node.names:
                if alias.name == "*" or alias.name.startswith("_"):
                    return bound, f"it imports {alias.name} from {module_name}"
                value = getattr(module, alias.name, at.MISSING)
                if value is not at.MISSING:
                    bound[alias.asname or alias.name] = value
    return bound, None


def bound_names(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere: assignments, loop and comprehension targets,
    definitions, imports, parameters, ``except ... as e`` and pattern captures."""
    out = at.stored_names(tree) if isinstance(tree, ast.Module) else set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            out.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            out.add(node.id)
    return out


def python_function(value: Any) -> types.FunctionType | None:
    """The Python function NumPy calls back through `value`: itself, the function of an
    np.vectorize object, or of an np.frompyfunc ufunc (NumPy keeps it as the ufunc's object,
    which the collector's referents show)."""
    if type(value) is types.FunctionType:
        return value
    if isinstance(value, np.vectorize) and type(value.pyfunc) is types.FunctionType:
        return value.pyfunc
    if frompyfunc_ufunc(value):
        inner = [r for r in gc.get_referents(value) if type(r) is types.FunctionType]
        return inner[0] if len(inner) == 1 else None
    return None


def free_reads(definition: Definition) -> set[str]:
    """Globals a function's body reads (names it neither binds nor takes as parameters)."""
    body = definition_body(definition)
    params = {a.arg for a in ast.walk(definition) if isinstance(a, ast.arg)}
    return at.loaded_names(body) - params - bound_names(body)


class EffectCheck:
    """Walks code and says why re-running it could act outside its copies.

    Functions the cell defines (compiled from `cell_file`, found in `cell_tree` by name and first
    line) are judged by their bodies, wherever they appear: called, passed to NumPy, or inside an
    np.vectorize or np.frompyfunc object; `reads` collects the globals those bodies read, which
    the run's namespace must hold (they run re-bound to it, see verify.fresh_namespace).  With
    `live`, the namespace holds the user's own values, not copies: changing one in place is an
    effect too, and no function of the cell is run."""

    def __init__(self, namespace: Mapping[str, Any], defs: dict[str, Definition] | None = None,
                 *, live: bool = False, cell_file: str | None = None,
                 cell_tree: ast.AST | None = None) -> None:
        self.namespace = namespace
        self.given_defs = dict(defs or {})
        self.live = live
        self.cell_file = cell_file
        self.cell_tree = cell_tree
        self.judged: dict[int, str | None] = {}  # id(definition) -> its reason
        self.reads: set[str] = set()

    # the cell's functions, looked up only when the code uses one (a walk of the whole cell)
    @functools.cached_property
    def defs(self) -> dict[str, Definition]:
        found = cell_definitions(self.cell_tree) if self.cell_tree is not None else {}
        return {**found, **self.given_defs}

    @functools.cached_property
    def located(self) -> dict[tuple[str, int], list[Definition]]:
        """The cell's functions by (name, first line), as their code objects record them."""
        out: dict[tuple[str, int], list[Definition]] = {}
        for node in ast.walk(self.cell_tree) if self.cell_tree is not None else ():
            if isinstance(node, ast.FunctionDef):
                first = min([node.lineno, *[d.lineno for d in node.decorator_list]])
                out.setdefault((node.name, first), []).append(node)
            elif isinstance(node, ast.Lambda):
                out.setdefault(("<lambda>", node.lineno), []).append(node)
        return out

    # -- code --------------------------------------------------------------------------------
    def code(self, tree: ast.AST) -> str | None:
        imports, reason = imported_values(tree)
        if reason:
            return reason
        local = bound_names(tree)
        env = collections.ChainMap(imports, self.namespace)  # no copy of a big namespace
        own = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        own |= set(cell_definitions(tree))
        if self.live:
            from arrayprof.snapshot import names_read_and_changed

            changed = sorted(n for n in names_read_and_changed(tree)[1] if n in env)
            if changed:
                return f"it changes {', '.join(changed)} in place"
        for node in ast.walk(tree):
            reason = self.node(node, env, local, own)
            if reason:
                return reason
        return None

    def definition(self, definition: Definition) -> str | None:
        """A function of the cell: safe when its body is (judged once; a recursive call is
        assumed safe while its body is being judged)."""
        key = id(definition)
        if key not in self.judged:
            self.judged[key] = None
            self.judged[key] = self.code(definition_body(definition))
            self.reads |= free_reads(definition)
        return self.judged[key]

    def function(self, func: types.FunctionType, label: str) -> str | None:
        """A Python function NumPy or the code would call: one of the cell's, judged by its
        body; anything else is the user's, outside what can be judged."""
        code = func.__code__
        if self.cell_file is None or code.co_filename != self.cell_file:
            return callable_effect(func, label)  # NumPy's own Python functions pass here
        if self.live:
            return f"it calls {label}, a function of this cell, on values of yours"
        found = self.located.get((code.co_name, code.co_firstlineno), [])
        if not found:
            return f"it calls {label}, a function of yours whose code the verifier cannot see"
        if func.__closure__:
            return f"{label} uses variables of an enclosing function, which cannot be copied"
        for definition in found:
            reason = self.definition(definition)
            if reason:
                return reason
        return None

    def node(self, node: ast.AST, env: Mapping[str, Any], local: set[str],
             own: set[str]) -> str | None:
        if isinstance(node, ast.Global | ast.Nonlocal):
            return "it declares global names"
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                return f"it reaches into a private attribute ({at.unparse(node)})"
            if isinstance(node.ctx, ast.Store | ast.Del):
                return self.attribute_store(node, env, local)
            return self.attribute_load(node, env, local)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            return self.name_load(node.id, env, own)
        if isinstance(node, ast.Call):
            return self.call(node.func, env, local)
        return None

    def value(self, value: Any, label: str) -> str | None:
        """A callable the code reaches (calls it, or passes it on: NumPy would call it back)."""
        func = python_function(value)
        if func is not None:
            reason = self.function(func, label)
            if reason and func is not value:
                kind = "np.vectorize" if isinstance(value, np.vectorize) else "np.frompyfunc"
                return f"{label} is {kind} of a function NumPy would call again, and {reason}"
            return reason
        if frompyfunc_ufunc(value):
            return f"{label} is np.frompyfunc of a function of yours, which NumPy would call again"
        return callable_effect(value, label)

    def name_load(self, name: str, env: Mapping[str, Any], own: set[str]) -> str | None:
        """A name the code reads: a callable of the user's is refused wherever it appears (passed
        to NumPy it would be called back: np.vectorize(f), np.apply_along_axis(f, ...))."""
        if name in own:
            return None  # defined by the code itself: its body is part of the same walk
        value = env[name] if name in env else getattr(builtins, name, at.MISSING)
        if value is at.MISSING:
            if name in self.defs and not self.live:
                return self.definition(self.defs[name])  # defined by the cell, not yet bound
            return None  # bound by the code itself, or a NameError when it runs: no effect
        if not callable(value) or isinstance(value, types.ModuleType):
            return None
        return self.value(value, name)

    def attribute_load(self, node: ast.Attribute, env: Mapping[str, Any],
                       local: set[str]) -> str | None:
        """``np.vectorize(tools.f)``: a callable reached through a module counts like a name."""
        root: ast.expr = node.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or (root.id in local and root.id not in env):
            return None
        value = at.resolve(node, env)
        if value is at.MISSING or not callable(value) or isinstance(value, types.ModuleType):
            return None
        owner = getattr(value, "__self__", None)
        if self.live and owner is not None and not isinstance(owner, types.ModuleType) and \
                node.attr not in PURE_METHODS:
            return f"it calls {at.unparse(node)} on a value of yours"
        return self.value(value, at.unparse(node))

    def call(self, func: ast.expr, env: Mapping[str, Any], local: set[str]) -> str | None:
        if isinstance(func, ast.Lambda | ast.Name | ast.Call):
            # a lambda's body, a name's value, the inner call of np.vectorize(f)(x) and its
            # arguments: judged by the same walk
            return None
        if isinstance(func, ast.Attribute):
            if at.resolve(func, env) is not at.MISSING:
                return None  # judged as an attribute load
            if func.attr in FILE_METHODS:
                return f"{WRITES_FILES} ({at.unparse(func)})"
            root: ast.expr = func.value
            while isinstance(root, ast.Attribute | ast.Subscript):
                root = root.value
            if isinstance(root, ast.Name) and root.id not in local:
                owner = env.get(root.id, at.MISSING)
                if isinstance(owner, types.ModuleType) and \
                        owner.__name__.split(".")[0] not in ("numpy", *MATH_MODULES):
                    return (f"it calls {at.unparse(func)}, which is outside NumPy and could "
                            "have side effects")
                if self.live and func.attr not in PURE_METHODS:
                    return f"it calls {at.unparse(func)} on a value of yours"
            # a method of a value the code built from allowed calls, or of a copied value
            return None
        return f"it calls {at.unparse(func)}, whose effects cannot be judged"

    def attribute_store(self, node: ast.Attribute, env: Mapping[str, Any],
                        local: set[str]) -> str | None:
        root: ast.expr = node.value
        while isinstance(root, ast.Attribute | ast.Subscript):
            root = root.value
        owner = env.get(root.id, at.MISSING) if isinstance(root, ast.Name) else at.MISSING
        if isinstance(root, ast.Name) and root.id in local and not isinstance(
                owner, types.ModuleType | type | types.FunctionType):
            return None  # an object the code made (self.k = k in a class it defines)
        if owner is not at.MISSING and isinstance(owner, COPIED_OWNERS) and not self.live:
            return None  # an attribute of a copy (a.shape = ...)
        return f"it sets an attribute of something it did not copy ({at.unparse(node)})"


@contextlib.contextmanager
def quiet_warnings() -> Iterator[None]:
    """Warnings of a re-run are not shown (the cell's own run showed them), and the filters are
    not touched: changing them (`warnings.catch_warnings`, `simplefilter`) bumps their version,
    after which Python forgets which warnings it already showed, so the user's next call of a
    function that warned once would warn again.  A filter of the user's that turns a warning into
    an error still raises (the run then fails and the rewrite is not verified)."""
    shown = warnings.showwarning
    warnings.showwarning = _drop_warning
    try:
        yield
    finally:
        warnings.showwarning = shown


def _drop_warning(*args: Any, **kwargs: Any) -> None:
    """`warnings.showwarning` while a re-run runs."""


def code_effect(tree: ast.AST, namespace: dict[str, Any],
                defs: dict[str, Definition] | None = None, *, live: bool = False) -> str | None:
    """Why re-running `tree` could act outside the copies it runs on, or None.  `namespace`
    holds what names denote when it runs; `defs` the functions the cell defines by name (one
    not yet bound is judged by its body).  `live`: the names hold the user's own values."""
    return EffectCheck(namespace, defs, live=live).code(tree)


def errstate_effect() -> str | None:
    """NumPy's error handling calls a function or writes to an object of the user's when a
    floating-point error happens ('call' and 'log' modes): a run could call it again."""
    modes = np.geterr()
    if any(mode in ("call", "log") for mode in modes.values()) and np.geterrcall() is not None:
        handler = np.geterrcall()
        name = getattr(handler, "__name__", type(handler).__name__)
        return (f"NumPy's floating-point error handler is {name} (np.seterrcall), which a "
                "run could call again")
    return None


@contextlib.contextmanager
def kept_global_state() -> Iterator[None]:
    """Run code that was judged free of effects with NumPy's error modes quieted (see
    `quiet_errstate`), and, should it still move NumPy's or Python's global random state
    (nothing allowed does), put the state back as it was: the next cell draws what it would
    have drawn without arrayprof."""
    numpy_state = np.random.get_state(legacy=False)
    python_state = random.getstate()
    try:
        with quiet_errstate():
            yield
    finally:
        try:
            if not same_state(np.random.get_state(legacy=False), numpy_state):
                np.random.set_state(numpy_state)
            if random.getstate() != python_state:
                random.setstate(python_state)
        except Exception:
            pass  # read before the run, so readable: only a racing thread of the user's gets here


def same_state(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_state(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    return bool(a == b)


def quiet_errstate() -> Any:
    """The current error modes with 'print' and 'warn' silenced ('raise' kept: it changes what
    the code does): the cell's run already printed or warned."""
    modes = {k: ("ignore" if v in ("print", "warn") else v) for k, v in np.geterr().items()}
    return np.errstate(**modes)


__all__ = ["SAFE_BUILTINS", "EffectCheck", "callable_effect", "cell_definitions", "code_effect",
           "errstate_effect", "kept_global_state", "numpy_effect", "quiet_errstate"]
