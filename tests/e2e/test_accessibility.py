"""Accessibility of the main pages: axe-core (vendored, injected only here) finds no moderate,
serious or critical violation (minor ones are printed for review); the skip link, focus order,
keyboard use and ``lang`` work; every page is also photographed at phone width."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import Journey

pytestmark = pytest.mark.browser
AXE = "/static/vendor/axe-core/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("moderate", "serious", "critical")
REPORTED = ("minor",)
PHONE = {"width": 390, "height": 844}


def _violations(j: Journey, impacts: tuple[str, ...]) -> list[dict[str, Any]]:
    """Axe findings of the given impacts on the current page (axe loaded from our own origin)."""
    if not j.page.evaluate("typeof window.axe !== 'undefined'"):
        j.page.add_script_tag(url=j.base + AXE)
    result: dict[str, Any] = j.page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def _check(j: Journey, label: str) -> list[str]:
    """The page's blocking findings, described; minor ones are printed, not returned."""
    j.page.wait_for_load_state("networkidle")
    assert j.page.locator("html").get_attribute("lang") in ("zh-CN", "en")
    found = _violations(j, BLOCKING + REPORTED)
    for minor in (v for v in found if v["impact"] in REPORTED):
        print(f"axe minor finding (not failing) on {label}: {minor}")
    j.shot(label)
    return [f"{label}: {v}" for v in found if v["impact"] in BLOCKING]


def _public_paths(j: Journey) -> dict[str, str]:
    j.goto("/datasets?q=公交")
    href = j.page.locator(".result-card a[href^='/datasets/']").first.get_attribute("href")
    return {
        "home": "/",
        "search": "/datasets?q=公交",
        "dataset": str(href),
        "login": "/login",
        "feedback": f"/feedback/new?dataset={str(href).rsplit('/', 1)[1]}&kind=error_report",
        "apps": "/apps",
    }


def _workbench_paths(j: Journey) -> dict[str, str]:
    j.sign_in("officer", "demo-officer-pass")
    j.goto("/workbench")
    href = j.page.locator("a[href^='/workbench/datasets/']:not([href$='/new'])").first
    dataset = re.search(r"/workbench/datasets/(\d+)", href.get_attribute("href") or "")
    assert dataset, "the officer's workbench lists no dataset"
    return {
        "workbench": "/workbench",
        "workbench-edit": f"/workbench/datasets/{dataset.group(1)}/edit",
        "feedback-queue": "/workbench/feedback",
    }


@pytest.mark.parametrize("width", [1280, PHONE["width"]], ids=["desktop", "phone"])
def test_public_pages_have_no_moderate_or_worse_violations(
    server: str, browser: object, width: int
) -> None:
    name = "a11y" if width > PHONE["width"] else "a11y-phone"
    j = Journey(browser, server, name, width=width, height=900 if width > 400 else PHONE["height"])
    blocking = []
    for label, path in _public_paths(j).items():
        j.goto(path)
        blocking += _check(j, label)
    j.close()
    assert blocking == []


@pytest.mark.parametrize("width", [1280, PHONE["width"]], ids=["desktop", "phone"])
def test_workbench_pages_have_no_moderate_or_worse_violations(
    server: str, browser: object, width: int
) -> None:
    name = "a11y-officer" if width > PHONE["width"] else "a11y-officer-phone"
    j = Journey(browser, server, name, width=width, height=900 if width > 400 else PHONE["height"])
    blocking = []
    for label, path in _workbench_paths(j).items():
        j.goto(path)
        blocking += _check(j, label)
    j.close()
    assert blocking == []


def test_keyboard_reaches_the_search_through_the_skip_link(server: str, browser: object) -> None:
    j = Journey(browser, server, "keyboard")
    j.goto("/")
    j.page.keyboard.press("Tab")
    focused = j.page.evaluate("document.activeElement.className")
    assert "skip-link" in focused and j.page.locator(".skip-link").is_visible()
    j.page.keyboard.press("Enter")
    assert j.page.evaluate("document.activeElement.id") == "main"
    j.page.keyboard.press("Tab")
    assert j.page.evaluate("document.activeElement.id") == "q"
    j.page.keyboard.type("公交")
    with j.page.expect_navigation():
        j.page.keyboard.press("Enter")
    assert "/datasets?q=" in j.page.url
    j.shot("search-by-keyboard")
    j.close()


def test_english_pages_declare_english(server: str, browser: object) -> None:
    j = Journey(browser, server, "lang")
    j.goto("/?lang=en")
    assert j.page.locator("html").get_attribute("lang") == "en"
    chinese = j.page.locator("[lang='zh-CN']")
    assert chinese.count() > 0  # Chinese titles keep their own language on English pages
    j.close()
