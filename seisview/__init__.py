"""seisview: seismic interpretation with live CNN training.

Layers (dependencies point down only)::

    seisview.qt    PyQt6 / pyqtgraph / vispy views and workers
    seisview.ml    torch models, training, inference, activations
    seisview.io    segyio, lasio, SQLite, zarr readers and stores
    seisview.core  numpy + stdlib + psygnal: geometry, volumes, labels, tasks
"""

__version__ = "0.1.0"
