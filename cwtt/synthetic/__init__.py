"""Synthetic data: an invented but realistic demo district (`cwtt generate`)."""
