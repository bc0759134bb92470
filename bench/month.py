#!/usr/bin/env python3
"""A month in an hour (issue #19): the daemon's cycles through 30 simulated
days of news, in one process, on a simulated clock.

    .venv/bin/python bench/month.py                      # 30 days, 500 sources, 10 categories
    .venv/bin/python bench/month.py --days 2 --json /tmp/month.json
    /tmp/fh-venv/bin/python bench/month.py ...           # a snapshot of one commit (README.md)

The world: --sources file sources (feeds/sNNN.xml beside the config, each
holding its newest 20 entries; even sources RSS 2.0, odd ones Atom 1.0) in
--categories categories, a source in one category (500 / 10: 50 each);
half the categories are Chinese, half English. Every simulated hour about
--entries-per-hour new entries appear, all sources together (80: about four
a source a day), of these kinds:

    unique    an article one source publishes
    wire      one article that 3-12 sources of a category carry within three
              hours, identical text under their own links (a third add
              " - Outlet" or "｜某某网" to the title): must merge into one story
    reprint   a source reprints another's article of the last 20 hours with
              "【转载】" or an outlet suffix, first paragraph dropped: must merge
    market    a daily market close carried by 4-10 sources of each category
              (a fixed template, that day's date and figures): the copies of
              one day must merge, two days must never
    weather   ten sources of each category post a daily forecast for their
              city (same template, another city or day): must never merge
    bulletin  five sources of each category post a numbered daily bulletin
              ("No. 17", "第17期"; fixed intro and outro): must never merge
    edit      one copy in a hundred is edited an hour or more later (a
              paragraph added): same id, new text

Before the first cycle the feeds hold 48 hours of backlog, so the first
cycle is a cold one.

Each simulated hour the feed files that changed are rewritten (not timed),
then the sources due are polled the way feedhub's daemon polls them
(--driver daemon, the default): feedhub.daemon.scheduler.Daemon.run runs in
a thread of this process, with its loop, its ContinuousRefresh (a source's
result stored as soon as it is parsed), one WorkerPool, one Updater, one
Fetcher and one Store (locked) for the whole run, its publishes coalesced
(1 s of real time) and its rescheduling. Two things are replaced: APScheduler
by a stand-in that fires the jobs when the simulated clock reaches them, and
the clock (the scheduler's utcnow and the Updater's) by the simulated one.
An hour's "cycle" is from firing its jobs until the daemon is idle again
(every fired source stored, its news published), so it includes the 1 s of
coalescing. --driver cycle instead runs one feedhub.daemon.cycle.run_cycle
an hour over the due sources (the batch path of `run --once`, with a new
Updater and a pool per cycle, as the daemon did before it polled each
source on its own).

Both drivers fire, each hour, the sources due within MAX_JITTER (5 min) of
it, which is every source (interval 1h; without that, the jitter would push
each source to every other hour). Publishing, in either, is given the
simulated time as ``now`` (by wrapping publish in this process): neither
run_cycle nor the daemon passes one, and retention.max_age would otherwise
expire stories by the wall clock.

Retention: output.retention.max_age 7d by default (--max-age; --max-entries N
instead or as well). Merge window: the default 72 h.

"Merge candidates examined" is counted without touching feedhub: the
store's stories_with_keys (near-duplicate lookups, candidate stories
returned), copy_signatures (stored copies fetched for comparing) and
merge.dedupe.is_same_story (comparisons made, matches) are wrapped in this
process.

Per simulated day it prints: cycle time (median, max), the time spent
storing (daemon: ContinuousRefresh.drain; cycle: Updater.refresh, fetching
included) and publishing (medians), new entries that day, entries and
stories stored, lookups, candidates and comparisons, store size (db + wal), output files, peak RSS of
the process (VmHWM, reset every day), the largest parse/publish worker's peak
RSS, the peak PSS of the whole tree (sampled every --sample-ms), the tree's
CPU, and the CPU other processes took meanwhile (the machine is shared). At
the end: cost per new entry early and late, memory early and late, failures,
crashes, and how the generated stories were merged (missed and false merges,
by kind). --json FILE keeps every cycle's and day's figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
TICK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024
HOUR = timedelta(hours=1)
START = datetime(2024, 6, 1, tzinfo=timezone.utc)
FEED_WINDOW = 20  # entries a feed file holds, newest first
BACKLOG_HOURS = 48  # what the feeds already hold when the daemon starts

# --------------------------------------------------------------------------
# The world: sources, stories, feed files
# --------------------------------------------------------------------------

CN_WORDS = ("邮政 快递 金融 市场 客户 业务 网点 乡镇 农村 寄递 特快 营销 服务 发展 增长 收入 同比 分公司 支局 投递员 "
            "营业员 电商 产品 资源 渠道 综合 优势 竞争 协同 理念 模式 创新 转型 物流 运输 仓储 航空 枢纽 夜航 跨境 "
            "口岸 包装 绿色 循环 中转 揽收 投递 假期 消费 游客 特产 数码 生鲜 农产品 返程 退换货 安全 生产 权益 管理 "
            "部门 企业 行业 学校 医院 社区 居民 志愿者 工程 项目 资金 政策 改革 试点 标准 质量 技术 人才 培训 平台 "
            "数据 算法 芯片 电池 能源 光伏 风电 水利 交通 地铁 公交 铁路 高速 港口 码头 集装箱 订单 库存 价格 利率 "
            "贷款 存款 保险 基金 股票 债券 投资 消费者 商户 门店 直播 品牌 出口 进口 关税 海关 检验 环保 排放 森林 "
            "湿地 河流 农田 粮食 养殖 渔业 文旅 景区 博物馆 演出 赛事 体育 教育 科研 专利 实验室 医疗 药品 疫苗").split()
EN_WORDS = ("council market analysts bank researchers airline ministry climate scientists team volunteers startup "
            "maintainers transport authority university judge regulator security museum farmers valley agency shipping "
            "companies school board study maker hospital staff announced reported said expects growth quarter revenue "
            "prices rates policy data results plan project river bridge harbour storm season election vote budget tax "
            "trade export import engineers nurses teachers students drivers pilots miners grid solar wind battery chip "
            "factory warehouse port rail tram ferry tunnel road housing rent wages jobs unemployment inflation bonds "
            "shares investors lenders insurers retailers shoppers tourists visitors festival stadium league coach "
            "players court lawmakers senators mayor governor police fire flood drought harvest crops cattle fishery "
            "forest wildlife reserve survey census report audit review inquiry contract tender merger deal lawsuit "
            "appeal ruling strike protest union talks summit treaty sanctions tariffs quota subsidy grant loan fund "
            "pension hospital clinic vaccine trial drug patients doctors software update outage breach network cloud "
            "satellite launch rocket telescope museum archive library gallery concert theatre film novel award").split()
ZH_OUTLETS = ("新华网", "人民网", "澎湃新闻", "财经日报", "中国新闻网", "环球网", "第一财经", "经济日报")
EN_OUTLETS = ("Reuters", "AP News", "BBC News", "The Times", "Daily Herald", "Morning Post", "City Journal", "Wire Daily")
ZH_CITIES = ("北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "南京", "重庆", "天津", "西安", "苏州")
EN_CITIES = ("London", "Paris", "Berlin", "Madrid", "Rome", "Tokyo", "Seoul", "Sydney", "Toronto", "Chicago",
             "Boston", "Denver")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def paragraphs(rng: random.Random, zh: bool, words: int) -> list[str]:
    if zh:
        seq = [rng.choice(CN_WORDS) for _ in range(words)]
        return ["".join(seq[i:i + 30]) + f"，同比增长{rng.randint(1, 60)}.{rng.randint(0, 9)}%。" for i in range(0, words, 30)]
    seq = [rng.choice(EN_WORDS) for _ in range(words)]
    return [" ".join(seq[i:i + 25]).capitalize() + f", up {rng.randint(1, 60)} percent." for i in range(0, words, 25)]


def headline(rng: random.Random, zh: bool) -> str:
    if zh:
        w = rng.sample(CN_WORDS, 4)
        return f"{w[0]}{w[1]}{rng.randint(2, 99)}项{w[2]}{w[3]}工作取得进展"
    w = rng.sample(EN_WORDS, 5)
    return f"{w[0].capitalize()} {w[1]} {w[2]} as {w[3]} {w[4]} plan moves ahead"


@dataclass
class Copy:
    """One source's entry: what its feed file lists."""

    source: int
    guid: str
    link: str
    title: str
    paragraphs: list[str]
    published: datetime
    edited: bool = False


@dataclass
class Source:
    index: int
    name: str
    category: int
    zh: bool
    entries: deque = field(default_factory=lambda: deque(maxlen=FEED_WINDOW))  # newest last
    dirty: bool = True


class World:
    """Generates the month's news and keeps the feed files. Every copy's guid
    names its story (its "truth": copies of one wire story, a reprint and
    its original share one), so the merge can be checked at the end."""

    def __init__(self, folder: Path, sources: int, categories: int, per_hour: float, seed: int):
        self.folder = folder
        self.rng = random.Random(seed)
        self.categories = categories
        self.sources = [Source(i, f"s{i:03d}", i % categories, (i % categories) % 2 == 0) for i in range(sources)]
        self.by_category: dict[int, list[Source]] = defaultdict(list)
        for s in self.sources:
            self.by_category[s.category].append(s)
        self.pending: dict[int, list[Copy]] = defaultdict(list)  # hour index -> copies appearing then
        self.edits: dict[int, list[Copy]] = defaultdict(list)
        self.recent: dict[int, deque] = {c: deque(maxlen=200) for c in range(categories)}  # (item, copy) to reprint
        self.next_item = 0
        self.hour = -BACKLOG_HOURS  # the hour being generated
        self.kinds: dict[int, str] = {}  # item -> kind
        self.copies_made: Counter = Counter()
        scale = per_hour / 80.0
        self.wire_p = min(1.0, 0.3 * scale)
        self.reprint_rate = 0.6 * scale
        series_per_hour = (7 + 10 + 5) / 24  # market, weather, bulletin copies per category and hour
        self.unique_rate = max(0.0, per_hour / categories - self.wire_p * 7.5 - self.reprint_rate - series_per_hour)
        # Per category: fixed templates, and the sources posting each series at their hour.
        self.templates = {c: self._templates(c) for c in range(categories)}
        self.weather = {c: [(s, (ZH_CITIES if s.zh else EN_CITIES)[k % 12], self.rng.randrange(24))
                            for k, s in enumerate(self.by_category[c][:10])] for c in range(categories)}
        self.bulletins = {c: [(s, self.rng.randrange(24)) for s in self.by_category[c][10:15]] for c in range(categories)}
        (folder / "feeds").mkdir(parents=True, exist_ok=True)

    def _templates(self, c: int) -> dict[str, list[str]]:
        zh = c % 2 == 0
        return {"market": paragraphs(self.rng, zh, 240), "weather": paragraphs(self.rng, zh, 120),
                "intro": paragraphs(self.rng, zh, 60), "outro": paragraphs(self.rng, zh, 60)}

    def _item(self, kind: str) -> int:
        self.next_item += 1
        self.kinds[self.next_item] = kind
        return self.next_item

    def _copy(self, source: Source, item: int, title: str, paras: list[str], when: datetime,
              label: str | None = None) -> Copy:
        """A copy of ``item`` by ``source``; ``label`` is its kind when not
        the item's (a reprint). The guid names both, for merge_check."""
        label = label or self.kinds[item]
        copy = Copy(source.index, f"tag:month.example,2024:{label}/{item}/{source.name}",
                    f"https://{source.name}.example.com/{when:%Y/%m/%d}/{item}.html", title, list(paras), when)
        hour = max(math.ceil((when - START) / HOUR), self.hour)
        self.pending[hour].append(copy)
        self.copies_made[label] += 1
        if self.rng.random() < 0.01:  # edited later, still in the feed's window
            self.edits[hour + self.rng.randint(1, 6)].append(copy)
        return copy

    def generate(self, hour: int) -> None:
        """The items that originate in (hour-1, hour]."""
        rng = self.rng
        self.hour = hour
        begin = START + (hour - 1) * HOUR
        for c in range(self.categories):
            zh = c % 2 == 0
            members = self.by_category[c]
            for _ in range(poisson(rng, self.unique_rate)):
                item = self._item("unique")
                copy = self._copy(rng.choice(members), item, headline(rng, zh), paragraphs(rng, zh, rng.randint(150, 450)),
                                  begin + timedelta(seconds=rng.randrange(3600)))
                self.recent[c].append((item, copy))
            if rng.random() < self.wire_p:
                item = self._item("wire")
                title, paras = headline(rng, zh), paragraphs(rng, zh, rng.randint(150, 450))
                when = begin + timedelta(seconds=rng.randrange(3600))
                first = None
                for s in rng.sample(members, min(len(members), rng.randint(3, 12))):
                    t = title
                    if rng.random() < 0.33:
                        t = f"{title}｜{rng.choice(ZH_OUTLETS)}" if zh else f"{title} - {rng.choice(EN_OUTLETS)}"
                    copy = self._copy(s, item, t, paras, when + timedelta(seconds=rng.randrange(3 * 3600)))
                    first = first or copy
                self.recent[c].append((item, first))
            for _ in range(poisson(rng, self.reprint_rate)):
                if not self.recent[c]:
                    break
                item, original = rng.choice(self.recent[c])
                age = begin + HOUR - original.published
                if original.published > begin or age > timedelta(hours=20) or len(original.paragraphs) < 3:
                    continue
                s = rng.choice([m for m in members if m.index != original.source])
                t = f"【转载】{original.title}｜{rng.choice(ZH_OUTLETS)}" if zh else f"{original.title} - {rng.choice(EN_OUTLETS)}"
                self._copy(s, item, t, original.paragraphs[1:], begin + timedelta(seconds=rng.randrange(3600)),
                           label="reprint")
            day = begin + HOUR
            if day.hour == 8:  # the market closes (16:00 in Shanghai)
                item = self._item("market")
                up, move, volume = rng.random() < 0.5, rng.randint(1, 300) / 100, rng.randint(3000, 12000)
                if zh:
                    title = f"{day.month}月{day.day}日A股收盘：沪指{'上涨' if up else '下跌'}{move}%，成交{volume}亿元"
                    lead = f"{day.month}月{day.day}日，沪指收盘{'上涨' if up else '下跌'}{move}%，两市成交额{volume}亿元。"
                else:
                    title = f"Stocks close {EN_MONTHS[day.month - 1]} {day.day}: index {'up' if up else 'down'} {move}%"
                    lead = (f"On {EN_MONTHS[day.month - 1]} {day.day} the index closed {'up' if up else 'down'} {move} "
                            f"percent on a turnover of {volume} million.")
                for s in rng.sample(members, min(len(members), rng.randint(4, 10))):
                    self._copy(s, item, title, [lead, *self.templates[c]["market"]],
                               begin + timedelta(seconds=rng.randrange(1800)))
            for s, city, at in self.weather[c]:
                if day.hour == at:
                    item = self._item("weather")
                    hi, lo = rng.randint(18, 38), rng.randint(5, 17)
                    if zh:
                        title = f"{city}天气预报：{day.month}月{day.day}日 最高{hi}℃ 最低{lo}℃"
                        lead = f"{city}{day.month}月{day.day}日天气：最高气温{hi}℃，最低气温{lo}℃。"
                    else:
                        title = f"{city} weather for {EN_MONTHS[day.month - 1]} {day.day}: high {hi}C, low {lo}C"
                        lead = f"{city} on {EN_MONTHS[day.month - 1]} {day.day}: a high of {hi}C and a low of {lo}C."
                    self._copy(s, item, title, [lead, *self.templates[c]["weather"]],
                               begin + timedelta(seconds=rng.randrange(3600)))
            for s, at in self.bulletins[c]:
                if day.hour == at:
                    item = self._item("bulletin")
                    number = (day - START).days + 100
                    outlet = (ZH_OUTLETS if zh else EN_OUTLETS)[s.index % 8]
                    title = f"{outlet}早报 第{number}期" if zh else f"{outlet} morning briefing No. {number}"
                    body = [*self.templates[c]["intro"], *paragraphs(rng, zh, 90), *self.templates[c]["outro"]]
                    self._copy(s, item, title, body, begin + timedelta(seconds=rng.randrange(3600)))

    def advance(self, hour: int) -> int:
        """Copies dated in (hour-1, hour] join their feeds, edits are made;
        the feed files that changed are rewritten. Returns the copies added."""
        added = self.pending.pop(hour, [])
        for copy in sorted(added, key=lambda c: c.published):
            self.sources[copy.source].entries.append(copy)
            self.sources[copy.source].dirty = True
        for copy in self.edits.pop(hour, []):
            if copy in self.sources[copy.source].entries and not copy.edited:
                copy.edited = True
                zh = self.sources[copy.source].zh
                copy.paragraphs.append("更新：" + paragraphs(self.rng, zh, 30)[0] if zh
                                       else "Update: " + paragraphs(self.rng, zh, 25)[0])
                self.sources[copy.source].dirty = True
                self.copies_made["edit"] += 1
        for s in self.sources:
            if s.dirty:
                self._write(s)
                s.dirty = False
        return len(added)

    def _write(self, s: Source) -> None:
        entries = sorted(s.entries, key=lambda c: c.published, reverse=True)
        home = f"https://{s.name}.example.com/"
        if s.index % 2 == 0:
            items = "".join(
                f"<item><title>{escape(c.title)}</title><link>{c.link}</link>"
                f'<guid isPermaLink="false">{c.guid}</guid><pubDate>{format_datetime(c.published, usegmt=True)}</pubDate>'
                f"<description>{escape(c.paragraphs[0][:120])}</description>"
                f"<content:encoded><![CDATA[{''.join(f'<p>{p}</p>' for p in c.paragraphs)}]]></content:encoded></item>\n"
                for c in entries)
            doc = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
                   'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
                   f"<title>{s.name}</title><link>{home}</link><description>month bench</description>\n{items}</channel></rss>\n")
        else:
            stamp = (entries[0].published if entries else START).strftime("%Y-%m-%dT%H:%M:%SZ")
            items = "".join(
                f"<entry><title>{escape(c.title)}</title><link href=\"{c.link}\"/><id>{c.guid}</id>"
                f"<published>{c.published:%Y-%m-%dT%H:%M:%SZ}</published><updated>{c.published:%Y-%m-%dT%H:%M:%SZ}</updated>"
                f"<content type=\"html\">{escape(''.join(f'<p>{p}</p>' for p in c.paragraphs))}</content></entry>\n"
                for c in entries)
            doc = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                   f"<title>{s.name}</title><id>{home}</id><link href=\"{home}\"/><updated>{stamp}</updated>\n{items}</feed>\n")
        path = self.folder / "feeds" / f"{s.name}.xml"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(doc, encoding="utf-8")
        os.replace(tmp, path)


def write_config(folder: Path, world: World, max_age: str | None, max_entries: int | None) -> Path:
    retention = {k: v for k, v in (("max_age", max_age), ("max_entries", max_entries)) if v}
    config = {
        "site": {"title": "feedhub month", "base_url": "http://127.0.0.1/month/", "language": "zh-CN",
                 "timezone": "Asia/Shanghai"},
        "storage": {"url": "sqlite:///state/feedhub.db"},
        "output": {"dir": "output", "entries_per_feed": 50, "retention": retention},
        "defaults": {"interval": "1h", "timeout": "30s"},
        "categories": [{"name": f"新闻频道 {c}" if c % 2 == 0 else f"Section {c}", "slug": f"section-{c}"}
                       for c in range(world.categories)],
        "sources": [{"name": s.name, "url": f"feeds/{s.name}.xml",
                     "categories": [f"新闻频道 {s.category}" if s.category % 2 == 0 else f"Section {s.category}"]}
                    for s in world.sources],
    }
    path = folder / "feedhub.yaml"
    path.write_text(json.dumps(config, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# Measuring: the process, its pool, the machine
# --------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], children_of(pid)
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children_of(p)
    return found


def status_kb(pid: int | str, *names: str) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in names:
                    out[key] = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return out


def pss_kb(pid: int | str) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_cpu(pid: int) -> float:
    """CPU seconds of the descendants alive now, with the children each has
    waited for (the forkserver reaps the pool's workers: their time is in its
    cutime/cstime once a pool is shut down)."""
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rindex(b")") + 2:].split()
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def busy_cpu_seconds() -> float:
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / TICK


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Sampler(threading.Thread):
    """Peak memory of the process's descendants (forkserver, pool workers,
    resource tracker) and of the whole tree, every ``interval`` seconds; the
    process's own peak is its exact VmHWM (reset every day)."""

    def __init__(self, interval: float):
        super().__init__(daemon=True, name="month-sampler")
        self.interval = interval
        self.halt = threading.Event()
        self.lock = threading.Lock()
        self.me = os.getpid()
        self.reset()

    def reset(self) -> dict:
        with getattr(self, "lock", threading.Lock()):
            old = getattr(self, "peaks", {})
            self.peaks = {"worker_hwm_kb": 0, "forkserver_hwm_kb": 0, "tree_rss_kb": 0, "tree_pss_kb": 0,
                          "processes": 0, "workers_seen": 0}
            self._workers: set[int] = set()
            return old

    def run(self) -> None:
        while not self.halt.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        rss = status_kb(self.me, "VmRSS").get("VmRSS", 0)
        pss = pss_kb(self.me)
        worker = fork = 0
        kids = descendants(self.me)
        workers = set()
        for p in kids:
            s = status_kb(p, "VmRSS", "VmHWM", "PPid")
            rss += s.get("VmRSS", 0)
            pss += pss_kb(p)
            if s.get("PPid") != self.me:  # forked by the forkserver: a pool worker
                worker = max(worker, s.get("VmHWM", 0))
                workers.add(p)
            elif "forkserver" in cmdline(p):
                fork = max(fork, s.get("VmHWM", 0))
        with self.lock:
            pk = self.peaks
            pk["worker_hwm_kb"] = max(pk["worker_hwm_kb"], worker)
            pk["forkserver_hwm_kb"] = max(pk["forkserver_hwm_kb"], fork)
            pk["tree_rss_kb"] = max(pk["tree_rss_kb"], rss)
            pk["tree_pss_kb"] = max(pk["tree_pss_kb"], pss)
            pk["processes"] = max(pk["processes"], 1 + len(kids))
            self._workers |= workers
            pk["workers_seen"] = len(self._workers)

    def stop(self) -> None:
        self.halt.set()
        self.join()


def own_peak_rss_kb(reset: bool) -> int:
    """VmHWM of this process; with ``reset``, start a new peak from now."""
    hwm = status_kb("self", "VmHWM").get("VmHWM", 0)
    if reset:
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass
    return hwm


class Counts:
    """Near-duplicate work, counted by wrapping the store's and dedupe's
    functions in this process (feedhub itself is not changed)."""

    names = ("lookups", "keys", "candidates", "copies", "comparisons", "matches", "url_lookups", "url_hits")

    def __init__(self):
        for n in self.names:
            setattr(self, n, 0)

    def snapshot(self) -> dict[str, int]:
        return {n: getattr(self, n) for n in self.names}


def instrument(counts: Counts, timings: dict, sim_now: list) -> None:
    """Count the near-duplicate work and time the publishes, in this process
    only; every publish gets the simulated time as ``now`` (retention.max_age
    would otherwise expire stories by the wall clock: run_cycle and the
    daemon pass none)."""
    import feedhub.daemon.cycle as cycle_module
    import feedhub.daemon.scheduler as scheduler_module
    import feedhub.merge.dedupe as dedupe
    from feedhub.daemon.refresh import Updater
    from feedhub.store.sqlite import SQLiteStore

    stories_with_keys, copy_signatures = SQLiteStore.stories_with_keys, SQLiteStore.copy_signatures
    stories_with_url, is_same_story = SQLiteStore.stories_with_url, dedupe.is_same_story
    refresh, publish = Updater.refresh, cycle_module.publish

    def counted_keys(self, category, keys, *args, **kwargs):
        found = stories_with_keys(self, category, keys, *args, **kwargs)
        counts.lookups += 1
        counts.keys += len(set(keys))
        counts.candidates += len(found)
        return found

    def counted_copies(self, stories, *args, **kwargs):
        found = copy_signatures(self, stories, *args, **kwargs)
        counts.copies += sum(len(v) for v in found.values())
        return found

    def counted_url(self, *args, **kwargs):
        found = stories_with_url(self, *args, **kwargs)
        counts.url_lookups += 1
        counts.url_hits += bool(found)
        return found

    def counted_same(*args, **kwargs):
        same = is_same_story(*args, **kwargs)
        counts.comparisons += 1
        counts.matches += bool(same)
        return same

    def timed_refresh(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return refresh(self, *args, **kwargs)
        finally:
            timings["refresh_s"] += time.perf_counter() - t

    def publish_at_sim_time(config, store, *, now=None, **kwargs):
        t = time.perf_counter()
        try:
            written = publish(config, store, now=now or sim_now[0], **kwargs)
            timings["written"] += len(written)
            return written
        finally:
            timings["publish_s"] += time.perf_counter() - t
            timings["publishes"] += 1

    SQLiteStore.stories_with_keys, SQLiteStore.copy_signatures = counted_keys, counted_copies
    SQLiteStore.stories_with_url = counted_url
    dedupe.is_same_story = counted_same  # merge/apply.py imports it at each call
    Updater.refresh = timed_refresh
    cycle_module.publish = scheduler_module.publish = publish_at_sim_time


class CycleDriver:
    """Each simulated hour one feedhub.daemon.cycle.run_cycle over the
    sources due (the batch path of `run --once`, and of the daemon until
    f3a26b4), with a new Updater on the simulated clock, one Store and one
    Fetcher for the whole run."""

    def __init__(self, config, sim_now: list, timings: dict):
        from feedhub.fetch import Fetcher
        from feedhub.store import open_store

        self.config, self.sim_now, self.timings = config, sim_now, timings
        self.store = open_store(config.storage_url, lock=True)
        self.fetcher = Fetcher(max_connections=config.fetch.max_connections, per_host=config.fetch.per_host,
                               public_only=config.fetch.public_addresses_only)

    def hour(self, now: datetime) -> dict:
        from feedhub.daemon.cycle import pollable, run_cycle
        from feedhub.daemon.refresh import Updater
        from feedhub.daemon.timing import MAX_JITTER

        store = self.store
        store.forget_cached_states()
        sources, _ = pollable(self.config, store)
        states = store.source_states()
        batch = [s for s in sources if (st := states.get(s.name)) is None or st.next_poll is None
                 or st.next_poll <= now + MAX_JITTER]
        updater = Updater(self.config, store, self.fetcher, clock=lambda: now)
        summary = run_cycle(self.config, store, updater, batch)
        return _outcomes_record(len(batch), summary.report.outcomes)

    def close(self) -> None:
        self.fetcher.close()
        self.store.close()


class FakeJob:
    def __init__(self, scheduler: FakeScheduler, id: str, run_date: datetime, func, args):
        self.scheduler, self.id, self.run_date, self.func, self.args = scheduler, id, run_date, func, args

    def remove(self) -> None:
        self.scheduler.jobs.pop(self.id, None)


class FakeScheduler:
    """Stands in for APScheduler's BackgroundScheduler: keeps the date jobs
    the daemon adds, and fires those due when the simulated clock says."""

    def __init__(self):
        self.jobs: dict[str, FakeJob] = {}
        self.lock = threading.Lock()

    def start(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        pass

    def add_job(self, func, trigger, *, run_date, args=(), id, replace_existing=False, **_):
        assert trigger == "date"
        with self.lock:
            self.jobs[id] = FakeJob(self, id, run_date, func, args)

    def get_job(self, id):
        return self.jobs.get(id)

    def get_jobs(self):
        return list(self.jobs.values())

    def fire(self, until: datetime) -> list[str]:
        with self.lock:
            due = [j for j in self.jobs.values() if j.run_date <= until]
            for j in due:
                del self.jobs[j.id]
        for j in due:
            j.func(*j.args)
        return [j.id for j in due]


class DaemonDriver:
    """feedhub.daemon.scheduler.Daemon.run itself, in a thread: its loop,
    its ContinuousRefresh (each source stored as soon as it is parsed), its
    one WorkerPool and one Updater for the whole run, its coalesced
    publishes (COALESCE, 1 s of real time) and its rescheduling. Replaced:
    APScheduler by FakeScheduler, the clock (scheduler.utcnow and the
    Updater's) by the simulated one. Each simulated hour fires the jobs due
    within policy's MAX_JITTER of it, then waits until the daemon is idle:
    every fired source stored, nothing waiting to be published."""

    def __init__(self, config, sim_now: list, timings: dict):
        import feedhub.daemon.scheduler as scheduler_module
        from feedhub.daemon.continuous import ContinuousRefresh
        from feedhub.daemon.refresh import Updater

        self.config, self.sim_now, self.timings = config, sim_now, timings
        self.daemon = daemon = scheduler_module.Daemon(config)
        daemon.scheduler = self.scheduler = FakeScheduler()
        scheduler_module.utcnow = lambda: sim_now[0]
        daemon._updater = lambda store: Updater(daemon.config, store, daemon.fetcher, clock=lambda: sim_now[0],
                                                stopping=lambda: daemon.stopping)
        self.publishing = False
        self.outcomes: list = []
        self.lock = threading.Lock()
        own_publish = daemon._publish

        self.profiler = None  # set by run(): the loop thread's storing and publishing are profiled

        def publish(store, pool):
            self.publishing = True
            if self.profiler:
                self.profiler.enable()
            try:
                return own_publish(store, pool)
            finally:
                if self.profiler:
                    self.profiler.disable()
                self.publishing = False

        daemon._publish = publish
        drain = ContinuousRefresh.drain

        def drained(refresh):
            t = time.perf_counter()
            if self.profiler:
                self.profiler.enable()
            try:
                found = drain(refresh)
            finally:
                if self.profiler:
                    self.profiler.disable()
                timings["refresh_s"] += time.perf_counter() - t
            with self.lock:
                self.outcomes.extend(found)
            return found

        ContinuousRefresh.drain = drained
        self.exit_code = None
        self.crash: str | None = None
        self.thread = threading.Thread(target=self._run, name="feedhub-daemon", daemon=True)
        self.thread.start()
        # Started: every source scheduled, the publish at start done.
        self._wait(lambda: daemon.refresh is not None and len(self.scheduler.jobs) >= len(config.sources)
                   and timings["publishes"] >= 1 and self._idle(), "the daemon's start")

    def _run(self) -> None:
        try:
            self.exit_code = self.daemon.run()
        except BaseException:
            self.crash = traceback.format_exc()

    def _idle(self) -> bool:
        d = self.daemon
        return (not self.publishing and d._changes.since is None and not d._due and not d.refresh.in_flight
                and d._publish_retry_at is None)

    def _wait(self, ready, what: str, timeout: float = 900.0) -> None:
        deadline = time.monotonic() + timeout
        steady = 0
        while steady < 2:  # twice in a row, 10 ms apart
            if not self.thread.is_alive():
                raise RuntimeError(f"the daemon's loop ended during {what}: {self.crash or f'exit {self.exit_code}'}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the daemon did not finish {what} in {timeout:.0f} s")
            steady = steady + 1 if ready() else 0
            time.sleep(0.01)

    def hour(self, now: datetime) -> dict:
        from feedhub.daemon.timing import MAX_JITTER

        with self.lock:
            self.outcomes = []
        fired = set(self.scheduler.fire(now + MAX_JITTER))

        def done() -> bool:
            with self.lock:
                seen = {o.source for o in self.outcomes}
            return fired <= seen and self._idle()

        self._wait(done, f"the sources due at {now:%Y-%m-%d %H:%M}")
        with self.lock:
            outcomes = list(self.outcomes)
        return _outcomes_record(len(fired), outcomes)

    def close(self) -> None:
        self.daemon.request_stop()
        self.thread.join(120)
        if self.crash:
            raise RuntimeError(f"the daemon's loop failed at its end: {self.crash}")


def _outcomes_record(due: int, outcomes) -> dict:
    failed = [o for o in outcomes if o.error and not o.aborted]
    return {"due": due, "new": sum(o.new for o in outcomes), "edited": sum(o.edited for o in outcomes),
            "failed": len(failed), "not_modified": sum(o.not_modified for o in outcomes),
            "failures": [(o.source, o.error) for o in failed]}


class LogCount(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.counts: Counter = Counter()
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1
        if record.exc_info:
            self.counts["traceback"] += 1
        if len(self.first) < 20:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + "".join(traceback.format_exception(*record.exc_info))[-2000:]
            self.first.append(f"{record.levelname} {record.name}: {text}")


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


def feedhub_revision() -> str:
    """Which feedhub runs: its version and folder, and the commit (+dirty
    when feedhub/ has uncommitted changes), or for a snapshot made with
    `git archive`, the commit its COMMIT file names."""
    import feedhub

    folder = Path(feedhub.__file__).resolve().parent.parent
    desc = f"feedhub {feedhub.__version__} from {folder}"
    head = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if (folder / "COMMIT").is_file():
        desc += f" at {(folder / 'COMMIT').read_text().strip()} (snapshot)"
    elif head.returncode == 0:
        dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", "feedhub"],
                               capture_output=True, text=True).stdout.strip()
        desc += f" at {head.stdout.strip()}{'+dirty' if dirty else ''}"
    return desc


def folder_size(path: Path) -> tuple[int, int]:
    files = size = 0
    todo = [str(path)]
    while todo:
        try:
            with os.scandir(todo.pop()) as it:
                for e in it:
                    if e.is_dir(follow_symlinks=False):
                        todo.append(e.path)
                    else:
                        files += 1
                        size += e.stat(follow_symlinks=False).st_size
        except OSError:
            pass
    return files, size


def store_size(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


def merge_check(db: Path) -> dict:
    """How the generated stories were merged, by kind of copy: copies
    stored, the stories (truths) they belong to, copies *missed* (not in the
    story of the first stored copy of their truth: a duplicate shown twice),
    and stories *falsely merged* (holding copies of two truths or more: a
    story lost), counted for every kind among their copies."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT se.story, e.entry_id FROM story_entries se JOIN entries e ON e.id = se.entry"
                       " ORDER BY e.id").fetchall()
    con.close()
    first_story: dict[int, int] = {}
    first_copy: dict[int, str] = {}
    missed: list[tuple[str, str]] = []
    story_copies: dict[int, list[tuple[str, int]]] = defaultdict(list)
    out: dict[str, dict] = defaultdict(lambda: {"copies": 0, "truths": set(), "missed": 0, "false": 0})
    for story, entry_id in rows:
        label, item, _ = entry_id.rsplit(":", 1)[-1].split("/")
        item = int(item)
        first_story.setdefault(item, story)
        first_copy.setdefault(item, entry_id)
        if story != first_story[item] and len(missed) < 10:
            missed.append((first_copy[item], entry_id))
        story_copies[story].append((label, item))
        o = out[label]
        o["copies"] += 1
        o["truths"].add(item)
        o["missed"] += story != first_story[item]
    bad = []
    for story, copies in story_copies.items():
        if len({item for _, item in copies}) > 1:
            bad.append(copies)
            for label in {label for label, _ in copies}:
                out[label]["false"] += 1
    result = {label: {**o, "truths": len(o["truths"])} for label, o in sorted(out.items())}
    result["_false_merges_sample"] = [sorted({f"{label}/{item}" for label, item in c}) for c in bad[:10]]
    result["_missed_sample"] = missed  # (the truth's first stored copy, a copy in another story)
    return result


def day_line(d: dict) -> str:
    return (f"{d['day']:>3} {d['cycle_median_s']:7.2f} {d['cycle_max_s']:7.2f} {d['refresh_median_s']:7.2f} "
            f"{d['publish_median_s']:7.2f} {d['new_entries']:6d} {d['entries_stored']:7d} {d['stories_stored']:7d} "
            f"{d['lookups']:6d} {d['candidates']:7d} {d['comparisons']:7d} {d['store_mb']:7.1f} {d['output_files']:7d} "
            f"{d['rss_main_mib']:6.1f} {d['rss_worker_mib']:6.1f} {d['pss_tree_mib']:6.1f} {d['tree_cpu_s']:7.1f} "
            f"{d['other_cpus']:5.2f} {d['ms_per_new_entry']:6.1f}")


DAY_HEADER = ("day  cyc_md  cyc_mx  refr_md  publ_md   new  entries stories lookups  candid  compar "
              "store_MB  outfiles  rss_MiB wrk_MiB pss_MiB cpu_s  other  ms/new")


def run(args: argparse.Namespace) -> dict:
    from feedhub.config import load_config
    from feedhub.errors import FeedhubError

    folder = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="feedhub-month-"))
    folder.mkdir(parents=True, exist_ok=True)
    world = World(folder, args.sources, args.categories, args.entries_per_hour, args.seed)
    config_path = write_config(folder, world, args.max_age, args.max_entries)
    logs = LogCount()
    logging.getLogger("feedhub").addHandler(logs)
    logging.getLogger("feedhub").setLevel(logging.WARNING)
    counts, sim_now = Counts(), [START]
    timings = {"refresh_s": 0.0, "publish_s": 0.0, "publishes": 0, "written": 0}
    instrument(counts, timings, sim_now)
    if args.signature_cache:
        import feedhub.merge.apply as apply_module

        apply_module.SIGNATURE_CACHE_SIZE = args.signature_cache  # read when the Updater's Merger is made

    revision = feedhub_revision()
    print(f"month: {revision}; driver {args.driver}; "
          f"{f'signature cache {args.signature_cache}; ' if args.signature_cache else ''}{args.sources} sources, {args.categories} categories, "
          f"~{args.entries_per_hour:g} new entries an hour, {args.days} days, retention "
          f"{json.loads(config_path.read_text())['output']['retention']}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}; in {folder}", file=sys.stderr, flush=True)
    for h in range(-BACKLOG_HOURS, 1):
        world.generate(h)
    for h in range(-BACKLOG_HOURS, 0):
        world.advance(h)  # the backlog the feeds already hold, read by the first cycle

    os.chdir(folder)
    config = load_config(config_path)
    db = Path(config.storage_url[len("sqlite:///"):])
    sampler = Sampler(args.sample_ms / 1000)
    sampler.start()
    driver = (DaemonDriver if args.driver == "daemon" else CycleDriver)(config, sim_now, timings)
    profiler = None
    cycles: list[dict] = []
    days: list[dict] = []
    crashes: list[dict] = []
    own_peak_rss_kb(reset=True)
    hours = args.days * 24
    print(DAY_HEADER, flush=True)
    try:
        for h in range(hours):
            day = h // 24 + 1
            if args.profile and profiler is None and day >= (args.profile_from_day or args.days):
                import cProfile

                profiler = cProfile.Profile()
                if isinstance(driver, DaemonDriver):
                    driver.profiler = profiler  # enabled in the daemon's loop thread, where the work is
            if h > 0:
                world.generate(h)
            added = world.advance(h)
            now = START + h * HOUR
            sim_now[0] = now
            before = counts.snapshot()
            timings.update(refresh_s=0.0, publish_s=0.0, publishes=0, written=0)
            busy0, kids0, self0 = busy_cpu_seconds(), tree_cpu(os.getpid()), resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            record = {"hour": h, "day": day, "time": now.isoformat(), "copies_added": added, "error": None}
            try:
                if profiler and not isinstance(driver, DaemonDriver):
                    profiler.enable()
                record.update(driver.hour(now))
            except FeedhubError as e:  # the daemon logs it and goes on
                record.update(due=0, new=0, edited=0, failed=0, not_modified=0, failures=[], error=str(e))
                crashes.append({"hour": h, "kind": "cycle failed", "error": str(e)})
            except Exception as e:  # the daemon would have died
                record.update(due=0, new=0, edited=0, failed=0, not_modified=0, failures=[],
                              error=f"{type(e).__name__}: {e}")
                crashes.append({"hour": h, "kind": "CRASH", "error": traceback.format_exc()})
                print(f"month: hour {h}: {traceback.format_exc()}", file=sys.stderr, flush=True)
                if isinstance(driver, DaemonDriver) and not driver.thread.is_alive():
                    break  # nothing left to drive
            finally:
                if profiler and not isinstance(driver, DaemonDriver):
                    profiler.disable()
            wall = time.perf_counter() - t0
            self1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu_main = self1.ru_utime - self0.ru_utime + self1.ru_stime - self0.ru_stime
            cpu_kids = tree_cpu(os.getpid()) - kids0
            busy = busy_cpu_seconds() - busy0
            after = counts.snapshot()
            for source, error in record.pop("failures"):
                if len(crashes) < 100:
                    crashes.append({"hour": h, "kind": "source failed", "source": source, "error": error})
            record.update(wall_s=wall, refresh_s=timings["refresh_s"], publish_s=timings["publish_s"],
                          publishes=timings["publishes"], written=timings["written"],
                          cpu_main_s=cpu_main, cpu_children_s=cpu_kids, other_cpu_s=max(0.0, busy - cpu_main - cpu_kids),
                          **{k: after[k] - before[k] for k in after})
            cycles.append(record)
            if args.verbose:
                print(f"  h{h:4d} due {record['due']} new {record['new']} edited {record['edited']} failed "
                      f"{record['failed']} written {record['written']} in {record['publishes']} publish(es); "
                      f"{wall:.2f} s (store {record['refresh_s']:.2f}, publish {record['publish_s']:.2f}), "
                      f"cpu {cpu_main + cpu_kids:.2f} s, other {record['other_cpu_s']:.2f} s; "
                      f"cand {record['candidates']} cmp {record['comparisons']}", file=sys.stderr, flush=True)
            if h % 24 == 23 or h == hours - 1:
                days.append(summarise_day(day, [c for c in cycles if c["day"] == day], db, folder, sampler))
                print(day_line(days[-1]), flush=True)
    finally:
        try:
            driver.close()
        except Exception:
            crashes.append({"hour": hours, "kind": "CRASH", "error": traceback.format_exc()})
        sampler.stop()
        if profiler:
            profiler.dump_stats(args.profile)
    merge = merge_check(db)
    result = {

        "feedhub": revision, "args": vars(args), "folder": str(folder), "start": START.isoformat(),
        "copies_generated": dict(world.copies_made), "days": days, "cycles": cycles, "crashes": crashes,
        "log_counts": dict(logs.counts), "log_first": logs.first, "merge": merge,
        "loadavg_end": os.getloadavg(),
    }
    result["assessment"] = assess(days, cycles)
    if not args.keep and not args.workdir:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def summarise_day(day: int, cs: list[dict], db: Path, folder: Path, sampler: Sampler) -> dict:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    entries = con.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    stories = con.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    con.close()
    files, size = folder_size(folder / "output")
    peaks = sampler.reset()
    for pid in descendants(os.getpid()):  # a new peak for the pool's workers too (they live all month)
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass
    walls = [c["wall_s"] for c in cs]
    new = sum(c["new"] for c in cs)
    busy_wall = sum(walls)
    d = {
        "day": day, "cycles": len(cs), "cycle_median_s": statistics.median(walls), "cycle_max_s": max(walls),
        "cycle_total_s": busy_wall, "refresh_median_s": statistics.median(c["refresh_s"] for c in cs),
        "publish_median_s": statistics.median(c["publish_s"] for c in cs),
        "busy_median_s": statistics.median(c["refresh_s"] + c["publish_s"] for c in cs),
        "publishes": sum(c["publishes"] for c in cs),
        "new_entries": new, "edited": sum(c["edited"] for c in cs), "failed": sum(c["failed"] for c in cs),
        "due_min": min(c["due"] for c in cs), "written_files": sum(c["written"] for c in cs),
        "entries_stored": entries, "stories_stored": stories,
        **{k: sum(c[k] for c in cs) for k in Counts.names},
        "store_mb": store_size(db) / 1e6, "db_mb": db.stat().st_size / 1e6,
        "wal_mb": (Path(f"{db}-wal").stat().st_size / 1e6) if Path(f"{db}-wal").exists() else 0.0,
        "output_files": files, "output_mb": size / 1e6,
        "rss_main_mib": own_peak_rss_kb(reset=True) / 1024,
        "rss_worker_mib": peaks.get("worker_hwm_kb", 0) / 1024,
        "rss_forkserver_mib": peaks.get("forkserver_hwm_kb", 0) / 1024,
        "rss_tree_mib": peaks.get("tree_rss_kb", 0) / 1024, "pss_tree_mib": peaks.get("tree_pss_kb", 0) / 1024,
        "processes": peaks.get("processes", 0),
        "tree_cpu_s": sum(c["cpu_main_s"] + c["cpu_children_s"] for c in cs),
        "cpu_main_s": sum(c["cpu_main_s"] for c in cs),
        "other_cpus": sum(c["other_cpu_s"] for c in cs) / busy_wall if busy_wall else 0.0,
        "loadavg": os.getloadavg()[0],
        # Without the first cycle (cold: the backlog), which is not hourly work.
        "ms_per_new_entry": 1000 * sum(c["wall_s"] for c in cs if c["hour"] > 0)
        / max(1, sum(c["new"] for c in cs if c["hour"] > 0)),
        "cpu_ms_per_new_entry": 1000 * sum(c["cpu_main_s"] + c["cpu_children_s"] for c in cs if c["hour"] > 0)
        / max(1, sum(c["new"] for c in cs if c["hour"] > 0)),
    }
    return d


def assess(days: list[dict], cycles: list[dict]) -> dict:
    """Early against late: cost per new entry, cycle time, memory."""
    if not days:
        return {}
    k = min(3, max(1, len(days) // 3))
    early, late = days[:k], days[-k:]
    hourly = [c for c in cycles if c["hour"] > 0]

    def per_entry(ds, key):
        cs = [c for c in hourly if ds[0]["day"] <= c["day"] <= ds[-1]["day"]]
        new = sum(c["new"] for c in cs)
        return 1000 * sum(key(c) for c in cs) / new if new else None

    out = {"early_days": [d["day"] for d in early], "late_days": [d["day"] for d in late]}
    for name, key in (("wall", lambda c: c["wall_s"]), ("refresh", lambda c: c["refresh_s"]),
                      ("publish", lambda c: c["publish_s"]), ("cpu", lambda c: c["cpu_main_s"] + c["cpu_children_s"]),
                      ("cpu_main", lambda c: c["cpu_main_s"])):
        out[f"{name}_ms_per_new_entry"] = [per_entry(early, key), per_entry(late, key)]
    for name in ("cycle_median_s", "refresh_median_s", "publish_median_s", "rss_main_mib", "rss_worker_mib",
                 "pss_tree_mib", "other_cpus", "candidates", "comparisons"):
        out[name] = [statistics.median(d[name] for d in early), statistics.median(d[name] for d in late)]
    # The same, at matched load: other work on a shared machine inflates
    # CPU time too, and late days may be busier than early ones.
    n = len(days)
    thirds = ([(days[0]["day"] + i * n // 3, days[0]["day"] + (i + 1) * n // 3 - 1) for i in range(3)] if n >= 3
              else [(d["day"], d["day"]) for d in days])
    out["thirds"] = thirds
    out["by_load"] = {}
    for low, high in ((0, 0.15), (0.15, 0.5), (0.5, 1.0), (1.0, 99)):
        row = []
        for first, last in thirds:
            cs = [c for c in hourly if first <= c["day"] <= last and c["wall_s"]
                  and low <= c["other_cpu_s"] / c["wall_s"] < high]
            new = sum(c["new"] for c in cs)
            row.append([1000 * sum(c["cpu_main_s"] + c["cpu_children_s"] for c in cs) / new if new else None,
                        len(cs)])
        out["by_load"][f"{low:g}-{high:g}"] = row
    out["cycles_failed"] = sum(1 for c in cycles if c["error"])
    out["sources_failed"] = sum(c["failed"] for c in cycles)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--days", type=int, default=30, help="simulated days (default 30: 720 hourly cycles)")
    p.add_argument("--sources", type=int, default=500, help="file sources (default 500)")
    p.add_argument("--categories", type=int, default=10, help="categories, a source in one (default 10)")
    p.add_argument("--entries-per-hour", type=float, default=80,
                   help="new entries an hour, all sources together, copies included (default 80)")
    p.add_argument("--seed", type=int, default=19)
    p.add_argument("--driver", choices=("daemon", "cycle"), default="daemon",
                   help="daemon: feedhub's Daemon loop, each source stored as parsed, publishes coalesced (default); "
                        "cycle: one run_cycle batch an hour (the path of run --once)")
    p.add_argument("--max-age", default="7d", help="output.retention.max_age (default 7d; 'none' for none)")
    p.add_argument("--max-entries", type=int, help="output.retention.max_entries (default: none)")
    p.add_argument("--sample-ms", type=float, default=200, help="memory sampling period (default 200 ms)")
    p.add_argument("--signature-cache", type=int, metavar="N",
                   help="an experiment: bound feedhub's merge signature cache (merge/apply.py "
                        "SIGNATURE_CACHE_SIZE) at N instead of its own size, in this process")
    p.add_argument("--workdir", help="work here (kept) instead of a temporary folder")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (feeds, config, store, output)")
    p.add_argument("--json", type=Path, help="write every cycle's and day's figures here")
    p.add_argument("--profile", metavar="FILE",
                   help="cProfile the cycles from --profile-from-day on into FILE (with the daemon driver: its "
                        "loop thread's storing and publishing)")
    p.add_argument("--profile-from-day", type=int, help="first day profiled (default: the last)")
    p.add_argument("-v", "--verbose", action="store_true", help="a line per cycle on stderr")
    args = p.parse_args(argv)
    if args.max_age and args.max_age.lower() == "none":
        args.max_age = None

    result = run(args)
    a = result["assessment"]
    print()
    print(f"{result['feedhub']}; load average at the end {result['loadavg_end'][0]:.2f}")
    gen = result["copies_generated"]
    print("copies generated: " + ", ".join(f"{k} {v}" for k, v in sorted(gen.items())))
    if a:
        e, l = a["early_days"], a["late_days"]
        print(f"days {e[0]}-{e[-1]} against {l[0]}-{l[-1]}:")
        for name in ("wall", "cpu", "cpu_main", "refresh", "publish"):
            x, y = a[f"{name}_ms_per_new_entry"]
            if x and y:
                print(f"  {name:9s} per new entry  {x:7.1f} ms -> {y:7.1f} ms  ({y / x:.2f}x)")
        for name in ("cycle_median_s", "refresh_median_s", "publish_median_s", "candidates", "comparisons",
                     "rss_main_mib", "rss_worker_mib", "pss_tree_mib", "other_cpus"):
            x, y = a[name]
            print(f"  {name:22s} {x:9.2f} -> {y:9.2f}")
        print("CPU of the tree per new entry, by the CPUs other processes took during the round (rounds):")
        print("  other CPUs " + "".join(f"   days {f}-{t}".ljust(20) for f, t in a["thirds"]))
        for band, row in a["by_load"].items():
            print(f"  {band:10s} " + "".join((f"{ms:7.1f} ms ({k})" if ms else f"{'-':>7s}    ({k})").ljust(20)
                                               for ms, k in row))
        print(f"  cycles failed {a['cycles_failed']}, source failures {a['sources_failed']}")
    print(f"log records: {result['log_counts'] or 'none at WARNING or above'}")
    for line in result["log_first"][:5]:
        print("  " + line[:500])
    for c in result["crashes"][:5]:
        print(f"  hour {c['hour']}: {c['kind']}: {str(c.get('source', ''))} {c['error'][:1500]}")
    print("merging, by kind of copy: copies stored, their stories (truths), copies missed (shown twice), "
          "stories falsely merged")
    for kind, m in result["merge"].items():
        if not kind.startswith("_"):
            print(f"  {kind:9s} {m['copies']:7d} {m['truths']:7d} {m['missed']:6d} {m['false']:6d}")
    if result["merge"]["_missed_sample"]:
        print(f"  missed, e.g. (first copy, copy in another story): {result['merge']['_missed_sample'][:5]}")
    if result["merge"]["_false_merges_sample"]:
        print(f"  false merges, e.g.: {result['merge']['_false_merges_sample'][:5]}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    crashed = any(c["kind"] == "CRASH" for c in result["crashes"])
    return 1 if crashed else 0


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


if __name__ == "__main__":
    # Any python that can import feedhub runs it (a snapshot's venv, say);
    # any other one hands over to the repository's .venv.
    if not _importable("feedhub") and VENV_PYTHON.exists():
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])
    sys.exit(main())
