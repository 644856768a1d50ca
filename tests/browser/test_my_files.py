"""End to end in Chromium: My files and AWS access with the member's own temporary credentials, on the local stack."""

import boto3
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.flows import screenshots, sign_in

pytestmark = pytest.mark.browser
User = get_user_model()


def _exports(text):
    values = {}
    for line in text.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        values[key] = value.strip("'")
    return values


def test_the_member_uploads_lists_downloads_and_deletes_a_file(page, live_server, demo, tmp_path):
    page.goto("/")
    sign_in(page, "member@example.com", demo["password"])
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/files/")
    expect(page.get_by_test_id("no-files")).to_be_visible()
    expect(page.get_by_test_id("files-email")).to_have_text("member@example.com")

    upload = tmp_path / "quarterly report.txt"
    upload.write_bytes(b"numbers of the member")
    page.get_by_test_id("upload-input").set_input_files(str(upload))
    page.get_by_test_id("upload").click()
    expect(page.get_by_text("Uploaded quarterly report.txt.")).to_be_visible()
    expect(page.get_by_test_id("file-name")).to_have_text(["quarterly report.txt"])
    screenshots(page, "my-files")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "My files scrolls sideways on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    saved = tmp_path / "downloaded"
    download.value.save_as(saved)
    assert saved.read_bytes() == b"numbers of the member"
    assert download.value.suggested_filename == "quarterly report.txt"

    page.get_by_test_id("delete").click()
    expect(page.get_by_test_id("delete-name")).to_have_text("quarterly report.txt")
    screenshots(page, "my-files-delete")
    page.get_by_test_id("confirm-delete").click()
    expect(page.get_by_text("Deleted quarterly report.txt.")).to_be_visible()
    expect(page.get_by_test_id("no-files")).to_be_visible()


def test_aws_access_shows_the_identity_and_role_and_export_lines_that_work(page, live_server, demo, local_stack):
    page.goto("/")
    sign_in(page, "member@example.com", demo["password"])
    page.wait_for_url(f"{live_server.url}/")
    page.goto("/account/aws/")
    identity_id = User.objects.get(email="member@example.com").aws_identity_id
    expect(page.get_by_test_id("identity-id")).to_have_text(identity_id)
    role = page.get_by_test_id("role").inner_text()
    assert ":assumed-role/django-cognito-site-authenticated/" in role
    screenshots(page, "aws-access")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "AWS access scrolls sideways on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_response("**/account/aws/credentials/") as answer:
        page.get_by_test_id("show-credentials").click()
    assert "no-store" in answer.value.headers["cache-control"]
    values = _exports(page.get_by_test_id("export-lines").inner_text())
    screenshots(page, "aws-export")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the export page scrolls sideways on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})
    sts = boto3.client(
        "sts",
        region_name=values["AWS_REGION"],
        endpoint_url=values["AWS_ENDPOINT_URL"],
        aws_access_key_id=values["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=values["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=values["AWS_SESSION_TOKEN"],
    )
    assert sts.get_caller_identity()["Arn"] == role

    page.goto("/account/")
    expect(page.get_by_test_id("account-identity-id")).to_have_text(identity_id)
    expect(page.get_by_test_id("account-role")).to_have_text(role)
    page.get_by_test_id("account-aws").scroll_into_view_if_needed()
    screenshots(page, "account-aws")
    assert identity_id != User.objects.get(email="member@example.com").cognito_sub
