"""Simulated hosts of the takedown benchmark: one asyncio process listening on many loopback
ports, each port a host with its own behaviour (200, 404, 410, slow, reset, redirect loop;
a refused host is a port nobody listens on). Paths `/t/<hours>/...` answer 200 until the
shared simulated clock reaches <hours>, then 404 (content removed under a compressed clock).
Loopback only; no body worth reading is ever sent."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import socket
import struct
from multiprocessing.sharedctypes import Synchronized
from typing import Any

KINDS = ("ok",) * 12 + ("gone", "gone", "gone410", "gone410", "slow", "reset", "refused",
                        "loop")
SLOW_SECONDS = 0.1


def kind_of(host: int) -> str:
    return KINDS[host % len(KINDS)]


async def _serve_one(kind: str, hours: Synchronized, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    path = head.split(b" ", 2)[1].decode("latin-1")
    if kind == "reset":
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        return
    if kind == "slow":
        await asyncio.sleep(SLOW_SECONDS)
    status, extra = _answer(kind, path, hours.value)
    writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n{extra}"
                 "\r\n..".encode())
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    writer.close()


def _answer(kind: str, path: str, now_hours: float) -> tuple[int, str]:
    if path.startswith("/t/"):
        return (404 if now_hours >= float(path.split("/")[2]) else 200), ""
    if kind == "loop":
        return 302, f"Location: {path}\r\n"
    return {"gone": 404, "gone410": 410}.get(kind, 200), ""


async def _main(sockets: list[socket.socket | None], hours: Synchronized,
                ready: Any) -> None:
    servers = []
    for host, sock in enumerate(sockets):
        if sock is None:
            continue
        kind = kind_of(host)
        servers.append(await asyncio.start_server(
            lambda r, w, k=kind: _serve_one(k, hours, r, w), sock=sock, backlog=512))
    ready.set()
    await asyncio.Event().wait()


def _run(sockets: list[socket.socket | None], hours: Synchronized, ready: Any) -> None:
    asyncio.run(_main(sockets, hours, ready))


class Hosts:
    """`count` hosts on loopback ports, served by a child process; `hours` is the simulated
    clock the `/t/` paths read."""

    def __init__(self, count: int) -> None:
        self.hours: Synchronized = multiprocessing.Value("d", 0.0)  # type: ignore[assignment]
        self.sockets: list[socket.socket | None] = []
        self.ports: list[int] = []
        for host in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            self.ports.append(sock.getsockname()[1])
            if kind_of(host) == "refused":
                sock.close()  # the port stays free: connections are refused
                self.sockets.append(None)
            else:
                sock.listen(512)
                self.sockets.append(sock)
        ready = multiprocessing.Event()
        self.process = multiprocessing.Process(
            target=_run, args=(self.sockets, self.hours, ready), daemon=True)
        self.process.start()
        ready.wait(60)

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)
        for sock in self.sockets:
            if sock is not None:
                sock.close()
