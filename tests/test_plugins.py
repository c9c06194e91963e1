"""Plugin registry: lazy targets, broken plugins reported (never raised), disable, CLI."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from seisview.core.errors import SeisviewError
from seisview.plugins import registry

GOOD = '''
LOADED = []
def manifest():
    return {"name": "good-plugin", "version": "2.1", "contributions": [
        {"kind": "attribute", "name": "double", "target": "good_plugin_mod:double"},
        {"kind": "command", "name": "hello", "target": "good_plugin_mod:register"},
    ]}
def double(x):
    return 2 * x
def register(subparsers, groups):
    p = subparsers.add_parser("hello-test")
    p.set_defaults(func=lambda args: print("hello from plugin") or 0)
'''


def test_lazy_target_is_imported_on_first_use(temp_plugin):
    temp_plugin.module("good_plugin_mod", GOOD)
    info = temp_plugin.entry_point("good", "good_plugin_mod:manifest")
    assert info.status == "ok" and info.version == "2.1"
    sys.modules.pop("good_plugin_mod", None)  # listing must not need the module
    assert "double" in registry.names("attribute")
    c = registry.get_contribution("attribute", "double")
    assert c.status == "not loaded"
    assert registry.get("attribute", "double")(21) == 42
    assert c.status == "loaded"


def test_entry_point_that_fails_to_import_is_recorded(temp_plugin, caplog):
    with caplog.at_level(logging.ERROR, logger="seisview.plugins"):
        info = temp_plugin.entry_point("ghost", "no_such_module_xyz:manifest")
    assert info.status == "failed"
    assert "ModuleNotFoundError" in info.error and "no_such_module_xyz" in info.error
    assert ("ghost", info.error) in registry.failures()
    assert "no_such_module_xyz" in caplog.text  # one line in the log, naming what failed
    assert "Traceback" not in caplog.text and len(caplog.records) == 1
    assert "Traceback" in info.traceback


def test_manifest_that_raises_and_bad_contributions(temp_plugin):
    temp_plugin.module("raising_plugin_mod", "def manifest():\n    raise RuntimeError('boom at import')\n")
    info = temp_plugin.entry_point("raiser", "raising_plugin_mod:manifest")
    assert info.status == "failed" and info.error == "RuntimeError: boom at import"
    info = temp_plugin.add({"name": "half", "contributions": [
        {"kind": "widget", "name": "x", "target": "a:b"},            # unknown kind
        {"kind": "model", "target": "a:b"},                          # no name
        {"kind": "model", "name": "ok-model", "target": "math:sqrt"},
    ]})
    assert info.status == "partial" and len(info.errors) == 2
    assert registry.get("model", "ok-model")(9.0) == 3.0


def test_broken_target_raises_one_line_error_and_is_listed(temp_plugin):
    temp_plugin.module("broken_target_mod", "raise ImportError('needs libfoo 9')\n")
    temp_plugin.add({"name": "broken", "contributions": [
        {"kind": "reader", "name": "foo", "target": "broken_target_mod:load"}]})
    with pytest.raises(SeisviewError, match="plugin 'broken' failed to load reader 'foo'.*libfoo 9"):
        registry.get("reader", "foo")
    info = registry.plugins["broken"]
    assert info.status == "partial"
    assert info.problems() == ["reader 'foo': ImportError: needs libfoo 9"]


def test_call_records_an_exception_raised_by_a_plugin(temp_plugin):
    temp_plugin.module("raising_call_mod", "def run(x):\n    return 1 / x\n")
    temp_plugin.add({"name": "divider", "contributions": [
        {"kind": "attribute", "name": "inverse", "target": "raising_call_mod:run"}]})
    assert registry.call("attribute", "inverse", 4) == 0.25
    with pytest.raises(SeisviewError, match="divider.*ZeroDivisionError"):
        registry.call("attribute", "inverse", 0)
    assert registry.get_contribution("attribute", "inverse").status == "failed"


def test_disable_hides_contributions_and_persists(temp_plugin, tmp_path, monkeypatch):
    monkeypatch.setenv("SEISVIEW_HOME", str(tmp_path / "home"))
    temp_plugin.add({"name": "toggly", "contributions": [
        {"kind": "model", "name": "toggly-net", "target": "math:pi"}]})
    registry.disable("toggly", persist=True)
    assert "toggly-net" not in registry.names("model")
    assert registry.plugins["toggly"].status == "disabled"
    with pytest.raises(SeisviewError, match="disabled plugin 'toggly'.*plugins enable toggly"):
        registry.get("model", "toggly-net")
    saved = json.loads((tmp_path / "home" / "plugins.json").read_text())
    assert saved["disabled"] == ["toggly"]
    registry.enable("toggly", persist=True)
    assert registry.get("model", "toggly-net") == pytest.approx(3.14159, abs=1e-5)
    with pytest.raises(SeisviewError, match="built-ins cannot be disabled"):
        registry.disable("seisview-builtins")
    with pytest.raises(SeisviewError, match="no plugin named 'nope'"):
        registry.disable("nope")


def test_temporary_registry_is_restored(temp_plugin):
    before = set(registry.plugins)
    with registry.temporary() as inner:
        inner.add({"name": "ephemeral", "contributions": [
            {"kind": "model", "name": "eph", "target": "math:e"}]})
        assert "eph" in registry.names("model")
    assert "eph" not in registry.names("model") and set(registry.plugins) == before


def test_builtins_and_reflectivity_lab_are_discovered():
    registry.discover()
    assert "seisview-builtins" in registry.plugins
    assert "reflectivity-lab" in registry.plugins  # installed by scripts/install.sh
    assert "reflectivity-lab" in registry.names("command")


def test_cli_plugins_list_reports_broken_plugins(temp_plugin, capsys):
    from seisview.cli import main

    temp_plugin.module("good_plugin_mod", GOOD)
    temp_plugin.entry_point("good", "good_plugin_mod:manifest")
    temp_plugin.entry_point("ghost", "no_such_module_xyz:manifest")
    temp_plugin.module("bad_cmd_mod", "def register(subparsers, groups):\n    raise ValueError('bad args')\n")
    temp_plugin.add({"name": "bad-cmd", "contributions": [
        {"kind": "command", "name": "bad", "target": "bad_cmd_mod:register"}]})
    only = ["--only", "good-plugin", "--only", "ghost", "--only", "bad-cmd"]  # skip heavy built-ins
    assert main(["plugins", "list", *only]) == 0
    out = capsys.readouterr().out
    assert "good-plugin 2.1  [ok]" in out
    assert "ghost  [failed]" in out and "No module named 'no_such_module_xyz'" in out
    assert "bad-cmd  [partial]" in out and "ValueError: bad args" in out
    # the CLI still works with the broken command installed, and the good command runs
    assert main(["hello-test"]) == 0
    assert "hello from plugin" in capsys.readouterr().out
    assert main(["plugins", "list", "--json", *only]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"good-plugin", "ghost", "bad-cmd"} and rows["ghost"]["status"] == "failed"
    assert rows["good-plugin"]["contributions"][0]["status"] == "loaded"


def test_cli_list_without_loading_shows_every_installed_plugin(capsys):
    from seisview.cli import main

    assert main(["plugins", "list", "--no-load"]) == 0
    out = capsys.readouterr().out
    assert "seisview-builtins" in out and "reflectivity-lab 0.1.0" in out
    assert "command   reflectivity-lab" in out
    assert main(["plugins", "list", "--only", "nope"]) == 2


def test_cli_disable_unknown_plugin_exits_2(capsys):
    from seisview.cli import main

    assert main(["plugins", "disable", "no-such-plugin"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no plugin named 'no-such-plugin'" in err
