"""Moved to `bot.turn`: FlowState lives beside the Turn that carries it. This alias lets work
started before the move land; it is removed once every branch has merged."""

from bot.turn import STALE_AFTER, FlowState, Turn

__all__ = ["STALE_AFTER", "FlowState", "Turn"]
