"""The services a flow handler gets: config, database, queue, stores, clients, events."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from daemon.config import Settings
from daemon.events import EventBus
from state.db import Database
from state.intents import Intents
from state.queue import Queue
from state.store import Cursors, Flows, Links


@dataclass
class Services:
    settings: Settings
    db: Database
    queue: Queue
    events: EventBus = field(default_factory=EventBus)
    started_at: float = field(default_factory=time.time)
    shopify: Any = None  # connectors.shopify client, when the flow needs it
    exact: Any = None  # connectors.exact client
    ccvshop: Any = None  # connectors.ccvshop client, for a CCV Shop instead of Shopify
    paynl: Any = None  # connectors.paynl client, when Pay. settlements are imported
    extras: dict[str, Any] = field(default_factory=dict)  # per-flow state (caches, stats)

    def __post_init__(self) -> None:
        self.links = Links(self.db)
        self.cursors = Cursors(self.db)
        self.flows = Flows(self.db)
        self.intents = Intents(self.db)
