"""A dependency-free progress bar for the terminal, shown only for runs longer than a second."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Draws ``[#####.....]  42%  t=123 s  12.3 m`` on one terminal line, rewritten in place.

    Nothing is drawn when the stream is not a terminal (logs and CI stay clean) or during the
    first ``delay_s`` seconds (short runs do not flicker).
    """

    def __init__(self, stream=None, *, delay_s: float = 1.0, width: int = 30, enabled: bool = True):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.delay_s = delay_s
        self.width = width
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, fraction: float, info: dict | None = None) -> None:
        if not self.enabled or time.monotonic() - self.started < self.delay_s:
            return
        fraction = min(max(float(fraction), 0.0), 1.0)
        filled = int(round(fraction * self.width))
        extra = ""
        if info:
            if "t_s" in info:
                extra += f"  t={info['t_s']:.0f} s"
            if "distance_m" in info:
                extra += f"  {info['distance_m']:.1f} m"
            if "replans" in info:
                extra += f"  {info['replans']} replans"
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%}{extra}\033[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Clear the bar's line, if one was drawn."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn = False


class Status:
    """One transient line on a terminal, such as "compiling kernels, first run only": shown
    while something slow happens and erased before anything else is written, so that an
    error that follows is still the only line on the screen. Nothing is shown when the
    stream is not a terminal (a log gets only what lasts)."""

    def __init__(self, stream=None):
        self.stream = stream
        self.shown = False

    def show(self, text: str) -> None:
        stream = self.stream if self.stream is not None else sys.stderr
        if hasattr(stream, "isatty") and stream.isatty():
            stream.write(f"\r{text}\033[K")
            stream.flush()
            self.shown = True

    def clear(self) -> None:
        """Erase the line, if one is shown."""
        if self.shown:
            stream = self.stream if self.stream is not None else sys.stderr
            stream.write("\r\033[K")
            stream.flush()
            self.shown = False


STATUS = Status()
"""The command line's one transient line (the command that shows it clears it)."""
