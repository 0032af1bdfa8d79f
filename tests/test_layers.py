"""The package's layering, read from the source (an AST scan: nothing is imported).

DESIGN.md's arrows: ``terrains`` imports nothing of ``rover`` or ``viewer``; ``rover.planners``
sees cost grids only (nothing of the rest of ``rover``, of ``terrains`` or ``viewer``); only
the command (``rover.cli``, ``rover.commands``) imports ``viewer``. No module imports
another that imports it back, lazily or not. A private name (a module or name starting with
``_``) is imported only inside the package that owns it, subpackages included: shared
helpers get a public home.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rover", "terrains", "viewer")



def _modules() -> dict[str, Path]:
    found = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _module_of(dotted: str) -> str | None:
    """The longest prefix of ``dotted`` that is one of our modules (None: not ours)."""
    while dotted and dotted not in MODULES:
        dotted = dotted.rpartition(".")[0]
    return dotted or None


def _imports(name: str):
    """(imported dotted name, line) for every import in module ``name``, lazy ones too."""
    here = name if _is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(MODULES[name].read_text(), str(MODULES[name]))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = here.split(".")[:len(here.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def _edges() -> dict[str, set[str]]:
    return {m: {t for d, _ in _imports(m) if (t := _module_of(d)) and t != m} for m in MODULES}


def _owner(dotted: str) -> str | None:
    """The package a private name belongs to, or None when no part of it is private."""
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            prefix = ".".join(parts[:i])
            return prefix if _is_package(prefix) else prefix.rpartition(".")[0]
    return None


def test_the_scan_sees_lazy_imports_and_private_names():
    # A scan that found nothing would pass every test below: check it reads what is there.
    edges = _edges()
    assert "rover.sim" in edges["rover.commands.run"]
    assert "terrains._generate" in edges["terrains._stats"]        # imported inside a function
    assert _owner("rover.planners._common.Plan") == "rover.planners"
    assert _owner("rover.sim._warm_planner") == "rover"
    assert _owner("terrains.files.atomic_write") is None


def test_no_import_cycles():
    edges = _edges()
    cycles = []
    for start in edges:          # a depth-first walk from each module back to itself
        stack, seen = [(start, (start,))], set()
        while stack:
            node, path = stack.pop()
            for nxt in edges[node]:
                if nxt == start:
                    cycles.append(" -> ".join(path + (start,)))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + (nxt,)))
    assert not cycles, cycles


@pytest.mark.parametrize("importer, forbidden", [
    ("terrains", ("rover", "viewer")),
    ("rover.planners", ("rover.", "terrains", "viewer")),
])
def test_lower_layers_import_nothing_above_them(importer, forbidden):
    bad = [(m, t) for m, targets in _edges().items()
           if m == importer or m.startswith(importer + ".")
           for t in targets
           if not t.startswith(importer) and (t + ".").startswith(forbidden)]
    assert not bad, bad


def test_only_the_command_imports_the_viewer():
    bad = [(m, t) for m, targets in _edges().items() if m.startswith("rover")
           and not m.startswith(("rover.cli", "rover.commands")) for t in targets
           if t.startswith("viewer")]
    assert not bad, bad


def test_no_private_name_is_imported_from_another_package():
    bad = []
    for name in MODULES:
        here = name if _is_package(name) else name.rpartition(".")[0]
        for dotted, line in _imports(name):
            owner = _owner(dotted) if _module_of(dotted) else None
            if owner is None or here == owner or here.startswith(owner + "."):
                continue
            bad.append(f"{MODULES[name].relative_to(ROOT)}:{line} imports {dotted}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("library, allowed", [
    # Dask only in the sweep's engine, so `rover run` starts as fast as before it existed.
    (("dask", "distributed"), ("rover.sweep._engine",)),
    # matplotlib only for a sweep's report charts (an optional extra).
    (("matplotlib",), ("rover.sweep.report",)),
    # pygame only in the viewer, and the command above it that opens windows.
    (("pygame",), ("viewer", "rover.commands.view")),
    # rasterio (the optional 'geotiff' extra) only where DEMs are read.
    (("rasterio",), ("terrains._dem", "terrains._georef")),
])
def test_heavy_libraries_are_imported_in_one_place(library, allowed):
    bad = [f"{MODULES[m].relative_to(ROOT)}:{line} imports {d}" for m in MODULES
           for d, line in _imports(m) if d.split(".")[0] in library
           and not any(m == a or m.startswith(a + ".") for a in allowed)]
    assert not bad, "\n".join(bad)
    assert any(d.split(".")[0] in library for m in MODULES for d, _ in _imports(m)
               if any(m == a or m.startswith(a + ".") for a in allowed))


def test_rover_run_does_not_load_dask():
    import subprocess
    import sys

    code = ("import sys, rover, rover.cli, rover.sweep; rover.cli.build_parser(); "
            "print(sorted(m for m in ('dask', 'distributed', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "[]"


def test_rasterio_is_imported_lazily_inside_functions():
    # A module-level import would make every `import terrains` need the optional extra.
    bad = []
    for name in ("terrains._dem", "terrains._georef"):
        tree = ast.parse(MODULES[name].read_text())
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                bad += [f"{name}:{node.lineno}" for n in names if n.split(".")[0] == "rasterio"]
    assert not bad, bad


def test_a_procedural_scenario_does_not_load_rasterio(tmp_path):
    import subprocess
    import sys

    p = tmp_path / "p.toml"
    p.write_text('[terrain]\nsize = [32, 32]\n[mission]\nstart = [3.0, 3.0]\ngoal = [9.0, 9.0]\n')
    code = ("import sys, terrains, rover, rover.cli; rover.cli.build_parser(); "
            f"rover.load_scenario({str(p)!r}); terrains.generate(size=32); "
            "print('rasterio' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "False"
