"""Readers, writers and the project store: segyio, lasio, SQLite, zarr. No Qt, no torch."""
