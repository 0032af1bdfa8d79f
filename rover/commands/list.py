"""``rover list``: shipped scenarios and sweeps, planners, terrain presets and rover presets."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "list", help="list scenarios, planners, terrain presets and rover presets",
        description="List the shipped scenarios (run one by name: 'rover run NAME') and "
                    "sweeps ('rover sweep NAME'), the planners, the terrain site presets and the rover presets, one line each "
                    "with a description.",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    import terrains
    from rover import scenarios
    from rover.models import rover_presets
    from rover.planners import PLANNERS

    sections: list[tuple[str, list[tuple[str, str]]]] = []
    rows = []
    for name in scenarios.names():
        try:
            desc = scenarios.describe(name)
        except (OSError, ValueError):  # tomllib.TOMLDecodeError is a ValueError
            desc = "(unreadable: run 'rover validate' on it)"
        rows.append((name, desc))
    rows.append(("", f"(run one by name: 'rover run NAME'; the files are in {scenarios.FOLDER})"))
    sections.append(("scenarios", rows))
    from rover import sweep

    shipped = [(name, sweep.describe(name)) for name in sweep.names()]
    shipped.append(("", f"(run one by name: 'rover sweep NAME'; the files are in "
                        f"{sweep.FOLDER})"))
    sections.append(("sweeps", shipped))
    sections.append(("planners", list(PLANNERS.items())))
    sections.append(("terrain presets", [(n, p.description) for n, p in terrains.presets().items()]))
    sections.append(("rover presets", [(n, r.description) for n, r in rover_presets().items()]))
    for title, items in sections:
        print(f"{title}:")
        width = max(len(n) for n, _ in items)
        for name, desc in items:
            print(f"  {name:<{width}}  {desc}")
    return 0
