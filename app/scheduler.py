"""One training loop per server process, taking the playing sessions in turn.

With a periodic callback per session, 30 sessions that each want a 40 ms tick every 50 ms keep
the event loop's queue full of overdue callbacks: the loop runs all of them before it reads the
sockets again, so a student's click waits for several rounds of everybody's training (seconds).
Here one coroutine runs one session's tick at a time (inside that session's document lock, as
Bokeh runs its callbacks) and yields to the event loop between ticks, so input and output are
handled within about one tick. The time budget of a tick shrinks as more sessions play, so a
round over all of them stays short.
"""

from __future__ import annotations

import asyncio
import time


class TickScheduler:
    """Round-robin ticks for the Playgrounds of one server.

    ``add(playground)`` when it starts playing, ``discard(playground)`` when it stops; the
    playground's ``tick(budget_s)`` trains for about ``budget_s`` and redraws.
    """

    def __init__(self, period_s: float = 0.04, budget_s: float = 0.02, round_s: float = 0.5, min_budget_s=0.004):
        self.period_s = period_s  # a lone session is ticked at most this often
        self.budget_s = budget_s  # its training time per tick
        self.round_s = round_s  # with many sessions, the training time of one round over all of them
        self.min_budget_s = min_budget_s
        self._playing: list = []
        self._turn = 0
        self._task = None
        self._wake = None

    def budget(self) -> float:
        """Training time for the next tick: the full budget alone, less as more sessions play."""
        n = max(1, len(self._playing))
        return max(self.min_budget_s, min(self.budget_s, self.round_s / n))

    def add(self, playground) -> None:
        if playground not in self._playing:
            self._playing.append(playground)
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_event_loop().create_task(self._run())
        self._wake.set()

    def discard(self, playground) -> None:
        if playground in self._playing:
            self._playing.remove(playground)

    def __len__(self) -> int:
        return len(self._playing)

    async def _run(self):
        while True:
            if not self._playing:
                self._wake.clear()
                await self._wake.wait()
                continue
            self._turn %= len(self._playing)
            playground = self._playing[self._turn]
            self._turn += 1
            start = time.perf_counter()
            try:
                await playground.run_tick(self.budget())
            except Exception:  # a broken session stops playing; the others go on
                self.discard(playground)
            # A lone session is ticked at the period; many share the loop without extra waits.
            spent = time.perf_counter() - start
            await asyncio.sleep(max(0.0, self.period_s / len(self._playing or [1]) - spent))
