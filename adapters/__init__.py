"""Adapters translate platform events to and from `bot.messages` (console, Telegram, Slack)."""
