"""seisview's own contributions, registered through the same entry-point group as plugins.

Each module that adds a built-in model, attribute, reader, panel or command
adds one line here; targets are imported lazily on first use.
"""


def manifest() -> dict:
    return {
        "name": "seisview-builtins",
        "version": __import__("seisview").__version__,
        "contributions": [
            {"kind": "reader", "name": "segy", "target": "seisview.io.segy:load",
             "description": "SEG-Y rev 0/1/2 post-stack, pre-stack and unstructured files"},
            # models, attributes, panels and commands are appended below by their modules' owners
        ],
    }
