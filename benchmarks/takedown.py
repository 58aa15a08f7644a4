"""Takedown re-checks: how many URLs one worker checks per minute, and simulated time to
removal under a compressed clock.

1. Throughput: `--urls` URLs (default 10,000) on `--hosts` simulated loopback hosts (default
   200; `takedown_hosts.py`: a mix of 200, 404, 410, slow (100 ms), reset, refused and
   redirect-loop hosts), checked by the takedown `Checker` with bounded concurrency in the
   worker's batches of 200, against a plain sequential `httpx` loop (one streamed GET per
   URL, straight to the address) over the first `--baseline-urls` of the same list, in the
   same run. Checks per minute for each, and the ratio.
2. Time to removal: `--simulated` URLs (default 500) on the well-behaved hosts, four providers whose
   content goes away after 0.5-12 h, 12-96 h, 48-400 h or never; assessed, noticed (e-mail
   to a local SMTP sink), re-checked every 6 simulated hours by the real worker on SQLite
   under a clock moved by the benchmark (the hosts read the same simulated clock), for
   `--days` simulated days (default 10). Prints the figures of `removal_figures`.

    .venv/bin/python benchmarks/takedown.py
    .venv/bin/python benchmarks/takedown.py --urls 2000 --simulated 200   # quick

Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

import httpx

from takedown_hosts import Hosts, kind_of
from tipline.db import Database
from tipline.demo.takedown import AbuseDesk
from tipline.migrate import upgrade
from tipline.routing.geo import TableLookup
from tipline.settings import Settings
from tipline.takedown import service, usecases
from tipline.takedown.checker import Checker
from tipline.takedown.schemas import ProviderIn
from tipline.takedown.worker import BATCH, build_worker

PROVIDERS = {"fast": (0.5, 12.0), "medium": (12.0, 96.0), "slow": (48.0, 400.0),
             "never": (1e9, 1e9)}
START = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


class BenchResolver:
    """Every simulated host name is on loopback (names, not addresses, as in real URLs)."""

    def resolve(self, host: str) -> list[str]:
        return ["127.0.0.1"] if host.endswith(".bench") else []


def _urls(hosts: Hosts, count: int, named: bool) -> list[str]:
    """Round robin over the hosts, so slow hosts are spread through the list."""
    found = []
    for n in range(count):
        host = n % len(hosts.ports)
        name = f"h{host}.bench" if named else "127.0.0.1"
        found.append(f"http://{name}:{hosts.ports[host]}/c/{n}")
    return found


def throughput(hosts: Hosts, count: int, baseline_count: int, concurrency: int
               ) -> dict[str, float]:
    urls = _urls(hosts, count, named=True)
    checker = Checker(BenchResolver(), timeout=5.0, allow_loopback=True,
                      concurrency=concurrency)
    started = time.perf_counter()
    seen = [s for i in range(0, len(urls), BATCH) for s in checker.check_many(urls[i:i + BATCH])]
    bounded = time.perf_counter() - started
    checker.close()
    gone = sum(1 for s in seen if s.seen in ("gone", "refused", "no_dns"))
    plain = _urls(hosts, baseline_count, named=False)
    started = time.perf_counter()
    with httpx.Client(timeout=5.0, trust_env=False) as client:
        for url in plain:
            try:
                with client.stream("GET", url) as answer:
                    _ = answer.status_code
            except httpx.HTTPError:
                pass
    sequential = time.perf_counter() - started
    return {"urls": count, "gone_or_refused": gone, "bounded_seconds": round(bounded, 2),
            "bounded_per_minute": round(count / bounded * 60),
            "baseline_urls": baseline_count, "sequential_seconds": round(sequential, 2),
            "sequential_per_minute": round(baseline_count / sequential * 60),
            "ratio": round((count / bounded) / (baseline_count / sequential), 1)}


def _settings(folder: Path, smtp_port: int, concurrency: int) -> Settings:
    return Settings(environment="test", data_dir=folder,
                    database_url=f"sqlite:///{folder / 'takedown.db'}",
                    evidence_key=base64.b64encode(secrets.token_bytes(32)).decode(),
                    secret_key=secrets.token_urlsafe(32), outbound_allow_loopback=True,
                    takedown_smtp_port=smtp_port, takedown_centre_country="NL",
                    takedown_recheck_minutes=360, takedown_check_concurrency=concurrency,
                    takedown_check_timeout_seconds=5.0)


def simulate(hosts: Hosts, count: int, days: int, concurrency: int) -> dict[str, object]:
    sink = AbuseDesk()  # the demo's local SMTP server: keeps each notice it accepts
    clock = [START]
    rng = random.Random(13)
    shm = Path("/dev/shm")  # the figures are the point here, not fsync: a RAM-backed file
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as folder:
        settings = _settings(Path(folder), sink.port, concurrency)
        db = Database(settings.resolved_database_url)
        upgrade(db)
        worker = build_worker(db, settings, BenchResolver(), TableLookup({"127.0.0.1": "NL"}),
                              lambda: clock[0])
        _seed(db, worker.policy, hosts, count, rng)
        started = time.perf_counter()
        for step in range(days * 4 + 1):
            hosts.hours.value = step * 6.0
            worker.run_until_idle()
            clock[0] = START + dt.timedelta(hours=6 * (step + 1))
        elapsed = time.perf_counter() - started
        worker.close()
        figures = usecases.removal_figures(db, START, clock[0])
        db.dispose()
    sink.shutdown()
    return {"urls": count, "simulated_days": days, "wall_seconds": round(elapsed, 1),
            "notices_sent": len(sink.mails), "figures": figures}


def _seed(db: Database, policy: service.Policy, hosts: Hosts, count: int,
          rng: random.Random) -> None:
    good = [h for h in range(len(hosts.ports)) if kind_of(h) == "ok"]
    with db.transaction() as session:
        for name in PROVIDERS:
            service.add_provider(session, ProviderIn(
                name=f"{name.title()} Hosting", domains=[f"{name}.bench"],
                contact=f"abuse@{name}.example"))
        for n in range(count):
            host = good[n % len(good)]
            provider = list(PROVIDERS)[host % len(PROVIDERS)]
            low, high = PROVIDERS[provider]
            after = rng.uniform(low, high)
            raw = f"http://h{host}.{provider}.bench:{hosts.ports[host]}/t/{after:.2f}/{n}"
            url_id = service.record_url(session, service.normal_or_refused(raw, True), raw,
                                        START)
            service.assess(session, service.url(session, url_id), "baseline", "bench", "NL",
                           policy, START)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--baseline-urls", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--simulated", type=int, default=500)
    parser.add_argument("--days", type=int, default=10)
    args = parser.parse_args()
    hosts = Hosts(args.hosts)
    try:
        result = {"throughput": throughput(hosts, args.urls, min(args.baseline_urls,
                                                                  args.urls),
                                           args.concurrency),
                  "time_to_removal": simulate(hosts, args.simulated, args.days,
                                              args.concurrency)}
    finally:
        hosts.stop()
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
