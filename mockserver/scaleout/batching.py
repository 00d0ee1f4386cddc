"""Items gathered from many request threads and handed on together, by one thread per process.

The request log and the request journal both record something for every request. Writing each
on its own (a system call, a store round trip) is a visible part of a short request under load
(docs/decisions.md), so each gathers its items here: `add` is a deque append (atomic, no
lock), and a thread of the process hands what has gathered to the sink every FLUSH_EVERY
seconds. `flush` hands them on at once (before a read, at exit).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from mockserver.scaleout.forking import in_forked_children
from mockserver.storage.outage import Outage, is_outage

FLUSH_EVERY = 0.1  # seconds: soon enough to watch, rare enough to cost nothing

Item = TypeVar("Item")


class Batcher(Generic[Item]):
    """`keep` bounds what may wait (the oldest go first); `when`, if given, is asked before each
    timed flush, so a sink can be fed only while someone wants it."""

    def __init__(
        self,
        sink: Callable[[list[Item]], None],
        interval: float = FLUSH_EVERY,
        keep: int | None = None,
        when: Callable[[], bool] | None = None,
        outage: Outage | None = None,
    ) -> None:
        self.interval = interval
        self._sink = sink
        self._when = when
        self._outage = outage  # where a store that is down is said, once (storage/outage.py)
        self._pending: collections.deque[Item] = collections.deque(maxlen=keep)
        self._flushing = False  # this process has started its flusher thread
        self._lock = threading.Lock()  # one flush at a time keeps items in order
        in_forked_children(self, _forked)

    def add(self, item: Item) -> None:
        if not self._flushing:
            self._start()
        self._pending.append(item)

    def flush(self, wait: bool = True) -> None:
        """Hand on what has gathered. `wait=False`: not while another thread is handing on
        (what it left is handed on by the next flush, at the latest the timed one), so a
        request thread never waits for another's write."""
        if not self._lock.acquire(blocking=wait):
            return
        try:
            items: list[Item] = []
            try:
                while True:
                    items.append(self._pending.popleft())
            except IndexError:
                pass
            if items:
                self._sink(items)
        finally:
            self._lock.release()

    def discard(self) -> None:
        """Drop what has not been handed on yet."""
        self._pending.clear()

    def _start(self) -> None:
        with self._lock:
            if self._flushing:
                return
            self._flushing = True
        # The thread holds the batcher weakly: it ends once the batcher is gone (an emulator
        # of a test, say) instead of keeping it alive.
        flusher = threading.Thread(
            target=_flush_forever,
            args=(weakref.ref(self), self.interval),
            name="batch-flusher",
            daemon=True,
        )
        flusher.start()


def _flush_forever(alive: weakref.ref[Batcher[Any]], interval: float) -> None:
    while True:
        time.sleep(interval)
        batcher = alive()
        if batcher is None:
            return
        outage = batcher._outage
        try:
            if outage is not None and not outage.available():
                pass  # the store is down: nothing is written until it is back
            elif batcher._when is None or batcher._when():
                batcher.flush()
        except Exception as error:  # the sink failed: say so, keep going
            if outage is not None and is_outage(error):
                outage.failed(error)  # said once for the whole outage
            else:
                logging.getLogger("presence_mock").exception("could not hand on a batch")
        del batcher, outage


def _forked(batcher: Batcher[Any]) -> None:
    # In a child of fork: the parent's flusher did not come along, its lock may have been held
    # at fork, and what it had gathered is the parent's to hand on, not this process's.
    batcher._lock = threading.Lock()
    batcher._pending.clear()
    batcher._flushing = False
