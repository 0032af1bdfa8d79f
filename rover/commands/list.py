"""``rover list``: shipped scenarios, planners, terrain presets and rover presets."""

from __future__ import annotations

import tomllib
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "list", help="list scenarios, planners, terrain presets and rover presets",
        description="List the scenario files shipped in scenarios/, the planners, the terrain "
                    "site presets and the rover presets, one line each with a description.",
    )
    p.set_defaults(func=run)


def scenarios_dir() -> Path:
    """The repository's scenarios/ folder (beside the ``rover`` package in a checkout)."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def run(args) -> int:
    import terrains
    from rover.models import rover_presets
    from rover.planners import PLANNERS

    sections: list[tuple[str, list[tuple[str, str]]]] = []
    rows = []
    folder = scenarios_dir()
    for f in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            doc = tomllib.loads(f.read_text(encoding="utf-8"))
            desc = str(doc.get("description", "")).strip().splitlines()[0] if doc.get("description") else ""
        except (OSError, tomllib.TOMLDecodeError, IndexError):
            desc = "(unreadable: run 'rover validate' on it)"
        try:
            shown = f.relative_to(Path.cwd())
        except ValueError:
            shown = f
        rows.append((str(shown), desc))
    sections.append(("scenarios", rows or [("(none found)", f"looked in {folder}")]))
    sections.append(("planners", list(PLANNERS.items())))
    sections.append(("terrain presets", [(n, p.description) for n, p in terrains.presets().items()]))
    sections.append(("rover presets", [(n, r.description) for n, r in rover_presets().items()]))
    for title, items in sections:
        print(f"{title}:")
        width = max(len(n) for n, _ in items)
        for name, desc in items:
            print(f"  {name:<{width}}  {desc}")
    return 0
