"""A large close on two cores: part of its people worked in a forked process.

Everything a quarter's close does person by person depends on that person alone (and on the
group's mean task load, worked out first): the compact inputs, their canonical JSON (taken by
the input digest and spliced into the stored detail), the exact total and limits, and the stored
row. Only the grading needs everyone. So a close of many people forks once, before that work: the
child works the last part of the people (in person-id order) while this process works the first;
the child sends back its part of the bytes the input digest takes and its totals; this process
grades everyone and sends the child its people's grades; the child sends its rows' COPY lines
batch by batch as it makes them, and this process passes them on to the database between its own
(the table does not mind their order; the result digest is taken in person order). The bytes
are the same as one process working everyone (tests hold them equal).

Fork, not spawn: the child starts with the close's inputs already in its memory (copy-on-write),
nothing is pickled on the way in. The child touches nothing of the service (no connection, no
log); it leaves with ``os._exit`` when its half is done. If it cannot be started, or dies (the
kernel's OOM killer, an operator's kill), this process works the rest of that half itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from fractions import Fraction
from multiprocessing.connection import Connection
from operator import itemgetter
from typing import Any

from scoring.definitions import Rules
from scoring.results.engine import Compact, EngineMeans
from scoring.results.ranking import Grade, Scored

Json = bytes | memoryview  # a person's canonical JSON, as kept for the stored detail

logger = logging.getLogger("scoring.close")

#: The share of the people (%) this process works; the child works the rest, more slowly (each
#: page of the inputs it touches is copied for it first): a province's halves finish together.
FIRST_SHARE = 64

#: Rows per batch sent from the child and handed to the COPY.
BATCH = 5_000

#: What a half gives back first: the bytes the input digest takes, the totals, and who is held back
#: for a missing input (person, unit, the leaves missing).
Inputs = tuple[bytes | bytearray, list[Scored], list[Any]]

#: A batch of stored rows: the bytes of them the result digest takes, and their lines for the COPY.
RowBatch = tuple[bytes, bytes]

_END = b""  # after the child's last batch of lines (a batch is never empty)

#: Seconds the child may go without sending anything before it is taken for stuck and killed (a
#: province's part takes it a few seconds).
PATIENCE = 300.0


class Half:
    """One run of the close's people, contiguous in person-id order, worked in this process."""

    def __init__(self, people: list[dict[str, Any]], own: dict[str, Compact], wanted: tuple[str, ...],
                 rules: Rules, mean_load: Fraction, means: EngineMeans | None = None) -> None:
        self.people, self.own, self.wanted, self.rules, self.mean_load = people, own, wanted, rules, mean_load
        self.means = means
        self.compacts: dict[str, Compact] = {}
        self.raw: dict[str, Json] = {}
        self.scored: list[Scored] = []

    def inputs(self) -> Inputs:
        """The bytes of the half's people the input digest takes, their totals in person order, and
        those who lack an input the scheme does not score without."""
        from scoring.results.groups import group_fields
        from scoring.results.service import compacts_of, inputs_bytes, score_people

        self.compacts = compacts_of(self.people, self.wanted, self.own, group_fields(self.rules))
        blob = inputs_bytes(self.compacts, self.raw)
        blocked: list[Any] = []
        self.scored = score_people(self.compacts, self.rules, self.mean_load, self.means, blocked)
        return blob, self.scored, blocked

    def rows(self, close_id: uuid.UUID, grades: Sequence[Grade]) -> Iterator[RowBatch]:
        """The half's stored rows in batches for the version ``close_id``, given its people's
        grades in person order."""
        from scoring.results.service import quarter_rows, row_batches

        yield from row_batches(quarter_rows(self.compacts, self.scored, grades, self.raw), close_id, BATCH)


def _work(half: Half, conn: Connection) -> None:
    """The child: its half's inputs, then (given the grades) its rows: the COPY's lines batch by
    batch as they are made, then the bytes of them all the result digest takes; gone when told or
    done."""
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
            hashed = []
            for part, lines in half.rows(close_id, grades):
                hashed.append(part)
                conn.send_bytes(lines)
            conn.send_bytes(_END)
            conn.send_bytes(b"".join(hashed))
    finally:
        conn.close()


class ForkedHalf:
    """A half worked in a forked child; this process takes over whatever the child leaves undone."""

    def __init__(self, half: Half) -> None:
        self.half = half
        self.local = False
        self.stopped = False
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_work, args=(half, child), daemon=True, name="kaohe-close-half")
        try:
            self.process.start()
        except OSError as error:  # no memory or no process slot for the child: this process works it
            logger.warning("could not fork the second half of a close (%s); working it here", error)
            self.local = True
            self.stopped = True
            self.conn.close()
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

    def inputs(self) -> Inputs:
        if not self.local:
            try:
                if not self.conn.poll(PATIENCE):
                    self.process.kill()
                blob, scored, blocked = self.conn.recv()
                self.half.scored = scored
                return blob, scored, blocked
            except (EOFError, OSError):
                self.process.join(timeout=5)
                self._lost("its inputs")
        return self.half.inputs()

    def rows(self, close_id: uuid.UUID, grades: Sequence[Grade]) -> ForkedRows:
        """The half's rows: the child is given the grades now, and makes its rows while this
        process makes the first half's."""
        return ForkedRows(self, close_id, grades)

    def stop(self) -> None:
        """Done with the child: it leaves (told to, or killed if it does not) and is reaped."""
        if self.stopped:
            return
        self.stopped = True
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


class ForkedRows:
    """The rows a forked half makes, taken as they come; if the child dies, this process makes
    the rest (and the bytes the result digest takes of them all)."""

    def __init__(self, forked: ForkedHalf, close_id: uuid.UUID, grades: Sequence[Grade]) -> None:
        self.forked, self.close_id, self.grades = forked, close_id, grades
        self.received = 0
        self.hashed: bytes | None = None
        self.left: list[bytes] = []  # lines made here after the child died, not yet taken
        if not forked.local:
            try:
                forked.conn.send((close_id, list(grades)))
            except OSError:
                self._take_over()
                return
        if forked.local:
            self._take_over()

    def _take_over(self) -> None:
        if not self.forked.local:
            self.forked.process.join(timeout=5)
            self.forked._lost(f"its rows after {self.received} batches")
        half = self.forked.half
        if not half.compacts:
            half.inputs()
        batches = list(half.rows(self.close_id, self.grades))
        self.hashed = b"".join(part for part, _ in batches)
        self.left = [lines for _, lines in batches[self.received:]]

    def ready(self) -> list[bytes]:
        """The lines that can be had without waiting."""
        out = []
        try:
            conn = self.forked.conn
            while self.hashed is None and conn.poll():
                payload = conn.recv_bytes()
                if payload == _END:
                    self.hashed = conn.recv_bytes()
                    self.forked.stop()
                else:
                    self.received += 1
                    out.append(payload)
        except (EOFError, OSError):
            self._take_over()
        out += self.left
        self.left = []
        return out

    async def rest(self) -> AsyncIterator[bytes]:
        """The lines still to come; waiting for them leaves the event loop free (to send the
        COPY's lines on to the database meanwhile)."""
        while self.hashed is None:
            try:
                if not await asyncio.to_thread(self.forked.conn.poll, PATIENCE):
                    self.forked.process.kill()  # stuck: ready() finds it gone and takes over
                    self.forked.process.join()
            except OSError:
                pass  # taken over by ready()
            for lines in self.ready():
                yield lines
        for lines in self.left:
            yield lines
        self.left = []


class RowStream:
    """A close's stored rows on their way into the COPY: the lines as soon as either process has
    made them (the table does not mind their order), and the result digest over the rows in
    person order (the first half's, then the second's)."""

    def __init__(self, first: Iterable[RowBatch], second: ForkedRows | None = None) -> None:
        self.first, self.second = first, second
        self.h = hashlib.sha256()

    async def lines(self) -> AsyncIterator[bytes]:
        second = self.second
        for part, lines in self.first:
            self.h.update(part)
            yield lines
            if second is not None:
                for more in second.ready():
                    yield more
        if second is not None:
            async for more in second.rest():
                yield more
            assert second.hashed is not None
            self.h.update(second.hashed)

    def hexdigest(self) -> str:
        """The result digest (once the lines are all taken)."""
        return self.h.hexdigest()


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and os.name == "posix"


def split(people: list[dict[str, Any]], own: dict[str, Compact], wanted: tuple[str, ...], rules: Rules,
          mean_load: Fraction, means: EngineMeans | None = None, *, at: int) -> tuple[Half, ForkedHalf | None]:
    """The close's people in person-id order as one part worked here, or (``at`` people or more,
    ``at`` > 0) two: the second in a forked child, started now."""
    people.sort(key=itemgetter("person_id"))
    if not at or len(people) < max(at, 2) or not fork_available():
        return Half(people, own, wanted, rules, mean_load, means), None
    middle = len(people) * FIRST_SHARE // 100
    second = ForkedHalf(Half(people[middle:], own, wanted, rules, mean_load, means))
    return Half(people[:middle], own, wanted, rules, mean_load, means), second
