"""`python -m secretary_testing.quoting_llm --port N`: an OpenAI-compatible chat server whose
"model" answers by quoting the transcript line that shares the most words with the question,
cited as `[mm:ss] Speaker`.

For tests of what happens to an answer that cites: the page's citation links, the seek they
make. The only model that runs offline here (SmolLM2-135M behind llama.cpp, which the llm
service's own tests use) cites where it should in about one try of ten, so a test that needs a
citation cannot rest on it. Everything between the llm service and this server is the real
thing: the openai client, the HTTP proxy, streaming, the citation check.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LINE = re.compile(r"^\[(?P<at>(?:\d+:)?\d{2}:\d{2})\] (?P<speaker>[^:\n]+): (?P<text>.+)$", re.M)
WORD = re.compile(r"\w+")
NOT_FOUND = "The recording does not say."


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text) if len(w) > 2}


def reply_to(messages: list[dict[str, Any]]) -> str:
    question = next(
        (str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    lines = [match for m in messages for match in LINE.finditer(str(m.get("content", "")))]
    asked = _words(question)
    best = max(lines, key=lambda line: len(asked & _words(line["text"])), default=None)
    if best is None or not asked & _words(best["text"]):
        return NOT_FOUND
    return f"{best['text']} [{best['at']}] {best['speaker']}"


class ChatHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(200, {"object": "list", "data": [{"id": "quoting", "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": "not found"}})
            return
        answer = reply_to(request.get("messages", []))
        created = int(time.time())
        if not request.get("stream"):
            self._send_json(
                200,
                {
                    "id": "quote",
                    "object": "chat.completion",
                    "created": created,
                    "model": request.get("model", "quoting"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": answer},
                            "finish_reason": "stop",
                        }
                    ],
                },
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        pieces = re.findall(r"\S+\s*", answer)
        for number, piece in enumerate([*pieces, None]):
            chunk = {
                "id": "quote",
                "object": "chat.completion.chunk",
                "created": created,
                "model": request.get("model", "quoting"),
                "choices": [
                    {
                        "index": 0,
                        "delta": {"content": piece} if piece is not None else {},
                        "finish_reason": None if piece is not None else "stop",
                    }
                ],
            }
            if number == 0:
                chunk["choices"][0]["delta"]["role"] = "assistant"
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    ThreadingHTTPServer(("127.0.0.1", arguments.port), ChatHandler).serve_forever()


if __name__ == "__main__":
    main()
