"""SEG-Y for seisview: ``scan``, ``load`` and the writers (see docs/architecture.md).

The work is split by concern: ``segy_layout`` (byte order, headers, trace
size), ``segy_sanity`` (is the sample format true), ``segy_geometry`` (bins,
sorting, coordinates), ``segy_scan`` (the report), ``segy_load`` (samples into
a ``Volume`` or ``GatherSet``), ``segy_write`` (files out).
"""

from seisview.io.segy_load import load
from seisview.io.segy_scan import ScanReport, scan
from seisview.io.segy_write import write_gathers_segy, write_volume_segy

__all__ = ["ScanReport", "load", "scan", "write_gathers_segy", "write_volume_segy"]
