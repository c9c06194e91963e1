"""Checkpoints: safetensors weights with seisview's JSON header, written atomically.

A checkpoint is one ``.safetensors`` file whose metadata holds
``{"format": "seisview-checkpoint/1", "snapshot": <ModelSnapshot.header()>}``; a
``.json`` sidecar with the same header is written beside it for people and
the project database. Writing goes to a temporary file, fsync, rename.
Loading refuses files that are not safetensors (pickles are never unpickled),
are corrupt, or carry no seisview header.
"""

from __future__ import annotations

import json
from pathlib import Path

from seisview.core.errors import SeisviewError
from seisview.io.atomic import atomic_write_bytes
from seisview.ml.model_limits import check_model_config
from seisview.ml.snapshot import ModelSnapshot

FORMAT = "seisview-checkpoint/1"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)


def save_checkpoint(path: str | Path, snapshot: ModelSnapshot, **extra) -> Path:
    """Write ``snapshot`` to ``path`` (``.safetensors`` added if missing); returns the path.

    ``extra`` JSON-serialisable items go into the header's ``meta``.
    """
    from safetensors.torch import save

    path = Path(path)
    if path.suffix != ".safetensors":
        path = path.with_name(path.name + ".safetensors")
    snap = snapshot.with_meta(**extra) if extra else snapshot
    header = {"format": FORMAT, "snapshot": snap.header()}
    tensors = {k: v.detach().cpu().contiguous() for k, v in snap.state.items()}
    blob = save(tensors, metadata={"seisview": json.dumps(header)})
    _atomic_write(path, blob)
    _atomic_write(path.with_suffix(".json"), json.dumps(header, indent=2).encode())
    return path


def _sniff(path: Path) -> None:
    """Refuse pickles and torch zip archives before any parser sees them.

    A safetensors file starts with its JSON header length (u64, little-endian)
    followed by ``{``; that length's low byte may be anything, 0x80 included,
    so the pickle opcode test only applies to files that are not safetensors.
    """
    with open(path, "rb") as fh:
        head = fh.read(9)
    size = path.stat().st_size
    if len(head) == 9 and head[8:9] == b"{" and 8 + int.from_bytes(head[:8], "little") <= size:
        return
    if head[:2] == b"PK" or head[:1] == b"\x80":
        raise SeisviewError(
            f"{path.name} is a pickle/torch archive; seisview never unpickles files "
            "because that can run code",
            hint="export the weights to .safetensors (safetensors.torch.save_file)")
    if len(head) < 9:
        raise SeisviewError(f"{path.name} is too short to be a checkpoint (corrupt or truncated)",
                            hint="pick another checkpoint or retrain")


def load_checkpoint(path: str | Path) -> ModelSnapshot:
    """Read a checkpoint written by :func:`save_checkpoint` into a ``ModelSnapshot``."""
    from safetensors import safe_open

    from seisview.io.inputs import check_input

    path = Path(path)
    if not path.exists():
        raise SeisviewError(f"checkpoint {path} not found", hint="check the run id or path")
    check_input(path, "checkpoint")
    _sniff(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            state = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:
        raise SeisviewError(f"{path.name} is not a valid safetensors file ({exc})",
                            hint="the file is corrupt or truncated; pick another checkpoint") from None
    try:
        header = json.loads(meta["seisview"])
        if header.get("format") != FORMAT:
            raise KeyError("format")
        h = header["snapshot"]
    except (KeyError, ValueError, TypeError):
        raise SeisviewError(f"{path.name} is a safetensors file but not a seisview checkpoint",
                            hint="for pretrained encoder weights use --init with a model "
                                 "that accepts them (e.g. vgg16 pretrained=FILE)") from None
    snap = _snapshot(h, state, path.name)
    try:  # prove the weights fit the model they claim to be
        snap.build()
    except SeisviewError:
        raise
    except Exception as exc:
        raise SeisviewError(f"{path.name}: weights do not fit model {snap.model!r} "
                            f"({type(exc).__name__})", hint="the checkpoint is damaged") from None
    return snap


def _snapshot(h, state: dict, source: str) -> ModelSnapshot:
    """The snapshot a checkpoint header describes, after checking every field's type and the
    model's size against the weights in the file (nothing is allocated for a bad header)."""
    def bad(what: str) -> SeisviewError:
        return SeisviewError(f"{source}: the checkpoint header is damaged ({what})",
                             hint="pick another checkpoint or retrain")

    if not isinstance(h, dict):
        raise bad(f"the snapshot is a {type(h).__name__}")
    version, clip = h.get("version", 0), h.get("clip", 1.0)
    names, meta = h.get("class_names", ()), h.get("meta", {})
    if isinstance(version, bool) or not isinstance(version, int):
        raise bad(f"version {version!r}")
    if isinstance(clip, bool) or not isinstance(clip, int | float) or not 0 < clip < float("inf"):
        raise bad(f"clip {clip!r}")
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise bad("class names are not a list of names")
    if not isinstance(meta, dict):
        raise bad(f"meta is a {type(meta).__name__}")
    check_model_config(h.get("model"), h.get("n_classes"), h.get("config"),
                       sum(int(t.numel()) for t in state.values()), source)
    return ModelSnapshot(h["model"], h["n_classes"], dict(h["config"]), state, version, float(clip),
                         tuple(names), dict(meta))


def checkpoint_header(path: str | Path) -> dict:
    """The JSON header of a checkpoint without loading the weights."""
    from safetensors import safe_open

    path = Path(path)
    _sniff(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            return json.loads((f.metadata() or {})["seisview"])
    except Exception:
        raise SeisviewError(f"{path.name} is not a seisview checkpoint",
                            hint="pick a .safetensors file written by seisview") from None
