"""Rule versions as the four-eyes service makes them: `approved_version` proposes a version as one
program manager of the program and approves it as a second one (both made when not given)."""
from subsidies.services.rules import approve_version, propose_version
from tests.factories import program as program_named
from tests.factories import program_manager


def approved_version(proposer, program, data, *, approver=None):
    """`data` (a VersionData) proposed by `proposer` and approved by `approver` (by default a new
    manager of the same program): the version quotes from now on."""
    row = propose_version(proposer, program, data)
    approve_version(row, approver or program_manager(program.code), reason="复核通过")
    row.refresh_from_db()
    return row


__all__ = ["approved_version", "program_named"]
