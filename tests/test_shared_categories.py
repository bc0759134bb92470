"""Near-duplicate detection runs only in categories two sources can feed."""

from feedhub.config import load_config
from feedhub.merge.apply import shared_categories


def test_shared_categories(tmp_path):
    path = tmp_path / "feedhub.yaml"
    path.write_text("""
implicit_categories: true
categories:
  - {name: Topic, include: [express]}
  - {name: OnlyA, include: [x], from: [a]}
sources:
  - {name: a, url: "https://a.example/", categories: [Mine, Both]}
  - {name: b, url: "https://b.example/", categories: [Both]}
  - {name: c, url: "https://c.example/", categories: [Alone]}
""", encoding="utf-8")
    assert shared_categories(load_config(path)) == {"Both", "Topic"}
