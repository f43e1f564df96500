"""A large close on two cores: the second half of its people worked in a forked process.

Everything a quarter's close does person by person depends on that person alone (and on the
group's mean task load, worked out first): the compact inputs, their canonical JSON (taken by
the input digest and spliced into the stored detail), the exact total and limits, and the stored
row. Only the grading needs everyone. So a close of many people forks once, before that work: the
child works the second half of the people (in person-id order) while this process works the
first; the child sends back its part of the bytes the input digest takes and its totals; this
process grades everyone and sends the child its people's grades; the child sends its rows in
batches, which follow this process's own into the COPY. The bytes are the same as one process
working everyone (tests hold them equal).

Fork, not spawn: the child starts with the close's inputs already in its memory (copy-on-write),
nothing is pickled on the way in. The child touches nothing of the service (no connection, no
log); it leaves with ``os._exit`` when its half is done. If it cannot be started, or dies (the
kernel's OOM killer, an operator's kill), this process works the rest of that half itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import uuid
from collections.abc import Iterator, Sequence
from fractions import Fraction
from multiprocessing.connection import Connection
from operator import itemgetter
from typing import Any

from scoring.definitions import Rules
from scoring.results.engine import Compact
from scoring.results.ranking import Graded, Scored

Json = bytes | memoryview  # a person's canonical JSON, as kept for the stored detail

logger = logging.getLogger("scoring.close")

#: Rows per batch sent from the child and handed to the COPY.
BATCH = 5_000

#: A batch of stored rows: the bytes of them the result digest takes, and their lines for the COPY.
RowBatch = tuple[bytes, bytes]

_END = b""  # after the child's last batch (a pickled batch is never empty)


class Half:
    """One run of the close's people, contiguous in person-id order, worked in this process."""

    def __init__(self, people: list[dict[str, Any]], own: dict[str, Compact], wanted: tuple[str, ...],
                 rules: Rules, mean_load: Fraction) -> None:
        self.people, self.own, self.wanted, self.rules, self.mean_load = people, own, wanted, rules, mean_load
        self.compacts: dict[str, Compact] = {}
        self.raw: dict[str, Json] = {}
        self.scored: list[Scored] = []

    def inputs(self) -> tuple[bytes | bytearray, list[Scored]]:
        """The bytes of the half's people the input digest takes, and their totals, in person order."""
        from scoring.results.service import compacts_of, inputs_bytes, score_people

        self.compacts = compacts_of(self.people, self.wanted, self.own)
        blob = inputs_bytes(self.compacts, self.raw)
        self.scored = score_people(self.compacts, self.rules, self.mean_load)
        return blob, self.scored

    def rows(self, close_id: uuid.UUID, grades: Sequence[tuple[str | None, int | None, list[str]]],
             skip: int = 0) -> Iterator[RowBatch]:
        """The half's stored rows in batches for the version ``close_id``, given its people's
        grades in person order (after the first ``skip`` batches)."""
        from scoring.results.service import quarter_rows, row_batches

        graded: Graded = {s[0]: g for s, g in zip(self.scored, grades, strict=True)}
        start = skip * BATCH
        rows = quarter_rows(self.compacts, self.scored[start:], graded, self.raw)
        yield from row_batches(rows, close_id, BATCH)

    def stop(self) -> None:
        """Nothing to let go of."""


def _work(half: Half, conn: Connection) -> None:
    """The child: its half's inputs, then (given the grades) its rows; gone when told or done.
    Its rows are all made (and pickled) at once, while this process makes its own: they are sent
    only when the COPY has taken those."""
    # The service's signal handlers write to its event loop's wakeup pipe, which the child shares:
    # a signal meant for the child must not reach the service.
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    try:
        conn.send(half.inputs())
        given = conn.recv()
        if given is not None:
            close_id, grades = given
            batches = [pickle.dumps(batch, pickle.HIGHEST_PROTOCOL) for batch in half.rows(close_id, grades)]
            for batch in batches:
                conn.send_bytes(batch)
            conn.send_bytes(_END)
    finally:
        conn.close()


class ForkedHalf:
    """A half worked in a forked child; this process takes over whatever the child leaves undone."""

    def __init__(self, half: Half) -> None:
        self.half = half
        self.local = False
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_work, args=(half, child), daemon=True, name="kaohe-close-half")
        try:
            self.process.start()
        except OSError as error:  # no memory or no process slot for the child: this process works it
            logger.warning("could not fork the second half of a close (%s); working it here", error)
            self.local = True
        finally:
            child.close()

    @property
    def pid(self) -> int | None:
        return None if self.local else self.process.pid

    def _lost(self, what: str) -> None:
        logger.warning("the process working the second half of a close ended early (exit %s); working %s here",
                       self.process.exitcode, what)
        self.local = True
        self.stop()

    def inputs(self) -> tuple[bytes | bytearray, list[Scored]]:
        if not self.local:
            try:
                blob, scored = self.conn.recv()
                self.half.scored = scored
                return blob, scored
            except (EOFError, OSError):
                self.process.join(timeout=5)
                self._lost("its inputs")
        return self.half.inputs()

    def rows(self, close_id: uuid.UUID, grades: Sequence[tuple[str | None, int | None, list[str]]]
             ) -> Iterator[RowBatch]:
        """The half's rows: the child is given the grades now, and makes its rows while this
        process makes the first half's; they are taken from it when the COPY gets to them."""
        if not self.local:
            try:
                self.conn.send((close_id, list(grades)))
            except OSError:
                self.process.join(timeout=5)
                self._lost("its rows")
        return self._rows(close_id, grades)

    def _rows(self, close_id: uuid.UUID, grades: Sequence[tuple[str | None, int | None, list[str]]]
              ) -> Iterator[RowBatch]:
        received = 0
        if not self.local:
            try:
                while (payload := self.conn.recv_bytes()) != _END:
                    batch = pickle.loads(payload)  # noqa: S301 - from our own child, over its own pipe
                    received += 1
                    yield batch
                self.stop()
                return
            except (EOFError, OSError):
                self.process.join(timeout=5)
                self._lost(f"its rows after {received} batches")
        if not self.half.compacts:
            self.half.inputs()
        yield from self.half.rows(close_id, grades, skip=received)

    def stop(self) -> None:
        """Done with the child: it leaves (told to, or killed if it does not) and is reaped."""
        if self.local or self.process.pid is None:
            return
        if self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(timeout=2)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        self.conn.close()


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and os.name == "posix"


def split(people: list[dict[str, Any]], own: dict[str, Compact], wanted: tuple[str, ...], rules: Rules,
          mean_load: Fraction, *, at: int) -> list[Half | ForkedHalf]:
    """The close's people in person-id order as one half worked here, or (``at`` people or more,
    ``at`` > 0) two: the second in a forked child, started now."""
    people.sort(key=itemgetter("person_id"))
    if not at or len(people) < max(at, 2) or not fork_available():
        return [Half(people, own, wanted, rules, mean_load)]
    middle = len(people) // 2
    second = ForkedHalf(Half(people[middle:], own, wanted, rules, mean_load))
    return [Half(people[:middle], own, wanted, rules, mean_load), second]
