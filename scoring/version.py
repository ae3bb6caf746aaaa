"""Scorer version, recorded in every report: bump it whenever a formula, threshold or parser rule changes."""

SCORER_VERSION = "2.0.0"
