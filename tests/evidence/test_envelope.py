"""Envelope encryption: a data key per file wrapped by a master key with an id; rotation
re-wraps without downtime (files open before, during and after); files from before envelopes
still open and are converted by a rotation."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tipline.audit.models import AuditEvent
from tipline.cli import app
from tipline.evidence.crypto import EvidenceIntegrityError, encrypt_chunks
from tipline.evidence.envelope import LEGACY_ID, MAGIC2, Keyring
from tipline.evidence.store import LocalEvidenceStore
from tipline.state import AppState

K1, K2 = os.urandom(32), os.urandom(32)


def _put(store: LocalEvidenceStore, content: bytes) -> str:
    address = hashlib.sha256(content).hexdigest()
    store.put(address, io.BytesIO(content))
    return address


def _read(store: LocalEvidenceStore, address: str) -> bytes:
    return b"".join(store.open(address))


def test_each_file_has_its_own_wrapped_data_key(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path, Keyring("k1", {"k1": K1}))
    a, b = _put(store, b"first file"), _put(store, b"second file")
    raw_a, raw_b = store._path(a).read_bytes(), store._path(b).read_bytes()
    assert raw_a[:4] == MAGIC2 and raw_a[4:6] == b"k1"
    assert raw_a[20:80] != raw_b[20:80]  # different wrapped data keys
    assert _read(store, a) == b"first file"
    # A header moved onto another file does not unwrap there.
    store._path(b).write_bytes(raw_a[:80] + raw_b[80:])
    with pytest.raises(EvidenceIntegrityError, match="does not unwrap"):
        _read(store, b)


def test_rotation_rewraps_and_every_file_opens_before_during_and_after(tmp_path: Path) -> None:
    old = LocalEvidenceStore(tmp_path, Keyring("k1", {"k1": K1}))
    big = os.urandom(3 * 1024 * 1024 + 5)  # several chunks
    addresses = [_put(old, big), _put(old, b"small")]
    rotating = LocalEvidenceStore(tmp_path, Keyring("k2", {"k1": K1, "k2": K2}))
    reading = rotating.open(addresses[0])
    first = next(reading)  # a reader is half-way through when its file is re-wrapped
    assert [rotating.rewrap(a) for a in addresses] == [True, True]
    assert first + b"".join(reading) == big
    assert rotating.rewrap(addresses[0]) is False  # already under k2
    new_only = LocalEvidenceStore(tmp_path, Keyring("k2", {"k2": K2}))
    assert _read(new_only, addresses[0]) == big and _read(new_only, addresses[1]) == b"small"
    with pytest.raises(EvidenceIntegrityError, match="'k2', which is not configured"):
        _read(LocalEvidenceStore(tmp_path, Keyring("k1", {"k1": K1})), addresses[1])


def test_files_from_before_envelopes_open_and_are_converted(tmp_path: Path) -> None:
    content = b"written by the first format"
    address = hashlib.sha256(content).hexdigest()
    store = LocalEvidenceStore(tmp_path, K1)  # a bare key is also the legacy files' key
    path = store._path(address)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"".join(encrypt_chunks(K1, address, [content])))
    assert _read(store, address) == content
    rotating = LocalEvidenceStore(tmp_path, Keyring("k2", {LEGACY_ID: K1, "k2": K2}))
    assert rotating.rewrap(address) is True
    assert path.read_bytes()[:4] == MAGIC2
    assert _read(LocalEvidenceStore(tmp_path, Keyring("k2", {"k2": K2})), address) == content


@pytest.mark.usefixtures("cli_env")
def test_keys_rotate_from_the_command_line(state: AppState, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    address = _put(state.evidence, b"evidence before the rotation")  # type: ignore[arg-type]
    new_key = base64.b64encode(K2).decode()
    monkeypatch.setenv("TIPLINE_EVIDENCE_RETIRED_KEYS", f"k1={state.settings.evidence_key}")
    monkeypatch.setenv("TIPLINE_EVIDENCE_KEY", new_key)
    monkeypatch.setenv("TIPLINE_EVIDENCE_KEY_ID", "k2")
    result = CliRunner().invoke(app, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "re-wrapped 1 with master key 'k2'" in result.output
    store = LocalEvidenceStore(state.settings.resolved_evidence_dir, Keyring("k2", {"k2": K2}))
    assert _read(store, address) == b"evidence before the rotation"
    with state.db.sessions() as session:
        events = session.query(AuditEvent).filter(AuditEvent.action == "evidence.rewrap").all()
    assert [(e.object_id, e.detail["rewrapped"]) for e in events] == [("k2", 1)]
