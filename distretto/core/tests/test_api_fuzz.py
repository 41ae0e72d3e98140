"""Schemathesis over every operation of /api/v1, as five kinds of caller (issue 18).

A real server over the demo data is sent requests generated from its own OpenAPI
document, valid ones and invalid ones, with a fixed seed. No response may be a server
error, or differ from what the document says (status, content type, headers, body);
and a valid request may be refused only for a domain rule listed, with its reason, in
``api_fuzz_allowlist.toml``. Operations that revoke tokens run last, after every
caller is done. ``DISTRETTO_FUZZ_SEED`` and ``DISTRETTO_FUZZ_EXAMPLES`` change the seed
and the examples per operation and mode (a run by hand with another seed).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import tomllib
from importlib import import_module
from pathlib import Path

import hypothesis
import hypothesis.errors
import pytest
import requests
import schemathesis
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.signage.models import Display
from distretto.signage.services import issue_display_token
from distretto.territory.models import Business

pytestmark = [pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("DISTRETTO_FUZZ_SEED", "18"))
EXAMPLES = int(os.environ.get("DISTRETTO_FUZZ_EXAMPLES", "1"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Whatever takes a caller's credentials away: run once every caller has been through.
REVOKING = re.compile(
    r"^DELETE /api/v1/accounts/tokens/|^DELETE /api/v1/territory/businesses/.*/terminals/"
    r"|^DELETE /api/v1/signage/displays/.*/token$|^POST /api/v1/privacy/"
)
# The demo data of the apps the callers and their devices come from (seeding every app
# takes minutes, and generated ids reach few rows anyway).
DEMO_APPS = {"territory", "accounts", "signage"}
ALLOWLIST = tomllib.loads((Path(__file__).parent / "api_fuzz_allowlist.toml").read_text())


def allowed_refusal(
    operation: str, role: str, status: int, body: object, *, revoking: bool
) -> bool:
    """Whether a schema-valid request's refusal is one of the listed domain rules."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return False
    return any(
        rule["status"] == status
        and rule["code"] == error.get("code")
        and rule.get("field", error.get("field")) == error.get("field")
        and role in rule.get("roles", [role])
        and re.search(rule.get("operation", ""), operation)
        and (revoking or not rule.get("revoking_only", False))
        for rule in ALLOWLIST["refusal"]
    )


def callers() -> dict[str, str]:
    """A bearer token for each kind of caller, over the demo data."""
    users = get_user_model().objects
    issued = {
        role: tokens.issue(
            kind=ApiToken.Kind.PERSONAL, name="fuzz", user=users.get(username=username)
        )[1]
        for role, username in (
            ("operator", "operatore"),
            ("merchant", "negoziante"),
            ("cardholder", "cliente"),
        )
    }
    shop = Business.objects.get(name="Panetteria Fanfulla")
    issued["terminal"] = tokens.issue(kind=ApiToken.Kind.TERMINAL, name="fuzz", business=shop)[1]
    issued["display"] = issue_display_token(Display.objects.order_by("pk").first())
    return issued


def fuzz(operation, mode: GenerationMode, url: str, callers: dict, session, revoking: bool):
    """``EXAMPLES`` generated requests, each sent as every caller; what went wrong."""
    found: list[str] = []

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @hypothesis.seed(SEED)
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        for role, token in callers.items():
            headers = {"Authorization": f"Bearer {token}"}
            response = case.call(base_url=url, headers=headers, session=session, timeout=30)
            where = f"{role}: {operation.label} [{mode.value}] → {response.status_code}"
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Failure, FailureGroup) as failure:
                failures = failure.exceptions if isinstance(failure, FailureGroup) else [failure]
                found.extend(f"{where}: {f.title}: {case.as_curl_command()}" for f in failures)
            if mode is GenerationMode.POSITIVE and 400 <= response.status_code < 500:
                try:
                    body = response.json()
                except ValueError:
                    body = None
                if not allowed_refusal(
                    operation.label, role, response.status_code, body, revoking=revoking
                ):
                    found.append(f"{where}: valid request refused: {body} {case.as_curl_command()}")

    # Unsatisfiable: nothing to generate in this mode (no parameter can be made invalid).
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        run()
    return found


def test_every_operation_keeps_the_contract(start_server):
    started = time.monotonic()
    for module in import_module("distretto.core.management.commands.seed-demo").demo_modules():
        if module.__name__.split(".")[1] in DEMO_APPS:
            with transaction.atomic():
                module.seed()
    print(f"seeded in {time.monotonic() - started:.0f} s")
    tokens_by_role = callers()
    server = start_server()
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: (bool(REVOKING.search(op.label)), op.label),
    )
    assert len(operations) > 150
    failures: list[str] = []
    with requests.Session() as session:
        for operation in operations:
            revoking = bool(REVOKING.search(operation.label))
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures += fuzz(operation, mode, server.url, tokens_by_role, session, revoking)
    print(f"fuzzed in {time.monotonic() - started:.0f} s")
    assert not failures, f"{len(failures)} failures (seed {SEED}):\n" + "\n".join(failures)
