"""Config validation: every problem reported at once, naming file, key path and value."""

import json
import os
from datetime import timedelta
from pathlib import Path

import re

import pytest

from feedhub.cli import main
from feedhub.config import load_config, parse_duration
from feedhub.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path, text):
    path = tmp_path / "feedhub.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, seconds",
    [("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1h30m", 5400)],
)
def test_good_durations(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["15", "15x", "m", "", "-5m", "0m", "1.5h"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_every_problem_reported_at_once(tmp_path, monkeypatch):
    monkeypatch.delenv("FEEDHUB_TEST_MISSING", raising=False)
    path = write(tmp_path, """
site:
  title: 1
  colour: red
  timezone: Mars/Base
defaults:
  interval: 15x
sources:
  - name: a
    url: https://a.example/rss
    headers: {Authorization: "Bearer ${FEEDHUB_TEST_MISSING}"}
  - name: a
    url: https://b.example/rss
  - url: https://c.example/rss
  - name: d
    url: ftp://x.example/y
    interval: 0m
    encoding: no-such-codec
""")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    problems = info.value.problems
    text = "\n".join(problems)
    # Each names the file and the line of its key.
    assert all(re.match(rf"{re.escape(str(path))}:\d+: ", p) for p in problems), problems
    assert f"{path}:3: site.title: must be text (value 1)" in problems
    expected = [
        "site.title: must be text (value 1)",
        "site.colour: unknown key",
        "site.timezone: unknown time zone",
        "'Mars/Base'",
        "defaults.interval: not a duration",
        "'15x'",
        "sources[1].name: duplicate name (value 'a', first at sources[0])",
        ":14: sources[2].name: required key is missing",
        "sources[3].url: only http, https and file URLs",
        "sources[3].interval: a duration must be longer than zero (value '0m')",
        "sources[3].encoding: unknown encoding",
        "sources[0].headers.Authorization: environment variable FEEDHUB_TEST_MISSING is not set",
    ]
    for fragment in expected:
        assert fragment in text
    assert len(problems) == 10


def test_sources_are_required(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "site: {title: x}\n"))
    assert info.value.problems == [f"{tmp_path / 'feedhub.yaml'}: sources: required key is missing"]


def test_not_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "sources:\n  - name: a\n   url: [\n"))
    assert f"{tmp_path / 'feedhub.yaml'}:3:4: not valid YAML" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.yaml")


def test_defaults_env_and_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("FEEDHUB_TEST_TOKEN", "s3cret")
    (tmp_path / "samples").mkdir()
    (tmp_path / "samples/a.xml").write_text("<rss/>")
    config = load_config(write(tmp_path, """
site: {title: T, base_url: "https://news.example.com", language: zh-CN, timezone: Asia/Shanghai}
storage: {url: "sqlite:///state/x.db"}
implicit_categories: true
defaults: {interval: 1h, timeout: 20, headers: {X-Common: "1"}}
categories:
  - {name: 中国邮政快递报新闻, slug: zhongguoyouzhengkuaidibao}
  - {name: World News}
sources:
  - name: 中国邮政快递报
    url: samples/a.xml
    categories: [中国邮政快递报新闻, 快递物流]
    interval: 15m
    headers: {Authorization: "Bearer ${FEEDHUB_TEST_TOKEN}"}
  - {name: b, url: "https://b.example/rss", categories: [World News], enabled: false, timeout: 1m}
  - {name: Lonely, url: "https://c.example/rss"}
"""))
    assert config.site.base_url == "https://news.example.com/"
    assert config.storage_url == f"sqlite:///{tmp_path / 'state/x.db'}"
    assert config.output_dir == tmp_path / "output"
    a, b, c = config.sources
    assert a.interval == timedelta(minutes=15) and a.timeout == 20
    assert dict(a.headers) == {"X-Common": "1", "Authorization": "Bearer s3cret"}
    assert a.timezone == "Asia/Shanghai"
    assert b.interval == timedelta(hours=1) and b.timeout == 60 and not b.enabled
    assert c.categories == ("Lonely",)
    # Listed categories first, then those only sources name; slugs from pinyin.
    assert [(k.name, k.slug) for k in config.categories] == [
        ("中国邮政快递报新闻", "zhongguoyouzhengkuaidibao"),
        ("World News", "world-news"),
        ("快递物流", "kuaidiwuliu"),
        ("Lonely", "lonely"),
    ]


def test_derived_slug_makes_way_for_a_given_one(tmp_path):
    config = load_config(write(tmp_path, """
categories: [{name: News}, {name: Other, slug: news}]
sources: [{name: a, url: "https://a.example/", categories: [News, Other]}]
"""))
    assert [c.slug for c in config.categories] == ["news-2", "news"]


def test_check_config_command(tmp_path, capsys):
    path = write(tmp_path, "sources: [{name: a, url: 'https://a.example/', interval: 2h}]\n")
    assert main(["check-config", "--config", str(path)]) == 0
    out = capsys.readouterr()
    assert "interval: 2h" in out.out and "OK" in out.err


def test_check_config_errors_exit_1_with_no_traceback(tmp_path, capsys):
    path = write(tmp_path, "sources: [{name: a, url: 'https://a.example/', interval: soon}]\n")
    assert main(["check-config", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "sources[0].interval: not a duration" in err and "Traceback" not in err


def test_shipped_configs_are_valid():
    for name in ("demo.yaml", "feedhub.yaml"):
        config = load_config(REPO / "config" / name)
        assert config.sources


def test_pinyin_is_unloaded_once_the_slugs_are_derived(tmp_path):
    """pypinyin's phrase dictionary (55 MB) is needed only while the config
    is read; the slugs still come from its phrases (重庆 is chongqing)."""
    import subprocess
    import sys

    path = tmp_path / "feedhub.yaml"
    path.write_text("sources: [{name: a, url: 'https://a.example/feed', categories: [重庆银行, World News]}]\n",
                    encoding="utf-8")
    # A fresh interpreter: this test process may have pypinyin loaded by others.
    code = ("import sys; from feedhub.config import load_config\n"
            "def rss(): return int(open('/proc/self/statm').read().split()[1]) * 4096 // 2**20\n"
            "before = rss(); c = load_config(sys.argv[1]); grown = rss() - before\n"
            "print([x.slug for x in c.categories], 'pypinyin' in sys.modules, grown)")
    # An empty slug cache: the slugs are derived here (see the next test).
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env=env).stdout
    slugs, loaded, grown = out.rsplit(" ", 2)
    assert (slugs, loaded) == ("['chongqingyinhang', 'world-news']", "False")
    # Kept, pypinyin is 53 MB resident (measured by hand); handed back, the
    # whole config load grows the process by a few MB.
    assert int(grown) < 25


def _slugs_in_fresh_interpreter(config_path, cache_home) -> tuple[list[str], bool]:
    """The config's slugs, and whether pypinyin was needed, in a new process."""
    import subprocess
    import sys

    code = ("import sys, feedhub.config.slug as s; loads = []\n"
            "derive = s._pinyin_slugs\n"
            "s._pinyin_slugs = lambda names: loads.append(1) or derive(names)\n"
            "from feedhub.config import load_config; c = load_config(sys.argv[1])\n"
            "print(' '.join(x.slug for x in c.categories), bool(loads))")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    out = subprocess.run([sys.executable, "-c", code, str(config_path)], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    return out[:-1], out[-1] == "True"


def test_derived_slugs_are_cached_so_the_next_run_needs_no_pinyin(tmp_path):
    path = tmp_path / "feedhub.yaml"
    path.write_text("sources: [{name: a, url: 'https://a.example/feed', categories: [重庆银行, 中国邮政快递报, News]}]\n",
                    encoding="utf-8")
    cache = tmp_path / "cache"
    assert _slugs_in_fresh_interpreter(path, cache) == (["chongqingyinhang", "zhongguoyouzhengkuaidibao", "news"], True)
    stored = json.loads((cache / "feedhub" / "slugs.json").read_text(encoding="utf-8"))
    assert stored["slugs"]["重庆银行"] == "chongqingyinhang"
    assert _slugs_in_fresh_interpreter(path, cache) == (["chongqingyinhang", "zhongguoyouzhengkuaidibao", "news"], False)
    # A new name is derived (only it), and added.
    path.write_text(path.read_text(encoding="utf-8").replace("News", "上海新闻"), encoding="utf-8")
    assert _slugs_in_fresh_interpreter(path, cache) == (
        ["chongqingyinhang", "zhongguoyouzhengkuaidibao", "shanghaixinwen"], True)
    assert "上海新闻" in json.loads((cache / "feedhub" / "slugs.json").read_text(encoding="utf-8"))["slugs"]


def test_a_slug_cache_that_is_broken_or_from_other_versions_is_not_believed(tmp_path):
    path = tmp_path / "feedhub.yaml"
    path.write_text("sources: [{name: a, url: 'https://a.example/feed', categories: [重庆银行]}]\n", encoding="utf-8")
    cache = tmp_path / "cache"
    (cache / "feedhub").mkdir(parents=True)
    file = cache / "feedhub" / "slugs.json"
    file.write_text("{not json", encoding="utf-8")
    assert _slugs_in_fresh_interpreter(path, cache) == (["chongqingyinhang"], True)
    stale = json.loads(file.read_text(encoding="utf-8"))
    stale["stamp"]["pypinyin"] = "0.0.1"
    stale["slugs"]["重庆银行"] = "zhongqingyinxing"
    file.write_text(json.dumps(stale), encoding="utf-8")
    assert _slugs_in_fresh_interpreter(path, cache) == (["chongqingyinhang"], True)
    # A config's own slug wins over anything cached.
    path.write_text("sources: [{name: a, url: 'https://a.example/feed', categories: [重庆银行]}]\n"
                    "categories: [{name: 重庆银行, slug: cqbank}]\n", encoding="utf-8")
    assert _slugs_in_fresh_interpreter(path, cache)[0] == ["cqbank"]
