"""Seismic and texture attributes, and co-occurrence statistics of maps.

numpy / scipy / scikit-image only (no Qt, no torch), so the same functions
serve the viewer's attribute layers, the CLI and the activation statistics.

- :mod:`seisview.attributes.seismic`: envelope, instantaneous phase and
  frequency, RMS amplitude, band-pass amplitude, attribute maps of a volume.
- :mod:`seisview.attributes.texture`: windowed grey-level co-occurrence
  (GLCM) attributes of sections and maps.
- :mod:`seisview.attributes.cooccurrence`: whole-map co-occurrence statistics
  of one map or a pair of maps (quantile levels, shuffled baseline).
"""

from seisview.attributes.seismic import (  # noqa: F401
    ATTRIBUTES,
    attribute_map,
    bandpass,
    compute,
    envelope,
    instantaneous_frequency,
    instantaneous_phase,
    rms,
)
