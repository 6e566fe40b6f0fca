"""The x-public / x-date / x-hash scheme that signs every CCV Shop request and answer.

Source: CCV's API docs, https://demo.ccvshop.nl/API/Docs/ (authentication section), and the
official PHP SDK ccvshop/ccvshop-api `src/BaseEndpoint.php` (`getHash`, `validateResponse`):
HMAC-SHA512, keyed with the API secret, over `public|METHOD|uri|body|x-date`, lowercase hex.
`uri` is the path *with* its query string and without scheme and host; `body` is the exact JSON
text sent (empty for GET and DELETE); `x-date` is hashed exactly as written in the header.
Answers are signed the same way over the answer's raw body and its own `x-date` header.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from urllib.parse import urlsplit

# "this timestamp may not differ more than 5 minutes from server time" (CCV API docs).
MAX_SKEW = dt.timedelta(minutes=5)

# ISO 8601 in UTC as the working clients write it: `Z` (docs, python example), `+00:00`
# (official PHP SDK, Carbon format('c')), `+0000` (jacobdekeizer/ccvshop-client, ISO8601).
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(Z|[+-]\d{2}:?\d{2})$")


def sign(secret: str, public: str, method: str, uri: str, body: str, date: str) -> str:
    """The x-hash for one request or answer: lowercase hex HMAC-SHA512."""
    message = "|".join((public, method.upper(), uri, body, date))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha512).hexdigest()


def signatures_match(expected: str, given: str) -> bool:
    """Constant-time comparison, so a wrong hash tells an attacker nothing by its timing."""
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def format_date(moment: dt.datetime) -> str:
    """The x-date we send: UTC, whole seconds, `Z`, as in CCV's own example."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str) -> dt.datetime | None:
    """An x-date header as a UTC datetime, or None when it is not one of the accepted forms."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    stamp, zone = match.groups()
    zone = "+00:00" if zone == "Z" else zone
    if ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        return dt.datetime.fromisoformat(stamp + zone).astimezone(dt.UTC)
    except ValueError:
        return None


def request_uri(url: str) -> str:
    """What CCV hashes of a URL: its path and query, never scheme or host."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
