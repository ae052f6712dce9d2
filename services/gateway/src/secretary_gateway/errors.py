"""Every error the API returns has one shape: {"error": {"code", "message"}}."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    code: str = Field(examples=["recording_not_found"])
    message: str = Field(examples=["No recording with id 5f2b0c0e9a7d4f0c8e1d2b3a4c5d6e7f."])


class ErrorBody(BaseModel):
    """Every error: a stable machine-readable code and a sentence for people."""

    error: ErrorDetail


class ApiError(Exception):
    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def api_error_handler(_: Request[Any, Any, Any], error: ApiError) -> Response[Any]:
    return Response(
        error_body(error.code, error.message),
        status_code=error.status_code,
        headers=error.headers or None,
    )


def http_error_handler(_: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    code = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
    }.get(error.status_code, "http_error")
    message = str(error.detail)
    if isinstance(error, ValidationException) and error.extra:
        message = f"{message}: {error.extra}"
    headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
    return Response(error_body(code, message), status_code=error.status_code, headers=headers)


def internal_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    # the one place an unexpected error is written down, with what was asked
    logger.error("%s %s failed", request.method, request.url.path, exc_info=error)
    return Response(error_body("internal_error", "An internal error occurred."), status_code=500)


EXCEPTION_HANDLERS = {
    ApiError: api_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
