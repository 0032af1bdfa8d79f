"""Suite-wide settings."""

import os

# No background compiling processes (rover._prewarm) from the CLI commands the tests run:
# the suite stays one process, and tests/rover/test_prewarm.py checks the feature itself.
os.environ["ROVER_PREWARM"] = "0"
