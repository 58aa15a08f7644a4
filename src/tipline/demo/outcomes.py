"""The demo's feedback loop: each test desk tells tipline what its agencies did with the
cases they received, as a signed outcome package (the channel a real desk would use), and
the reporters' scorecards show it. One outcome in five is held confidential for 30 days:
it reaches no scorecard yet."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich import box
from rich.console import Console
from rich.table import Table

from tipline.db import utcnow
from tipline.delivery.rules import SIGNATURE_HEADER, sign
from tipline.demo.agencies import AgencyDesk

# What the demo's agencies report, in turn (vocabulary tipline.outcomes/1).
CYCLE: tuple[tuple[str, str | None], ...] = (
    ("under_investigation", None), ("arrest", None),
    ("not_actionable", "insufficient_information"), ("victim_safeguarded", None),
    ("not_actionable", "duplicate"), ("charged", None), ("received", None))
HELD_EVERY = 5


@dataclass
class Feedback:
    posted: int = 0
    held: int = 0
    scorecards: list[dict[str, Any]] = field(default_factory=list)


def _packages(desks: dict[str, AgencyDesk], cases: set[int], run: str
              ) -> dict[str, list[dict[str, Any]]]:
    """Per agency, one outcome for each of this run's cases it received."""
    received = sorted({(r.agency, r.case_id) for desk in desks.values()
                       for r in desk.applied.values() if r.case_id in cases})
    out: dict[str, list[dict[str, Any]]] = {}
    for n, (agency, case_id) in enumerate(received):
        code, reason = CYCLE[case_id % len(CYCLE)]
        outcome: dict[str, Any] = {"case_id": case_id, "outcome": code, "reason": reason,
                                   "reference": f"demo-{run}-{agency}-{case_id}"}
        if n % HELD_EVERY == HELD_EVERY - 1:
            outcome["held_until"] = (utcnow() + dt.timedelta(days=30)).isoformat()
        out.setdefault(agency, []).append(outcome)
    return out


def post_outcomes(base_url: str, desks: dict[str, AgencyDesk], cases: set[int], run: str
                  ) -> Feedback:
    """Each agency's outcomes as one package signed with its webhook secret."""
    feedback = Feedback()
    secrets = {code: secret for desk in desks.values() for code, secret in desk.signing.items()}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for agency, outcomes in _packages(desks, cases, run).items():
            body = json.dumps({"format": "tipline.outcome-package/1", "agency": agency,
                               "outcomes": outcomes}).encode()
            answer = client.post(f"/api/v1/agencies/{agency}/outcomes/package", content=body,
                                 headers={"Content-Type": "application/json", SIGNATURE_HEADER:
                                          sign(secrets[agency], int(time.time()), body)})
            answer.raise_for_status()
            feedback.posted += len(outcomes)
            feedback.held += sum(1 for o in outcomes if "held_until" in o)
    return feedback


def read_scorecards(staff: httpx.Client, feedback: Feedback) -> None:
    answer = staff.get("/api/v1/scorecards")
    answer.raise_for_status()
    feedback.scorecards = answer.json()["scorecards"]


def show(console: Console, feedback: Feedback, url: str) -> None:
    console.rule("Outcomes back from the test desks")
    console.print(f"The desks posted {feedback.posted} outcomes as signed packages "
                  f"({feedback.held} held confidential for 30 days: not counted yet).")
    table = Table("organisation", "reports", "quality", "outcomes", "actionable",
                  "why not actionable", title="Reporter scorecards (last 90 days)",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for card in feedback.scorecards:
        reasons = ", ".join(f"{k.replace('_', ' ')} ({n})"
                            for k, n in card["not_actionable_reasons"])
        actionable = card["actionable_pct"]
        table.add_row(card["reporter"], str(card["reports"]), str(card["quality_mean"] or "-"),
                      str(card["decided"]), "-" if actionable is None else f"{actionable}%",
                      reasons or "-")
    console.print(table)
    console.print(f"Scorecards: {url}/scorecards · transparency report: {url}/transparency")
