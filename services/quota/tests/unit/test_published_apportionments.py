"""The engine against apportionments published by others."""

from __future__ import annotations

from quota.domain.apportion import apportion

# 2020 United States census, resident population of the 50 states; the House seats are those
# of the official 2020 apportionment (Huntington-Hill, 435 seats, at least one per state).
US_2020 = {
    "California": (39538223, 52), "Texas": (29145505, 38), "Florida": (21538187, 28),
    "New York": (20201249, 26), "Pennsylvania": (13002700, 17), "Illinois": (12812508, 17),
    "Ohio": (11799448, 15), "Georgia": (10711908, 14), "North Carolina": (10439388, 14),
    "Michigan": (10077331, 13), "New Jersey": (9288994, 12), "Virginia": (8631393, 11),
    "Washington": (7705281, 10), "Arizona": (7151502, 9), "Massachusetts": (7029917, 9),
    "Tennessee": (6910840, 9), "Indiana": (6785528, 9), "Maryland": (6177224, 8),
    "Missouri": (6154913, 8), "Wisconsin": (5893718, 8), "Colorado": (5773714, 8),
    "Minnesota": (5706494, 8), "South Carolina": (5118425, 7), "Alabama": (5024279, 7),
    "Louisiana": (4657757, 6), "Kentucky": (4505836, 6), "Oregon": (4237256, 6),
    "Oklahoma": (3959353, 5), "Connecticut": (3605944, 5), "Utah": (3271616, 4), "Iowa": (3190369, 4),
    "Nevada": (3104614, 4), "Arkansas": (3011524, 4), "Mississippi": (2961279, 4), "Kansas": (2937880, 4),
    "New Mexico": (2117522, 3), "Nebraska": (1961504, 3), "Idaho": (1839106, 2),
    "West Virginia": (1793716, 2), "Hawaii": (1455271, 2), "New Hampshire": (1377529, 2),
    "Maine": (1362359, 2), "Rhode Island": (1097379, 2), "Montana": (1084225, 2), "Delaware": (989948, 1),
    "South Dakota": (886667, 1), "North Dakota": (779094, 1), "Alaska": (733391, 1), "Vermont": (643077, 1),
    "Wyoming": (576851, 1),
}


def test_us_house_2020_huntington_hill() -> None:
    populations = {state: pop for state, (pop, _) in US_2020.items()}
    expected = {state: seats for state, (_, seats) in US_2020.items()}
    assert apportion("huntington_hill", 435, populations, min_seats=1).seats == expected


# The worked example in the encyclopaedia articles on the D'Hondt and Sainte-Laguë methods.
PARTIES = {"A": 100_000, "B": 80_000, "C": 30_000, "D": 20_000}


def test_dhondt_textbook_example() -> None:
    assert apportion("dhondt", 8, PARTIES).seats == {"A": 4, "B": 3, "C": 1, "D": 0}


def test_sainte_lague_textbook_example() -> None:
    assert apportion("sainte_lague", 8, PARTIES).seats == {"A": 3, "B": 3, "C": 1, "D": 1}


def test_largest_remainder_textbook_example() -> None:
    # Hare quota 10,000: quotas 4.7 1.6 1.58 1.2 0.61 0.31; remainders .70 .61 .60 win.
    votes = {"A": 47_000, "B": 16_000, "C": 15_800, "D": 12_000, "E": 6_100, "F": 3_100}
    assert apportion("hamilton", 10, votes).seats == {"A": 5, "B": 2, "C": 1, "D": 1, "E": 1, "F": 0}
