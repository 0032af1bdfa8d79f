"""The Dask engine: cases go to workers, rows come back as each case finishes.

One code path: an embedded local cluster (worker processes on 127.0.0.1, one per core, one
thread each: the kernels hold the GIL) or an existing cluster at ``--scheduler``. Only a
window of cases is in flight at once (a few per worker thread), so a 10,000-run campaign
holds a few dozen futures, and Ctrl-C loses at most the cases in flight. This is the only
module of the package that imports Dask.
"""

from __future__ import annotations

import contextlib
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
        if scheduler.startswith("tls://"):
            from distributed.security import Security

            # Without certificates Dask fails late, and its half-made client then spends
            # 20 s closing at exit: say what is missing before trying.
            if Security().get_connection_args("client").get("ssl_context") is None:
                raise ClusterError(f"--scheduler {scheduler}: a tls:// address needs Dask's "
                                   "TLS settings (distributed.comm.tls.ca-file, "
                                   ".client.cert and .client.key; see docs/campaigns.md)")
        try:
            client = Client(scheduler, timeout=f"{_CONNECT_TIMEOUT_S}s", set_as_default=False)
        except Exception as exc:  # noqa: BLE001 - Dask raises OSError, TimeoutError, ValueError
            raise ClusterError(f"--scheduler {scheduler}: cannot connect: "
                               f"{_one_line(exc) or type(exc).__name__}") from None
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
    # leave it to this process, which cancels the cases and closes them. A process started
    # while SIGINT is ignored ignores it too (the first workers); the preload covers the
    # workers a nanny starts again after a crash.
    with _sigint_ignored(), dask.config.set(_LOCAL_CONFIG):
        # Everything on 127.0.0.1; no dashboard, and the scheduler's HTTP endpoints (health,
        # metrics) on a free port rather than 8787, which another cluster may hold. Worker
        # logs only for a crash: a case's own failure comes back with its future, and at
        # close a worker may log a missed heartbeat as an error, with a traceback.
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                               silence_logs=logging.CRITICAL, preload=[_IGNORE_SIGINT])
    try:
        client = Client(cluster, set_as_default=False)
    except BaseException:
        cluster.close()
        raise
    return client, cluster


_LOCAL_CONFIG = {
    # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 (to give memory back to
    # the system sooner). glibc then stops raising its mmap threshold, so every large array
    # of a run is a fresh mmap with its page faults: the planners-jezero runs took 25% longer
    # in a worker than in-process (9.0 s -> 11.2 s for 200 runs; /tmp loop, one process with
    # and one without the variable). A run keeps nothing, so there is nothing to trim.
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


@contextlib.contextmanager
def _sigint_ignored():
    """SIGINT ignored in this process for the block (only possible in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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


def threads(client) -> int:
    """Worker threads the cluster has now (at least 1, so a window is never empty)."""
    return max(1, sum(client.nthreads().values()))


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
    done = as_completed(loop=client.loop)

    def submit_next() -> bool:
        case = next(todo, None)
        if case is None:
            return False
        future = client.submit(task, case, *args, key=f"rover-case-{case.id}", pure=False)
        flying[future.key] = (future, case)
        done.add(future)
        return True

    try:
        while len(flying) < window and submit_next():
            pass
        for future in done:
            case = flying.pop(future.key)[1]
            if future.status == "finished":
                rows, error = future.result(), None
            else:
                rows, error = None, future.exception()
            future.release()
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
