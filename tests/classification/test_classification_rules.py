"""Verdicts derived from facts: pure, no database."""

from __future__ import annotations

import pytest

from tipline.classification import rules
from tipline.classification.jurisdictions import Jurisdiction, load_table
from tipline.classification.rules import Fact


def row(**overrides: object) -> Jurisdiction:
    values: dict[str, object] = dict(
        code="XX", country="Testland", protected_age=18, drawn_covered="unknown",
        generated_covered="unknown", possession_offence="yes",
        unviewed_requires_authority="unknown", retention_days=None, source="Test Act s. 1",
        notes="realistic only")
    values.update(overrides)
    return Jurisdiction(**values)  # type: ignore[arg-type]


def test_industry_labels_become_facts_without_assuming_the_material_is_real() -> None:
    [fact] = rules.facts_from_classifications({"industry": "A1"}, "entry 1")
    assert (fact.age_band, fact.activity, fact.nature) == ("prepubescent", "sexual_act", "unknown")
    assert rules.facts_from_classifications({"project_vic": "0"}, "entry 2") == []
    [vic] = rules.facts_from_classifications({"project_vic": "3"}, "entry 3")
    assert vic.nature == "drawn"


def test_reporter_annotations_refine_the_industry_classification() -> None:
    fact = rules.reporter_fact("A2", ["infant", "generativeAi"], "report 1")
    assert fact is not None
    assert (fact.age_band, fact.activity, fact.nature) == ("infant", "lascivious", "generated")
    assert rules.reporter_fact(None, ["viral"], "report 2") is None


def test_real_prepubescent_sexual_act_is_baseline_and_illegal_everywhere_known() -> None:
    facts = rules.effective([Fact("bank", "e1", "prepubescent", "sexual_act", "real")])
    assert rules.baseline(facts)[0] == "baseline"
    verdict = rules.verdict(facts, row())
    assert verdict.status == "illegal"


def test_unknown_nature_leaves_baseline_and_partial_coverage_unknown() -> None:
    facts = rules.effective([Fact("bank", "e1", "prepubescent", "sexual_act")])
    status, reason = rules.baseline(facts)
    assert status == "unknown" and "nature" in reason
    assert rules.verdict(facts, row()).status == "unknown"
    # A law covering real, drawn and generated alike does not need the nature.
    assert rules.verdict(facts, row(drawn_covered="yes", generated_covered="yes")).status == \
        "illegal"


def test_drawn_material_follows_the_jurisdiction_row() -> None:
    facts = rules.effective([Fact("reporter", "r1", "pubescent", "sexual_act", "drawn")])
    assert rules.verdict(facts, row(drawn_covered="yes")).status == "illegal"
    not_covered = rules.verdict(facts, row(drawn_covered="no"))
    assert not_covered.status == "not_illegal"
    unknown = rules.verdict(facts, row(drawn_covered="unknown"))
    assert unknown.status == "unknown" and "unknown" in unknown.reasons[0]
    conditional = rules.verdict(facts, row(drawn_covered="conditional"))
    assert conditional.status == "unknown" and "realistic only" in conditional.reasons[0]
    assert rules.baseline(facts)[0] == "not_baseline"


def test_age_tests() -> None:
    adult = rules.effective([Fact("analyst", "u", "adult", "sexual_act", "real")])
    assert rules.verdict(adult, row()).status == "not_illegal"
    pubescent = rules.effective([Fact("bank", "e", "pubescent", "lascivious", "real")])
    assert rules.verdict(pubescent, row(protected_age=16)).status == "unknown"
    assert rules.verdict(pubescent, row(protected_age=None)).status == "unknown"
    assert rules.verdict(pubescent, row(protected_age=19)).status == "illegal"


def test_disagreement_is_shown_and_the_most_severe_fact_stands() -> None:
    facts = [Fact("bank", "entry 1", "pubescent", "lascivious", note="industry=B2"),
             Fact("reporter", "report 9", "infant", "sexual_act")]
    derived = rules.effective(facts)
    assert (derived.age_band, derived.activity) == ("infant", "sexual_act")
    assert derived.basis["age_band"] == "most severe source"
    [age, activity] = derived.disagreements
    assert age.dimension == "age_band"
    assert age.said == {"pubescent": ["bank:entry 1 (industry=B2)"],
                        "infant": ["reporter:report 9"]}
    assert activity.dimension == "activity"


def test_an_analyst_review_takes_precedence_but_the_disagreement_stays() -> None:
    facts = [Fact("bank", "entry 1", "prepubescent", "sexual_act", "real"),
             Fact("analyst", "user ana", "adult", "unknown", "unknown")]
    derived = rules.effective(facts)
    assert derived.age_band == "adult" and derived.basis["age_band"] == "analyst review"
    assert derived.activity == "sexual_act"  # the analyst did not say; the bank's stands
    assert derived.disagreements[0].dimension == "age_band"


def test_no_facts_means_unknown_everywhere() -> None:
    derived = rules.effective([])
    assert rules.baseline(derived)[0] == "unknown"
    assert {v.status for v in rules.verdicts(derived, load_table())} == {"unknown"}


def test_check_fact_refuses_unknown_values() -> None:
    with pytest.raises(ValueError, match="age_band"):
        rules.check_fact("toddler", "other", "real")
