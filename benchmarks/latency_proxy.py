"""A loopback TCP proxy that adds network latency, for the ``wan_*`` figures (issue 19).

A shop's PostgreSQL is often across town or in a data centre: every exchange with it
waits 10-60 ms. ``LatencyProxy`` listens on 127.0.0.1 and forwards each connection to
a server on this machine (127.0.0.1 only: it is a measuring tool, never a relay), holding
every chunk ``one_way_ms`` in each direction (default 10 ms: a 20 ms round trip). Order
within a direction is kept and bytes are never merged or split, so TLS and the
PostgreSQL protocol pass through unchanged.

It runs its asyncio loop in a daemon thread, and stops by itself after ``max_seconds``
whatever happens to the bench (bounded in time). It counts "turns": a client chunk that
follows an answer from the server (or opens a connection) starts a new round trip; the
figures print that count beside the engine-hook count (db/round_trips.py) as a check.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import threading
import time
from types import TracebackType
from typing import Self

from sqlalchemy.engine import make_url

DEFAULT_RTT_MS = 20.0
LOOPBACK = "127.0.0.1"


class LatencyProxy:
    """``with LatencyProxy(5432) as proxy: make_engine(proxy.url(bench_url))``."""

    def __init__(self, target_port: int, *, target_host: str = LOOPBACK,
                 rtt_ms: float = DEFAULT_RTT_MS, max_seconds: float = 900.0) -> None:
        if target_host != "localhost" and not ipaddress.ip_address(target_host).is_loopback:
            raise ValueError("the latency proxy forwards to this machine only")
        self.target = (LOOPBACK if target_host == "localhost" else target_host, target_port)
        self.one_way = rtt_ms / 2000.0
        self.max_seconds = max_seconds
        self.port = 0
        #: Client chunks that followed a server answer (or opened a connection).
        self.turns = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)

    # -- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the latency proxy did not start")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._stopped is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout=10)

    def url(self, url: str) -> str:
        """``url`` (a PostgreSQL URL on this machine) re-pointed through the proxy."""
        parsed = make_url(url)
        return parsed.set(host=LOOPBACK, port=self.port).render_as_string(hide_password=False)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._client, LOOPBACK, 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self.max_seconds)
            server.close()
            for task in list(self._tasks):  # end the open connections before the loop
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- one connection ----------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._relay(reader, writer)
        except asyncio.CancelledError:
            pass  # the proxy is stopping: end quietly (asyncio's callback reads the result)
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        last = ["server"]  # who spoke last on this connection
        await asyncio.gather(
            self._pipe(reader, up_writer, last, "client"),
            self._pipe(up_reader, writer, last, "server"),
            return_exceptions=True,
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    last: list[str], side: str) -> None:
        """Copy ``reader`` to ``writer``, each chunk delivered ``one_way`` after it came."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await reader.read(65536)
                if side == "client" and data and last[0] == "server":
                    self.turns += 1
                last[0] = side
                await queue.put((time.monotonic() + self.one_way, data))
                if not data:
                    break
            await sender
        finally:
            sender.cancel()
            with contextlib.suppress(BaseException):
                await sender
            with contextlib.suppress(Exception):
                writer.close()
