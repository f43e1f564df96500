from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class InvalidApportionment(Unprocessable):
    code = "apportionment_invalid"
    title = "The apportionment request cannot be computed"


class InvalidAllocation(Unprocessable):
    code = "allocation_invalid"
    title = "The allocation inputs break a rule"


class AllocationNotFound(NotFound):
    code = "allocation_not_found"
    title = "No such allocation run"


class InputsMissing(Conflict):
    code = "allocation_inputs_missing"
    title = "The region has no stored inputs for this year"


class AlreadyPublished(Conflict):
    code = "allocation_already_published"
    title = "An allocation is already published for this region and year"


class NothingPublished(NotFound):
    code = "allocation_not_published"
    title = "No allocation is published for this region and year"


class RegionNotFound(NotFound):
    code = "region_not_found"
    title = "No such region"


class AllocationHasWarnings(Conflict):
    code = "allocation_has_warnings"
    title = "The run breaks rules of its policy: publish it only by accepting its warnings"


class NothingToSupersede(Conflict):
    code = "allocation_nothing_to_supersede"
    title = "Nothing is published for this region and year to supersede"


class UndefinedReference(Unprocessable):
    """The body names what it does not define (a grade without a ratio, a unit without a population): answered
    like a missing object, apart from the rules its values break."""

    code = "invalid_reference"
    title = "A referenced record does not exist or does not fit"
