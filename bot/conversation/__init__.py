"""The conversation: the engine that answers each message, the turn it works in, the flows (one
module a flow, steps as data), the commands and the buttons."""
