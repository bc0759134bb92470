"""The command line: run, run --once, check-config, status.

Every FeedhubError becomes one line on stderr and exit status 1; a traceback
is printed only for a bug (and then with a request to report it).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from datetime import datetime, timezone

from feedhub import __version__
from feedhub.errors import ConfigError, FeedhubError
from feedhub.logs import setup_logging
from feedhub.redact import redact

# `run --once` when not one source could be read (every fetch or parse
# failed): cron and CI can tell; 0 when some could (issue #13).
EXIT_NOTHING_READ = 3

# The rest of feedhub is imported by the commands that need it: worker
# processes of the parse pool re-import this module, and should not pay for
# pydantic, PyYAML or pypinyin they never use.


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        setup_logging(args.verbose, args.quiet, args.log_format)
        return args.command(args)
    except ConfigError as e:
        print(f"feedhub: {redact(str(e))}", file=sys.stderr)
        return 1
    except FeedhubError as e:
        print(f"feedhub: error: {redact(str(e))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("feedhub: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `feedhub status | head`: the reader went away; not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="feedhub", description="Aggregate news feeds, merge the same story, publish per-category feeds.")
    parser.add_argument("--version", action="version", version=f"feedhub {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="config file (default: $FEEDHUB_CONFIG, then config/feedhub.yaml)")
    common.add_argument("-v", "--verbose", action="count", default=0,
                        help="log more (-v: every source and file, -vv: debug)")
    common.add_argument("-q", "--quiet", action="store_true", help="log problems only (warnings and errors)")
    common.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="json: one JSON object per line, for log shippers")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="poll on schedule and publish (or one cycle with --once)")
    run.add_argument("--once", action="store_true", help="poll every enabled source once, publish, exit")
    run.add_argument("--serve", metavar="HOST:PORT", help="also serve output/ over HTTP while the daemon runs")
    run.add_argument("--take-over-output", action="store_true",
                     help="publish into output.dir even if another site (another store) published there: "
                          "its category folders are removed and this site is published whole")
    run.set_defaults(command=cmd_run)

    serve = commands.add_parser("serve", parents=[common], help="serve output/ over HTTP (ETag/304, gzip)")
    serve.add_argument("--bind", metavar="HOST:PORT", default="127.0.0.1:8080",
                       help="address to listen on (default 127.0.0.1:8080; a bare port listens on 127.0.0.1)")
    serve.set_defaults(command=cmd_serve)

    check = commands.add_parser("check-config", parents=[common], help="validate the config and print it resolved")
    check.set_defaults(command=cmd_check_config)

    status = commands.add_parser("status", parents=[common], help="each source's health and next poll")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(command=cmd_status)

    remerge = commands.add_parser("remerge", parents=[common],
                                  help="merge stored stories the current merge thresholds say are one; "
                                       "republish the categories that changed")
    remerge.add_argument("--category", metavar="NAME", help="only this category (default: every category)")
    remerge.set_defaults(command=cmd_remerge)

    opml = commands.add_parser("import-opml", parents=[common],
                               help="add the feeds of a feed reader's OPML export to the config")
    opml.add_argument("file", metavar="FILE", help="the OPML file (Miniflux, FreshRSS, Inoreader, Feedly, newsboat, reader…)")
    opml.add_argument("--category", metavar="NAME",
                      help="category for the feeds in no folder (default: Uncategorized)")
    opml.add_argument("--dry-run", action="store_true", help="print the change to the config; write nothing")
    opml.set_defaults(command=cmd_import_opml)
    return parser


def _load(args):
    from feedhub.config import load_config, resolve_config_path

    config = load_config(resolve_config_path(args.config))
    if args.command is not cmd_check_config:
        for warning in config.warnings:
            logging.getLogger("feedhub.config").warning("%s", warning)
    return config


def cmd_check_config(args) -> int:
    from feedhub.config import describe

    config = _load(args)
    print(redact(describe(config)), end="")
    for warning in config.warnings:
        print(f"feedhub: warning: {warning}", file=sys.stderr)
    print(f"# {config.path}: OK ({len(config.sources)} sources, {len(config.categories)} categories)", file=sys.stderr)
    return 0


def cmd_import_opml(args) -> int:
    from feedhub.config import resolve_config_path
    from feedhub.config.opml_import import import_opml, print_result

    print_result(import_opml(args.file, resolve_config_path(args.config),
                             default_category=args.category, dry_run=args.dry_run))
    return 0


def _bind(value: str) -> tuple[str, int]:
    from feedhub.serve import parse_bind

    try:
        return parse_bind(value)
    except ValueError as e:
        raise FeedhubError(f"--serve/--bind {value!r}: {e}") from None


def cmd_serve(args) -> int:
    import threading

    from feedhub.serve import make_server, serve_forever

    config = _load(args)
    host, port = _bind(args.bind)
    server = make_server(config.output_dir, host, port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(f"feedhub: serving {config.output_dir} on http://{host}:{server.server_address[1]}/", file=sys.stderr)
    serve_forever(server, stop)
    return 0


def cmd_run(args) -> int:
    early: list[int] = []
    if not args.once:
        # Loading a big config takes a while; a SIGHUP (logrotate, `systemctl
        # reload`) or SIGTERM meanwhile must not end the daemon by the
        # default action: it is noted here and handled once the daemon runs.
        for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, _frame: early.append(signum))
    config = _load(args)
    if args.serve and args.once:
        raise FeedhubError("--serve runs beside the daemon; it cannot be combined with --once")
    if not args.once:
        from feedhub.daemon.scheduler import run_daemon

        return run_daemon(config, serve=_bind(args.serve) if args.serve else None, early_signals=early,
                          take_over_output=args.take_over_output)
    from feedhub.daemon.cycle import pollable, run_cycle
    from feedhub.publish.run import claim_output
    from feedhub.fetch import Fetcher
    from feedhub.store import open_store
    from feedhub.daemon.refresh import Updater

    # SIGTERM (a `timeout`, cron, CI) ends a single cycle as Ctrl-C does:
    # in-flight work finishes, the pool's workers end, no temporary file stays.
    signal.signal(signal.SIGTERM, _interrupt)
    store = open_store(config.storage_url, lock=True)
    try:
        claim_output(config, store, take_over=args.take_over_output, at_start=True)
        sources, skipped = pollable(config, store, datetime.now(timezone.utc))
        for source, reason in skipped:
            # Said even when quiet: the user asked for every source now.
            print(f"feedhub: {source.name}: not polled: {reason}", file=sys.stderr)
        progress = _Progress(len(sources)) if sys.stderr.isatty() else None
        with Fetcher(max_connections=config.fetch.max_connections, per_host=config.fetch.per_host,
                     public_only=config.fetch.public_addresses_only) as fetcher:
            summary = run_cycle(config, store, Updater(config, store, fetcher), sources,
                                progress.update if progress else None)
        if progress:
            progress.finish()
        _say(args, summary.line())
    finally:
        store.close()
    report = summary.report
    polled = [o for o in report.outcomes if not o.aborted]
    if polled and all(o.error for o in polled):
        _say(args, f"not one of the {len(polled)} sources could be read (see `feedhub status`)", logging.ERROR)
        return EXIT_NOTHING_READ
    return 0


def cmd_remerge(args) -> int:
    """Issue #17: stories stored before a threshold change (or before the
    reworded-headline rule) are judged again; merge/remerge.py says how."""
    from feedhub.merge.remerge import remerge
    from feedhub.publish.plan import history_key
    from feedhub.publish.run import claim_output, publish
    from feedhub.store import open_store

    config = _load(args)
    names = [c.name for c in config.categories]
    if args.category is not None and args.category not in names:
        raise FeedhubError(f"no category {args.category!r} in the config (categories: {', '.join(names)})")
    store = open_store(config.storage_url, lock=True)
    try:
        claim_output(config, store)
        now = datetime.now(timezone.utc)
        # The publisher's state of a changed category is forgotten in the
        # merge's transaction: its next publish rebuilds it.
        absorbed = remerge(config, store, [args.category] if args.category else names, now,
                           changed=lambda category: store.forget_category_published(category, history_key(category)))
        for a in absorbed:
            _say(args, f"{a.category}: {a.gone} merged into {a.kept}")
        # Only the categories that changed were marked for rebuilding;
        # publish() leaves the other files' bytes as they are.
        if absorbed or store.publish_pending:
            publish(config, store, now=now)
        _say(args, f"remerge: {len(absorbed)} stories merged into others in "
                   f"{len({a.category for a in absorbed})} categories")
    finally:
        store.close()
    return 0


def _say(args, line: str, level: int = logging.INFO) -> None:
    """The line `run --once` ends with: plain on a terminal or in cron mail,
    a log record with --log-format json; nothing but problems with -q."""
    if args.log_format == "json":
        logging.getLogger("feedhub").log(level, "%s", line)
    elif level >= logging.WARNING or not args.quiet:
        print(f"feedhub: {redact(line)}", file=sys.stderr)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


class _Progress:
    """One self-rewriting line on a terminal: sources done and failed, new entries."""

    def __init__(self, total: int):
        self.total, self.done, self.failed, self.new = total, 0, 0, 0

    def update(self, outcome) -> None:
        self.done += 1
        self.failed += bool(outcome.error) and not outcome.aborted
        self.new += outcome.new
        sys.stderr.write(f"\r\x1b[K[{self.done}/{self.total}] {self.failed} failed, {self.new} new  {outcome.source[:40]}")
        sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\r\x1b[K")


def cmd_status(args) -> int:
    from feedhub.store import open_store, store_exists
    from feedhub.types import EMPTY_ENTRIES_META

    config = _load(args)
    states, counts, empty = {}, {}, {}
    # Looking must not create: a status before the first run (or with the
    # wrong config) leaves no empty store behind.
    if store_exists(config.storage_url):
        store = open_store(config.storage_url)
        try:
            states = store.source_states()
            counts = store.entry_counts()
            # Entries dropped from its last document for having no title, link nor text.
            empty = {s.name: int(store.get_meta(EMPTY_ENTRIES_META + s.name) or 0) for s in config.sources}
        finally:
            store.close()
    rows = [_status_row(source, states.get(source.name), counts, empty, config) for source in config.sources]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    from feedhub.daemon.timing import format_lateness, lateness

    now = datetime.now(timezone.utc)
    for row, source in zip(rows, config.sources):
        state = states.get(source.name)
        dropped = f" ({row['empty_entries']} empty dropped)" if row["empty_entries"] else ""
        print(f"{row['name']}: {row['state']}, {row['entries']} entries{dropped}")
        print(f"    last success: {_local(state.last_success, config) if state else 'never'}")
        if row["last_error"]:
            print(f"    last error:   {row['last_error']} ({row['failures']} in a row)")
        if row["last_status"]:
            print(f"    last HTTP:    {row['last_status']}")
        if row["moved"]:
            print(f"    moved to:     {row['url']}")
        if state and state.next_poll and not state.disabled_reason and state.configured_url == source.url:
            late = lateness(state.next_poll, now)
            due = f"due now, {format_lateness(late)} late" if state.next_poll <= now else _local(state.next_poll, config)
            print(f"    next poll:    {due} ({state.next_poll_reason})")
    return 0


def _health(source, state, config) -> str:
    """One source's health in a few words, for `status`."""
    # What is stored of a source's earlier URL (its 410, its backoff, its
    # move) says nothing of the one the config gives now (refresh.initial_state).
    if not source.enabled:
        return "disabled (config)"
    if state is not None and state.configured_url != source.url:
        return "new URL, not polled yet"
    if state is None or state.last_fetch is None:
        return "never polled"
    if state.disabled_reason:
        return "disabled (410 Gone)"
    if state.failures:
        return f"failing since {_local(state.failing_since, config)}"
    return "ok"


def _status_row(source, state, counts: dict, empty: dict, config) -> dict:
    from feedhub.daemon.timing import lateness
    from feedhub.store import format_time

    readdressed = state is not None and state.configured_url != source.url
    return {
        "name": source.name,
        "url": redact(state.url if state and not readdressed else source.url),
        "state": _health(source, state, config),
        "entries": counts.get(source.name, 0),
        "empty_entries": empty.get(source.name, 0),
        "last_success": format_time(state.last_success) if state else None,
        "last_error": redact(state.last_error) if state and state.last_error else None,
        "last_status": state.last_status if state else None,
        "failures": state.failures if state else 0,
        "next_poll": format_time(state.next_poll) if state else None,
        "next_poll_reason": state.next_poll_reason if state else None,
        # Seconds past the next poll (0 when not due): a running daemon keeps it near 0.
        "late_seconds": int(lateness(state.next_poll, datetime.now(timezone.utc)).total_seconds())
        if state and state.next_poll and not state.disabled_reason else None,
        "moved": bool(state and not readdressed and state.url != source.url),
    }


def _local(value: datetime | None, config) -> str:
    if value is None:
        return "never"
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(config.site.timezone)).strftime("%Y-%m-%d %H:%M:%S %z")
