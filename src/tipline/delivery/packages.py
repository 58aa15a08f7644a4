"""What an agency receives: the case as JSON, as CyberTipline-style XML, and the evidence
files as a bundle only the agency's private key opens.

JSON package (`format: tipline.case-package/1`)::

    {"format", "case_id", "version", "previous_version", "idempotency_key", "update",
     "agency", "deadline", "at_risk", "reasons", "channel_chain", "generated_at",
     "content": {"reports": [...], "files": [...], "accounts": [...], "ip_events": [...]}}

`version` is the SHA-256 of canonical `content`, so a receiver can recompute it; `update` is true
when `previous_version` (the last version handed to this agency) is set.

XML package: `<tl:tiplineCase xmlns:tl="urn:tipline:case-package:1" caseId version
previousVersion idempotencyKey agency deadline generatedAt>` holding `<tl:routing atRisk>`
(`tl:reason`, `tl:channel`) and one `<tl:caseReport reportId status>` per report whose child is the
report in the CyberTipline schema (no namespace, exactly as NCMEC's `report`; it validates against
`cyber_tipline.xsd` on its own).

Evidence bundle (`TLB1`): see `seal_bundle` / `open_bundle`.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from lxml import etree
from sqlalchemy.orm import Session

from tipline.agencies.models import Agency
from tipline.delivery import store
from tipline.delivery.models import Delivery
from tipline.delivery.rules import canonical_json
from tipline.ncmec.schema import CyberTiplineSchema, SchemaError
from tipline.routing.models import Route

FORMAT = "tipline.case-package/1"
XML_NS = "urn:tipline:case-package:1"
BUNDLE_MAGIC = b"TLB1"
HKDF_INFO = b"tipline evidence bundle v1"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def case_content(session: Session, case_id: int) -> dict[str, Any]:
    """The content of a case that a receiver acts on. Only stable facts go in (no timestamps
    of our own processing), so the digest changes exactly when the case does."""
    rows = store.case_reports(session, case_id)
    report_ids = [r.id for r, _ in rows]
    files = store.files_of(session, report_ids)
    file_ids = [f.id for f in files]
    clusters = store.clusters_of(session, file_ids)
    matches = store.matches_of(session, file_ids)
    facts = store.facts_of(session, file_ids, sorted(set(clusters.values())))
    return {
        "reports": [_report(r, p) for r, p in rows],
        "files": [_file(f, clusters.get(f.id), matches, facts) for f in files],
        "accounts": [{"report_id": i.report_id, "file_id": i.file_id, "role": i.role,
                      "kind": i.kind, "value": i.value}
                     for i in store.identifiers_of(session, report_ids)],
        "ip_events": [{"report_id": e.report_id, "file_id": e.file_id, "role": e.role,
                       "ip": e.ip, "event": e.event_name, "at": _iso(e.at),
                       "possible_proxy": e.possible_proxy, "port": e.port}
                      for e in store.ip_events_of(session, report_ids)],
    }


def _report(report: Any, reporter: Any) -> dict[str, Any]:
    return {
        "report_id": report.id, "status": report.status,
        "reporter": {"name": reporter.name, "kind": reporter.kind, "country": reporter.country},
        "incident_type": report.incident_type, "incident_at": _iso(report.incident_at),
        "platform": report.platform, "escalate": report.escalate,
        "annotations": report.annotations, "finished_at": _iso(report.finished_at),
        "quality": {"score": report.quality_score, "issues": report.quality_issues},
        "document": report.document,
    }


def _file(f: Any, cluster: int | None, matches: list[tuple[Any, str]], facts: list[Any]
          ) -> dict[str, Any]:
    return {
        "file_id": f.id, "report_id": f.report_id, "file_name": f.file_name or f.upload_name,
        "size": f.size, "md5": f.md5, "sha1": f.sha1, "sha256": f.sha256,
        "media_kind": f.media_kind, "viewed_by_reporter": f.viewed_by_reporter,
        "publicly_available": f.publicly_available,
        "industry_classification": f.industry_classification, "annotations": f.annotations,
        "cluster_id": cluster,
        "matches": [{"bank": name, "entry_id": m.entry_id, "signal_type": m.signal_type,
                     "distance": m.distance, "transform": m.query_label,
                     "suppressed": m.suppressed} for m, name in matches if m.file_id == f.id],
        "classification_facts": [
            {"source": x.source, "age_band": x.age_band, "activity": x.activity,
             "nature": x.nature} for x in facts
            if x.file_id == f.id or (cluster is not None and x.cluster_id == cluster)],
    }


@dataclass(frozen=True)
class Package:
    delivery: Delivery
    agency: Agency
    route: Route | None
    content: dict[str, Any]
    previous_version: str | None


def json_document(package: Package, now: dt.datetime) -> dict[str, Any]:
    d, route = package.delivery, package.route
    return {
        "format": FORMAT, "case_id": d.case_id, "version": d.case_version,
        "previous_version": package.previous_version,
        "update": package.previous_version is not None,
        "idempotency_key": d.idempotency_key, "delivery_id": d.id,
        "agency": package.agency.code,
        "deadline": _iso(route.deadline) if route else None,
        "at_risk": route.at_risk if route else False,
        "reasons": route.reasons if route else [],
        "channel_chain": route.channel_chain if route else [],
        "generated_at": now.isoformat(), "content": package.content,
    }


def json_bytes(package: Package, now: dt.datetime) -> bytes:
    return canonical_json(json_document(package, now))


def xml_bytes(package: Package, schema: CyberTiplineSchema, now: dt.datetime) -> bytes:
    doc = json_document(package, now)
    q = f"{{{XML_NS}}}"
    # A prefix, not a default namespace: the embedded CyberTipline `report` elements have no
    # namespace and must not fall into ours.
    root = etree.Element(q + "tiplineCase", nsmap={"tl": XML_NS})
    attrs = {"caseId": str(doc["case_id"]), "version": doc["version"],
             "previousVersion": doc["previous_version"], "idempotencyKey": doc["idempotency_key"],
             "agency": doc["agency"], "deadline": doc["deadline"],
             "generatedAt": doc["generated_at"]}
    for name, value in attrs.items():
        if value:
            root.set(name, value)
    routing = etree.SubElement(root, q + "routing", atRisk=str(doc["at_risk"]).lower())
    for reason in doc["reasons"]:
        etree.SubElement(routing, q + "reason").text = _text(reason)
    for hop in doc["channel_chain"]:
        etree.SubElement(routing, q + "channel").text = _text(hop)
    for report in package.content["reports"]:
        holder = etree.SubElement(root, q + "caseReport", reportId=str(report["report_id"]),
                                  status=report["status"])
        try:
            holder.append(schema.from_json(report["document"], "report"))
        except SchemaError as exc:  # a document the schema refuses still travels, as JSON
            holder.set("schemaError", exc.message[:500])
            etree.SubElement(holder, q + "documentJson").text = json.dumps(
                report["document"], sort_keys=True)
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# Evidence bundle, format TLB1:
#   b"TLB1" | 32-byte ephemeral X25519 public key | 12-byte nonce | AES-256-GCM(zip)
# key = HKDF-SHA256(ECDH(ephemeral, agency), salt=ephemeral_pub || agency_pub,
#                   info=b"tipline evidence bundle v1", 32 bytes); the magic and the two public
# keys are the GCM associated data. The zip holds `manifest.json` (file ids, sha256, sizes) and
# `files/<sha256>` per file. A fresh ephemeral key per bundle means tipline itself cannot open
# a bundle after sealing it: only the agency's private key can.


def public_key_b64(private_key: X25519PrivateKey) -> str:
    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _derive(shared: bytes, eph_pub: bytes, agency_pub: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_pub + agency_pub,
                info=HKDF_INFO).derive(shared)


def seal_bundle(agency_public_key_b64: str, plaintext: bytes) -> bytes:
    agency_pub = base64.b64decode(agency_public_key_b64, validate=True)
    recipient = X25519PublicKey.from_public_bytes(agency_pub)
    ephemeral = X25519PrivateKey.generate()
    eph_pub = ephemeral.public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)
    key = _derive(ephemeral.exchange(recipient), eph_pub, agency_pub)
    nonce = os.urandom(12)
    header = BUNDLE_MAGIC + eph_pub + agency_pub
    return BUNDLE_MAGIC + eph_pub + nonce + AESGCM(key).encrypt(nonce, plaintext, header)


def open_bundle(private_key: X25519PrivateKey | bytes | str, bundle: bytes) -> dict[str, bytes]:
    """For agencies (and tests): decrypt a bundle with the agency's X25519 private key (object,
    32 raw bytes, or base64 of them) and return {zip member name: bytes}, including
    `manifest.json`. Raises `cryptography.exceptions.InvalidTag` for the wrong key or a
    tampered bundle."""
    if isinstance(private_key, str):
        private_key = base64.b64decode(private_key)
    if isinstance(private_key, bytes):
        private_key = X25519PrivateKey.from_private_bytes(private_key)
    if bundle[:4] != BUNDLE_MAGIC or len(bundle) < 4 + 32 + 12 + 16:
        raise ValueError("not a tipline evidence bundle")
    eph_pub, nonce, sealed = bundle[4:36], bundle[36:48], bundle[48:]
    agency_pub = private_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                       serialization.PublicFormat.Raw)
    shared = private_key.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    plaintext = AESGCM(_derive(shared, eph_pub, agency_pub)).decrypt(
        nonce, sealed, BUNDLE_MAGIC + eph_pub + agency_pub)
    with zipfile.ZipFile(io.BytesIO(plaintext)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_files(manifest: dict[str, Any], files: Iterable[tuple[str, Iterable[bytes]]]) -> bytes:
    """A zip of the evidence; stored, not deflated (media does not compress, and the stream
    is encrypted anyway)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", canonical_json(manifest))
        for sha256, chunks in files:
            with archive.open(f"files/{sha256}", "w") as member:
                for chunk in chunks:
                    member.write(chunk)
    return buffer.getvalue()
