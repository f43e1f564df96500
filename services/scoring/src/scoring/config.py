from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import JobSettings, database_read_url_field, database_url_field

#: The default of ScoringSettings.close_work_mem_mb.
CLOSE_WORK_MEM_MB = 256
#: The default of ScoringSettings.close_part_people.
CLOSE_PART_PEOPLE = 20_000
#: The default of ScoringSettings.close_job_people.
CLOSE_JOB_PEOPLE = 20_000


@dataclass(frozen=True)
class CloseTuning:
    """How a close uses the machine (see ScoringSettings)."""

    work_mem_mb: int = CLOSE_WORK_MEM_MB
    part_people: int = CLOSE_PART_PEOPLE
    job_people: int = CLOSE_JOB_PEOPLE
    gatherer_computes: bool = True


DEFAULT_TUNING = CloseTuning()


class ScoringSettings(JobSettings):
    model_config = SettingsConfigDict(env_prefix="SCORING_", env_file=".env", extra="ignore")

    database_url: str = database_url_field("SCORING_")  # type: ignore[assignment]
    database_read_url: str | None = database_read_url_field("SCORING_")  # type: ignore[assignment]
    records_url: str = Field(default="http://127.0.0.1:8001", description="the records service's base URL")
    quota_url: str = Field(default="http://127.0.0.1:8003", description="the quota service's base URL")
    upstream_timeout_seconds: float = Field(default=60.0,
                                            description="how long a call to records or quota may take (504 beyond)")
    # A quarter's workbook recomposes every person's parts: 2,000 rows take a second or two.
    export_job_rows: int = Field(
        default=1_000, ge=0,
        description="a results workbook of this many rows or more is written by a job in a worker (answered at once "
                    "if done within KAOHE_JOB_WAIT_SECONDS, else 202 with the job); 0: every one")
    close_work_mem_mb: int = Field(
        CLOSE_WORK_MEM_MB, ge=4, le=8192,
        description="memory the database may use to sum a close's ratings per person and rater group in one "
                    "pass (a province's 4,000,000 ratings need about 350 MB; with less it spills to disk)")
    close_part_people: int = Field(
        CLOSE_PART_PEOPLE, ge=0,
        description="a quarter's close computes its people in parts of at most this many (by person id), each "
                    "a task the workers may take at once; the parts are then graded and stored in one step "
                    "(0: one part)")
    close_job_people: int = Field(
        CLOSE_JOB_PEOPLE, ge=0,
        description="a close expected to have at least this many people (the scheme's latest version's, or those "
                    "marked for the period) runs as a job on the workers, its parts at once; a smaller one is "
                    "closed within the call (0: every close is a job)")
    close_gatherer_computes: bool = Field(
        True, description="the worker that gathers a close's inputs computes parts of it too, from the inputs it "
                          "holds, while other workers take the rest, and stores the version itself (false: it leaves "
                          "every part to the queue, and a finishing task reads them all back and stores the version)")

    @property
    def close_tuning(self) -> CloseTuning:
        return CloseTuning(work_mem_mb=self.close_work_mem_mb, part_people=self.close_part_people,
                           job_people=self.close_job_people, gatherer_computes=self.close_gatherer_computes)


@lru_cache
def get_settings() -> ScoringSettings:
    return ScoringSettings()
