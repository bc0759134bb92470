"""Logging as a service wants it (issue #13).

Levels: INFO, shown by default, is the lifecycle (started, reloaded,
stopped) and one line per daemon cycle; VERBOSE (`-v`) adds a line per
source and per file written; DEBUG (`-vv`) adds tracebacks and the
libraries' own logs; WARNING is for problems only (`-q` shows nothing
else). `--log-format json` writes one JSON object per line for log shippers.
Every line is redacted (redact.py).
"""

from __future__ import annotations

import json
import logging
import sys
import time

from feedhub.redact import RedactingFormatter, redact

VERBOSE = 15
logging.addLevelName(VERBOSE, "VERBOSE")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (RFC 3339, UTC), level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            doc["traceback"] = self.formatException(record.exc_info)
        return redact(json.dumps(doc, ensure_ascii=False))


def setup_logging(verbosity: int = 0, quiet: bool = False, log_format: str = "text") -> None:
    level = logging.WARNING if quiet else {0: logging.INFO, 1: VERBOSE}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler._feedhub = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "_feedhub", False)]
    for old in ours:
        root.removeHandler(old)
    # Handlers someone else installed (an embedding program, pytest) stay,
    # and then ours is not added, as logging.basicConfig would not.
    if len(root.handlers) == 0:
        root.addHandler(handler)
    root.setLevel(level)
    # Libraries speak only when asked twice.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbosity < 2 else logging.DEBUG)
