"""The scenarios shipped with the package, by name.

The TOML files in this folder are package data: they install with the package, so a name
works from any folder (``rover run mars-jezero-perseverance``, or in Python
``rover.scenarios.load("mars-jezero-perseverance")``). Copy one (:func:`path` says where it
is) to start a scenario of your own.

Examples
--------
>>> from rover import scenarios
>>> "mars-jezero-perseverance" in scenarios.names()
True
>>> scenarios.path("mars-jezero-perseverance").name
'mars-jezero-perseverance.toml'
>>> scenarios.load("moon-highlands-yutu2").rover.name
'yutu2'
"""

from __future__ import annotations

import difflib
from pathlib import Path

__all__ = ["names", "path", "load", "describe", "FOLDER"]

FOLDER = Path(__file__).resolve().parent
"""The folder that holds the shipped scenario files."""


def names() -> list[str]:
    """The names of the shipped scenarios (their file names without ``.toml``), sorted."""
    return sorted(p.stem for p in FOLDER.glob("*.toml"))


def path(name: str) -> Path:
    """The file of the shipped scenario ``name``.

    Raises
    ------
    ValueError
        No shipped scenario has that name; the message lists them (and the nearest).
    """
    if isinstance(name, str) and name in names():
        return FOLDER / f"{name}.toml"
    raise ValueError(unknown(name))


def load(name):
    """The shipped scenario ``name``, read and validated (a :class:`rover.Scenario`); or,
    as the commands take a SCENARIO, a scenario file's path (a file wins over a name).

    Raises
    ------
    rover.ScenarioError
        Anything wrong with the file (:func:`rover.load_scenario`), or a name that is no
        file and no shipped scenario (the message lists them, and the nearest).
    """
    import os

    from rover.scenario import ScenarioError, load_scenario

    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"a scenario's name or path must be a str or a path, got "
                        f"{type(name).__name__}")
    text = str(name)
    if not text:
        raise ScenarioError("an empty name: expected a scenario file or a shipped scenario's "
                            "name")
    if not _is_file(Path(text)):
        if text in names():
            return load_scenario(FOLDER / f"{text}.toml")
        if looks_like_name(text):
            raise ScenarioError("no such file, and " + unknown(text), file=text)
        stem = Path(text).stem
        if stem in names() and not Path(text).exists():
            # The old layout's path (scenarios/NAME.toml): say how to run it now.
            raise ScenarioError(f"no such file; the shipped scenario {stem!r} is run by its "
                                f"name: 'rover run {stem}'", file=text)
    return load_scenario(name)


def _is_file(p: Path) -> bool:
    # A folder of the same name (a run's --out, say) does not hide a shipped scenario.
    try:
        return p.is_file() or (p.exists() and not p.is_dir())
    except (OSError, ValueError):  # a name too long, or holding a NUL byte: loading says why
        return True


def describe(name: str) -> str:
    """The one-line ``description`` of the shipped scenario ``name`` ("" when it has none)."""
    import tomllib

    doc = tomllib.loads(path(name).read_text(encoding="utf-8"))
    return str(doc.get("description", "")).strip().split("\n")[0]


def unknown(name) -> str:
    """The message for a name that is no shipped scenario: the names there are, and the
    nearest one."""
    known = names()
    close = difflib.get_close_matches(str(name), known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (f"no shipped scenario is named {str(name)!r}{hint} (shipped: {', '.join(known)})")


def looks_like_name(text: str) -> bool:
    """True when ``text`` could be a scenario's name rather than a file's path: no folder
    separator and no ``.toml`` suffix."""
    return not any(sep in text for sep in ("/", "\\")) and not text.endswith(".toml")
