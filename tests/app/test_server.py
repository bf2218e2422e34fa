"""The server's command line, its websocket origins, and the tick scheduler's budget."""

from __future__ import annotations

import asyncio

import pytest

from gradplay.app.__main__ import main
from gradplay.app.scheduler import TickScheduler
from gradplay.app.server import free_port, websocket_origins


@pytest.mark.parametrize(
    "argv, message",
    [(["--port", "70000"], "--port must be between 0 and 65535"), (["--train-ms", "0"], "--train-ms must be")],
)
def test_bad_arguments_say_what_is_allowed(argv, message, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert message in capsys.readouterr().err


def test_origins_and_free_port():
    assert websocket_origins(5006, "0.0.0.0", ["room:5006"]) == ["localhost:5006", "127.0.0.1:5006", "room:5006"]
    assert 0 < free_port() < 65536


class FakePlayground:
    def __init__(self, scheduler, log):
        self.scheduler, self.log = scheduler, log

    async def run_tick(self, budget_s):
        self.log.append((self, budget_s, len(self.scheduler)))


def test_scheduler_takes_turns_and_shrinks_the_budget_with_more_players():
    async def scenario():
        log = []
        s = TickScheduler(period_s=0.0, budget_s=0.02, round_s=0.06, min_budget_s=0.004)
        players = [FakePlayground(s, log) for _ in range(6)]
        s.add(players[0])
        await asyncio.sleep(0.01)
        for p in players[1:]:
            s.add(p)
        await asyncio.sleep(0.05)
        for p in players:
            s.discard(p)
        await asyncio.sleep(0.01)
        return log

    log = asyncio.run(scenario())
    alone = [b for _, b, n in log if n == 1]
    crowded = [(p, b) for p, b, n in log if n == 6]
    assert alone and all(b == pytest.approx(0.02) for b in alone)
    assert crowded and all(b == pytest.approx(0.01) for _, b in crowded)  # 0.06 s per round / 6
    # round robin: in any 6 consecutive crowded ticks every player appears once
    first_round = [p for p, _ in crowded[:6]]
    assert len(set(map(id, first_round))) == 6
