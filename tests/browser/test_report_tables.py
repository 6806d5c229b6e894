"""Report tables on a 360 px phone: every column can be reached (the table fits, or it scrolls and shows the
shadow that says so), and no figure spills out of its card."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser

from app import clock
from tests.conftest import DEMO_PASSWORD, Stack
from tests.support import data

# For each table in the page: hidden columns only inside a scroll box that can scroll and shows its shadow.
# For each card: nothing wider than the card, unless an inner scroll box holds it.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const scroller = (el, stop) => {
    for (let box = el.parentElement; box && box !== stop; box = box.parentElement) {
      if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(box).overflowX)) return box;
    }
    return null;
  };
  const problems = [];
  for (const table of document.querySelectorAll("main table")) {
    const cells = [...table.querySelectorAll("th, td")];
    const box = scroller(table, document.body);
    const right = box ? Math.min(width, box.getBoundingClientRect().right) : width;
    const hidden = cells.filter(c => {
      const r = c.getBoundingClientRect();
      return r.left < -0.5 || r.right > right + 0.5;
    });
    if (!hidden.length) continue;
    const style = box && getComputedStyle(box);
    const scrolls = box && box.scrollWidth > box.clientWidth && ["auto", "scroll"].includes(style.overflowX);
    const cue = box && style.backgroundImage.includes("gradient");
    const name = table.id || cells[0].textContent.trim();
    if (!scrolls || !cue) problems.push(`table ${name}: ${hidden.length} cells hidden without a scroll shadow`);
  }
  for (const card of document.querySelectorAll("main .card")) {
    const edge = card.getBoundingClientRect();
    const spilled = [...card.querySelectorAll("*")].filter(el => {
      const r = el.getBoundingClientRect();
      if (!r.width || (r.right <= edge.right + 0.5 && r.left >= edge.left - 0.5)) return false;
      return scroller(el, card) === null;
    });
    if (card.scrollWidth > card.clientWidth || spilled.length) {
      problems.push(`card "${card.textContent.trim().slice(0, 40)}" overflows`);
    }
  }
  return problems;
}"""


async def _problems(browser: Browser, stack: Stack, phone: str | None, path: str) -> list[Any]:
    context = await browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="id-ID"
    )
    page = await context.new_page()
    if phone:
        await page.goto(stack.url + "/masuk")
        await page.fill("#phone", phone)
        await page.fill("#password", DEMO_PASSWORD)
        async with page.expect_navigation():
            await page.click("main button[type=submit]")
    response = await page.goto(stack.url + path)
    assert response is not None and response.status == 200, path
    found: list[Any] = await page.evaluate(MEASURE)
    await context.close()
    return found


async def test_report_tables_show_every_column_on_a_phone(stack: Stack, browser: Browser) -> None:
    coop = await data.cooperative(stack.db, "lok-baintan")
    # The demo's last full month: every table has rows.
    month = clock.period_containing("month", clock.local_today(coop)).previous().key
    pages = [
        (None, "/provinsi"),
        ("081200009001", f"/k/lok-baintan/laporan?bulan={month}"),
        ("081200009001", "/k/lok-baintan/keuangan"),
        ("081200001001", f"/produsen/tagihan?jenis=bulan&periode={month}"),
    ]
    problems = {path: await _problems(browser, stack, phone, path) for phone, path in pages}
    assert problems == {path: [] for _, path in pages}
