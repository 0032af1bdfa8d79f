"""``rover validate SCENARIO...``: check scenario files without running them."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser(
        "validate", help="check scenario files without running them",
        description="Check each scenario file: syntax, types, ranges, unknown keys, and the "
                    "placement of start, waypoints and goal on the generated terrain (which is "
                    "built, but nothing is driven). Prints one line per file; exit code 0 when "
                    "all are valid, 2 when any is not.",
    )
    p.add_argument("scenarios", metavar="SCENARIO", nargs="+", help="scenario files (.toml), or shipped scenarios' names")
    p.add_argument("--no-map", action="store_true",
                   help="check the file only; skip building the terrain and the placement checks")
    p.set_defaults(func=run)


def run(args) -> int:
    from rover import scenarios
    from rover.scenario import ScenarioError

    bad = 0
    for path in args.scenarios:
        try:
            scenario = scenarios.load(path)
            if not args.no_map:
                from rover.sim import prepare

                prepare(scenario)
        except ScenarioError as exc:
            print(f"error: {exc}", file=sys.stderr)
            bad += 1
            continue
        print(f"ok: {path} ({scenario.name})")
    return 2 if bad else 0
