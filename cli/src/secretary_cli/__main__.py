"""`secretary`: run a recording through the whole local stack, or keep the stack up."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from secretary_contracts import RecordingStatus, TranscriptWarning

from secretary_cli import client
from secretary_cli.dead_letters import list_dead_letters, retry_dead_letter
from secretary_cli.stack import WITH_LLM, Stack, everything, free_port


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
        created = stack.gateway.upload(media, fields)
        final = stack.gateway.watch(created["id"], args.timeout, on_update=client.ProgressPrinter())
        if final["status"] == RecordingStatus.FAILED:
            error = final.get("error") or {}
            print(f"failed: {error.get('code')}: {error.get('message')}", file=sys.stderr)
            return 1
        print(
            f"\n{media.name}: {final['duration_s']:.0f} s, language {final['language'] or '-'}, "
            f"{final['speaker_count']} speaker(s)\n"
        )
        if TranscriptWarning.NO_SPEECH in final.get("warnings", []):
            print("Nobody speaks in this recording.")
            return 0
        print(stack.gateway.transcript(created["id"], "txt"), end="")
        flagged = {k: v for k, v in final.get("flagged_segments", {}).items() if v}
        if flagged:
            counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in flagged.items())
            print(f"\nSegments to check: {counts}.")
        return 0
    finally:
        stack.stop()


def replica_counts(text: str) -> dict[str, int]:
    """`asr=2,diarize=2` as {"asr": 2, "diarize": 2}."""
    counts = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        service, _, count = part.partition("=")
        if service not in (*WITH_LLM, "ingest") or not count.isdigit() or int(count) < 1:
            raise argparse.ArgumentTypeError(f"not a service=count: {part!r}")
        counts[service] = int(count)
    return counts


def _up(args: argparse.Namespace) -> int:
    stack = Stack(
        Path(args.data_dir),
        args.port,
        log_level=args.log_level,
        sync_interval=args.sync_interval,
        replicas=args.replicas,
    )
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        stack.start(everything(dict(os.environ)))
        stack.wait_ready()
        assert stack.nats is not None
        _write_private(Path(args.data_dir) / "nats.url", stack.nats.url)
        print(
            f"secretary is up: {stack.gateway_url}, NATS at {stack.nats.address} "
            "(Ctrl-C stops it)\n"
            f"API key for owner 'local' (also in {stack.api_key_file}): {stack.api_key}",
            file=sys.stderr,
        )
        while not stopping:
            time.sleep(0.5)
        return 0
    finally:
        stack.stop()


def _write_private(path: Path, text: str) -> None:
    """The local NATS address carries the admin password, so only its owner may read it."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)


def _nats_url(args: argparse.Namespace) -> str:
    """The running local stack's NATS (`make up` writes it down), unless one is named."""
    if args.nats_url:
        return str(args.nats_url)
    written = Path(args.data_dir) / "nats.url"
    return written.read_text().strip() if written.exists() else "nats://127.0.0.1:4222"


def _dlq(args: argparse.Namespace) -> int:
    nats_url = _nats_url(args)
    if args.action == "list":
        entries = asyncio.run(list_dead_letters(nats_url))
        if not entries:
            print("no dead letters")
        for entry in entries:
            at = entry.at.isoformat(timespec="seconds") if entry.at else "?"
            print(
                f"{entry.sequence:>6}  {at}  {entry.advisory.consumer:<18} "
                f"deliveries={entry.advisory.deliveries:<3} recording={entry.recording_id} "
                f"subject={entry.subject}"
            )
        return 0
    if args.sequence is None:
        print("secretary dlq retry: give the dead letter's number (see `secretary dlq list`)")
        return 2
    subject = asyncio.run(retry_dead_letter(nats_url, args.sequence))
    print(f"published dead letter {args.sequence} again on {subject}")
    return 0


def _keys(args: argparse.Namespace, rest: list[str]) -> int:
    """API keys live in the gateway's database; the gateway's own command manages them."""
    env = dict(os.environ)
    env.setdefault(
        "SECRETARY_DATABASE_URL", f"sqlite+aiosqlite:///{Path(args.data_dir) / 'secretary.db'}"
    )
    command = [sys.executable, "-m", "secretary_gateway.keys", *rest]
    return subprocess.run(command, env=env, check=False).returncode


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
    up.add_argument(
        "--sync-interval",
        default="",
        help="JetStream fsync interval, e.g. `always` (safest, slower) or `30s`;"
        " default: the server's 2 min.",
    )
    up.add_argument(
        "--replicas",
        type=replica_counts,
        default={},
        help="Processes per service, e.g. `asr=2,diarize=2`: they share the service's"
        " queues, and a long recording's pieces spread over them.",
    )
    up.set_defaults(handler=_up)

    dlq = commands.add_parser("dlq", help="List or retry what the pipeline gave up on.")
    dlq.add_argument("action", choices=("list", "retry"))
    dlq.add_argument("sequence", nargs="?", type=int, help="dead letter number, for retry")
    dlq.add_argument("--nats-url", default=os.environ.get("SECRETARY_NATS_URL", ""))
    dlq.set_defaults(handler=_dlq)

    keys = commands.add_parser(
        "keys",
        help="API keys: create --owner NAME [--name WHAT] | list [--owner NAME] | revoke ID.",
        add_help=False,
    )
    keys.set_defaults(handler=None)

    args, rest = parser.parse_known_args(argv)
    if args.command == "keys":
        return _keys(args, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
