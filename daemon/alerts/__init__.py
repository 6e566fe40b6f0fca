"""Operator alerts by email: rules over queue and flow state, digests, repeats and all-clears.

`rules` judges, `store` keeps alert state in the `alerts` table, `digest` decides what is due
and writes it, `mail` sends it from the durable `alerts.send` job, `evaluator` runs the loop.
"""

from __future__ import annotations

from daemon.alerts.evaluator import AlertEvaluator
from daemon.alerts.mail import send_alert_digest
from daemon.alerts.store import SEND_KIND

__all__ = ["SEND_KIND", "AlertEvaluator", "send_alert_digest"]
