"""The pages bench's arithmetic: which time it reports, its percentiles, what counts as broken."""

from baro.bench.pages import (
    Page,
    PagesBenchConfig,
    PageTally,
    percentile,
    report,
    server_time_ms,
    summarise,
)

HOME = Page("storefront home", "/", "baro_session=t")


def tally_of(*responses: tuple[int, float, str | None], page: Page = HOME) -> PageTally:
    tally = PageTally(page)
    for status, client_ms, timing in responses:
        tally.record(status, client_ms, timing)
    return tally


def test_server_time_is_the_longest_duration_of_the_header():
    assert server_time_ms('app;dur=12.5, db;desc="queries";dur=3') == 12.5
    assert server_time_ms("db;dur=3,total;dur=40") == 40.0


def test_a_header_without_durations_gives_no_server_time():
    assert server_time_ms(None) is None
    assert server_time_ms("") is None
    assert server_time_ms("cache;desc=hit") is None


def test_percentiles_interpolate_between_samples():
    values = [float(v) for v in range(1, 101)]  # 1 .. 100
    assert percentile(values, 50) == 50.5
    assert percentile(values, 95) == 95.05
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 95) is None


def test_server_timing_is_reported_when_every_response_carries_it():
    tally = tally_of((200, 30.0, "app;dur=4"), (200, 32.0, "app;dur=6"))

    figures = summarise(tally)

    assert figures["timing"] == "server-timing"
    assert figures["p50_ms"] == 5.0
    assert figures["client_p95_ms"] == 31.9


def test_client_latency_is_reported_when_a_response_lacks_server_timing():
    tally = tally_of((200, 30.0, "app;dur=4"), (200, 50.0, None))

    figures = summarise(tally)

    assert figures["timing"] == "client"
    assert figures["p50_ms"] == 40.0


def test_statuses_are_counted_and_server_errors_summed():
    tally = tally_of((200, 10.0, None), (200, 12.0, None), (503, 90.0, None), (500, 5.0, None))

    figures = summarise(tally)

    assert figures["status_counts"] == {"200": 2, "500": 1, "503": 1}
    assert figures["errors_5xx"] == 2
    assert figures["requests"] == 4


def test_the_target_is_a_p95_under_100_ms():
    assert summarise(tally_of((200, 99.9, None)))["meets_target"] is True
    assert summarise(tally_of((200, 100.0, None)))["meets_target"] is False


def test_report_names_slow_pages_and_pages_that_never_answered_200():
    slow = tally_of((200, 150.0, None), page=Page("search", "/search?q=a", "c"))
    redirected = tally_of((303, 2.0, None), page=Page("orders", "/orders", "c"))
    broken = tally_of((200, 3.0, None), (500, 3.0, None), page=Page("cart", "/cart", "c"))

    result = report([slow, redirected, broken], PagesBenchConfig(), "sqlite")

    assert result["pages_over_target"] == ["search"]
    assert result["pages_without_200"] == ["orders"]
    assert result["errors_5xx"] == 1
    assert list(result["pages"]) == ["search", "orders", "cart"]
