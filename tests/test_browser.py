"""The site in a real browser (issue #17): Debian's chromium, headless,
driven by playwright's Python client (the system browser, not one of
playwright's own downloads), looking at the pages feedhub.serve serves on
127.0.0.1. At 1280 px and at 390 px (a phone): no horizontal scrolling,
the bar of categories visible, and the Chinese text drawn with a font that
has its glyphs (fonts-noto-cjk), not as boxes.

Needs the Debian packages chromium and fonts-noto-cjk, and playwright (the
``test`` extra). Skipped where they are missing, except under CI=true,
where a missing browser is a failure: the check must run in CI.

FEEDHUB_SCREENSHOTS=<folder> saves the home page and a story page at both
widths there (docs/screenshots/ holds the README's).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from builders import missing_tool
from feedhub.publish import publish_site
from feedhub.publish.common import entry_file
from feedhub.serve import make_server, serve_forever
from feedhub.types import CategoryView, SiteInfo, SourceInfo, Story, StoryCopy

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
SITE = SiteInfo(title="财经新闻聚合", base_url=None, language="zh-CN", timezone="Asia/Shanghai")
CATEGORIES = [("中国邮政快递报新闻", "kuaidibao"), ("宏观经济", "macro"), ("证券市场", "stocks"), ("银行保险", "banks"),
              ("产业公司", "companies"), ("国际财经", "world"), ("科技前沿", "tech"), ("地方经济", "regions")]
PARAGRAPH = ("聊城市分公司发挥深层次协同优势，把金融业务发展的一些成功经验，引入到寄递经营活动中，大力拓展特快业务。"
             "一季度，该分公司特快业务收入1465万元，完成进度列山东邮政第1位，同比增长33.2%。")


def _requirements() -> str | None:
    """Why the browser check cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if CHROMIUM is None:
        return "no chromium (Debian package chromium)"
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout if shutil.which("fc-list") else ""
    if not fonts.strip():
        return "no font with Chinese glyphs (Debian package fonts-noto-cjk)"
    return None


def _stories(name: str, slug: str, count: int) -> tuple[Story, ...]:
    source = SourceInfo("中国邮政快递报", "https://kdb.example.cn/rss.xml", "https://kdb.example.cn/", None, None, None)
    start = datetime(2024, 5, 3, 2, 0, tzinfo=timezone.utc)
    stories = []
    for n in range(count, 0, -1):  # newest first
        link = f"https://kdb.example.cn/{slug}/{n}.html?utm_source=rss&id={n}"
        title = f"理念互鉴是更高层次的协同：{name}第{n}篇报道的标题稍长一些以便换行"
        stories.append(Story(
            id=f"https://kdb.example.cn/{slug}/{n}.html", category=name, title=title, link=link, author="宋金秀",
            content="".join(f"<p>{PARAGRAPH}</p>" for _ in range(2)), summary="", tags=("中国邮政快递报新闻", name),
            published=start + timedelta(hours=n), updated=start + timedelta(hours=n),
            canonical=StoryCopy(source, link, title, "宋金秀")))
    return tuple(stories)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    reason = _requirements()
    if reason:
        missing_tool(reason)
    out = tmp_path_factory.mktemp("site") / "out"
    views = [CategoryView(name, slug, _stories(name, slug, 8)) for name, slug in CATEGORIES]
    publish_site(views, replace(SITE, categories=tuple(CATEGORIES)), out, generator_version="1")
    server = make_server(out, "127.0.0.1", 0)
    stop = threading.Event()
    thread = threading.Thread(target=serve_forever, args=(server, stop), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser, f"http://{host}:{port}/", views
        finally:
            browser.close()
            stop.set()
            thread.join(5)


# Each character drawn alone on a canvas, in the page's own fonts: with a
# font that has them, different characters leave different ink; without
# one, each is the same empty box ("tofu"), or nothing at all.
_GLYPHS = """() => {
  const canvas = document.createElement('canvas'); canvas.width = 48; canvas.height = 48;
  const ctx = canvas.getContext('2d');
  ctx.font = '40px ' + getComputedStyle(document.body).fontFamily;
  return ['理', '一', '国', '协'].map((ch) => {
    ctx.clearRect(0, 0, 48, 48); ctx.fillText(ch, 4, 40);
    const data = ctx.getImageData(0, 0, 48, 48).data; let ink = 0, shape = 0;
    for (let i = 3; i < data.length; i += 4) { if (data[i] > 128) { ink++; shape = (shape * 31 + i) % 1000003; } }
    return [ink, shape];
  });
}"""


@pytest.mark.slow
@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("which", ["home", "category", "story"])
def test_pages_fit_show_the_bar_and_draw_chinese(served, width, which):
    browser, base, views = served
    w, h = WIDTHS[width]
    page = browser.new_page(viewport={"width": w, "height": h})
    story = views[0].stories[2]
    path = {"home": "index.html", "category": "kuaidibao/index.html",
            "story": f"kuaidibao/{entry_file(story.id)}"}[which]
    assert page.goto(base + path).ok
    # No horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    # The bar of categories: visible, every category on screen (it wraps, never scrolls).
    bar = page.locator("nav.bar")
    assert bar.is_visible()
    links = bar.locator("a")
    assert links.count() == len(CATEGORIES)
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= w
    # The Chinese text is drawn with real glyphs.
    glyphs = page.evaluate(_GLYPHS)
    assert all(ink > 0 for ink, _ in glyphs) and len({tuple(g) for g in glyphs}) == len(glyphs), glyphs
    assert page.locator("nav.crumbs").is_visible()
    if which == "story":
        assert page.locator("h1").inner_text() == story.title
        assert page.locator("p.original a").get_attribute("href") == f"https://kdb.example.cn/kuaidibao/{8 - 2}.html?id=6"
        assert page.locator("nav.prevnext a[rel=prev]").is_visible()
    folder = os.environ.get("FEEDHUB_SCREENSHOTS")
    if folder and which != "category":
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{which}-{w}.png"))
    page.close()
