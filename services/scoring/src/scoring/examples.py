"""Example bodies for the OpenAPI document: a scheme of Xiacun (夏村镇) and a person there, as a
provincial integrator would send and receive them. Each model names its own in ``json_schema_extra``
from these; a test validates every one against its model."""

from __future__ import annotations

from typing import Any

REGION_ID = "46634a0c-c4ca-5e54-b5b1-be81442f2839"
UNIT_ID = "eac565fd-f2ae-5153-9e88-7b7cb5e97050"
SECTION_ID = "d1c19927-e254-5926-ac1a-2b8de7c3ea94"
PERSON_ID = "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee"
SCHEME_ID = "55070116-7a0a-5e5f-83b9-72778a55e596"
CLOSE_ID = "c6bca1f9-5b9f-5d7c-a861-f65ce9c1dc82"
ID = "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46"
AT = "2025-07-01T09:30:00Z"

Examples = dict[str, Any]

#: The person a row is about, with the names a read model adds (``NamedRow``).
NAMED: Examples = {"person_id": PERSON_ID, "staff_no": "X-001", "name": "王芳", "unit_name": "夏村镇",
                   "section_id": SECTION_ID, "section_name": "党政办"}
CREATED: Examples = {"created_at": AT, "created_by": "admin"}
VOIDED: Examples = {"voided_at": AT, "voided_by": "admin", "void_reason": "重复录入"}

#: A scheme's rules: 德 and 绩, a rater evaluation at 20%, one bonus item, one negative item, a cap on 好.
DEFINITION: Examples = {
    "indicators": [{"code": "de", "name": "德", "weight": "0.3"}, {"code": "ji", "name": "绩", "weight": "0.7"}],
    "raters": {"share": "0.2", "groups": {"leadership": "0.4", "middle": "0.3", "staff": "0.2", "non_staff": "0.1"}},
    "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"}},
                    "bonus_total": "4", "deduction_total": "10"},
    "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"}},
    "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
    "thresholds": [{"grade": "poor", "below": "60"}]}
