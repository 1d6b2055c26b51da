"""Hidden state: a name a cell uses that only a later cell defines.

Such a notebook fails on Restart & Run All, however good its execution counts
look. Each code cell is parsed with :mod:`ast` (IPython syntax first turned
into plain Python, line for line) to find the names it defines and the names
it needs when it runs; a use is hidden state when no earlier cell, nor the
cell itself, defines the name and a later cell certainly does.

Precision comes first. Whatever might define names out of sight stops the
analysis from that cell on: ``from m import *``, ``exec``, ``eval``,
``globals()``, ``vars()``, ``locals()``, ``get_ipython()``, ``%run`` and any
magic not known to leave the namespace alone. A cell that does not parse is
skipped (and reported as such) but still counts as defining every name it
mentions. Function bodies run later, so their names are not uses; lambda
bodies, comprehensions, class bodies, decorators and default values run at
once, so theirs are.

Every code cell is parsed: some 45 microseconds per cell on the corpus, about
what reading the notebook costs.
"""

from __future__ import annotations

import ast
import builtins
import functools
import itertools
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from nbguard.notebook import Notebook, cell_source, iter_cells

# Names that exist before any cell runs: Python's builtins and module
# globals, IPython's namespace, and what Spark and Databricks kernels inject.
PREDEFINED = frozenset(
    {
        *dir(builtins),
        *("help", "copyright", "credits", "license", "exit", "quit"),
        *("__name__", "__doc__", "__builtins__", "__spec__", "__loader__", "__package__"),
        *("display", "get_ipython", "In", "Out", "_", "__", "___", "_i", "_ii", "_iii"),
        *("_ih", "_oh", "_dh", "_exit_code", "__IPYTHON__"),
        *("spark", "sc", "sqlContext", "dbutils", "displayHTML"),
    }
)
# Using any of these may define names nothing else shows.
DYNAMIC_NAMES = frozenset(
    {"exec", "eval", "execfile", "globals", "locals", "vars", "get_ipython", "__builtins__"}
)

# Line magics that run a Python statement in the user's namespace.
STATEMENT_MAGICS = frozenset({"time", "timeit", "prun", "debug", "memit"})
# Line magics known to define no Python name (a few remove names, which is fine).
INERT_LINE_MAGICS = frozenset(
    {
        *("matplotlib", "load_ext", "reload_ext", "unload_ext", "autoreload"),
        *("config", "env", "set_env", "cd", "pwd", "ls", "ll", "pip", "conda", "mamba"),
        *("who", "whos", "who_ls", "history", "hist", "precision", "xmode", "pdb"),
        *("lsmagic", "magic", "notebook", "pinfo", "pinfo2", "psearch", "pdef", "pdoc"),
        *("pfile", "psource", "bookmark", "dhist", "dirs", "pushd", "popd", "cat"),
        *("clear", "system", "sx", "alias", "unalias", "rehashx", "qtconsole"),
        *("connect_info", "page", "autosave", "autocall", "automagic", "colors"),
        *("doctest_mode", "killbgscripts", "tb", "save", "logstart", "logstop", "logon"),
        *("logoff", "logstate", "gui", "mkdir", "rm", "rmdir", "mv", "cp", "less", "more"),
        *("man", "tensorflow_version", "watermark", "reset", "reset_selective", "xdel"),
        *("install_ext", "shell", "uv", "code_wrap", "mode"),
    }
)
# Cell magics whose body is Python run in the user's namespace.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit"})
# Cell magics whose body is not run as Python here and that bind no name
# (the script family binds only its --out/--err/--proc arguments).
INERT_CELL_MAGICS = frozenset(
    {
        *("bash", "sh", "script", "system", "perl", "ruby", "python", "python2", "python3"),
        *("pypy", "html", "HTML", "javascript", "js", "latex", "markdown", "svg"),
        *("writefile", "file"),
    }
)

_NAME = r"[^\W\d]\w*"
_TOKEN = re.compile(_NAME)
_STAR_IMPORT = re.compile(r"\bimport[ \t]*\*")

# IPython syntax, line by line.
_MAGIC = re.compile(r"%{1,2}([A-Za-z_]\w*)(.*)")
_MAGIC_ASSIGNMENT = re.compile(
    rf"([ \t]*)({_NAME}(?:\.{_NAME})*(?:[ \t]*,[ \t]*{_NAME}(?:\.{_NAME})*)*)[ \t]*=[ \t]*"
    r"(?:!|%{1,2}([A-Za-z_]\w*))"
)
_MAGIC_OPTIONS = re.compile(r"(?:-{1,2}\w+(?:[ \t]+\d+\b)?[ \t]*)*")
_AUTOCALL = re.compile(rf"[/,;]{_NAME}")
_HELP = re.compile(r"\?{0,2}[\w.*\[\]()]+\?{1,2}")  # obj?, obj.attr??, np.*load*?


class HiddenUse(NamedTuple):
    """``name`` is used in ``cell`` at ``line`` but first defined in ``defined_in``."""

    cell: int
    line: int
    name: str
    defined_in: int


class Skipped(NamedTuple):
    """A cell the analysis could not parse."""

    cell: int
    line: int | None
    reason: str


class Analysis(NamedTuple):
    uses: tuple[HiddenUse, ...] = ()
    skipped: tuple[Skipped, ...] = ()


@dataclass(frozen=True)
class CellNames:
    """What one cell defines and needs; ``error`` is set when it does not parse."""

    defines: frozenset[str]
    uses: Mapping[str, int] = field(default_factory=dict)  # name -> first line
    dynamic: bool = False
    error: tuple[int | None, str] | None = None


# --- IPython syntax -> Python ----------------------------------------------


class Converted(NamedTuple):
    """A cell as plain Python (None: a non-Python cell magic) and what magics bind."""

    source: str | None
    binds: frozenset[str] = frozenset()
    dynamic: bool = False


def _magic_args(args: str) -> list[str]:
    return args.split()


def _first_positional(args: str) -> str | None:
    return next((a for a in _magic_args(args) if not a.startswith("-")), None)


def _script_outputs(args: str) -> set[str]:
    words = _magic_args(args)
    return {
        value
        for option, value in itertools.pairwise(words)
        if option in ("--out", "--err", "--proc") and value.isidentifier()
    }


def to_python(source: str) -> Converted:  # noqa: C901, PLR0912 - one branch per IPython syntax form
    """``source`` with IPython syntax replaced, keeping every line where it was.

    ``%magic`` and ``!shell`` lines become ``pass`` (statement magics such as
    ``%time x = f()`` keep their statement), ``x = !cmd`` and ``x = %magic``
    become ``x = None``, help lines (``obj?``) become ``pass``.
    """
    lines = source.split("\n")
    binds: set[str] = set()
    dynamic = False
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if start < len(lines) and lines[start].lstrip().startswith("%%"):
        match = _MAGIC.match(lines[start].strip())
        name, args = (match.group(1), match.group(2)) if match else ("", "")
        if name not in PYTHON_CELL_MAGICS:
            if name in INERT_CELL_MAGICS:
                return Converted(None, frozenset(_script_outputs(args)))
            return Converted(None, dynamic=True)
        if name == "capture":
            target = _first_positional(args)
            if target is not None and target.isidentifier():
                binds.add(target)
        lines[start] = ""
        start += 1
    for i in range(start, len(lines)):
        line = lines[i]
        text = line.strip()
        if not text or text[0] == "#":
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if text[0] == "!":
            lines[i] = indent + "pass"
        elif text[0] == "%":
            match = _MAGIC.match(text)
            name, rest = (match.group(1), match.group(2)) if match else ("", "")
            statement = ""
            if name in STATEMENT_MAGICS and not text.startswith("%%"):
                rest = rest.strip()
                options = _MAGIC_OPTIONS.match(rest)
                statement = rest[options.end() :] if options else rest
            elif name not in INERT_LINE_MAGICS:
                dynamic = True
            lines[i] = indent + (statement or "pass")
        elif (assignment := _MAGIC_ASSIGNMENT.match(line)) is not None:
            magic = assignment.group(3)
            if magic is not None and magic not in STATEMENT_MAGICS | INERT_LINE_MAGICS:
                dynamic = True
            lines[i] = f"{assignment.group(1)}{assignment.group(2)} = None"
        elif text[0] == "?" or _HELP.fullmatch(text) or _AUTOCALL.match(text):
            lines[i] = indent + "pass"
    return Converted("\n".join(lines), frozenset(binds), dynamic)


# --- names of one cell -------------------------------------------------------


class _Scope:
    __slots__ = ("kind", "names")

    def __init__(self, kind: str, names: Iterable[str] = ()) -> None:
        self.kind = kind  # "comprehension", "lambda" or "class"
        self.names = set(names)


def _stored_names(nodes: Iterable[ast.AST]) -> set[str]:
    return {
        n.id
        for node in nodes
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


class _CellVisitor:
    """Collects the names a cell binds at top level and the free names it runs.

    A hand-rolled walk (see ``_HANDLERS``): ``ast.NodeVisitor`` spends most of
    its time looking up methods and iterating fields that hold no nodes.
    Each level of the tree costs two calls, ``visit`` and the handler, on the
    shortcuts as on the generic walk, so RecursionError stops both at the same depth.
    """

    def __init__(self, find_globals: bool) -> None:
        self.defines: set[str] = set()
        self.uses: dict[str, int] = {}
        self.dynamic = False
        self.scopes: list[_Scope] = []
        self.find_globals = find_globals

    def bind(self, name: str) -> None:
        if self.scopes:
            self.scopes[-1].names.add(name)
        else:
            self.defines.add(name)

    def visit(self, node: ast.AST) -> None:
        _DISPATCH[type(node)](self, node)

    def visit_children(self, node: ast.AST) -> None:
        for name in _CHILD_FIELDS[type(node)]:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    # The commonest nodes, visited as visit_children would (same children, same
    # order, same depth of calls, so the same point of RecursionError) without
    # walking their fields by name.

    def visit_value(self, node: ast.Attribute | ast.Expr | ast.keyword) -> None:
        self.visit(node.value)

    def visit_call(self, node: ast.Call) -> None:
        self.visit(node.func)
        for arg in node.args:
            self.visit(arg)
        for keyword in node.keywords:
            self.visit(keyword)

    def visit_assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.visit(target)
        self.visit(node.value)

    def visit_subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)
        self.visit(node.slice)

    def visit_bin_op(self, node: ast.BinOp) -> None:
        self.visit(node.left)
        self.visit(node.right)

    def visit_elements(self, node: ast.Tuple | ast.List) -> None:
        for element in node.elts:
            self.visit(element)

    def visit_all(self, nodes: Iterable[ast.AST | None]) -> None:
        for node in nodes:
            if node is not None:
                self.visit(node)

    def skip(self, node: ast.AST) -> None:
        pass

    def visit_name(self, node: ast.Name) -> None:
        name = node.id
        if isinstance(node.ctx, ast.Store):
            self.bind(name)
        elif not (self.scopes and any(name in scope.names for scope in self.scopes)):
            # A use (Load, or Del, which needs the name too), recorded inline:
            # a quarter of all nodes are names.
            if name in DYNAMIC_NAMES:
                self.dynamic = True
            first = self.uses.get(name)
            if first is None or node.lineno < first:
                self.uses[name] = node.lineno

    def visit_import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.bind(alias.asname or alias.name.partition(".")[0])

    def visit_import_from(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.dynamic = True
            else:
                self.bind(alias.asname or alias.name)

    def visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # The body runs later, when called: only what runs now is a use.
        self.visit_all(node.decorator_list)
        self.visit_all(node.args.defaults)
        self.visit_all(node.args.kw_defaults)
        self.bind(node.name)
        if self.find_globals:  # `global x` in the body defines x once it is called
            for inner in ast.walk(node):
                if isinstance(inner, ast.Global):
                    self.defines.update(inner.names)

    def visit_lambda(self, node: ast.Lambda) -> None:
        self.visit_all(node.args.defaults)
        self.visit_all(node.args.kw_defaults)
        a = node.args
        params = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
        self.scopes.append(_Scope("lambda", (p.arg for p in params if p is not None)))
        self.visit(node.body)
        self.scopes.pop()

    def visit_class(self, node: ast.ClassDef) -> None:
        self.visit_all(node.decorator_list)
        type_params = [p.name for p in getattr(node, "type_params", ())]
        self.scopes.append(_Scope("class", type_params))
        self.visit_all(node.bases)
        self.visit_all(k.value for k in node.keywords)
        # Every name the body stores is class-local, wherever it is stored.
        self.scopes[-1].names.update(_stored_names(node.body))
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.scopes[-1].names.add(statement.name)
        self.visit_all(node.body)
        self.scopes.pop()
        self.bind(node.name)

    def visit_comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        first, *rest = node.generators
        self.visit(first.iter)  # evaluated in the enclosing scope
        targets = _stored_names(g.target for g in node.generators)
        self.scopes.append(_Scope("comprehension", targets))
        self.visit_all(first.ifs)
        for generator in rest:
            self.visit(generator.iter)
            self.visit_all(generator.ifs)
        if isinstance(node, ast.DictComp):
            self.visit_all((node.key, node.value))
        else:
            self.visit(node.elt)
        self.scopes.pop()

    def visit_named_expr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        # A walrus in a comprehension binds in the scope around it.
        outer = [s for s in self.scopes if s.kind != "comprehension"]
        if outer:
            outer[-1].names.add(node.target.id)
        else:
            self.defines.add(node.target.id)

    def visit_ann_assign(self, node: ast.AnnAssign) -> None:
        # Annotations may be strings or postponed: never uses.
        self.visit_all((node.target, node.value))

    def visit_try(self, node: ast.Try) -> None:
        """A ``try:`` whose handlers catch NameError (or Exception, or everything) copes
        with a name being absent, so a fresh run would not fail there: its body's uses
        of names are not hidden state (its bindings still count)."""
        if any(_catches_name_error(handler.type) for handler in node.handlers):
            uses = dict(self.uses)
            self.visit_all(node.body)
            self.uses = uses
        else:
            self.visit_all(node.body)
        self.visit_all((*node.handlers, *node.orelse, *node.finalbody))

    def visit_except_handler(self, node: ast.ExceptHandler) -> None:
        self.visit_all((node.type,))
        if node.name:
            self.bind(node.name)
        self.visit_all(node.body)

    def visit_match_capture(self, node: ast.MatchAs | ast.MatchStar) -> None:
        if node.name:
            self.bind(node.name)
        self.visit_children(node)

    def visit_match_mapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.bind(node.rest)
        self.visit_children(node)

    def visit_type_alias(self, node: Any) -> None:  # Python 3.12+: `type X = ...`, lazy
        self.visit(node.name)


_CATCHES_NAME_ERROR = frozenset({"NameError", "Exception", "BaseException"})


def _catches_name_error(kind: ast.expr | None) -> bool:
    """Whether an ``except`` clause's type (None: bare ``except:``) catches NameError."""
    if kind is None:
        return True
    if isinstance(kind, ast.Tuple):
        return any(_catches_name_error(element) for element in kind.elts)
    return isinstance(kind, ast.Name) and kind.id in _CATCHES_NAME_ERROR


def _child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node type that may hold nodes worth visiting: not ``ctx``
    (Load, Store, Del) nor the operators, which hold nothing."""
    return tuple(name for name in kind._fields if name not in ("ctx", "op", "ops"))  # type: ignore[attr-defined]


def _node_types(kind: type[ast.AST] = ast.AST) -> Iterator[type[ast.AST]]:
    yield kind
    for sub in kind.__subclasses__():
        yield from _node_types(sub)


# Every node type exists once ast is imported, so both tables are complete and
# never change: a lookup is a plain subscript, no test for a missing type.
_CHILD_FIELDS: Mapping[type, tuple[str, ...]] = {kind: _child_fields(kind) for kind in _node_types()}

_HANDLERS: Mapping[type, Any] = {
    ast.Name: _CellVisitor.visit_name,
    ast.Constant: _CellVisitor.skip,
    ast.Attribute: _CellVisitor.visit_value,
    ast.Expr: _CellVisitor.visit_value,
    ast.keyword: _CellVisitor.visit_value,
    ast.Call: _CellVisitor.visit_call,
    ast.Assign: _CellVisitor.visit_assign,
    ast.Subscript: _CellVisitor.visit_subscript,
    ast.BinOp: _CellVisitor.visit_bin_op,
    ast.Tuple: _CellVisitor.visit_elements,
    ast.List: _CellVisitor.visit_elements,
    ast.Import: _CellVisitor.visit_import,
    ast.ImportFrom: _CellVisitor.visit_import_from,
    ast.FunctionDef: _CellVisitor.visit_function,
    ast.AsyncFunctionDef: _CellVisitor.visit_function,
    ast.Lambda: _CellVisitor.visit_lambda,
    ast.ClassDef: _CellVisitor.visit_class,
    ast.ListComp: _CellVisitor.visit_comprehension,
    ast.SetComp: _CellVisitor.visit_comprehension,
    ast.GeneratorExp: _CellVisitor.visit_comprehension,
    ast.DictComp: _CellVisitor.visit_comprehension,
    ast.NamedExpr: _CellVisitor.visit_named_expr,
    ast.AnnAssign: _CellVisitor.visit_ann_assign,
    ast.ExceptHandler: _CellVisitor.visit_except_handler,
    ast.Try: _CellVisitor.visit_try,
    ast.MatchAs: _CellVisitor.visit_match_capture,
    ast.MatchStar: _CellVisitor.visit_match_capture,
    ast.MatchMapping: _CellVisitor.visit_match_mapping,
    **({ast.TypeAlias: _CellVisitor.visit_type_alias} if hasattr(ast, "TypeAlias") else {}),
}


def _dispatch_table(handlers: Mapping[type, Any]) -> Mapping[type, Any]:
    """A handler for every node type: its own in ``handlers``, else the generic walk."""
    return {kind: handlers.get(kind, _CellVisitor.visit_children) for kind in _node_types()}


_DISPATCH = _dispatch_table(_HANDLERS)


# What a cell that parses as it is holds of IPython syntax: nothing (its source is
# never read). One shared value: a dataclass built per cell costs 1.5% of the analysis.
_AS_IT_IS = Converted(source=None)


def _parse(source: str) -> ast.Module:
    return ast.parse(source)  # callers silence SyntaxWarning (e.g. invalid escape sequence)


def _error(exc: Exception) -> tuple[int | None, str]:
    if isinstance(exc, SyntaxError):
        return exc.lineno, exc.msg
    if isinstance(exc, (RecursionError, MemoryError)):  # CPython's parser: MemoryError on stack overflow
        return None, "nested too deeply"
    return None, str(exc) or type(exc).__name__


def cell_names(source: str) -> CellNames:
    """The names ``source`` defines and uses (IPython syntax allowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _cell_names(source)


def _cell_names(source: str) -> CellNames:
    converted = _AS_IT_IS
    try:
        tree = _parse(source)
    except (SyntaxError, ValueError):
        converted = to_python(source)
        if converted.source is None:  # a non-Python cell magic
            return CellNames(converted.binds, dynamic=converted.dynamic)
        try:
            tree = _parse(converted.source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            tokens = frozenset(_TOKEN.findall(source))
            dynamic = (
                converted.dynamic or bool(tokens & DYNAMIC_NAMES) or _STAR_IMPORT.search(source) is not None
            )
            return CellNames(tokens, dynamic=dynamic, error=_error(exc))
    except (RecursionError, MemoryError) as exc:
        return CellNames(frozenset(_TOKEN.findall(source)), error=_error(exc))
    visitor = _CellVisitor(find_globals="global" in source)
    try:
        visitor.visit(tree)
    except RecursionError as exc:
        return CellNames(frozenset(_TOKEN.findall(source)), error=_error(exc))
    defines = frozenset(visitor.defines | converted.binds)
    uses = {
        name: line for name, line in visitor.uses.items() if name not in defines and name not in PREDEFINED
    }
    return CellNames(defines, uses, visitor.dynamic or converted.dynamic)


# A run meets the same cell source again and again (imports and set-up cells
# copied between notebooks: a quarter of the corpus's code cells), and what a
# source defines and uses never changes, so the latest few thousand are kept.
_remembered_cell_names = functools.lru_cache(maxsize=4096)(_cell_names)


# --- the notebook ------------------------------------------------------------


def _first_definition(cells: Sequence[CellNames], name: str, start: int) -> int | None:
    """Index of the first cell from ``start`` on that certainly defines ``name``."""
    return next(
        (i for i in range(start, len(cells)) if cells[i].error is None and name in cells[i].defines),
        None,
    )


def analyze_cells(cells: Sequence[tuple[int, str]]) -> Analysis:
    """Hidden state in code cells given as (cell number, source), in notebook order."""
    cells = [(number, source) for number, source in cells if source.strip()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. SyntaxWarning: invalid escape sequence
        names = [_remembered_cell_names(source) for _, source in cells]
    uses: list[HiddenUse] = []
    defined: set[str] = set()
    dynamic = False
    for index, ((number, _), cell) in enumerate(zip(cells, names, strict=True)):
        dynamic = dynamic or cell.dynamic
        if not dynamic and cell.error is None:
            for name, line in cell.uses.items():
                if name not in defined:
                    later = _first_definition(names, name, index + 1)
                    if later is not None:
                        uses.append(HiddenUse(number, line, name, cells[later][0]))
        defined |= cell.defines
    uses.sort(key=lambda u: (u.cell, u.line, u.name))
    skipped = tuple(
        Skipped(number, cell.error[0], cell.error[1])
        for (number, _), cell in zip(cells, names, strict=True)
        if cell.error is not None
    )
    return Analysis(tuple(uses), skipped)


def is_python(nb: Notebook) -> bool:
    """False when the notebook says its kernel runs another language."""
    metadata = nb.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for key, inner in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(inner), str):
            return "python" in section[inner].lower()
    language = metadata.get("language")  # nbformat 3
    return "python" in language.lower() if isinstance(language, str) else True


def code_sources(nb: Notebook) -> list[tuple[int, str]]:
    """(cell number, source) of every code cell, numbered over all cells from 1."""
    out = []
    for number, cell in enumerate(iter_cells(nb), start=1):
        if cell.get("cell_type") == "code":
            out.append((number, cell_source(cell)))
    return out


def analyze(nb: Notebook) -> Analysis:
    """Hidden state in a notebook; nothing for notebooks in another language."""
    if not is_python(nb):
        return Analysis()
    return analyze_cells(code_sources(nb))
