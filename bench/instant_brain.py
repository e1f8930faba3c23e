"""A brain that answers at once with one short text: the benchmarks measure the pipeline
around the brain, never the brain. Select it with
YUME_BRAIN=bench.instant_brain.InstantBrain."""

from __future__ import annotations

from yume.brain import Reply, Text, Turn
from yume.config import Config

ANSWER = "¡Hola! Enseguida te atiendo."


class InstantBrain:
    def __init__(self, config: Config) -> None:
        self.config = config

    def respond(self, turn: Turn) -> Reply:
        return Reply([Text(ANSWER)])
