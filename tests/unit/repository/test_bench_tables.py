"""The benchmark's table rows: ratios against the bare route (req/s, and CPU as ours over the
bare route's), a p99 bound judged on the worst round, and the Flask ceiling against each peer."""

from __future__ import annotations

from bench.__main__ import Load, Round, _peer_row, _row


def _rounds() -> list[Round]:
    bare = [Load(10_000, 1, 5, 0, 100), Load(9_000, 1, 6, 0, 110), Load(11_000, 1, 4, 0, 90)]
    put = [Load(3_000, 2, 30, 0, 300), Load(3_100, 2, 70, 0, 310), Load(2_900, 2, 20, 0, 290)]
    single = [Load(6_000, 1, 8, 0, 150)] * 3
    wiremock = [Load(20_000, 1, 9, 0, 60)] * 3
    return [
        Round(b, {"put": p, "single": s}, peers={"WireMock 3.13.2": w})
        for b, p, s, w in zip(bare, put, single, wiremock, strict=True)
    ]


def test_a_row_gives_req_s_and_cpu_ratios_and_judges_p99_on_the_worst_round() -> None:
    row = _row("PUT own presence", _rounds(), "put", "p99 < 50 ms (worst {worst_p99})")
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[0] == "PUT own presence"
    assert cells[4] == "0.30x (0.26-0.34)"  # req/s over the bare route's, per round
    assert cells[6] == "3.00x"  # CPU per request, ours over the bare route's
    assert cells[7] == "p99 < 50 ms (worst 70.0)"  # the second round's 70 ms, not the median


def test_a_peer_row_shows_ours_and_the_bare_route_against_the_peer() -> None:
    cells = [c.strip() for c in _peer_row("WireMock 3.13.2", _rounds()).strip("|").split("|")]
    assert cells[4] == "0.30x (0.30-0.30)"  # our single GET over WireMock
    assert cells[5] == "0.50x (0.45-0.55)"  # the bare Flask route over WireMock: the ceiling
    assert cells[8] == ">= 0.7x"
