"""A unit's grades against its scheme's caps, as the progress view flags them: a share strictly
above the cap is off it; at the cap is not (exact fractions: 2 of 5 is 40%)."""

from __future__ import annotations

from collections import Counter

from scoring.supervision.progress import _over


def test_a_share_above_its_cap_is_off_it() -> None:
    caps = {"good": "0.4", "fairly_good": "1/2"}
    assert _over(Counter(good=2, fairly_good=2, average=1), caps) == []          # 2/5 = 40%, 2/5 < 1/2
    assert _over(Counter(good=3, fairly_good=1, average=1), caps) == ["good"]    # 3/5 = 60% > 40%
    assert _over(Counter(good=1, fairly_good=3), caps) == ["fairly_good"]        # 3/4 > 1/2
    assert _over(Counter(), caps) == []                                          # nobody graded: nothing off
