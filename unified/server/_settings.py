"""What a server is started with; the same from Python, from ``unified serve`` and in each worker process."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from unified.errors import RequestValidationError

__all__ = ["RATE_WAIT_ENV", "ServerSettings"]

RATE_WAIT_ENV = "UNIFIED_SERVE_RATE_LIMIT_WAIT"


@dataclass(frozen=True)
class ServerSettings:
    """``home`` holds the vault and the key file (default ``$UNIFIED_HOME``, else ``~/.unified``);
    ``api_keys`` are keys besides the key file's (default: ``UNIFIED_API_KEYS``); a request waits at most
    ``rate_limit_wait`` seconds for its provider's rate budget before it is answered 429."""

    home: Path | None = None
    api_keys: tuple[str, ...] | None = None
    rate_limit_wait: float = 10.0
    max_body_bytes: int = 5 * 1024 * 1024

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate_limit_wait) and self.rate_limit_wait >= 0):
            raise RequestValidationError(
                f"rate_limit_wait must be a number of seconds >= 0; got {self.rate_limit_wait!r}.",
                field="rate_limit_wait",
            )
        if self.max_body_bytes < 1:
            raise RequestValidationError("max_body_bytes must be at least 1.", field="max_body_bytes")

    @classmethod
    def from_env(cls) -> ServerSettings:
        """The settings a worker process reads (``unified serve --workers N`` passes them this way)."""
        wait = os.environ.get(RATE_WAIT_ENV)
        try:
            return cls(rate_limit_wait=float(wait)) if wait else cls()
        except ValueError:
            raise RequestValidationError(
                f"{RATE_WAIT_ENV} must be a number of seconds; got {wait!r}.", field=RATE_WAIT_ENV
            ) from None
