"""Example bodies for the OpenAPI document: the excellent quota (优秀名额) of a county with two
townships, Xiacun (XC) and Nanzhuang (NZ), and its finance bureau (CZJ). The allocation is what the
engine gives for these inputs. Each model names its own in ``json_schema_extra``; a test validates
every one against its model."""

from __future__ import annotations

from typing import Any

REGION_ID = "6f1c2a64-1b1e-4c55-9d7e-3f0b8e6f4a10"
RUN_ID = "a2c4e6f8-1b3d-4f5a-9c7e-0d2b4f6a8c10"
OTHER_RUN_ID = "b3d5f7a9-2c4e-4a6b-8d0f-1e3c5a7b9d21"
PUBLICATION_ID = "c4e6a8b0-3d5f-4b7c-9e1a-2f4d6b8c0e32"
AT = "2026-01-13T10:30:00+08:00"

Examples = dict[str, Any]


def of(*examples: Examples) -> dict[str, Any]:
    """``json_schema_extra`` naming these examples."""
    return {"examples": list(examples)}


POLICY = {"ratio_by_grade": {"first": "0.3", "second": "0.2"}, "unit_cap_ratio": "0.5", "township_uplift": "0.2",
          "township_uplift_kind": "relative", "pool_min": "0", "pool_max": "1", "designated_rules": [],
          "designated": None, "tilt_kinds": ["township"], "comparison_kinds": ["department", "street"],
          "tilt_method": "hamilton", "leftover": "largest_remainder", "honour_points": {}}
UNITS = [{'id': 'XC', 'kind': 'township', 'headcount': 43, 'grade': 'first', 'points': '3'},
 {'id': 'NZ', 'kind': 'township', 'headcount': 37, 'grade': 'second', 'points': '1.5'},
 {'id': 'CZJ', 'kind': 'department', 'headcount': 31, 'grade': 'second'}]
STORED_UNITS = [{**unit, "headcount": None} if unit["id"] == "XC" else unit for unit in UNITS]
RESULT = {'units': [{'id': 'CZJ',
            'kind': 'department',
            'headcount': 31,
            'grade': 'second',
            'points': '0',
            'exact_quota': '6.2',
            'exact_quota_fraction': '31/5',
            'cap': 15,
            'floor': 6,
            'designated': 0,
            'tilt': 0,
            'remainder': 0,
            'total': 6,
            'ratio': '0.193548',
            'ratio_before': '0.193548',
            'eligible': False,
            'members': []},
           {'id': 'NZ',
            'kind': 'township',
            'headcount': 37,
            'grade': 'second',
            'points': '1.5',
            'exact_quota': '7.4',
            'exact_quota_fraction': '37/5',
            'cap': 18,
            'floor': 7,
            'designated': 0,
            'tilt': 0,
            'remainder': 0,
            'total': 7,
            'ratio': '0.189189',
            'ratio_before': '0.189189',
            'eligible': True,
            'members': []},
           {'id': 'XC',
            'kind': 'township',
            'headcount': 43,
            'grade': 'first',
            'points': '3',
            'exact_quota': '12.9',
            'exact_quota_fraction': '129/10',
            'cap': 21,
            'floor': 12,
            'designated': 0,
            'tilt': 0,
            'remainder': 1,
            'total': 13,
            'ratio': '0.302326',
            'ratio_before': '0.27907',
            'eligible': True,
            'members': []}],
 'pool': {'collected': 1, 'used': 1, 'left': 0, 'fraction_left': '0.5', 'left_reason': None},
 'township_ratio': '0.25',
 'department_ratio': '0.193548',
 'required_township_ratio': '0.232258',
 'uplift': '0.291667',
 'uplift_points': '0.056452',
 'uplift_kind': 'relative',
 'pool_bounds': {'min': '0', 'max': '1', 'returned': 0, 'topped_up': 0},
 'feasible': True,
 'shortfall': 0,
 'warnings': [],
 'trace': [{'step': 'pool',
            'text': 'floors give 25 slots; the fractional parts add up to 1.5000: a pool of 1 slot(s), 0.5000 '
                    'of a slot left over',
            'unit': None,
            'slots': 1,
            'rule': None},
           {'step': 'uplift',
            'text': 'departments and streets stand at 19.35%; townships need 23.23% (20% higher): 0 more '
                    'township slot(s) after designated slots',
            'unit': None,
            'slots': 0,
            'rule': 'township_uplift'},
           {'step': 'remainder',
            'text': 'XC: +1 for its fractional part 0.9000',
            'unit': 'XC',
            'slots': 1,
            'rule': 'largest_remainder'},
           {'step': 'check',
            'text': 'townships 25.00%, departments and streets 19.35%: uplift reached',
            'unit': None,
            'slots': 0,
            'rule': None}]}
SIMULATE = {"policy": POLICY, "units": UNITS}
UNITS_PUT = {"units": STORED_UNITS}
STORED = {"region_id": REGION_ID, "year": 2025, "units": STORED_UNITS, "policy": POLICY,
          "updated_at": "2026-01-12T16:20:00+08:00"}
RUN = {"id": RUN_ID, "region_id": REGION_ID, "year": 2025, "created_at": AT, "created_by": "yanshi-admin",
       "input_digest": "9f2c4e1a7b3d5f60", "published": True, "policy": POLICY,
       "units": [{**unit, "headcount_source": "records" if unit["id"] == "XC" else "stored"} for unit in UNITS],
       "result": RESULT}
RUN_SUMMARY = {"id": RUN_ID, "created_at": AT, "created_by": "yanshi-admin", "input_digest": "9f2c4e1a7b3d5f60",
               "feasible": True, "published": True, "warnings": 0}
RUN_PAGE = {"items": [RUN_SUMMARY], "next": None, "total": 1}
COMPARISON = {"base_id": OTHER_RUN_ID, "other_id": RUN_ID, "same_inputs": False,
              "units": [{"id": "XC", "before": 12, "after": 13, "change": 1, "fields": {"headcount": [41, 43]}}],
              "policy_changes": {"township_uplift": ["0.15", "0.2"]}}
PUBLISH = {"accept_warnings": False, "supersedes": True, "reason": "县考核委员会复核后更正夏村镇年末人数"}
PUBLICATION = {"id": PUBLICATION_ID, "sequence": 2, "region_id": REGION_ID, "year": 2025, "run_id": RUN_ID,
               "published_at": "2026-01-13T11:00:00+08:00", "published_by": "yanshi-admin",
               "slots": {"XC": 13, "NZ": 7, "CZJ": 6}, "reason": PUBLISH["reason"], "warnings": [], "current": True,
               "supersedes_id": "d5f7b9c1-4e6a-4c8d-8f2b-3a5e7c9d1f43",
               "changes": [{"unit_id": "XC", "before": 12, "after": 13, "change": 1}], "superseded": None}
FIRST_PUBLICATION = {**PUBLICATION, "id": PUBLICATION["supersedes_id"], "sequence": 1, "run_id": OTHER_RUN_ID,
                     "published_at": "2026-01-09T15:00:00+08:00", "slots": {"XC": 12, "NZ": 7, "CZJ": 6},
                     "reason": None, "current": False, "supersedes_id": None, "changes": [],
                     "superseded": {"at": PUBLICATION["published_at"], "by": "yanshi-admin",
                                    "reason": PUBLISH["reason"], "publication_id": PUBLICATION_ID}}
PUBLICATIONS = {"items": [FIRST_PUBLICATION, PUBLICATION], "next": None}
APPORTION_REQUEST = {"method": "huntington_hill", "seats": 10, "populations": {"A": 123, "B": 456, "C": 789},
                     "min_seats": 1}
APPORTION = {"method": "huntington_hill", "seats": {"A": 1, "B": 3, "C": 6}, "ties": []}
