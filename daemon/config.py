"""Settings: one TOML file, overridden by SHOPSYNC_* env vars, secrets from systemd credentials.

Precedence, strongest first: env vars (SHOPSYNC_SHOPIFY__API_VERSION=…), credential files in
$CREDENTIALS_DIRECTORY (LoadCredential=), the TOML file, defaults.
"""

from __future__ import annotations

import contextvars
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from connectors.exact.hosts import COUNTRY_HOSTS
from connectors.shopify.version import DEFAULT_API_VERSION

# Credential file name → the setting it fills (see systemd/shopsync.service LoadCredential=).
CREDENTIALS = {
    "shopify_client_id": ("shopify", "client_id"),
    "shopify_client_secret": ("shopify", "client_secret"),
    "shopify_access_token": ("shopify", "access_token"),
    "shopify_webhook_secret": ("shopify", "webhook_secret"),
    "ccvshop_secret": ("ccvshop", "secret"),
    "paynl_api_token": ("paynl", "api_token"),
    "exact_client_id": ("exact", "client_id"),
    "exact_client_secret": ("exact", "client_secret"),
    "exact_webhook_secret": ("exact", "webhook_secret"),
    "smtp_password": ("alerts", "smtp_password"),
}

EXACT_HOSTS = COUNTRY_HOSTS


class ConfigError(Exception):
    """The configuration cannot be used; `problems` has one line per key."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _state_dir() -> Path:
    return Path(os.environ.get("STATE_DIRECTORY", "var")).expanduser()


def _runtime_dir() -> Path:
    return Path(os.environ.get("RUNTIME_DIRECTORY", str(_state_dir()))).expanduser()


class Strict(BaseModel):
    model_config = {"extra": "forbid"}


class DaemonSettings(Strict):
    state_dir: Path = Field(default_factory=_state_dir)
    database: Path | None = None  # default: <state_dir>/shopsync.db
    workers: int = Field(4, ge=1, le=64)
    grace_period: float = Field(30.0, ge=0, le=600)
    job_timeout: float = Field(300.0, gt=0, le=3600)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"

    @property
    def database_path(self) -> Path:
        return self.database or self.state_dir / "shopsync.db"


class QueueSettings(Strict):
    max_attempts: int = Field(12, ge=1, le=100)
    backoff_base: float = Field(10.0, gt=0)
    backoff_cap: float = Field(6 * 3600.0, gt=0)
    lease: float = Field(600.0, gt=0)
    retention_days: float = Field(30.0, gt=0)
    receipt_retention_days: float = Field(30.0, gt=0)


class IngressSettings(Strict):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    max_body_bytes: int = Field(1_048_576, ge=1024)
    # The https URL Shopify and Exact call (your reverse proxy); used for webhook subscriptions.
    public_url: str | None = None


class ControlSettings(Strict):
    socket: Path = Field(default_factory=lambda: _runtime_dir() / "shopsync.sock")


class ShopifySettings(Strict):
    """How shopsync reaches the shop; see README "Connect Shopify".

    `auth`: `client_credentials` (a Dev Dashboard app of your own organization: client id and
    secret, tokens renewed daily), `authorization_code` (an app of another organization:
    `shopsync auth shopify` stores the token) or `access_token` (a static token of an app made
    in the Shopify admin before 2026). Unset: `access_token` when only an access token is
    configured (existing setups keep working), else `client_credentials`.

    `webhook_key`: which secret signs Shopify's webhooks. Dev Dashboard apps sign with their
    client secret (`client_secret`, the default for the first two modes: one credential file);
    an admin-created app has its own API secret key (`webhook_secret`).
    """

    shop_url: str = Field(description="https://NAME.myshopify.com")
    # The Admin API version asked for; the default is the one every document is checked against
    # (connectors/shopify/version.py). Another one is the operator's risk until re-validated.
    api_version: str = DEFAULT_API_VERSION
    auth: Literal["client_credentials", "authorization_code", "access_token"]
    client_id: str | None = None
    client_secret: SecretStr | None = None
    access_token: SecretStr | None = None
    webhook_key: Literal["client_secret", "webhook_secret"]
    # Filled from client_secret when webhook_key says so. Validated even when absent: its
    # check names every missing credential, alongside any other problem in the file.
    webhook_secret: SecretStr | None = Field(None, validate_default=True)
    # authorization_code only: where `shopsync auth shopify` listens for Shopify's redirect
    # (add it to the app's allowed redirection URLs), and the scopes it asks for (default:
    # what the enabled flows need, README "Access scopes").
    redirect_uri: str = "http://127.0.0.1:8766/callback"
    scopes: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if not data.get("auth"):
            legacy = data.get("access_token") and not data.get("client_id")
            data["auth"] = "access_token" if legacy else "client_credentials"
        if not data.get("webhook_key"):
            legacy = data["auth"] == "access_token"
            data["webhook_key"] = "webhook_secret" if legacy else "client_secret"
        return data

    @field_validator("webhook_secret")
    @classmethod
    def _credentials_present(cls, v: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        data = {**info.data, "webhook_secret": v}
        auth, key = data.get("auth"), data.get("webhook_key")
        need = {
            "client_credentials": ["client_id", "client_secret"],
            "authorization_code": ["client_id", "client_secret"],
            "access_token": ["access_token"],
        }.get(str(auth), [])
        need.append(str(key))
        missing = [k for k in dict.fromkeys(need) if k in cls.model_fields and not data.get(k)]
        if missing:
            names = ", ".join(f"shopify.{k} (credential shopify_{k})" for k in missing)
            raise ValueError(
                f'auth = "{auth}" and webhook_key = "{key}" need {names}: secrets go in '
                "$CREDENTIALS_DIRECTORY or the env"
            )
        return v

    @model_validator(mode="after")
    def _credentials(self) -> ShopifySettings:
        if self.webhook_key == "client_secret":
            assert self.client_secret is not None
            if self.webhook_secret is not None and (
                self.webhook_secret.get_secret_value() != self.client_secret.get_secret_value()
            ):
                raise ValueError(
                    'webhook_key = "client_secret": the app\'s client secret signs webhooks; '
                    "remove the shopify_webhook_secret credential (or set webhook_key = "
                    '"webhook_secret" for an app created in the Shopify admin)'
                )
            self.webhook_secret = self.client_secret
        return self

    @field_validator("shop_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+$", v.rstrip("/")):
            raise ValueError("must be a base URL like https://NAME.myshopify.com")
        return v.rstrip("/")

    @field_validator("api_version")
    @classmethod
    def _version(cls, v: str) -> str:
        if not re.fullmatch(r"20\d\d-(01|04|07|10)", v):
            raise ValueError(f"must be a quarterly version like {DEFAULT_API_VERSION}")
        return v


class ShopSettings(Strict):
    # Which shop this daemon serves; one daemon per shop. CCV Shop books orders (completed)
    # and credit invoices to Exact; Shopify's other flows (stock, payouts, gift cards,
    # refunds) need Shopify.
    platform: Literal["shopify", "ccvshop"] = "shopify"


class CcvShopSettings(Strict):
    api_root: str = Field(description="the shop's own address, https://NAME.ccvshop.nl")
    public_key: str  # "API key" under My web shop / Settings / API settings
    secret: SecretStr  # its secret: signs every call, never sent
    # Order statuses that book an order (1 New … 7 Completed … 14 Reserved; CCV docs).
    export_statuses: list[int] = Field(default_factory=lambda: [7], min_length=1)
    recent_days: int = Field(14, ge=1, le=90)  # how far back status changes are looked for
    poll_interval: float = Field(300.0, ge=5)
    # The shop-wide calls per minute behind CCV's 429.11, if you know it (unpublished).
    total_per_minute: int | None = Field(None, ge=1)
    # Products new in the shop become Exact items (code = product number).
    sync_products: bool = False
    item_group: str | None = None  # Exact item group code for those items
    prices_include_vat: bool = True  # CCV's product price basis (unpublished; a shop setting)

    @field_validator("api_root")
    @classmethod
    def _root(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+$", v.rstrip("/")):
            raise ValueError("must be the shop's base URL like https://NAME.ccvshop.nl")
        return v.rstrip("/")

    @field_validator("export_statuses")
    @classmethod
    def _statuses(cls, v: list[int]) -> list[int]:
        wrong = [s for s in v if not 1 <= s <= 14]
        if wrong:
            raise ValueError(f"{wrong}: CCV order statuses are 1 to 14")
        return v


class ExactSettings(Strict):
    country: Literal["nl", "be", "de", "uk", "us", "fr", "es"] = "nl"
    base_url: str | None = None  # overrides country (the sandbox, a proxy)
    division: int | None = None  # default: the user's current division (current/Me)
    client_id: str
    client_secret: SecretStr
    webhook_secret: SecretStr | None = None
    redirect_uri: str = "http://127.0.0.1:8765/callback"

    @property
    def url(self) -> str:
        return (self.base_url or EXACT_HOSTS[self.country]).rstrip("/")


class MappingSettings(Strict):
    # Shopify location name → Exact warehouse code. Unmapped locations use the default.
    locations: dict[str, str] = Field(default_factory=dict)
    default_warehouse: str = Field(min_length=1)


class StockSettings(Strict):
    enabled: bool = True
    poll_interval: float = Field(30.0, ge=1)
    # While Exact's StockPositions webhooks are healthy the timed poll is only a safety net and
    # runs this often (360 s: 240 calls a day); it is back at poll_interval when they are not.
    safety_poll_interval: float = Field(360.0, ge=1)
    # Webhook-triggered polls at most this often: Exact allows 60 calls/min, 5,000/day.
    min_poll_interval: float = Field(5.0, ge=0)
    coalesce_window: float = Field(1.0, ge=0, le=60)
    # sellable = CurrentStock − PlanningOut (README, "The stock formula"); free = Exact's FreeStock
    figure: Literal["sellable", "free", "in_stock", "planned"] = "sellable"
    # Held back per Shopify location name, so Shopify never sells the last units.
    buffers: dict[str, int] = Field(default_factory=dict)
    reconcile_at: str = Field("02:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class AlertSettings(Strict):
    enabled: bool = False
    to: list[str] = Field(default_factory=list)
    sender: str = "shopsync@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    # A private CA or self-signed relay certificate (PEM); default: the system's trust store.
    smtp_ca_file: Path | None = None
    smtp_timeout: float = Field(30.0, gt=0, le=300)
    repeat_interval: float = Field(3600.0, gt=0)
    group_wait: float = Field(30.0, ge=0)
    evaluate_interval: float = Field(15.0, gt=0, le=3600)
    # Rules; a number of 0 switches its rule off.
    dead_jobs: bool = True
    flow_failures_in_a_row: int = Field(5, ge=0)
    flow_silent_hours: float = Field(6.0, ge=0)
    signature_failures_per_hour: int = Field(10, ge=0)
    oldest_due_minutes: float = Field(15.0, ge=0)

    @model_validator(mode="after")
    def _no_plain_text_login(self) -> AlertSettings:
        # A password in clear text is only acceptable to a relay on this machine.
        local = self.smtp_host in ("localhost", "127.0.0.1", "::1")
        if self.smtp_security == "none" and self.smtp_user and not local:
            raise ValueError(
                'smtp_security = "none" would send the SMTP password in plain text to '
                f"{self.smtp_host}; use starttls or tls (plain text only for a local relay)"
            )
        return self


_toml_path: contextvars.ContextVar[Path | None] = contextvars.ContextVar("toml_path", default=None)


class CredentialsSource(PydanticBaseSettingsSource):
    """Secrets from files in $CREDENTIALS_DIRECTORY (systemd LoadCredential=)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        directory = os.environ.get("CREDENTIALS_DIRECTORY")
        out: dict[str, Any] = {}
        if not directory:
            return out
        for filename, (section, key) in CREDENTIALS.items():
            path = Path(directory) / filename
            if path.is_file():
                value = path.read_text(encoding="utf-8").strip()
                if value:
                    out.setdefault(section, {})[key] = value
        return out


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHOPSYNC_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    ingress: IngressSettings = Field(default_factory=IngressSettings)
    control: ControlSettings = Field(default_factory=ControlSettings)
    shop: ShopSettings = Field(default_factory=ShopSettings)
    shopify: ShopifySettings | None = None  # required when shop.platform = "shopify"
    ccvshop: CcvShopSettings | None = None  # required when shop.platform = "ccvshop"
    exact: ExactSettings
    mapping: MappingSettings
    stock: StockSettings = Field(default_factory=StockSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    orders: OrdersSettings = Field(default_factory=lambda: OrdersSettings())
    payouts: PayoutsSettings = Field(default_factory=lambda: PayoutsSettings())
    paynl: PaynlSettings | None = None  # Pay. settlements, when the shop takes payments there
    gift_cards: GiftCardsSettings = Field(default_factory=lambda: GiftCardsSettings())
    refunds: RefundsSettings = Field(default_factory=lambda: RefundsSettings())
    products: ProductsSettings = Field(default_factory=lambda: ProductsSettings())
    schedules: ScheduleSettings = Field(default_factory=lambda: ScheduleSettings())

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        platform = self.shop.platform
        if getattr(self, platform) is None:
            raise ValueError(
                f"{platform}: the [{platform}] section is required when "
                f'shop.platform = "{platform}"'
            )
        if self.alerts.enabled and not self.alerts.to:
            raise ValueError("alerts.to: give at least one address when alerts.enabled = true")
        unknown = sorted(set(self.stock.buffers) - set(self.mapping.locations))
        if unknown:
            raise ValueError(
                f"stock.buffers: {', '.join(unknown)} not in mapping.locations "
                "(buffers are keyed by Shopify location name)"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            env_settings,
            CredentialsSource(settings_cls),
        ]
        path = _toml_path.get()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def shopify_webhook_key(s: Settings) -> str:
    """The secret that signs Shopify's webhooks (`[shopify] webhook_key` says which)."""
    assert s.shopify is not None
    secret = s.shopify.webhook_secret
    assert secret is not None  # ShopifySettings fills or requires it
    return secret.get_secret_value()


def config_path(explicit: str | Path | None) -> Path | None:
    chosen = explicit or os.environ.get("SHOPSYNC_CONFIG")
    return Path(chosen) if chosen else None


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Load and validate; raise ConfigError with one line per problem."""
    chosen = config_path(path)
    if chosen is not None and not chosen.is_file():
        raise ConfigError([f"config file {chosen} does not exist"])
    token = _toml_path.set(chosen)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_problems(exc)) from None
    except ValueError as exc:  # a TOML syntax error
        raise ConfigError([f"{chosen}: {exc}"]) from None
    finally:
        _toml_path.reset(token)


def _problems(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors(include_url=False):
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        kind = err["type"]
        if kind == "missing":
            what = "is required"
            if tuple(err["loc"][-2:]) in CREDENTIALS.values():
                what += " (a secret: put it in $CREDENTIALS_DIRECTORY or the env)"
        elif kind == "extra_forbidden":
            what = "is not a known setting (check the spelling against shopsync.example.toml)"
        else:
            # Never echo the input: it may be a secret.
            what = err["msg"].removeprefix("Value error, ")
        lines.append(f"{key}: {what}")
    return lines


# Last, because importing a flow package imports daemon.flows, whose modules import this one.
from daemon.flows.gift_cards.config import GiftCardsSettings  # noqa: E402
from daemon.flows.orders.config import OrdersSettings  # noqa: E402
from daemon.flows.payouts.config import PaynlSettings, PayoutsSettings  # noqa: E402
from daemon.flows.products.config import ProductsSettings  # noqa: E402
from daemon.flows.refunds.config import RefundsSettings  # noqa: E402
from daemon.schedule import ScheduleSettings  # noqa: E402

Settings.model_rebuild()
