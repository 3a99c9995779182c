"""In-process front door: route httpx and requests traffic for given base URLs to simulators.

python-amazon-sp-api speaks httpx (intercepted with respx); our Lightspeed client speaks
requests (intercepted with responses). Both libraries really run, down to their transport;
only the socket is replaced. Any URL not routed to a simulator fails instead of leaving the
machine, so a test can never reach the internet by mistake.
"""

import contextlib
import re

import httpx
import requests
import responses
import respx

from .core import ResponseLost, SimRequest


def _to_sim_request(method, url, headers, body):
    if isinstance(body, str):
        body = body.encode("utf-8")
    return SimRequest(method, str(url), dict(headers), body or b"")


def _httpx_side_effect(app):
    def side_effect(request: httpx.Request):
        sim_request = _to_sim_request(request.method, request.url, request.headers, request.read())
        try:
            answer = app.handle(sim_request)
        except ResponseLost as lost:
            raise httpx.ReadTimeout(str(lost), request=request) from None
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)

    return side_effect


def _requests_callback(app):
    def callback(request: requests.PreparedRequest):
        sim_request = _to_sim_request(request.method, request.url, request.headers, request.body)
        try:
            answer = app.handle(sim_request)
        except ResponseLost as lost:
            raise requests.exceptions.ReadTimeout(str(lost)) from None
        return answer.status, answer.headers, answer.body

    return callback


@contextlib.contextmanager
def in_process(routes):
    """Serve ``{base_url: app}`` in process for both httpx and requests.

    Example::

        with in_process({"https://sellingpartnerapi-na.amazon.com": amazon,
                         "https://api.amazon.com": amazon}):
            ...  # python-amazon-sp-api now talks to the simulator
    """
    with (
        respx.mock(assert_all_called=False, assert_all_mocked=True) as httpx_router,
        responses.RequestsMock(assert_all_requests_are_fired=False) as requests_router,
    ):
        for base_url, app in routes.items():
            base_url = base_url.rstrip("/")
            httpx_router.route(url__startswith=base_url).mock(side_effect=_httpx_side_effect(app))
            pattern = re.compile(re.escape(base_url) + r"(/.*)?$")
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                requests_router.add_callback(method, pattern, callback=_requests_callback(app))
        yield
