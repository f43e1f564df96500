"""The results' use cases, by module, for callers outside the package: a close (``close``), its
publication (``publish``), objections (``objections``), explanations (``explanations``), the
versions and their comparison (``versions``), and the results as a caller may see them
(``listing``): it imports them, none of them imports it.
"""

from __future__ import annotations

from scoring.results.close import close_period, close_quarter
from scoring.results.explanations import expand, explain, explanation_of
from scoring.results.inputs import gather, gather_parts
from scoring.results.listing import find_close, results_changed, results_page, visible_units
from scoring.results.objections import list_objections, object_to, review
from scoring.results.publish import publish
from scoring.results.stored import close_read, latest_close
from scoring.results.versions import compare, versions

__all__ = ["close_period", "close_quarter", "close_read", "compare", "expand", "explain", "explanation_of",
           "find_close", "gather", "gather_parts", "latest_close", "list_objections", "object_to", "publish",
           "results_changed", "results_page", "review", "versions", "visible_units"]
