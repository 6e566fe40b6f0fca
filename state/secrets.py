"""Seals API tokens at rest with AES-GCM under a key that never lives beside the database.

Where the key comes from, first found wins:
1. `$CREDENTIALS_DIRECTORY/token_key`: the systemd credential install.sh generates
   (/etc/shopsync/credentials/token_key, handed over by `LoadCredential=`);
2. the `SHOPSYNC_TOKEN_KEY` environment variable (tests, containers with their own secret store);
3. `token_key.dev` in the database's directory, which only `shopsync demo` and the test harness
   create: a development key, logged as such, never made for a real installation.

A key file holds one or more keys (base64 of 32 bytes), one per line: the first seals, every one
opens, so a key can be rotated while the daemon runs (`shopsync secrets rotate-key`). Each sealed
value names its key by a short fingerprint, so a database opened with the wrong key says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "aesgcm1"
CREDENTIAL = "token_key"
ENV = "SHOPSYNC_TOKEN_KEY"
DEV_FILE = "token_key.dev"
REAUTHORISE = "re-authorise: `shopsync auth exact` (Exact) or `shopsync auth shopify` (Shopify)"


class TokenKeyError(Exception):
    """Base of the key problems; the message says what is wrong and what to do."""


class NoTokenKey(TokenKeyError):
    """No key is configured, so tokens can be neither sealed nor opened."""


class WrongTokenKey(TokenKeyError):
    """A stored token was sealed with a key this process does not have."""


def new_key() -> str:
    """A fresh key as the text a key file holds."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"shopsync token key\0" + key).hexdigest()[:12]


@dataclass(frozen=True)
class TokenKey:
    """The keys of one installation: `keys[0]` seals; each one opens what it sealed."""

    keys: tuple[bytes, ...]
    source: str  # where the keys came from, for messages (never the key itself)

    def __post_init__(self) -> None:
        if not self.keys:
            raise NoTokenKey(f"{self.source} holds no key")

    @classmethod
    def parse(cls, text: str, source: str) -> TokenKey:
        keys = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                key = base64.b64decode(line, validate=True)
            except (binascii.Error, ValueError):
                key = b""
            if len(key) != 32:
                raise TokenKeyError(
                    f"{source}, line {number}: not a token key (base64 of 32 bytes);"
                    " make one with `shopsync secrets new-key`"
                )
            keys.append(key)
        return cls(tuple(keys), source)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.keys[0])

    def seal(self, plaintext: bytes, name: str) -> str:
        """`aesgcm1:<fingerprint>:<base64 nonce+ciphertext>`; `name` is bound in as data."""
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self.keys[0]).encrypt(nonce, plaintext, name.encode())
        return f"{PREFIX}:{self.fingerprint}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, text: str, name: str) -> bytes:
        prefix, _, rest = text.partition(":")
        fingerprint, _, blob = rest.partition(":")
        if prefix != PREFIX:
            raise WrongTokenKey(f"stored {name} token is not sealed by this shopsync")
        for key in self.keys:
            if _fingerprint(key) != fingerprint:
                continue
            raw = base64.b64decode(blob)
            try:
                return AESGCM(key).decrypt(raw[:12], raw[12:], name.encode())
            except InvalidTag:
                break
        raise WrongTokenKey(
            f"the stored {name} token was sealed with another token key (fingerprint"
            f" {fingerprint}; {self.source} has {', '.join(_fingerprint(k) for k in self.keys)})."
            f" Restore that key, or {REAUTHORISE}"
        )

    def is_current(self, text: str) -> bool:
        return text.startswith(f"{PREFIX}:{self.fingerprint}:")


def is_sealed(text: str) -> bool:
    return text.startswith(f"{PREFIX}:")


def find_key(database: Path | str | None) -> TokenKey:
    """The installation's key (see the module docstring), or NoTokenKey saying where to put one."""
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if directory and (Path(directory) / CREDENTIAL).is_file():
        path = Path(directory) / CREDENTIAL
        return TokenKey.parse(path.read_text(encoding="utf-8"), f"credential {CREDENTIAL}")
    if os.environ.get(ENV):
        return TokenKey.parse(os.environ[ENV], f"${ENV}")
    if database is not None and str(database) != ":memory:":
        dev = Path(database).parent / DEV_FILE
        if dev.is_file():
            return TokenKey.parse(dev.read_text(encoding="utf-8"), f"development key {dev}")
    raise NoTokenKey(
        "no token key: API tokens are stored encrypted. systemd/install.sh makes"
        f" /etc/shopsync/credentials/{CREDENTIAL} (LoadCredential={CREDENTIAL}:…); elsewhere set"
        f" ${ENV} to the output of `shopsync secrets new-key`"
    )


def ensure_dev_key(state_dir: Path) -> Path:
    """A development key beside a demo's or a test's database (never for a real installation)."""
    path = Path(state_dir) / DEV_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("# shopsync development token key: demo and tests only\n" + new_key() + "\n")
    return path
