"""The scoring schema: schemes and their versions, rating rounds, marks, bonus and deduction
items, negative-list events, result versions with one row per person, and objections."""

from __future__ import annotations

from scoring.models.closes import (
    Close,
    CloseInputs,
    ClosePart,
    CloseRun,
    FileRead,
    JsonText,
    Objection,
    Result,
)
from scoring.models.inputs import (
    AdjustmentRow,
    InputChange,
    InputState,
    Mark,
    NegativeEvent,
    PeriodItem,
)
from scoring.models.procedure import (
    CalendarDay,
    ProcedureRun,
    ProcedureStage,
)
from scoring.models.rounds import (
    RatingCode,
    RatingRound,
    RatingRow,
    RoundChange,
    RoundPerson,
    RoundRater,
    RoundSums,
    VoidedRating,
)
from scoring.models.schemes import (
    ReviewRequirements,
    Scheme,
    SchemeReview,
    SchemeVersion,
    VersionReview,
)

__all__ = [
    "AdjustmentRow",
    "CalendarDay",
    "Close",
    "CloseInputs",
    "ClosePart",
    "CloseRun",
    "FileRead",
    "InputChange",
    "InputState",
    "JsonText",
    "Mark",
    "NegativeEvent",
    "Objection",
    "PeriodItem",
    "ProcedureRun",
    "ProcedureStage",
    "RatingCode",
    "RatingRound",
    "RatingRow",
    "Result",
    "ReviewRequirements",
    "RoundChange",
    "RoundPerson",
    "RoundRater",
    "RoundSums",
    "Scheme",
    "SchemeReview",
    "SchemeVersion",
    "VersionReview",
    "VoidedRating",
]
