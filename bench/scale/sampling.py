"""A sampler that runs `sample()` every `period_s` in a background thread while its `with` block runs,
and once more at each end (so a short block is sampled at least twice)."""

from __future__ import annotations

import threading
from typing import Self


class PeriodicSampler:
    def __init__(self, period_s: float) -> None:
        self._period = period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name=type(self).__name__)

    def sample(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _loop(self) -> None:
        while not self._stop.wait(self._period):
            self.sample()
