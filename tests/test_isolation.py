"""Per-item isolation (xl_bdg.validation.isolation): real forked children, real aborts, real time-outs, a real runaway
allocation. Whatever one item does to its process becomes that item's result; every other item gets its own."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from xl_bdg.validation.isolation import Failure, Mark, fork_available, run_isolated

pytestmark = pytest.mark.skipif(not fork_available(), reason="isolation forks children")


def _work(items: list[str], mark: Mark) -> list[str]:
    out = []
    for i, item in enumerate(items):
        mark(i)
        if item == "abort":
            os.abort()  # what a Rust allocation failure or a C library's assert does
        if item == "sleep":
            time.sleep(60)
        if item == "hog":
            blob = bytearray(8 * 1024**3)  # far over the child's address-space limit: MemoryError in the child
            out.append(str(len(blob)))
            continue
        if item == "exit":
            os._exit(3)
        out.append(item.upper())
    mark(None)
    if "poison" in items and len(items) > 1:  # fails only in the chunk-wide step, and only with company
        os.abort()
    return out


def _failed(item: str, why: Failure) -> str:
    return f"{item}:{why.kind}:{why.detail}"


def _run(items: list[str], **kw: object) -> dict[str, str]:
    out = dict(run_isolated(items, _work, _failed, **kw))  # type: ignore[arg-type]
    assert sorted(out) == list(range(len(items))), "every item gets exactly one result"
    return {items[k]: v for k, v in out.items()}


def test_an_abort_is_the_items_result_and_the_others_are_done() -> None:
    items = ["a", "b", "abort", "c", "d", "e"]
    got = _run(items, workers=2, chunk=3)
    assert got == {"a": "A", "b": "B", "abort": "abort:crashed:SIGABRT", "c": "C", "d": "D", "e": "E"}


def test_an_exit_status_is_named() -> None:
    assert _run(["x", "exit"], workers=1, chunk=2)["exit"] == "exit:crashed:exit 3"


def test_a_hang_is_killed_after_the_timeout() -> None:
    started = time.monotonic()
    got = _run(["a", "sleep", "b"], workers=1, chunk=3, timeout=1.5)
    assert got == {"a": "A", "sleep": "sleep:too-slow:1.5", "b": "B"}
    assert time.monotonic() - started < 30


def test_a_runaway_allocation_fails_in_the_child() -> None:
    got = _run(["hog", "a"], workers=1, chunk=2, memory=512 * 1024**2)
    assert got["hog"].startswith("hog:crashed:MemoryError") and got["a"] == "A"


def test_a_failure_outside_any_item_is_traced_to_its_item() -> None:
    """A crash in the chunk-wide step (the rules' one pass) names no item: the chunk is split, item by item."""
    got = _run(["a", "poison", "b"], workers=1, chunk=3)
    assert got == {"a": "A", "poison": "POISON", "b": "B"}  # alone, each item passes: all results are real


def test_many_items_stream_back_in_chunks() -> None:
    items = [f"f{i}" for i in range(40)]
    got = _run(items, workers=2, chunk=7)
    assert got == {i: i.upper() for i in items}


def test_no_child_is_left_behind() -> None:
    before = set(os.listdir("/proc"))
    results = run_isolated(["a", "b", "c", "d"], _work, _failed, workers=2, chunk=1)
    next(iter(results))
    results.close()  # type: ignore[attr-defined]  # the consumer stopped early (an aborted intake)
    time.sleep(0.2)
    children = [p for p in set(os.listdir("/proc")) - before if p.isdigit()
                and Path(f"/proc/{p}/stat").read_text().split()[3] == str(os.getpid())]
    assert children == []
