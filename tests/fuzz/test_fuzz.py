"""API fuzzing from each service's OpenAPI document (schemathesis): no 5xx, responses match schemas.

The four services run as real processes on a real broker; every operation gets generated requests
with an admin token (the widest visibility) and without one.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from crm_shared.auth import Principal, Role, issue_token
from crm_shared.messaging.tansu import TansuBroker, free_port
from crm_shared.settings import AuthSettings
from e2e_stack import JWT_SECRET, ServiceProcess

SERVICES = ("leads", "sales", "service-desk", "reporting")
CHECKS = [not_a_server_error, response_schema_conformance]
ADMIN = {"Authorization": "Bearer " + issue_token(
    AuthSettings(jwt_secret=JWT_SECRET), Principal("fuzz-admin", Role.ADMIN, None, "Fuzz admin"))}
# derandomize: the same examples on every run, so CI is reproducible (explore with --hypothesis-seed)
FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                derandomize=True)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """All four services as processes on a private broker."""
    var = tmp_path_factory.mktemp("fuzz")
    broker = TansuBroker(free_port()).start()
    procs = {}
    for name in SERVICES:  # reporting's login proxy forwards to this stack's sales (started before it)
        extra = {"REPORTING_SALES_URL": procs["sales"].url} if name == "reporting" else None
        procs[name] = ServiceProcess(name, bootstrap=broker.bootstrap_servers, var_dir=var, log_dir=var,
                                     extra_env=extra)
    try:
        for proc in procs.values():
            proc.wait_ready()
        yield procs
    finally:
        for proc in procs.values():
            proc.stop()
        broker.stop()


def _fuzz_service(stack, name: str) -> int:
    """Run generated requests against every operation of one service; return how many operations."""
    url = stack[name].url
    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:

        @given(case=operation.as_strategy())
        @FUZZ
        def run(case):
            case.call_and_validate(base_url=url, headers=ADMIN, checks=CHECKS)
            case.call_and_validate(base_url=url, checks=CHECKS)  # anonymous: 401s, never 5xx

        run()
    return len(operations)


@pytest.mark.parametrize("name", SERVICES)
def test_no_server_errors_and_schema_conformant_responses(stack, name):
    assert _fuzz_service(stack, name) > 3  # /healthz, /readyz, /asyncapi.json and the service's own
