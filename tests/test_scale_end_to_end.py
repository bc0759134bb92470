"""feedhub at scale, end to end (issue #19, part 3: "make feedhub run for
months at scale").

1,203 sources in three categories: 1,200 outlets read from files and three
wire services served over HTTP on 127.0.0.1 (ETag and 304, as real ones
answer). Each outlet has its own local story and reprints some wire stories:
the same wire text under its own link and guid, with its title identical,
prefixed 【转载】, suffixed with its own name or （图）, and its text in other
markup, with full-width digits, an editor's line or only a truncated summary.
Series that share a template (the market wrap of each day, the same report
of each city, the n-th list of a series) are carried by many outlets too and
must never merge with one another.

A cold `feedhub run --once`, then the daemon (`feedhub run`, polling every
few seconds) while the sources change under it: new wire stories syndicated
by many outlets (one of them the next item of a template series), later
copies of stored stories (the wire service's own copy among them), and two
edits. After each change the published Atom feeds are read back until they
show it, and what a subscriber sees is checked against what the test itself
generated (never against what feedhub printed):

- every run exits 0 and logs no traceback, error or failing source; the
  cold cycle's summary counts every source and every entry, and
  `feedhub status --json` shows every source ok with the number of entries
  its document holds;
- each category's feed holds each story exactly once, newest first by the
  date of its first copy, and nothing else;
- a story's attribution line credits every outlet that carried it, each
  linking its own copy; the copy shown is the wire service's whenever it has
  one (its priority), else one of the carriers with that carrier's title and
  link;
- different stories, template series included, stay separate;
- a story's atom id is its first copy's guid (config order on the cold
  cycle) and never changes when later copies arrive or its text is edited;
  later copies do not move it in the feed;
- the daemon picks up every change within a few cycles;
- the RSS and JSON feeds carry the Atom feed's stories in its order, and
  every story has its page.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from httpserver import Reply

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ATOM = "{http://www.w3.org/2005/Atom}"
CST = timezone(timedelta(hours=8))
BASE = datetime(2024, 5, 20, 8, 0, tzinfo=CST)
INTERVAL = "2s"  # the daemon's polling interval for every source
PHASE_DEADLINE = 90.0  # seconds for the daemon to publish one round of changes
# Warnings that are no problem here: the daemon's start and stop (logged as
# warnings by some versions), the sources a batch cut short by SIGTERM leaves
# for the next start, and the config's own warnings (a 2 s interval is
# impolite to real servers), which start with the config's path.
HARMLESS_WARNING = r" WARNING (feedhub daemon (started|stopped)|\d+ sources? not polled: feedhub is shutting down|{config})"

CATEGORIES = [("要闻", "yaowen"), ("财经", "caijing"), ("科技", "keji")]

# Outlet names: 20 x 10 x 6 = 1,200, none with a digit (issue #20: a digit in
# a title's outlet suffix blocks merging), a place name, a 省/市/区/县/州 or a
# trading session (早报, 晚报), which would be identifying tokens of a title.
NAME_HEADS = ["晨光", "星火", "明镜", "青松", "远帆", "清风", "金石", "长风", "云帆", "锦绣",
              "晴川", "松涛", "碧海", "蓝天", "白鹭", "紫竹", "彩虹", "春雷", "明德", "启航"]
NAME_MIDDLES = ["财经", "科技", "生活", "时事", "观察", "视点", "经济", "民生", "文化", "商业"]
NAME_TAILS = ["日报", "时报", "新闻网", "周刊", "资讯", "在线"]
OUTLETS = len(NAME_HEADS) * len(NAME_MIDDLES) * len(NAME_TAILS)

# Words for stories that have nothing to do with one another.
ACTORS = ["有关部门", "行业协会", "研究机构", "多家企业", "监管部门", "专家团队", "项目负责人", "业内人士",
          "科研人员", "主管部门", "承建单位", "评审委员会", "合作各方", "参会代表", "课题组", "运营方"]
VERBS = ["发布", "推出", "启动", "完成", "公布", "部署", "签署", "审议", "通过", "优化", "升级", "扩大",
         "细化", "落实", "评估", "试行"]
TOPICS = ["新能源", "人工智能", "数字经济", "绿色金融", "乡村振兴", "智能制造", "跨境电商", "养老服务",
          "医疗保障", "低空经济", "数据安全", "生物医药", "文旅消费", "物流配送", "职业教育", "水利建设",
          "种业振兴", "海洋经济", "冰雪运动", "算力网络"]
THINGS = ["产业规划", "试点方案", "年度报告", "技术标准", "服务平台", "合作协议", "专项行动", "调查结果",
          "指导意见", "监测体系", "扶持政策", "人才计划", "示范项目", "信用体系", "应急预案", "评价办法"]
MANNERS = ["稳步推进", "全面铺开", "分批实施", "加快落地", "持续深化", "有序开展", "逐步完善", "统筹推进"]
EFFECTS = [("带动相关投资", "亿元"), ("惠及中小企业", "家"), ("新增就业岗位", "万个"), ("覆盖服务人群", "万人"),
           ("降低运营成本", "%"), ("缩短办理时间", "天")]
EDITORS = ["王明", "李华", "张伟", "刘洋", "陈静", "赵磊", "周敏", "吴强"]
CITIES = ["南京", "杭州", "成都", "武汉", "西安"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Source:
    name: str
    category: str  # the category's name
    slug: str
    position: int  # in the config: the order a cold cycle stores results in
    host: str
    path: str | None = None  # an outlet: its file, relative to the config
    route: str | None = None  # a wire service: its path on the HTTP server
    priority: int = 0


@dataclass
class Copy:
    source: Source
    story: str  # the story's key
    title: str
    body: str
    date: datetime

    @property
    def link(self) -> str:
        return f"https://{self.source.host}/{self.story}.html"

    @property
    def guid(self) -> str:
        return f"tag:{self.source.host},2024:{self.story}"


@dataclass
class Story:
    key: str
    slug: str
    title: str
    paragraphs: list[str]
    date: datetime
    copies: dict[str, Copy] = field(default_factory=dict)  # by source name
    # Filled in when the story first reaches feedhub: the id and date it must
    # get (its first copy's), or, when the daemon may read its copies in any
    # order of batches, the ids it may get (all its copies share the date).
    expected_id: str | None = None
    id_choices: frozenset[str] = frozenset()
    published: datetime | None = None


class World:
    """What the sources publish, and so what the feeds must show."""

    def __init__(self, root: Path, server):
        self.root, self.server = root, server
        self.rng = random.Random(19)
        self.sources: list[Source] = []
        self.items: dict[str, list[Copy]] = {}  # per source, newest first
        self.stories: dict[str, Story] = {}
        self.titles: set[str] = set()
        self.served: dict[str, bytes] = {}
        (root / "feeds").mkdir()
        for position, (category, slug) in enumerate(CATEGORIES):
            route = f"/wire/{slug}.xml"
            self._add_source(Source(f"华讯通讯社{category}专线", category, slug, position, "wire.example.cn",
                                    route=route, priority=1))
            server.route(route, self._serve(route))
        for i in range(OUTLETS):
            name = (NAME_HEADS[i % 20] + NAME_MIDDLES[i // 20 % 10] + NAME_TAILS[i // 200])
            category, slug = CATEGORIES[i % len(CATEGORIES)]
            self._add_source(Source(name, category, slug, len(self.sources), f"o{i:04d}.example.cn",
                                    path=f"feeds/{i:04d}.xml"))
        assert len({s.name for s in self.sources}) == len(self.sources) == OUTLETS + len(CATEGORIES)

    def _add_source(self, source: Source) -> None:
        self.sources.append(source)
        self.items[source.name] = []

    def _serve(self, route: str) -> Callable:
        def reply(request) -> Reply:
            body = self.served[route]
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            if request.headers.get("if-none-match") == etag:
                return Reply(status=304, headers={"ETag": etag})
            return Reply(body=body, headers={"ETag": etag, "Content-Type": "application/rss+xml; charset=utf-8"})
        return reply

    # --- sources by kind ------------------------------------------------------

    def wire(self, slug: str) -> Source:
        return next(s for s in self.sources if s.route and s.slug == slug)

    def outlets(self, slug: str) -> list[Source]:
        return [s for s in self.sources if s.path and s.slug == slug]

    # --- stories ----------------------------------------------------------------

    def ordinary_story(self) -> tuple[str, list[str]]:
        """A title no other story has, and two sentences of its own."""
        rng = self.rng
        while True:
            title = rng.choice(ACTORS) + rng.choice(VERBS) + rng.choice(TOPICS) + rng.choice(THINGS)
            if title not in self.titles:
                break
        topic, thing = rng.sample(TOPICS, 2), rng.sample(THINGS, 2)
        effect, unit = rng.choice(EFFECTS)
        first = (f"{rng.choice(ACTORS)}{rng.randint(2, 28)}日{rng.choice(VERBS)}了{topic[0]}{thing[0]}，计划"
                 f"{rng.choice(MANNERS)}，预计{effect}{rng.randint(12, 980)}{unit}。")
        second = (f"{rng.choice(ACTORS)}表示，{topic[1]}{thing[1]}将{rng.choice(MANNERS)}，"
                  f"{rng.choice(ACTORS)}还将{rng.choice(VERBS)}{rng.choice(TOPICS)}{rng.choice(THINGS)}。")
        return title, [first, second]

    @staticmethod
    def market_wrap(day: int) -> tuple[str, list[str]]:
        """The same report every trading day: other figures, same wording."""
        i = day - 19
        return (f"5月{day}日沪深两市收评",
                [f"5月{day}日，沪深两市收盘：上证指数报{3000 + 17 * i}.{i}点，涨{i}.{i + 2}%，深证成指报"
                 f"{10000 + 31 * i}点，两市成交额{7000 + 100 * i}亿元，北向资金净流入{30 + i}亿元。",
                 "分析人士认为，市场情绪有所回暖，成交量温和放大，后市仍以结构性行情为主。"])

    @staticmethod
    def city_report(n: int) -> tuple[str, list[str]]:
        """One city's quarterly figures, in words every city's report uses."""
        city = CITIES[n]
        return (f"{city}一季度经济运行情况发布",
                [f"{city}市统计局日前发布数据，一季度全市地区生产总值{4000 + 310 * n}亿元，同比增长{5 + n}.{n + 1}%。",
                 f"其中规模以上工业增加值增长{6 + n}.{n}%，社会消费品零售总额增长{4 + n}.{n + 3}%。"])

    @staticmethod
    def listing(batch: int) -> tuple[str, list[str]]:
        """The n-th list of a series, announced in the same words each time."""
        return (f"第{batch}批科技型中小企业入库名单公示",
                [f"根据评价工作安排，第{batch}批共有{300 + 7 * batch}家企业通过评价，拟入库名单现予公示。",
                 f"公示期为{batch - 5}个工作日，对名单有异议的单位或个人可在公示期内实名反映。"])

    def new_story(self, key: str, slug: str, date: datetime, made: tuple[str, list[str]] | None = None) -> Story:
        title, paragraphs = made or self.ordinary_story()
        assert title not in self.titles
        self.titles.add(title)
        story = self.stories[key] = Story(key, slug, title, paragraphs, date)
        return story

    def reprint(self, story: Story, source: Source, date: datetime) -> Copy:
        """``source``'s copy of ``story``: the wire service's as it wrote it,
        an outlet's dressed in one of the ways reprints are."""
        if source.route:
            return self.publish(Copy(source, story.key, story.title, html(story.paragraphs), date))
        rng = self.rng
        title = rng.choices([story.title, f"【转载】{story.title}", f"{story.title}｜{source.name}",
                             f"{story.title}（图）"], weights=[5, 2, 2, 1])[0]
        first, second = story.paragraphs
        body = rng.choices([
            html(story.paragraphs),
            f'<div class="article-content">{html(story.paragraphs)}</div>',
            html(story.paragraphs).translate(FULL_WIDTH),
            html(story.paragraphs) + f"<p>（责任编辑：{rng.choice(EDITORS)}）</p>",
            f"<p>{first}</p><p>{second[:6]}…</p>",
        ], weights=[10, 4, 2, 2, 2])[0]
        return self.publish(Copy(source, story.key, title, body, date))

    def publish(self, copy: Copy) -> Copy:
        story = self.stories[copy.story]
        assert copy.source.name not in story.copies
        story.copies[copy.source.name] = copy
        self.items[copy.source.name].insert(0, copy)
        return copy

    def first_reached_in_config_order(self, keys) -> None:
        """These stories first reach feedhub in one cold cycle, which stores
        results in config order: the first carrier's copy makes the story."""
        for key in keys:
            story = self.stories[key]
            first = min(story.copies.values(), key=lambda c: c.source.position)
            story.expected_id, story.published = first.guid, first.date

    def first_reached_by_the_daemon(self, keys) -> None:
        """The daemon polls sources as they fall due, so any carrier's copy
        may come first; all are dated alike, so the date is known."""
        for key in keys:
            story = self.stories[key]
            assert len({c.date for c in story.copies.values()}) == 1
            story.id_choices = frozenset(c.guid for c in story.copies.values())
            story.published = story.date

    # --- the documents ----------------------------------------------------------

    def write(self, names=None) -> None:
        """Rewrite the documents of ``names`` (default: every source) at once,
        each replaced whole so that feedhub never reads half of one."""
        for source in self.sources:
            if names is not None and source.name not in names:
                continue
            document = rss(source, self.items[source.name])
            if source.route:
                self.served[source.route] = document
            else:
                target = self.root / source.path
                temporary = target.with_name(target.name + ".tmp")
                temporary.write_bytes(document)
                os.replace(temporary, target)

    def config(self) -> Path:
        lines = []
        for s in self.sources:
            url = self.server.url(s.route) if s.route else s.path
            priority = f", priority: {s.priority}" if s.priority else ""
            lines.append(f'  - {{name: {s.name}, url: "{url}", categories: [{s.category}]{priority}}}')
        categories = ", ".join(f"{{name: {name}, slug: {slug}}}" for name, slug in CATEGORIES)
        path = self.root / "feedhub.yaml"
        # entries_per_feed above the largest category's stories: the feed is
        # the whole category, so "each story once" covers every story.
        path.write_text(f"""
site: {{title: 新闻聚合, base_url: "https://hub.example.cn/", language: zh-CN, timezone: Asia/Shanghai}}
storage: {{url: "sqlite:///state/hub.db"}}
output: {{dir: out, entries_per_feed: 1000}}
defaults: {{interval: {INTERVAL}, timeout: 10}}
categories: [{categories}]
sources:
""" + "\n".join(lines) + "\n", encoding="utf-8")
        return path

    def entries_of(self, name: str) -> int:
        return len(self.items[name])


def html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def rss(source: Source, copies: list[Copy]) -> bytes:
    items = "".join(
        f"<item><title>{escape(c.title)}</title><link>{c.link}</link><guid isPermaLink=\"false\">{c.guid}</guid>"
        f"<pubDate>{format_datetime(c.date)}</pubDate><description><![CDATA[{c.body}]]></description></item>"
        for c in copies)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{source.name}</title>'
            f"<link>https://{source.host}/</link><description>{source.name}</description>{items}"
            "</channel></rss>").encode("utf-8")


# --- what a subscriber sees --------------------------------------------------------

ANCHOR = re.compile(r'<a href="([^"]*)">([^<]*)</a>')


def read_feed(path: Path) -> list[dict]:
    root = etree.parse(str(path)).getroot()
    entries = []
    for e in root.iter(f"{ATOM}entry"):
        content = e.findtext(f"{ATOM}content") or ""
        source = re.search(r'<p class="attribution">(.*?)</p>', content)
        also = re.search(r'<p class="also">(.*?)</p>', content)
        entries.append({
            "id": e.findtext(f"{ATOM}id"),
            "title": e.findtext(f"{ATOM}title"),
            "link": e.find(f"{ATOM}link[@rel='alternate']").get("href"),
            "published": datetime.fromisoformat(e.findtext(f"{ATOM}published")),
            "source": e.findtext(f"{ATOM}source/{ATOM}title"),
            "content": content,
            "credited_first": ANCHOR.findall(source.group(1)) if source else [],
            "credited_also": ANCHOR.findall(also.group(1)) if also else [],
        })
    return entries


def mismatches(world: World, out: Path) -> list[str]:
    """Every way the published feeds differ from what they must show."""
    problems: list[str] = []
    for _, slug in CATEGORIES:
        path = out / slug / "atom.xml"
        if not path.exists():
            problems.append(f"{slug}: no atom.xml")
            continue
        stories = {k: s for k, s in world.stories.items() if s.slug == slug and s.copies}
        by_link = {c.link: s.key for s in stories.values() for c in s.copies.values()}
        wire = world.wire(slug)
        entries = read_feed(path)
        keys = [by_link.get(e["link"]) for e in entries]
        for entry, key in zip(entries, keys):
            if key is None:
                problems.append(f"{slug}: an entry no source published: {entry['title']} {entry['link']}")
        shown = Counter(k for k in keys if k)
        problems += [f"{slug}/{k}: shown {n} times ({stories[k].title})" for k, n in shown.items() if n != 1]
        problems += [f"{slug}/{k}: missing ({stories[k].title})" for k in stories if k not in shown]
        for entry, key in zip(entries, keys):
            if key is None:
                continue
            story = stories[key]
            where = f"{slug}/{key} ({story.title})"
            credits = entry["credited_first"] + entry["credited_also"]
            expected = {c.source.name: c.link for c in story.copies.values()}
            if sorted(credits) != sorted((link, name) for name, link in expected.items()):
                got = {name for _, name in credits}
                problems.append(f"{where}: credits {len(credits)} outlets, expected {len(expected)}; missing "
                                f"{sorted(set(expected) - got)[:5]}, unexpected {sorted(got - set(expected))[:5]}")
            copy = story.copies.get(entry["source"])
            if copy is None:
                problems.append(f"{where}: shows the copy of {entry['source']}, which never carried it")
                continue
            if entry["credited_first"] != [(copy.link, copy.source.name)]:
                problems.append(f"{where}: 文章来源 is {entry['credited_first']}, not the copy shown")
            if (entry["title"], entry["link"]) != (copy.title, copy.link):
                problems.append(f"{where}: shows {entry['title']!r} {entry['link']}, not {copy.source.name}'s copy")
            if unicodedata.normalize("NFKC", copy.body[copy.body.index("<p>") + 3:][:12]) not in \
                    unicodedata.normalize("NFKC", entry["content"]):
                problems.append(f"{where}: the text shown is not {copy.source.name}'s")
            if wire.name in story.copies and entry["source"] != wire.name:
                problems.append(f"{where}: shows {entry['source']}'s copy, not the wire service's (priority 1)")
            if story.expected_id and entry["id"] != story.expected_id:
                problems.append(f"{where}: id {entry['id']}, expected its first copy's {story.expected_id}")
            if story.id_choices and entry["id"] not in story.id_choices:
                problems.append(f"{where}: id {entry['id']} is no copy's guid")
            if entry["published"] != story.published:
                problems.append(f"{where}: dated {entry['published']}, expected its first copy's {story.published}")
        order = sorted((k for k in keys if k), key=lambda k: stories[k].published, reverse=True)
        if [k for k in keys if k] != order:
            problems.append(f"{slug}: entries not newest first by their first copy's date")
    return problems


def feed_ids(out: Path, world: World) -> dict[str, str]:
    by_link = {c.link: s.key for s in world.stories.values() for c in s.copies.values()}
    return {by_link[e["link"]]: e["id"] for _, slug in CATEGORIES for e in read_feed(out / slug / "atom.xml")}


def wait_for(world: World, out: Path, daemon: subprocess.Popen, log: Path, what: str) -> None:
    """Read the feeds back until they show everything ``world`` says, or fail
    with what they still get wrong."""
    deadline = time.monotonic() + PHASE_DEADLINE
    while True:
        assert daemon.poll() is None, f"the daemon ended ({daemon.returncode}) waiting for {what}:\n{log.read_text()}"
        problems = mismatches(world, out)
        if not problems:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"after {PHASE_DEADLINE:.0f} s the feeds still lack {what}: {len(problems)} problems, "
                        f"first: {problems[:8]}")
        time.sleep(1.0)  # a check reads three feeds of 400 entries: 0.2 s of a CPU the daemon needs


def log_problems(stderr: str, config: Path) -> list[str]:
    """The lines of feedhub's log that tell of a problem: a traceback, an
    error, a warning other than the harmless ones."""
    harmless = re.compile(HARMLESS_WARNING.format(config=re.escape(str(config.resolve()))))
    return [line for line in stderr.splitlines()
            if "Traceback" in line or " ERROR " in line or (" WARNING " in line and not harmless.search(line))]


def feedhub(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "feedhub", *args], env=ENV, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


# --- the test ----------------------------------------------------------------------


@pytest.mark.slow
def test_twelve_hundred_sources_cold_cycle_then_daemon_cycles(tmp_path, http_server):
    world = World(tmp_path, http_server)
    rng = world.rng
    out = tmp_path / "out"

    # Cold: each outlet's local story; per category twelve wire stories, a
    # template series among them, each reprinted by 25 to 60 of the
    # category's 400 outlets, minutes to an hour after the wire.
    for source in world.sources:
        if source.path:
            story = world.new_story(f"local-{source.host.split('.')[0]}", source.slug,
                                    BASE + timedelta(minutes=source.position))
            world.publish(Copy(source, story.key, story.title, html(story.paragraphs), story.date))
    wires: dict[str, list[Story]] = {}
    series = {"yaowen": world.city_report, "caijing": lambda n: world.market_wrap(20 + n),
              "keji": lambda n: world.listing(11 + n)}
    for _, slug in CATEGORIES:
        wires[slug] = []
        for n in range(12):
            # Wires two hours apart, at :30 s, so that no two stories of a
            # category share a date and the feed's order is known.
            date = BASE + timedelta(hours=2 * n, seconds=30)
            made = series[slug](n) if n < 4 else None
            story = world.new_story(f"{slug}-wire-{n}", slug, date, made)
            wires[slug].append(story)
            # The wire service's own feed carries two in three at once; the
            # others it posts later (they come in the second daemon round).
            if n % 3 != 2:
                world.reprint(story, world.wire(slug), date)
            for outlet in rng.sample(world.outlets(slug), rng.randint(25, 60)):
                world.reprint(story, outlet, date + timedelta(minutes=rng.randint(1, 59)))
    world.first_reached_in_config_order(world.stories)
    world.write()
    config = world.config()
    entries = sum(world.entries_of(s.name) for s in world.sources)
    assert len(world.sources) >= 1200 and entries > 2 * len(world.sources)

    cold = feedhub("run", "--once", "--config", str(config), cwd=tmp_path)
    assert cold.returncode == 0, cold.stderr
    assert not log_problems(cold.stderr, config), cold.stderr
    # The summary: every source polled, none failed (that would read
    # "polled (n failed)"), every entry new.
    summary = f"feedhub: {len(world.sources)} sources polled, {entries} new entries,"
    assert any(line.startswith(summary) for line in cold.stderr.splitlines()), cold.stderr
    problems = mismatches(world, out)
    assert not problems, f"{len(problems)} problems after the cold cycle, first: {problems[:8]}"
    ids = feed_ids(out, world)
    # A reader's view too: feedparser reads each feed whole and well-formed.
    for _, slug in CATEGORIES:
        parsed = feedparser.parse(str(out / slug / "atom.xml"))
        assert not parsed.bozo, parsed.bozo_exception
        assert [e.id for e in parsed.entries] == [e["id"] for e in read_feed(out / slug / "atom.xml")]
        assert len(parsed.entries) == sum(1 for s in world.stories.values() if s.slug == slug)

    log = tmp_path / "daemon.log"
    with log.open("w") as stderr:
        daemon = subprocess.Popen([sys.executable, "-m", "feedhub", "run", "--config", str(config)], env=ENV,
                                  cwd=tmp_path, stderr=stderr, text=True)
    try:
        # Round 1: two new wire stories per category, each syndicated by 40
        # to 80 outlets at the same minute; one continues the category's
        # template series (the next day's wrap, another city, the next
        # list), which must not merge with its predecessors.
        later = BASE + timedelta(days=2)
        new_keys = []
        for index, (_, slug) in enumerate(CATEGORIES):
            for n, made in enumerate([series[slug](4), None]):
                date = later + timedelta(hours=index * 2 + n, seconds=30)
                story = world.new_story(f"{slug}-wire-new-{n}", slug, date, made)
                new_keys.append(story.key)
                if n == 0:
                    world.reprint(story, world.wire(slug), date)
                for outlet in rng.sample(world.outlets(slug), rng.randint(40, 80)):
                    world.reprint(story, outlet, date)
        world.first_reached_by_the_daemon(new_keys)
        changed = {name for key in new_keys for name in world.stories[key].copies}
        world.write(changed)
        wait_for(world, out, daemon, log, "the new wire stories")
        ids.update({k: v for k, v in feed_ids(out, world).items() if k in new_keys})
        order = {slug: [e["id"] for e in read_feed(out / slug / "atom.xml")] for _, slug in CATEGORIES}

        # Round 2: later copies of stored stories, a day after the wire:
        # more outlets reprint three wires per category, and the wire
        # service posts the ones it had not (its copy is then the one shown).
        changed = set()
        for _, slug in CATEGORIES:
            for story in rng.sample(wires[slug], 3):
                newcomers = [o for o in world.outlets(slug) if o.name not in story.copies]
                for outlet in rng.sample(newcomers, rng.randint(10, 20)):
                    world.reprint(story, outlet, story.date + timedelta(days=1, minutes=rng.randint(0, 59)))
                    changed.add(outlet.name)
            for story in wires[slug]:
                if world.wire(slug).name not in story.copies:
                    world.reprint(story, world.wire(slug), story.date + timedelta(hours=26))
                    changed.add(world.wire(slug).name)
        world.write(changed)
        wait_for(world, out, daemon, log, "the later copies")
        # Later copies change no story's id, nor its place in the feed.
        assert feed_ids(out, world) == ids
        assert {slug: [e["id"] for e in read_feed(out / slug / "atom.xml")] for _, slug in CATEGORIES} == order

        # Round 3: edits. The wire service corrects a story (title and a
        # paragraph added), an outlet retitles its local story.
        wire = world.wire("caijing")
        edited = world.items[wire.name][-1]  # its oldest: the first market wrap
        old_title = edited.title
        edited.title = old_title + "：成交额与北向资金数据更正"
        edited.body += "<p>更正说明：本文此前发布的北向资金数据有误，现已更正。</p>"
        local = world.items[world.outlets("keji")[7].name][-1]
        local.title = "【更正】" + local.title
        world.write({wire.name, local.source.name})
        wait_for(world, out, daemon, log, "the edits")
        feed = read_feed(out / "caijing" / "atom.xml")
        corrected = next(e for e in feed if e["link"] == edited.link)
        assert corrected["title"] == edited.title and "更正说明" in corrected["content"]
        assert old_title not in [e["title"] for e in feed]
        assert feed_ids(out, world) == ids
        assert {slug: [e["id"] for e in read_feed(out / slug / "atom.xml")] for _, slug in CATEGORIES} == order
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            code = daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
            raise
    stderr = log.read_text()
    assert code == 0, stderr
    # A source that failed even once on the way, and recovered since, would
    # have said so in a warning.
    assert not log_problems(stderr, config), stderr

    # The other formats and the static site publish the same stories: the
    # RSS and JSON feeds carry the Atom ids in the Atom order, and every
    # story has its page, named after the SHA-256 of its id (docs/design.md).
    for _, slug in CATEGORIES:
        atom_ids = [e["id"] for e in read_feed(out / slug / "atom.xml")]
        assert [i["id"] for i in json.loads((out / slug / "feed.json").read_text())["items"]] == atom_ids
        assert etree.parse(str(out / slug / "rss.xml")).xpath("//item/guid/text()") == atom_ids
        pages = {i: out / slug / f"{hashlib.sha256(i.encode()).hexdigest()[:16]}.html" for i in atom_ids}
        assert not [i for i, page in pages.items() if not page.is_file()]

    status = feedhub("status", "--json", "--config", str(config), cwd=tmp_path)
    assert status.returncode == 0 and not log_problems(status.stderr, config), status.stderr
    rows = {row["name"]: row for row in json.loads(status.stdout)}
    assert set(rows) == {s.name for s in world.sources}
    unhealthy = [(n, r["state"], r["last_error"]) for n, r in rows.items() if r["state"] != "ok" or r["failures"]]
    assert not unhealthy, unhealthy[:10]
    assert {n: r["entries"] for n, r in rows.items()} == {s.name: world.entries_of(s.name) for s in world.sources}
    # The wire services were polled with the ETag of their last answer.
    assert any(r.headers.get("if-none-match") for r in http_server.requests)
