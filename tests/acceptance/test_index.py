"""GET / and GET /openapi.yaml (spec §5): the service names itself, links every path of the
contract, and serves the contract it keeps."""

from __future__ import annotations

from functools import cache
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.acceptance.conftest import Target
from tests.acceptance.contract import SPEC_FILE, load_yaml
from tests.acceptance.dsl import Shop
from tests.acceptance.expectations import body_of, expect_problem, expect_status

# What a browser sends (Firefox's default for a page).
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@cache
def documented() -> dict[str, Any]:
    """docs/openapi.yaml, the document the suite checks every reply against."""
    loaded: dict[str, Any] = load_yaml(SPEC_FILE.read_text(encoding="utf-8"))
    return loaded


def documented_paths() -> set[str]:
    return set(documented()["paths"])


def expect_variant_name(name: Any, target: Target) -> None:
    if target.variant is None:  # a live server known only by its URL: any name will do
        assert isinstance(name, str), f"no variant name: {name!r}"
        assert name, "the variant name is empty"
    else:
        assert name == target.variant


class _Page(HTMLParser):
    """The link targets and the text of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.hrefs: set[str] = set()
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs |= {value for name, value in attrs if name == "href" and value}

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.rule("http")
@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
def test_the_index_names_the_variant_and_links_every_path(
    shop: Shop, target: Target, accept: str | None
) -> None:
    reply = shop.request("GET", "/", headers={"Accept": accept} if accept else None)

    body = body_of(reply, 200)
    assert reply.content_type == "application/json", str(reply)
    expect_variant_name(body["variant"], target)
    links = body["links"]
    assert set(links.values()) == documented_paths(), str(reply)
    assert {"/", "/openapi.yaml", "/health", "/orders/{id}/lines/{sku}"} <= set(links.values())


@pytest.mark.rule("http")
def test_a_browser_gets_the_index_as_a_page_of_links(shop: Shop, target: Target) -> None:
    reply = expect_status(shop.request("GET", "/", headers={"Accept": BROWSER_ACCEPT}), 200)

    assert reply.content_type == "text/html", str(reply)
    page = _Page(reply.body.decode("utf-8"))
    assert documented_paths() <= page.hrefs, str(reply)
    if target.variant is not None:
        assert target.variant in "".join(page.text), str(reply)


@pytest.mark.rule("http")
def test_the_index_answers_each_kind_of_client_in_its_own_format(shop: Shop) -> None:
    as_json = shop.request("GET", "/", headers={"Accept": "application/json"})
    as_page = shop.request("GET", "/", headers={"Accept": BROWSER_ACCEPT})

    assert (as_json.content_type, as_page.content_type) == ("application/json", "text/html")
    assert "accept" in as_json.headers.get("vary", "").lower(), str(as_json)
    assert "accept" in as_page.headers.get("vary", "").lower(), str(as_page)


@pytest.mark.rule("http")
def test_the_service_serves_the_contract_the_suite_checks_it_against(shop: Shop) -> None:
    reply = expect_status(shop.request("GET", "/openapi.yaml"), 200)

    assert reply.content_type == "application/yaml", str(reply)
    assert load_yaml(reply.body.decode("utf-8")) == documented()


@pytest.mark.rule("http")
def test_head_of_the_contract_has_its_status_and_no_body(shop: Shop) -> None:
    reply = expect_status(shop.request("HEAD", "/openapi.yaml"), 200)

    assert reply.body == b""


@pytest.mark.rule("http")
@pytest.mark.parametrize("path", ["/", "/openapi.yaml"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_the_index_and_the_contract_are_read_only(shop: Shop, path: str, method: str) -> None:
    reply = shop.request(method, path, {})

    expect_problem(reply, 405, "method-not-allowed")
    assert "GET" in reply.headers.get("allow", ""), str(reply)
