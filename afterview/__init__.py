"""The composition root: settings, the command line and the process wiring of Afterview."""

__version__ = "0.1.0"
