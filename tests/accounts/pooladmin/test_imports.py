"""accounts.pooladmin.imports: a CSV file of people to invite, checked row by row before anyone is invited."""

from accounts.pooladmin.imports import MAX_BYTES, import_check

GROUPS = ["members", "staff"]


def _check(text, grantable=("members",)):
    return import_check(data=text.encode("utf-8"), groups=GROUPS, grantable=list(grantable))


def test_each_row_says_whether_it_will_be_invited_and_why_not():
    check = _check(
        "Email,Given_Name,groups\n"
        "ada@example.com,Ada,members\n"
        "\n"
        "bad,,\n"
        "ADA@example.com,Again,\n"
        "bob@example.com,Bob,staff\n"
        "cy@example.com,Cy,nothere\n"
    )
    assert not check.refused
    assert [row.email for row in check.good] == ["ada@example.com"]
    why = {row.line: row.problems for row in check.bad}
    assert sorted(why) == [4, 5, 6, 7]  # the blank line is skipped, line numbers are the file's
    assert why[5] == ["This email is already in an earlier row of the file."]
    assert why[6] == ["Only a superuser can put people in the staff group."]
    assert why[7] == ["There is no group nothere in the pool."]
    assert why[4]  # the validator's own words for a malformed address


def test_a_file_that_cannot_be_read_as_people_is_refused_whole():
    assert "email column" in _check("name,phone\nAda,+44\n").refused
    assert "Unknown columns: password" in _check("email,password\na@example.com,x\n").refused
    assert "UTF-8" in import_check(data=b"email\n\xff\xfe", groups=GROUPS, grantable=[]).refused
    assert "larger than" in import_check(data=b"x" * (MAX_BYTES + 1), groups=GROUPS, grantable=[]).refused
    assert _check("email,password\na@example.com,x\n").good == []


def test_a_phone_number_must_be_e164():
    check = _check("email,phone_number\na@example.com,+442071234567\nb@example.com,020 7123 4567\n")
    assert [row.email for row in check.good] == ["a@example.com"]
    assert check.bad[0].problems
