"""Helpers die with their parent (issue #22).

feedhub's process pool runs in processes of its own: a fork server, which
forks the workers, and multiprocessing's resource tracker. Killed with
SIGKILL (by a user, a container runtime, the OOM killer), the main process
left them running for ever: 110 MB each time. Linux's parent-death signal
(prctl PR_SET_PDEATHSIG) ends a process when its parent does: the fork
server is set to die with the main process (this module, preloaded in it
first), each worker with the fork server (pool.setup_worker); the resource
tracker then sees its pipe close and exits by itself. Elsewhere than Linux
this does nothing.
"""

from __future__ import annotations

import os
import signal
import sys

# The main process's pid, set by it before it starts the fork server.
PARENT_ENV = "FEEDHUB_POOL_PARENT"


def die_with_parent(expected_parent: int | None = None) -> None:
    """Be killed when the parent process ends; exit now if it already has
    (the signal is only armed for a parent still alive)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: not Linux
        return
    if expected_parent is not None and os.getppid() != expected_parent:
        os._exit(0)  # the parent died before the signal was armed


# Imported by the fork server (its first preload), a direct child of the
# main process that named itself in the environment. Any other importer (the
# main process, a worker) is not a fork server's main program, and is left
# alone.
_parent = os.environ.get(PARENT_ENV)
# In the fork server: its own pid, which the workers it forks inherit, to
# tell whether it is still their parent when they arm their own signal.
FORK_SERVER: int | None = None
if _parent and _parent.isdigit() and "multiprocessing.forkserver" in sys.modules and sys.argv[:1] == ["-c"]:
    # Its parent, if alive, is the main process that named itself; if that
    # one died while this one started, there is nobody to serve.
    die_with_parent(int(_parent))
    FORK_SERVER = os.getpid()
