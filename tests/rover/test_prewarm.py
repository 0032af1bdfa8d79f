"""rover._prewarm: when a background compile starts, what it runs, and that it fills the cache."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rover import _prewarm


@pytest.fixture
def launches(monkeypatch):
    """Record Popen calls instead of starting processes; enabled, two cores, a cold cache."""
    calls = []

    class FakePopen:
        def __init__(self, argv, **kwargs):
            calls.append((argv, kwargs))

    monkeypatch.setattr(_prewarm.subprocess, "Popen", FakePopen)
    monkeypatch.setenv(_prewarm.ENV, "1")
    monkeypatch.setattr(_prewarm, "_cores", lambda: 2)
    monkeypatch.setattr(_prewarm, "_cached", lambda d: False)
    return calls


def test_starts_the_cold_targets_once_each_with_no_terminal(launches):
    assert _prewarm.start(["dstar", "drive", "dstar"]) is not None
    (argv, kwargs), = launches
    assert argv == [sys.executable, "-P", "-m", "rover._prewarm", "dstar", "drive"]
    assert kwargs["stdin"] == kwargs["stdout"] == kwargs["stderr"] == subprocess.DEVNULL


@pytest.mark.parametrize("why", ["disabled", "one core", "warm", "nothing asked"])
def test_starts_nothing(launches, monkeypatch, why):
    targets = ["dstar", "drive"]
    if why == "disabled":
        monkeypatch.setenv(_prewarm.ENV, "0")
    elif why == "one core":
        monkeypatch.setattr(_prewarm, "_cores", lambda: 1)
    elif why == "warm":
        monkeypatch.setattr(_prewarm, "_cached", lambda d: True)
    else:
        targets = []
    assert _prewarm.start(targets) is None and launches == []


def test_a_failed_launch_is_not_an_error(launches, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(_prewarm.subprocess, "Popen", refuse)
    assert _prewarm.start(["dstar"]) is None


def test_the_cache_check_reads_numba_where_it_expects():
    # If numba moved the attribute, _cached would silently answer True (never start): catch
    # that here rather than lose the speed-up unnoticed.
    for target in _prewarm.TARGETS:
        for d in _prewarm._sentinels(target):
            cache_file = d._cache._cache_file
            assert isinstance(cache_file._index_path, str)
            assert isinstance(cache_file._cache_path, str)
            assert isinstance(cache_file._load_index(), dict)


def test_a_stale_or_half_written_cache_is_not_cached(tmp_path, monkeypatch):
    """After an upgrade or an edit numba's index file is still there but empty (its source
    stamp no longer matches), and numba writes the index before the data file: neither
    counts as compiled."""
    from rover import _drive

    cache_file = _drive._drive._cache._cache_file
    index = tmp_path / "k.nbi"
    index.write_bytes(b"")
    monkeypatch.setattr(cache_file, "_index_path", str(index))
    monkeypatch.setattr(cache_file, "_cache_path", str(tmp_path))
    monkeypatch.setattr(cache_file, "_load_index", lambda: {})
    assert not _prewarm._cached(_drive._drive)  # stale: no entries for this source
    monkeypatch.setattr(cache_file, "_load_index", lambda: {"sig": "k.1.nbc"})
    assert not _prewarm._cached(_drive._drive)  # the index is written, the data not yet
    (tmp_path / "k.1.nbc").write_bytes(b"")
    assert _prewarm._cached(_drive._drive)
    index.unlink()
    assert not _prewarm._cached(_drive._drive)


def test_unknown_target_is_refused():
    assert _prewarm.main(["nope"]) == 2


@pytest.mark.slow
def test_background_process_fills_an_empty_cache(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-m", "rover._prewarm", "dstar-plan", "mpgaa", "drive",
                    "dstar"], env=env, cwd=root, check=True, timeout=600, stdin=subprocess.DEVNULL)
    saved = {p.name.split("-")[0] for p in tmp_path.rglob("*.nbi")}
    assert {"_dstar_lite_kernels.compute", "_dstar_lite_kernels.update",
            "_dstar_lite_kernels.extract", "_dstar_lite_kernels.separated",
            "_mpgaa_kernels.search", "_drive._drive", "_drive._smooth",
            "_sensing._sense"} <= saved
    # The driving loop is compiled on a hand-built flat world: no terrain or cost-map kernel,
    # which the main process compiles first, is compiled a second time here.
    assert not any(name.startswith(("_costmap.", "_kernels.")) for name in saved), saved
    # ... and with the argument types of a real run: a real traverse loads them.
    child = textwrap.dedent("""
        from rover import _drive, _sensing
        from rover.bench.workloads import traverse_world
        from rover.planners import _dstar_lite_kernels as _dstar
        from rover.sim import simulate
        scenario, world = traverse_world(size=64, route_m=20.0)
        simulate(scenario, planner="dstar_lite", world=world)
        kernels = [_drive._drive, _drive._smooth, _sensing._sense, _dstar.compute,
                   _dstar.update]
        print(sum(len(k.stats.cache_misses) for k in kernels))
    """)
    out = subprocess.run([sys.executable, "-c", child], env=env, cwd=root, check=True,
                         timeout=600, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert out.stdout.split() == ["0"], out.stdout


def test_the_background_process_ignores_modules_in_the_current_folder(launches):
    _prewarm.start(["dstar"])
    (argv, _), = launches
    assert argv[1] == "-P"  # no 'rover' package of the user's folder shadowing ours


def test_stop_interrupts_a_running_process_and_ignores_the_rest(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                            stdin=subprocess.DEVNULL)
    _prewarm.stop(proc)
    assert proc.wait(timeout=30) != 0
    _prewarm.stop(proc)  # already ended
    _prewarm.stop(None)


def test_a_failing_run_stops_its_background_compile(launches, monkeypatch, tmp_path):
    # A scenario placed on impassable ground fails while the world is built, after the
    # background compile has started: the command must not leave it running.
    from rover.cli import main

    stopped = []
    monkeypatch.setattr(_prewarm, "stop", lambda proc: stopped.append(proc))
    root = Path(__file__).resolve().parents[2]
    text = (root / "rover" / "scenarios" / "moon-south-pole-pragyan.toml").read_text()
    assert "goal = [28.0, 30.0]" in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text + '\n[[hazards]]\nname = "crater"\ncenter = [28.0, 30.0]\n'
                   'radius_m = 2.0\n')  # the goal is inside it: found when the world is built
    assert main(["run", str(bad), "--quiet", "--out", str(tmp_path / "out")]) == 2
    assert len(launches) == 1 and len(stopped) == 1


@pytest.mark.slow
def test_a_first_runs_split_leaves_it_nothing_to_compile_twice(tmp_path):
    """What a first ``rover run`` with MPGAA* compiles in the background (run_targets) and
    in its own process (look) are the kernels the run then loads: none is compiled in the
    background that the run compiles itself meanwhile, and the run compiles none of them."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    root = Path(__file__).resolve().parents[2]
    targets = _prewarm.run_targets()
    assert targets == ["discs", "follow", "terms"]
    subprocess.run([sys.executable, "-m", "rover._prewarm", *targets], env=env, cwd=root,
                   check=True, timeout=600, stdin=subprocess.DEVNULL)
    saved = {p.name.split("-")[0] for p in tmp_path.rglob("*.nbi")}
    assert {"_costmap._stamp_discs", "_drive._drive", "_costmap._disc_terms",
            "_costmap._terrain_terms"} <= saved
    assert not {"_drive._smooth", "_sensing._sense", "_mpgaa_kernels.search",
                "_check_kernels.check_path"} & saved, saved
    child = textwrap.dedent("""
        from rover import _costmap, _drive, _prewarm, _sensing
        from rover.bench.workloads import traverse_world
        from rover.planners import _check_kernels, _mpgaa_kernels
        from rover.sim import simulate
        _prewarm.look("mpgaa")
        scenario, world = traverse_world(size=64, route_m=20.0)
        simulate(scenario, planner="mpgaa", world=world)
        kernels = [_drive._drive, _drive._smooth, _sensing._sense, _mpgaa_kernels.search,
                   _costmap._stamp_discs, _costmap._terrain_terms, _check_kernels.check_path]
        print(sum(len(k.stats.cache_misses) for k in kernels),
              len(_drive._smooth.stats.cache_hits), len(_sensing._sense.stats.cache_hits))
    """)
    out = subprocess.run([sys.executable, "-c", child], env=env, cwd=root, check=True,
                         timeout=600, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    # look() compiled sensing's, smoothing's, the plan check's and MPGAA*'s kernels (four
    # misses); the run then hit the cache.
    misses, *_ = out.stdout.split()
    assert misses == "4", out.stdout


def test_wait_for_returns_once_the_kernels_are_saved_or_the_process_ends(monkeypatch):
    class Proc:
        polls = 0

        def poll(self):
            self.polls += 1
            return None if self.polls < 3 else 0

    saved = iter([False, True])
    monkeypatch.setattr(_prewarm, "_cached", lambda d: next(saved))
    proc = Proc()
    _prewarm.wait_for(proc, "follow")  # saved on the second look
    assert proc.polls == 2
    monkeypatch.setattr(_prewarm, "_cached", lambda d: False)
    proc = Proc()
    _prewarm.wait_for(proc, "follow")  # never saved: returns when the process ends
    assert proc.polls == 3
    _prewarm.wait_for(None, "follow")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


MESSAGE = "compiling kernels, first run only: later runs start at once"


@pytest.mark.parametrize("quiet", [False, True])
def test_a_first_run_says_it_is_compiling_on_a_terminal_then_erases_it(monkeypatch, tmp_path,
                                                                       capsys, quiet):
    from rover.cli import main

    monkeypatch.setattr(_prewarm, "cold", lambda targets, planner=None: True)
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    args = ["run", "moon-south-pole-pragyan", "--out", str(tmp_path / "out")]
    assert main(args + (["--quiet"] if quiet else [])) == 0
    text = err.getvalue()
    # Even with --quiet (a silent first run would look hung), and erased once compiled.
    assert text.startswith("\r" + MESSAGE + "\033[K\r\033[K")
    assert MESSAGE not in capsys.readouterr().out


def test_a_first_runs_notice_stays_out_of_logs_and_errors(monkeypatch, tmp_path, capsys):
    """Not a terminal: no notice. A terminal: an error after the notice is still the only
    line left on the screen."""
    from rover.cli import main

    monkeypatch.setattr(_prewarm, "cold", lambda targets, planner=None: True)
    args = ["run", "moon-south-pole-pragyan", "--out", str(tmp_path / "out"), "--quiet"]
    assert main(args) == 0
    assert MESSAGE not in capsys.readouterr().err
    # A goal the world finds impassable: an error raised while the notice is shown.
    root = Path(__file__).resolve().parents[2]
    text = (root / "rover" / "scenarios" / "moon-south-pole-pragyan.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text + '\n[[hazards]]\nname = "crater"\ncenter = [28.0, 30.0]\n'
                   'radius_m = 2.0\n')
    assert main(["run", str(bad), "--quiet", "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and MESSAGE not in err, err
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main(["run", str(bad), "--quiet", "--out", str(tmp_path / "o3")]) == 2
    shown = term.getvalue()
    # What a terminal shows: the notice, erased, then the one error line.
    assert shown.startswith("\r" + MESSAGE + "\033[K\r\033[Kerror: "), shown
    assert shown.count("\n") == 1


@pytest.mark.parametrize("started, cached, deferred", [
    (False, False, False),  # no background process: the run compiles the kernel itself
    (True, False, True),    # the background compiles it: the run uses the NumPy twin
    (True, True, False),    # already in the cache: loaded at once
])
def test_the_cost_map_kernel_is_deferred_only_to_a_background_compile(monkeypatch, started,
                                                                       cached, deferred):
    from rover import _costmap

    monkeypatch.setattr(_prewarm, "_cached", lambda d: cached)
    assert _costmap.DEFER_TERMS is False
    with _prewarm.defer_terms(object() if started else None, _prewarm.run_targets()):
        assert _costmap.DEFER_TERMS is deferred
    assert _costmap.DEFER_TERMS is False  # only for the world a first run builds
