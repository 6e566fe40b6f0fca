"""What a digest carries and when it is due: new, repeats, resolutions, group wait (pure)."""

from __future__ import annotations

import pytest

from daemon.alerts.digest import AlertRow, body, digest_key, plan_digest, subject

T = 1_795_000_000.0
HOUR = 3600.0


def _row(fp: str, **kw) -> AlertRow:
    base = {
        "fingerprint": fp,
        "rule": "dead_job",
        "summary": f"{fp} failed",
        "detail": "Error: exact: item missing\nWhat to do: create the item",
        "state": "open",
        "first_seen": T,
        "last_seen": T,
        "last_sent": None,
        "resolved_at": None,
        "resolved_sent": False,
    }
    return AlertRow(**{**base, **kw})


def _plan(rows, now, in_flight=frozenset(), group_wait=30.0):
    return plan_digest(rows, set(in_flight), now, repeat_interval=HOUR, group_wait=group_wait)


CASES = [
    ("new, inside the group wait", [_row("a")], T + 10, []),
    ("new, after the group wait", [_row("a")], T + 30, [("a", "new")]),
    ("sent, before the repeat", [_row("a", last_sent=T + 30)], T + HOUR, []),
    ("sent, repeat due", [_row("a", last_sent=T + 30)], T + 30 + HOUR + 30, [("a", "repeat")]),
    (
        "resolved after a mail",
        [_row("a", state="resolved", last_sent=T + 30, resolved_at=T + 600)],
        T + 630,
        [("a", "resolved")],
    ),
    (
        "resolved and told",
        [_row("a", state="resolved", last_sent=T, resolved_at=T + 9, resolved_sent=True)],
        T + HOUR * 5,
        [],
    ),
    (
        "one due notice carries the younger ones with it",
        [_row("old"), _row("young", first_seen=T + 25)],
        T + 31,
        [("old", "new"), ("young", "new")],
    ),
]


@pytest.mark.parametrize(
    ("rows", "now", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_digest_carries_what_is_due(rows, now, expected):
    plan = _plan(rows, now)
    assert [(n.fingerprint, n.kind) for n in plan.notices] == expected


def test_alerts_a_send_job_already_carries_are_left_alone():
    plan = _plan([_row("a"), _row("b")], T + HOUR, in_flight={"a"})
    assert [n.fingerprint for n in plan.notices] == ["b"]


def test_an_alert_that_came_and_went_inside_the_group_wait_is_closed_without_a_mail():
    gone = _row("a", state="resolved", resolved_at=T + 5)
    plan = _plan([gone], T + 60)
    assert plan.notices == []
    assert plan.never_mailed == ["a"]


def test_the_same_notices_always_give_the_same_key_and_new_news_a_new_one():
    first = _plan([_row("a"), _row("b")], T + 60)
    again = _plan([_row("b"), _row("a")], T + 90)
    assert first.key == again.key == digest_key(first.notices)
    repeat = _plan([_row("a", last_sent=T + 60), _row("b", last_sent=T + 60)], T + 2 * HOUR)
    assert repeat.key != first.key


def test_a_digest_reads_new_first_then_still_open_then_resolved():
    rows = [
        _row("gone", state="resolved", last_sent=T, resolved_at=T + 100),
        _row("again", last_sent=T - HOUR),
        _row("fresh", first_seen=T + 50),
    ]
    notices = _plan(rows, T + 200).notices
    assert [n.kind for n in notices] == ["new", "repeat", "resolved"]
    assert subject(notices) == "[shopsync] alerts: 1 new, 1 still open, 1 resolved"
    text = body(notices, host="shop-server")
    assert text.index("== NEW (1) ==") < text.index("== STILL OPEN (1) ==")
    assert text.index("== STILL OPEN (1) ==") < text.index("== RESOLVED (1) ==")
    assert "What to do: create the item" in text
    assert "resolved 2026-" in text


def test_a_long_summary_is_cut_in_the_subject_and_kept_whole_in_the_body():
    long = _row("a", summary="orders.export order:1001:AMS failed: exact: " + "very long " * 20)
    notices = _plan([long], T + 60).notices
    assert len(subject(notices)) <= 69
    assert subject(notices).endswith("...")
    assert long.summary in body(notices, host="shop-server")
