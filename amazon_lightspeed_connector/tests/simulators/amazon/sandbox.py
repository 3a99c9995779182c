"""Amazon's static sandbox: answer a request with the model's documented example.

The models carry ``x-amzn-api-sandbox.static`` blocks: a request (its parameters) and the
response Amazon's sandbox endpoint returns for it. In sandbox mode the simulator matches an
incoming request against them exactly as that endpoint does, so the replay tests exercise our
routing, parameter parsing, authentication and rate limiting against Amazon's own data.
"""

import json
import re
from dataclasses import dataclass

from ..core import SimResponse
from . import errors, schemas

SANDBOX_MODELS = ("ordersV0", "orders2026")


@dataclass
class SandboxExample:
    model: str
    operation_id: str
    method: str
    path_template: str
    status: int
    parameters: dict  # name -> value, as documented
    response: object


@dataclass
class SandboxOperation:
    model: str
    operation_id: str
    method: str
    path_template: str
    regex: object
    locations: dict  # parameter name -> "path" | "query" | "body"
    examples: list


def examples(model):
    """Every static example of a model, in document order."""
    found = []
    for method, path, operation in schemas.operations(model):
        for status, response in operation["responses"].items():
            for example in response.get("x-amzn-api-sandbox", {}).get("static", []):
                parameters = {
                    name: spec.get("value")
                    for name, spec in example["request"].get("parameters", {}).items()
                }
                found.append(
                    SandboxExample(
                        model,
                        operation["operationId"],
                        method,
                        path,
                        int(status),
                        parameters,
                        example.get("response"),
                    )
                )
    return found


def catalogue(models=SANDBOX_MODELS):
    operations = []
    for model in models:
        by_operation = {}
        for example in examples(model):
            by_operation.setdefault(example.operation_id, []).append(example)
        for method, path, operation in schemas.operations(model):
            locations = {p["name"]: p["in"] for p in operation.get("parameters", [])}
            operations.append(
                SandboxOperation(
                    model,
                    operation["operationId"],
                    method,
                    path,
                    re.compile("^" + schemas.path_regex(path) + "$"),
                    locations,
                    by_operation.get(operation["operationId"], []),
                )
            )
    return operations


def _actual(request, name, location, path_params):
    if location == "path":
        return path_params.get(name)
    if location == "body":
        try:
            return request.json()
        except ValueError:
            return None
    values = request.args(name)
    return values or None


def location_of(name, locations):
    """Where a documented example parameter goes.

    Examples call the request body ``body`` even where the operation names its body
    parameter ``payload``; Amazon's sandbox reads it as the body either way.
    """
    return locations.get(name, "body" if name == "body" else "query")


def _matches(example, request, operation, path_params):
    for name, expected in example.parameters.items():
        location = location_of(name, operation.locations)
        actual = _actual(request, name, location, path_params)
        if location == "query" and not isinstance(expected, list) and actual:
            actual = actual[0] if len(actual) == 1 else actual
            expected = str(expected) if not isinstance(expected, str) else expected
        if actual != expected:
            return False
    return True


def answer(operation, request, path_params):
    """The documented response of the most specific matching example, or a 400."""
    candidates = [
        example
        for example in operation.examples
        if _matches(example, request, operation, path_params)
    ]
    if not candidates:
        return errors.invalid_input("Could not match input arguments to a sandbox example")
    example = max(candidates, key=lambda e: len(e.parameters))
    if example.response in (None, {}) and example.status == 204:
        return SimResponse(204, {}, b"")
    return SimResponse(
        example.status,
        {"Content-Type": "application/json"},
        json.dumps(example.response).encode("utf-8"),
    )
