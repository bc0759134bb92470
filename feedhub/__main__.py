try:
    from feedhub.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python starts: no traceback for that
    raise SystemExit(130) from None

raise SystemExit(main())
