"""The package surface: what `import rover` gives and what it costs."""

from __future__ import annotations

import subprocess
import sys


def test_import_rover_is_light_and_its_submodules_are_reachable():
    code = ("import sys, rover; light = 'numba' not in sys.modules; "
            "import numpy as np; p = rover.planners.astar(np.ones((4, 4)), (0, 0), (3, 3)); "
            "print(light, p.found, rover.costmap.cell_index(0.2, 0.7, 0.5, (4, 4)), "
            "'sim' in dir(rover), callable(rover.io.results.write_summary))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "(1,", "0)", "True", "True"]
