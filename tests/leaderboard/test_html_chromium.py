"""The HTML leaderboard opened in a real headless Chromium: it renders offline and shows what matters."""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
from pathlib import Path

import pytest

from farm.leaderboard import build_leaderboard
from farm.leaderboard.html import render_html
from farm.store import LocalStore
from tests.leaderboard.scenario import DEEPSEEK, LATER, LOCAL, NANO, QWEN

CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1280, 900
# A page with one heading screenshots to about 6 kB at this size; the leaderboard to well over 100 kB.
MIN_PNG_BYTES = 50_000


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium in its own process group, and make sure nothing of it outlives the call."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/setup --test, scripts/test-packages.txt)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}"]
    proc = subprocess.Popen([CHROMIUM, *flags, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=90)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # helpers (zygote, crashpad) share the group
        except ProcessLookupError:
            pass
        proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(scope="module")
def page(rounds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    work = tmp_path_factory.mktemp("html")
    html = work / "leaderboard.html"
    html.write_text(render_html(build_leaderboard(LocalStore(rounds_dir), LATER)), encoding="utf-8")
    return html, html.read_text(encoding="utf-8")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_page_is_self_contained(page: tuple[Path, str]) -> None:
    _, text = page
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
    rows = re.findall(r'<td class="rank">(\d|—)</td>\s*<td><div class="model">([^<]+)</div>', dom)
    assert rows == [("1", QWEN), ("2", NANO), ("—", DEEPSEEK), ("—", LOCAL)]
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
    assert headers == ["Model", "Project", "Boots", "Golden", "auth", "crud", "query", "negative", "workflow", "E2E"]
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    nano_todo = rows[2]
    assert nano_todo == [NANO, "todo", "yes", "27/33 · 81.8%", "3/3 · 100.0%", "7/7 · 100.0%", "7/7 · 100.0%",
                         "6/10 · 60.0%", "4/6 · 66.7%", "16/16 · 100.0%"]
    assert [row[-8:-6] for row in rows] == [["no", "0.0%"], ["—", "not verified"], ["yes", "27/33 · 81.8%"],
                                            ["yes", "9/13 · 69.2%"], *[["—", "not verified"]] * 4]
    # The model's failure is marked as such, its reason on hover and listed under the table; the farm's apart.
    assert '<td class="center rt-failed" title="runtime_failed: build: the code does not compile">no</td>' in table
    assert '<td class="center rt-infra" title="infra: install: npm registry unreachable">—</td>' in table
    assert (f'<span class="model">{QWEN}</span> × todo: '
            '<span class="rt-failed">runtime_failed: build: the code does not compile</span>') in dom
    assert "a run without runtime.json is not verified, never a 0" in dom
