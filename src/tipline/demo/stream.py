"""A deterministic stream of benign synthetic reports, as specs that any runner can submit.

Everything is invented: images are procedural (`tipline.synthetic`), people are a small cast of
made-up accounts on reserved domains (RFC 2606) posting from documentation address ranges
(RFC 5737, RFC 3849). The stream is built so that later stages have something to find: the
same image re-posted as edited copies across reports, accounts sharing emails and IPs. It also
carries what real integrations get wrong, so the quality checks and error codes show up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from tipline.ncmec.schema import load_schema, to_xml_bytes
from tipline.synthetic import VARIANT_KINDS, generate, to_jpeg, variants

Api = Literal["ncmec", "json"]
CP = "Child Pornography (possession, manufacture, and distribution)"
IMAGE_SIZE = (400, 300)  # small: the demo is about the flow, not about big files


@dataclass(frozen=True)
class DemoReporter:
    name: str
    username: str
    password: str
    kind: str
    country: str
    api: Api  # the API this organisation's integration speaks
    platform: str | None = None
    domain: str = "example.test"


# Demo credentials are public on purpose; the runner refuses to create them in production.
REPORTERS = (
    DemoReporter("PhotoShare (demo)", "demo-photoshare", "demo-photoshare-pw", "platform", "US",
                 "ncmec", "PhotoShare", "photoshare.example"),
    DemoReporter("ChatterBox (demo)", "demo-chatterbox", "demo-chatterbox-pw", "platform", "GB",
                 "json", "ChatterBox", "chatterbox.example"),
    DemoReporter("Demo Hotline", "demo-hotline", "demo-hotline-pw1", "hotline", "NL", "json"),
    DemoReporter("Demo Trusted Flagger", "demo-flagger", "demo-flagger-pw1", "trusted_flagger",
                 "DE", "ncmec"),
)


@dataclass(frozen=True)
class Account:
    """An invented account that posts the images; several share emails and IPs on purpose."""

    handle: str
    email: str
    ips: tuple[str, ...]


CAST = (
    Account("shadow_fox", "fox.demo@example.test", ("198.51.100.23", "2001:db8:5::17")),
    Account("night_owl", "owl.demo@example.org", ("198.51.100.23", "203.0.113.40")),
    Account("blue_jay", "jay.demo@example.net", ("192.0.2.10",)),
    # Same email as shadow_fox: one person's second account.
    Account("grey_wolf", "fox.demo@example.test", ("203.0.113.77", "2001:db8:5::17")),
    Account("red_kite", "kite.demo@example.com", ("192.0.2.10", "203.0.113.40")),
)


@dataclass(frozen=True)
class FileSpec:
    name: str
    content: bytes = field(repr=False)
    details: dict[str, Any] | None  # fileDetails in JSON form; None: the file is not described
    image: int  # which base image this is a copy of (ground truth for matching)
    variant: str  # "original" or one of tipline.synthetic.VARIANT_KINDS


@dataclass(frozen=True)
class ReportSpec:
    index: int
    key: str  # idempotency key; the runner prefixes it with a run id
    reporter: DemoReporter
    api: Api
    label: str  # what this report shows, for the display
    document: dict[str, Any] | None  # report in JSON form (built as XML for the ncmec API)
    files: tuple[FileSpec, ...] = ()
    raw: bytes | None = field(default=None, repr=False)  # sent verbatim instead of document
    password: str | None = None  # overrides the reporter's password
    late_upload_to: int | None = None  # index of an earlier report to upload to once finished
    retry_submit: bool = False  # submit twice with one key, as a client retrying a timeout
    expect_code: int = 0  # 0: accepted; else the response code it must be rejected with
    accounts: tuple[str, ...] = ()  # handles reported (ground truth for linking)


# Integration mistakes, cycled over the valid reports so that even a short stream shows them.
FLAWS = (None, "no_ip", "undescribed_file", None, "future_date", "ip_time_missing", None,
         "internal_ip")

# Malformed requests: (kind, api, expected code, label). The first ones are the most telling,
# since a short stream only has room for a few.
FAULTS: tuple[tuple[str, Api, int, str], ...] = (
    ("broken_xml", "ncmec", 4110, "truncated XML"),
    ("json_unknown_field", "json", 4100, "unknown JSON field"),
    ("wrong_password", "json", 2000, "wrong password"),
    ("late_upload", "ncmec", 5102, "upload after finish"),
    ("doctype", "ncmec", 4110, "XXE: DOCTYPE entity"),
    ("unknown_element", "ncmec", 4100, "unknown XML element"),
    ("out_of_order", "ncmec", 4100, "XML out of order"),
)


class _Images:
    """Base images and their edited copies, generated once each."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._copies: dict[int, dict[str, bytes]] = {}

    def get(self, image: int, variant: str) -> bytes:
        if image not in self._copies:
            img = generate(self.seed * 1000 + image, IMAGE_SIZE)
            # Same bytes as original_image(seed, image).
            self._copies[image] = {"original": to_jpeg(img), **variants(img, seed=image)}
        return self._copies[image][variant]


def original_image(seed: int, image: int) -> bytes:
    """The original of base image `image`, byte for byte as the stream first posts it (what a
    hash bank would have been given)."""
    return to_jpeg(generate(seed * 1000 + image, IMAGE_SIZE))


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _files(rng: random.Random, images: _Images, pool: int, seen: set[int], index: int,
           when: dt.datetime, flaw: str | None) -> tuple[FileSpec, ...]:
    out = []
    for n, image in enumerate(rng.sample(range(pool), min(pool, rng.choice((1, 1, 2, 2, 3))))):
        # The first appearance of an image is the original; later ones are re-posted copies
        # (sometimes the very same file).
        variant = rng.choice(("original", *VARIANT_KINDS)) if image in seen else "original"
        seen.add(image)
        content = images.get(image, variant)
        name = f"IMG_{index:03d}_{n + 1}.jpg"
        details: dict[str, Any] | None = {
            "fileName": name,
            "uploadedToEspTimestamp": _iso(when - dt.timedelta(minutes=5 + n)),
            "fileViewedByEsp": rng.random() < 0.8,
            "publiclyAvailable": rng.random() < 0.3,
            "industryClassification": rng.choice(("A1", "A2", "B1", "B2")),
            "originalFileHash": [{"value": hashlib.md5(content).hexdigest(),
                                  "@hashType": "MD5"}],
        }
        out.append(FileSpec(name, content, details, image, variant))
    if flaw == "undescribed_file":
        out[-1] = replace(out[-1], details=None)
    return tuple(out)


def _person(account: Account, reporter: DemoReporter, when: dt.datetime,
            flaw: str | None, rng: random.Random) -> dict[str, Any]:
    person: dict[str, Any] = {"screenName": account.handle}
    if reporter.platform is None:  # hotlines and flaggers only see a public profile
        person["profileUrl"] = f"https://social.example.test/{account.handle}"
        return person
    person["personOrUserReportedPerson"] = {"email": [account.email]}
    digest = hashlib.sha256(f"{reporter.platform}/{account.handle}".encode()).hexdigest()
    person["espIdentifier"] = f"{reporter.platform.lower()}-{int(digest[:8], 16) % 10**7}"
    person["espService"] = reporter.platform
    if flaw != "no_ip":
        ip = "10.20.30.40" if flaw == "internal_ip" else rng.choice(account.ips)
        event: dict[str, Any] = {"ipAddress": ip, "eventName": "Upload", "port": 443}
        if flaw != "ip_time_missing":
            event["dateTime"] = _iso(when - dt.timedelta(minutes=4))
        person["ipCaptureEvent"] = [event]
    return person


def _valid(index: int, rng: random.Random, images: _Images, pool: int, seen: set[int],
           now: dt.datetime, seed: int) -> ReportSpec:
    reporter = REPORTERS[index % len(REPORTERS)]
    # Shifted each round so that every reporter meets every flaw.
    flaw = FLAWS[(index + index // len(REPORTERS)) % len(FLAWS)]
    if reporter.platform is None and flaw in ("no_ip", "ip_time_missing", "internal_ip"):
        flaw = None  # without IPs anyway
    accounts = rng.sample(CAST, 2 if rng.random() < 0.2 else 1)
    # Incidents of the last six days: with a 7-day retention window (assumed where unknown) the
    # demo's deadlines are still ahead, and the oldest cases are escalated for them.
    when = now - dt.timedelta(hours=rng.randrange(6, 144), minutes=rng.randrange(60))
    if flaw == "future_date":  # a time-zone bug in the integration
        when = now + dt.timedelta(days=3)
    summary: dict[str, Any] = {"incidentType": CP, "incidentDateTime": _iso(when)}
    document: dict[str, Any] = {
        "incidentSummary": summary,
        "reporter": {"reportingPerson": {"firstName": "Demo", "lastName": "Safety Team",
                                         "email": [f"safety@{reporter.domain}"]}},
        "personOrUserReported": [_person(a, reporter, when, flaw, rng) for a in accounts],
        "additionalInfo": "Synthetic demo report: procedurally generated benign images.",
    }
    if reporter.platform:
        summary["platform"] = reporter.platform
    else:
        url = f"https://files.example.test/{rng.getrandbits(40):010x}"
        document["internetDetails"] = [{"webPageIncident": {"url": [url]}}]
    files = _files(rng, images, pool, seen, index, when, flaw)
    label = flaw.replace("_", " ") if flaw else "good report"
    return ReportSpec(index, f"demo-s{seed}-r{index}", reporter, reporter.api, label, document,
                      files, accounts=tuple(a.handle for a in accounts))


def _malformed(kind: str, api: Api, code: int, label: str, base: ReportSpec) -> ReportSpec:
    reporter = base.reporter if base.reporter.api == api else REPORTERS[0]
    spec = replace(base, api=api, reporter=reporter, label=label, expect_code=code)
    assert base.document is not None
    xml = to_xml_bytes(load_schema().from_json(base.document, "report"))
    if kind == "broken_xml":
        return replace(spec, raw=xml[: len(xml) // 2])
    if kind == "doctype":
        attack = (b'<?xml version="1.0"?>\n<!DOCTYPE report [<!ENTITY xxe SYSTEM '
                  b'"file:///etc/passwd">]>\n')
        body = xml.split(b"?>", 1)[1].replace(b"<additionalInfo>", b"<additionalInfo>&xxe;")
        return replace(spec, raw=attack + body.lstrip())
    if kind == "unknown_element":
        return replace(spec, raw=xml.replace(b"</incidentSummary>",
                                             b"<favouriteColour>teal</favouriteColour>"
                                             b"</incidentSummary>"))
    if kind == "out_of_order":  # <reporter> must come after <incidentSummary>
        start, end = xml.index(b"<reporter>"), xml.index(b"</reporter>") + len(b"</reporter>")
        moved = xml[:start] + xml[end:]
        at = moved.index(b"<incidentSummary>")
        return replace(spec, raw=moved[:at] + xml[start:end] + moved[at:])
    if kind == "json_unknown_field":
        reporter = next(r for r in REPORTERS if r.api == "json")
        return replace(spec, reporter=reporter, document={**base.document, "severity": "high"})
    if kind == "wrong_password":
        return replace(spec, reporter=REPORTERS[1], password="not-the-password")
    if kind == "late_upload":  # to the first report of the stream, which is valid
        return replace(spec, reporter=REPORTERS[0], late_upload_to=0, document=None,
                       files=base.files[:1])
    raise ValueError(f"unknown fault {kind!r}")


def generate_reports(count: int, seed: int = 1, now: dt.datetime | None = None
                     ) -> list[ReportSpec]:
    """`count` report specs (valid ones and, from 3 reports on, some malformed ones).

    The same `count`, `seed` and `now` always give the same specs, byte for byte. `now` anchors
    the incident dates (the default is the start of today, UTC).
    """
    now = now or dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    images = _Images(seed)
    faults = FAULTS[: count // 3]
    pool = max(3, (count - len(faults)) // 2)  # so that each image recurs a few times
    seen: set[int] = set()
    # Spread the malformed ones through the stream, never first (late_upload targets report 0).
    bad_at = {count * (j + 1) // (len(faults) + 1): f for j, f in enumerate(faults)}
    specs = []
    for index in range(count):
        spec = _valid(index, rng, images, pool, seen, now, seed)
        if index in bad_at:
            spec = _malformed(*bad_at[index], spec)
        elif index == 1:
            spec = replace(spec, retry_submit=True, label=spec.label + " + retry")
        specs.append(spec)
    return specs


@dataclass(frozen=True)
class Links:
    """What ties the valid reports together, known by construction (for display and tests)."""

    images: dict[int, list[tuple[int, str]]]  # image -> [(report index, variant)], if reused
    ips: dict[str, list[str]]  # address -> handles, if shared
    emails: dict[str, list[str]]  # email -> handles, if shared


def links(specs: list[ReportSpec]) -> Links:
    images: dict[int, list[tuple[int, str]]] = {}
    for spec in specs:
        if spec.expect_code == 0:
            for file in spec.files:
                images.setdefault(file.image, []).append((spec.index, file.variant))
    ips: dict[str, list[str]] = {}
    emails: dict[str, list[str]] = {}
    for account in CAST:
        for ip in account.ips:
            ips.setdefault(ip, []).append(account.handle)
        emails.setdefault(account.email, []).append(account.handle)
    return Links({k: v for k, v in images.items() if len({i for i, _ in v}) > 1},
                 {k: v for k, v in ips.items() if len(v) > 1},
                 {k: v for k, v in emails.items() if len(v) > 1})
