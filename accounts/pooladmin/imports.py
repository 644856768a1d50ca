"""Bulk invite from a CSV file: every row checked before anyone is invited, then the valid rows as a job.

The file has a header row naming its columns: ``email`` (required), and any
of ``given_name``, ``family_name``, ``phone_number`` and ``groups`` (group
names separated by ``;``). Each row is checked with the same validators the
add form and the services use (``validation``) and against the groups the
staff member may grant (``policy.grantable_groups``); an email twice in the
file is refused the second time. Nothing is sent to Cognito here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from . import validation

MAX_ROWS = 5000
MAX_BYTES = 1_000_000
COLUMNS = ("email", "given_name", "family_name", "phone_number", "groups")


@dataclass
class ImportRow:
    line: int
    email: str
    given_name: str = ""
    family_name: str = ""
    phone: str = ""
    groups: list[str] = field(default_factory=list)
    #: Why this row will not be invited, in plain words; empty when it will.
    problems: list[str] = field(default_factory=list)

    def as_data(self) -> dict:
        """The row as a job item keeps it (accounts.pooladmin.jobs)."""
        return {
            "email": self.email,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "phone": self.phone,
            "groups": self.groups,
        }


@dataclass
class ImportCheck:
    rows: list[ImportRow] = field(default_factory=list)
    #: A problem with the whole file (no email column, too big, not UTF-8); no row is invited then.
    refused: str = ""

    @property
    def good(self) -> list[ImportRow]:
        return [] if self.refused else [row for row in self.rows if not row.problems]

    @property
    def bad(self) -> list[ImportRow]:
        return [row for row in self.rows if row.problems]


def _problems(validator, value):
    try:
        validator(value)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def import_check(*, data: bytes, groups: list[str], grantable: list[str]) -> ImportCheck:
    """Read and check a CSV file of people to invite; say, for each row, whether it will be invited and why not.

    ``groups`` are the pool's ordinary groups, ``grantable`` those the staff member may grant.
    """
    if len(data) > MAX_BYTES:
        return ImportCheck(refused=f"The file is larger than {MAX_BYTES // 1000} KB; split it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ImportCheck(refused="The file is not UTF-8 text; save it as CSV (UTF-8).")
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if "email" not in header:
        return ImportCheck(refused="The first row must name the columns, with at least an email column.")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        return ImportCheck(refused=f"Unknown columns: {', '.join(unknown)}. Known: {', '.join(COLUMNS)}.")
    reader.fieldnames = header
    check, seen = ImportCheck(), set()
    for count, raw in enumerate(reader, start=1):
        number = reader.line_num  # the file's own line number (csv skips blank lines)
        if count > MAX_ROWS:
            return ImportCheck(refused=f"The file has more than {MAX_ROWS} rows; split it.")
        values = {k: (v or "").strip() for k, v in raw.items() if k in COLUMNS}
        if not any(values.values()):
            continue  # a blank line
        row = ImportRow(
            line=number,
            email=values.get("email", ""),
            given_name=values.get("given_name", ""),
            family_name=values.get("family_name", ""),
            phone=values.get("phone_number", ""),
            groups=[g.strip() for g in values.get("groups", "").split(";") if g.strip()],
        )
        row.problems += _problems(validation.validate_email_address, row.email)
        if row.email.lower() in seen:
            row.problems.append("This email is already in an earlier row of the file.")
        seen.add(row.email.lower())
        if row.phone:
            row.problems += _problems(validation.validate_phone_number, row.phone)
        for name in (row.given_name, row.family_name):
            if len(name) > 256:
                row.problems.append("A name is longer than 256 characters.")
        for group in row.groups:
            if group not in groups:
                row.problems.append(f"There is no group {group} in the pool.")
            elif group not in grantable:
                row.problems.append(f"Only a superuser can put people in the {group} group.")
        check.rows.append(row)
    return check
