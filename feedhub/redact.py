"""No secret is ever printed (issue #13).

A value the config took from the environment (`${FEEDHUB_DB_PASSWORD}`), a
password in a URL's userinfo (RFC 3986 §3.2.1 deprecates it for exactly this
reason) and a token in a query string are replaced by `***` in every error,
log line, `check-config` and `status` output: they all go through `redact`.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

# Values expanded from ${VAR} by config.load_config, in this process.
_SECRETS: set[str] = set()

# Query parameters that carry credentials by common convention.
_SENSITIVE = ("access_token", "api_key", "apikey", "auth", "key", "passwd", "password", "pwd", "secret",
              "session", "sig", "signature", "token")
_USERINFO = re.compile(r"(?<=://)([^/@\s:'\"]*):([^/@\s'\"]*)@")
_QUERY = re.compile(r"([?&;](?:%s)=)[^&#\s'\"]*" % "|".join(_SENSITIVE), re.IGNORECASE)


def register_secret(value: str) -> None:
    # A value of a character or two cannot be told from the text around it:
    # starring every "x" would garble every message, and hide nothing.
    if len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
        encoded = quote(secret, safe="")
        if encoded != secret:
            text = text.replace(encoded, "***")
    text = _USERINFO.sub(lambda m: f"{m.group(1)}:***@", text)
    return _QUERY.sub(r"\1***", text)


class RedactingFormatter(logging.Formatter):
    """A log formatter whose every line, traceback included, is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
