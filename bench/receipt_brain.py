"""A brain that answers at once, quoting what it answers: every message of the turn, in
order. bench/faults.py reads the quotes back from the fake Graph API to check that each
acknowledged message was answered exactly once. Select it with
YUME_BRAIN=bench.receipt_brain.ReceiptBrain."""

from __future__ import annotations

from yume.brain import Reply, Text, Turn
from yume.config import Config

PREFIX = "recibido:"


class ReceiptBrain:
    def __init__(self, config: Config) -> None:
        self.config = config

    def respond(self, turn: Turn) -> Reply:
        return Reply([Text(" ".join([PREFIX, *(m.text for m in turn.new_messages)]))])
