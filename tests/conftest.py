import sys
from pathlib import Path

# Test helpers (httpserver, readers) are plain modules beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

from httpserver import http_server  # noqa: E402,F401  (the fixture)
