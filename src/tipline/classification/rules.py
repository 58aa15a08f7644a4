"""Classification as facts, verdicts as derivations: pure functions, no I/O.

Sources (bank entries, the reporter, analysts) state facts: age band, activity, nature. Verdicts
(INTERPOL Baseline; illegal or not per jurisdiction) are computed from the facts each time they
are shown, never stored, so a corrected fact or a reviewed jurisdiction row changes every
verdict at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tipline.classification.jurisdictions import Coverage, Jurisdiction

AGE_BANDS = ("infant", "prepubescent", "pubescent", "adult", "unknown")
ACTIVITIES = ("sexual_act", "lascivious", "other", "unknown")
NATURES = ("real", "drawn", "generated", "unknown")
SOURCES = ("bank", "reporter", "analyst")
DIMENSIONS = ("age_band", "activity", "nature")

# Severity per dimension, higher is graver; "unknown" is never the most severe of anything.
SEVERITY: dict[str, dict[str, int]] = {
    "age_band": {"infant": 4, "prepubescent": 3, "pubescent": 2, "adult": 1, "unknown": 0},
    "activity": {"sexual_act": 3, "lascivious": 2, "other": 1, "unknown": 0},
    # Real children are the gravest; generated material is often photorealistic.
    "nature": {"real": 3, "generated": 2, "drawn": 1, "unknown": 0},
}
CHILD_BANDS = ("infant", "prepubescent", "pubescent")

Status = Literal["illegal", "not_illegal", "unknown"]
Baseline = Literal["baseline", "not_baseline", "unknown"]


@dataclass(frozen=True)
class Fact:
    source: str  # bank | reporter | analyst
    source_ref: str
    age_band: str = "unknown"
    activity: str = "unknown"
    nature: str = "unknown"
    note: str | None = None

    def value(self, dimension: str) -> str:
        return str(getattr(self, dimension))

    @property
    def says_something(self) -> bool:
        return any(self.value(d) != "unknown" for d in DIMENSIONS)


def check_fact(age_band: str, activity: str, nature: str) -> None:
    for name, value, allowed in (("age_band", age_band, AGE_BANDS),
                                 ("activity", activity, ACTIVITIES),
                                 ("nature", nature, NATURES)):
        if value not in allowed:
            raise ValueError(f"{name} {value!r} is not one of {', '.join(allowed)}")


# What each scheme's label says as facts: (age_band, activity, nature). A scheme that does not
# say something leaves it unknown: Tech Coalition and UK categories do not say whether the
# material is real, so nature stays unknown rather than being assumed.
SCHEME_FACTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "industry": {
        "A1": ("prepubescent", "sexual_act", "unknown"),
        "A2": ("prepubescent", "lascivious", "unknown"),
        "B1": ("pubescent", "sexual_act", "unknown"),
        "B2": ("pubescent", "lascivious", "unknown"),
    },
    "project_vic": {  # 0 non-pertinent and 4 comparison images say nothing about a child
        "1": ("unknown", "unknown", "real"),
        "2": ("unknown", "other", "real"),
        "3": ("unknown", "unknown", "drawn"),  # CGI/animation
    },
    "uk": {
        "A": ("unknown", "sexual_act", "unknown"),
        "B": ("unknown", "sexual_act", "unknown"),
        "C": ("unknown", "lascivious", "unknown"),
    },
    # Baseline is defined as a real prepubescent child in a sexual act.
    "interpol_baseline": {"baseline": ("prepubescent", "sexual_act", "real")},
    "iccam": {"baseline": ("prepubescent", "sexual_act", "real")},
}


def facts_from_classifications(classifications: Mapping[str, str], source_ref: str,
                               source: str = "bank") -> list[Fact]:
    """Facts stated by a bank source's classifications, one per scheme label that says any."""
    facts = []
    for scheme, label in sorted(classifications.items()):
        said = SCHEME_FACTS.get(scheme, {}).get(str(label))
        if said:
            facts.append(Fact(source, source_ref, *said, note=f"{scheme}={label}"))
    return facts


# Reporter file annotations (CyberTipline fileAnnotations) that state facts.
ANNOTATION_NATURE = {"animeDrawingVirtualHentai": "drawn", "generativeAi": "generated"}


def reporter_fact(industry_classification: str | None, annotations: Iterable[str],
                  source_ref: str) -> Fact | None:
    """The reporter's own statement about one file: its industry classification refined by its
    annotations (an `infant` annotation is younger than the A band says)."""
    age, activity, nature = SCHEME_FACTS["industry"].get(
        (industry_classification or "").upper(), ("unknown", "unknown", "unknown"))
    flags = set(annotations)
    if "infant" in flags:
        age = "infant"
    natures = [ANNOTATION_NATURE[a] for a in sorted(flags) if a in ANNOTATION_NATURE]
    if len(natures) == 1:
        nature = natures[0]
    noted = [f"industry={industry_classification}"] if industry_classification else []
    noted += sorted(flags & {"infant", *ANNOTATION_NATURE})
    fact = Fact("reporter", source_ref, age, activity, nature, note=", ".join(noted) or None)
    return fact if fact.says_something else None


@dataclass(frozen=True)
class Disagreement:
    dimension: str
    said: dict[str, list[str]]  # value -> the sources that said it ("bank:entry 4 (industry=A1)")


@dataclass(frozen=True)
class Effective:
    """The facts a verdict is derived from, and why."""

    age_band: str
    activity: str
    nature: str
    basis: dict[str, str]  # dimension -> "most severe" | "analyst review" | "no source"
    disagreements: list[Disagreement] = field(default_factory=list)

    def value(self, dimension: str) -> str:
        return str(getattr(self, dimension))


def _label(fact: Fact) -> str:
    note = f" ({fact.note})" if fact.note else ""
    return f"{fact.source}:{fact.source_ref}{note}"


def disagreements(facts: Sequence[Fact]) -> list[Disagreement]:
    found = []
    for dimension in DIMENSIONS:
        said: dict[str, list[str]] = {}
        for fact in facts:
            if fact.value(dimension) != "unknown":
                said.setdefault(fact.value(dimension), []).append(_label(fact))
        if len(said) > 1:
            found.append(Disagreement(dimension, said))
    return found


def effective(facts: Sequence[Fact]) -> Effective:
    """Per dimension: the latest analyst review that states it (a person looked at the content),
    else the most severe value any source states (the conservative reading), else unknown."""
    values: dict[str, str] = {}
    basis: dict[str, str] = {}
    for dimension in DIMENSIONS:
        reviewed = [f.value(dimension) for f in facts
                    if f.source == "analyst" and f.value(dimension) != "unknown"]
        if reviewed:
            values[dimension], basis[dimension] = reviewed[-1], "analyst review"
            continue
        stated = [f.value(dimension) for f in facts if f.value(dimension) != "unknown"]
        if stated:
            values[dimension] = max(stated, key=SEVERITY[dimension].__getitem__)
            basis[dimension] = "most severe source"
        else:
            values[dimension], basis[dimension] = "unknown", "no source"
    return Effective(values["age_band"], values["activity"], values["nature"], basis,
                     disagreements(facts))


def baseline(facts: Effective) -> tuple[Baseline, str]:
    """INTERPOL Baseline: a real child, prepubescent (or an infant), in a sexual act."""
    if facts.nature in ("drawn", "generated"):
        return "not_baseline", f"the material is {facts.nature}, not a real child"
    if facts.age_band in ("pubescent", "adult"):
        return "not_baseline", f"the person is {facts.age_band}, not prepubescent"
    if facts.activity == "other":
        return "not_baseline", "no sexual activity"
    missing = [d.replace("_", " ") for d in DIMENSIONS if facts.value(d) == "unknown"]
    if missing:
        return "unknown", f"not established: {', '.join(missing)}"
    if facts.activity == "lascivious":
        # Baseline includes a focus on the genital area of a prepubescent child, which a
        # "lascivious" label does not distinguish: a person must decide.
        return "unknown", "lascivious exhibition: baseline only with a sexual focus; review"
    return "baseline", f"real {facts.age_band} child, sexual act"


@dataclass(frozen=True)
class Verdict:
    jurisdiction: str
    status: Status
    reasons: list[str]


def _age_test(facts: Effective, row: Jurisdiction) -> tuple[Status, str]:
    band, age = facts.age_band, row.protected_age
    if band == "adult":
        return "not_illegal", "the person is an adult"
    if band == "unknown":
        return "unknown", "the age band is not established"
    if age is None:
        return "unknown", f"the age {row.code} law protects is unknown"
    if band == "pubescent" and age < 18:
        return "unknown", f"a pubescent minor may be {age} or older (protected age {age})"
    return "illegal", f"a {band} child is under {age}"


def _activity_test(facts: Effective) -> tuple[Status, str]:
    if facts.activity == "other":
        return "not_illegal", "no sexual activity or exhibition (other laws may apply)"
    if facts.activity == "unknown":
        return "unknown", "the activity is not established"
    return "illegal", f"{facts.activity.replace('_', ' ')}"


_COVERAGE_STATUS: dict[Coverage, Status] = {
    "yes": "illegal", "no": "not_illegal", "conditional": "unknown", "unknown": "unknown"}


def _coverage_reason(kind: str, coverage: Coverage, row: Jurisdiction) -> str:
    if coverage == "conditional":
        return f"{kind} material is covered in {row.code} only under conditions: {row.notes}"
    if coverage == "unknown":
        return f"whether {row.code} law covers {kind} material is unknown"
    return f"{row.code} law {'covers' if coverage == 'yes' else 'does not cover'} {kind} material"


def _nature_test(facts: Effective, row: Jurisdiction) -> tuple[Status, str]:
    if facts.nature == "real":
        return "illegal", "a real child"
    if facts.nature == "drawn":
        return _COVERAGE_STATUS[row.drawn_covered], _coverage_reason("drawn",
                                                                     row.drawn_covered, row)
    if facts.nature == "generated":
        return (_COVERAGE_STATUS[row.generated_covered],
                _coverage_reason("generated", row.generated_covered, row))
    if row.drawn_covered == "yes" and row.generated_covered == "yes":
        return "illegal", f"{row.code} law covers real, drawn and generated material alike"
    return "unknown", "whether the material is real, drawn or generated is not established"


def verdict(facts: Effective, row: Jurisdiction) -> Verdict:
    """Illegal only when every test says so; not illegal as soon as one test rules it out;
    otherwise unknown, with the reasons that left it open."""
    tests = [_age_test(facts, row), _activity_test(facts), _nature_test(facts, row)]
    for status in ("not_illegal", "unknown"):
        reasons = [reason for s, reason in tests if s == status]
        if reasons:
            return Verdict(row.code, status, reasons)  # type: ignore[arg-type]
    reasons = [reason for _, reason in tests]
    if row.possession_offence != "yes":
        reasons.append(f"possession as such: {row.possession_offence} in {row.code}")
    return Verdict(row.code, "illegal", reasons)


def verdicts(facts: Effective, table: Mapping[str, Jurisdiction],
             codes: Iterable[str] | None = None) -> list[Verdict]:
    wanted = sorted(table) if codes is None else [c.upper() for c in codes]
    return [verdict(facts, table[code]) for code in wanted if code in table]
