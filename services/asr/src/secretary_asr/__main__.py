"""`python -m secretary_asr`: speech recognition worker."""

import asyncio

from secretary_runtime.jobs import JobRunner
from secretary_runtime.logs import configure_logging
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.service import create_broker, run_worker

from secretary_asr.engine import Transcriber
from secretary_asr.settings import AsrSettings
from secretary_asr.worker import AsrWorker


def main() -> None:
    settings = AsrSettings()
    configure_logging("asr", settings.log_level, settings.log_format)
    transcriber = Transcriber(settings)
    broker = create_broker(settings)
    AsrWorker(settings, broker, JobRunner(broker, EventPublisher(broker)), transcriber).register()
    asyncio.run(run_worker("asr", settings, broker))


if __name__ == "__main__":
    main()
