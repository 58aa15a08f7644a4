"""Re-checks: is a noticed URL still there? Asked by HTTP status only, never reading a body.

Each hop's host is resolved through the resolver interface and every address checked
against the outbound address policy before anything connects; the connection goes to the
checked address (the name in the Host header and TLS SNI), so DNS cannot lead it into
private space. The response is streamed and closed unread. Redirects are followed by hand
(at most `max_redirects`); a loop or too many hops is recorded as such. Time is limited.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from tipline.delivery.http_client import REDIRECTS, address_allowed
from tipline.routing.geo import Resolver
from tipline.takedown import rules


@dataclass(frozen=True)
class Seen:
    url: str
    seen: str  # rules.GONE members, up, error
    detail: str


class Checker:
    def __init__(self, resolver: Resolver, timeout: float, allow_loopback: bool,
                 concurrency: int = 16, max_redirects: int = 5, resolve_names: bool = True
                 ) -> None:
        self.resolver = resolver
        self.resolve_names = resolve_names  # off: a name is never looked up, nor "gone"
        self.timeout = timeout
        self.allow_loopback = allow_loopback
        self.concurrency = concurrency
        self.max_redirects = max_redirects
        limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=0)
        # trust_env=False: no proxy from the environment; redirects by hand, each checked.
        self.http = httpx.Client(follow_redirects=False, trust_env=False, limits=limits,
                                 timeout=httpx.Timeout(timeout))
        # httpx's timeouts bound each read, not the whole answer: a host sending its headers
        # a byte at a time would hold a check for ever. Sends run here and a check waits for
        # its answer only until its deadline.
        self.senders = concurrent.futures.ThreadPoolExecutor(
            concurrency * 2, thread_name_prefix="takedown-check")

    def close(self) -> None:
        self.senders.shutdown(wait=False, cancel_futures=True)
        self.http.close()

    def check_many(self, urls: Sequence[str]) -> list[Seen]:
        """Every URL checked, at most `concurrency` at once, in the order given."""
        if len(urls) <= 1:
            return [self.check(u) for u in urls]
        with concurrent.futures.ThreadPoolExecutor(min(self.concurrency, len(urls))) as pool:
            return list(pool.map(self.check, urls))

    def check(self, url: str) -> Seen:
        deadline = time.monotonic() + self.timeout
        current = httpx.URL(url)
        visited = {str(current)}
        for _ in range(self.max_redirects + 1):
            outcome = self._one(current, deadline)
            if isinstance(outcome, Seen):
                return outcome
            status, location = outcome
            if status not in REDIRECTS or not location:
                return Seen(url, rules.status_meaning(status), f"HTTP {status}")
            try:
                current = current.join(location)
            except httpx.InvalidURL:
                return Seen(url, rules.UP, f"HTTP {status} to an invalid location")
            if str(current) in visited:
                return Seen(url, rules.UP, f"redirect loop at {current}")
            visited.add(str(current))
        return Seen(url, rules.UP, f"more than {self.max_redirects} redirects")

    def _one(self, url: httpx.URL, deadline: float) -> Seen | tuple[int, str | None]:
        if url.scheme not in ("http", "https") or not url.host:
            return Seen(str(url), rules.UP, f"redirected to {url.scheme}: not followed")
        try:
            addresses = [ipaddress.ip_address(url.host)]
        except ValueError:
            if not self.resolve_names:
                return Seen(str(url), rules.ERROR, "DNS lookups are off: not checked")
            found = self.resolver.resolve(url.host)
            if not found:
                return Seen(str(url), "no_dns", f"{url.host} does not resolve")
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in found]
        refused = [a for a in addresses if not address_allowed(a, self.allow_loopback)]
        if refused:
            return Seen(str(url), rules.UP, f"leads to a forbidden address {refused[0]}: "
                                            "not contacted")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Seen(str(url), rules.ERROR, "time limit reached")
        return self._status(url, str(addresses[0]), remaining)

    def _status(self, url: httpx.URL, address: str, remaining: float
                ) -> Seen | tuple[int, str | None]:
        pinned = url.copy_with(host=address)
        request = self.http.build_request(
            "GET", pinned, headers={"Host": url.netloc.decode("ascii"),
                                    "Accept-Encoding": "identity"},
            timeout=httpx.Timeout(remaining),
            extensions={"sni_hostname": url.host} if url.scheme == "https" else {})
        sent = self.senders.submit(self.http.send, request, stream=True)
        try:
            response = sent.result(timeout=remaining)
        except concurrent.futures.TimeoutError:
            sent.add_done_callback(_close_unread)  # whenever the slow answer completes
            return Seen(str(url), rules.ERROR, "time limit reached: the host answers too slowly")
        except httpx.ConnectError as exc:
            refused = "refused" in str(exc).lower()
            return Seen(str(url), "refused" if refused else rules.ERROR, f"connect: {exc}")
        except httpx.TimeoutException as exc:
            return Seen(str(url), rules.ERROR, f"timeout ({type(exc).__name__})")
        except httpx.HTTPError as exc:
            return Seen(str(url), rules.ERROR, f"{type(exc).__name__}: {exc}")
        response.close()  # the status is all we want: the body is never read
        return response.status_code, response.headers.get("location")


def _close_unread(sent: concurrent.futures.Future[httpx.Response]) -> None:
    """Close an answer that came after its check gave up (never reading its body)."""
    if not sent.cancelled() and sent.exception() is None:
        sent.result().close()
