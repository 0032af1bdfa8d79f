"""The Dask engine: cases go to workers, rows come back as each case finishes.

One code path: an embedded local cluster (worker processes on 127.0.0.1, one per core, one
thread each: the kernels hold the GIL) or an existing cluster at ``--scheduler``. Only a
window of cases is in flight at once (a few per worker thread), so a 10,000-run campaign
holds a few dozen futures, and Ctrl-C loses at most the cases in flight. This is the only
module of the package that imports Dask.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Callable, Iterable

__all__ = ["connect", "execute", "ClusterError"]

_CONNECT_TIMEOUT_S = 10
_PER_THREAD = 3  # cases in flight per worker thread: enough to keep every worker busy


class ClusterError(OSError):
    """The cluster could not be reached or used: one line naming the address."""


def connect(workers: int | None = None, scheduler: str | None = None):
    """A Dask client, and the local cluster it owns (None for ``scheduler``).

    Parameters
    ----------
    workers : int, optional
        Worker processes of the local cluster (default: one per core).
    scheduler : str, optional
        Address of an existing scheduler (``tcp://host:8786``, ``tls://...``); Dask's own
        configuration (``~/.config/dask/distributed.yaml``, ``DASK_*`` variables) supplies
        TLS certificates.

    Raises
    ------
    ClusterError
        An unreachable or malformed address, or a cluster whose workers lack this package.
    """
    from distributed import Client

    if scheduler is not None:
        _check_address(scheduler)
        client = _client_within(scheduler, _CONNECT_TIMEOUT_S + 5)
        try:
            _check_workers(client, scheduler)
        except BaseException:
            client.close()
            raise
        return client, None
    import dask
    from distributed import LocalCluster

    n = workers or os.cpu_count() or 1
    # Ctrl-C in a terminal reaches the whole process group, workers included: they must
    # leave it to this process, which cancels the cases and closes them. Workers are forked
    # from multiprocessing's fork server (POSIX), started here while SIGINT is ignored:
    # it ignores SIGINT for good, and so does every worker forked from it, the first ones
    # and those a nanny starts again after a crash; this process keeps its own Ctrl-C
    # throughout. The preload covers the "spawn" method (Windows), from the worker's start.
    cluster = None
    config = dict(_LOCAL_CONFIG)
    if _start_fork_server():
        config["distributed.worker.multiprocessing-method"] = "forkserver"
    try:
        # A Ctrl-C that broke into the cluster's start would leave it half made (Dask then
        # fails closing it at exit): it is held until the cluster is up, then raised.
        with _sigint_held(), dask.config.set(config):
            # Everything on 127.0.0.1; no dashboard, and the scheduler's HTTP endpoints
            # (health, metrics) on a free port rather than 8787, which another cluster may
            # hold. Worker logs only for a crash: a case's own failure comes back with its
            # future, and at close a worker may log a missed heartbeat as an error.
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None,
                                   scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                   silence_logs=logging.CRITICAL, preload=[_IGNORE_SIGINT])
        client = Client(cluster, set_as_default=False)
    except BaseException as exc:
        if cluster is not None:
            cluster.close()
        if isinstance(exc, Exception) and "failed to start" in str(exc):
            # The usual cause: a script that calls run_sweep at its top level, which every
            # worker process runs again as it imports the script.
            raise ClusterError("the local cluster's worker processes did not start; in a "
                               "script, call run_sweep under 'if __name__ == \"__main__\":' "
                               "(each worker imports the script)") from None
        raise
    return client, cluster


class _sigint_held:
    """A context in which Ctrl-C (SIGINT) is noted, not raised; at its end a noted one is
    raised as KeyboardInterrupt. Only in the main thread; elsewhere nothing changes."""

    def __enter__(self):
        self.noted = False
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._note)
        return self

    def _note(self, signum, frame):
        self.noted = True

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        if self.noted and exc[0] is None:
            raise KeyboardInterrupt
        return False


def _start_fork_server() -> bool:
    """Start multiprocessing's fork server, if this system has one, with SIGINT ignored (it
    keeps ignoring it, and so do the processes forked from it); True when it runs. Only from
    the main thread, where signal dispositions can be changed."""
    import multiprocessing

    if ("forkserver" not in multiprocessing.get_all_start_methods()
            or threading.current_thread() is not threading.main_thread()):
        return False
    from multiprocessing import forkserver

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)
    return True


_LOCAL_CONFIG = {
    # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 (to give memory back to
    # the system sooner). glibc then stops raising its mmap threshold, so every large array
    # of a run is a fresh mmap with its page faults: 200 planners-jezero runs took 11.2 s in
    # a process with the variable against 9.0 s without (a loop over run_case; docs/
    # campaigns.md). A run keeps nothing, so there is nothing to trim.
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # The workers' statistical profiler samples every thread's stack every 10 ms, with the
    # GIL: nobody looks at it without a dashboard.
    "distributed.worker.profile.enabled": False,
}

# A worker preload, as script text (Dask runs dask_setup in the worker process at start).
_IGNORE_SIGINT = """
import signal, threading

def dask_setup(worker):
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
"""


_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")


def _check_address(address: str) -> None:
    """ClusterError for an address Dask could not connect to: checked before trying, since a
    Client that fails on one spends 20 s closing when the program ends."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address, strict=True)
        host, port = parse_host_port(location)
    except (ValueError, TypeError):
        scheme = host = port = None
    if scheme not in _SCHEMES or not host or not port:
        raise ClusterError(f"--scheduler {address}: not a scheduler's address; give "
                           "tcp://HOST:PORT (or tls://HOST:PORT), e.g. tcp://10.0.0.5:8786")
    if scheme == "tls":
        from distributed.security import Security

        # Without certificates Dask fails late: say what is missing before trying.
        if Security().get_connection_args("client").get("ssl_context") is None:
            raise ClusterError(f"--scheduler {address}: a tls:// address needs Dask's TLS "
                               "settings (distributed.comm.tls.ca-file, .client.cert and "
                               ".client.key; see docs/campaigns.md)")


def _client_within(address: str, seconds: float):
    """A Client of the scheduler at ``address``, or ClusterError after ``seconds``: Dask's
    own timeout covers the connection but not the handshake, and a port that accepts and
    never answers (a web server, the dashboard's 8787) would hang forever."""
    from distributed import Client

    box: dict = {}

    def make():
        try:
            box["client"] = Client(address, timeout=f"{_CONNECT_TIMEOUT_S}s",
                                   set_as_default=False)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    t = threading.Thread(target=make, name="rover-sweep-connect", daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        raise ClusterError(f"--scheduler {address}: no Dask scheduler answered in {seconds:g} s "
                           "(the scheduler's port is 8786 by default; 8787 is its dashboard)")
    if "error" in box:
        exc = box["error"]
        raise ClusterError(f"--scheduler {address}: cannot connect: "
                           f"{_one_line(exc) or type(exc).__name__}") from None
    return box["client"]


def _check_workers(client, address: str) -> None:
    """Every worker must run this package: a worker without it would fail every case."""
    from rover import __version__

    def version():
        try:
            import rover
        except ImportError:
            return None
        return rover.__version__

    found = client.run(version)
    bad = sorted(w for w, v in found.items() if v != __version__)
    if bad:
        raise ClusterError(f"--scheduler {address}: worker {bad[0]} runs "
                           f"{'no rover' if found[bad[0]] is None else 'rover ' + found[bad[0]]}"
                           f", not rover {__version__}: install the same planetary-rover-nav on "
                           "every worker")


def threads(client, at_least: int = 1) -> int:
    """Worker threads the cluster has now (at least ``at_least``: 1 keeps a window from
    being empty while workers join)."""
    return max(at_least, sum(client.nthreads().values()))


_RESUBMIT = 3
"""Times a case whose task was lost with its worker is submitted in all."""


def execute(client, cases: Iterable, task: Callable, args: tuple,
            on_result: Callable[[object, list | None, BaseException | None], None]) -> None:
    """Run ``task(case, *args)`` for every case on the cluster, calling
    ``on_result(case, rows, error)`` in this thread as each finishes (``error`` set when the
    task raised, or its worker died too often: Dask retries a case whose worker died).

    On KeyboardInterrupt the cases in flight are cancelled and the interrupt propagates.
    """
    from distributed import as_completed

    window = _PER_THREAD * threads(client)
    todo = iter(cases)
    flying = {}
    tries: dict = {}
    done = as_completed(loop=client.loop)

    def submit(case) -> None:
        n = tries[case.id] = tries.get(case.id, 0) + 1
        key = f"rover-case-{case.id}" + (f"-{n}" if n > 1 else "")
        future = client.submit(task, case, *args, key=key, pure=False)
        flying[future.key] = (future, case)
        done.add(future)

    def submit_next() -> bool:
        case = next(todo, None)
        if case is None:
            return False
        submit(case)
        return True

    try:
        while len(flying) < window and submit_next():
            pass
        for future in done:
            case = flying.pop(future.key)[1]
            status = future.status
            rows = future.result() if status == "finished" else None
            error = future.exception() if status == "error" else None
            future.release()
            if status not in ("finished", "error"):
                # "cancelled" or "lost": a killed worker took the task with it and there is
                # nothing to read. Run the case again (same seed, same rows), a few times.
                if tries[case.id] < _RESUBMIT:
                    submit(case)
                    continue
                error = RuntimeError(f"its task ended {status!r} {_RESUBMIT} times (workers "
                                     "were lost)")
            on_result(case, rows, error)
            # Keep the window full as the cluster grows or shrinks.
            window = _PER_THREAD * threads(client)
            while len(flying) < window and submit_next():
                pass
    except BaseException:
        if flying:
            client.cancel([f for f, _ in flying.values()])
        raise


def close(client, cluster) -> None:
    """Close the client and, if we started it, the local cluster (workers included)."""
    try:
        client.close(timeout=10)
    finally:
        if cluster is not None:
            cluster.close(timeout=10)


def _one_line(exc) -> str:
    return " ".join(str(exc).split())
