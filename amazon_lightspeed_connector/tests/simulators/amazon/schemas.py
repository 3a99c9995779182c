"""Amazon's official SP-API models: where they live, and validating against them.

The models are Swagger 2.0 documents whose ``definitions`` are close enough to JSON Schema
draft 4 that jsonschema validates them once each model is registered as a resource, so
``$ref: "#/definitions/X"`` resolves inside it. Nothing here copies a model: every schema is
read from the shared directory at run time.
"""

import functools
import json
import os
import re
from pathlib import Path

import jsonschema
import referencing
import referencing.jsonschema

MODEL_FILES = {
    "ordersV0": "ordersV0.json",
    "orders2026": "orders_2026-01-01.json",
    "tokens": "tokens_2021-03-01.json",
    "listings": "listingsItems_2021-08-01.json",
    "feeds": "feeds_2021-06-30.json",
    "reports": "reports_2021-06-30.json",
}
LISTINGS_FEED_SCHEMA = "listings-feed-schema-v2.json"
HTTP_METHODS = ("get", "put", "post", "patch", "delete")


class SharedDirMissing(RuntimeError):
    """The read-only contracts are not where CI puts them; tests skip with this reason."""


def shared_dir():
    """``$ALC_SHARED_DIR`` or ``<repo root>/../shared``, whichever is set/exists."""
    configured = os.environ.get("ALC_SHARED_DIR")
    if configured:
        return Path(configured)
    repo_root = Path(__file__).resolve().parents[4]
    return repo_root.parent / "shared"


def models_dir():
    directory = shared_dir() / "sp-api-models"
    if not directory.is_dir():
        raise SharedDirMissing("SP-API models not found at %s (set ALC_SHARED_DIR)" % directory)
    return directory


@functools.cache
def load_model(name):
    """A model by short name (``ordersV0``) or file name."""
    file_name = MODEL_FILES.get(name, name)
    with open(models_dir() / file_name, encoding="utf-8") as handle:
        return json.load(handle)


def _model_uri(name):
    return "urn:sp-api-model:%s" % name


@functools.cache
def _registry(name):
    resource = referencing.Resource(
        contents=load_model(name), specification=referencing.jsonschema.DRAFT4
    )
    return referencing.Registry().with_resource(_model_uri(name), resource)


@functools.cache
def definition_validator(name, definition):
    """A validator for ``#/definitions/<definition>`` of a model."""
    schema = {"$ref": "%s#/definitions/%s" % (_model_uri(name), definition)}
    return jsonschema.Draft4Validator(schema, registry=_registry(name))


@functools.cache
def listings_feed_validator():
    with open(models_dir() / LISTINGS_FEED_SCHEMA, encoding="utf-8") as handle:
        return jsonschema.Draft7Validator(json.load(handle))


def operations(name):
    """Yield ``(method, path_template, operation)`` for every operation of a model."""
    for path, item in load_model(name)["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def find_operation(name, operation_id):
    for method, path, operation in operations(name):
        if operation["operationId"] == operation_id:
            return method, path, operation
    raise KeyError("%s has no operation %s" % (name, operation_id))


def response_definition(name, operation_id, status):
    """The definition name of an operation's response schema for ``status`` (None: no body)."""
    operation = find_operation(name, operation_id)[2]
    response = operation["responses"].get(str(status))
    if response is None:
        raise KeyError("%s.%s documents no %s response" % (name, operation_id, status))
    schema = response.get("schema")
    if schema is None:
        return None
    return schema["$ref"].rsplit("/", 1)[-1]


def response_errors(name, operation_id, status, payload):
    """Schema violations of ``payload`` as the documented response (empty list: valid)."""
    definition = response_definition(name, operation_id, status)
    if definition is None:
        return [] if payload in (None, b"", "") else ["%s has no body" % status]
    validator = definition_validator(name, definition)
    return [error.message for error in validator.iter_errors(payload)]


_RATE_ROW = re.compile(r"\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|")


def documented_rate_limit(operation):
    """``(rate per second, burst)`` from the Usage Plan table in an operation's description."""
    match = _RATE_ROW.search(operation.get("description", ""))
    if not match:
        return None
    return float(match.group(1)), int(float(match.group(2)))


def path_regex(template):
    """``/orders/v0/orders/{orderId}`` -> a regex with a named group per path parameter."""
    return re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
