"""Re-checks see only an HTTP status, never a body, each within its time limit: 404, 410, a
name that does not resolve and a refused connection count as gone; a hang, a reset, a loop
or a redirect into private space are recorded as what they were."""

from __future__ import annotations

import pytest

from routing_support import FakeResolver
from takedown_support import closed_port
from tipline.takedown.checker import Checker

HOSTS = {"host.test": ["127.0.0.1"], "private.test": ["10.0.0.9"],
         "mixed.test": ["127.0.0.1", "192.168.1.1"]}


@pytest.fixture
def checker() -> Checker:
    built = Checker(FakeResolver(HOSTS), timeout=2.0, allow_loopback=True, concurrency=4)
    yield built  # type: ignore[misc]
    built.close()


@pytest.mark.parametrize(("mode", "seen", "detail"), [
    ("ok", "up", "HTTP 200"), ("gone", "gone", "HTTP 404"), ("gone410", "gone", "HTTP 410"),
    ("error", "up", "HTTP 500"), ("loop", "up", "redirect loop"),
    ("to:http://private.test/x", "up", "forbidden address 10.0.0.9"),
    ("to:http://mixed.test/x", "up", "forbidden address 192.168.1.1"),
    ("to:/elsewhere", "up", "HTTP 200"), ("reset", "error", ""), ("hang", "error", "time"),
])
def test_what_a_check_sees(checker: Checker, host: object, mode: str, seen: str,
                           detail: str) -> None:
    port = host.server_address[1]  # type: ignore[attr-defined]
    host.modes["/x"] = mode  # type: ignore[attr-defined]
    found = checker.check(f"http://host.test:{port}/x")
    assert found.seen == seen
    assert detail in found.detail


def test_a_host_dripping_its_headers_is_given_up_at_the_time_limit(checker: Checker,
                                                                   host: object) -> None:
    port = host.server_address[1]  # type: ignore[attr-defined]
    host.modes["/drip"] = "drip"  # type: ignore[attr-defined]
    found = checker.check(f"http://host.test:{port}/drip")
    assert (found.seen, found.detail) == ("error", "time limit reached: the host answers too "
                                                   "slowly")


def test_a_huge_body_is_never_read(checker: Checker, host: object) -> None:
    port = host.server_address[1]  # type: ignore[attr-defined]
    host.modes["/big"] = "big"  # type: ignore[attr-defined]
    found = checker.check(f"http://host.test:{port}/big")
    assert (found.seen, found.detail) == ("up", "HTTP 200")


def test_no_dns_and_refused_count_as_gone(checker: Checker) -> None:
    assert checker.check("http://unknown.test/x").seen == "no_dns"
    assert checker.check(f"http://host.test:{closed_port()}/x").seen == "refused"


def test_loopback_is_refused_unless_allowed(host: object) -> None:
    port = host.server_address[1]  # type: ignore[attr-defined]
    strict = Checker(FakeResolver(HOSTS), timeout=2.0, allow_loopback=False)
    try:
        found = strict.check(f"http://host.test:{port}/x")
    finally:
        strict.close()
    assert "forbidden address 127.0.0.1" in found.detail
    assert host.hits == []  # type: ignore[attr-defined]


def test_many_checks_at_once_keep_their_order(checker: Checker, host: object) -> None:
    port = host.server_address[1]  # type: ignore[attr-defined]
    host.modes.update({f"/{i}": "gone" if i % 2 else "ok" for i in range(12)})  # type: ignore[attr-defined]
    found = checker.check_many([f"http://host.test:{port}/{i}" for i in range(12)])
    assert [f.seen for f in found] == ["gone" if i % 2 else "up" for i in range(12)]


def test_with_dns_off_a_name_is_never_looked_up_nor_gone(host: object) -> None:
    resolver = FakeResolver(HOSTS)
    off = Checker(resolver, timeout=2.0, allow_loopback=True, resolve_names=False)
    port = host.server_address[1]  # type: ignore[attr-defined]
    try:
        named = off.check("http://unknown.test/x")
        literal = off.check(f"http://127.0.0.1:{port}/x")
    finally:
        off.close()
    assert named.seen == "error" and "DNS lookups are off" in named.detail
    assert resolver.asked == [] and literal.seen == "up"
