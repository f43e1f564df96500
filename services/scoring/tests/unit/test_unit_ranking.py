from fractions import Fraction as F

from scoring.domain.unit_ranking import rank_units


def test_mean_first_then_share_of_good_and_ties_share_a_rank() -> None:
    ranks = rank_units({"A": (F(85), F(1, 2)), "B": (F(90), F(0)), "C": (F(85), F(1, 4)), "D": (F(85), F(1, 2)),
                        "E": (F(170, 3), F(1))})
    assert ranks == {"B": 1, "A": 2, "D": 2, "C": 4, "E": 5}


def test_order_of_input_never_changes_a_rank() -> None:
    measures = {"A": (F(80), F(1, 3)), "B": (F(80), F(1, 3)), "C": (F(79), F(1))}
    assert rank_units(measures) == rank_units(dict(reversed(list(measures.items())))) == {"A": 1, "B": 1, "C": 3}
