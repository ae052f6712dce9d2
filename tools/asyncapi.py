"""Renders docs/asyncapi.yaml from the real applications: each service's broker with the
subscribers its process registers, built as its `__main__` builds them, but without loading
a model or connecting anywhere (no handler runs here). Published subjects come from the
contracts, where each is declared once.

`python tools/asyncapi.py > docs/asyncapi.yaml` (`make schemas`); a test fails when it drifts.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from secretary_asr.settings import AsrSettings
from secretary_asr.worker import AsrWorker
from secretary_contracts.asyncapi import DESCRIPTION, published_subjects
from secretary_diarize.settings import DiarizeSettings
from secretary_diarize.worker import DiarizeWorker
from secretary_gateway.app import create_app
from secretary_gateway.settings import GatewaySettings
from secretary_ingest.settings import IngestSettings
from secretary_ingest.telegram.notifier import TelegramNotifier
from secretary_llm.settings import LlmSettings
from secretary_llm.worker import QuestionWorker, SummaryWorker
from secretary_merge.joiner import Joiner
from secretary_merge.settings import MergeSettings
from secretary_prepare.settings import PrepareSettings
from secretary_prepare.worker import Preparer
from secretary_runtime.jobs import JobRunner
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.service import create_broker

# stands for a model, a client or a bot: only the handlers use them, and none runs here
UNUSED: Any = None


def _jobs(broker: NatsBroker) -> JobRunner:
    return JobRunner(broker, EventPublisher(broker))


def service_brokers() -> dict[str, NatsBroker]:
    brokers: dict[str, NatsBroker] = {}

    prepare = create_broker(settings := PrepareSettings())
    Preparer(settings, prepare, _jobs(prepare)).register()
    brokers["prepare"] = prepare

    asr = create_broker(asr_settings := AsrSettings())
    AsrWorker(asr_settings, asr, _jobs(asr), UNUSED).register()
    brokers["asr"] = asr

    diarize = create_broker(diarize_settings := DiarizeSettings())
    DiarizeWorker(diarize_settings, diarize, _jobs(diarize), UNUSED).register()
    brokers["diarize"] = diarize

    merge = create_broker(merge_settings := MergeSettings())
    Joiner(merge_settings, merge, _jobs(merge)).register()
    brokers["merge"] = merge

    llm = create_broker(llm_settings := LlmSettings())
    QuestionWorker(llm_settings, llm, _jobs(llm), UNUSED, UNUSED).register()
    SummaryWorker(llm_settings, llm, _jobs(llm), UNUSED).register()
    brokers["llm"] = llm

    brokers["gateway"] = create_app(GatewaySettings()).state.broker

    ingest = create_broker(IngestSettings())
    TelegramNotifier(ingest, UNUSED).register()
    brokers["ingest"] = ingest
    return brokers


def render() -> str:
    specification = AsyncAPI(
        *service_brokers().values(),
        published_subjects(),
        title="secretary",
        version="1",
        description=DESCRIPTION,
    )
    # faststream orders channels by set iteration; sorted keys make the document reproducible
    document = yaml.safe_load(specification.to_specification().to_yaml())
    return yaml.safe_dump(document, sort_keys=True, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())
