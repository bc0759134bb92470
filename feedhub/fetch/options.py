"""What a fetch may take: its deadline, size cap, redirects and headers.
"""

from __future__ import annotations

from dataclasses import dataclass

import feedhub


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 30.0  # total deadline per fetch, seconds, redirects included
    connect_timeout: float = 10.0
    max_bytes: int = 10 * 1024 * 1024  # cap on the decoded body
    max_redirects: int = 10
    user_agent: str = feedhub.USER_AGENT
    # Sent only to the source URL's own origin: they may carry cookies or tokens.
    headers: tuple[tuple[str, str], ...] = ()
