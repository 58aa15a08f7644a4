"""Access tests build their world with the routing and delivery test helpers, which live
beside those domains' tests: make them importable here too."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
for helpers in ("delivery",):
    if str(TESTS / helpers) not in sys.path:
        sys.path.append(str(TESTS / helpers))
