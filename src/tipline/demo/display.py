"""What the demo prints. Kept apart from the runner so later demo steps add sections here."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from tipline.demo.agencies import AGENCIES, IP_COUNTRIES, AgencyDesk
from tipline.demo.outcomes import Feedback
from tipline.demo.results import CaseRow, DeliveryTotals, ImageMatch, RouteRow, Sent
from tipline.demo.seed import (
    BENIGN_BANK,
    CONTRIBUTOR,
    KNOWN_BANK,
    LOGINS,
    STAFF,
    BankPlan,
    StaffLogin,
)
from tipline.demo.send import Sent as SentReport
from tipline.demo.stream import REPORTERS, DemoReporter, Links
from tipline.demo.takedown import TakedownResult
from tipline.ncmec.responses import DESCRIPTIONS

API_NAMES = {"ncmec": "XML", "json": "JSON"}


@dataclass
class Summary:
    """The demo's outcome, also returned by `run_demo` for tests."""

    url: str
    submitted: int = 0
    accepted: int = 0
    rejected: Counter[int] = field(default_factory=Counter)  # response code -> count
    unexpected: list[int] = field(default_factory=list)  # spec indexes with a surprise outcome
    mean_quality: float = 0.0
    processed: int = 0
    failed: int = 0
    stages: Counter[str] = field(default_factory=Counter)  # stage -> reports that passed it
    matches: list[ImageMatch] = field(default_factory=list)
    cases: list[CaseRow] = field(default_factory=list)  # the worklist
    routes: list[RouteRow] = field(default_factory=list)
    deliveries: DeliveryTotals | None = None
    feedback: Feedback | None = None  # outcomes posted back, and the scorecards they reach
    takedown: TakedownResult | None = None


def reporters(console: Console, created: dict[str, bool]) -> None:
    fresh = [r.name for r in REPORTERS if created.get(r.username)]
    title = ("Demo reporters (" + ("created" if len(fresh) == len(REPORTERS) else
                                    f"{len(fresh)} created" if fresh else "from an earlier run")
             + ")")
    table = Table("organisation", "kind", "API", title=title, title_justify="left",
                  box=box.SIMPLE_HEAD)
    for name in ("username", "password"):  # credentials are never cut short
        table.add_column(name, no_wrap=True, min_width=16)
    for r in REPORTERS:
        table.add_row(r.name, r.kind, API_NAMES[r.api], r.username, r.password)
    console.print(table)


def intro(console: Console, reports: int) -> None:
    console.print(Panel(
        f"Starts a tipline server on 127.0.0.1 and sends it {reports} synthetic reports through "
        "both intake APIs, as four invented organisations would; then shows the cases they "
        "became, most urgent first, and their delivery to local test police desks. Every image "
        "is procedurally generated and benign (the 'known material' in the hash bank too); "
        "every person, address and IP is invented (reserved domains and documentation IP "
        "ranges). Nothing leaves this machine.",
        title="tipline demo", expand=False))


def sent_line(console: Console, sent: SentReport) -> None:
    """One report: who sent it how, what it is, and what the server answered."""
    spec, out = sent.spec, sent.outcome
    if out.ok:
        colour = "green" if (out.quality or 0) >= 80 else "yellow"
        # Codes repeat once per field: count them, and show the first two.
        counts = [c + (f" x{n}" if n > 1 else "") for c, n in Counter(out.issues).items()]
        issues = ", ".join(counts[:2]) + (f" +{len(counts) - 2}" if len(counts) > 2 else "")
        result = (f"[green]accepted[/] #{out.report_id} "
                  f"[{colour}]quality {out.quality}[/] [dim]{escape(issues or 'no issues')}[/]")
    else:
        code = out.error_code or 0
        # Two lines of the result column are enough to see why.
        reason = escape(_short(out.error or "", max(40, 2 * (console.width - 40) - 30)))
        result = f"[red]rejected {code}[/] {DESCRIPTIONS.get(code, '')}: [dim]{reason}[/]"
    result += "".join(f" [cyan]({escape(n)})[/]" for n in sent.notes)
    if not sent.as_expected:
        result += f" [bold red]UNEXPECTED: expected {spec.expect_code or 'acceptance'}[/]"
    # A grid per line keeps columns aligned while lines appear one by one.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(width=4)
    grid.add_column(width=10, no_wrap=True, overflow="ellipsis")
    grid.add_column(width=19, no_wrap=True, overflow="ellipsis", style="italic")
    grid.add_column(ratio=1)
    who = spec.reporter.username.removeprefix("demo-")
    grid.add_row(str(spec.index + 1), API_NAMES[spec.api], escape(who), escape(spec.label),
                 result)
    console.print(grid, highlight=False)


def pipeline_done(console: Console, s: Summary, seconds: float) -> None:
    stages = ", ".join(s.stages) or "none"
    console.print(f"[green]✓[/] {s.processed} of {s.accepted} accepted reports processed in "
                  f"{seconds:.1f}s (stages: {stages})", highlight=False)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def links(console: Console, found: Links) -> None:
    """The ties built into the stream, which matching and case linking will find."""
    console.print("[bold]Built into the stream[/] (for matching and case linking to find):")
    for image, uses in sorted(found.images.items(), key=lambda kv: -len(kv[1]))[:3]:
        reports = sorted({i + 1 for i, _ in uses})
        edits = sorted({v for _, v in uses} - {"original"})
        console.print(f"  image {image}: {len(uses)} copies in reports "
                      f"{', '.join(f'#{i}' for i in reports)}; edits: {', '.join(edits)}",
                      highlight=False, no_wrap=True, overflow="ellipsis")
    for ip, handles in found.ips.items():
        console.print(f"  IP {ip} used by {', '.join(handles)}", highlight=False)
    for email, handles in found.emails.items():
        console.print(f"  email {email} on accounts {', '.join(handles)}", highlight=False)


def summary(console: Console, s: Summary) -> None:
    table = Table(show_header=False, title="Summary", title_justify="left")
    table.add_row("reports sent", str(s.submitted))
    table.add_row("accepted", f"[green]{s.accepted}[/]")
    for code, n in sorted(s.rejected.items()):
        table.add_row(f"rejected {code}", f"[red]{n}[/] {DESCRIPTIONS.get(code, '?')}")
    table.add_row("mean quality", f"{s.mean_quality:.0f} / 100 (accepted reports)")
    table.add_row("processed", f"{s.processed} of {s.accepted} by the pipeline"
                  + (f" ([red]{s.failed} failed[/])" if s.failed else ""))
    table.add_row("open cases", f"{len(s.cases)} in the worklist (from {s.processed} "
                  "processed reports)")
    if s.deliveries is not None:
        d = s.deliveries
        table.add_row("deliveries", f"{d.acknowledged} acknowledged of {d.packages} queued "
                      f"({d.superseded} replaced by newer versions, {d.waiting} waiting, "
                      f"{d.dead} dead)")
        table.add_row("duplicates", f"{d.repeats} (packages received twice by a desk)")
    if s.takedown is not None:
        t = s.takedown
        table.add_row("takedown", f"{t.removed} of {len(t.urls)} reported URLs removed after "
                      f"{t.mails} notices ({len(t.receipts)} public reports)")
    if s.unexpected:
        table.add_row("[bold red]unexpected outcomes[/]",
                      ", ".join(f"#{i + 1}" for i in s.unexpected))
    console.print(table)


def closing(console: Console, url: str, log: str, keep_running: bool) -> None:
    logins = [
        *(f"{'login' if i == 0 else '':<13}{r.username} / {r.password}  ({API_NAMES[r.api]})"
          for i, r in enumerate(REPORTERS)),
        *(f"{'staff' if i == 0 else '':<13}{login.username} / {login.password}  "
          f"({_who(login)})" for i, login in enumerate(LOGINS)),
    ]
    if not keep_running:  # the server is stopped: advertise no address that will not answer
        lines = ["the demo server has stopped (--no-keep-running); its data stays in the data "
                 "folder",
                 f"server log   {escape(log)}",
                 "serve again  tipline serve   (web UI at /login, API docs at /docs; these "
                 "logins work there)",
                 *logins]
        console.print(Panel("\n".join(lines), title="tipline demo", expand=False),
                      highlight=False)
        return
    first: DemoReporter = REPORTERS[1]
    lines = [
        f"server       [bold]{url}[/]   (log: {escape(log)})",
        f"API docs     [bold]{url}/docs[/]",
        f"OpenAPI      {url}/openapi.json",
        f"XML schema   {url}/ispws/xsd",
        f"web UI       [bold]{url}/login[/]   (log in with any account below)",
        *logins,
        f"try          curl -u {first.username}:{first.password} \\\n"
        f"               {url}/api/v1/reports",
        f"             curl -u {STAFF.username}:{STAFF.password} {url}/api/v1/worklist",
        "[bold]the server keeps running; press Ctrl-C to stop it[/]",
    ]
    console.print(Panel("\n".join(lines), title="tipline demo", expand=False), highlight=False)


# --- before the stream: banks, staff login, agencies -----------------------------------------

def banks(console: Console, plan: BankPlan) -> None:
    known = ", ".join(f"image {i} ({label})" for i, label in plan.known.items())
    console.print(f"  [bold]{KNOWN_BANK}[/] (positive, contributed by {CONTRIBUTOR}): {known}; "
                  "industry labels stand in for real classifications", highlight=False)
    if plan.benign is not None:
        console.print(f"  [bold]{BENIGN_BANK}[/] (negative): image {plan.benign}, known benign",
                      highlight=False)
    console.print("  [dim]Each entry carries its PDQ rotations, mirrors and crops, so edited "
                  "copies match too. The other images are new material.[/]")


def staff(console: Console, created: bool) -> None:
    state = "created" if created else "from an earlier run"
    console.print(f"  logins ({state}), one per role:", highlight=False)
    for login in LOGINS:
        console.print(f"    {_who(login):<36} [bold]{login.username}[/] / "
                      f"[bold]{login.password}[/]", highlight=False)


def _who(login: StaffLogin) -> str:
    if login.role == "agency":
        return f"agency user of {login.organisation}"
    if login.role == "reporter":
        return f"reporter user of {login.organisation}"
    return login.role.replace("_", " ")


def agencies(console: Console, desks: dict[str, AgencyDesk], outage: str) -> None:
    table = Table("agency", "serves", "channel chain", "inbox (local test desk)",
                  title="Demo agencies and their test desks (HTTP servers in this process)",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for a in AGENCIES:
        if a.desk is None:
            table.add_row(a.code, ", ".join(a.countries) or "-", _chain(a.code),
                          "tipline's agency inbox (/inbox): its user acknowledges each case")
            continue
        down = " [red](down)[/]" if a.desk == outage else ""
        table.add_row(a.code, ", ".join(a.countries) or "-", _chain(a.code),
                      f"{a.desk}{down} {desks[a.desk].url(a.code)}")
    console.print(table)
    places = ", ".join(f"{ip} → {cc}" for ip, cc in IP_COUNTRIES.items())
    console.print(f"  [bold]Demo IP table:[/] documentation addresses belong to no country, so "
                  f"the demo server places them: {places}. Other addresses use the offline "
                  "registry data (iptocc); 10.20.30.40 (private) stays unplaced.",
                  highlight=False)


def _chain(code: str) -> str:
    hops: list[str] = []
    current = next((a for a in AGENCIES if a.code == code), None)
    while current is not None:
        hops.insert(0, current.code)
        current = next((a for a in AGENCIES if a.code == current.via), None)
    return " → ".join(hops)


# --- after the pipeline: matches, worklist, deliveries ----------------------------------------

def matches(console: Console, found: list[ImageMatch]) -> None:
    console.print("[bold]Bank matches[/] of the seeded images' copies in accepted reports:")
    for m in found:
        what = f"known material ({m.label})" if m.bank == "known" else "known benign"
        edits = f"; edited copies matched: {', '.join(m.edits)}" if m.edits else ""
        missed = f"; [yellow]missed: {', '.join(m.missed)}[/]" if m.missed else ""
        console.print(f"  image {m.image}, {what}: {m.matched} of {m.copies} copies matched"
                      f"{edits}{missed}", highlight=False)


def _when(moment: dt.datetime | None, now: dt.datetime) -> str:
    if moment is None:
        return "none (no IP capture with a time)"
    hours = (moment - now).total_seconds() / 3600
    ago = abs(hours)
    span = f"{ago:.0f} h" if ago < 48 else f"{ago / 24:.0f} d"
    return f"{moment:%Y-%m-%d %H:%M} " + (f"(in {span})" if hours >= 0 else
                                            f"[dim](passed {span} ago)[/]")


def worklist(console: Console, rows: list[CaseRow], run_reports: set[int],
             shown: int = 8) -> None:
    mine = [r for r in rows if r.report_ids & run_reports]
    earlier = len(rows) - len(mine)
    became = _n(len(mine), "open case")
    console.print(f"[bold]{len(run_reports)} accepted reports became {became}.[/]"
                  + (f" (The worklist also holds {earlier} cases of earlier runs on this data "
                     "folder.)" if earlier else "")
                  + " Most urgent first (as GET /api/v1/worklist returns them); a case's score is "
                  "the sum of its reasons' points, and its level the first one the score "
                  "reaches, unless a reason sets a floor:", highlight=False)
    now = dt.datetime.now(dt.UTC)
    for row in rows[:shown]:
        level = row.level or "-"
        console.print(f"\n [bold]case {row.case_id}[/]  [bold red]{level}[/] "
                      f"{escape(row.label or '')}  score {row.score}  "
                      f"IP data deadline {_when(row.deadline, now)}", highlight=False)
        console.print(f"   {_n(row.reports, 'report')}, {_n(row.accounts, 'account')}, "
                      f"{_n(row.clusters, 'media cluster')}: {row.known} known material, "
                      f"{row.new} new", highlight=False)
        for reason in row.reasons:
            floor = f" [cyan](at least {reason.min_level})[/]" if reason.min_level else ""
            points = f"+{reason.points}"
            console.print(f"   [green]{points:>4}[/] {escape(reason.text)}{floor}",
                          highlight=False)
    if len(rows) > shown:
        console.print(f"\n [dim]... and {len(rows) - shown} more cases (see the worklist "
                      "through the API)[/]")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def outage(console: Console, desk: str, waiting: list[Sent]) -> None:
    attempts = sum(s.attempts for s in waiting)
    error = next((s.last_error for s in waiting if s.last_error), None) or "-"
    console.print(f"[yellow]The {desk} is down[/] (nothing listens on its port): "
                  f"{_n(len(waiting), 'package')} waiting in the outbox after "
                  f"{_n(attempts, 'failed attempt')} ([dim]{escape(_short(error, 80))}[/]); "
                  "tipline retries with backoff. Bringing the desk back up ...", highlight=False)


def deliveries(console: Console, rows: list[RouteRow], totals: DeliveryTotals,
               seconds: float) -> None:
    now = dt.datetime.now(dt.UTC)
    table = Table("case", "agency", "channel chain", "deadline (IP data retention)",
                  "delivery", "versions", "tries", "at the desk",
                  title="Routes and deliveries (versions: delivered / replaced before sending)",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for r in rows:
        status = "[green]acknowledged[/]" if r.status == "acknowledged" else f"[red]{r.status}[/]"
        desk = ("[green]signature ✓ version ✓[/]" if r.arrived and r.version_ok
                else "[red]not received[/]" if not r.arrived else "[red]version mismatch[/]")
        if r.inbox:
            status = status if r.status == "acknowledged" else f"[yellow]{r.status}[/]"
            desk = "[yellow]in its inbox, to acknowledge[/]" if r.status != "acknowledged" \
                else "[green]acknowledged in the inbox[/]"
        if r.repeats:
            desk += f" [red]{r.repeats} repeats[/]"
        risk = " [bold red]at risk[/]" if r.at_risk else ""
        deadline = (f"{_when(r.deadline, now)}{risk}\n[dim]{escape(r.deadline_note)}[/]"
                    if r.deadline else f"[dim]none: {escape(r.deadline_note)}[/]")
        table.add_row(str(r.case_id), r.agency, " → ".join(r.chain), deadline, status,
                      f"{r.delivered} / {r.replaced}", str(r.attempts), desk)
    console.print(table)
    console.print(
        f"[green]✓[/] {totals.acknowledged} packages acknowledged in {seconds:.1f}s, each "
        f"applied once by its desk ({totals.applied} applied, {totals.repeats} repeats, "
        f"{totals.bad_signatures} bad signatures); {totals.superseded} older versions replaced "
        f"before delivery, {totals.failed_attempts} failed attempts retried, {totals.waiting} "
        f"waiting, {totals.dead} dead letters; {totals.in_inbox} in an agency's inbox for its "
        "people to acknowledge.",
        highlight=False)


def takedown(console: Console, t: TakedownResult, url: str) -> None:
    console.print(f"public reports through {url}/report: receipts {', '.join(t.receipts)}")
    for reported in t.urls:
        console.print(f"  [green]removed[/] {escape(reported)}  (assessed baseline, noticed "
                      "by e-mail to the provider's abuse desk, two 404 checks in a row)")
    for refused in t.never_contacted:
        console.print(f"  [yellow]never contacted[/] {escape(refused)} (a private address)")
    overall = t.figures.get("overall", {})
    console.print(f"{t.noticed} noticed, {t.mails} notices received by the local SMTP desk, "
                  f"{t.removed} removed in {t.seconds:.1f} s; time to removal p50 "
                  f"{(overall.get('p50_hours') or 0) * 3600:.0f} s; see {url}/takedown/figures")
