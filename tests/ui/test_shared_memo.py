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


def test_sessions_asking_at_once_wait_for_one_build() -> None:
    # A fresh server's first visitors all ask for the same views: one builds, the others wait for its value.
    memo = SharedMemo(max_entries=4)
    builds: list[int] = []
    building, release = threading.Event(), threading.Event()

    def slow_build() -> str:
        builds.append(1)
        building.set()
        release.wait(timeout=10)
        return "built"

    answers: list[str] = []
    first = threading.Thread(target=lambda: answers.append(memo.get_or_build("k", slow_build)))
    first.start()
    assert building.wait(timeout=10)
    others = [threading.Thread(target=lambda: answers.append(memo.get_or_build("k", slow_build))) for _ in range(5)]
    for thread in others:
        thread.start()
    for thread in others:
        thread.join(timeout=0.2)  # they are waiting, not building
    release.set()
    for thread in [first, *others]:
        thread.join(timeout=10)
    assert answers == ["built"] * 6
    assert builds == [1]


def test_a_failed_build_is_not_shared_and_not_kept() -> None:
    memo = SharedMemo(max_entries=4)
    building, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def failing_build() -> str:
        building.set()
        release.wait(timeout=10)
        raise RuntimeError("the store went away")

    def first() -> None:
        try:
            memo.get_or_build("k", failing_build)
        except RuntimeError as error:
            outcomes.append(f"first: {error}")

    def second() -> None:
        outcomes.append(f"second: {memo.get_or_build('k', lambda: 'built by the second')}")

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert building.wait(timeout=10)
    threads.append(threading.Thread(target=second))
    threads[1].start()
    threads[1].join(timeout=0.2)
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(outcomes) == ["first: the store went away", "second: built by the second"]
    assert memo.get_or_build("k", lambda: "later") == "built by the second"
