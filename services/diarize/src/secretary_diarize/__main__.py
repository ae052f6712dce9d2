"""`python -m secretary_diarize`: speaker diarization worker."""

import asyncio

from secretary_runtime.jobs import JobRunner
from secretary_runtime.logs import configure_logging
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.service import create_broker, run_worker

from secretary_diarize.engine import Diarizer
from secretary_diarize.settings import DiarizeSettings
from secretary_diarize.worker import DiarizeWorker


def main() -> None:
    settings = DiarizeSettings()
    configure_logging("diarize", settings.log_level, settings.log_format)
    diarizer = Diarizer(settings)
    broker = create_broker(settings)
    DiarizeWorker(settings, broker, JobRunner(broker, EventPublisher(broker)), diarizer).register()
    asyncio.run(run_worker("diarize", settings, broker))


if __name__ == "__main__":
    main()
