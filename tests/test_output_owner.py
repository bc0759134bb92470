"""An output folder belongs to one site (issue #13): two configs publishing
to the same folder no longer replace each other's pages."""

from __future__ import annotations

from pathlib import Path

from builders import config_file
from feedhub.cli import main
from feedhub.config import load_config
from feedhub.publish.owner import MARKER, Owner, decide, stale_folders

REPO = Path(__file__).resolve().parents[1]


def rss(title: str, item: str) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://{title.lower()}.example/</link><description>d</description><item><title>{item}</title>"
            f"<link>https://{title.lower()}.example/1</link><guid>{title}-1</guid>"
            f"<description>Text of {item}.</description></item></channel></rss>")


def site(tmp_path: Path, name: str, category: str) -> Path:
    """A config of its own store (state/<name>.db) publishing to ../out."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "feed.xml").write_text(rss(name, f"Story of {name}"), encoding="utf-8")
    return config_file(folder, [{"name": name, "url": "feed.xml", "categories": [category]}],
                       site={"title": f"Site {name}", "base_url": f"https://{name}.example/", "language": "en"},
                       storage=f"sqlite:///state/{name}.db", output={"dir": "../out"}, categories=[{"name": category}])


def test_a_second_site_is_refused_in_one_line_and_can_take_the_folder_over(tmp_path, capsys):
    first, second = site(tmp_path, "Alpha", "World"), site(tmp_path, "Beta", "Tech")
    out = tmp_path / "out"
    assert main(["run", "--once", "--config", str(first)]) == 0
    capsys.readouterr()
    home = (out / "index.html").read_bytes()

    assert main(["run", "--once", "--config", str(second)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"output folder {out}" in err and "'Site Alpha'" in err and "--take-over-output" in err
    # Nothing of the first site changed, nothing of the second was written.
    assert (out / "index.html").read_bytes() == home and not (out / "tech").exists()

    assert main(["run", "--once", "--take-over-output", "--config", str(second)]) == 0
    assert "Story of Beta" in (out / "tech/atom.xml").read_text(encoding="utf-8")
    assert not (out / "world").exists(), "the previous site's category is gone"
    assert "Site Beta" in (out / "index.html").read_text(encoding="utf-8")
    assert Owner.from_json((out / MARKER).read_text(encoding="utf-8")).title == "Site Beta"

    # Now the first one is refused; taking the folder back publishes it
    # whole, although none of its sources changed since its last run.
    capsys.readouterr()
    assert main(["run", "--once", "--config", str(first)]) == 1
    assert "'Site Beta'" in capsys.readouterr().err
    assert main(["run", "--once", "--take-over-output", "--config", str(first)]) == 0
    assert "Story of Alpha" in (out / "world/atom.xml").read_text(encoding="utf-8")
    assert "Site Alpha" in (out / "index.html").read_text(encoding="utf-8") and not (out / "tech").exists()


def test_a_folder_without_a_marker_is_claimed(tmp_path):
    config = site(tmp_path, "Alpha", "World")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "robots.txt").write_text("User-agent: *\n")  # the user's own file stays
    assert main(["run", "--once", "--config", str(config)]) == 0
    assert (tmp_path / "out" / MARKER).is_file() and (tmp_path / "out" / "robots.txt").is_file()
    assert main(["run", "--once", "--config", str(config)]) == 0  # its own folder: no question asked


def test_the_bundled_configs_publish_to_folders_of_their_own():
    demo, template = load_config(REPO / "config/demo.yaml"), load_config(REPO / "config/feedhub.yaml")
    assert demo.output_dir != template.output_dir
    assert demo.storage_url != template.storage_url
    assert demo.output_dir == REPO / "output"  # where the README says the demo's feeds land


def test_decisions():
    assert decide(None, False, "me", take_over=False) == "claim"
    assert decide(Owner("me"), True, "me", take_over=False) == "ours"
    assert decide(Owner("other"), True, "me", take_over=False) == "refuse"
    assert decide(Owner("other"), True, "me", take_over=True) == "claim"
    assert decide(None, True, "me", take_over=False) == "refuse"  # a marker we cannot read is not ours
    assert Owner.from_json("not json") is None and Owner.from_json('{"title": "x"}') is None
    assert stale_folders(Owner("o", slugs=("world", "tech", "../etc", ".git", "")), {"tech"}) == ["world"]
