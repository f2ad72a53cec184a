"""The group commit's batches, its timer and its writer, with the transaction replaced.

Each test gives the writer a `_write_batch` of its own (held, stuck, failing) and votes
from threads, as connections' handlers do; what matters is who is released when, and
with what outcome. The tests wait for events (a batch reaches the writer, a ballot is
queued), never for a time: how fast the machine is changes nothing in what they check.
The real transaction is tested through the services (test_voting_services.py) and on
PostgreSQL (test_scaleout.py).
"""

from __future__ import annotations

import threading

from app.voting import group_commit
from tests.conftest import wait_for

HANG = 60  # seconds: a bound on waiting that only a hang reaches, never a slow machine


class Voters:
    """A writer whose transaction is `write_batch`, and the outcome each voter was answered."""

    def __init__(self, app, monkeypatch, write_batch, **settings):
        monkeypatch.setattr(group_commit, "_write_batch", write_batch)
        self.writer = group_commit.BallotWriter(app)
        for name, value in settings.items():
            setattr(self.writer, name, value)
        self.outcomes: dict[int, str] = {}

    def vote(self, n: int, timeout: float = 10.0) -> str:
        job = group_commit.Write(1, 1, 1, f"p{n}", n, 0, {}, 0, False, None, n, f"op-{n}")
        self.outcomes[n] = outcome = self.writer.write(job, timeout=timeout).outcome
        return outcome

    def start(self, n: int, timeout: float = 10.0) -> threading.Thread:
        thread = threading.Thread(target=self.vote, args=(n, timeout))
        thread.start()
        return thread

    def queued(self) -> list[str]:
        """The ballots waiting for the writer, batch by batch (not the one it is writing)."""
        with self.writer._lock:
            return [job.op_id for batch in self.writer._batches for job in batch.jobs]


def all_ok(batch) -> None:
    for job in batch:
        job.outcome = "ok"


def test_ballots_arriving_together_are_written_in_batches_and_each_released_after_its_own(app, monkeypatch):
    """Ballots that arrive while the writer is busy share a transaction, at most batch_max of
    them; a handler returns only once the batch holding its ballot is written (before that
    its ballot has no outcome, and `released` would miss it)."""
    batches, released, writing = [], set(), []
    everyone_in = threading.Event()

    def write_batch(batch):
        writing.append(batch)
        everyone_in.wait(HANG)  # the writer is busy until all seven ballots have arrived
        assert not released & {job.op_id for job in batch}  # nobody of this batch returned yet
        batches.append([job.op_id for job in batch])
        all_ok(batch)

    voters = Voters(app, monkeypatch, write_batch, batch_max=3)

    def vote(n):
        if voters.vote(n) == "ok":
            released.add(f"op-{n}")

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(7)]
    for thread in threads:
        thread.start()
    wait_for("seven ballots at the writer", lambda: writing and len(writing[0]) + len(voters.queued()) == 7)
    everyone_in.set()
    for thread in threads:
        thread.join(HANG)
    assert released == {f"op-{n}" for n in range(7)}
    assert sorted(op for batch in batches for op in batch) == sorted(released)  # each written once
    # What arrived while the first batch was written: in full batches of 3, the last one the rest.
    later = [len(batch) for batch in batches[1:]]
    assert all(size == 3 for size in later[:-1]) and 1 <= later[-1] <= 3, batches


def test_a_batch_the_writer_is_stuck_on_answers_every_ballot_of_it_with_an_error(app, monkeypatch):
    """One timer per batch, kept by its first handler: when it runs out, the whole batch stops
    waiting (and is not acknowledged), while the writer is still stuck."""
    stuck, unstuck = threading.Event(), threading.Event()

    def write_batch(batch):
        stuck.wait(10)
        all_ok(batch)
        unstuck.set()

    voters = Voters(app, monkeypatch, write_batch, gather=0.05)
    answered = []

    def vote(n):
        answered.append((voters.vote(n, timeout=0.3), unstuck.is_set()))

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG)
    stuck.set()
    unstuck.wait(5)
    assert answered == [("error", False)] * 4


def test_ballots_after_a_given_up_batch_wait_for_their_own(app, monkeypatch):
    """The writer is stuck on a batch; a later batch's first handler gives up (its ballot is an
    error); a ballot after that does not join the given-up batch but waits for its own."""
    entered, stuck, batches = threading.Event(), threading.Event(), []

    def write_batch(batch):
        entered.set()
        stuck.wait(HANG)
        batches.append(([job.op_id for job in batch], 2 in voters.outcomes))  # the late one answered yet?
        all_ok(batch)

    voters = Voters(app, monkeypatch, write_batch, gather=0.01)
    first = voters.start(0)
    assert entered.wait(HANG)  # the writer holds the first batch
    assert voters.vote(1, timeout=0.2) == "error"  # a second batch waits behind it; its handler gives up
    late = voters.start(2)
    wait_for("the late ballot queued", lambda: "op-2" in voters.queued())
    stuck.set()
    for thread in (first, late):
        thread.join(HANG)
    assert voters.outcomes == {0: "ok", 1: "error", 2: "ok"}
    # The given-up ballot is written all the same, in its batch; the late one in its own, and
    # answered only once that was written.
    assert batches == [(["op-0"], False), (["op-1"], False), (["op-2"], False)]


def test_a_killed_writer_answers_its_batch_and_the_next_ballot_starts_another(app, monkeypatch):
    class Killed(BaseException):
        pass

    calls = []

    def write_batch(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            batch[0].outcome = "ok"  # set before the commit that never comes
            raise Killed
        all_ok(batch)

    voters = Voters(app, monkeypatch, write_batch, gather=0.01)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # the writer thread dies of it
    for n, expected in ((0, "error"), (1, "ok")):  # answered at once, not acknowledged; then a new writer
        thread = voters.start(n, timeout=60)
        thread.join(10)
        assert not thread.is_alive() and voters.outcomes[n] == expected
    assert calls == [1, 1]
