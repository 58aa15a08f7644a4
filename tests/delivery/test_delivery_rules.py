from __future__ import annotations

import random

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from tipline.delivery.packages import open_bundle, public_key_b64, seal_bundle, zip_files
from tipline.delivery.rules import (
    backoff,
    case_version,
    idempotency_key,
    judge_ack,
    percentile,
    retry_wait,
    sign,
    verify,
)


def test_signature_round_trip_and_tampering() -> None:
    header = sign("s3cret", 1_700_000_000, b'{"a":1}')
    assert header.startswith("t=1700000000,v1=")
    assert verify("s3cret", header, b'{"a":1}', 1_700_000_010)
    assert not verify("s3cret", header, b'{"a":2}', 1_700_000_010)
    assert not verify("other", header, b'{"a":1}', 1_700_000_010)
    assert not verify("s3cret", header, b'{"a":1}', 1_700_001_000)  # replayed late
    assert not verify("s3cret", "garbage", b"", 0)


def test_version_depends_on_content_only() -> None:
    assert case_version({"a": [1, 2], "b": 1}) == case_version({"b": 1, "a": [1, 2]})
    assert case_version({"a": [1, 2]}) != case_version({"a": [2, 1]})
    assert idempotency_key(4, 2, "ab" * 32) == f"case-4-agency-2-v{'ab' * 8}"


def test_acknowledgement_needs_2xx_and_received_true() -> None:
    assert judge_ack(200, b'{"received": true}').ok
    assert judge_ack(202, b'{"received": true, "ref": "x"}').detail["body"]["ref"] == "x"
    assert not judge_ack(200, b'{"received": "yes"}').ok
    assert not judge_ack(200, b"<html>").ok
    assert judge_ack(500, b'{"received": true}').error == "HTTP 500"


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(1)
    waits = [backoff(n, 1.0, 60.0, rng) for n in range(1, 12)]
    assert 0.5 <= waits[0] <= 1.0 and all(w <= 60 for w in waits) and waits[-1] >= 30
    assert len({backoff(3, 1.0, 60.0, rng) for _ in range(5)}) > 1


def test_retries_speed_up_as_the_deadline_nears() -> None:
    rng = random.Random(2)
    far = retry_wait(10, 30.0, 3600.0, deadline_left=7 * 86400, rng=rng)
    near = retry_wait(10, 30.0, 3600.0, deadline_left=600, rng=rng)
    last = retry_wait(10, 30.0, 3600.0, deadline_left=60, rng=rng)
    assert far >= 1800 and near <= 150 and last == 30.0  # never faster than the base
    assert retry_wait(10, 30.0, 3600.0, deadline_left=None, rng=rng) >= 1800
    assert retry_wait(10, 30.0, 3600.0, deadline_left=-5, rng=rng) >= 1800  # passed: plain


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 50) == 2 and percentile(list(range(1, 101)), 95) == 95


def test_bundle_opens_only_with_the_agency_key() -> None:
    key = X25519PrivateKey.generate()
    sealed = seal_bundle(public_key_b64(key), zip_files({"n": 1}, [("ab", [b"x", b"y"])]))
    assert open_bundle(key, sealed)["files/ab"] == b"xy"
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    for bad_key, blob in ((X25519PrivateKey.generate(), sealed), (key, tampered)):
        try:
            open_bundle(bad_key, blob)
        except Exception as exc:
            assert type(exc).__name__ == "InvalidTag"
        else:
            raise AssertionError("opened")
