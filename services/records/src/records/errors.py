from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class RegionNotFound(NotFound):
    code = "region_not_found"


class UnitNotFound(NotFound):
    code = "unit_not_found"


class SectionNotFound(NotFound):
    code = "section_not_found"


class PersonNotFound(NotFound):
    code = "person_not_found"


class DuplicateCode(Conflict):
    code = "duplicate"
    title = "Already exists"


class InvalidReference(Unprocessable):
    code = "invalid_reference"
    title = "A referenced record does not exist or does not fit"


class RosterConflict(Conflict):
    code = "roster_conflict"
    title = "The roster change does not fit the person's history"


class ReasonRequired(Unprocessable):
    code = "reason_required"
    title = "A change of a record needs a reason"
