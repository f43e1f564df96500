"""The error a pure rule raises for input it cannot take, naming the field at fault.

Domain modules subclass it (``GradeRuleError``, ``ApportionmentError``, ...) so a caller catches
the rule's own error and turns ``field`` into the path of its answer's ``errors`` list.
"""

from __future__ import annotations


class FieldError(ValueError):
    """Input a rule cannot take; ``field`` names where the problem is."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field
