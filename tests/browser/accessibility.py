"""axe-core on a page the journeys reach: any serious or critical violation fails the test.

axe.min.js comes inside the axe-playwright-python package (nothing is fetched at run time);
it is injected into the page by Playwright, which the page's Content-Security-Policy does not
stop. A failure names the page, the rule, and where on the page it is broken.
"""

from __future__ import annotations

from urllib.parse import urlparse

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING = ("serious", "critical")
_axe = Axe()


def violations(page: Page) -> list[dict]:
    """axe's violations on the page as it is now (all impacts)."""
    return list(_axe.run(page).response.get("violations", []))


def readable(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:160]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page: Page, note: str = "") -> None:
    """No serious or critical axe violation on the page as it is now."""
    page.wait_for_load_state("domcontentloaded")
    found = violations(page)
    blocking = [v for v in found if v.get("impact") in BLOCKING]
    where = f"{urlparse(page.url).path} {note}".strip()
    assert not blocking, f"axe-core on {where}:\n{readable(blocking)}"
