"""Builders the end-to-end tests share: an RSS document, a config written
into a test's folder, one `run --once` in this process, a feed's entries as
a reader sees them. A module of helpers, like httpserver.py and readers.py:
test modules import these, never each other."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from lxml import etree

from feedhub.cli import main

ATOM = "{http://www.w3.org/2005/Atom}"

# The article a regional outlet wrote and others reprinted: the project's own
# text, in the register of the portal pages feedhub serves.
WIRE_PARAS = [
    "今年以来，长三角地区邮政快递企业围绕寄递服务协同发展，开展了一系列跨区域合作，"
    "在网络共建、标准互认和人才交流等方面取得了新的进展，区域寄递服务能力持续增强。",
    "数据显示，一季度区域内快递业务量累计完成1465亿件，同比增长两成以上，业务收入同步增长，"
    "农村地区和中西部地区的增速明显高于全国平均水平，寄递服务的覆盖面进一步扩大。",
    "业内人士认为，协同不仅是设施和线路的连接，更是理念的互鉴。各地在末端网点共享、"
    "绿色包装推广和智能分拣应用上相互借鉴，让好的做法更快落地，让基层网点少走弯路。",
    "下一步，相关部门将继续完善协同机制，推动寄递服务标准统一，支持企业在枢纽建设、"
    "冷链运输和跨境寄递等领域深化合作，更好服务区域经济社会发展和群众生产生活。",
]
WIRE_TITLE = "理念互鉴是更高层次的协同"


def rss(items: list[dict], title="Feed", link="https://site.example/") -> bytes:
    body = "".join(
        "<item>"
        + (f"<title>{i['title']}</title>" if "title" in i else "")
        + (f"<link>{i['link']}</link>" if "link" in i else "")
        + (f"<guid>{i['guid']}</guid>" if "guid" in i else "")
        + (f"<pubDate>{i['date']}</pubDate>" if "date" in i else "")
        + f"<description><![CDATA[{i.get('body', '<p>text</p>')}]]></description></item>"
        for i in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{link}</link><description>d</description>{body}</channel></rss>").encode()


def write_config(tmp_path: Path, sources: str, extra: str = "") -> Path:
    path = tmp_path / "feedhub.yaml"
    path.write_text(f"""
site: {{title: Test Hub, base_url: "https://hub.example/", language: en, timezone: Asia/Shanghai}}
storage: {{url: "sqlite:///state/hub.db"}}
output: {{dir: out, entries_per_feed: 50}}
defaults: {{interval: 1h, timeout: 3}}
{extra}
sources:
{sources}
""", encoding="utf-8")
    return path


def missing_tool(reason: str) -> None:
    """A program the tests need (a Debian package scripts/test installs) is
    absent: skip here, but fail under CI=true, where the check must run."""
    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(f"must run in CI: {reason}")
    pytest.skip(reason)


def config_file(folder: Path, sources: list[dict], *, site: dict | None = None, storage: str = "sqlite:///db",
                output: dict | None = None, defaults: dict | None = None, categories: list | None = None,
                name: str = "feedhub.yaml", **sections) -> Path:
    """A config file in ``folder`` from Python values (written as YAML, so a
    name or URL needs no quoting by hand): the sources, and any section given."""
    document: dict = {}
    if site is not None:
        document["site"] = site
    document["storage"] = {"url": storage}
    document["output"] = output if output is not None else {"dir": "out"}
    if defaults is not None:
        document["defaults"] = defaults
    document.update(sections)
    if categories is not None:
        document["categories"] = categories
    document["sources"] = sources
    path = folder / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run_once(config: Path, capsys=None) -> int:
    return main(["run", "--once", "--config", str(config)])


def atom_entries(path: Path) -> list[dict]:
    tree = etree.parse(str(path))
    out = []
    for e in tree.getroot().iter(f"{ATOM}entry"):
        source = e.find(f"{ATOM}source")
        out.append({
            "id": e.findtext(f"{ATOM}id"),
            "title": e.findtext(f"{ATOM}title"),
            "link": e.find(f"{ATOM}link[@rel='alternate']").get("href"),
            "author": e.findtext(f"{ATOM}author/{ATOM}name"),
            "content": e.findtext(f"{ATOM}content"),
            "source": source.findtext(f"{ATOM}title"),
            "last_child": e[-1].tag,
        })
    return out


def start_daemon(config: Path, log: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`feedhub run` on ``config`` in a process of its own, in the config's
    folder (which its fork server then carries on its command line), its
    stderr going to ``log`` (a file the test can read while it runs);
    ``env``: variables added to this process's environment."""
    with log.open("w") as stderr:
        return subprocess.Popen([sys.executable, "-m", "feedhub", "run", "--config", str(config), *args],
                                env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}, stderr=stderr, text=True,
                                cwd=config.parent)
