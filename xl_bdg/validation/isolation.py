"""Run work on many items in child processes, so that whatever one item does to its process — a crash in a C
library, a native abort, running out of memory, never finishing — becomes that item's result and never the end of
the run.

    for index, result in run_isolated(items, work, failed, workers=2, chunk=50, timeout=60):
        ...

`work(chunk, mark)` runs in a child: it handles a list of items and returns one result per item, calling
`mark(i)` before it starts item `i` and `mark(None)` before work that concerns the whole chunk (one rules pass over
all of it). The parent knows at each moment which item a child is on. When the child dies, raises, or stays on one
step longer than `timeout` seconds (it is killed), the item it was on gets `failed(item, Failure)` and the chunk's
other items are handed out again; a failure outside any item splits the chunk into single items, so the culprit is
found. Results stream back as chunks finish: the parent only ever holds what `work` returns.

Children are forked (the parent's loaded modules and data come for free, and nothing is pickled on the way in);
each limits its own address space (RLIMIT_AS) to what it had plus `memory` bytes, so a runaway allocation fails in
the child. Where fork is not available (Windows), the work runs in this process, without isolation.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Mark = Callable[[int | None], None]
Work = Callable[[list[T], Mark], list[R]]

#: Extra address space a child may take on top of what it had when it started (the parser's peak on a large
#: filled form is ~100 MB; 2 GiB stops an allocation of hundreds of GiB long before the machine swaps).
DEFAULT_MEMORY = 2 * 1024**3
#: Seconds one item may take before its child is killed (a normal form takes well under a second).
DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Failure:
    """Why an item has no result of its own: `kind` is "crashed" or "too-slow"; `detail` says how (a signal name,
    an exit status, an exception, or the seconds waited)."""

    kind: str
    detail: str


def fork_available() -> bool:
    """Whether children can be forked here (Linux, BSD, macOS); elsewhere the work runs unisolated."""
    return "fork" in mp.get_all_start_methods()


def _address_space() -> int:
    """This process's virtual size in bytes (0 when it cannot be known)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(extra: int | None) -> None:
    if not extra:
        return
    try:
        import resource
    except ImportError:  # not on POSIX
        return
    base = _address_space()
    if base:
        limit = base + extra
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _child(conn: Connection, work: Work[Any, Any], memory: int | None) -> None:
    """The loop of one child: take a chunk, work on it, send the results; stop on None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the children
    # The parent's SIGTERM handler (cli.edge) unwinds the command; a child ended by the parent must simply die.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    faulthandler.disable()  # an abort here is reported as the item's finding, not as a dump on the terminal
    _limit_memory(memory)

    def mark(i: int | None) -> None:
        conn.send(("mark", i))

    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        if chunk is None:
            return
        try:
            results = work(chunk, mark)
        except BaseException as exc:
            conn.send(("raised", f"{type(exc).__name__}: {exc}"[:300]))
            continue
        conn.send(("done", results))


def _exit_detail(code: int | None) -> str:
    """How a child ended, in words a person can pass on: a signal's name or an exit status."""
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit {code}"


class _Child:
    """One forked child and the chunk it is working on."""

    def __init__(self, work: Work[Any, Any], memory: int | None) -> None:
        ctx = mp.get_context("fork")
        self.conn, theirs = ctx.Pipe()
        self.proc = ctx.Process(target=_child, args=(theirs, work, memory), daemon=True)
        self.proc.start()
        theirs.close()
        self.chunk: list[int] | None = None
        self.current: int | None = None  # index (into the chunk) of the item being worked on
        self.since = 0.0

    def give(self, chunk: list[int], items: list[Any]) -> None:
        self.chunk, self.current, self.since = chunk, None, time.monotonic()
        self.conn.send(items)

    def stop(self) -> None:
        """End the child now (it may be stuck in native code, where only a kill reaches it)."""
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def retire(self) -> None:
        """Ask an idle child to finish, and wait for it."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.proc.join(5)
        self.stop()


class _Run(Generic[T, R]):
    def __init__(self, items: Sequence[T], work: Work[T, R], failed: Callable[[T, Failure], R], workers: int,
                 chunk: int, timeout: float, memory: int | None) -> None:
        self.items, self.work, self.failed = items, work, failed
        self.workers, self.timeout, self.memory = max(1, workers), timeout, memory
        size = max(1, chunk)
        self.queue: deque[list[int]] = deque(list(range(i, min(i + size, len(items))))
                                            for i in range(0, len(items), size))
        self.children: list[_Child] = []

    def __iter__(self) -> Iterator[tuple[int, R]]:
        try:
            while self.queue or any(c.chunk is not None for c in self.children):
                self._hand_out()
                busy = [c for c in self.children if c.chunk is not None]
                deadline = min(c.since + self.timeout for c in busy)
                ready = wait([c.conn for c in busy] + [c.proc.sentinel for c in busy],
                             max(0.0, deadline - time.monotonic()))
                for child in busy:
                    if child.conn in ready or child.proc.sentinel in ready:
                        yield from self._listen(child)
                now = time.monotonic()
                for child in busy:
                    if child.chunk is not None and now - child.since > self.timeout:
                        yield from self._lost(child, Failure("too-slow", f"{self.timeout:g}"))
        finally:
            for child in self.children:
                if child.chunk is None:
                    child.retire()
                else:
                    child.stop()
            self.children.clear()

    def _hand_out(self) -> None:
        for child in self.children:
            if child.chunk is None and self.queue:
                chunk = self.queue.popleft()
                child.give(chunk, [self.items[i] for i in chunk])
        while self.queue and len(self.children) < self.workers:
            child = _Child(self.work, self.memory)
            self.children.append(child)
            chunk = self.queue.popleft()
            child.give(chunk, [self.items[i] for i in chunk])

    def _listen(self, child: _Child) -> Iterator[tuple[int, R]]:
        """Read what a child said; a child that died or cannot be heard loses its chunk."""
        try:
            while child.chunk is not None and child.conn.poll():
                kind, payload = child.conn.recv()
                if kind == "mark":
                    child.current, child.since = payload, time.monotonic()
                elif kind == "done":
                    chunk, child.chunk = child.chunk, None
                    yield from zip(chunk, payload, strict=True)
                else:  # "raised": Python's own failure inside the work, the child is still fine
                    yield from self._lost(child, Failure("crashed", str(payload)), replace=False)
        except (EOFError, OSError):
            pass
        if child.chunk is not None and not child.proc.is_alive():
            yield from self._lost(child, Failure("crashed", _exit_detail(child.proc.exitcode)))

    def _lost(self, child: _Child, why: Failure, replace: bool = True) -> Iterator[tuple[int, R]]:
        """The child failed on its chunk: the item it was on gets `why`; the others are handed out again."""
        chunk, current = child.chunk or [], child.current
        child.chunk = child.current = None
        if replace:
            child.stop()
            self.children.remove(child)
        if current is not None and 0 <= current < len(chunk):
            culprit = chunk[current]
            rest = [i for i in chunk if i != culprit]
            if rest:
                self.queue.appendleft(rest)
            yield culprit, self.failed(self.items[culprit], why)
        elif len(chunk) == 1:
            yield chunk[0], self.failed(self.items[chunk[0]], why)
        else:  # the failure concerned the whole chunk: one item at a time finds which one causes it
            self.queue.extendleft([i] for i in reversed(chunk))


def run_isolated(items: Sequence[T], work: Work[T, R], failed: Callable[[T, Failure], R], *, workers: int = 1,
                 chunk: int = 1, timeout: float = DEFAULT_TIMEOUT,
                 memory: int | None = DEFAULT_MEMORY) -> Iterator[tuple[int, R]]:
    """(index, result) for every item, in the order chunks finish; see the module's docstring."""
    if not items:
        return iter(())
    if not fork_available():
        return _in_process(items, work, failed, chunk)
    return iter(_Run(items, work, failed, workers, chunk, timeout, memory))


def _in_process(items: Sequence[T], work: Work[T, R], failed: Callable[[T, Failure], R],
                chunk: int) -> Iterator[tuple[int, R]]:
    """The same work in this process (no fork here): exceptions still become the item's failure."""
    size = max(1, chunk)
    for start in range(0, len(items), size):
        indexes = list(range(start, min(start + size, len(items))))
        current: list[int | None] = [None]

        def mark(i: int | None, current: list[int | None] = current) -> None:
            current[0] = i

        try:
            results = work([items[i] for i in indexes], mark)
        except Exception:  # one item failed: the others are done one by one, so only it fails
            for i in indexes:
                try:
                    yield i, work([items[i]], lambda _i: None)[0]
                except Exception as exc:
                    yield i, failed(items[i], Failure("crashed", f"{type(exc).__name__}: {exc}"[:300]))
            continue
        yield from zip(indexes, results, strict=True)
