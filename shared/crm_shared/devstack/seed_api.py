"""The seeder's HTTP side: one logged-in client for the four services, bounded concurrency, paging."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from crm_shared.devstack.config import SERVICES

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class Endpoints:
    """Where the four services answer (the dev stack's ports unless told otherwise)."""

    leads: str = SERVICES[0].base_url
    sales: str = SERVICES[1].base_url
    desk: str = SERVICES[2].base_url
    reporting: str = SERVICES[3].base_url


class SeedError(RuntimeError):
    """A service refused a seed request, or the stack is not in a state the seeder can work with."""


class CrmClient:
    """An admin session on every service: `await client.post("sales", "/users", json=...)`."""

    def __init__(self, endpoints: Endpoints, *, concurrency: int = 16, timeout: float = 30.0):
        self.endpoints = endpoints
        self._http = httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=concurrency * 5))
        # one gate per service: the services work in parallel, each gets `concurrency` requests at most
        self._gates = {
            name: asyncio.Semaphore(concurrency) for name in ("leads", "sales", "desk", "reporting")
        }
        self._headers: dict[str, str] = {}
        self.requests = 0

    async def __aenter__(self) -> "CrmClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self._http.aclose()

    def url(self, service: str, path: str) -> str:
        return getattr(self.endpoints, service).rstrip("/") + path

    async def token_of(self, username: str, password: str) -> dict[str, str]:
        """Another user's bearer header, to pass as `headers=` (work done as that user)."""
        response = await self.post("sales", "/auth/token", data={"username": username, "password": password})
        return {"Authorization": f"Bearer {response['access_token']}"}

    async def login(self, username: str, password: str) -> dict:
        """Sign in through sales; every later request carries the bearer token. Returns /auth/me."""
        try:
            response = await self._http.post(
                self.url("sales", "/auth/token"), data={"username": username, "password": password}
            )
        except httpx.HTTPError as error:
            raise SeedError(
                f"sales is not reachable at {self.endpoints.sales} ({error}); "
                "is the stack running (`make run`)?"
            ) from error
        if response.status_code != 200:
            raise SeedError(f"login as {username} failed: {response.status_code} {response.text}")
        self._headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return await self.get("sales", "/auth/me")

    async def request(
        self, method: str, service: str, path: str, *, expect: tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> Any:
        """One request under the concurrency gate; retried on overload; SeedError on any other answer."""
        headers = {**self._headers, **kwargs.pop("headers", {})}
        for attempt in range(8):
            async with self._gates[service]:
                try:
                    response = await self._http.request(
                        method, self.url(service, path), headers=headers, **kwargs
                    )
                except httpx.TransportError as error:
                    if attempt == 7:
                        raise SeedError(f"{method} {service}{path}: {error}") from error
                    response = None
            self.requests += 1
            if response is not None and response.status_code in expect:
                if "json" in response.headers.get("content-type", ""):
                    return response.json()
                return response.text
            if response is not None and response.status_code not in RETRY_STATUSES:
                raise SeedError(f"{method} {service}{path} -> {response.status_code}: {response.text[:500]}")
            retry_after = response.headers.get("retry-after") if response is not None else None
            await asyncio.sleep(float(retry_after) if retry_after else 0.2 * 2**attempt)
        raise SeedError(f"{method} {service}{path}: still overloaded after retries")

    async def status(self, service: str, path: str) -> int:
        """The status code of a GET (for probing whether a replica knows a record yet)."""
        async with self._gates[service]:
            response = await self._http.get(self.url(service, path), headers=self._headers)
        self.requests += 1
        return response.status_code

    async def get(self, service: str, path: str, **kwargs: Any) -> Any:
        return await self.request("GET", service, path, **kwargs)

    async def post(self, service: str, path: str, **kwargs: Any) -> Any:
        return await self.request("POST", service, path, **kwargs)

    async def patch(self, service: str, path: str, **kwargs: Any) -> Any:
        return await self.request("PATCH", service, path, **kwargs)

    async def put(self, service: str, path: str, **kwargs: Any) -> Any:
        return await self.request("PUT", service, path, **kwargs)

    async def pages(
        self, service: str, path: str, params: dict | None = None, limit: int = 200
    ) -> list[dict]:
        """Every item of a cursor-paged list (`{"items", "next_cursor"}`)."""
        items, cursor = [], None
        while True:
            query = {**(params or {}), "limit": limit, **({"cursor": cursor} if cursor else {})}
            page = await self.get(service, path, params=query)
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    async def offset_pages(
        self, service: str, path: str, params: dict | None = None, limit: int = 500
    ) -> list[dict]:
        """Every item of an offset-paged list (a plain JSON array)."""
        items: list[dict] = []
        while True:
            query = {**(params or {}), "limit": limit, "offset": len(items)}
            page = await self.get(service, path, params=query)
            items += page
            if len(page) < limit:
                return items


async def wait_until(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 60.0) -> Any:
    """Poll `check` until it returns something truthy (replication through Kafka takes a moment)."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SeedError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 1.0)
