"""Moved to `bot.turn` (the context every room is handed). This alias lets work started before the
move land; it is removed once every branch has merged."""

from bot.turn import STALE_AFTER, FlowState, Turn

__all__ = ["STALE_AFTER", "FlowState", "Turn"]
