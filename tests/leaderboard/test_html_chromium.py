"""The HTML leaderboard opened in a real headless Chromium: it renders offline and shows what matters."""

from __future__ import annotations

import html as markup
import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest

from farm.leaderboard import build_leaderboard
from farm.leaderboard.html import render_html
from farm.store import LocalStore
from tests.chromium import chromium
from tests.leaderboard.scenario import (
    DEEPSEEK,
    LATER,
    LOCAL,
    NANO,
    NANO_BASE,
    NANO_TERSE,
    QWEN,
    QWEN_BASE,
    QWEN_PROVIDER,
    QWEN_TERSE,
    REPEATED,
    SECOND_PROVIDER,
)

WIDTH, HEIGHT = 1280, 900
# A page with one heading screenshots to about 6 kB at this size; the leaderboard to well over 100 kB.
MIN_PNG_BYTES = 50_000


@pytest.fixture(scope="module")
def pages(rounds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """The December round's page, and the page of the round of repeats under variants."""
    work = tmp_path_factory.mktemp("html")
    rendered = {}
    for round_id in (LATER, REPEATED):
        html = work / f"{round_id}.html"
        html.write_text(render_html(build_leaderboard(LocalStore(rounds_dir), round_id)), encoding="utf-8")
        rendered[round_id] = html, html.read_text(encoding="utf-8")
    return rendered


@pytest.fixture(scope="module")
def page(pages: dict[str, tuple[Path, str]]) -> tuple[Path, str]:
    return pages[LATER]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("round_id", [LATER, REPEATED])
def test_page_is_self_contained(pages: dict[str, tuple[Path, str]], round_id: str) -> None:
    _, text = pages[round_id]
    assert "<script" not in text.lower()
    assert not re.search(r"""(?:src|href)\s*=|url\(|@import""", text), "the page must not load anything"


def test_screenshot_renders_the_page(page: tuple[Path, str], tmp_path: Path) -> None:
    html, _ = page
    shot = tmp_path / "leaderboard.png"
    run = chromium([f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", html.as_uri()], tmp_path / "profile")
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    data = shot.read_bytes()
    assert png_size(data) == (WIDTH, HEIGHT)
    assert len(data) > MIN_PNG_BYTES, f"screenshot is only {len(data)} bytes: the page looks empty"


def test_dumped_dom_shows_models_totals_and_incomplete_runs(page: tuple[Path, str], tmp_path: Path) -> None:
    html, _ = page
    run = chromium(["--dump-dom", html.as_uri()], tmp_path / "profile")
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    assert f"Leaderboard — round {LATER}" in dom
    rows = re.findall(r'<td class="rank">(\d|—)</td>\s*<td class="group">(\d|—)</td>\s*<td><div class="model">([^<]+)</div>',
                      dom)
    assert rows == [("1", "1", QWEN), ("2", "1", NANO), ("—", "—", DEEPSEEK), ("—", "—", LOCAL)]
    totals = re.findall(r'<span class="total">([^<]+)</span>', dom)
    assert totals == ["85.0", "85.0", "0.0", "—"]
    assert dom.index("Not ranked") > dom.index(NANO) and dom.count('<tr class="unranked">') == 2
    assert "⚠ unranked: 1 of 2 runs not scored: reddit (infra)" in dom
    assert "⚠ unranked: 2 of 2 runs not scored: todo (budget), reddit (not finished)" in dom
    assert dom.count('class="proj incomplete"') == 3
    assert "How to read this" in dom and "profile benchfarm-2026.12" in dom
    assert "4 models" in dom and "2 projects: todo, reddit" in dom
    assert re.search(rf'<td class="model">{re.escape(LOCAL)}</td><td class="model">qwen3-coder-30b-a3b</td>', dom)



def test_dumped_dom_shows_each_backend_live_and_why_it_failed_on_hover(page: tuple[Path, str], tmp_path: Path) -> None:
    html, _ = page
    run = chromium(["--dump-dom", html.as_uri()], tmp_path / "profile")
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    golden = re.findall(r'<td class="golden"><span class="val">([^<]+)</span>', dom)
    assert golden == ["0.0% (1 run)", "75.5% (2 runs)", "not verified", "not verified"]  # in ranking order
    table = dom[dom.index('<table class="runtime">'):]
    table = table[:table.index("</table>")]
    headers = re.findall(r"<th[^>]*>([^<]+)</th>", table)
    assert headers == ["Model", "Run", "Seed", "Boots", "Golden", "auth", "crud", "query", "negative", "workflow", "E2E"]
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    nano_todo = rows[2]
    assert nano_todo == [NANO, "todo", "0", "yes", "27/33 · 81.8%", "3/3 · 100.0%", "7/7 · 100.0%", "7/7 · 100.0%",
                         "6/10 · 60.0%", "4/6 · 66.7%", "16/16 · 100.0%"]
    assert [row[-8:-6] for row in rows] == [["no", "0.0%"], ["—", "not verified"], ["yes", "27/33 · 81.8%"],
                                            ["yes", "9/13 · 69.2%"], *[["—", "not verified"]] * 4]
    # The model's failure is marked as such, its reason on hover and listed under the table; the farm's apart.
    assert '<td class="center rt-failed" title="runtime_failed: build: the code does not compile">no</td>' in table
    assert '<td class="center rt-infra" title="infra: install: npm registry unreachable">—</td>' in table
    assert (f'<span class="model">{QWEN}</span> × todo (seed 0): '
            '<span class="rt-failed">runtime_failed: build: the code does not compile</span>') in dom
    assert "a run without runtime.json is not verified, never a 0" in dom


# Injected into a copy of the page (the page itself has no script): once it has loaded, it measures what
# was laid out and writes it into the DOM as JSON, where --dump-dom finds it. It logs nothing, so any
# console message comes from the page.
PROBE = """<script>
addEventListener("load", () => {
  const all = (selector) => [...document.querySelectorAll(selector)];
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const size = (el) => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  const main = document.querySelector("main"), ranking = document.querySelector("table.ranking");
  const svg = document.querySelector("svg.scatter");
  const report = {
    viewport: innerWidth,
    documentWidth: document.documentElement.scrollWidth,
    contentRight: main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight),
    rankingRight: ranking.getBoundingClientRect().right,
    overflowingCells: all("table.ranking td").filter((td) => td.scrollWidth > td.clientWidth + 1)
      .map((td) => td.textContent.trim()),
    bars: all("table.ranking .ibar").map(size),
    intervals: all("table.ranking .ibar .ci").map(size),
    means: all("table.ranking .ibar .mean").map(size),
    scatter: svg && box(svg),
    points: all("svg.scatter g.point").map((g) => ({
      pareto: g.classList.contains("pareto"), marker: size(g.querySelector("circle.pt")),
      errorBars: g.querySelectorAll("line.err").length, label: g.querySelector("text.label").textContent,
      labelBox: box(g.querySelector("text.label"))})),
    front: all("svg.scatter polyline.front").map(size),
  };
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(report);
  document.body.append(out);
});
</script>"""


def measure(html: Path, tmp_path: Path) -> tuple[dict[str, Any], list[str]]:
    """Lay the page out at the screenshot's size: the probe's measurements and the console's messages."""
    probed = tmp_path / html.name
    probed.write_text(html.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    run = chromium(["--dump-dom", "--enable-logging=stderr", "--v=0", f"--window-size={WIDTH},{HEIGHT}",
                    probed.as_uri()], tmp_path / "profile")
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found, "the probe did not run"
    return json.loads(markup.unescape(found.group(1))), [line for line in run.stderr.splitlines() if ":CONSOLE" in line]


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize(("round_id", "totals"), [(LATER, 3), (REPEATED, 4)])  # LOCAL has no total in December
def test_the_ranking_fits_and_the_page_logs_nothing(pages: dict[str, tuple[Path, str]], round_id: str, totals: int,
                                                    tmp_path: Path) -> None:
    report, console = measure(pages[round_id][0], tmp_path)
    assert console == [], "the page logged to the console"
    assert report["documentWidth"] <= report["viewport"], "the page scrolls sideways"
    assert report["rankingRight"] <= report["contentRight"] + 0.5, "the ranking overflows the page"
    assert report["overflowingCells"] == []
    # Every contestant's total has its bar, and each mean its marker.
    assert (len(report["bars"]), len(report["means"])) == (4, totals)
    assert all(width > 0 and height > 0 for width, height in report["bars"] + report["means"])


def test_interval_bars_and_the_scatter_render(pages: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    report, _ = measure(pages[REPEATED][0], tmp_path)
    # Each total's 95% interval is drawn on its bar.
    assert len(report["intervals"]) == 4 and all(width > 0 and height > 0 for width, height in report["intervals"])
    left, top, right, bottom = report["scatter"]
    assert right - left > 400 and bottom - top > 150
    points = {point["label"]: point for point in report["points"]}
    assert set(points) == {QWEN_TERSE, QWEN_BASE, NANO_BASE, NANO_TERSE}
    assert {label for label, point in points.items() if point["pareto"]} == {QWEN_TERSE, QWEN_BASE, NANO_BASE}
    for point in points.values():
        assert point["marker"][0] > 0 and point["marker"][1] > 0
        assert point["errorBars"] == 3  # the interval and its two caps
        label = point["labelBox"]
        assert left <= label[0] and label[2] <= right and top <= label[1] and label[3] <= bottom, point["label"]
    labels = [point["labelBox"] for point in points.values()]
    assert not any(overlap(a, b) for i, a in enumerate(labels) for b in labels[i + 1:]), "scatter labels overlap"
    # The front joins its three contestants: a line with a length.
    assert len(report["front"]) == 1 and report["front"][0][0] > 0


def test_dumped_dom_shows_groups_runs_flags_and_variants(pages: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    html, _ = pages[REPEATED]
    run = chromium(["--dump-dom", html.as_uri()], tmp_path / "profile")
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    rows = re.findall(r'<td class="rank">(\d)</td>\s*<td class="group">(\d)</td>\s*<td><div class="model">([^<]+)</div>', dom)
    assert rows == [("1", "1", QWEN_TERSE), ("2", "2", QWEN_BASE), ("3", "2", NANO_BASE), ("4", "3", NANO_TERSE)]
    assert f'<span class="badge flag">⚠ served by 2 providers: {QWEN_PROVIDER}, {SECOND_PROVIDER}</span>' in dom
    totals = [float(total) for total in re.findall(r'<span class="total">([^<]+)</span>', dom)]
    intervals = [(float(low), float(high)) for low, high in re.findall(r'<div class="ci-text">\[([\d.]+), ([\d.]+)\]</div>', dom)]
    assert totals == [89.0, 81.0, 80.0, 61.0]
    assert len(intervals) == 4 and all(low < total < high for total, (low, high) in zip(totals, intervals, strict=True))
    assert '<span class="score">82.0</span>' in dom and "<span>80</span> / <span>84</span> / <span>82</span>" in dom
    assert "<b>3</b> runs per project" in dom and "variants: <b>base, terse</b>" in dom and "4 contestants" in dom
    assert "hot and impatient (temperature 0.8, retry validation 1)" in dom
    effects = dom[dom.index('<table class="effects">'):]
    assert re.search(rf'{re.escape(QWEN)}</td><td>terse vs base</td>\s*<td class="num up">\+8\.0 \[', effects)
    assert re.search(rf'{re.escape(NANO)}</td><td>terse vs base</td>\s*<td class="num down">-19\.0 \[', effects)
    assert "<td>todo~3</td><td class=\"num\">2</td>" in dom
