"""HTTP to the imagery providers: timeouts, bounded retries, Retry-After honoured but capped."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from app.errors import ImageryInvalid, ImageryNotConfigured, ImageryUnavailable

log = logging.getLogger(__name__)
Sleep = Callable[[float], None]
# Statuses worth asking again: the provider is busy or briefly down.
_RETRYABLE = {429, 500, 502, 503, 504}


@dataclass
class Client:
    """One provider's API: a base URL, fixed headers, and a retry policy."""

    name: str
    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 20.0
    retries: int = 4
    max_wait: float = 60.0
    sleep: Sleep = time.sleep
    transport: httpx.BaseTransport | None = None
    _http: httpx.Client | None = None

    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                timeout=self.timeout,
                headers=dict(self.headers),
                transport=self.transport,
                follow_redirects=True,
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def url(self, path: str) -> str:
        """An absolute URL: `path` as is when it is one (a `next` link), else under base_url."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET and parse JSON, retrying busy answers; ImageryUnavailable/ImageryInvalid else."""
        url = self.url(path)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self.http().get(url, params=params)
            except httpx.HTTPError as exc:
                if last:
                    raise ImageryUnavailable(
                        f"{self.name} did not answer: {exc}", details={"url": _safe(url)}
                    ) from exc
                self._wait(None, attempt)
                continue
            if response.status_code in _RETRYABLE and not last:
                self._wait(response.headers.get("Retry-After"), attempt)
                continue
            return self._parse(response, url)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, retry_after: str | None, attempt: int) -> None:
        delay = _retry_after_seconds(retry_after)
        if delay is None:
            delay = min(2.0**attempt, 30.0)  # exponential back-off when the server says nothing
        delay = min(max(delay, 0.0), self.max_wait)
        log.info("%s busy; retrying in %.1f s (attempt %d)", self.name, delay, attempt + 1)
        self.sleep(delay)

    def _parse(self, response: httpx.Response, url: str) -> Any:
        status = response.status_code
        where = {"url": _safe(url), "status": status}
        if status == 429 or status >= 500:
            raise ImageryUnavailable(
                f"{self.name} kept answering {status} after {self.retries} retries.", details=where
            )
        if status in (401, 403):
            raise ImageryNotConfigured(
                f"{self.name} refused the request ({status}): check its token or URL.",
                details={**where, "message": _message(response)},
            )
        if status >= 400:
            raise ImageryInvalid(
                f"{self.name} answered {status}: {_message(response)}", details=where
            )
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ImageryInvalid(f"{self.name} answered with invalid JSON.", details=where) from exc


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number (RFC 9110) or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() - time.time()


def _message(response: httpx.Response) -> str:
    # Graph API errors are {"error": {"message": …}}; STAC APIs {"message": …}.
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])[:200]
        if isinstance(body.get("message"), str):
            return str(body["message"])[:200]
    return response.text[:200]


def _safe(url: str) -> str:
    """A URL without its query, which may hold a token."""
    return url.split("?", 1)[0]
