"""The intake queue: uploads wait here and are handed to worker processes in batches.

The server process only moves bytes and renders pages; validation and the ledger's writes run in worker processes
(`worker.run_batch`), so the office pages stay quick while files are checked. While the workers are busy, uploads
gather, and the next free worker takes all that wait (up to `batch_max`): one validation pass over many files costs
far less per file than one per file. Two uploads for the same unit and period never go in one batch, nor in two
batches at once, nor in the same second (the ledger orders versions by the second they were received), so the file
sent last is always the unit's current version.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import datetime as dt
import multiprocessing
import time
from collections import deque
from concurrent.futures.process import BrokenProcessPool

from .config import PortalConfig
from .worker import Job, Outcome, init_worker, run_batch, warm_up


class QueueFull(Exception):
    """Too many uploads are waiting: the client should try again shortly."""


class IntakeQueue:
    """Batches uploads onto a pool of intake worker processes."""

    def __init__(self, config: PortalConfig) -> None:
        self.config = config
        self.workers = max(1, config.workers)
        self._pending: deque[tuple[Job, asyncio.Future[Outcome]]] = deque()
        self._in_flight: set[tuple[str, str]] = set()
        self._last_second: dict[tuple[str, str], int] = {}
        self._busy = 0
        self._pool: cf.ProcessPoolExecutor | None = None
        self._wake: asyncio.TimerHandle | None = None
        self.batches: list[int] = []  # sizes of the batches run (the benchmark reports them)

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        # spawn, not fork: the server process has threads and an event loop that a forked child must not inherit.
        ctx = multiprocessing.get_context("spawn")
        return cf.ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=init_worker,
                                      initargs=(str(self.config.ledger),
                                                str(self.config.schemas) if self.config.schemas else None,
                                                str(self.config.state_dir)))

    async def start(self) -> None:
        """Start the workers and wait until each has loaded what intake needs."""
        self._pool = self._new_pool()
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._pool, warm_up) for _ in range(self.workers)))

    async def stop(self) -> None:
        """Finish the batches under way, then stop the workers."""
        while self._busy or self._pending:
            await asyncio.sleep(0.05)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    @property
    def waiting(self) -> int:
        """Uploads waiting for a worker."""
        return len(self._pending)

    async def submit(self, job: Job) -> Outcome:
        """Queue one upload and wait for what became of it."""
        if len(self._pending) >= self.config.queue_max:
            raise QueueFull()
        fut: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((job, fut))
        self._pump()
        return await fut

    def _pump(self) -> None:
        """Hand batches to idle workers."""
        while self._busy < self.workers and self._pending:
            second = int(time.time())
            batch: list[tuple[Job, asyncio.Future[Outcome]]] = []
            keys: set[tuple[str, str]] = set()
            held = False
            for item in list(self._pending):
                key = (item[0].token.unit_code, item[0].token.period)
                if key in self._in_flight or key in keys or self._last_second.get(key) == second:
                    held = held or self._last_second.get(key) == second
                    continue
                batch.append(item)
                keys.add(key)
                if len(batch) >= self.config.batch_max:
                    break
            if not batch:
                if held and self._wake is None:  # the next second frees what waits for it
                    self._wake = asyncio.get_running_loop().call_later(1.0 - time.time() % 1.0 + 0.01, self._woken)
                return
            for item in batch:
                self._pending.remove(item)
            self._in_flight |= keys
            self._busy += 1
            asyncio.get_running_loop().create_task(self._run(batch, keys, second))

    def _woken(self) -> None:
        self._wake = None
        self._pump()

    async def _run(self, batch: list[tuple[Job, asyncio.Future[Outcome]]], keys: set[tuple[str, str]],
                   second: int) -> None:
        jobs = [job for job, _ in batch]
        when = dt.datetime.fromtimestamp(second)
        self.batches.append(len(jobs))
        try:
            assert self._pool is not None, "IntakeQueue.start() was not awaited"
            outcomes = await asyncio.get_running_loop().run_in_executor(self._pool, run_batch, jobs, when)
        except BrokenProcessPool:
            self._pool = self._new_pool()  # a worker died (killed, out of memory): the next batch gets new ones
            outcomes = [Outcome("", "failed") for _ in jobs]
        except Exception:
            outcomes = [Outcome("", "failed") for _ in jobs]
        finally:
            self._busy -= 1
            self._in_flight -= keys
            for key in keys:
                self._last_second[key] = second
        for (_, fut), outcome in zip(batch, outcomes, strict=True):
            if not fut.done():
                fut.set_result(outcome)
        self._pump()
