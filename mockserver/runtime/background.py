"""The background services of a running emulator, wired in one place: the WebHook deliverer
(events/delivery.py), the office-day player (telephony/player.py) and the call timer that plays
the timed steps of magic-number calls (telephony/call_timer.py).

Every way of running the emulator starts them here, in one of two forms:
- threads (`start`): `serve` runs them in its gateway process (one per `serve`, a process that
  lives as long as the server, gateway_process.py); `flask --app mockserver run` in its one
  process, from the first request on (devserver.py);
- steps (`services(...).step()`): the in-process mode plays the magic-number steps that are due
  and delivers what is due after each request it answers, so a test sees the WebHooks its
  request caused before it goes on. It plays no
  office-day: presence moving under a test on its own would make it nondeterministic; a test
  plays the day itself with `Playback` on a frozen clock (decision CALL-21).
Across processes and replicas sharing a store each job is done once, by the store's leases.

The janitor (platform/janitor.py) is no service of its own: the request paths that write
expiring records ask it to purge, in whichever process serves them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from mockserver.emulator import Emulator
from mockserver.events.delivery import Deliverer
from mockserver.telephony.call_timer import CallTimer
from mockserver.telephony.player import Player


@dataclass
class Running:
    """Background services running as threads; `stop()` asks each to end and waits for it."""

    threads: list[threading.Thread] = field(default_factory=list)
    stops: list[threading.Event] = field(default_factory=list)

    def stop(self, timeout: float = 5.0) -> None:
        for stop in self.stops:
            stop.set()
        for thread in self.threads:
            thread.join(timeout)


@dataclass
class Background:
    """The services of one emulator, built and not yet running."""

    emulator: Emulator
    deliverer: Deliverer
    player: Player
    timer: CallTimer
    # One step at a time: two threads of a test (an app's own, the test's) stepping at once
    # would hold the same leases under the same owner and POST a change twice.
    stepping: threading.Lock = field(default_factory=threading.Lock)

    def step(self) -> int:
        """Play the call steps and deliver the WebHooks that are due now, in this thread; the
        POSTs attempted."""
        with self.stepping:
            self.timer.step()
            return self.deliverer.step()

    def deliver(self) -> int:
        """Deliver the WebHooks that are due now, in this thread (the call steps left to the
        next `step`); the POSTs attempted."""
        with self.stepping:
            return self.deliverer.step()

    def start(self) -> Running:
        """Run each service in a daemon thread of this process."""
        settings, telephony = self.emulator.settings, self.emulator.telephony
        if settings.activity and telephony.activity() is None:
            # `serve --activity NAME`: the day starts with the server (a replica that joins a
            # store where the day runs already leaves it as it is).
            telephony.start_activity(settings.activity, settings.activity_rate, settings.seed)
        running = Running()
        for thread, stop in (
            in_thread(self.deliverer.run, "presence-webhooks"),
            in_thread(self.player.run, "presence-activity"),
            in_thread(self.timer.run, "presence-call-timer"),
        ):
            running.threads.append(thread)
            running.stops.append(stop)
        return running


def services(emulator: Emulator, owner: str | None = None) -> Background:
    """The background services of `emulator`. `owner`: the name under which they take the
    store's leases (the same for a restarted gateway, so it takes them over at once; a random
    one by default). A thread reports a store out of reach once (`emulator.outage`) and goes on;
    a step raises it to its caller."""
    return Background(
        emulator=emulator,
        deliverer=Deliverer(
            emulator.events,
            emulator.directory,
            emulator.clock,
            owner=owner,
            chaos=emulator.chaos,
            outage=emulator.outage,
        ),
        player=Player(emulator.telephony, owner=owner, outage=emulator.outage),
        timer=CallTimer(emulator.telephony, owner=owner, outage=emulator.outage),
    )


def start(emulator: Emulator, owner: str | None = None) -> Running:
    """Start the background services of `emulator` as threads of this process."""
    return services(emulator, owner).start()


def in_thread(
    run: Callable[[threading.Event], None], name: str
) -> tuple[threading.Thread, threading.Event]:
    """`run(stop)` in a daemon thread named `name`; set `stop` to ask it to end."""
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(stop,), name=name, daemon=True)
    thread.start()
    return thread, stop
