"""Loopback front door: serve a simulator over real HTTP on 127.0.0.1.

Used by end-to-end tests and by the demo. A lost response closes the connection without an
answer, which a client experiences as a dropped connection after sending: the same "did my
write happen?" uncertainty as a read timeout, without making tests wait.
"""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .core import ResponseLost, SimRequest

LOOPBACK = "127.0.0.1"


def _handler_class(app):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = "http://%s%s" % (self.headers.get("Host", LOOPBACK), self.path)
            request = SimRequest(self.command, url, dict(self.headers.items()), body)
            try:
                answer = app.handle(request)
            except ResponseLost:
                self.close_connection = True
                return
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
            pass  # the simulator keeps its own call log; stderr noise helps nobody

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that went away (a worker killed by a drill) is not the simulator's error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SimulatorServer:
    """A simulator on a loopback port (0 picks a free one), in a daemon thread."""

    def __init__(self, app, port=0, host=LOOPBACK):
        self.app = app
        self.httpd = _QuietServer((host, port), _handler_class(app))
        self.httpd.daemon_threads = True
        self._thread = None

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return "http://%s:%d" % (host, port)

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
