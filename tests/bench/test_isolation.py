from __future__ import annotations

import os
import time

from veracity.bench._isolation import Call, IsolatedPool


def test_a_crash_or_a_hang_costs_one_call_and_the_rest_go_on() -> None:
    pool = IsolatedPool(workers=1, timeout_s=3)
    calls = [
        Call("before", abs, (-2,)),
        Call("crash", os.abort),  # dies in native code, like a segfaulting decoder
        Call("after-crash", abs, (-3,)),
        Call("hang", time.sleep, (60,)),
        Call("after-hang", abs, (-4,)),
        Call("raises", int, ("not a number",)),
        Call("after-raise", abs, (-5,)),
    ]
    outcomes = {o.key: o for o in pool.run(calls)}
    assert [outcomes[k].value for k in ("before", "after-crash", "after-hang", "after-raise")] == [2, 3, 4, 5]
    assert "crashed" in (outcomes["crash"].error or "")
    assert "time limit" in (outcomes["hang"].error or "")
    assert "ValueError" in (outcomes["raises"].error or "")
    assert pool.restarts == 2  # a raising call keeps its worker


def test_several_workers_return_every_outcome() -> None:
    outcomes = list(IsolatedPool(workers=2, timeout_s=30).run(Call(i, abs, (-i,)) for i in range(6)))
    assert sorted((o.key, o.value) for o in outcomes) == [(i, i) for i in range(6)]
