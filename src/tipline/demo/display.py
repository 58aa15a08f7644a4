"""What the demo prints. Kept apart from the runner so later demo steps add sections here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from tipline.demo.send import Sent
from tipline.demo.stream import REPORTERS, DemoReporter, Links
from tipline.ncmec.responses import DESCRIPTIONS

API_NAMES = {"ncmec": "XML ", "json": "JSON"}


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
    table = Table("organisation", "kind", "API", "username", "password", "",
                  title="Demo reporters", title_justify="left")
    for r in REPORTERS:
        table.add_row(r.name, r.kind, "CyberTipline XML (/ispws)" if r.api == "ncmec"
                      else "JSON (/api/v1)", r.username, r.password,
                      "created" if created.get(r.username) else "existed")
    console.print(table)


def sent_line(console: Console, sent: Sent) -> None:
    spec, out = sent.spec, sent.outcome
    head = (f"{spec.index + 1:>3} {API_NAMES[spec.api]} "
            f"{escape(spec.reporter.username):<16}")
    if out.ok:
        colour = "green" if (out.quality or 0) >= 80 else "yellow"
        issues = ", ".join(out.issues[:3]) + (" ..." if len(out.issues) > 3 else "")
        result = (f"[green]accepted[/] report {out.report_id:<4} "
                  f"[{colour}]quality {out.quality:>3}[/] "
                  f"[dim]{escape(issues or 'no issues')}[/]")
    else:
        code = out.error_code or 0
        reason = escape(_short(out.error or DESCRIPTIONS.get(code, "")))
        result = f"[red]rejected[/] {code} {DESCRIPTIONS.get(code, '')}: [dim]{reason}[/]"
    notes = "".join(f" [cyan]({escape(n)})[/]" for n in sent.notes)
    flag = "" if sent.as_expected else f" [bold red]UNEXPECTED (wanted {spec.expect_code})[/]"
    console.print(f"{head} {result}{notes}{flag}", highlight=False, overflow="ellipsis",
                  no_wrap=True)
    console.print(f"{'':>26}[italic dim]{escape(spec.label)}[/]", highlight=False)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def links(console: Console, found: Links) -> None:
    """The ties built into the stream, which matching and case linking will find."""
    reused = sorted(found.images.items(), key=lambda kv: -len(kv[1]))[:3]
    console.print("[bold]Built into the stream[/] (for matching and case linking to find):")
    for image, uses in reused:
        where = ", ".join(f"#{i + 1} {variant}" for i, variant in uses[:6])
        console.print(f"  image {image} posted {len(uses)} times: {where}", highlight=False)
    for ip, handles in found.ips.items():
        console.print(f"  IP {ip} used by {', '.join(handles)}", highlight=False)
    for email, handles in found.emails.items():
        console.print(f"  email {email} on accounts {', '.join(handles)}", highlight=False)


def summary(console: Console, s: Summary) -> None:
    table = Table(show_header=False, title="Summary", title_justify="left")
    table.add_row("reports sent", str(s.submitted))
    table.add_row("accepted", f"[green]{s.accepted}[/]")
    for code, n in sorted(s.rejected.items()):
        table.add_row(f"rejected {code} ({DESCRIPTIONS.get(code, '?')})", f"[red]{n}[/]")
    table.add_row("mean quality of accepted", f"{s.mean_quality:.0f} / 100")
    stages = ", ".join(f"{name} {n}" for name, n in s.stages.items())
    table.add_row("processed by the pipeline", f"{s.processed} of {s.accepted}"
                  + (f" ([red]{s.failed} failed[/])" if s.failed else "")
                  + (f"  [dim]stages: {stages}[/]" if stages else ""))
    if s.unexpected:
        table.add_row("[bold red]unexpected outcomes[/]",
                      ", ".join(f"#{i + 1}" for i in s.unexpected))
    console.print(table)


def closing(console: Console, url: str, log: str, keep_running: bool) -> None:
    first: DemoReporter = REPORTERS[1]
    lines = [
        f"server       [bold]{url}[/]   (log: {escape(log)})",
        f"API docs     [bold]{url}/docs[/]  (OpenAPI: {url}/openapi.json)",
        f"XML schema   {url}/ispws/xsd",
        "credentials  " + "  ".join(f"{r.username} / {r.password}" for r in REPORTERS),
        f"try          curl -u {first.username}:{first.password} {url}/api/v1/reports",
    ]
    if keep_running:
        lines.append("[bold]the server keeps running; press Ctrl-C to stop it[/]")
    console.print(Panel("\n".join(lines), title="tipline demo", expand=False), highlight=False)
