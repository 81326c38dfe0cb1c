"""HTTP server, fault injection and request log shared by the simulators.

A simulator is a WSGI application (a subclass of :class:`SimulatorApp`) served
by :class:`SimulatorServer` on 127.0.0.1 in a background thread. Tests start it
in-process on a free port; ``python -m simulators.<name> --port N`` runs it
alone. Faults are injected on demand and consumed by the matching requests:
an HTTP status with headers and body, a slow answer, or a dropped connection.

Paths under ``/_sim/`` are the control API for a process that drives the
simulator from outside (the demo, a subprocess). They bypass faults and the
request log, and reach :meth:`SimulatorApp.handle` like any other path. A
subclass may serve ``/_sim/faults``, ``/_sim/outage`` and ``/_sim/requests``
with :meth:`SimulatorApp.handle_common_control`.
"""

import contextlib
import json
import logging
import signal
import socket
import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

_logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class HttpError(Exception):
    """Raised by a handler to answer with an HTTP error and a JSON body."""

    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Fault:
    """A misbehaviour served to the next ``times`` requests that match it.

    ``kind`` is ``status`` (answer ``status`` with ``body`` and ``headers``),
    ``delay`` (wait ``delay`` seconds, then handle the request normally) or
    ``drop`` (close the connection without answering). ``times=None`` keeps the
    fault until :meth:`SimulatorApp.clear_faults`. ``after`` lets the request
    reach the handler first, so the change is made but the answer is lost.
    ``until`` is a ``time.monotonic()`` deadline after which the fault is
    discarded, whatever ``times`` says.
    """

    kind: str
    status: int = 500
    body: object = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    times: int | None = 1
    method: str | None = None
    path: str | None = None
    after: bool = False
    until: float | None = None

    def expired(self, now):
        return self.until is not None and now >= self.until

    def matches(self, request):
        if self.method and request.method != self.method.upper():
            return False
        return not (self.path and not request.path.startswith(self.path))


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict
    body: object
    status: int | None = None
    # Time the simulator took to build its response, for benchmarks to subtract.
    seconds: float | None = None


FAULT_OPTIONS = ("status", "body", "headers", "delay", "times", "method", "path", "after")


class SimulatorApp:
    """WSGI application base: routing is left to :meth:`handle` in subclasses."""

    name = "simulator"
    control_prefix = "/_sim/"
    #: Body of the error responses of :meth:`outage`, in the remote system's style.
    outage_body = {"message": "Service unavailable."}

    def __init__(self):
        self.lock = threading.RLock()
        self.faults = []
        self.requests = []

    # ------------------------------------------------------------------
    # Faults and request log
    # ------------------------------------------------------------------

    def inject(self, kind="status", **options):
        """Add a :class:`Fault`; return it so a test can inspect or remove it."""
        fault = Fault(kind=kind, **options)
        if fault.kind not in ("status", "delay", "drop"):
            raise ValueError(f"Unknown fault kind {kind!r}: use status, delay or drop.")
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self):
        with self.lock:
            self.faults.clear()

    def outage(self, seconds, status=500, retry_after=None, body=None):
        """Respond to every request with ``status`` for the next ``seconds`` seconds.

        ``retry_after`` (seconds) is sent as a ``Retry-After`` header, which
        makes sense with status 429 or 503.
        """
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return self.inject(
            "status",
            status=status,
            body=self.outage_body if body is None else body,
            headers=headers,
            times=None,
            until=time.monotonic() + seconds,
        )

    def clear_requests(self):
        with self.lock:
            self.requests.clear()

    def requests_to(self, method, path_prefix=""):
        """Return the logged requests with this method whose path starts with the prefix."""
        with self.lock:
            return [
                logged
                for logged in self.requests
                if logged.method == method and logged.path.startswith(path_prefix)
            ]

    def _take_fault(self, request):
        with self.lock:
            now = time.monotonic()
            self.faults[:] = [fault for fault in self.faults if not fault.expired(now)]
            for fault in self.faults:
                if fault.matches(request):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    # ------------------------------------------------------------------
    # WSGI
    # ------------------------------------------------------------------

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request = Request(environ)
        if request.path.startswith(self.control_prefix):
            return self._dispatch(request)(environ, start_response)

        logged = LoggedRequest(
            method=request.method,
            path=request.path,
            query=request.args.to_dict(flat=False),
            body=self._body_for_log(request),
        )
        with self.lock:
            self.requests.append(logged)

        fault = self._take_fault(request)
        if fault and fault.kind == "delay":
            time.sleep(fault.delay)
            fault = None
        if fault and not fault.after:
            response = self._serve_fault(fault, environ)
        else:
            response = self._dispatch(request)
            if fault:
                response = self._serve_fault(fault, environ)
        if response is None:
            # The connection is shut down: the server's attempt to answer fails
            # with a broken pipe, which it treats as a client that went away.
            start_response("500 Internal Server Error", [])
            return []
        logged.status = response.status_code
        logged.seconds = time.perf_counter() - started
        return response(environ, start_response)

    def _dispatch(self, request):
        try:
            with self.lock:
                return self.handle(request)
        except HttpError as error:
            return self.json_response(error.body, error.status, error.headers)
        except Exception:
            _logger.exception(
                "%s: handler failed for %s %s", self.name, request.method, request.path
            )
            return self.json_response({"Message": "An error has occurred."}, 500)

    def _serve_fault(self, fault, environ):
        if fault.kind == "drop":
            self._drop_connection(environ)
            return None
        return self.json_response(fault.body, fault.status, fault.headers)

    @staticmethod
    def _drop_connection(environ):
        sock = environ.get("werkzeug.socket")
        if sock is None:
            raise ConnectionAbortedError("simulated dropped connection")
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _body_for_log(request):
        if not request.content_length:
            return None
        data = request.get_data(cache=True)
        try:
            return json.loads(data)
        except ValueError:
            return data.decode("utf-8", "replace")[:2000]

    def handle(self, request):
        raise NotImplementedError

    # ------------------------------------------------------------------
    # Control API
    # ------------------------------------------------------------------

    def handle_common_control(self, request):
        """Serve ``/_sim/faults``, ``/_sim/outage`` or ``/_sim/requests``; None for other paths."""
        path = request.path[len(self.control_prefix) :].strip("/")
        if path == "faults":
            return self._control_faults(request)
        if path == "outage" and request.method == "POST":
            options = self.read_json(request)
            try:
                fault = self.outage(
                    float(options["seconds"]),
                    status=int(options.get("status", 500)),
                    retry_after=options.get("retryAfter"),
                )
            except (KeyError, TypeError, ValueError) as error:
                raise HttpError(
                    400, {"Message": f"Invalid outage: {error!r}; send seconds and status."}
                ) from error
            return self.json_response(self._fault_json(fault))
        if path == "requests":
            if request.method == "DELETE":
                self.clear_requests()
                return self.json_response(None, 204)
            return self.json_response([logged.__dict__ for logged in self.requests])
        return None

    def _control_faults(self, request):
        if request.method == "GET":
            return self.json_response([self._fault_json(fault) for fault in self.faults])
        if request.method == "DELETE":
            self.clear_faults()
            return self.json_response(None, 204)
        if request.method != "POST":
            raise HttpError(405, {"Message": f"{request.method} is not allowed on faults."})
        options = self.read_json(request)
        if not isinstance(options, dict):
            raise HttpError(400, {"Message": "Send the fault as a JSON object."})
        unknown = set(options) - set(FAULT_OPTIONS) - {"kind"}
        if unknown:
            raise HttpError(
                400,
                {
                    "Message": f"Unknown fault options {sorted(unknown)}; "
                    f"use kind and {', '.join(FAULT_OPTIONS)}."
                },
            )
        try:
            fault = self.inject(**options)
        except (TypeError, ValueError) as error:
            raise HttpError(400, {"Message": f"Invalid fault: {error}"}) from error
        return self.json_response(self._fault_json(fault), 201)

    @staticmethod
    def _fault_json(fault):
        data = dict(fault.__dict__)
        until = data.pop("until")
        if until is not None:
            data["secondsLeft"] = round(max(0.0, until - time.monotonic()), 3)
        return data

    def close(self):
        """Release what the simulator started besides the server (threads, sessions)."""

    # ------------------------------------------------------------------
    # Helpers for handlers
    # ------------------------------------------------------------------

    @staticmethod
    def json_response(body, status=200, headers=None):
        if body is None:
            return Response(b"", status=status, headers=headers or {})
        if isinstance(body, (bytes, str)):
            return Response(body, status=status, headers=headers or {}, mimetype="text/plain")
        return Response(
            json.dumps(body, ensure_ascii=False),
            status=status,
            headers=headers or {},
            mimetype="application/json",
        )

    @staticmethod
    def read_json(request):
        """Return the decoded JSON body, or raise a 400 in the remote system's style."""
        data = request.get_data(cache=True)
        if not data:
            raise HttpError(400, {"Message": "The request body is empty."})
        try:
            return json.loads(data)
        except ValueError as error:
            raise HttpError(
                400, {"Message": f"The request body is not valid JSON: {error}"}
            ) from error


class QuietRequestHandler(WSGIRequestHandler):
    """Log requests at debug level instead of printing each one."""

    def log(self, type, message, *args):
        _logger.debug("%s %s", self.address_string(), message % args)


class SimulatorServer:
    """Serve a :class:`SimulatorApp` on a loopback address in a daemon thread."""

    def __init__(self, app, host="127.0.0.1", port=0):
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"The simulators only listen on loopback addresses, not {host!r}.")
        self.app = app
        self.host = host
        self._server = make_server(
            host, port, app, threaded=True, request_handler=QuietRequestHandler
        )
        self.port = self._server.server_port
        self._thread = None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def start(self):
        # A short poll interval lets stop() return at once instead of after 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"{self.app.name}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self.app.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def wait_for_stop_signal():
    """Block until the process gets SIGINT or SIGTERM (Ctrl+C, or kill)."""
    stopped = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopped.set())
    # A signal may reach one of the server's threads, and Python runs its handler
    # only in the main thread, so that thread wakes up now and then to let it run.
    while not stopped.wait(0.5):
        pass
