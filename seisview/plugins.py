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
same way (``seisview.builtins:manifest``). A plugin that fails to import or
raises is recorded in :attr:`Registry.failures` and never takes the
application down.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from seisview.core.errors import SeisviewError

log = logging.getLogger(__name__)

GROUP = "seisview.plugins"
KINDS = ("reader", "model", "attribute", "panel", "command")


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

    def load(self) -> Any:
        """Resolve the target (imported once); raises ``SeisviewError`` on failure."""
        if self._obj is not None:
            return self._obj
        if not isinstance(self.target, str):
            self._obj = self.target
            return self._obj
        mod_name, _, attr = self.target.partition(":")
        try:
            obj = importlib.import_module(mod_name)
            for part in attr.split(".") if attr else []:
                obj = getattr(obj, part)
        except Exception as exc:  # a broken plugin must not take the app down
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("plugin %s: cannot load %s %r", self.plugin, self.kind, self.name)
            raise SeisviewError(
                f"plugin {self.plugin!r} failed to load {self.kind} {self.name!r} ({self.error})",
                hint="see `seisview plugins list` and the log; reinstall or disable the plugin",
            ) from exc
        self._obj = obj
        return obj


@dataclass
class PluginInfo:
    name: str
    source: str  # entry point value
    version: str = ""
    loaded: bool = False
    error: str | None = None
    contributions: list[Contribution] = field(default_factory=list)


class Registry:
    def __init__(self):
        self._items: dict[tuple[str, str], Contribution] = {}
        self.plugins: dict[str, PluginInfo] = {}
        self._discovered = False

    # -- registration -----------------------------------------------------
    def register(self, kind: str, name: str, target, *, plugin: str = "runtime",
                 description: str = "", meta: dict | None = None, replace: bool = False) -> Contribution:
        if kind not in KINDS:
            raise ValueError(f"unknown contribution kind {kind!r}; one of {KINDS}")
        key = (kind, name)
        if key in self._items and not replace:
            raise ValueError(f"{kind} {name!r} is already registered by plugin {self._items[key].plugin!r}")
        c = Contribution(kind, name, target, plugin, description, dict(meta or {}))
        self._items[key] = c
        info = self.plugins.setdefault(plugin, PluginInfo(plugin, "runtime", loaded=True))
        info.contributions.append(c)
        return c

    def unregister(self, kind: str, name: str) -> None:
        c = self._items.pop((kind, name), None)
        if c is not None and c.plugin in self.plugins:
            info = self.plugins[c.plugin]
            info.contributions = [x for x in info.contributions if x is not c]

    def add_manifest(self, manifest: dict, source: str = "runtime") -> PluginInfo:
        name = manifest.get("name") or source
        info = PluginInfo(name, source, str(manifest.get("version", "")), loaded=True)
        self.plugins[name] = info
        for item in manifest.get("contributions", []):
            try:
                self.register(item["kind"], item["name"], item["target"], plugin=name,
                              description=item.get("description", ""), meta=item.get("meta"))
            except (KeyError, ValueError) as exc:
                info.error = f"bad contribution {item!r}: {exc}"
                log.warning("plugin %s: %s", name, info.error)
        return info

    # -- discovery --------------------------------------------------------
    def discover(self) -> None:
        """Read every ``seisview.plugins`` entry point once (manifests only, no targets)."""
        if self._discovered:
            return
        self._discovered = True
        eps = sorted(entry_points(group=GROUP), key=lambda e: (e.name != "builtins", e.name))
        for ep in eps:
            try:
                manifest = ep.load()
                if callable(manifest):
                    manifest = manifest()
                if not isinstance(manifest, dict):
                    raise TypeError("manifest must be a dict")
                self.add_manifest(manifest, source=ep.value)
            except Exception as exc:
                log.exception("plugin entry point %s failed", ep.value)
                self.plugins[ep.name] = PluginInfo(ep.name, ep.value, loaded=False,
                                                   error=f"{type(exc).__name__}: {exc}")

    # -- lookup -----------------------------------------------------------
    def names(self, kind: str) -> list[str]:
        self.discover()
        return sorted(n for (k, n) in self._items if k == kind)

    def contributions(self, kind: str | None = None) -> list[Contribution]:
        self.discover()
        return [c for (k, _), c in sorted(self._items.items()) if kind is None or k == kind]

    def get_contribution(self, kind: str, name: str) -> Contribution:
        self.discover()
        try:
            return self._items[(kind, name)]
        except KeyError:
            known = ", ".join(self.names(kind)) or "none"
            raise SeisviewError(f"no {kind} named {name!r}", hint=f"available: {known}") from None

    def get(self, kind: str, name: str) -> Any:
        """The loaded object of a contribution (imports its module on first use)."""
        return self.get_contribution(kind, name).load()

    def failures(self) -> list[tuple[str, str]]:
        self.discover()
        out = [(p.name, p.error) for p in self.plugins.values() if p.error]
        out += [(f"{c.plugin}:{c.kind}:{c.name}", c.error) for c in self._items.values() if c.error]
        return out


registry = Registry()
