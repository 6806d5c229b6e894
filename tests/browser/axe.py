"""Run axe-core (vendored, test-only) on a Playwright page and return its WCAG A/AA violations readably."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


async def violations(page: Page) -> list[str]:
    """One line per violation and node: rule, impact, CSS target and axe's summary of what is wrong.

    Opens every <details> on the page first, so call it last on a page, before moving on.
    """
    # The app's CSP (script-src 'self' + hashes) blocks an injected <script> tag, so add_script_tag would
    # fail; evaluating the file's text goes through the DevTools protocol, which CSP does not apply to.
    if not await page.evaluate("() => window.axe !== undefined"):
        await page.evaluate(_source())
    # Confirmation questions and folded sections live in <details>; axe skips hidden content, so open them.
    await page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true })")
    result: dict[str, Any] = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_A_AA,
    )
    lines = []
    for rule in result["violations"]:
        for node in rule["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"{rule['id']} ({rule['impact']}) {target}: {summary[:200]}")
    return lines
