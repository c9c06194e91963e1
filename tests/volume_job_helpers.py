"""A block function for the volume-job tests: slow on purpose (so a cancel or a kill lands
mid-job), polling the cancel check as the real ones do, with an exact result (2 x input)."""

from __future__ import annotations

import time

import numpy as np

from seisview.io.volume_jobs import Output, core


class SlowDouble:
    outputs = (Output("doubled", "float32", float("nan")),)
    halo = (0, 0)

    def __init__(self, seconds: float = 0.5):
        self.seconds = seconds  # not in the signature: it changes the time, not the result

    def signature(self) -> dict:
        return {"kind": "test-double"}

    def __call__(self, block, *, check=lambda: None, halo=((0, 0),) * 3, origin=None):
        end = time.monotonic() + self.seconds
        while time.monotonic() < end:
            check()
            time.sleep(0.02)
        check()
        return {"doubled": 2 * core(np.asarray(block, np.float32), halo)}
