"""A response's head and body leave in one write; a head alone still leaves within the loop turn."""

from __future__ import annotations

import asyncio

from sentinel_guard.server.connections import _OneSend


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def test_head_and_body_written_in_the_same_turn_leave_as_one_write() -> None:
    async def main() -> FakeTransport:
        raw = FakeTransport()
        out = _OneSend(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        out.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        out.write(b"{}")
        out.write(b"")  # later writes pass straight through
        await asyncio.sleep(0)
        assert out.get_extra_info("peername") == "info:peername"
        return raw

    raw = asyncio.run(main())
    assert raw.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}", b""]


def test_a_head_with_no_body_yet_is_sent_at_the_end_of_the_turn_and_before_a_close() -> None:
    async def main() -> tuple[list[bytes], list[bytes], FakeTransport]:
        raw = FakeTransport()
        out = _OneSend(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        out.write(b"HEAD-1")
        before = list(raw.writes)
        await asyncio.sleep(0)  # a streaming answer's first chunk may come much later
        after = list(raw.writes)
        out.write(b"chunk")
        closing = FakeTransport()
        other = _OneSend(closing, asyncio.get_running_loop())  # type: ignore[arg-type]
        other.write(b"HEAD-2")
        other.close()
        return before, after + raw.writes[len(after):], closing

    before, writes, closing = asyncio.run(main())
    assert before == [] and writes == [b"HEAD-1", b"chunk"]
    assert closing.writes == [b"HEAD-2"] and closing.closed
