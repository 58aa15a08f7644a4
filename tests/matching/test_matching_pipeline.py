"""Bank matching end to end: bank entries from media, reports through the HTTP API, matches
with provenance; negative banks; freshness of the live index; the match API."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import select

from tipline.audit.service import Actor
from tipline.banks import service
from tipline.banks.media import records_from_media
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.client import JsonClient
from tipline.matching.models import FileMatch
from tipline.state import AppState
from tipline.synthetic.images import generate, to_jpeg, variants

from factories import file_doc, report_doc
from support import PATIENCE, LiveServer

ACTOR = Actor("test")


def add_media_to_bank(state: AppState, bank: str, data: bytes, kind: str = "positive",
                      **template: object) -> None:
    base = HashRecord(signal_type="", value="", contributor="Example Hotline",
                      classifications={"industry": "A1"}, jurisdictions=("GB",), **template)  # type: ignore[arg-type]
    records, extra = records_from_media(data, base)
    with state.db.transaction() as s:
        found = service.store.bank_by_name(s, bank)
        target = found or service.create_bank(s, BankCreate(name=bank, kind=kind), ACTOR)
        service.add_records(s, target, records, ACTOR, variants=extra)
    state.index.notify()


def submit(server: LiveServer, creds: tuple[str, str], files: dict[str, bytes]) -> int:
    client = JsonClient(server.url, *creds)
    report_id = client.submit(report_doc())
    for name, data in files.items():
        uploaded = client.upload(report_id, name, data)
        client.describe(report_id, uploaded["file_id"], file_doc(fileName=name))
    client.finish(report_id)
    server.wait_processed(report_id)
    return report_id


def matches_of(state: AppState, report_id: int) -> dict[str, list[FileMatch]]:
    with state.db.sessions() as s:
        rows = s.scalars(select(FileMatch).where(FileMatch.report_id == report_id))
        by_name: dict[str, list[FileMatch]] = {}
        for row in rows:
            by_name.setdefault(row.file_id, []).append(row)
        return by_name


def test_variants_of_a_bank_image_match(server: LiveServer, reporter: tuple[str, str],
                                        state: AppState) -> None:
    original = generate(7)
    add_media_to_bank(state, "known", to_jpeg(original))
    copies = variants(original)
    chosen = {k: copies[k] for k in ("resized_50", "jpeg_q30", "rot90", "mirror", "border")}
    unrelated = to_jpeg(generate(99))
    report_id = submit(server, reporter, {**chosen, "unrelated": unrelated})
    by_file = matches_of(state, report_id)
    with state.db.sessions() as s:
        from tipline.reports.models import ReportFile
        names = {f.id: f.file_name for f in s.scalars(select(ReportFile))}
    matched = {names[f] for f in by_file}
    assert matched == set(chosen)
    rotated = next(m for f, ms in by_file.items() if names[f] == "rot90" for m in ms)
    assert rotated.signal_type == "pdq" and rotated.distance <= 31


def test_exact_match_and_negative_bank(server: LiveServer, reporter: tuple[str, str],
                                       state: AppState) -> None:
    data = to_jpeg(generate(11))
    add_media_to_bank(state, "known", data)
    add_media_to_bank(state, "benign", data, kind="negative")
    report_id = submit(server, reporter, {"a.jpg": data})
    [rows] = matches_of(state, report_id).values()
    positive = [m for m in rows if m.suppressed_by is not None or m.suppressed]
    assert positive and all(m.suppressed_by == "benign" for m in positive)
    assert any(m.signal_type in ("md5", "sha256") and m.distance == 0 for m in rows)


def test_new_entry_is_matchable_within_a_second(server: LiveServer, reporter: tuple[str, str],
                                                state: AppState, http: httpx.Client) -> None:
    data = to_jpeg(generate(21))
    body = {"hashes": [{"type": "sha256", "value": __import__("hashlib").sha256(
        data).hexdigest()}]}
    add_media_to_bank(state, "fresh", data)
    deadline = time.monotonic() + PATIENCE  # a busy machine answers slowly
    result = None
    while time.monotonic() < deadline:
        result = http.post(f"{server.url}/api/v1/match/hashes", json=body, auth=reporter).json()
        if result[0]["matches"]:
            break
    assert result and result[0]["matches"][0]["bank"] == "fresh"
    pdq_files = http.post(f"{server.url}/api/v1/match/media", auth=reporter,
                          files=[("file", ("x.jpg", variants(generate(21))["rot180"]))]).json()
    [media] = pdq_files
    assert media["matches"] and media["matches"][0]["provenance"][0]["contributor"] == \
        "Example Hotline"


def test_disabled_entry_stops_matching(server: LiveServer, reporter: tuple[str, str],
                                       state: AppState, http: httpx.Client) -> None:
    data = to_jpeg(generate(31))
    add_media_to_bank(state, "known", data)
    records, _ = records_from_media(data, HashRecord(signal_type="", value=""))
    pdq = next(r.value for r in records if r.signal_type == "pdq")
    body = {"hashes": [{"type": "pdq", "value": pdq}]}
    assert http.post(f"{server.url}/api/v1/match/hashes", json=body,
                     auth=reporter).json()[0]["matches"]
    with state.db.transaction() as s:
        bank = service.require_bank(s, "known")
        service.set_entry_enabled(s, bank, "pdq", pdq, False, ACTOR)
    state.index.notify()
    deadline = time.monotonic() + PATIENCE  # a busy machine answers slowly
    while time.monotonic() < deadline:
        left = http.post(f"{server.url}/api/v1/match/hashes", json=body,
                         auth=reporter).json()[0]["matches"]
        if not left:
            break
    assert not left


def test_bad_hash_is_refused(server: LiveServer, reporter: tuple[str, str],
                             http: httpx.Client) -> None:
    r = http.post(f"{server.url}/api/v1/match/hashes", auth=reporter,
                  json={"hashes": [{"type": "md5", "value": "xyz"}]})
    assert r.status_code == 400 and "hashes[0]" in r.json()["error"]["message"]


def test_transcoded_copy_of_a_bank_video_matches(server: LiveServer, reporter: tuple[str, str],
                                                 state: AppState) -> None:
    from tipline.synthetic.videos import make_video, transcode

    known = make_video(5, seconds=4.0)
    add_media_to_bank(state, "videos", known)
    copy = transcode(known, size=(96, 72))
    other = make_video(77, seconds=4.0)
    report_id = submit(server, reporter, {"copy.mp4": copy, "other.mp4": other})
    with state.db.sessions() as s:
        from tipline.reports.models import ReportFile
        names = {f.id: f.file_name for f in s.scalars(select(ReportFile))}
        kinds = {f.file_name: f.media_kind for f in s.scalars(select(ReportFile))}
    by_file = matches_of(state, report_id)
    matched = {names[f]: ms for f, ms in by_file.items()}
    assert kinds == {"copy.mp4": "video", "other.mp4": "video"}
    assert set(matched) == {"copy.mp4"}
    [hit] = [m for m in matched["copy.mp4"] if m.signal_type == "vpdq"]
    assert hit.query_label.startswith("vpdq:")
