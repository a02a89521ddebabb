"""The view cache shared by every session: built once per key, least recently used dropped first, thread-safe."""

from __future__ import annotations

import threading

from ui.cache import SharedMemo


def test_a_value_is_built_once_per_key() -> None:
    memo = SharedMemo(max_entries=4)
    calls: list[str] = []

    def build(name: str) -> str:
        calls.append(name)
        return name.upper()

    assert memo.get_or_build("a", lambda: build("a")) == "A"
    assert memo.get_or_build("a", lambda: build("a")) == "A"
    assert memo.get_or_build(("a", 1), lambda: build("a1")) == "A1"
    assert calls == ["a", "a1"]


def test_the_least_recently_used_entry_goes_first() -> None:
    memo = SharedMemo(max_entries=2)
    memo.get_or_build("a", lambda: 1)
    memo.get_or_build("b", lambda: 2)
    memo.get_or_build("a", lambda: 99)  # a is now the most recently used
    memo.get_or_build("c", lambda: 3)  # b goes
    assert memo.get_or_build("a", lambda: 99) == 1
    assert memo.get_or_build("b", lambda: 20) == 20  # built again


def test_many_threads_get_the_same_answer() -> None:
    memo = SharedMemo(max_entries=100)
    answers: list[int] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        value = memo.get_or_build(index % 10, lambda: (index % 10) * 7)
        with lock:
            answers.append(value - (index % 10) * 7)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [0] * 200
