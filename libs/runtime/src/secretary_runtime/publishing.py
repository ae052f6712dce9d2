"""Publishes contract events with a Nats-Msg-Id, so a re-published event is dropped by JetStream."""

from faststream.nats import NatsBroker
from secretary_contracts import (
    ErrorCode,
    RecordingEvent,
    Stage,
    StageFailed,
    StageProgress,
)
from secretary_contracts.messaging import STAGE_FAILED, STAGE_PROGRESS, EventSubject, stream_of


class EventPublisher:
    def __init__(self, broker: NatsBroker) -> None:
        self._broker = broker

    async def publish(
        self, subject: EventSubject, event: RecordingEvent, message_id: str | None = None
    ) -> bool:
        """Publishes and returns False when JetStream dropped it as a duplicate."""
        if not isinstance(event, subject.model):
            raise TypeError(f"{subject.subject} carries {subject.model.__name__}")
        ack = await self._broker.publish(
            event,
            subject.of(event.recording_id),
            headers={"Nats-Msg-Id": message_id or subject.message_id(event.recording_id)},
            stream=stream_of(subject.subject),
            timeout=10.0,
        )
        return not ack.duplicate

    async def progress(self, recording_id: str, stage: Stage, fraction: float) -> None:
        fraction = min(1.0, max(0.0, fraction))
        await self.publish(
            STAGE_PROGRESS,
            StageProgress(recording_id=recording_id, stage=stage, fraction=fraction),
            message_id=f"{recording_id}:{stage}:{fraction:.3f}",
        )

    async def failed(self, recording_id: str, stage: Stage, code: ErrorCode, message: str) -> None:
        await self.publish(
            STAGE_FAILED,
            StageFailed(recording_id=recording_id, stage=stage, code=code, message=message),
            message_id=f"{recording_id}:failed:{stage}",
        )
