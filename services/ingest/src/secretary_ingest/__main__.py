"""`python -m secretary_ingest`: the Telegram door; media is prepared by the prepare service."""

import asyncio
import logging
import sys

from pydantic import ValidationError
from secretary_runtime.logs import configure_logging
from secretary_runtime.service import create_broker, run_worker

from secretary_ingest.settings import IngestSettings

logger = logging.getLogger("secretary_ingest")


def main() -> None:
    try:
        settings = IngestSettings()
    except ValidationError as error:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())
        print(f"ingest: invalid settings: {problems}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging("ingest", settings.log_level, settings.log_format)
    broker = create_broker(settings)
    if not settings.telegram_enabled:
        # stays up and healthy, so a Deployment without credentials does not crash-loop
        logger.warning("Telegram door is off: SECRETARY_TELEGRAM_API_ID and the rest are unset")
        asyncio.run(run_worker("ingest", settings, broker))
        return

    from secretary_ingest.telegram.bot import TelegramBot
    from secretary_ingest.telegram.client import create_client, register, start_or_exit
    from secretary_ingest.telegram.gateway import GatewayClient
    from secretary_ingest.telegram.notifier import TelegramNotifier
    from secretary_ingest.telegram.status import StatusMessages

    assert settings.gateway_api_key is not None
    client = create_client(settings)
    gateway = GatewayClient.connect(
        settings.gateway_url, settings.gateway_api_key.get_secret_value()
    )
    bot = TelegramBot(
        settings,
        broker,
        client,
        StatusMessages(client, settings.telegram_status_interval_s),
        gateway,
    )
    register(client, bot.handle)
    TelegramNotifier(broker, bot).register()
    logger.info("Telegram door is on, %s", settings.door_policy())

    async def start_client() -> None:
        await start_or_exit(client)
        bot.start_signing_out_the_disallowed()

    async def stop_client() -> None:
        await client.stop()
        await gateway.close()

    asyncio.run(run_worker("ingest", settings, broker, on_start=start_client, on_stop=stop_client))


if __name__ == "__main__":
    main()
