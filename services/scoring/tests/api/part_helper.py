"""A helper process for a close under way in parts: it takes the run's parts as a worker does
(``staging.help_with``), except that once it holds a part it says so on its standard output and
never finishes computing it, so that it can be killed in the middle of the part.

    python part_helper.py DATABASE_URL RUN_ID
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from typing import Any

from scoring.results import parts as partition
from scoring.results import staging
from shared.db import create_engine, make_sessionmaker


def stuck(given: partition.PartInputs, *args: Any) -> partition.Part:
    print(f"computing part {given.number}", flush=True)
    while True:
        time.sleep(60)


async def main(url: str, run_id: uuid.UUID) -> None:
    partition.compute_part = stuck  # type: ignore[assignment]
    engine = create_engine(url, schema="scoring", application_name="kaohe-scoring-part-helper")
    await staging.help_with(make_sessionmaker(engine), run_id)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], uuid.UUID(sys.argv[2])))
