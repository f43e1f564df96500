"""The records OpenAPI document as a client author reads it: every operation says what it does, and
every example body is one the API takes or gives."""

from __future__ import annotations

import pytest

import records
from records.config import RecordsSettings
from records.main import create_app
from shared.openapi_examples import document_errors, model_example_errors


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    settings = RecordsSettings(RECORDS_DATABASE_URL="postgresql+asyncpg://records@localhost/kaohe",
                               KAOHE_SERVICE_SECRET="an-example-secret-long-enough-to-be-accepted-0123456789")
    return create_app(settings).openapi()


def test_every_example_is_valid_for_its_model() -> None:
    assert model_example_errors(records) == []


def test_every_operation_is_described_and_every_body_has_a_valid_example(document: dict[str, object]) -> None:
    assert document_errors(document, "/api/v1/records/") == []
