"""Scorer version, recorded in every report: bump it whenever a formula, threshold or parser rule changes."""

SCORER_VERSION = "1.0.0"
