"""Model configurations from files are checked before any tensor is allocated.

A checkpoint's JSON header says which model to build and how big (members,
depth, widths); the weights in the file must then fit that model. A header that
asks for a huge model would otherwise allocate gigabytes before the mismatch
shows, so each option is bounded and the parameter count the configuration
implies is estimated from the options alone and compared with the tensors the
file really holds.
"""

from __future__ import annotations

import math

from seisview.core.errors import SeisviewError

# bounds of the options seisview's models take (far above any useful value)
OPTION_LIMITS = {"members": 16, "depth": 8, "refine": 64, "base": 1024, "channels": 4096, "width": 16.0,
                 "widths": 8192, "blocks": 64, "latent_channels": 4096, "latent_dim": 65536,
                 "in_channels": 64, "head_block": 16, "patch": 4096, "freeze": 1000}
MAX_INT = 1 << 20  # any other integer option
MAX_LIST = 16
MAX_CLASSES = 1024
MAX_PARAMS = 1_000_000_000  # 4 GB of float32, whatever the file says


def _fail(source: str, what: str) -> SeisviewError:
    return SeisviewError(f"{source}: {what}", hint="the checkpoint is damaged or not for this version of "
                         "seisview; pick another checkpoint or retrain")


def _check_value(key: str, v, source: str, depth: int = 0) -> None:
    limit = OPTION_LIMITS.get(key, MAX_INT)
    if isinstance(v, bool) or v is None:
        return
    if isinstance(v, int | float):
        if not math.isfinite(v) or abs(v) > limit:
            raise _fail(source, f"model option {key}={v!r} is outside 0..{limit:g}")
        return
    if isinstance(v, str):
        if len(v) > 4096:
            raise _fail(source, f"model option {key} is a string of {len(v)} characters")
        return
    if isinstance(v, list | tuple) and depth == 0:
        if len(v) > MAX_LIST:
            raise _fail(source, f"model option {key} has {len(v)} entries (at most {MAX_LIST})")
        for x in v:
            _check_value(key, x, source, depth + 1)
        return
    raise _fail(source, f"model option {key} is a {type(v).__name__}, not a number, string or list of numbers")


def _num(cfg: dict, key: str, default: float) -> float:
    v = cfg.get(key, default)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else default


def _nums(cfg: dict, key: str, default) -> list[float]:
    v = cfg.get(key, default)
    return [float(x) for x in v if isinstance(x, int | float)] if isinstance(v, list | tuple) else list(default)


def estimated_params(model: str, cfg: dict) -> float | None:
    """Roughly how many weights ``model`` with options ``cfg`` has (None: a model not known here).

    Each figure is the dominant term of the model's layers, fitted on the built models
    (within a factor of about 1.5).
    """
    if model == "unet":
        top = _num(cfg, "base", 16) * 2 ** _num(cfg, "depth", 3)
        per = (5.0 if cfg.get("coarse", True) else 30.0) * top * top
        return max(1.0, _num(cfg, "members", 1)) * per
    if model == "waldeland":
        return 80.0 * _num(cfg, "channels", 50) ** 2
    if model == "vgg16":
        return 1.1e7 * _num(cfg, "width", 1.0) ** 2
    if model == "resnet":
        base = _num(cfg, "base", 32)
        return sum(18.0 * b * (base * 2 ** i) ** 2 for i, b in enumerate(_nums(cfg, "blocks", (2, 2, 2, 2))))
    if model in ("fb-unet", "autoencoder", "gan"):
        widths = _nums(cfg, "widths", (16, 32, 64, 128))
        convs = 30.0 * sum(w * w for w in widths) * (2 if model == "gan" else 1)
        if model == "gan":
            patch = _nums(cfg, "patch", (64, 32))
            convs += _num(cfg, "latent_dim", 64) * math.prod(patch) * (widths[-1] if widths else 1) / 64
        return convs
    return None


def check_model_config(model, n_classes, config, file_params: int, source: str) -> None:
    """Refuse (one line) a model description that is malformed, out of bounds, or implies far
    more weights than the ``file_params`` the file holds."""
    if not isinstance(model, str) or not model or len(model) > 200:
        raise _fail(source, f"model name {model!r} is not a name")
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or not 1 <= n_classes <= MAX_CLASSES:
        raise _fail(source, f"number of classes {n_classes!r} is not a whole number 1..{MAX_CLASSES}")
    if not isinstance(config, dict):
        raise _fail(source, f"model options are a {type(config).__name__}, not a table of options")
    if len(config) > 64:
        raise _fail(source, f"{len(config)} model options (at most 64)")
    for k, v in config.items():
        _check_value(str(k), v, source)
    est = estimated_params(model, config)
    if est is None:
        return
    if est > MAX_PARAMS or est > 8 * file_params + 2_000_000:
        raise _fail(source, f"the options of model {model!r} ask for about {est:,.0f} weights but the file "
                    f"holds {file_params:,}")
