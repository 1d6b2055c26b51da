"""Hidden state: names a cell uses that only a later cell defines."""

from __future__ import annotations

import ast

import pytest

from nbfactory import code, make_nb, readable_corpus_notebooks
from nbguard import notebook
from nbguard.checks import hidden_state as hs
from nbguard.checks import order


def _uses(*sources: str) -> list[tuple[int, int, str, int]]:
    """(cell, line, name, defined in) for code cells numbered 1, 2, 3..."""
    analysis = hs.analyze_cells(list(enumerate(sources, start=1)))
    return [(u.cell, u.line, u.name, u.defined_in) for u in analysis.uses]


# Each case: the cells' sources, then the hidden uses expected.
CASES = [
    # what must be found
    ("use before the defining cell", ["print(df)", "df = 1"], [(1, 1, "df", 2)]),
    ("first line that uses it", ["import os\n\nx = df.head()\ny = df", "df = 1"], [(1, 3, "df", 2)]),
    ("the first later definition is named", ["f(a)", "b = 1", "a = 1", "a = 2"], [(1, 1, "a", 3)]),
    ("a cycle", ["a = b + 1", "b = a + 1"], [(1, 1, "b", 2)]),
    ("every using cell", ["print(t)", "t.x", "t = 1"], [(1, 1, "t", 3), (2, 1, "t", 3)]),
    ("class bodies run at once", ["class A(Base):\n    x = helper()", "Base = object", "def helper(): pass"],
     [(1, 1, "Base", 2), (1, 2, "helper", 3)]),
    ("decorators and defaults run at once", ["@deco\ndef f(x=default):\n    return x", "deco = default = 1"],
     [(1, 1, "deco", 2), (1, 2, "default", 2)]),
    ("lambda bodies", ["g = lambda a: a + k", "k = 1"], [(1, 1, "k", 2)]),
    ("a comprehension's iterable and body", ["[x * k for x in xs]", "xs = []\nk = 1"], [(1, 1, "k", 2), (1, 1, "xs", 2)]),
    ("f-strings", ['print(f"{total:>5}")', "total = 1"], [(1, 1, "total", 2)]),
    ("del needs the name", ["del cache", "cache = {}"], [(1, 1, "cache", 2)]),
    ("a subscript target needs its base", ["d['k'] = 1", "d = {}"], [(1, 1, "d", 2)]),
    ("IPython lines around a use", ["%matplotlib inline\n!ls\nplot(x)", "x = 1\ndef plot(v): pass"],
     [(1, 3, "plot", 2), (1, 3, "x", 2)]),
    ("inside a %%time cell", ["%%time\nprint(x)", "x = 1"], [(1, 2, "x", 2)]),
    ("a use before a later dynamic cell is still found", ["print(x)", "%run setup.py", "x = 1"], [(1, 1, "x", 3)]),
    ("top-level await (IPython runs it)", ["data = await fetch(url)", "url = ''\nasync def fetch(u): pass"],
     [(1, 1, "fetch", 2), (1, 1, "url", 2)]),
    ("a name outside ASCII", ["print(café)", "café = 1"], [(1, 1, "café", 2)]),
    ("the first line, though visited last", ["ys = [k\n      for _ in xs]", "k = xs = 1"],
     [(1, 1, "k", 2), (1, 2, "xs", 2)]),
    ("a parameter named like a dynamic builtin", ["g = lambda eval: eval(v)", "print(w)", "w = v = 1"],
     [(1, 1, "v", 3), (2, 1, "w", 3)]),
    # what must not be reported
    ("defined earlier", ["df = 1", "print(df)", "df = 2"], []),
    ("defined anywhere in the same cell", ["print(x)\nx = 1", "x = 2"], []),
    ("defined under a condition", ["if False:\n    x = 1", "print(x)", "x = 2"], []),
    ("never defined at all", ["print(mathh.pi)"], []),
    ("function bodies run later", ["def f():\n    return later()", "def later(): pass"], []),
    ("keyword-argument names", ["print(1, sep='')", "sep = 1"], []),
    ("attributes of call results", ["df = load()\ndf.groupby('a').mean().head()", "mean = head = 1"], []),
    ("lambda parameters", ["f = lambda a, *b, c=1, **d: (a, b, c, d)", "a = b = c = d = 1"], []),
    ("comprehension variables", ["[x for x in range(3)]\n{k: v for k, v in {}.items()}", "x = k = v = 1"], []),
    ("a walrus in a comprehension binds outside", ["[(t := i) for i in range(3)]\nprint(t)", "t = 0"], []),
    ("loop, with and except targets", [("for i in []: pass\nwith open('f') as fh: pass\ntry:\n    pass\n"
                                        "except Exception as e:\n    pass\nprint(i, fh, e)"), "i = fh = e = 1"], []),
    ("imports", ["import a.b\nimport c as d\nfrom e import f as g, h\nprint(a, d, g, h)", "a = d = g = h = 1"], []),
    ("try/except imports", ["try:\n    import simplejson as json\nexcept ImportError:\n    import json", "json.dumps", "json = 1"], []),
    ("a try whose except handles NameError", ["try:\n    print(cache)\nexcept (NameError, KeyError):\n    print('cold')",
                                              "cache = {}"], []),
    ("a try with a bare except or Exception", ["try:\n    a\nexcept:\n    pass\ntry:\n    b\nexcept Exception:\n    pass",
                                               "a = b = 1"], []),
    ("a try whose except does not handle NameError", ["try:\n    print(df)\nexcept KeyError:\n    pass\nfinally:\n    c",
                                                      "df = c = 1"], [(1, 2, "df", 2), (1, 6, "c", 2)]),
    ("its else and handlers are not guarded", ["try:\n    pass\nexcept NameError:\n    h\nelse:\n    e",
                                               "h = e = 1"], [(1, 4, "h", 2), (1, 6, "e", 2)]),
    ("annotations are not uses", ["x: Later = 1\ny: 'Other'", "Later = Other = int"], []),
    ("global inside a function", ["def init():\n    global G\n    G = 1", "init()\nprint(G)", "G = 2"], []),
    ("match captures", ["match p:\n    case [a, *rest]: pass\n    case {'k': v, **kw}: pass\n    case Pt(x=q) as w: pass",
                        "p = 1\nprint(a, rest, v, kw, q, w)", "a = rest = v = kw = q = w = 1\nclass Pt: pass"],
     [(1, 1, "p", 2), (1, 4, "Pt", 3)]),
    ("builtins and IPython names", ["display(len(In), Out, _, get_ipython)", "display = len = In = Out = _ = 1"], []),
    ("strings and comments", ["s = 'df'  # df", "df = 1"], []),
    ("%%capture binds its name", ["%%capture out\nprint(1)", "out.show()", "out = 1"], []),
    ("x = !cmd binds x", ["files = !ls", "print(files)", "files = []"], []),
    ("x = %magic binds x", ["names = %who_ls", "print(names)", "names = []"], []),
    ("%time keeps its statement", ["%time w = 1", "print(w)", "w = 2"], []),
    ("%timeit options are dropped", ["%timeit -n 10 -r 3 z = 1", "print(z)", "z = 2"], []),
    ("%%bash --out binds", ["%%bash --out listing\nls", "print(listing)", "listing = ''"], []),
    ("a help line is no statement", ["x = 1  # why?\ndf?\n%matplotlib inline", "print(x)", "x = 2"], []),
    ("star imports stop the analysis", ["from pylab import *", "plot(x)", "x = 1\ndef plot(v): pass"], []),
    ("exec stops it", ["exec('y = 1')", "print(y)", "y = 2"], []),
    ("globals() stops it", ["globals()['y'] = 1", "print(y)", "y = 2"], []),
    ("%run stops it", ["%run setup.py", "print(y)", "y = 2"], []),
    ("an unknown magic stops it", ["%R -o y", "print(y)", "y = 2"], []),
    ("a non-Python cell magic that may bind stops it", ["%%R -o y\ny <- 1", "print(y)", "y = 2"], []),
    ("an inert cell magic defines and uses nothing", ["%%html\n<b>{x}</b>", "x = 1"], []),
    ("a cell that does not parse may define its names", ['print "hi"; y = 1', "print(y)", "y = 2"], []),
    ("blank cells", ["", "   \n", "x = 1"], []),
]  # fmt: skip


@pytest.mark.parametrize(("sources", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cases(sources, expected):
    assert _uses(*sources) == expected


def test_cells_keep_their_notebook_numbers():
    nb = make_nb(code("print(z)"), code("", count=None), code("# z"), code("z = 1"))
    nb["cells"].insert(1, {"cell_type": "markdown", "metadata": {}, "source": "z"})
    assert hs.analyze(nb).uses == (hs.HiddenUse(cell=1, line=1, name="z", defined_in=5),)


@pytest.mark.parametrize(
    "metadata",
    [
        {"kernelspec": {"language": "R", "name": "ir"}},
        {"language_info": {"name": "julia"}},
        {"language": "scala"},  # nbformat 3
    ],
)
def test_other_languages_are_not_analysed(metadata):
    nb = make_nb(code("print(x)"), code("x <- c(1, 2)"), code("x = 1"), metadata=metadata)
    assert hs.analyze(nb) == hs.Analysis()


def test_python_without_language_metadata_is_analysed():
    nb = make_nb(code("print(x)"), code("x = 1"), metadata={})
    assert [u.name for u in hs.analyze(nb).uses] == ["x"]


def test_cells_that_do_not_parse_are_reported_as_skipped():
    analysis = hs.analyze_cells(
        [(1, 'print "a"'), (2, "x = 1"), (4, "def f(:\n  pass"), (5, "y = " + " + ".join(["x"] * 20000))]
    )
    assert analysis.uses == ()
    assert analysis.skipped == (
        hs.Skipped(1, 1, "Missing parentheses in call to 'print'. Did you mean print(...)?"),
        hs.Skipped(4, 1, "invalid syntax"),
        hs.Skipped(5, None, "nested too deeply"),
    )


def test_null_bytes_do_not_crash():
    assert hs.cell_names("x = 1\0").error == (None, "source code string cannot contain null bytes")


@pytest.mark.parametrize(
    ("source", "python", "binds", "dynamic"),
    [
        ("%matplotlib inline\nx = 1", "pass\nx = 1", set(), False),
        ("!pip install foo\nfor f in x:\n    !echo {f}", "pass\nfor f in x:\n    pass", set(), False),
        ("files = !ls\na.b, c = %sx ls", "files = None\na.b, c = None", set(), False),
        ("%time y = f(1)\n%timeit -n1 -r 2 z = 3", "y = f(1)\nz = 3", set(), False),
        ("df?\n??np.sum\nnp.*load*?\nx = 1  # why?", "pass\npass\npass\nx = 1  # why?", set(), False),
        ("/print a b\n,f x\nx = 1", "pass\npass\nx = 1", set(), False),
        ("\n%%capture --no-stderr out\nprint(1)", "\n\nprint(1)", {"out"}, False),
        ("%%time\n%run x.py\nz = 1", "\npass\nz = 1", set(), True),
        ("%%bash --out o --err e\nls", None, {"o", "e"}, False),
        ("%%writefile x.py\nimport os", None, set(), False),
        ("%%sql\nSELECT 1", None, set(), True),
        ("x = %pylab inline", "x = None", set(), True),
        ("%store -r data", "pass", set(), True),
    ],
)
def test_to_python(source, python, binds, dynamic):
    converted = hs.to_python(source)
    assert converted == hs.Converted(python, frozenset(binds), dynamic)
    if python is not None:
        assert python.count("\n") == source.count("\n")  # line numbers stay


def test_cell_names():
    names = hs.cell_names(
        "import os\nfor i in range(3):\n    !echo {i}\n    total = helper(i)\n%timeit -n 10 y = f(i)"
    )
    assert names == hs.CellNames(frozenset({"os", "i", "total", "y"}), {"helper": 4, "f": 5}, dynamic=False)


# --- the false-positive guard over ../shared/corpus ------------------------------------------


def _counts_read_one_to_n(nb: notebook.Notebook) -> bool:
    counts = [count for _, count in order.judged_cells(nb)]
    return bool(counts) and counts == list(range(1, len(counts) + 1))


@pytest.mark.corpus
def test_nothing_reported_on_notebooks_run_top_to_bottom():
    """Every corpus notebook whose counts read 1..N (a real top-to-bottom run) is clean.

    Every other notebook is analysed too, to show that none makes it crash.
    """
    covered, false_positives = 0, []
    for path, nb in readable_corpus_notebooks():
        analysis = hs.analyze(nb)
        if _counts_read_one_to_n(nb):
            covered += 1
            false_positives += [(path.name, use) for use in analysis.uses]
    assert false_positives == []
    assert covered == 201  # the number the README states


def test_a_source_met_again_is_not_analysed_again_and_gives_the_same_answer():
    sources = [(1, "import numpy as np\nprint(later)"), (2, "later = np.zeros(3)"), (3, "")]
    hs._remembered_cell_names.cache_clear()
    first = hs.analyze_cells(sources)
    hits = hs._remembered_cell_names.cache_info().hits
    again = hs.analyze_cells(sources)
    assert hs._remembered_cell_names.cache_info().hits == hits + 2  # the two non-blank cells
    assert again == first == hs.Analysis((hs.HiddenUse(cell=1, line=2, name="later", defined_in=2),))
    assert [hs.cell_names(source) for _, source in sources[:2]] == [
        hs._remembered_cell_names(source) for _, source in sources[:2]
    ]


def test_parsing_prints_no_warnings(recwarn):
    source = 'pattern = "\\d+"'  # an invalid escape: a DeprecationWarning or SyntaxWarning from ast
    hs.analyze_cells([(1, source), (2, "print(pattern)")])
    hs.cell_names(source)
    assert len(recwarn) == 0


# --- the visitor's shortcuts for common nodes ---------------------------------------

SHORTCUT_SOURCES = [
    *(source for _, sources, _ in CASES for source in sources),
    "x = f(a, *b, k=c, **d)[e][1:g].h\ny, z = [m + n, (o, p)]\nq = r if s else t",
    "class A:\n    v = w\n    def m(self):\n        return u\nlam = lambda p=dflt: p + free\n",
    "[(i, j) for i in range(n) if i for j in k]\nw := 1",
    "a.b.c().d[e](f=g)\n{**h, 'k': [*i]}\n-x < y <= z\nnot a or b and c",
]


def _generic(monkeypatch):
    """Visit every node through the generic walk, as before the shortcuts."""
    shortcuts = (ast.Attribute, ast.Expr, ast.keyword, ast.Call, ast.Assign, ast.Subscript, ast.BinOp)
    handlers = {k: v for k, v in hs._HANDLERS.items() if k not in (*shortcuts, ast.Tuple, ast.List)}
    monkeypatch.setattr(hs, "_DISPATCH", hs._dispatch_table(handlers))


def test_every_node_type_has_a_handler_and_its_fields():
    kinds = {cls for cls in vars(ast).values() if isinstance(cls, type) and issubclass(cls, ast.AST)}
    assert {ast.Module, ast.Name, ast.Load, ast.Add, ast.Constant, ast.MatchAs} <= kinds
    for kind in kinds:
        assert hs._DISPATCH[kind] is hs._HANDLERS.get(kind, hs._CellVisitor.visit_children)
        assert hs._CHILD_FIELDS[kind] == hs._child_fields(kind)


def test_the_visitor_shortcuts_give_what_the_generic_walk_gives(monkeypatch):
    sources = [s for s in SHORTCUT_SOURCES if s.strip()]
    with_shortcuts = [hs.cell_names(s) for s in sources]
    _generic(monkeypatch)
    assert [hs.cell_names(s) for s in sources] == with_shortcuts


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "x = " + "+".join(["a"] * n),
        lambda n: "x = a" + ".b" * n,
        lambda n: "x = a" + "[0]" * n,
        lambda n: "x = a" + "()" * n,
        lambda n: "x = " + "-" * n + "1",
    ],
    ids=["binop", "attribute", "subscript", "call", "unary"],
)
def test_the_visitor_shortcuts_give_up_at_the_same_depth(monkeypatch, make):
    def deepest_analysed() -> int:
        low, high = 1, 5000
        while low < high:
            middle = (low + high) // 2
            if hs.cell_names(make(middle)).error is None:
                low = middle + 1
            else:
                high = middle
        return low

    with_shortcuts = deepest_analysed()
    _generic(monkeypatch)
    assert deepest_analysed() == with_shortcuts < 5000
