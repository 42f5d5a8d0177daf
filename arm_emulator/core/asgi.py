"""The ASGI face of the emulator: bytes in, Emulator.handle, bytes out."""

from __future__ import annotations

from .emulator import Emulator


def make_app(emulator: Emulator):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host") or f"{scope['server'][0]}:{scope['server'][1]}"
        base_url = f"{scope.get('scheme', 'https')}://{host}"
        response = emulator.handle(scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"),
                                   headers, body, base_url)
        if response.drop_connection:
            _hang_up(send)
            return
        payload = b"" if scope["method"] == "HEAD" else response.encode()
        out_headers = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in response.headers.items()]
        if response.body is not None:
            out_headers.append((b"content-type", b"application/json; charset=utf-8"))
        out_headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": out_headers})
        await send({"type": "http.response.body", "body": payload})

    return app


def _hang_up(send) -> None:
    """Close the connection without an answer, as a dropped connection does. ASGI has no message for
    that: abort the server's transport under the request (uvicorn's h11 cycle, whose `send` is bound to
    it), and mark the cycle disconnected so that uvicorn does not answer 500 in our place."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("this ASGI server exposes no transport: the emulator cannot drop a connection")
    transport.abort()
    cycle.disconnected = True
