"""seisview's own contributions, registered through the same entry-point group as plugins.

Targets are ``module:attribute`` strings imported lazily on first use. Each area
keeps its own block below (one owner per block).
"""


def manifest() -> dict:
    return {
        "name": "seisview-builtins",
        "version": __import__("seisview").__version__,
        "contributions": [
            # -- readers (survey I/O) --
            {"kind": "reader", "name": "segy", "target": "seisview.io.segy:load",
             "description": "SEG-Y rev 0/1/2: post-stack 3-D/2-D, pre-stack, unstructured"},
            # -- panels (viewer) --
            # -- panels and tools (interpretation: palette, labels, picks) --
            # -- models and panels (training) --
            # -- models (pretraining, first-break picker) --
            # -- attributes and panels (introspection) --
            # -- panels and commands (plugins, wells) --
        ],
    }
