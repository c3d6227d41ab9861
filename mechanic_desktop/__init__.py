"""Mechanic Desktop: run a car-repair shop's day from the desktop."""

__version__ = "0.1.0"
