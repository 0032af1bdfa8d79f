"""The docstring examples of the planners and readers run as tests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["rover.planners", "rover.planners._astar", "rover.planners._dstar_lite",
           "rover.planners._mpgaa"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
