import signal


def _stop_while_starting(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    # SIGTERM while feedhub starts (importing it takes seconds on a loaded
    # machine) ends it like Ctrl-C: quietly, status 130, until the command
    # sets handlers of its own. Not in the parse pool's processes, which
    # import this module under another name.
    signal.signal(signal.SIGTERM, _stop_while_starting)

try:
    from feedhub.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python starts: no traceback for that
    raise SystemExit(130) from None

raise SystemExit(main())
