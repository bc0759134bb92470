"""What a newcomer gets wrong in a config, caught by `check-config` in plain
words, all at once, each with the file, line, key path and value (issue #13);
and no secret in any output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from feedhub.cli import main

HEAD = "site: {title: T, base_url: 'https://news.example.com/', language: zh-CN}\nstorage: {url: 'sqlite:///state/db'}\n"


def check(tmp_path: Path, text: str, capsys) -> tuple[int, str]:
    path = tmp_path / "feedhub.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "feed.xml").write_text("<rss version='2.0'><channel><title>t</title></channel></rss>")
    code = main(["check-config", "--config", str(path)])
    return code, capsys.readouterr().err


def problem_at(err: str, tmp_path: Path, line: int, fragment: str) -> None:
    """One line of the error names the file and line, and says ``fragment``."""
    path = tmp_path / "feedhub.yaml"
    assert any(f"{path}:{line}: " in row and fragment in row for row in err.splitlines()), err


@pytest.mark.parametrize("sources, line, expected", [
    ("  - {name: A, url: feed.xml, categories: [财经要文]}",
     5, "sources[0].categories[0]: no such category under 'categories'; did you mean '财经要闻'? (value '财经要文')"),
    ("  - {name: A, url: not a url at all}", 5, "sources[0].url: neither an http(s) URL nor an existing file"),
    ("  - {name: A, url: example.com/rss.xml}", 5, "sources[0].url: not a URL: did you mean 'https://example.com/rss.xml'?"),
    ("  - {name: A, url: missing.xml}", 5, "missing.xml not found"),
    ("  - {name: A, url: feed.xml, interval: 5}", 5, "sources[0].interval: a bare number: give a unit, such as 5m"),
    ("  - {name: A, url: feed.xml, intervall: 5m}", 5, "sources[0].intervall: unknown key; did you mean 'interval'?"),
    ("  - {name: A, url: 'ftp://a.example/x'}", 5, "sources[0].url: only http, https and file URLs"),
], ids=["category typo", "not a url", "host without scheme", "missing file", "bare interval", "unknown key",
        "ftp"])
def test_a_source_mistake_is_named_with_its_line(tmp_path, capsys, sources, line, expected):
    code, err = check(tmp_path, HEAD + "categories: [{name: 财经要闻}]\nsources:\n" + sources + "\n", capsys)
    assert code == 1
    problem_at(err, tmp_path, line, expected)
    assert "Traceback" not in err and "validation" not in err.lower()


def test_several_mistakes_are_reported_at_once(tmp_path, capsys):
    code, err = check(tmp_path, "site: {title: T, language: chinese}\ncategories: [{name: 要闻}]\nsources:\n"
                      "  - {name: A, url: feed.xml, categories: [要文]}\n"
                      "  - {name: B, url: 'example.com/rss', interval: 5}\n", capsys)
    assert code == 1
    assert "4 problem(s) in the config" in err
    problem_at(err, tmp_path, 1, "site.language: not a BCP 47 language tag; use one such as zh-CN")
    problem_at(err, tmp_path, 4, "did you mean '要闻'?")
    problem_at(err, tmp_path, 5, "did you mean 'https://example.com/rss'?")
    problem_at(err, tmp_path, 5, "a bare number")


def test_plain_words_not_the_validators(tmp_path, capsys):
    code, err = check(tmp_path, "site: {title: [a], language: en_US}\noutput: {entries_per_feed: 0}\nsources: []\n",
                      capsys)
    assert code == 1
    problem_at(err, tmp_path, 1, "site.title: must be text")
    problem_at(err, tmp_path, 1, "a language tag takes a hyphen, not an underscore: 'en-US'")
    problem_at(err, tmp_path, 2, "output.entries_per_feed: must be at least 1 (value 0)")
    problem_at(err, tmp_path, 3, "sources: needs at least one item")
    assert "should" not in err and "after validation" not in err


def test_warnings_do_not_fail_the_check(tmp_path, capsys):
    code, err = check(tmp_path, HEAD + "defaults: {interval: 10s}\ncategories: [{name: 要闻}, {name: 空的}]\nsources:\n"
                      "  - {name: A, url: 'https://a.example/rss', categories: [要闻], interval: 5s}\n"
                      "  - {name: B, url: 'https://b.example/rss', categories: [要闻]}\n"
                      "  - {name: C, url: 'https://c.example/rss', categories: [要闻]}\n"
                      "  - {name: Local, url: feed.xml, categories: [要闻], interval: 1s}\n", capsys)
    assert code == 0
    problem_at(err, tmp_path, 4, "categories[1]: no source feeds this category; it is published empty (value '空的')")
    problem_at(err, tmp_path, 6, "sources[0].interval: polls 'A' every 5s")
    # One line for the defaults however many sources use them; none for a file.
    problem_at(err, tmp_path, 3, "defaults.interval: polls its sources every 10s")
    assert err.count("warning:") == 3


def test_implicit_categories_when_asked_for_or_when_none_is_declared(tmp_path, capsys):
    code, _ = check(tmp_path, HEAD + "implicit_categories: true\ncategories: [{name: 要闻}]\nsources:\n"
                    "  - {name: A, url: feed.xml, categories: [要闻, 快递物流]}\n", capsys)
    assert code == 0
    code, _ = check(tmp_path, HEAD + "sources:\n  - {name: A, url: feed.xml, categories: [快递物流]}\n", capsys)
    assert code == 0


def test_yaml_errors_point_at_the_open_bracket_with_a_caret(tmp_path, capsys):
    code, err = check(tmp_path, "site: {title: T}\nsources:\n  - {name: A, url: feed.xml, categories: [要闻}\n"
                      "# the end of the file\n", capsys)
    assert code == 1
    lines = err.splitlines()
    row = next(i for i, line in enumerate(lines) if "not valid YAML" in line)
    assert f"{tmp_path / 'feedhub.yaml'}:3:" in lines[row]
    column = int(re.search(r":3:(\d+):", lines[row]).group(1))
    assert lines[row + 1].strip() == "- {name: A, url: feed.xml, categories: [要闻}"
    # The caret stands under the column the message names.
    assert lines[row + 2].index("^") - lines[row + 1].index("-") == column - 1 - 2


def test_a_tab_is_named_as_a_tab(tmp_path, capsys):
    code, err = check(tmp_path, "site:\n\ttitle: T\nsources:\n  - {name: A, url: feed.xml}\n", capsys)
    assert code == 1
    assert f"{tmp_path / 'feedhub.yaml'}:2:" in err and "a tab character: YAML indents with spaces only" in err


SECRET = "s3cr3t-Pa55"


def test_a_password_from_the_environment_is_never_printed(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FEEDHUB_DB_PASSWORD", SECRET)
    config = tmp_path / "feedhub.yaml"
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss version='2.0'><channel><title>t</title></channel></rss>")
    # A PostgreSQL store nobody answers for (port 9): check-config shows its
    # URL, run and status fail on it, all without the password (issue #16).
    config.write_text("storage: {url: 'postgresql://feedhub:${FEEDHUB_DB_PASSWORD}@127.0.0.1:9/feedhub'}\n"
                      "sources: [{name: A, url: feed.xml}]\n")
    outputs = []
    for argv in (["check-config"], ["run", "--once"], ["status"], ["status", "--json"]):
        assert main([*argv, "--config", str(config)]) == (0 if argv == ["check-config"] else 1)
        outputs.append(capsys.readouterr())
    assert "postgresql://feedhub:***@127.0.0.1:9/feedhub" in outputs[0].out
    assert all("cannot connect to the store postgresql://feedhub:***@127.0.0.1:9/feedhub" in o.err
               for o in outputs[1:])
    # A source whose URL carries the password and a token: the run fails on
    # it, and neither status nor the logs show them.
    config.write_text("storage: {url: 'sqlite:///state/db'}\n"
                      "sources: [{name: A, url: 'http://127.0.0.1:9/feed?token=${FEEDHUB_DB_PASSWORD}'}]\n")
    for argv in (["check-config"], ["run", "--once", "-vv"], ["status"], ["status", "--json"]):
        main([*argv, "--config", str(config)])
        outputs.append(capsys.readouterr())
    status = json.loads(outputs[-1].out)
    assert status[0]["url"] == "http://127.0.0.1:9/feed?token=***" and status[0]["last_error"]
    for captured in outputs:
        assert SECRET not in captured.out and SECRET not in captured.err
    state = tmp_path / "state"
    assert state.is_dir()
