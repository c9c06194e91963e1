"""``seisview plugins list|enable|disable``: what is installed and whether it loaded."""

from __future__ import annotations

import json

from seisview.core.errors import SeisviewError


def register(subparsers, groups) -> None:
    p = subparsers.add_parser("plugins", help="list, enable or disable plugins")
    sub = p.add_subparsers(dest="plugins_command", metavar="ACTION")
    groups["plugins"] = sub
    ls = sub.add_parser("list", help="installed plugins, their contributions and whether they loaded")
    ls.add_argument("--no-load", action="store_true",
                    help="only read the manifests (do not import the contributions)")
    ls.add_argument("--only", action="append", metavar="NAME",
                    help="list (and load) only this plugin; repeat for more")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=cmd_list)
    for action in ("enable", "disable"):
        a = sub.add_parser(action, help=f"{action} a plugin (remembered in ~/.seisview/plugins.json)")
        a.add_argument("name", help="plugin name as shown by `seisview plugins list`")
        a.set_defaults(func=cmd_toggle, action=action)


def cmd_list(args) -> int:
    from seisview.plugins import registry, status_rows

    rows = status_rows(registry, load=not args.no_load, only=args.only)
    missing = sorted(set(args.only or ()) - {r["name"] for r in rows})
    if missing:
        raise SeisviewError(f"no plugin named {', '.join(missing)}",
                            hint=f"installed: {', '.join(sorted(registry.plugins))}")
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for row in rows:
        version = f" {row['version']}" if row["version"] else ""
        print(f"{row['name']}{version}  [{row['status']}]  ({row['source']})")
        for err in row["errors"]:
            print(f"    error: {err}")
        for c in row["contributions"]:
            print(f"    {c['kind']:<9} {c['name']:<24} {c['status']}")
    failed = sum(r["status"] in ("failed", "partial") for r in rows)
    print(f"{len(rows)} plugin(s), {failed} with errors")
    return 0


def cmd_toggle(args) -> int:
    from seisview.plugins import registry

    getattr(registry, args.action)(args.name, persist=True)
    print(f"plugin {args.name!r} {args.action}d")
    return 0
