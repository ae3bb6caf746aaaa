"""Scenario suites written from each project's requirement text, played against a live backend.

`suite.py` defines the format, `resolver.py` finds each contract's endpoint in the project's
openapi.json, `runner.py` plays a suite and `run.py` is its command line.
"""
