"""A CCV shop's daemon runs a scheduler too: Pay.'s daily import, nothing Shopify's."""

from __future__ import annotations

import pytest

from daemon.config import load_settings
from daemon.context import Services
from daemon.flows import background_tasks
from daemon.schedule import UnknownSchedule, schedules_from
from state.db import Database
from state.queue import Queue
from tests.support.daemon_proc import write_config

CCV = {"api_root": "http://127.0.0.1:9", "public_key": "p", "secret": "s"}
PAYNL = {"at_code": "AT-0000-0001", "api_token": "paynl0token", "api_url": "http://127.0.0.1:9"}


def ccv_settings(tmp_path, **more):
    return load_settings(write_config(tmp_path, shop={"platform": "ccvshop"}, ccvshop=CCV, **more))


def test_a_ccv_shop_schedules_only_the_pay_import(tmp_path):
    with_pay = ccv_settings(tmp_path, paynl=PAYNL, stock={"enabled": True})
    assert [(s.name, s.kind) for s in schedules_from(with_pay)] == [("paynl", "paynl.import")]
    assert schedules_from(ccv_settings(tmp_path)) == []  # no Shopify payouts or gift cards


@pytest.mark.anyio
async def test_run_now_paynl_works_in_a_ccv_shops_daemon(tmp_path):
    settings = ccv_settings(tmp_path, paynl=PAYNL)
    db = await Database.open(tmp_path / "shopsync.db")
    try:
        services = Services(settings=settings, db=db, queue=Queue(db))
        background_tasks(services)  # what the supervisor starts: the scheduler among them
        scheduler = services.extras["scheduler"]
        await scheduler.resolve_zone()  # no Shopify to ask: the default zone, no error
        assert str(scheduler.zone) == "Europe/Amsterdam"
        job_id = await scheduler.run_now("paynl")
        job = await services.queue.get(job_id)
        assert job.kind == "paynl.import"
        with pytest.raises(UnknownSchedule, match="known: paynl"):
            await scheduler.run_now("payouts")
    finally:
        await db.close()
