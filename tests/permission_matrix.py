"""The machinery shared by the permission-matrix tests: each test module declares its MATRIX
(rows of (url name, method, target) → one expected outcome per role), a `world` of objects,
and how to make each role's user, the URL, the POST data and a snapshot of what must not change."""
import pytest
from django.urls import reverse

LOGIN = "login"  # redirected to the login page
MOVED = "moved"  # redirected elsewhere: the action was taken (or the page moved on)
REFUSED = {403, 404, 405, LOGIN}


def cells(matrix, roles):
    """One pytest param per (row, role), named so a failure says which cell."""
    for (name, method, target), codes in matrix:
        assert len(codes) == len(roles), f"row {name} {method} {target} has {len(codes)} columns"
        for role, expected in zip(roles, codes):
            yield pytest.param(name, method, target, role, expected, id=f"{name}-{method}-{target}-{role}")


def assert_status(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    elif expected == MOVED:
        assert response.status_code == 302
        assert "?next=" not in response["Location"]
    else:
        assert response.status_code == expected


def check_cell(client, *, user, url, method, data, expected, snapshot):
    """Request the cell's page as `user` (None: anonymous), check the outcome, and check that a
    refused request left the database as it was."""
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert_status(response, expected)
    if expected in REFUSED:
        assert snapshot() == before
    if getattr(response, "streaming", False):
        response.close()
    return response


def matrix_test(matrix, roles, *, make_user, url_for, data, snapshot):
    """A module's parametrized matrix test, one case per cell (row × role); the module binds it as
    `test_permission_matrix = matrix_test(MATRIX, ROLES, ...)` and provides the `world` fixture.
    make_user(role, world) → user or None; url_for(name, target, world) → url;
    data(name, world, target) → a POST row's data; snapshot() → what a refusal must leave as it was."""

    @pytest.mark.parametrize(("name", "method", "target", "role", "expected"), list(cells(matrix, roles)))
    def test_permission_matrix(client, world, name, method, target, role, expected):
        check_cell(
            client, user=make_user(role, world), url=url_for(name, target, world), method=method,
            data=data(name, world, target) if method == "POST" else None, expected=expected, snapshot=snapshot,
        )

    return test_permission_matrix


def names_in(*matrices) -> set:
    """The url names the matrices have rows for."""
    return {name for matrix in matrices for (name, _method, _target), _codes in matrix}
