"""The examples in the terrains docstrings run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["terrains", "terrains._model", "terrains._presets", "terrains._generate",
           "terrains._stats", "terrains._io", "terrains._render", "terrains._georef",
           "terrains._sun", "terrains._shadow", "terrains._targets"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
