"""Subcommands of the `rover` CLI, one module each.

Each module defines ``register(subparsers)``, which adds its parser and sets ``func`` to a
function ``(args) -> int`` returning the exit code. A user's mistake is raised as
:class:`CLIError` (or :class:`rover.scenario.ScenarioError`); ``rover.cli.main`` turns either
into one ``error:`` line on stderr and exit code 2.
"""


class CLIError(Exception):
    """A user's mistake on the command line: printed as one line, exit code 2."""
