"""Suite-wide settings."""

import os

# No background compiling processes (rover._prewarm) from the CLI commands the tests run:
# the suite stays one process, and tests/rover/test_prewarm.py checks the feature itself.
os.environ["ROVER_PREWARM"] = "0"

# Property tests draw the same examples on every run and every machine (the suite is
# deterministic), and keep no example database between runs.
from hypothesis import settings  # noqa: E402

settings.register_profile("rover", derandomize=True, database=None)
settings.load_profile("rover")
