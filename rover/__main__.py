"""`python -m rover` is the `rover` command."""

from rover.cli import main

raise SystemExit(main())
