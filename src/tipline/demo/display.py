"""What the demo prints. Kept apart from the runner so later demo steps add sections here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from tipline.demo.send import Sent
from tipline.demo.stream import REPORTERS, DemoReporter, Links
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
        "both intake APIs, as four invented organisations would. Every image is procedurally "
        "generated and benign; every person, address and IP is invented (reserved domains and "
        "documentation IP ranges). Nothing leaves this machine.",
        title="tipline demo", expand=False))


def sent_line(console: Console, sent: Sent) -> None:
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
    if s.unexpected:
        table.add_row("[bold red]unexpected outcomes[/]",
                      ", ".join(f"#{i + 1}" for i in s.unexpected))
    console.print(table)


def closing(console: Console, url: str, log: str, keep_running: bool) -> None:
    first: DemoReporter = REPORTERS[1]
    lines = [
        f"server       [bold]{url}[/]   (log: {escape(log)})",
        f"API docs     [bold]{url}/docs[/]",
        f"OpenAPI      {url}/openapi.json",
        f"XML schema   {url}/ispws/xsd",
        *(f"{'login' if i == 0 else '':<13}{r.username} / {r.password}  ({API_NAMES[r.api]})"
          for i, r in enumerate(REPORTERS)),
        f"try          curl -u {first.username}:{first.password} \\\n"
        f"               {url}/api/v1/reports",
    ]
    if keep_running:
        lines.append("[bold]the server keeps running; press Ctrl-C to stop it[/]")
    console.print(Panel("\n".join(lines), title="tipline demo", expand=False), highlight=False)
