"""The reflectivity lab: reproduce the Zoeppritz neural-network tutorial (seed 002) inside seisview.

Installed separately (``pip install -e plugins/reflectivity_lab``); seisview finds
it through the ``seisview.plugins`` entry point below. Nothing heavy is imported
until a contribution is used.
"""

__version__ = "0.1.0"


def manifest() -> dict:
    return {
        "name": "reflectivity-lab",
        "version": __version__,
        "contributions": [
            {"kind": "command", "name": "reflectivity-lab",
             "target": "seisview_reflectivity_lab.cli:register",
             "description": "`seisview reflectivity-lab LAS`: train the tutorial's 7-300-1 network, blind tests"},
            {"kind": "panel", "name": "reflectivity-lab",
             "target": "seisview_reflectivity_lab.panel:make_panel",
             "description": "live loss curves, blind-test errors and the AVO curve against exact Zoeppritz",
             "meta": {"title": "Reflectivity lab", "area": "right"}},
        ],
    }
