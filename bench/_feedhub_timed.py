"""`feedhub` with stage timings: what the console script does, plus a clock.

bench/cycle.py runs this file with the feedhub virtualenv's python instead of
the `feedhub` console script. Its top level is the console script's
(`from feedhub.cli import main`), so a forkserver parse pool preloads the same
modules either way; the timing hooks exist only when it runs as __main__ and
wrap functions from outside, without changing feedhub. Timings go as JSON to
the file named by $FEEDHUB_BENCH_TIMINGS (wall-clock time.time() stamps, so
the parent can add interpreter start-up, and perf_counter durations):

    t_start      first line of this file ran (interpreter is up)
    import_s     importing feedhub.cli and the modules `run --once` uses
    refresh_s    Updater.refresh: fetch, parse, normalise, merge, store
    publish_s    publishing (0 when nothing changed and nothing is missing)
    main_s       feedhub.cli.main() from start to return
    t_end        just before exit

A hook whose target has been renamed is skipped (its figure is then null).
"""

import time

_T_START = time.time()
_P_START = time.perf_counter()

import sys  # noqa: E402

from feedhub.cli import main  # noqa: E402  (the console script's own import)

if __name__ == "__main__":
    import json
    import os

    timings = {"t_start": _T_START, "import_s": None, "refresh_s": None, "publish_s": 0.0, "main_s": None}
    import importlib

    def _module(*names):
        """The first of ``names`` that imports (the layout changed: issue #14)."""
        for name in names:
            try:
                return importlib.import_module(name)
            except ImportError:
                pass
        return None

    # The modules cmd_run imports lazily; importing them here books them as start-up.
    _cycle = _module("feedhub.daemon.cycle", "feedhub.cycle")  # whose `publish` run_cycle calls
    _update = _module("feedhub.daemon.refresh", "feedhub.update")  # Updater
    _module("feedhub.fetch")
    _module("feedhub.store")
    timings["import_s"] = time.perf_counter() - _P_START

    def _timed(owner, name, key):
        original = getattr(owner, name, None)
        if original is None:
            return

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timings[key] = (timings.get(key) or 0.0) + time.perf_counter() - t

        setattr(owner, name, wrapper)

    if _update is not None and hasattr(_update, "Updater"):
        _timed(_update.Updater, "refresh", "refresh_s")
    if _cycle is not None:
        _timed(_cycle, "publish", "publish_s")
    t_main = time.perf_counter()
    try:
        code = main(sys.argv[1:])
    finally:
        timings["main_s"] = time.perf_counter() - t_main
        timings["t_end"] = time.time()
        path = os.environ.get("FEEDHUB_BENCH_TIMINGS")
        if path:
            with open(path, "w") as f:
                json.dump(timings, f)
    sys.exit(code)
