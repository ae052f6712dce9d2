"""`python -m secretary_gateway.keys create --owner NAME | create --door telegram | list |
revoke ID`.

Works on the gateway's database (`SECRETARY_DATABASE_URL`); `secretary keys ...` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from secretary_gateway.db import Database
from secretary_gateway.keys.auth import DOORS, create_key, list_keys, revoke_key
from secretary_gateway.settings import GatewaySettings


async def _main(args: argparse.Namespace) -> int:
    database = Database(args.database_url or GatewaySettings().database_url)
    try:
        await database.migrate()
        if args.action == "create":
            if (args.owner is None) == (args.door is None):
                print("give either --owner or --door", file=sys.stderr)
                return 2
            key = await create_key(database, args.owner, args.name, args.door)
            holder = f"the {args.door} door" if args.door else f"owner {key.owner!r}"
            print(f"API key {key.id} for {holder} (shown once; keep it safe):", file=sys.stderr)
            print(key.token)
        elif args.action == "list":
            for row in await list_keys(database, args.owner):
                state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
                print(f"{row.id}  {row.owner:<24} {state:<18} last used {used}  {row.name or ''}")
        else:
            if not await revoke_key(database, args.key_id):
                print(f"no active key {args.key_id}", file=sys.stderr)
                return 1
            print(f"revoked {args.key_id}")
        return 0
    finally:
        await database.close()


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="secretary keys", description="Manage API keys.")
    parser.add_argument("--database-url", default="", help="Default: SECRETARY_DATABASE_URL.")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="Create a key for an owner and print it once.")
    create.add_argument("--owner", default=None, help="e.g. a team name, or telegram:<user id>")
    create.add_argument(
        "--door",
        default=None,
        choices=DOORS,
        help="A front door's key: acts for that door's owners (X-Secretary-Owner).",
    )
    create.add_argument("--name", default=None, help="What the key is for.")
    listing = actions.add_parser("list", help="Keys (never their secrets).")
    listing.add_argument("--owner", default=None)
    revoke = actions.add_parser("revoke", help="Revoke a key by its id.")
    revoke.add_argument("key_id")
    return parser


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_main(parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
