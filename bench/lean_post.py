"""A lean HTTP/1.1 keep-alive poster for load generators on the machine under test.

httpx costs the load generator about 1 ms of CPU a post; at 200 posts/s on a 2-core machine that is a
tenth of the machine taken from the services being measured. This client writes the request bytes and
reads the status line, headers and a `Content-Length` body off a pool of keep-alive connections.
"""

import asyncio
import json
from urllib.parse import urlsplit


class LeanPoster:
    """POST JSON bodies to one URL over a pool of keep-alive connections."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port or 80, parts.path or "/"
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, body: dict) -> tuple[int, bytes]:
        """Send one POST with a JSON body; return the status code and the response body."""
        data = json.dumps(body).encode()
        request = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data
        while self.idle:  # a kept-alive connection the server may have closed meanwhile (its idle timeout)
            connection = self.idle.pop()
            try:
                return await self._exchange(connection, request)
            except (asyncio.IncompleteReadError, ConnectionError):
                continue
        return await self._exchange(await asyncio.open_connection(self.host, self.port), request)

    async def _exchange(self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                        request: bytes) -> tuple[int, bytes]:
        reader, writer = connection
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
            headers = {k.strip().lower(): v.strip() for k, v in headers.items()}
            if "content-length" not in headers:
                raise ValueError(f"no Content-Length in the answer: {head!r}")
            content = await reader.readexactly(int(headers["content-length"]))
        except BaseException:
            writer.close()
            raise
        if headers.get("connection", "").lower() == "close":
            writer.close()
        else:
            self.idle.append((reader, writer))
        return status, content

    async def close(self) -> None:
        """Close every idle connection."""
        for _reader, writer in self.idle:
            writer.close()
        self.idle.clear()
