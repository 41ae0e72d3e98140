"""Each role × each registry resource × read/write, against the single scoping rule.

Read is GET of an object of our chamber; write is a harmless PATCH of it. 404 means
the object is out of the caller's scope (ids do not leak), 403 that the caller sees
it but its role may not change it.
"""

import pytest

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.testing import ApiClient, ProjectFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "operator",
    "manager",
    "merchant",
    "assessor",
    "energy_manager",
    "cardholder",
    "outsider",
    "terminal",
]

# resource: (read statuses by role, write statuses by role), in ROLES order
EXPECTED = {
    "chamber": (
        [200, 200, 200, 200, 200, 404, 404, 404],
        [200, 403, 403, 403, 403, 404, 404, 404],
    ),
    "district": (
        [200, 200, 200, 200, 200, 404, 404, 200],
        [200, 200, 403, 403, 403, 404, 404, 403],
    ),
    "business": (
        [200, 200, 200, 200, 200, 404, 404, 200],
        [200, 200, 200, 403, 403, 404, 404, 403],
    ),
    "network": ([200, 200, 200, 200, 200, 404, 404, 404], [200, 200, 403, 403, 403, 404, 404, 404]),
    "project": ([200, 200, 200, 200, 200, 404, 404, 404], [200, 403, 403, 403, 403, 404, 404, 404]),
}


def client_for(actors, role: str) -> ApiClient:
    if role == "terminal":
        _token, raw = tokens.issue(kind=ApiToken.Kind.TERMINAL, name="till", business=actors.shop)
        return ApiClient(raw_token=raw)
    return ApiClient(getattr(actors, role))


def target(actors, resource: str) -> tuple[str, dict]:
    if resource == "chamber":
        return f"territory/chambers/{actors.chamber.pk}", {"name": "Camera di Commercio di Lodi"}
    if resource == "district":
        return f"territory/districts/{actors.district.pk}", {"name": "Distretto di Lodi"}
    if resource == "business":
        return f"territory/businesses/{actors.shop.pk}", {"phone": "0371 000000"}
    if resource == "network":
        network = (
            ApiClient(actors.admin)
            .post(
                "territory/networks",
                {
                    "chamber": actors.chamber.pk,
                    "district": actors.district.pk,
                    "name": "Rete",
                    "members": [actors.shop.pk],
                },
            )
            .json()
        )
        return f"territory/networks/{network['id']}", {"description": "Contratto di rete"}
    project = ProjectFactory(chamber=actors.chamber)
    return f"territory/projects/{project.pk}", {"description": "Aggiornato"}


CASES = [
    (resource, "read", role, statuses[0][i])
    for resource, statuses in EXPECTED.items()
    for i, role in enumerate(ROLES)
] + [
    (resource, "write", role, statuses[1][i])
    for resource, statuses in EXPECTED.items()
    if statuses[1] is not None
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize("resource, action, role, expected", CASES)
def test_permission_matrix(actors, resource, action, role, expected):
    path, change = target(actors, resource)
    api = client_for(actors, role)
    response = api.get(path) if action == "read" else api.patch(path, change)
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("role", ROLES)
def test_lists_never_show_another_chambers_objects(actors, role):
    api = client_for(actors, role)
    foreign = {
        "territory/districts": actors.other_district.pk,
        "territory/businesses": actors.foreign_shop.pk,
    }
    if role == "outsider":
        return  # the outsider's own district is the "other" one
    for path, foreign_id in foreign.items():
        ids = {item["id"] for item in api.get(path, {"limit": 500}).json()["items"]}
        assert foreign_id not in ids
