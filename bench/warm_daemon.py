"""Warm cycles in one long-lived process, with the config loaded, the store
open and the HTTP clients warm, as reader's `update_feeds()` round is
measured by ../shared/bench/peer_reader.py.

    python3 bench/warm_daemon.py --count 200 --entries 50 --cycles 20

Starts bench/farm.py, runs one cold cycle (not timed here: bench/cycle.py
measures that), then ``--cycles`` cycles in which every source answers 304,
each through ``feedhub.daemon.cycle.run_cycle`` with a new Updater over the
same Fetcher and Store: the batch the daemon ran for its due sources until
f3a26b4. (The daemon now starts each due source on its own and publishes
what they bring, coalesced: bench/month.py drives that path.) Prints each
cycle's wall and CPU time and their median. Runs under any python that can
import feedhub (a snapshot's venv: see README.md), else re-executes itself
under the repository's .venv python.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV_PYTHON = HERE.parent / ".venv" / "bin" / "python"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--profile", metavar="FILE", help="cProfile the warm cycles into FILE")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE))
    from cycle import FarmProcess, write_config  # noqa: E402 - bench/ is not a package

    from feedhub.config import load_config
    from feedhub.daemon.cycle import pollable, run_cycle
    from feedhub.daemon.refresh import Updater
    from feedhub.fetch import Fetcher
    from feedhub.store import open_store

    with tempfile.TemporaryDirectory(prefix="feedhub-warm-") as tmp:
        work = Path(tmp)
        farm = FarmProcess(args.count, args.entries, gzip=False, max_seconds=900, workdir=work)
        try:
            config_path = write_config(work, farm.url, args.count, "per-source")
            os.chdir(work)
            config = load_config(config_path)
            store = open_store(config.storage_url)
            fetcher = Fetcher(max_connections=config.fetch.max_connections, per_host=config.fetch.per_host,
                              public_only=config.fetch.public_addresses_only)
            sources, _ = pollable(config, store)
            started = time.perf_counter()
            cold = run_cycle(config, store, Updater(config, store, fetcher), sources)
            print(f"cold (untimed here): {cold.line()} [{time.perf_counter() - started:.1f} s]", file=sys.stderr)
            profiler = None
            if args.profile:
                import cProfile

                profiler = cProfile.Profile()
            walls, cpus = [], []
            for _ in range(args.cycles):
                wall, cpu = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                sources, _ = pollable(config, store)
                summary = run_cycle(config, store, Updater(config, store, fetcher), sources)
                if profiler:
                    profiler.disable()
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                unchanged = sum(o.not_modified for o in summary.report.outcomes)
                if unchanged != args.count or summary.written:
                    print(f"warning: not a warm cycle: {summary.line()}", file=sys.stderr)
            if profiler:
                profiler.dump_stats(args.profile)
            fetcher.close()
            store.close()
        finally:
            farm.stop()
    print(f"{args.count} sources, {args.cycles} warm cycles in one process (every source 304)")
    print("cycle  " + " ".join(f"{w:.3f}" for w in walls))
    print(f"median wall {statistics.median(walls):.3f} s, CPU {statistics.median(cpus):.3f} s; "
          f"min wall {min(walls):.3f} s")
    return 0


if __name__ == "__main__":
    # Any python that can import feedhub runs it (a snapshot's venv, say);
    # any other one hands over to the repository's .venv.
    import importlib.util

    if importlib.util.find_spec("feedhub") is None and VENV_PYTHON.exists():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])
    sys.exit(main())
