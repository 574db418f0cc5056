"""Run the docstring examples of the compiled core and of the Python modules."""

import doctest
import importlib

import pytest

import nextstat
from nextstat import _core

PY_MODULES = ["nextstat", "nextstat.simplemodels", "nextstat.viz", "nextstat._spec", "nextstat.exceptions",
              "nextstat._patchset"]


def _core_tests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = []
    for name in dir(_core):
        obj = getattr(_core, name)
        if name.startswith("__") or not (callable(obj) or isinstance(obj, type)):
            continue
        tests += finder.find(obj, f"nextstat._core.{name}", module=False, globs={})
    return [t for t in tests if t.examples]


CORE = _core_tests()


def test_core_has_examples():
    names = {t.name for t in CORE}
    for must in ("nextstat._core.fit", "nextstat._core.hypotest", "nextstat._core.upper_limit", "nextstat._core.Model"):
        assert must in names, names


@pytest.mark.parametrize("test", CORE, ids=[t.name for t in CORE])
def test_core_doctest(test):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, f"{runner.failures} failure(s) in {test.name}"


@pytest.mark.parametrize("modname", PY_MODULES)
def test_module_doctest(modname):
    pytest.importorskip("matplotlib")
    mod = importlib.import_module(modname)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert res.failed == 0
    assert nextstat.__version__
