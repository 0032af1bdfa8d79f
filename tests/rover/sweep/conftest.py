"""A real Dask cluster on 127.0.0.1 for the sweep tests: ``dask scheduler`` and two
``dask worker`` processes (one thread each, under their nannies), started once and stopped at
the end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


class Cluster:
    def __init__(self, folder: Path):
        self.folder = folder
        self.file = folder / "scheduler.json"
        self.procs: list[subprocess.Popen] = []
        self.address = None

    def start(self, workers: int = 2) -> Cluster:
        try:
            return self._start(workers)
        except BaseException:
            self.stop()  # never leave a scheduler or worker behind
            raise

    def _start(self, workers: int) -> Cluster:
        env = {**os.environ, "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "error"}
        common = dict(cwd=self.folder, env=env, stdout=subprocess.DEVNULL,
                      stderr=open(self.folder / "cluster.log", "ab"), start_new_session=True)
        self.procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
             "--scheduler-file", str(self.file)], **common))
        deadline = time.monotonic() + 60
        while not self.file.exists() or not self.file.read_text().strip():
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                self.stop()
                pytest.fail("the dask scheduler did not start: see " + str(self.folder))
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]
        for _ in range(workers):
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", self.address,
                 "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard"], **common))
        from distributed import Client

        if workers:
            with Client(self.address, timeout="30s") as client:
                client.wait_for_workers(workers, timeout=60)
        return self

    def worker_pids(self) -> list[int]:
        """The worker processes' ids (not their nannies')."""
        from distributed import Client

        with Client(self.address, timeout="30s") as client:
            return sorted(client.run(os.getpid).values())

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("dask-cluster")).start()
    try:
        yield c
    finally:
        c.stop()
