"""What a chapter uses (docs/_ext/gilinputs.py): the inputs of its fingerprint."""

from __future__ import annotations

import sys
from pathlib import Path

from .conftest import ROOT


def load():
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        import gilinputs
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    return gilinputs


FRONT = "---\nfile_format: mystnb\nkernelspec:\n  name: python3\n---\n\n"


def package(tmp_path: Path) -> Path:
    """A package ``gilref`` with layers: a topic imports a core module relatively,
    another names a function of a third module as a child-run target."""
    pkg = tmp_path / "gilref"
    for folder in ("core", "topics", "book"):
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / "__init__.py").write_text('"""Layer."""\n')
    (pkg / "__init__.py").write_text('"""Top."""\n')
    (pkg / "core" / "work.py").write_text('"""Work."""\n\ndef spin(n):\n    return n * 2\n')
    (pkg / "core" / "other.py").write_text("import json\n\nX = 1\n")
    (pkg / "topics" / "alpha.py").write_text(
        '"""Alpha."""\nfrom ..core import work\nimport numpy\n\ndef run():\n    return work.spin(1)\n')
    (pkg / "topics" / "beta.py").write_text(
        'def run(call):\n    import importlib\n    importlib.import_module("dask")\n'
        '    return call("gilref.core.other:X")\n')
    return pkg


def test_code_digest_ignores_comments_layout_and_docstrings(tmp_path):
    gi = load()
    f = tmp_path / "m.py"
    f.write_text('"""Doc."""\n\ndef f(x):\n    """Doc of f."""\n    return x + 1\n')
    base = gi.code_digest(f)
    f.write_text('"""Other doc."""\n# a comment\n\n\ndef f(x):  # why\n    """Changed."""\n    return x + 1\n')
    assert gi.code_digest(f) == base
    f.write_text('"""Doc."""\n\ndef f(x):\n    return x + 2\n')
    assert gi.code_digest(f) != base
    data = tmp_path / "m.pyx"
    data.write_text("cdef int x = 1\n")
    one = gi.code_digest(data)
    data.write_text("cdef int x = 1  # note\n")
    assert gi.code_digest(data) != one  # not Python: its bytes count


def test_import_graph_follows_relative_imports_and_child_targets(tmp_path):
    gi = load()
    graph = gi.ImportGraph(package(tmp_path))
    assert graph.closure(["gilref.topics.alpha"]) == {
        "gilref", "gilref.topics", "gilref.topics.alpha", "gilref.core", "gilref.core.work"}
    assert "gilref.core.other" in graph.closure(["gilref.topics.beta"])
    assert graph.external["gilref.topics.alpha"] == {"numpy"}
    assert graph.external["gilref.topics.beta"] == {"dask"}  # imported by name at run time
    assert graph.resolve(["gilref.core.work.spin"]) == {"gilref", "gilref.core", "gilref.core.work"}


def test_the_graph_cache_gives_the_same_graph_and_follows_edits(tmp_path):
    gi = load()
    pkg = package(tmp_path)
    cache = tmp_path / "graph.json"
    first = gi.ImportGraph(pkg, cache=cache)
    assert cache.is_file()
    again = gi.ImportGraph(pkg, cache=cache)
    assert (again.edges, again.external, again.digests) == (first.edges, first.external, first.digests)
    (pkg / "topics" / "alpha.py").write_text("import scipy\n")
    edited = gi.ImportGraph(pkg, cache=cache)
    assert edited.external["gilref.topics.alpha"] == {"scipy"} and edited.edges["gilref.topics.alpha"] == set()
    assert edited.digests["gilref.topics.alpha"] != first.digests["gilref.topics.alpha"]


def test_chapter_uses_its_cells_imports_includes_and_examples(tmp_path):
    gi = load()
    graph = gi.ImportGraph(package(tmp_path))
    (tmp_path / "docs").mkdir()
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "shown.py").write_text("print(1)\n")
    (tmp_path / "examples" / "run.py").write_text("import scipy\nprint(2)\n")
    (tmp_path / "examples" / "unused.py").write_text("print(3)\n")
    text = (FRONT + "# T\n\n```{literalinclude} ../examples/shown.py\n:language: python\n```\n\n"
            "```{code-cell} ipython3\n:tags: [hide-input]\n%matplotlib inline\n"
            "from gilref.topics import alpha\nfrom gilref.core.examples import run_example\n"
            "print(run_example(\"run.py\", []))\n```\n")
    uses = gi.chapter_uses(text, doc_dir=tmp_path / "docs", root=tmp_path, graph=graph)
    assert "gilref.topics.alpha" in uses.modules and "gilref.topics.beta" not in uses.modules
    assert set(uses.files) == {"examples/shown.py", "examples/run.py"}
    assert uses.external == {"numpy", "scipy"}  # from a module it imports, and from an example it runs
    assert not uses.measures_interpreters

    shown = gi.chapter_uses(FRONT + "```{literalinclude} ../gilref/topics/beta.py\n```\n",
                            doc_dir=tmp_path / "docs", root=tmp_path, graph=graph)
    assert "gilref.core.other" in shown.modules and shown.external == {"dask"}  # an included module is used

    inputs = gi.inputs_for(uses, graph, host="host-a", packages={"numpy": "2.0"}, interpreters={"x": "y"},
                           extra="ci")
    assert inputs["package numpy"] == "2.0" and inputs["extra"] == "ci" and "x" not in inputs
    assert "module gilref.core.work" in inputs and "file examples/run.py" in inputs
    other = gi.inputs_for(uses, graph, host="host-b", packages={"numpy": "2.1"}, interpreters={}, extra="ci")
    assert gi.changed_inputs(inputs, other) == ["host", "package numpy"]
    assert gi.digest(inputs) != gi.digest(other)
    assert gi.changed_inputs(None, other) == []


def test_an_interpreter_counts_by_its_binary_and_its_packages(tmp_path):
    gi = load()
    exe = tmp_path / "python"
    exe.write_bytes(b"one")
    probed = [{"executable": str(exe), "label": "CPython 3.13.5 (GIL)", "binary": gi.binary_identity(str(exe)),
               "config": {"Py_GIL_DISABLED": "0"}, "versions": {"numpy": "absent", "dask": "absent"}}]
    before = gi.interpreter_inputs(probed, ["numpy"])
    probed[0]["versions"]["dask"] = "2024.1"  # a package this chapter does not measure
    assert gi.interpreter_inputs(probed, ["numpy"]) == before
    probed[0]["versions"]["numpy"] = "2.1.0"  # NumPy installed later into it
    assert gi.interpreter_inputs(probed, ["numpy"]) != before
    old = gi.binary_identity(str(exe))
    exe.unlink()
    exe.write_bytes(b"rebuilt")  # rebuilt in place, same path
    assert gi.binary_identity(str(exe)) != old


def test_probes_are_cached_until_the_interpreter_or_its_packages_change(tmp_path):
    gi = load()
    probes = gi.InterpreterProbes(tmp_path / "probes.json")
    first = probes.probe(sys.executable, ["json_not_a_dist_xyz"])
    assert first["versions"] == {"json_not_a_dist_xyz": "absent"}
    probes.save()
    again = gi.InterpreterProbes(tmp_path / "probes.json")
    entry = again.entries[sys.executable]
    assert again.probe(sys.executable, ["json_not_a_dist_xyz"]) == first
    entry["dirs"] = ["/changed:0:0"]  # as if a package had been installed into it since
    assert again.probe(sys.executable, ["json_not_a_dist_xyz"]) == first
    assert again.dirty  # probed once more


def test_code_cells_leave_options_out():
    gi = load()
    text = (FRONT + "```{code-cell} ipython3\n---\ntags: [x]\n---\na = 1\n```\n\n"
            "```{code-cell} ipython3\n:tags: [remove-cell]\nb = 2\n```\n\n```python\nnot = a cell\n```\n")
    assert gi.code_cells(text) == ["a = 1", "b = 2"]


def test_an_examples_header_counts_and_the_matrix_chapter_uses_every_example(tmp_path):
    gi = load()
    f = tmp_path / "ex.py"
    f.write_text("# gilref-example: args = --count 10\n# a comment\nprint(1)\n")
    base = gi.code_digest(f)
    f.write_text("# gilref-example: args = --count 10\n# another comment\nprint(1)\n")
    assert gi.code_digest(f) == base  # an ordinary comment does not count
    f.write_text("# gilref-example: args = --count 20\n# another comment\nprint(1)\n")
    assert gi.code_digest(f) != base  # the header the build reads does

    graph = gi.ImportGraph(package(tmp_path))
    (tmp_path / "docs").mkdir()
    (tmp_path / "examples").mkdir()
    for name in ("a.py", "b.py"):
        (tmp_path / "examples" / name).write_text("print(1)\n")
    text = FRONT + "```{code-cell} ipython3\nmatrix = examples.run_matrix()\n```\n"
    uses = gi.chapter_uses(text, doc_dir=tmp_path / "docs", root=tmp_path, graph=graph)
    assert set(uses.files) == {"examples/a.py", "examples/b.py"}
