"""The Procfile's processes in the foreground, each restarted with backoff when it dies.

Why a small loop and not a process manager: honcho's ``Manager`` stops every process as soon as
one exits (a Procfile runner for development, by design). supervisord restarts a process that
was up at once and, when it keeps failing within ``startsecs``, waits one more second per try
and gives up for good (FATAL) after ``startretries``; it writes the children's output to files,
not prefixed to the terminal. circus brings ZeroMQ and Tornado, retries after a fixed delay and
stops the watcher after ``max_retry``. ``kaohe run`` wants every line on the terminal prefixed
with its process, Ctrl-C to stop everything, and a dead process back on its own without ever
giving up. So honcho keeps what it does well — ``Process`` runs each command in its own session
(the Procfile's ``exec`` makes the reported pid the server's) and ``Printer`` prefixes the lines
— and this loop restarts what stopped.

Backoff: a process that dies is started again after ``first`` seconds (1 s); one that dies again
within ``stable`` seconds (30 s) of its start waits twice as long as the last time, up to ``cap``
(30 s): 1, 2, 4, 8, 16, 30, 30 … One that ran longer counts as recovered and waits 1 s again.
Each death is one line: ``quota stopped (rc=-9) after 12.3 s; restart 1 in 1 s``.
"""

from __future__ import annotations

import datetime
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from types import FrameType

from honcho.colour import get_colours
from honcho.printer import Message, Printer
from honcho.process import Process

SYSTEM = "system"
KILL_WAIT = 5.0  # seconds between SIGTERM and SIGKILL when the stack stops
SIGNAL_CODES: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


@dataclass
class Backoff:
    first: float = 1.0
    cap: float = 30.0
    stable: float = 30.0
    last: float = 0.0

    def after(self, ran: float) -> float:
        """Seconds to wait before starting again a process that ran ``ran`` seconds."""
        quick = bool(self.last) and ran < self.stable
        self.last = min(self.last * 2, self.cap) if quick else self.first
        return self.last


@dataclass
class Watched:
    process: Process
    backoff: Backoff
    alive: bool = False
    pid: int | None = None
    started: float = 0.0
    restarts: int = 0
    due: float | None = None  # when to start it again


@dataclass
class Supervisor:
    printer: Printer = field(default_factory=lambda: Printer(sys.stdout))
    backoff: Backoff = field(default_factory=Backoff)
    kill_wait: float = KILL_WAIT
    returncode: int | None = None

    def __post_init__(self) -> None:
        self.events: queue.Queue[Message] = queue.Queue()
        self.watched: dict[str, Watched] = {}
        self._colours = get_colours()
        self._requested: tuple[str, int] | None = None  # why and with which code to stop, from any thread
        self._stopping: float | None = None
        self._killed = False
        self.printer.width = len(SYSTEM)

    def add_process(self, name: str, command: str, env: dict[str, str] | None = None) -> None:
        assert name not in self.watched, "process names must be unique"
        process = Process(command, name=name, colour=next(self._colours), env=env)
        self.watched[name] = Watched(process, Backoff(self.backoff.first, self.backoff.cap, self.backoff.stable))
        self.printer.width = max(self.printer.width, len(name))

    def loop(self) -> int | None:
        """Run until SIGINT or SIGTERM, then stop every process (SIGTERM, SIGKILL after ``kill_wait``)."""
        previous = {signum: signal.signal(signum, self._on_signal) for signum in SIGNAL_CODES}
        try:
            for watched in self.watched.values():
                self._start(watched)
            while self._stopping is None or any(w.alive for w in self.watched.values()):
                try:
                    self._handle(self.events.get(timeout=0.1))
                except queue.Empty:
                    pass
                if self._requested is not None and self._stopping is None:
                    self._stop(*self._requested)
                now = time.monotonic()
                if self._stopping is None:
                    for watched in self.watched.values():
                        if watched.due is not None and watched.due <= now:
                            self._start(watched)
                elif not self._killed and now - self._stopping > self.kill_wait:
                    self._killed = True
                    self._signal_all(signal.SIGKILL)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return self.returncode

    def stop(self, returncode: int = 0, why: str = "stop requested") -> None:
        """Ask the loop to stop every process (safe from a signal handler or another thread)."""
        if self._requested is None:
            self._requested = (why, returncode)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stop(SIGNAL_CODES.get(signum, 128 + signum), f"{signal.Signals(signum).name} received")

    def _stop(self, why: str, returncode: int) -> None:
        self._say(why)
        self._stopping = time.monotonic()
        self.returncode = returncode
        self._signal_all(signal.SIGTERM)

    def _start(self, watched: Watched) -> None:
        watched.due, watched.pid, watched.alive = None, None, True
        watched.started = time.monotonic()
        threading.Thread(target=self._run, args=(watched.process,), name=watched.process.name, daemon=True).start()

    def _run(self, process: Process) -> None:
        try:
            process.run(self.events)  # its lines, then a "stop" message, from this thread
        except OSError as exc:  # the shell itself could not be started
            now = datetime.datetime.now()
            self.events.put(Message("line", f"cannot start: {exc}\n", now, process.name, process.colour))
            self.events.put(Message("stop", {"returncode": 127}, now, process.name, process.colour))

    def _handle(self, message: Message) -> None:
        watched = self.watched[message.name]
        if message.type == "line":
            self.printer.write(message)
        elif message.type == "start":
            watched.pid = message.data["pid"]
            self._say(f"{message.name} started (pid={watched.pid})")
            if self._stopping is not None:
                self._send(message.name, watched.pid, signal.SIGKILL if self._killed else signal.SIGTERM)
        elif message.type == "stop":
            watched.alive, watched.pid = False, None
            code, ran = message.data["returncode"], time.monotonic() - watched.started
            if self._stopping is not None:
                self._say(f"{message.name} stopped (rc={code})")
                return
            delay = watched.backoff.after(ran)
            watched.restarts += 1
            watched.due = time.monotonic() + delay
            self._say(f"{message.name} stopped (rc={code}) after {ran:.1f} s; "
                      f"restart {watched.restarts} in {delay:g} s")

    def _signal_all(self, signum: int) -> None:
        for name, watched in self.watched.items():
            if watched.alive and watched.pid is not None:
                self._send(name, watched.pid, signum)

    def _send(self, name: str, pid: int, signum: int) -> None:
        self._say(f"sending {signal.Signals(signum).name} to {name} (pid {pid})")
        try:
            os.killpg(pid, signum)  # the process group: the shell's session, should ``exec`` be missing
        except (ProcessLookupError, PermissionError):
            pass

    def _say(self, text: str) -> None:
        self.printer.write(Message(type="line", data=text + "\n", time=datetime.datetime.now(), name=SYSTEM,
                                   colour=None))
