"""Deconfliction rules without a database: watched values are normalised like reports'."""

from __future__ import annotations

import pytest

from tipline.deconfliction import rules
from tipline.deconfliction.rules import WatchError as RegistryError


def test_watch_values_are_normalised_like_reports() -> None:
    assert rules.normalise_watch("email", " Fox@Example.TEST ") == "fox@example.test"
    assert rules.normalise_watch("account", "user-1", service="ExampleChat") == \
        "examplechat|user-1"
    assert rules.normalise_watch("account", "ExampleChat|user-1") == "examplechat|user-1"
    assert rules.normalise_watch("ip", "::ffff:192.0.2.5") == "192.0.2.5"
    assert rules.normalise_watch("phone", "+46 70-123 45 67") == "+46701234567"
    assert rules.normalise_watch("hash", "MD5:" + "A" * 32) == "md5:" + "a" * 32
    assert rules.normalise_watch("hash", "b" * 64, algorithm="pdq") == "pdq:" + "b" * 64
    for kind, value in (("hash", "md5:abc"), ("ip", "not-an-ip"), ("account", "no-service"),
                        ("email", "  ")):
        with pytest.raises(RegistryError):
            rules.normalise_watch(kind, value)
