#!/usr/bin/env python3
"""Merge benchmark (issue #4): N entries, half Chinese, into one category.

Entries arrive in cycles of --batch new entries, spread over time so that
the store holds a moving 72 h window; --dup-rate of them are reprints of an
earlier story by another source (suffix in the title, first paragraph
dropped), so near-duplicate detection has real work. For each cycle it
records the time of the merge and store step (Merger.store_entries, the
code a real cycle runs), and reports:

- signatures per second (the part that runs in the parse worker processes);
- merged entries per second (one writer thread);
- the merge time of a cycle early and late in the run (store small / large):
  flat means the cost grows with the new entries, not with the store;
- peak memory (ru_maxrss).

    .venv/bin/python bench/merge.py --entries 100000 --batch 1000
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedhub.config import load_config  # noqa: E402
from feedhub.merge.dedupe import signature  # noqa: E402
from feedhub.normalize import canonical_url, html_to_text  # noqa: E402
from feedhub.store import open_store  # noqa: E402
from feedhub.types import Entry  # noqa: E402
from feedhub.daemon.refresh import Updater  # noqa: E402

CN = ("邮政 快递 金融 市场 客户 业务 网点 乡镇 农村 寄递 特快 营销 服务 发展 增长 收入 同比 分公司 支局 投递员 营业员 "
      "电商 产品 资源 渠道 综合 优势 竞争 协同 理念 模式 创新 转型 物流 运输 仓储 航空 枢纽 夜航 跨境 口岸 包装 绿色 "
      "循环 中转 揽收 投递 假期 消费 游客 特产 数码 生鲜 农产品 返程 退换货 安全 生产 权益 管理 部门 企业 行业").split()
EN = ("the city council market analysts central bank researchers regional airline health ministry climate "
      "scientists national team volunteers startup maintainers transport authority university judge regulator "
      "security museum farmers valley space agency shipping companies school board study electric maker hospital "
      "staff announced reported said expects growth quarter revenue prices rates policy data results plan project "
      "river bridge harbour storm season election vote budget tax trade export import").split()
OUTLETS = [("新华网", "Reuters"), ("人民网", "AP News"), ("澎湃新闻", "BBC News"), ("财经日报", "The Times")]
CITIES = ["北京", "上海", "广州", "深圳", "成都", "杭州", "Paris", "Lagos", "Lima", "Osaka", "Denver", "Leeds"]


def make_text(rng: random.Random, chinese: bool, n: int) -> tuple[str, str]:
    city = rng.choice(CITIES)
    if chinese:
        words = [rng.choice(CN) for _ in range(n)]
        title = f"{city}{rng.choice(CN)}{rng.choice(CN)}{rng.randint(1, 99)}项{rng.choice(CN)}{rng.choice(CN)}"
        paras = ["".join(words[i:i + 40]) + f"，同比增长{rng.randint(1, 60)}.{rng.randint(0, 9)}%。"
                 for i in range(0, n, 40)]
    else:
        words = [rng.choice(EN) for _ in range(n)]
        title = f"{city} {rng.choice(EN)} {rng.choice(EN)} {rng.randint(1, 99)} {rng.choice(EN)} {rng.choice(EN)}"
        paras = [" ".join(words[i:i + 30]).capitalize() + f", up {rng.randint(1, 60)} percent." for i in range(0, n, 30)]
    return title, "".join(f"<p>{p}</p>" for p in paras)


def make_entries(count: int, sources: int, dup_rate: float, start: datetime, span: timedelta, seed: int):
    """Yields the entries one by one; only the last 200 are kept, for reprints."""
    rng = random.Random(seed)
    entries: list[Entry] = []
    step = span / count
    for i in range(count):
        when = start + step * i
        source = f"s{rng.randrange(sources)}"
        if entries and rng.random() < dup_rate:
            # A reprint of a recent story by another source.
            original = entries[-rng.randint(1, min(len(entries), 200))]
            paragraphs = original.content.split("</p>")
            outlet = OUTLETS[int(source[1:]) % len(OUTLETS)]
            title = f"【转载】{original.title}｜{outlet[0]}" if any("\u4e00" <= c <= "\u9fff" for c in original.title) \
                else f"{original.title} - {outlet[1]}"
            content = "</p>".join(paragraphs[1:]) or original.content
        else:
            title, content = make_text(rng, chinese=i % 2 == 0, n=rng.randint(120, 400))
        link = f"https://{source}.example.com/{i}.html"
        entry = Entry(source, f"{source}-{i}", link, canonical_url(link), title, None, when, None, content,
                      "", (), f"h{i}")
        entries.append(entry)
        del entries[:-200]
        yield entry


def with_signature(entry: Entry) -> Entry:
    return replace(entry, signature=signature(entry.title, html_to_text(entry.content)).to_json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="new entries per cycle")
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--dup-rate", type=float, default=0.1)
    parser.add_argument("--days", type=float, default=30, help="time the entries are spread over")
    parser.add_argument("--workers", type=int, default=2, help="processes computing signatures")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="feedhub-merge-bench-"))
    sources = "\n".join(f"  - {{name: s{i}, url: 'https://s{i}.example.com/feed', categories: [all]}}"
                        for i in range(args.sources))
    (folder / "feedhub.yaml").write_text(f"storage: {{url: 'sqlite:///db'}}\nsources:\n{sources}\n", encoding="utf-8")
    config = load_config(folder / "feedhub.yaml")
    start = datetime(2024, 5, 1, tzinfo=timezone.utc)
    generated = make_entries(args.entries, args.sources, args.dup_rate, start, timedelta(days=args.days), seed=5)
    reprints = 0
    signing = merging = 0.0
    store = open_store(config.storage_url)
    updater = Updater(config, store, fetcher=None)  # no fetching: entries go straight to the merge step
    by_source = {s.name: s for s in config.sources}
    cycle_times = []
    pool = ProcessPoolExecutor(args.workers)
    while True:
        batch = [e for _, e in zip(range(args.batch), generated)]
        if not batch:
            break
        reprints += sum(e.title.startswith("【转载】") or " - " in e.title for e in batch)
        began = time.perf_counter()
        batch = list(pool.map(with_signature, batch, chunksize=64))
        signing += time.perf_counter() - began
        now = batch[-1].published + timedelta(minutes=1)
        t0 = time.perf_counter()
        with store.transaction():
            for name in dict.fromkeys(e.source for e in batch):
                updater.merger.store_entries(by_source[name], [e for e in batch if e.source == name], now)
        cycle_times.append(time.perf_counter() - t0)
    pool.shutdown()
    merging = sum(cycle_times)
    stories = store._db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    merged = args.entries - stories
    store.close()

    # The 72 h window fills during the first days; compare a cycle once it is
    # full (at a quarter of the run) with one at the end, when the store is
    # four times larger.
    tenth = max(len(cycle_times) // 10, 1)
    quarter = len(cycle_times) // 4
    early = statistics.median(cycle_times[quarter:quarter + tenth])
    late = statistics.median(cycle_times[-tenth:])
    deciles = [statistics.median(cycle_times[i:i + tenth]) * 1000 for i in range(0, len(cycle_times), tenth)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"entries                 {args.entries} (half Chinese), {args.batch} per cycle, {args.sources} sources")
    print(f"signatures              {signing:.1f} s on {args.workers} processes = {args.entries / signing:,.0f}/s")
    print(f"merge + store           {merging:.1f} s = {args.entries / merging:,.0f} entries/s (one writer)")
    print(f"stories                 {stories} ({merged} entries merged into another story; {reprints} reprints made)")
    print(f"cycle merge time        at 25%: {early * 1000:.0f} ms, last 10%: {late * 1000:.0f} ms "
          f"(store {args.entries // 4} -> {args.entries} entries)")
    print(f"  by tenth of the run   {' '.join(f'{d:.0f}' for d in deciles)} ms")
    print(f"peak memory             {peak:.0f} MB (ru_maxrss of this process: the merging side, entries made per cycle)")


if __name__ == "__main__":
    main()
