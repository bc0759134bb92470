"""feedhub: polls news feeds, merges the same story from several outlets into
one entry that credits every outlet, and publishes per-category feeds."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/feedhub/feedhub"
USER_AGENT = f"feedhub/{__version__} (+{PROJECT_URL})"
