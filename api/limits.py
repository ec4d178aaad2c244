"""Limits at the edge: the request body size (413, enforced while the body streams in, not after it is buffered)
and per-user request rates on expensive answers (429 with Retry-After)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import CurrentActor
from workflows.actors import Actor


class BodyLimit:
    """Refuse bodies over `default` bytes, or over `upload` bytes on paths that take files."""

    def __init__(self, app: ASGIApp, *, default: int, upload: int, upload_paths: tuple[str, ...]) -> None:
        self.app, self.default, self.upload, self.upload_paths = app, default, upload, upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.upload if any(p in path for p in self.upload_paths) else self.default
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # FastAPI passes an HTTPException from body reading through to its handler
                    raise HTTPException(413, f"request body over {limit} bytes")
            return message

        await self.app(scope, limited, send)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"request body over {limit} bytes", "problems": []}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RateLimits:
    """Per-user request rates on the expensive answers (PDFs, heavy pages): a moving window in this process's
    memory, so each server process counts its own requests."""

    def __init__(self, rates: dict[str, str]) -> None:
        self.rates = {bucket: parse(rate) for bucket, rate in rates.items()}
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, bucket: str, user: str) -> int | None:
        """Count one request of `user` in `bucket`; None when it is within the rate, else the seconds to wait."""
        rate = self.rates[bucket]
        if self.limiter.hit(rate, bucket, user):
            return None
        reset = self.limiter.get_window_stats(rate, bucket, user).reset_time
        return max(1, math.ceil(reset - time.time()))


def within(bucket: str) -> Callable[[Request, Actor], Actor]:
    """A route dependency: the caller, counted in `bucket`; over its rate, 429 with Retry-After."""

    def check(request: Request, actor: CurrentActor) -> Actor:
        wait = request.app.state.rate_limits.retry_after(bucket, actor.ref)
        if wait is not None:
            raise HTTPException(
                429, f"too many requests of this kind; try again in {wait} seconds", {"Retry-After": str(wait)}
            )
        return actor

    return check


HeavyActor = Annotated[Actor, Depends(within("page"))]
"""The caller of an expensive API route (exports), within settings.page_rate."""
