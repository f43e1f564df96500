"""A scoring worker process (``python -m shared.jobs.worker scoring``) whose close parts never finish:
once it holds a part it says which on its standard output, so that it can be killed in the middle
of it. Its settings come from the environment, as a worker's do."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from scoring.results import parts as partition
from shared.jobs.worker import serve


def stuck(given: partition.Staged, *args: Any) -> partition.Part:
    print(f"computing part {given.number}", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    partition.compute_staged = stuck  # type: ignore[assignment]
    asyncio.run(serve("scoring"))
