"""`secretary`: run a recording through the whole local stack, or keep the stack up."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from secretary_cli import client
from secretary_cli.stack import Stack, free_port


def _run(args: argparse.Namespace) -> int:
    media = Path(args.file)
    if not media.is_file():
        print(f"secretary: no such file: {media}", file=sys.stderr)
        return 2
    stack = Stack(Path(args.data_dir), free_port(), log_level=args.log_level)
    try:
        stack.start()
        stack.wait_ready()
        fields = {"language": args.language} if args.language else {}
        if args.speakers:
            fields["num_speakers"] = str(args.speakers)
        created = client.upload(stack.gateway_url, media, fields)
        final = client.watch(
            stack.gateway_url, created["id"], args.timeout, on_update=client.ProgressPrinter()
        )
        if final["status"] == "failed":
            error = final.get("error") or {}
            print(f"failed: {error.get('code')}: {error.get('message')}", file=sys.stderr)
            return 1
        print(
            f"\n{media.name}: {final['duration_s']:.0f} s, language {final['language']}, "
            f"{final['speaker_count']} speaker(s)\n"
        )
        print(client.transcript(stack.gateway_url, created["id"], "txt"), end="")
        return 0
    finally:
        stack.stop()


def _up(args: argparse.Namespace) -> int:
    stack = Stack(Path(args.data_dir), args.port, log_level=args.log_level)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        stack.start()
        stack.wait_ready()
        print(f"secretary is up: {stack.gateway_url} (Ctrl-C stops it)", file=sys.stderr)
        while not stopping:
            if died := stack.dead():
                print(f"secretary: service(s) exited: {', '.join(died)}", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="secretary", description=__doc__)
    parser.add_argument("--data-dir", default=".data", help="Where NATS, SQLite and logs live.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="Transcribe one recording and print it.")
    run.add_argument("file")
    run.add_argument("--language", default="", help="Force a language (ISO 639-1).")
    run.add_argument("--speakers", type=int, default=0, help="Exact number of speakers.")
    run.add_argument("--timeout", type=float, default=6 * 3600)
    run.add_argument("--log-level", default="WARNING")
    run.set_defaults(handler=_run)

    up = commands.add_parser("up", help="Start every service and keep them running.")
    up.add_argument("--port", type=int, default=8000)
    up.add_argument("--log-level", default="INFO")
    up.set_defaults(handler=_up)

    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
