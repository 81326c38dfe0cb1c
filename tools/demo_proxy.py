"""Serve the demo's Odoo on one port, as a reverse proxy does in production.

A multi-worker Odoo serves HTTP on its workers' port and websockets (live
updates of the web client) only on its gevent port. The browser opens both on
the address it was given, so this proxy listens there and sends each connection
whose first request is for ``/websocket`` to the gevent port, and every other
connection to the workers' port. It reads nothing after the first request line.

    python tools/demo_proxy.py --port 8069 --http-port 8079 --gevent-port 8072
"""

import argparse
import asyncio
import contextlib
import logging

_logger = logging.getLogger("demo_proxy")

LOOPBACK = "127.0.0.1"
# A request line longer than this is not one a browser or the demo sends.
MAX_REQUEST_LINE = 16 * 1024


async def pipe(reader, writer):
    """Copy bytes from ``reader`` to ``writer`` until either side closes."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


def upstream_port(request_line, http_port, gevent_port):
    """Return the port for a connection that starts with ``request_line`` (bytes)."""
    parts = request_line.split(b" ")
    path = parts[1] if len(parts) > 1 else b""
    return gevent_port if path.startswith(b"/websocket") else http_port


async def handle(client_reader, client_writer, http_port, gevent_port):
    try:
        request_line = await client_reader.readuntil(b"\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        client_writer.close()
        return
    port = upstream_port(request_line, http_port, gevent_port)
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(LOOPBACK, port)
    except OSError as error:
        _logger.warning("Odoo is not reachable on port %s: %s", port, error)
        client_writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        client_writer.close()
        return
    upstream_writer.write(request_line)
    await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))


async def serve(port, http_port, gevent_port):
    server = await asyncio.start_server(
        lambda reader, writer: handle(reader, writer, http_port, gevent_port),
        LOOPBACK,
        port,
        limit=MAX_REQUEST_LINE,
    )
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="port the browser uses")
    parser.add_argument("--http-port", type=int, required=True, help="Odoo's workers' port")
    parser.add_argument("--gevent-port", type=int, required=True, help="Odoo's gevent port")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.http_port, args.gevent_port))


if __name__ == "__main__":
    main()
