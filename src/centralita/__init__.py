"""Centralita: an open-source contact-center platform."""

__version__ = "0.1.0"
