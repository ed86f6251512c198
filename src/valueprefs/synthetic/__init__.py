"""Synthetic models with planted value preferences: the workflow's calibration controls."""
