"""CWTT — the Child Wellbeing Tracking Tool."""

__version__ = "0.1.0"
