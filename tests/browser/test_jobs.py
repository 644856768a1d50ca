"""End to end in Chromium: bulk actions as background jobs, with the real site, the local stack and a real worker.

The worker is `manage.py db_worker` in a process of its own (the ``job_worker`` fixture), on the
database backend: nothing here runs a job inside the request.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.models import Job, JobItem
from accounts.pooladmin import jobs
from tests.browser.flows import ARTIFACTS, hosted_ui_submit, screenshots
from tests.factories import pool_user_create, unique_email

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("pool_left_as_found")]

#: More than one ListUsers page (60), so the job must page through the filter itself.
MATCHING = 65


def _phone_fits(page, name):
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 390, f"{name} is {width} px wide on a 390 px phone"


def test_bulk_disable_of_every_user_matching_a_filter_runs_as_a_job(
    page, job_worker, live_server, demo, boto, provisioned
):
    prefix = unique_email("jobdisable").split("@")[0]
    emails = [f"{prefix}-{n:03d}@example.com" for n in range(MATCHING)]
    for email in emails:
        pool_user_create(boto, provisioned.pool_id, email=email)
    page.goto(f"/admin/accounts/cognitouser/?q={prefix}&field=email")
    hosted_ui_submit(page, "admin@example.com", demo["password"])
    page.wait_for_url(re.compile(r"/admin/accounts/cognitouser/"))
    expect(page.locator("#result_list tbody tr")).to_have_count(60)  # one page of the 65

    page.get_by_test_id("select-all-matching").check()
    page.select_option("select[name=action]", "disable")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_test_id("consequence")).to_contain_text(f"every user whose email starts with “{prefix}”")
    expect(page.get_by_test_id("consequence")).to_contain_text("They can no longer sign in")
    expect(page.get_by_test_id("selected")).to_contain_text(emails[0])
    screenshots(page, "job-confirm-disable-matching")
    page.get_by_role("button", name="Yes, disable").click()

    # The job page answers at once; the worker expands the filter and works through it while we watch.
    page.wait_for_url(re.compile(r"/admin/accounts/job/\d+/change/"))
    job = Job.objects.get(pk=int(re.search(r"/job/(\d+)/", page.url).group(1)))
    assert job.query == {"q": prefix, "field": "email"}
    expect(page.get_by_test_id("job-percent")).to_have_text("100", timeout=60_000)
    expect(page.get_by_test_id("job-outcome")).to_have_text(f"{MATCHING} done of {MATCHING}")
    expect(page.get_by_test_id("job-state")).to_have_text("Finished")
    expect(page.locator("[data-testid=job-results] tbody tr")).to_have_count(MATCHING)
    for email in (emails[0], emails[30], emails[-1]):
        expect(page.get_by_test_id("job-results")).to_contain_text(email)  # named by email, as they came
    assert page.locator("[data-testid=job-progress]").evaluate("e => e.value === e.max")
    screenshots(page, "job-disable-finished")
    _phone_fits(page, "the job page")

    # Cognito agrees: every one of them is disabled, and nobody else was touched.
    for email in emails:
        assert boto.admin_get_user(UserPoolId=provisioned.pool_id, Username=email)["Enabled"] is False
    assert boto.admin_get_user(UserPoolId=provisioned.pool_id, Username="member@example.com")["Enabled"] is True

    page.goto("/admin/accounts/job/")
    expect(page.locator("#result_list")).to_contain_text("admin@example.com")
    expect(page.locator("#result_list")).to_contain_text(f"{MATCHING} done of {MATCHING}")
    screenshots(page, "job-list")


def test_cancel_stops_the_job_after_the_current_user(page, job_worker, live_server, demo, boto, provisioned, settings):
    prefix = unique_email("jobcancel").split("@")[0]
    for n in range(MATCHING):
        pool_user_create(boto, provisioned.pool_id, email=f"{prefix}-{n:03d}@example.com")
    page.goto(f"/admin/accounts/cognitouser/?q={prefix}&field=email")
    hosted_ui_submit(page, "admin@example.com", demo["password"])
    page.wait_for_url(re.compile(r"/admin/accounts/cognitouser/"))
    page.get_by_test_id("select-all-matching").check()
    page.select_option("select[name=action]", "enable")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("button", name="Yes, enable").click()  # every user matching a filter asks first
    page.wait_for_url(re.compile(r"/admin/accounts/job/\d+/change/"))
    job_id = int(re.search(r"/job/(\d+)/", page.url).group(1))
    # Wait until the worker is under way, then cancel.
    expect(page.locator("[data-testid=job-results] tbody tr").first).to_be_visible(timeout=30_000)
    page.get_by_test_id("job-cancel").click()
    expect(page.get_by_test_id("job-state")).to_have_text("Cancelled", timeout=30_000)
    counts = {s: JobItem.objects.filter(job_id=job_id, state=s).count() for s, _ in JobItem.STATES}
    assert counts["done"] >= 1
    assert counts["skipped"] >= 1  # not attempted, and said so
    assert counts["pending"] == counts["running"] == 0
    assert sum(counts.values()) == MATCHING  # nobody lost from the report


def test_the_admins_pages_fit_a_phone(page, live_server, demo, boto, provisioned):
    """Every admin page of this site at 390 px: tables scroll inside their box, the page does not scroll sideways."""
    username, _ = pool_user_create(boto, provisioned.pool_id, email=unique_email("phone"))
    page.goto("/admin/accounts/cognitouser/")
    hosted_ui_submit(page, "admin@example.com", demo["password"])
    page.wait_for_url(re.compile(r"/admin/accounts/cognitouser/"))
    job = jobs.job_start(
        actor=get_user_model().objects.get(email="admin@example.com"), action="enable", usernames=[username]
    )
    pages = {
        "users list": "/admin/accounts/cognitouser/",
        "user page": f"/admin/accounts/cognitouser/{username}/change/",
        "groups": "/admin/accounts/cognitogroup/",
        "jobs": "/admin/accounts/job/",
        "job page": f"/admin/accounts/job/{job.pk}/change/",
    }
    widths = {}
    page.set_viewport_size({"width": 390, "height": 844})
    for name, url in pages.items():
        page.goto(url)
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(ARTIFACTS / f"phone-{name.replace(' ', '-')}-390.png"))
    assert widths == dict.fromkeys(pages, 390), widths


def test_export_as_a_job_then_open_the_file(page, job_worker, live_server, demo, boto, provisioned):
    prefix = unique_email("jobexport").split("@")[0]
    emails = [f"{prefix}-{n}@example.com" for n in range(3)]
    for email in emails:
        pool_user_create(boto, provisioned.pool_id, email=email)
    page.goto(f"/admin/accounts/cognitouser/?q={prefix}&field=email")
    hosted_ui_submit(page, "admin@example.com", demo["password"])
    page.wait_for_url(re.compile(r"/admin/accounts/cognitouser/"))
    page.get_by_test_id("export-job").click()
    page.wait_for_url(re.compile(r"/admin/accounts/job/\d+/change/"))
    expect(page.get_by_test_id("job-state")).to_have_text("Finished", timeout=30_000)
    expect(page.get_by_test_id("job-outcome")).to_have_text("3 users written")
    screenshots(page, "job-export-finished")
    with page.expect_download() as download:
        page.get_by_test_id("job-download-link").click()
    content = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115
    lines = content.splitlines()
    assert lines[0].startswith("username,email,")
    assert sorted(line.split(",")[1] for line in lines[1:]) == emails


def test_import_a_csv_with_good_and_bad_rows_preview_then_invite(
    page, job_worker, live_server, demo, boto, provisioned, tmp_path
):
    prefix = unique_email("import").split("@")[0]
    good = [f"{prefix}-a@example.com", f"{prefix}-b@example.com"]
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "email,given_name,family_name,phone_number,groups\n"
        f"{good[0]},Ada,Lovelace,+442071234567,members\n"
        f"{good[1]},Alan,Turing,,\n"
        "not-an-email,Bad,Row,,\n"
        f"{good[0]},Twice,Listed,,\n"
        f"{prefix}-c@example.com,No,Group,,no-such-group\n",
        encoding="utf-8",
    )
    page.goto("/admin/accounts/cognitouser/")
    hosted_ui_submit(page, "admin@example.com", demo["password"])
    page.wait_for_url(re.compile(r"/admin/accounts/cognitouser/"))
    page.get_by_test_id("import").click()
    page.set_input_files("#id_file", str(csv_file))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_test_id("import-summary")).to_have_text(
        "2 of 5 rows will be invited; 3 will not, for the reasons below."
    )
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_contain_text("not-an-email")
    expect(preview).to_contain_text("This email is already in an earlier row of the file.")
    expect(preview).to_contain_text("There is no group no-such-group in the pool.")
    screenshots(page, "import-preview")
    _phone_fits(page, "the import preview")
    assert not boto.list_users(UserPoolId=provisioned.pool_id, Filter=f'email ^= "{prefix}"')["Users"]  # nobody yet

    page.get_by_role("button", name="Yes, invite 2 people").click()
    page.wait_for_url(re.compile(r"/admin/accounts/job/\d+/change/"))
    expect(page.get_by_test_id("job-state")).to_have_text("Finished", timeout=30_000)
    expect(page.get_by_test_id("job-outcome")).to_have_text("2 done of 2")
    for email in good:
        expect(page.get_by_test_id("job-results")).to_contain_text(email)
    invited = boto.list_users(UserPoolId=provisioned.pool_id, Filter=f'email ^= "{prefix}"')["Users"]
    assert sorted(a["Value"] for u in invited for a in u["Attributes"] if a["Name"] == "email") == good
    ada = next(u for u in invited if any(a["Value"] == good[0] for a in u["Attributes"]))
    groups = boto.admin_list_groups_for_user(UserPoolId=provisioned.pool_id, Username=ada["Username"])["Groups"]
    assert [g["GroupName"] for g in groups] == ["members"]
