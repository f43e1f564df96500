from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class SchemeInvalid(Unprocessable):
    code = "scheme_invalid"
    title = "The scheme breaks a rule"


class InputInvalid(Unprocessable):
    code = "input_invalid"
    title = "The input breaks a rule of the scheme"


def bad_field(message: str, field: str) -> InputInvalid:
    """A 422 naming the one field at fault (``body.x``, ``query.y``)."""
    return InputInvalid(message, errors=[{"field": field, "message": message}])


class InvalidReference(Unprocessable):
    """An id in a body that names nothing the caller can see (records answers the same): the data's
    form is right, the object it names is missing."""

    code = "invalid_reference"
    title = "A referenced record does not exist or does not fit"


def bad_reference(message: str, field: str) -> InvalidReference:
    """A 422 ``invalid_reference`` naming the one field whose id does not resolve."""
    return InvalidReference(message, errors=[{"field": field, "message": message}])


class SchemeNotFound(NotFound):
    code = "scheme_not_found"
    title = "No such scheme"


class RoundNotFound(NotFound):
    code = "round_not_found"
    title = "No such rating round"


class ResultNotFound(NotFound):
    code = "result_not_found"
    title = "No such result"


class ObjectionNotFound(NotFound):
    code = "objection_not_found"
    title = "No such objection"


class RoundClosed(Conflict):
    code = "round_closed"
    title = "The rating round is closed"


class RoundOpen(Conflict):
    code = "round_open"
    title = "A rating round of the period is still open"


class AlreadyExists(Conflict):
    code = "duplicate"
    title = "Already exists"


class AlreadyPublished(Conflict):
    code = "already_published"
    title = "This result version is already published, or a newer one is"


class NotPublished(Conflict):
    code = "not_published"
    title = "Nothing is published for this period"


class ObjectionClosed(Conflict):
    code = "objection_closed"
    title = "The objection has been decided, or its window has passed"


class NothingClosed(Conflict):
    code = "nothing_closed"
    title = "No scheme of the region has closed the period yet"


class InputsMissing(Conflict):
    code = "inputs_missing"
    title = "Inputs the scheme does not score without are missing"


class DeadlinePassed(Conflict):
    code = "round_deadline_passed"
    title = "The rating round's deadline has passed"


class RoundChanged(Conflict):
    code = "round_changed"
    title = "The round is already as asked, or was changed so that this no longer applies"


class PeriodNotClosed(Conflict):
    code = "period_kind_not_closed"
    title = "The scheme does not close periods of this kind"


class CloseInterrupted(Conflict):
    code = "close_interrupted"
    title = "The close was interrupted before its version was stored"


class NoBottomRule(Conflict):
    code = "no_bottom_rule"
    title = "The scheme has no bottom_rule"


class AdjustmentNotFound(NotFound):
    code = "adjustment_not_found"
    title = "No such bonus or deduction item"


class NegativeEventNotFound(NotFound):
    code = "negative_event_not_found"
    title = "No such negative-list event"


class MarkNotFound(NotFound):
    code = "mark_not_found"
    title = "No such mark"


class AlreadyVoided(Conflict):
    code = "already_voided"
    title = "Already voided"


class SchemeNotApproved(Conflict):
    code = "scheme_not_approved"
    title = "The scheme's version is not approved by its region's organisation department"


class ReviewState(Conflict):
    code = "review_state"
    title = "The scheme's version is not in a state this step of its review takes"


class RegionNotFound(NotFound):
    code = "region_not_found"
    title = "No such region of yours"


class BulletinNotFound(NotFound):
    code = "bulletin_not_found"
    title = "No such bulletin of the region"


class BulletinIssued(Conflict):
    code = "bulletin_issued"
    title = "The bulletin is issued: it is kept as issued"
