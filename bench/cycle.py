#!/usr/bin/env python3
"""Time feedhub's `run --once` against the loopback farm, cold and warm,
optionally side by side with the peer lemon24/reader on the same farm.

    python3 bench/cycle.py --count 200 --entries 50 --repeat 3 --peer

For each repetition: a fresh temp folder and config; `feedhub run --once`
with an empty store (cold: every source 200, every entry new), then again
(warm: every source answers 304 Not Modified). With --peer, then
shared/bench/peer_reader.py beside the repository (--peer-script names
another) runs in its own virtualenv (reader 3.26, created on first use):
two rounds, cold then all-304, against the same farm. Every child is
measured from outside:

    wall       spawn to exit, seconds (includes interpreter start-up)
    inproc     the work inside the process: feedhub's main() (config, store,
               refresh, publish; no interpreter start or imports), or
               reader's own round time (update_feeds only)
    cpu        user+sys of the child and every descendant (parse pool,
               forkserver), from RUSAGE_CHILDREN deltas; this process is a
               child subreaper, so orphans are reaped here and counted
    rss_tree   peak of the summed RSS of the child and its descendants,
               sampled from /proc every --sample-ms (default 50 ms)
    pss_tree   the same with PSS (shared pages divided among sharers)
    maxrss     ru_maxrss: the largest single process's peak RSS

The feedhub config puts each source in its own category (--categories
per-source, the default: 200 Atom feeds and 200 pages to publish) or spreads
sources over 10 categories (--categories 10). Medians over --repeat runs are
printed as a table; --json FILE also writes every raw measurement.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_FEEDHUB_PY = REPO / ".venv" / "bin" / "python"
# The peer's driver lives beside the repository, in shared/bench/.
DEFAULT_PEER_SCRIPT = REPO.parent / "shared" / "bench" / "peer_reader.py"
DEFAULT_PEER_VENV = Path("/tmp/peer-venv")
PEER_PACKAGES = ("reader==3.26", "sgmllib3k")
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024

# Only loopback: no proxy may see the farm's traffic.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.pop("FEEDHUB_CONFIG", None)
    env["PYTHONDONTWRITEBYTECODE"] = env.get("PYTHONDONTWRITEBYTECODE", "")
    return env


# ---------------------------------------------------------------------------
# Measuring a process tree
# ---------------------------------------------------------------------------


def become_subreaper() -> bool:
    """Orphaned descendants (a forkserver nobody waited for) are re-parented
    to us, so their CPU time reaches our RUSAGE_CHILDREN when we reap them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def read_stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, utime+stime ticks, rss pages) of a process, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2:].split()
    # fields[0] is state (field 3 of stat); ppid=4, utime=14, stime=15, rss=24
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21])


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all processes, all CPUs)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / TICK  # minus idle and iowait


def settle(max_cores: float, timeout: float, window: float = 2.0) -> float:
    """Wait until the rest of the machine uses less than max_cores CPUs
    (measured over `window` seconds), at most `timeout` seconds. Returns the
    last measured load. The machine may be shared with other work, which
    slows a multi-process program more than a single-threaded one."""
    deadline = time.monotonic() + timeout
    while True:
        s0 = resource.getrusage(resource.RUSAGE_SELF)
        b0 = busy_cpu_seconds()
        time.sleep(window)
        s1 = resource.getrusage(resource.RUSAGE_SELF)
        own = s1.ru_utime - s0.ru_utime + s1.ru_stime - s0.ru_stime
        load = max(0.0, busy_cpu_seconds() - b0 - own) / window
        if load <= max_cores or time.monotonic() >= deadline:
            return load


def read_pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the RSS (and PSS) of a process and all its descendants."""

    def __init__(self, root: int, interval: float, pss: bool = True):
        super().__init__(daemon=True)
        self.root, self.interval, self.pss = root, interval, pss
        self.seen: set[int] = {root}
        self.peak_rss = self.peak_pss = 0
        self.peak_procs = 1
        self.samples = 0
        self.marks: dict[str, int] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def sample(self) -> None:
        stats: dict[int, tuple[int, int, int]] = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                s = read_stat(int(name))
                if s is not None:
                    stats[int(name)] = s
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        members, todo = set(), [self.root]
        while todo:
            pid = todo.pop()
            if pid in stats and pid not in members:
                members.add(pid)
                todo.extend(children.get(pid, ()))
        # Descendants that outlived their parent and were re-parented (to us).
        for pid in self.seen - members:
            if pid in stats and stats[pid][0] == os.getpid():
                members.add(pid)
                todo.extend(children.get(pid, ()))
        while todo:
            pid = todo.pop()
            if pid in stats and pid not in members:
                members.add(pid)
                todo.extend(children.get(pid, ()))
        self.seen |= members
        if not members:
            return
        rss = sum(stats[p][2] for p in members) * PAGE
        self.peak_rss = max(self.peak_rss, rss)
        if self.pss:
            self.peak_pss = max(self.peak_pss, sum(read_pss(p) for p in members))
        self.peak_procs = max(self.peak_procs, len(members))
        self.samples += 1

    def mark(self, name: str) -> None:
        self.marks[name] = self.peak_rss

    def stop(self) -> None:
        self._halt.set()
        self.join()


def reap_orphans(known: set[int], keep: set[int], timeout: float = 10.0) -> None:
    """Wait for descendants re-parented to us (we are a subreaper)."""
    me = os.getpid()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        orphans = [p for p in known if p not in keep and (s := read_stat(p)) is not None and s[0] == me]
        if not orphans:
            return
        for pid in orphans:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.01)


@dataclass
class Run:
    label: str
    wall: float = 0.0
    cpu: float = 0.0
    cpu_main: float = 0.0
    maxrss: int = 0
    rss_tree: int = 0
    pss_tree: int = 0
    procs: int = 0
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    extra: dict = field(default_factory=dict)


def measure(label: str, argv: list[str], *, env: dict[str, str], cwd: str, keep: set[int], sample_s: float,
            pss: bool, on_line=None) -> Run:
    """Run argv to completion, measuring its whole process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0 = busy_cpu_seconds()
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(proc.pid, sample_s, pss)
    sampler.start()
    out_lines: list[str] = []
    err: list[str] = []

    def pump_out():
        for line in proc.stdout:
            out_lines.append(line)
            if on_line:
                on_line(line, sampler)

    def pump_err():
        err.append(proc.stderr.read())

    pumps = [threading.Thread(target=pump_out, daemon=True), threading.Thread(target=pump_err, daemon=True)]
    for t in pumps:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop()
    reap_orphans(sampler.seen - {proc.pid}, keep)
    for t in pumps:
        t.join(timeout=10)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    # The machine's busy time minus this process (the sampler): what the child,
    # the farm and any other process on the machine used meanwhile.
    busy = busy_cpu_seconds() - busy0 - (self1.ru_utime - self0.ru_utime + self1.ru_stime - self0.ru_stime)
    return Run(
        label=label, wall=wall,
        cpu=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        cpu_main=usage.ru_utime + usage.ru_stime,
        maxrss=usage.ru_maxrss * 1024,
        rss_tree=max(sampler.peak_rss, usage.ru_maxrss * 1024), pss_tree=sampler.peak_pss,
        procs=sampler.peak_procs, returncode=proc.returncode,
        stdout="".join(out_lines), stderr="".join(err), extra={"marks": dict(sampler.marks), "machine_busy": busy},
    )


# ---------------------------------------------------------------------------
# The farm, the config, the peer
# ---------------------------------------------------------------------------


class FarmProcess:
    def __init__(self, count: int, entries: int, gzip: bool, max_seconds: float, workdir: Path):
        self.ready = workdir / "farm-ready.json"
        argv = [sys.executable, str(HERE / "farm.py"), "--count", str(count), "--entries", str(entries),
                "--port", "0", "--ready-file", str(self.ready), "--max-seconds", str(max_seconds), "--quiet"]
        if gzip:
            argv.append("--gzip")
        self.proc = subprocess.Popen(argv, env=child_env(), stdin=subprocess.DEVNULL)
        # Generating the documents takes about 5 ms a feed of 50 entries.
        ready_within = max(120.0, count * entries * 0.0005)
        deadline = time.monotonic() + ready_within
        while not self.ready.exists():
            if self.proc.poll() is not None:
                raise SystemExit(f"cycle: the farm exited early (status {self.proc.returncode})")
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"cycle: the farm did not become ready in {ready_within:.0f} s")
            time.sleep(0.05)
        self.info = json.loads(self.ready.read_text())
        self.url = self.info["url"]

    def stats(self) -> dict:
        with _LOCAL.open(f"{self.url}/stats", timeout=10) as r:
            return json.load(r)

    def cpu(self) -> float:
        s = read_stat(self.proc.pid)
        return s[1] / TICK if s else 0.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def write_config(folder: Path, farm_url: str, count: int, categories: str) -> Path:
    """A feedhub config for the farm. JSON is YAML, and quotes every name safely."""
    def category(i: int) -> str:
        if categories == "per-source":
            return f"农场新闻 {i}" if i % 3 == 2 else f"Farm feed {i}"
        return f"Section {i % int(categories)}"

    names = sorted({category(i) for i in range(count)}, key=lambda n: int(n.rsplit(" ", 1)[1]))
    config = {
        "site": {"title": "feedhub bench", "base_url": "http://127.0.0.1/bench/", "language": "zh-CN",
                 "timezone": "Asia/Shanghai"},
        "storage": {"url": "sqlite:///state/feedhub.db"},
        "output": {"dir": "output", "entries_per_feed": 50},
        "defaults": {"interval": "30m", "timeout": 60},
        "categories": [{"name": n} for n in names],
        "sources": [{"name": f"farm {i}", "url": f"{farm_url}/feed/{i}.xml", "categories": [category(i)]}
                    for i in range(count)],
    }
    path = folder / "feedhub.yaml"
    path.write_text(json.dumps(config, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def feedhub_revision(python: str) -> str:
    """Which feedhub is measured: its version, folder and, in a git checkout,
    the commit (+dirty when feedhub/ has uncommitted changes)."""
    probe = subprocess.run([python, "-c", "import feedhub, os; print(feedhub.__version__, "
                            "os.path.dirname(os.path.dirname(os.path.abspath(feedhub.__file__))))"],
                           capture_output=True, text=True, cwd=tempfile.gettempdir(), env=child_env())
    if probe.returncode != 0:
        raise SystemExit(f"cycle: {python} cannot import feedhub:\n{probe.stderr[-1000:]}")
    version, folder = probe.stdout.split(maxsplit=1)
    folder = folder.strip()
    desc = f"feedhub {version} from {folder}"
    head = subprocess.run(["git", "-C", folder, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if (Path(folder) / "COMMIT").is_file():  # a `git archive` snapshot that names its commit
        desc += f" at {(Path(folder) / 'COMMIT').read_text().strip()} (snapshot)"
    elif head.returncode == 0:
        dirty = subprocess.run(["git", "-C", folder, "status", "--porcelain", "--", "feedhub"],
                               capture_output=True, text=True).stdout.strip()
        desc += f" at {head.stdout.strip()}{'+dirty' if dirty else ''}"
    return desc


def ensure_peer_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import reader, sgmllib; print(reader.__version__)"]
    if python.exists() and subprocess.run(probe, capture_output=True, text=True).stdout.strip() == "3.26":
        return python
    print(f"cycle: creating {venv} with {' '.join(PEER_PACKAGES)} ...", file=sys.stderr, flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_PACKAGES], check=True)
    if subprocess.run(probe, capture_output=True, text=True).stdout.strip() != "3.26":
        raise SystemExit(f"cycle: could not set up reader 3.26 in {venv}")
    return python


def farm_delta(before: dict, after: dict) -> dict:
    """Answers between two /stats snapshots. The first snapshot's own request
    is counted (a 200) after its body was built, so it is taken off."""
    d = {k: after["status"].get(k, 0) - before["status"].get(k, 0) for k in ("200", "304")}
    d["200"] -= 1
    d["requests"] = after["requests"] - before["requests"] - 1
    return d


SUMMARY = re.compile(r"feedhub: (\d+) sources? polled(?: \(([^)]*)\))?, (\d+) new entr(?:y|ies).* in ([\d.]+) s")


def run_feedhub(label: str, args, farm: FarmProcess, config: Path, workdir: Path) -> Run:
    timings = workdir / f"timings-{label}.json"
    if args.plain:
        argv = [str(Path(args.feedhub_python).parent / "feedhub"), "run", "--once", "--config", str(config)]
    else:
        argv = [args.feedhub_python, str(HERE / "_feedhub_timed.py"), "run", "--once", "--config", str(config)]
    env = child_env()
    env["FEEDHUB_BENCH_TIMINGS"] = str(timings)
    load = settle(args.settle_load, args.settle_timeout) if args.settle_timeout > 0 else None
    stats0, farm_cpu0 = farm.stats(), farm.cpu()
    t_spawn = time.time()
    run = measure(label, argv, env=env, cwd=str(workdir), keep={farm.proc.pid}, sample_s=args.sample_ms / 1000,
                  pss=not args.no_pss)
    stats1 = farm.stats()
    run.extra["farm_cpu"] = farm.cpu() - farm_cpu0
    run.extra["farm"] = farm_delta(stats0, stats1)
    run.extra["other_cpu"] = max(0.0, run.extra["machine_busy"] - run.cpu - run.extra["farm_cpu"])
    run.extra["load_before"] = load
    m = SUMMARY.search(run.stderr)
    if m:
        run.extra["summary"] = m.group(0)
        run.extra["new_entries"] = int(m.group(3))
        run.extra["cycle_s_reported"] = float(m.group(4))
    if timings.exists():
        t = json.loads(timings.read_text())
        run.extra["timings"] = t
        run.extra["startup_s"] = t["t_start"] - t_spawn  # interpreter start, before any import
        run.extra["inproc"] = t.get("main_s")
        if t.get("t_end"):
            run.extra["exit_s"] = t_spawn + run.wall - t["t_end"]  # interpreter shutdown, reaping
    if run.returncode != 0:
        print(f"cycle: {label}: feedhub exited {run.returncode}:\n{run.stderr[-2000:]}", file=sys.stderr)
    return run


def run_peer(args, farm: FarmProcess, workdir: Path) -> tuple[Run, list[dict]]:
    rounds: list[dict] = []

    def on_line(line: str, sampler: TreeSampler) -> None:
        try:
            obj = json.loads(line)
        except ValueError:
            return
        if "round" in obj:
            sampler.sample()
            sampler.mark(f"round{obj['round']}")
        rounds.append(obj)

    argv = [str(args.peer_python), str(args.peer_script), farm.url, str(args.count), "--workers",
            str(args.peer_workers), "--rounds", "2", "--json"]
    load = settle(args.settle_load, args.settle_timeout) if args.settle_timeout > 0 else None
    stats0, farm_cpu0 = farm.stats(), farm.cpu()
    run = measure("reader", argv, env=child_env(), cwd=str(workdir), keep={farm.proc.pid},
                  sample_s=args.sample_ms / 1000, pss=not args.no_pss, on_line=on_line)
    stats1 = farm.stats()
    run.extra["farm_cpu"] = farm.cpu() - farm_cpu0
    run.extra["farm"] = farm_delta(stats0, stats1)
    run.extra["other_cpu"] = max(0.0, run.extra["machine_busy"] - run.cpu - run.extra["farm_cpu"])
    run.extra["load_before"] = load
    if run.returncode != 0:
        print(f"cycle: reader exited {run.returncode}:\n{run.stderr[-2000:]}", file=sys.stderr)
    return run, rounds


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.2f} s"
    if unit == "x":
        return f"{value:.2f}"
    if unit == "MiB":
        return f"{value / MIB:.1f} MiB"
    return str(int(round(value)))


def table(columns: dict[str, list[dict]]) -> str:
    rows = [
        ("wall (process)", "wall", "s"),
        ("in-process work", "inproc", "s"),
        ("  interpreter start", "startup_s", "s"),
        ("  imports", "import_s", "s"),
        ("  refresh (fetch..store)", "refresh_s", "s"),
        ("  publish", "publish_s", "s"),
        ("  exit (after main returns)", "exit_s", "s"),
        ("CPU user+sys, tree", "cpu", "s"),
        ("CPU user+sys, main process", "cpu_main", "s"),
        ("peer process wall (both rounds)", "proc_wall", "s"),
        ("peer process CPU (both rounds)", "proc_cpu", "s"),
        ("peak RSS, tree (sum)", "rss_tree", "MiB"),
        ("peak PSS, tree (sum)", "pss_tree", "MiB"),
        ("ru_maxrss (largest process)", "maxrss", "MiB"),
        ("processes in tree (max)", "procs", "n"),
        ("farm CPU", "farm_cpu", "s"),
        ("other processes' CPU meanwhile", "other_cpu", "s"),
        ("  = CPUs busy with other work", "other_cores", "x"),
        ("farm answers 200 / 304", "answers", "n"),
        ("entries stored", "entries", "n"),
    ]
    header = ["median of %d" % max(len(v) for v in columns.values())] + list(columns)
    lines = [header]
    for title, key, unit in rows:
        cells = [title]
        for values in columns.values():
            if key == "answers":
                ok = [v.get("answers") for v in values if v.get("answers")]
                cells.append(f"{ok[0][0]} / {ok[0][1]}" if ok else "-")
            else:
                cells.append(fmt(median([v.get(key) for v in values]), unit))
        if any(c != "-" for c in cells[1:]):
            lines.append(cells)
    widths = [max(len(str(r[i])) for r in lines) for i in range(len(header))]
    out = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def feedhub_row(run: Run) -> dict:
    t = run.extra.get("timings", {})
    return {
        "wall": run.wall, "inproc": run.extra.get("inproc"), "startup_s": run.extra.get("startup_s"),
        "import_s": t.get("import_s"), "exit_s": run.extra.get("exit_s"), "refresh_s": t.get("refresh_s"), "publish_s": t.get("publish_s"),
        "cpu": run.cpu, "cpu_main": run.cpu_main, "rss_tree": run.rss_tree, "pss_tree": run.pss_tree or None,
        "maxrss": run.maxrss, "procs": run.procs, "farm_cpu": run.extra.get("farm_cpu"),
        "other_cpu": run.extra.get("other_cpu"), "other_cores": run.extra.get("other_cpu", 0) / run.wall, "answers": (run.extra["farm"]["200"], run.extra["farm"]["304"]), "entries": run.extra.get("new_entries"),
    }


def peer_rows(run: Run, rounds: list[dict]) -> tuple[dict, dict]:
    """reader runs both rounds in one process: per round, its own wall and
    CPU (process_time: every thread; reader starts no processes) and the peak
    tree RSS sampled up to the end of that round; for the whole process,
    wall and CPU from outside."""
    r = {o["round"]: o for o in rounds if "round" in o}
    whole = {"proc_wall": run.wall, "proc_cpu": run.cpu, "maxrss": run.maxrss, "procs": run.procs,
             "pss_tree": run.pss_tree or None}
    cold = {**whole, "inproc": r.get(1, {}).get("wall_s"), "cpu": r.get(1, {}).get("cpu_s"),
            "entries": r.get(1, {}).get("new_entries"),
            "rss_tree": run.extra["marks"].get("round1") or run.rss_tree}
    warm = {**whole, "inproc": r.get(2, {}).get("wall_s"), "cpu": r.get(2, {}).get("cpu_s"),
            "entries": r.get(2, {}).get("new_entries"), "rss_tree": run.rss_tree}
    if run.extra["farm"]["200"] or run.extra["farm"]["304"]:
        cold["farm_cpu"] = run.extra.get("farm_cpu")
        cold["other_cpu"] = run.extra.get("other_cpu")
        cold["other_cores"] = run.extra.get("other_cpu", 0) / run.wall
        cold["answers"] = warm["answers"] = (run.extra["farm"]["200"], run.extra["farm"]["304"])
    return cold, warm


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--count", type=int, default=200, help="sources (default 200)")
    p.add_argument("--entries", type=int, default=50, help="entries per source (default 50)")
    p.add_argument("--repeat", type=int, default=1, help="repetitions; medians are reported (default 1)")
    p.add_argument("--categories", default="per-source",
                   help="'per-source' (default: one category per source) or a number of categories, e.g. 10")
    p.add_argument("--gzip", action="store_true", help="the farm gzips its answers")
    p.add_argument("--peer", action="store_true", help="also run lemon24/reader on the same farm")
    p.add_argument("--peer-venv", type=Path, default=DEFAULT_PEER_VENV, help=f"default {DEFAULT_PEER_VENV}")
    p.add_argument("--peer-script", type=Path, default=DEFAULT_PEER_SCRIPT,
                   help="the peer's driver (default: shared/bench/peer_reader.py beside the repository)")
    p.add_argument("--peer-workers", type=int, default=10, help="reader's fetch threads (default 10)")
    p.add_argument("--feedhub-python", default=str(DEFAULT_FEEDHUB_PY),
                   help="python of the virtualenv feedhub is installed in (default: the repo's .venv)")
    p.add_argument("--plain", action="store_true",
                   help="run the `feedhub` console script itself (no stage timings)")
    p.add_argument("--settle-load", type=float, default=0.3,
                   help="before each run, wait until other processes use fewer CPUs than this (default 0.3)")
    p.add_argument("--settle-timeout", type=float, default=30,
                   help="...but wait at most this many seconds; 0 disables waiting (default 30)")
    p.add_argument("--sample-ms", type=float, default=50, help="memory sampling period (default 50 ms)")
    p.add_argument("--no-pss", action="store_true", help="sample RSS only (PSS costs a little CPU)")
    p.add_argument("--keep", action="store_true", help="keep the temp folders (config, store, output)")
    p.add_argument("--label", default="", help="a note printed with the results (e.g. the commit measured)")
    p.add_argument("--json", type=Path, help="write every raw measurement here")
    args = p.parse_args(argv)
    if args.categories != "per-source" and not args.categories.isdigit():
        p.error("--categories: 'per-source' or a number")
    if not Path(args.feedhub_python).exists():
        p.error(f"no python at {args.feedhub_python}")
    if args.peer and not args.peer_script.is_file():
        raise SystemExit(f"cycle: no peer driver at {args.peer_script} (--peer-script names another)")

    subreaper = become_subreaper()
    load0 = os.getloadavg()[0]
    revision = feedhub_revision(args.feedhub_python)
    if args.peer:
        args.peer_python = ensure_peer_venv(args.peer_venv)
        args.peer_version = "3.26"
    top = Path(tempfile.mkdtemp(prefix="feedhub-bench-"))
    # The farm stops by itself after max_seconds: an hour, or more for big
    # farms (5,000 sources x 50 entries: a cold feedhub and reader take
    # minutes each, and the warm runs follow).
    farm = FarmProcess(args.count, args.entries, args.gzip, max_seconds=max(3600, 2 * args.count * args.repeat),
                       workdir=top)
    cat_desc = "one per source" if args.categories == "per-source" else f"{args.categories} categories"
    print(f"cycle: {revision}", file=sys.stderr)
    print(f"cycle: farm {farm.url}: {args.count} feeds x {args.entries} entries "
          f"({farm.info['feed_bytes'] / 1e6:.1f} MB{', gzip' if args.gzip else ''}); categories: {cat_desc}; "
          f"{os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}; subreaper {'on' if subreaper else 'OFF'}",
          file=sys.stderr, flush=True)
    columns: dict[str, list[dict]] = {"feedhub cold": [], "feedhub warm": []}
    if args.peer:
        columns.update({"reader cold": [], "reader warm": []})
    raw: list[dict] = []
    try:
        for rep in range(args.repeat):
            work = top / f"run{rep}"
            work.mkdir()
            config = write_config(work, farm.url, args.count, args.categories)

            def feedhub_pair():
                cold = run_feedhub("cold", args, farm, config, work)
                warm = run_feedhub("warm", args, farm, config, work)
                columns["feedhub cold"].append(feedhub_row(cold))
                columns["feedhub warm"].append(feedhub_row(warm))
                raw.extend({"rep": rep, **r.__dict__} for r in (cold, warm))
                print(f"cycle: rep {rep + 1}: feedhub cold {cold.wall:.2f} s (cpu {cold.cpu:.2f} s, "
                      f"tree {cold.rss_tree / MIB:.0f} MiB), warm {warm.wall:.3f} s; "
                      f"{cold.extra.get('summary', '?')} | {warm.extra.get('summary', '?')}",
                      file=sys.stderr, flush=True)
                if warm.extra["farm"]["304"] != args.count:
                    print(f"cycle: warning: warm run got {warm.extra['farm']['304']} answers 304, "
                          f"expected {args.count}", file=sys.stderr)

            def peer_pair():
                run, rounds = run_peer(args, farm, work)
                cold, warm = peer_rows(run, rounds)
                columns["reader cold"].append(cold)
                columns["reader warm"].append(warm)
                raw.append({"rep": rep, **run.__dict__, "rounds": rounds})
                print(f"cycle: rep {rep + 1}: reader cold {cold['inproc']} s, warm {warm['inproc']} s, "
                      f"process {run.wall:.2f} s, tree {run.rss_tree / MIB:.0f} MiB", file=sys.stderr, flush=True)

            # Alternate who goes first, so neither always runs on a fresher machine.
            order = [feedhub_pair, peer_pair] if args.peer else [feedhub_pair]
            for step in (order if rep % 2 == 0 else order[::-1]):
                step()
    finally:
        farm.stop()
        if not args.keep:
            shutil.rmtree(top, ignore_errors=True)
        else:
            print(f"cycle: kept {top}", file=sys.stderr)

    print()
    print(f"{args.count} sources x {args.entries} entries, categories: {cat_desc}, "
          f"{'gzip, ' if args.gzip else ''}{os.cpu_count()} CPUs, repeat {args.repeat}")
    print(revision + (f" ({args.label})" if args.label else "") + (f"; reader {args.peer_version}" if args.peer else ""))
    print(f"load average at start {load0:.2f}, at end {os.getloadavg()[0]:.2f} (the machine is shared: compare ratios)")
    print()
    print(table(columns))
    print()
    fc, fw = columns["feedhub cold"], columns["feedhub warm"]
    cold_wall = median([r["wall"] for r in fc])
    warm_wall, warm_in = median([r["wall"] for r in fw]), median([r["inproc"] for r in fw])
    peak = max(median([r["rss_tree"] for r in fc]), median([r["rss_tree"] for r in fw]))
    if args.peer:
        rc = median([r["inproc"] for r in columns["reader cold"]])
        if rc and cold_wall:
            in_cold = median([r["inproc"] for r in fc])
            print(f"target cold >= 3x faster than reader: reader round {rc:.2f} s / feedhub process "
                  f"{cold_wall:.2f} s = {rc / cold_wall:.2f}x"
                  + (f" (in-process: {rc / in_cold:.2f}x)" if in_cold else "")
                  + ("  MET" if rc / cold_wall >= 3 else "  NOT MET"))
    print(f"target warm < 0.1 s: process {warm_wall:.3f} s" + (f", in-process {warm_in:.3f} s" if warm_in else "")
          + ("  MET" if warm_wall < 0.1 else ("  NOT MET (in-process: MET)" if warm_in and warm_in < 0.1 else "  NOT MET")))
    # Both measures: the RSS sum counts pages the forkserver shares with its
    # workers once per process; PSS divides them among the sharers.
    pss = max(median([r["pss_tree"] for r in fc]) or 0, median([r["pss_tree"] for r in fw]) or 0)
    print(f"target peak memory < 150 MB: tree RSS {peak / 1e6:.0f} MB ({peak / MIB:.0f} MiB)"
          + ("  MET" if peak < 150e6 else "  NOT MET")
          + (f"; tree PSS {pss / 1e6:.0f} MB ({pss / MIB:.0f} MiB)" + ("  MET" if pss < 150e6 else "  NOT MET") if pss else ""))
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "farm": farm.info,
                                         "feedhub": revision, "loadavg_end": os.getloadavg(),
                                         "columns": columns, "raw": raw}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
