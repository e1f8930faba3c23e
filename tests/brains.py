"""A brain written for the tests: it answers predictably and remembers every turn."""

from __future__ import annotations

import time
from typing import ClassVar

from yume.brain import Buttons, ListMessage, Reaction, Reply, Text, Turn
from yume.config import Config


class EchoBrain:
    turns: ClassVar[list[Turn]] = []

    def __init__(self, config: Config) -> None:
        self.config = config

    def respond(self, turn: Turn) -> Reply:
        EchoBrain.turns.append(turn)
        said = " / ".join(m.text for m in turn.new_messages)
        if "falla" in said:
            raise RuntimeError("the brain broke")
        if "tardate" in said:
            time.sleep(5)  # a brain slower than the job's timeout
        if "humano" in said:
            return Reply(
                [Text("Te comunico con alguien del equipo.")],
                handover=True,
                notify_owner=f"{turn.conversation.phone} pidió hablar con una persona",
            )
        if "opciones" in said:
            return Reply([Buttons("¿Cuál prefieres?", [("a", "Corte"), ("b", "Barba")])])
        if "lista" in said:
            rows = [(f"slot:{i}", f"{9 + i}:00 AM", None) for i in range(12)]
            return Reply([ListMessage("Horarios:", "Ver horarios", rows)])
        if "reacciona" in said:
            return Reply([Reaction(turn.new_messages[-1].wa_message_id, "👍")])
        return Reply([Text(f"[{turn.role}] Recibí: {said}")])


class SlowBrain(EchoBrain):
    """Thinks for SLOW_BRAIN_SECONDS (default 3) before answering like EchoBrain: a long
    Claude turn, for the lease tests."""

    def respond(self, turn: Turn) -> Reply:
        import os
        import time

        time.sleep(float(os.environ.get("SLOW_BRAIN_SECONDS", "3")))
        return super().respond(turn)
