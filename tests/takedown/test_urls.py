"""URL normalisation: one spelling per URL; hostile URLs refused or recorded, never contacted."""

from __future__ import annotations

import pytest

from tipline.takedown.urls import UrlRefused, normalise, strip_credentials


@pytest.mark.parametrize(("given", "expected"), [
    ("HTTP://Example.COM:80/A/b?x=1#frag", "http://example.com/A/b?x=1"),
    ("https://example.com:443", "https://example.com/"),
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("example.com/photos", "http://example.com/photos"),
    ("https://example.com/p?utm_source=x&id=7&fbclid=abc&gclid=1", "https://example.com/p?id=7"),
    ("https://bücher.example/ä", "https://xn--bcher-kva.example/%C3%A4"),
    ("https://example.com./a b", "https://example.com/a%20b"),
    ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
])
def test_normal_forms(given: str, expected: str) -> None:
    assert normalise(given).url == expected


def test_spellings_of_one_url_are_one() -> None:
    spellings = ["https://EXAMPLE.com/a?id=1&utm_medium=m", "https://example.com:443/a?id=1#x",
                 "https://example.com/a?id=1"]
    assert len({normalise(s).url for s in spellings}) == 1


def test_credentials_are_never_kept() -> None:
    found = normalise("https://user:hunter2@example.com/x")
    assert found.url == "https://example.com/x" and "hunter2" not in found.url
    assert "credentials in the URL were removed" in found.notes
    assert "hunter2" not in strip_credentials("https://user:hunter2@example.com/x")


@pytest.mark.parametrize(("given", "why"), [
    ("http://127.0.0.1/x", "a loopback address"),
    ("http://localhost:8080/", "a loopback name"),
    ("http://10.1.2.3/", "a private or reserved address"),
    ("http://[::ffff:192.168.0.1]/", "a private or reserved address"),
    ("http://169.254.169.254/latest", "a private or reserved address"),
    ("http://2130706433/", "an IP address in an unusual notation (127.0.0.1)"),
    ("http://0x7f.0.0.1/", "an IP address in an unusual notation (127.0.0.1)"),
    ("http://0177.0.0.1/", "an IP address in an unusual notation (127.0.0.1)"),
    ("http://127.1/", "an IP address in an unusual notation (127.0.0.1)"),
])
def test_hosts_never_contacted_are_recorded_with_the_reason(given: str, why: str) -> None:
    assert normalise(given).refusal == why


def test_loopback_is_contactable_only_where_loopback_is_allowed() -> None:
    assert normalise("http://127.0.0.1:9/x", allow_loopback=True).refusal is None
    assert normalise("http://10.0.0.1/", allow_loopback=True).refusal is not None


def test_public_hosts_may_be_contacted() -> None:
    assert normalise("https://example.com/").refusal is None
    assert normalise("https://93.184.216.34/").refusal is None


def test_look_alike_names_are_flagged() -> None:
    found = normalise("https://p\u0430ypal.com/")  # a Cyrillic a among Latin letters
    assert found.url.startswith("https://xn--")
    assert "mixes writing systems in one label (a look-alike?)" in found.notes


@pytest.mark.parametrize("given", ["ftp://example.com/x", "javascript:alert(1)", "", "http://",
                                   "https://example.com:99999/", "http://" + "a" * 3000,
                                   "https://exa mple.com/"])
def test_what_is_no_url_is_refused_clearly(given: str) -> None:
    with pytest.raises(UrlRefused):
        normalise(given)
