"""The acceptance DSL's search for the end of the event log (``Shop.last_event_seq``), run
against a fake feed: short and long histories, gaps in the seqs, and a known seq to start at."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.acceptance.driver import Reply
from tests.acceptance.dsl import EVENT_PAGE, Shop


class FakeFeed:
    """Answers ``GET /events?after=&limit=`` from a list of seqs, counting the requests."""

    def __init__(self, seqs: list[int]) -> None:
        self.seqs = seqs
        self.requests = 0

    def send(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        self.requests += 1
        query = parse_qs(urlsplit(target).query)
        after, limit = int(query["after"][0]), int(query["limit"][0])
        page = [{"seq": seq} for seq in self.seqs if seq > after][:limit]
        body = json.dumps({"events": page}).encode()
        return Reply(method, target, 200, {"content-type": "application/json"}, body)


@pytest.mark.parametrize(
    "seqs",
    [
        [],
        [1, 2, 3],
        [5, 9, 40],  # gaps, as the spec allows
        list(range(1, 3 * EVENT_PAGE)),
        list(range(7, 20 * EVENT_PAGE, 3)),
    ],
    ids=["none", "three", "gaps", "long", "long-with-gaps"],
)
def test_the_search_finds_the_last_seq(seqs: list[int]) -> None:
    assert Shop(FakeFeed(seqs)).events_mark == (seqs[-1] if seqs else 0)


def test_the_search_finds_every_end_beyond_the_first_page() -> None:
    for extra in range(1, 70):  # every place the end can fall among galloping's probes
        seqs = list(range(1, EVENT_PAGE + extra + 1))
        assert Shop(FakeFeed(seqs)).events_mark == seqs[-1], extra


def test_a_known_seq_makes_the_search_one_request_after_a_long_history() -> None:
    history = list(range(1, 20 * EVENT_PAGE))
    feed = FakeFeed([*history, len(history) + 4])
    shop = Shop(feed, known_seq=history[-10])

    assert shop.events_mark == len(history) + 4
    assert feed.requests == 1


def test_later_searches_start_from_the_shop_s_mark() -> None:
    feed = FakeFeed(list(range(1, 4 * EVENT_PAGE)))
    shop = Shop(feed)
    feed.seqs.append(feed.seqs[-1] + 2)
    feed.requests = 0

    assert shop.last_event_seq() == feed.seqs[-1]
    assert feed.requests == 1
