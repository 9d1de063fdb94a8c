"""Fakes of the platforms: real HTTP servers on 127.0.0.1 that the real clients talk to."""
