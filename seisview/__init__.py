"""seisview: seismic interpretation with live CNN training.

Layers (dependencies point down only)::

    seisview.qt    PyQt6 / pyqtgraph / vispy views and workers
    seisview.ml    torch models, training, inference, activations
    seisview.io    segyio, lasio, SQLite, zarr readers and stores
    seisview.core  numpy + stdlib + psygnal: geometry, volumes, labels, tasks
"""

import os as _os

__version__ = "0.1.0"

# OpenMP threads that finish their share of an op sleep instead of spinning. Spinning
# threads on busy cores wait for each other at every barrier and take the GUI thread's
# core: one training step of the default recipe with 2 torch threads took 2.4-3.6 s wall
# at load 11 on 2 cores spinning, 0.67-0.79 s passive (1 thread 0.49-0.60 s); on a quiet
# machine 0.08 vs 0.10 s (docs/measurements.md, issue 16). OpenMP reads it once, when
# torch loads it, so it is set here, before anything imports torch; a user's own setting wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
