"""``rover sweep`` from the command line: through --scheduler on a real cluster, Ctrl-C and
resume, and one line with exit code 2 for each bad input, before any file is written."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rover.cli import main

DATA = Path(__file__).parent / "data"
ROVER = [sys.executable, "-m", "rover"]


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_sweep_through_scheduler_prints_the_tables(cluster, tmp_path):
    out = tmp_path / "out"
    p = subprocess.run(ROVER + ["sweep", str(DATA / "tiny-sweep.toml"), "--scheduler",
                                cluster.address, "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "scenario tiny.toml" in p.stdout and "curiosity" in p.stdout
    assert "100 [" in p.stdout or "success" in p.stdout
    with open(out / "runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 24 and {r["outcome"] for r in rows} == {"reached"}
    assert {"summary.csv", "pairs.csv", "report.md", "runs.csv"} <= set(files_in(out))


@pytest.mark.parametrize("args, words", [
    (["sweep", "{bad}"], "[sweep].planers: unknown key (did you mean 'planners'?)"),
    (["sweep", "{tiny}", "--scheduler", "tcp://127.0.0.1:9"],
     "--scheduler tcp://127.0.0.1:9: cannot connect"),
    (["sweep", "{tiny}", "--scheduler", "nonsense://x"], "--scheduler nonsense://x"),
    (["sweep", "{tiny}", "--workers", "0"], "--workers: must be a whole number >= 1"),
    (["sweep", "{tiny}", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"],
     "--workers applies to the local cluster"),
    (["sweep", "nosuchsweep"], "no shipped sweep is named 'nosuchsweep'"),
    (["sweep", "{tiny}", "--scheduler", "foo://bar"], "not a scheduler's address"),
    (["sweep", "{tiny}", "--scheduler", "http://127.0.0.1:8787"], "not a scheduler's address"),
    (["sweep", "{tiny}", "--scheduler", "tcp://127.0.0.1"], "not a scheduler's address"),
    (["sweep", "{tiny}", "--scheduler", ""], "--scheduler: an empty address"),
    (["sweep", "{tiny}", "--scheduler", "tls://127.0.0.1:8786"], "needs Dask's TLS settings"),
])
def test_bad_input_exit_2_one_line_nothing_written(tmp_path, capsys, args, words, monkeypatch):
    shutil.copy(DATA / "tiny.toml", tmp_path / "tiny.toml")
    shutil.copy(DATA / "tiny-sweep.toml", tmp_path / "tiny-sweep.toml")
    (tmp_path / "bad.toml").write_text(
        "[sweep]\nscenarios = ['tiny.toml']\nseeds = [0]\nplaners = ['astar']\n")
    monkeypatch.chdir(tmp_path)
    before = files_in(tmp_path)
    args = [a.format(bad=tmp_path / "bad.toml", tiny=tmp_path / "tiny-sweep.toml")
            for a in args]
    code = main(args + ["--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: "), err  # one line, nothing before
    assert words in err[-1]
    assert files_in(tmp_path) == before


def test_a_folder_of_another_sweep_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "runs.csv").write_text("run,case,scenario,seed,planner\n")
    code = main(["sweep", str(DATA / "tiny-sweep.toml"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "holds the rows of another sweep" in err
    assert (out / "runs.csv").read_text() == "run,case,scenario,seed,planner\n"


@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"),
                                            (signal.SIGTERM, 143, "terminated")])
def test_ctrl_c_or_sigterm_stops_cleanly_and_the_same_command_resumes(tmp_path, sig, code,
                                                                      word):
    text = (DATA / "tiny-sweep.toml").read_text().replace("count = 6", "count = 40")
    shutil.copy(DATA / "tiny.toml", tmp_path / "tiny.toml")
    (tmp_path / "long.toml").write_text(text)
    out = tmp_path / "out"
    cmd = ROVER + ["sweep", str(tmp_path / "long.toml"), "--out", str(out), "--workers", "2"]
    # Its own process group, as a terminal gives a command: Ctrl-C reaches the workers too.
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    deadline = time.monotonic() + 120
    runs = out / "runs.csv"
    while time.monotonic() < deadline and p.poll() is None:
        if runs.exists() and runs.read_text().count("\n") > 12:
            break
        time.sleep(0.05)
    assert p.poll() is None, p.communicate()
    # Ctrl-C reaches the whole group, as a terminal sends it; SIGTERM the command.
    (os.killpg if sig == signal.SIGINT else os.kill)(p.pid, sig)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode == code, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"{word}: ") and "run the same command again to resume" in last
    assert "Traceback" not in stderr
    with open(runs, newline="") as f:
        first = [r["run"] for r in csv.DictReader(f)]
    assert 12 <= len(first) < 160
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    with open(runs, newline="") as f:
        ids = [r["run"] for r in csv.DictReader(f)]
    assert ids[:len(first)] == first and len(ids) == len(set(ids)) == 160


@pytest.mark.parametrize("make, words", [
    (lambda out: (out.mkdir(), (out / "runs.csv").write_text("run,case\n")),
     "holds the rows of another sweep"),
    (lambda out: out.parent.joinpath("file").write_text("x"), "--out: cannot create folder"),
    (lambda out: (out.mkdir(), (out / "runs.csv").mkdir()), "runs.csv: is not a file"),
])
def test_a_bad_out_folder_is_one_line_before_the_cluster_starts(tmp_path, capsys, make, words):
    out = tmp_path / "out"
    make(out)
    target = tmp_path / "file" / "sub" if "cannot create" in words else out
    t = time.monotonic()
    code = main(["sweep", str(DATA / "tiny-sweep.toml"), "--out", str(target)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and words in err[0], err
    assert time.monotonic() - t < 5  # no cluster was started


def test_a_port_that_is_no_scheduler_is_an_error_not_a_hang(tmp_path, capsys, monkeypatch):
    import socket

    from rover.sweep import _engine

    monkeypatch.setattr(_engine, "_CONNECT_TIMEOUT_S", 1)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()  # accepts connections and never says a word
    try:
        port = server.getsockname()[1]
        code = main(["sweep", str(DATA / "tiny-sweep.toml"), "--out", str(tmp_path / "o"),
                     "--scheduler", f"tcp://127.0.0.1:{port}"])
    finally:
        server.close()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert f"--scheduler tcp://127.0.0.1:{port}: " in err[0]
    assert not (tmp_path / "o").exists()


def test_a_scheduler_without_workers_says_it_waits(tmp_path):
    from tests.rover.sweep.conftest import Cluster

    c = Cluster(tmp_path).start(workers=0)
    try:
        p = subprocess.Popen(ROVER + ["sweep", str(DATA / "tiny-sweep.toml"), "--scheduler",
                                      c.address, "--out", str(tmp_path / "o")],
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = p.stderr.readline()
            lines.append(line)
            if not line or "waiting for workers" in line:
                break
        os.killpg(p.pid, signal.SIGINT)
        p.communicate(timeout=60)
        assert any("waiting for workers to join the cluster" in x for x in lines), lines
        assert p.returncode == 130
    finally:
        c.stop()
