from __future__ import annotations

import pytest

from records.config import RecordsSettings
from shared.db import async_url


class TestDatabaseUrl:
    @pytest.mark.parametrize("given", [
        "postgresql://u:p@h:5432/d", "postgres://u:p@h:5432/d",
        "postgresql+psycopg://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d",
    ])
    def test_plain_forms_use_asyncpg(self, given: str) -> None:
        assert async_url(given) == "postgresql+asyncpg://u:p@h:5432/d"

    @pytest.mark.parametrize("given", ["oracle://u@h/d", "mysql://u@h/d"])
    def test_other_databases_are_refused(self, given: str) -> None:
        with pytest.raises(ValueError, match="only PostgreSQL"):
            async_url(given)


class TestServiceSettings:
    def test_the_service_url_wins_over_the_common_one(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KAOHE_DATABASE_URL", "postgresql://common@h/d")
        monkeypatch.setenv("RECORDS_DATABASE_URL", "postgresql://records@h/d")
        monkeypatch.setenv("KAOHE_SERVICE_SECRET", "x" * 32)
        assert RecordsSettings().database_url == "postgresql://records@h/d"

    def test_the_common_url_is_the_fallback(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("RECORDS_DATABASE_URL", raising=False)
        monkeypatch.setenv("KAOHE_DATABASE_URL", "postgresql://common@h/d")
        monkeypatch.setenv("KAOHE_SERVICE_SECRET", "x" * 32)
        assert RecordsSettings().database_url == "postgresql://common@h/d"

    def test_the_secret_is_required_and_hidden(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KAOHE_DATABASE_URL", "postgresql://common@h/d")
        monkeypatch.setenv("KAOHE_SERVICE_SECRET", "very-secret-value-0123456789")
        settings = RecordsSettings()
        assert "very-secret" not in repr(settings)
        monkeypatch.delenv("KAOHE_SERVICE_SECRET")
        with pytest.raises(ValueError, match="KAOHE_SERVICE_SECRET"):
            RecordsSettings()
