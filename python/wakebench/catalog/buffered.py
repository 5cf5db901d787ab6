"""futures::stream::Buffered deadlocks (buffered-streams-deadlock.txt)."""

from __future__ import annotations

from .. import ops
from ..scenario import Scenario
from . import entry

SEED = "buffered-streams-deadlock.txt"
BOUND = 6  # live tasks and in-flight futures: the memory the scenario allows


def _stream(name: str, *, size: int, spawned: bool = False, always_poll: bool = False,
            bound: int = BOUND) -> Scenario:
    """A cannot make progress until B does (B sends it a message); both are
    futures that exist before the stream is polled, B after A. After them
    the wrapped stream is synchronous and endless: it always has a next
    future ready, modelled as more futures than the scenario's bound allows
    in flight, so whatever the bound, pulling without limit passes it."""
    s = Scenario(name, max_live_tasks=bound)  # the memory a task or an in-flight future holds
    messages = s.counter("messages")
    rx = s.wait_queue("rx")
    s.future("A", owner="consumer", program=[
        ops.wait_until(rx, messages > 0, messages.add(-1)),
        ops.print("A got B's message"),
    ])
    send = [ops.sleep(10), messages.add(1), rx.wake(), ops.print("B sent")]
    if spawned:  # tokio::spawn(B): the stream holds its JoinHandle
        b_done = s.counter("b_done")
        joined = s.wait_queue("b_joined")
        s.task("B", send + [b_done.add(1), joined.wake()])
        s.future("B_handle", owner="consumer", program=[
            ops.wait_until(joined, b_done > 0),
        ])
        b = "B_handle"
    else:
        s.future("B", owner="consumer", program=send)
        b = "B"
    tail = [f"item{i}" for i in range(bound + 1)]
    for t in tail:
        s.future(t, owner="consumer", program=[ops.sleep(10)])
    s.task("consumer", [
        ops.buffered(size, "A", b, *tail, always_poll=always_poll),
        ops.print("stream done"),
    ])
    return s


@entry("buffered-stream", source=SEED,
       quote="""
    as long as in_progress_queue is full, wrapped_stream will never be
    polled. This means that if you have futures A and B from the
    previous section where A depends on B and A is in in_progress_queue
    while B is contained within wrapped_stream, the stream will
    immediately deadlock.""",
       assumes="""
    A waits for a message only B sends; both exist before the stream is
    polled, B after A; futures' Buffered polls its wrapped stream only
    while the buffer has room (futures-util stream/buffered.rs).""",
       summary="""
    The post's recipe for deadlock: future A cannot make progress until B
    does (B sends it a message), both already exist, and a Buffered stream
    of size 1 polls A while B waits in the wrapped stream. Buffered never
    polls its wrapped stream while the buffer is full, so B never runs:
    deadlock/unpolled_future, under every policy.""")
def buffered_stream() -> Scenario:
    return _stream("buffered-stream", size=1)


@entry("buffered-stream-2", source=SEED,
       quote="""
    Basically, Buffered is a stream implementation that wraps another
    stream (here called wrapped_stream) and buffers up to
    max_buffer_size futures into a queue where they are executed
    concurrently.""",
       assumes="""
    The same A and B; a buffer of 2 takes both in flight before A is
    polled.""",
       summary="""
    The same stream with buffered(2): A and B are both in flight and polled,
    B sends, A finishes. Ok under every policy (the size hides the bug only
    as long as the dependency fits in the buffer).""")
def buffered_stream_2() -> Scenario:
    return _stream("buffered-stream-2", size=2)


@entry("buffered-stream-spawned", source=SEED,
       quote="""
    So if you have a JoinHandle, you know that it is safe to not poll
    it.""",
       assumes="""
    B is spawned before the stream is polled and runs as its own task;
    the stream holds a future that waits for B's completion (its
    JoinHandle).""",
       summary="""
    "If you buffered it, then you should have put a spawn() on it": B is
    spawned and the stream holds its JoinHandle, which is safe to leave
    unpolled; B runs on its own and A gets its message. Ok under every
    policy.""")
def buffered_stream_spawned() -> Scenario:
    return _stream("buffered-stream-spawned", size=1, spawned=True)


@entry("buffered-stream-always-poll", source=SEED,
       quote="""
    In the common case where wrapped_stream is actually synchronous
    where poll_next never blocks (for example, if it came from a
    stream::iter(...).map(...) construction), this solution devolves
    into just an unbounded queue that eagerly evaluates the underlying
    stream. And that can cause problems such as running out of memory.""",
       assumes="""
    The wrapped stream is synchronous and endless: it always has a next
    future ready, modelled as one more future than the memory bound
    allows (six live tasks and in-flight futures); each in-flight future
    holds memory until it finishes.""",
       summary="""
    "Every day I'm pollin'": poll the wrapped stream whenever the buffer is
    pending, even when full. B gets polled and the deadlock is gone, but the
    wrapped stream is synchronous and endless (it always has a next future
    ready: modelled as more than the bound allows), so every pending poll
    pulls one more future into flight and the buffer grows without bound,
    past any memory bound the scenario sets (six live tasks and futures
    here): resource_exhausted, under every policy.""")
def buffered_stream_always_poll() -> Scenario:
    return _stream("buffered-stream-always-poll", size=1, always_poll=True)
