"""Registry of contributions: readers, models, attributes, panels and commands.

Plugins are discovered through the ``seisview.plugins`` entry-point group. Each
entry point names a function returning a manifest::

    {"name": "my-plugin", "version": "1.0",
     "contributions": [
         {"kind": "model", "name": "tiny-unet", "target": "my_plugin.models:TinyUNet",
          "description": "...", "meta": {...}},
     ]}

Targets are ``module:attribute`` strings resolved on first use (lazy loading),
so listing plugins imports nothing heavy. seisview's own built-ins register the
same way (``seisview.builtins:manifest``).

A plugin that fails to import or raises never takes the application down: the
error is kept on its :class:`PluginInfo` (manifest problems) or
:class:`Contribution` (target problems), logged with its traceback, and shown by
``seisview plugins list`` and the Plugins dialog. A plugin can be disabled
(``seisview plugins disable NAME``); its contributions are then hidden.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from seisview.core.errors import SeisviewError

log = logging.getLogger(__name__)

GROUP = "seisview.plugins"
KINDS = ("reader", "model", "attribute", "label_format", "pick_format", "panel", "command")
BUILTINS = "seisview-builtins"
DISABLE_ENV = "SEISVIEW_DISABLE_PLUGINS"  # comma-separated plugin names


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def resolve(target: str) -> Any:
    """Import ``module:attr.sub`` and return the attribute (the module when no attr)."""
    mod_name, _, attr = target.partition(":")
    obj = importlib.import_module(mod_name)
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


@dataclass
class Contribution:
    kind: str
    name: str
    target: str | Any  # "module:attr" or the object itself
    plugin: str
    description: str = ""
    meta: dict = field(default_factory=dict)
    _obj: Any = None
    error: str | None = None
    traceback: str = ""

    @property
    def status(self) -> str:
        """``"failed"``, ``"loaded"`` or ``"not loaded"`` (lazy: nothing imported yet)."""
        if self.error:
            return "failed"
        return "loaded" if self._obj is not None else "not loaded"

    def load(self) -> Any:
        """Resolve the target (imported once); raises ``SeisviewError`` on failure."""
        if self._obj is not None:
            return self._obj
        if not isinstance(self.target, str):
            self._obj = self.target
            return self._obj
        try:
            obj = resolve(self.target)
        except Exception as exc:  # a broken plugin must not take the app down
            self.record_failure(exc, "cannot load")
            raise SeisviewError(
                f"plugin {self.plugin!r} failed to load {self.kind} {self.name!r} ({self.error})",
                hint="see `seisview plugins list` and the log; reinstall or disable the plugin",
            ) from exc
        self.error = None
        self._obj = obj
        return obj

    def record_failure(self, exc: BaseException, what: str = "raised") -> None:
        """Keep a failure of this contribution (import or call) for the dialog and the CLI."""
        self.error = _one_line(exc)
        self.traceback = "".join(traceback.format_exception(exc))
        log.error("plugin %s: %s %s %r: %s (Help > Plugins shows the details)", self.plugin, what,
                  self.kind, self.name, self.error)
        log.debug("%s", self.traceback)


@dataclass
class PluginInfo:
    name: str
    source: str  # entry point value, or "runtime"
    version: str = ""
    loaded: bool = False
    error: str | None = None  # the first manifest problem (kept for compatibility)
    contributions: list[Contribution] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # every manifest problem
    traceback: str = ""
    enabled: bool = True

    def add_error(self, message: str) -> None:
        self.errors.append(message)
        if self.error is None:
            self.error = message

    @property
    def status(self) -> str:
        """``disabled``, ``failed`` (manifest), ``partial`` (a contribution failed) or ``ok``."""
        if not self.enabled:
            return "disabled"
        if not self.loaded:
            return "failed"
        if self.errors or any(c.error for c in self.contributions):
            return "partial"
        return "ok"

    def problems(self) -> list[str]:
        """Every error of this plugin, manifest first, one line each."""
        out = list(self.errors)
        out += [f"{c.kind} {c.name!r}: {c.error}" for c in self.contributions if c.error]
        return out


def _settings_path() -> Path:
    from seisview.config import home

    return home() / "plugins.json"


def _saved_disabled() -> set[str]:
    names = {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}
    try:
        names |= set(json.loads(_settings_path().read_text()).get("disabled", []))
    except (OSError, ValueError, AttributeError):
        pass
    return names


class Registry:
    def __init__(self):
        self._items: dict[tuple[str, str], Contribution] = {}
        self.plugins: dict[str, PluginInfo] = {}
        self._discovered = False
        self._disabled: set[str] | None = None

    # -- registration -----------------------------------------------------
    def register(self, kind: str, name: str, target, *, plugin: str = "runtime",
                 description: str = "", meta: dict | None = None, replace: bool = False) -> Contribution:
        if kind not in KINDS:
            raise ValueError(f"unknown contribution kind {kind!r}; one of {KINDS}")
        key = (kind, name)
        if key in self._items and not replace:
            raise ValueError(f"{kind} {name!r} is already registered by plugin {self._items[key].plugin!r}")
        if key in self._items:
            self.unregister(kind, name)
        c = Contribution(kind, name, target, plugin, description, dict(meta or {}))
        self._items[key] = c
        info = self.plugins.setdefault(plugin, PluginInfo(plugin, "runtime", loaded=True))
        info.enabled = plugin not in self.disabled_names()
        info.contributions.append(c)
        return c

    def unregister(self, kind: str, name: str) -> None:
        c = self._items.pop((kind, name), None)
        if c is not None and c.plugin in self.plugins:
            info = self.plugins[c.plugin]
            info.contributions = [x for x in info.contributions if x is not c]

    def add_manifest(self, manifest: dict, source: str = "runtime") -> PluginInfo:
        name = str(manifest.get("name") or source)
        info = PluginInfo(name, source, str(manifest.get("version", "")), loaded=True)
        info.enabled = name not in self.disabled_names()
        self.plugins[name] = info
        items = manifest.get("contributions", [])
        if not isinstance(items, list):
            info.add_error(f"'contributions' must be a list, got {type(items).__name__}")
            items = []
        for item in items:
            try:
                self.register(item["kind"], item["name"], item["target"], plugin=name,
                              description=item.get("description", ""), meta=item.get("meta"))
            except (KeyError, ValueError, TypeError) as exc:
                info.add_error(f"bad contribution {item!r}: {_one_line(exc)}")
                log.warning("plugin %s: %s", name, info.errors[-1])
        return info

    def load_entry_point(self, name: str, value: str, loader: Callable[[], Any] | None = None) -> PluginInfo:
        """Read one manifest (``value`` is ``module:function``); failures are recorded, not raised."""
        try:
            manifest = loader() if loader is not None else resolve(value)
            if callable(manifest):
                manifest = manifest()
            if not isinstance(manifest, dict):
                raise TypeError(f"manifest must be a dict, got {type(manifest).__name__}")
            return self.add_manifest(manifest, source=value)
        except Exception as exc:  # a broken plugin never takes the app down
            info = PluginInfo(name, value, loaded=False)
            info.add_error(_one_line(exc))
            info.traceback = "".join(traceback.format_exception(exc))
            info.enabled = name not in self.disabled_names()
            self.plugins[name] = info
            # one line for the user; the traceback is for the plugin's author (dialog, debug log)
            log.error("plugin %s (%s) was not loaded: %s; Help > Plugins shows the details",
                      name, value, info.error)
            log.debug("%s", info.traceback)
            return info

    # -- discovery --------------------------------------------------------
    def discover(self) -> None:
        """Read every ``seisview.plugins`` entry point once (manifests only, no targets)."""
        if self._discovered:
            return
        self._discovered = True
        eps = sorted(entry_points(group=GROUP), key=lambda e: (e.name != "builtins", e.name))
        if not any(ep.name == "builtins" for ep in eps):  # run from a tree that is not installed
            self.load_entry_point("builtins", "seisview.builtins:manifest")
        for ep in eps:
            self.load_entry_point(ep.name, ep.value, ep.load)

    # -- enable / disable -------------------------------------------------
    def disabled_names(self) -> set[str]:
        if self._disabled is None:
            self._disabled = _saved_disabled()
        return self._disabled

    def disable(self, name: str, *, persist: bool = False) -> None:
        """Hide a plugin's contributions (``persist`` remembers it in ``~/.seisview/plugins.json``)."""
        self.discover()
        if name == BUILTINS:
            raise SeisviewError("seisview's built-ins cannot be disabled",
                                hint="disable the plugin that misbehaves instead")
        if name not in self.plugins:
            raise SeisviewError(f"no plugin named {name!r}",
                                hint=f"installed: {', '.join(sorted(self.plugins)) or 'none'}")
        self.disabled_names().add(name)
        self.plugins[name].enabled = False
        if persist:
            self._save_disabled()

    def enable(self, name: str, *, persist: bool = False) -> None:
        self.discover()
        self.disabled_names().discard(name)
        if name in self.plugins:
            self.plugins[name].enabled = True
        if persist:
            self._save_disabled()

    def _save_disabled(self) -> None:
        from seisview.io.atomic import atomic_write_text

        atomic_write_text(_settings_path(), json.dumps({"disabled": sorted(self.disabled_names())}, indent=1))

    def _active(self, c: Contribution) -> bool:
        info = self.plugins.get(c.plugin)
        return info is None or info.enabled

    # -- lookup -----------------------------------------------------------
    def names(self, kind: str) -> list[str]:
        self.discover()
        return sorted(n for (k, n), c in self._items.items() if k == kind and self._active(c))

    def contributions(self, kind: str | None = None, *, include_disabled: bool = False) -> list[Contribution]:
        self.discover()
        return [c for (k, _), c in sorted(self._items.items())
                if (kind is None or k == kind) and (include_disabled or self._active(c))]

    def in_order(self, kind: str) -> list[Contribution]:
        """Active contributions of ``kind`` in registration order (built-ins first, as listed)."""
        self.discover()
        return [c for (k, _), c in self._items.items() if k == kind and self._active(c)]

    def models(self, task: str = "facies") -> list[Contribution]:
        """The models of ``task`` (meta ``task``, default "facies"), the task's default first."""
        ms = [c for c in self.in_order("model") if c.meta.get("task", "facies") == task]
        return sorted(ms, key=lambda c: not c.meta.get("default"))

    def default_model(self, task: str = "facies") -> str:
        ms = self.models(task)
        if not ms:
            raise SeisviewError(f"no {task} model is registered", hint="check `seisview plugins list`")
        return ms[0].name

    def formats(self, what: str, direction: str) -> list[str]:
        """Names of the ``what`` ("label" or "pick") formats that can ``direction`` ("import"
        or "export"): kinds ``label_format`` / ``pick_format``, meta ``import`` / ``export``."""
        if what not in ("label", "pick") or direction not in ("import", "export"):
            raise ValueError(f"formats({what!r}, {direction!r})")
        return [c.name for c in self.in_order(f"{what}_format") if c.meta.get(direction)]

    def survey_readers(self) -> list[Contribution]:
        """Readers of surveys (meta ``data`` "survey", the default), the default reader first."""
        rs = [c for c in self.in_order("reader") if c.meta.get("data", "survey") == "survey"]
        return sorted(rs, key=lambda c: not c.meta.get("default"))

    def reader_for(self, path) -> Contribution:
        """The survey reader for ``path``: the first whose meta ``extensions`` has its suffix,
        else the default one (SEG-Y, whatever the suffix)."""
        suffix = Path(path).suffix.lower()
        readers = self.survey_readers()
        if not readers:
            raise SeisviewError("no survey reader is registered", hint="check `seisview plugins list`")
        for c in readers:
            if suffix and suffix in [str(e).lower() for e in c.meta.get("extensions", ())]:
                return c
        return readers[0]

    def get_contribution(self, kind: str, name: str) -> Contribution:
        self.discover()
        c = self._items.get((kind, name))
        if c is None:
            known = ", ".join(self.names(kind)) or "none"
            raise SeisviewError(f"no {kind} named {name!r}", hint=f"available: {known}")
        if not self._active(c):
            raise SeisviewError(f"{kind} {name!r} belongs to the disabled plugin {c.plugin!r}",
                                hint=f"run `seisview plugins enable {c.plugin}`")
        return c

    def get(self, kind: str, name: str) -> Any:
        """The loaded object of a contribution (imports its module on first use)."""
        return self.get_contribution(kind, name).load()

    def call(self, kind: str, name: str, *args, **kwargs) -> Any:
        """Load and call a contribution; an exception it raises is recorded, then re-raised
        as a one-line ``SeisviewError`` so callers can show it and carry on."""
        c = self.get_contribution(kind, name)
        fn = c.load()
        try:
            return fn(*args, **kwargs)
        except SeisviewError:
            raise
        except Exception as exc:
            c.record_failure(exc)
            raise SeisviewError(f"plugin {c.plugin!r}: {kind} {name!r} failed ({c.error})",
                                hint="details are in the log; disable the plugin if it keeps failing") from exc

    def failures(self) -> list[tuple[str, str]]:
        self.discover()
        out = [(p.name, e) for p in self.plugins.values() for e in p.errors]
        out += [(f"{c.plugin}:{c.kind}:{c.name}", c.error) for c in self._items.values() if c.error]
        return out

    def check(self) -> None:
        """Import every enabled contribution's target (records failures; for ``plugins list``)."""
        for c in self.contributions():
            with contextlib.suppress(SeisviewError):
                c.load()

    # -- tests ------------------------------------------------------------
    @contextlib.contextmanager
    def temporary(self, folder: Path | None = None) -> Iterator[TemporaryPlugins]:
        """Register plugins for the length of a ``with`` block; the registry is restored after."""
        self.discover()
        saved = (dict(self._items), {k: _copy_info(v) for k, v in self.plugins.items()},
                 set(self.disabled_names()))
        tmp = TemporaryPlugins(self, folder)
        try:
            yield tmp
        finally:
            self._items, self.plugins = saved[0], saved[1]
            self._disabled = saved[2]
            tmp.cleanup()


def _copy_info(info: PluginInfo) -> PluginInfo:
    return PluginInfo(info.name, info.source, info.version, info.loaded, info.error,
                      list(info.contributions), list(info.errors), info.traceback, info.enabled)


class TemporaryPlugins:
    """Helper behind the ``temp_plugin`` pytest fixture (see tests/conftest.py)."""

    def __init__(self, reg: Registry, folder: Path | None = None):
        self.registry = reg
        self.folder = folder
        self._modules: list[str] = []
        self._paths: list[str] = []

    def module(self, name: str, source: str, folder: Path | None = None) -> str:
        """Write ``folder/name.py`` and make it importable; returns the module name."""
        folder = Path(folder or self.folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.py").write_text(source)
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
            self._paths.append(str(folder))
        importlib.invalidate_caches()
        self._modules.append(name)
        return name

    def add(self, manifest: dict) -> PluginInfo:
        return self.registry.add_manifest(manifest, source="test")

    def entry_point(self, name: str, value: str) -> PluginInfo:
        """Load a manifest the way an installed entry point is loaded (``module:function``)."""
        return self.registry.load_entry_point(name, value)

    def cleanup(self) -> None:
        for m in self._modules:
            sys.modules.pop(m, None)
        for p in self._paths:
            with contextlib.suppress(ValueError):
                sys.path.remove(p)


def status_rows(registry: Registry, load: bool = True, only: list[str] | None = None) -> list[dict]:
    """One dict per plugin (status, errors, contributions); for `plugins list` and the Plugins dialog."""
    registry.discover()
    infos = [i for i in registry.plugins.values() if not only or i.name in only]
    if load:
        for info in infos:
            if info.enabled:
                for c in info.contributions:
                    with contextlib.suppress(SeisviewError):
                        c.load()
                _check_commands(info.contributions)
    rows = []
    for info in sorted(infos, key=lambda i: (i.name != "seisview-builtins", i.name)):
        rows.append({
            "name": info.name, "version": info.version, "source": info.source,
            "status": info.status, "errors": info.problems(), "manifest_errors": list(info.errors),
            "contributions": [
                {"kind": c.kind, "name": c.name, "target": c.target if isinstance(c.target, str) else repr(c.target),
                 "status": c.status, "error": c.error, "description": c.description}
                for c in info.contributions
            ],
        })
    return rows


def _check_commands(contributions) -> None:
    """A command contribution must accept ``(subparsers, groups)``: try it on a scratch parser."""
    import argparse

    for c in contributions:
        if c.kind != "command" or c.error or c._obj is None:
            continue
        scratch = argparse.ArgumentParser(prog="check").add_subparsers()
        try:
            c._obj(scratch, {})
        except Exception as exc:  # a broken plugin never takes the CLI down
            c.record_failure(exc, "register() raised for")


registry = Registry()
