"""`python -m secretary_ingest`: the prepare stage (and, later, the Telegram client)."""

import asyncio

from secretary_runtime.jobs import JobRunner
from secretary_runtime.logs import configure_logging
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.service import create_broker, run_worker

from secretary_ingest.prepare import Preparer
from secretary_ingest.settings import IngestSettings


def main() -> None:
    settings = IngestSettings()
    configure_logging("ingest", settings.log_level, settings.log_format)
    broker = create_broker(settings)
    Preparer(settings, broker, JobRunner(broker, EventPublisher(broker))).register()
    asyncio.run(run_worker("ingest", settings, broker))


if __name__ == "__main__":
    main()
