"""Hash-list feedback written in the formats the lists came in. Pure: rows in, bytes out.

- `ncmec`: votes for NCMEC hash-sharing entries, one per (entry, fingerprint), each with the
  `feedbackSubmission` body NCMEC's API takes at `PUT /v2/entries/{esp}/{entry}/{type}/
  feedback` (`<affirmative/>` or `<negative>`, with `reasonIds` when the centre configured
  NCMEC's reason GUID): a JSON document `tipline.ncmec-votes/1` that an operator (or a
  submitter) sends on; `read_ncmec_votes` reads it back.
- `threatexchange`: the pytx dataset CSV (`signal_type,signal_str,collab,category,tags`), the
  category being the opinion: POSITIVE_CLASS, NEGATIVE_CLASS or DISPUTED; the tags carry the
  counts (`tipline_confirmations:N tipline_disputes:N`).
- `csv`: every column, for anyone.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from lxml import etree

from tipline.feedback.rules import DISPUTED, NEGATIVE, POSITIVE, EntryFeedback
from tipline.feedback.store import Contributed

FORMATS = ("ncmec", "threatexchange", "csv")
NCMEC_NS = "https://hashsharing.ncmec.org/hashsharing/v2"
VOTES_FORMAT = "tipline.ncmec-votes/1"
NCMEC_TYPES = {"md5": "MD5", "sha1": "SHA1", "photodna": "PDNA", "pdq": "PDQ",
               "tmk_pdqf": "TMK_PDQF"}
NCMEC_VENDORS = {"netclean": "NETCLEAN", "videntifier": "VIDENTIFIER",
                 "ssvh-pdna": "SSVH_PDNA", "ssvh-safer-hash": "SSVH_SAFER_HASH"}
TE_CATEGORY = {POSITIVE: "POSITIVE_CLASS", NEGATIVE: "NEGATIVE_CLASS", DISPUTED: "DISPUTED"}
TE_HEADER = ("signal_type", "signal_str", "collab", "category", "tags")
CSV_HEADER = ("contributor", "source_list", "bank", "item", "signal_type", "signal",
              "confirmations", "disputes", "opinion", "why")
Row = tuple[Contributed, EntryFeedback]


def esp_id(contributor: str) -> str | None:
    """NCMEC's member id, as the NCMEC reader names the contributor ("X (NCMEC member 42)")."""
    found = re.search(r"\(NCMEC member (\d+)\)\s*$", contributor)
    return found.group(1) if found else None


def _ncmec_type(signal_type: str, value: str) -> str | None:
    if signal_type in NCMEC_TYPES:
        return NCMEC_TYPES[signal_type]
    vendor = value.partition(":")[0] if signal_type == "vendor" else ""
    return NCMEC_VENDORS.get(vendor)


def submission(vote: str, reason_guid: str | None) -> str:
    root = etree.Element("feedbackSubmission", nsmap={None: NCMEC_NS})
    sentiment = etree.SubElement(root, "affirmative" if vote == "upvote" else "negative")
    if vote == "downvote" and reason_guid:
        etree.SubElement(etree.SubElement(sentiment, "reasonIds"), "guid").text = reason_guid
    return etree.tostring(root, encoding="unicode")


def ncmec_votes(rows: Sequence[Row], reason_guid: str | None = None) -> bytes:
    votes: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for given, fb in rows:
        fingerprint = _ncmec_type(given.signal_type, given.value)
        key = {"entry_id": given.item, "esp_id": esp_id(given.contributor),
               "fingerprint_type": fingerprint}
        if fb.opinion not in (POSITIVE, NEGATIVE) or not given.item or not fingerprint:
            skipped.append({**key, "opinion": fb.opinion, "signal_type": given.signal_type})
            continue
        vote = "upvote" if fb.opinion == POSITIVE else "downvote"
        votes.append({**key, "vote": vote, "why": sorted(fb.why),
                      "path": f"{key['esp_id']}/{given.item}/{fingerprint}/feedback",
                      "submission": submission(vote, reason_guid)})
    return _json({"format": VOTES_FORMAT, "votes": votes, "not_voted": skipped})


def read_ncmec_votes(data: bytes) -> list[tuple[str, str, str]]:
    """(entry id, fingerprint type, upvote|downvote) of a votes document, each vote read from
    its `feedbackSubmission` (which must agree with the vote it is filed under)."""
    document = json.loads(data)
    if document.get("format") != VOTES_FORMAT:
        raise ValueError(f"not a {VOTES_FORMAT} document")
    found = []
    for vote in document["votes"]:
        root = etree.fromstring(vote["submission"].encode())
        tags = [etree.QName(child).localname for child in root]
        said = {"affirmative": "upvote", "negative": "downvote"}.get(tags[0] if tags else "")
        if root.tag != f"{{{NCMEC_NS}}}feedbackSubmission" or said is None \
                or said != vote["vote"]:
            raise ValueError(f"vote for {vote['entry_id']} does not match its submission")
        found.append((vote["entry_id"], vote["fingerprint_type"], said))
    return found


def _pytx_type(given: Contributed) -> str:
    video = given.content_type == "video"
    if given.signal_type in ("md5", "sha256") and video:
        return f"video_{given.signal_type}"
    return given.signal_type


def threatexchange_csv(rows: Sequence[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TE_HEADER)
    for given, fb in rows:
        if fb.opinion is None:
            continue
        writer.writerow([_pytx_type(given), given.value, given.source_list,
                         TE_CATEGORY[fb.opinion], f"tipline_confirmations:{fb.confirmations} "
                                                  f"tipline_disputes:{fb.disputes}"])
    return out.getvalue().encode()


def plain_csv(rows: Sequence[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for given, fb in rows:
        writer.writerow([given.contributor, given.source_list, given.bank, given.item or "",
                         given.signal_type, given.value, fb.confirmations, fb.disputes,
                         fb.opinion or "", "; ".join(sorted(fb.why))])
    return out.getvalue().encode()


def write(fmt: str, rows: Sequence[Row], reason_guid: str | None = None) -> bytes:
    if fmt == "ncmec":
        return ncmec_votes(rows, reason_guid)
    if fmt == "threatexchange":
        return threatexchange_csv(rows)
    return plain_csv(rows)


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False).encode() + b"\n"
