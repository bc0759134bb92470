"""Processes a test started, found through /proc: a process's descendants,
those that carry a run's own marker (its folder) on their command line, and
whether one is still alive (a zombie is not)."""

from __future__ import annotations

import os
from pathlib import Path


def descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in os.listdir(f"/proc/{parent}/task") if os.path.isdir(f"/proc/{parent}/task") else ():
            try:
                children = (Path(f"/proc/{parent}/task/{task}/children").read_text()).split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def marked(marker: str, but: int | None = None) -> set[int]:
    """Live processes whose command line holds ``marker`` (a run's folder:
    the fork server carries it in its sys.path), ``but`` excepted."""
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != but and marker.encode() in cmdline(int(name)) and alive(int(name)):
            found.add(int(name))
    return found
