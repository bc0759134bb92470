"""Running feedhub: one cycle (cycle.py: refresh, then publish), the refresh
of a batch of sources (refresh.py), the daemon's scheduler (scheduler.py) and
when each source is polled next (timing.py)."""
