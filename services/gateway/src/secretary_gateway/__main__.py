"""`python -m secretary_gateway`: the REST API."""

import uvicorn
from secretary_runtime.logs import configure_logging

from secretary_gateway.app import create_app
from secretary_gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
        limit_concurrency=settings.max_connections,
    )


if __name__ == "__main__":
    main()
