"""The merge stage: the same story, re-polled, edited or syndicated by
several sources, becomes one story per category, credited to all of them.
decide.py (pure decisions), dedupe.py (near-duplicates; its signatures are
built by text_cleanup.py, sketch.py and identifying_tokens.py), apply.py (the
decisions written to the store; config/rules.py says which categories an
entry goes to)."""
