"""The "Cognito users" and "Cognito groups" admin pages: they arrange, the services decide.

The models have no table; each ModelAdmin replaces the ORM-backed views with
its own (get_urls), keeps Django's permission checks (view/add/change/delete of
the model) and Django's object history, which reads the admin log the services
write.
"""

import csv
import functools
import logging

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters

from .. import policy
from ..exceptions import CognitoError, CognitoUnavailable, NotAvailable
from ..federation.views import link_target
from ..models import CognitoGroup, CognitoUser, Job, JobItem
from . import bulk, forms, imports, jobs, localmail, selectors, validation
from .services import groups as group_services
from .services import users as user_services

logger = logging.getLogger(__name__)


def _cell(value):
    """Defuse a spreadsheet formula in a user-controlled value (CSV injection); keep E.164 phone numbers."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not validation.E164.match(value):
        return "'" + value
    return value


def _user_page(username):
    return HttpResponseRedirect(reverse("admin:accounts_cognitouser_change", args=[quote(username)]))


def _unquoting(view):
    """Undo the admin's URL quoting of object ids (LogEntry links quote "_" and "/", as in Provider_123)."""

    @functools.wraps(view)
    def wrapper(request, object_id, **kwargs):
        return view(request, unquote(object_id), **kwargs)

    return wrapper


class PermissionMissing(PermissionDenied):
    """A staff member lacks one permission; the admin's own 403 page names it."""

    def __init__(self, codename, words):
        super().__init__(codename)
        self.codename, self.words = codename, words


def _refusing(view, admin_site):
    """Answer a missing permission with a 403 page in the admin's look that says which permission it is."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionMissing as exc:
            context = {**admin_site.each_context(request), "title": "Not allowed", "missing": exc}
            return TemplateResponse(request, "admin/accounts/refused.html", context, status=403)

    return wrapper


class _EchoBuffer:
    def write(self, value):
        return value


class CognitoModelAdmin(admin.ModelAdmin):
    """Shared plumbing: wrapped URLs, permission guards, Cognito errors as messages."""

    def _url(self, route, view, name, *, unquoting=True):
        info = self.opts.app_label, self.opts.model_name
        if "object_id" in route and unquoting:
            view = _unquoting(view)
        view = _refusing(view, self.admin_site)
        return path(route, self.admin_site.admin_view(view), name=f"{info[0]}_{info[1]}_{name}")

    def _require(self, request, perm):
        allowed = {
            "view": self.has_view_or_change_permission,
            "add": self.has_add_permission,
            "change": self.has_change_permission,
            "delete": self.has_delete_permission,
        }[perm](request)
        if not allowed:
            name = self.opts.verbose_name
            raise PermissionMissing(f"{self.opts.app_label}.{perm}_{self.opts.model_name}", f"Can {perm} {name}")

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "has_view_permission": self.has_view_or_change_permission(request),
            "has_add_permission": self.has_add_permission(request),
            "has_change_permission": self.has_change_permission(request),
            "has_delete_permission": self.has_delete_permission(request),
            **extra,
        }

    def _render(self, request, template, **extra):
        name = f"admin/accounts/{self.opts.model_name}/{template}"
        return TemplateResponse(request, name, self._context(request, **extra))

    def _cognito_error(self, request, exc):
        messages.error(request, exc.plain)

    def get_object(self, request, object_id, from_field=None):
        # No table: an unsaved instance names the object for the history view.
        return self.model(pk=object_id)

    def _changelist_url(self, **params):
        url = reverse(f"admin:accounts_{self.opts.model_name}_changelist")
        return f"{url}?{urlencode(params)}" if params else url


@admin.register(CognitoUser)
class PoolUserAdmin(CognitoModelAdmin):
    """The pool's users, live: a changelist over ListUsers, a user page, add, actions, export."""

    def get_urls(self):
        return [
            self._url("", self.changelist_view, "changelist"),
            self._url("add/", self.add_view, "add"),
            self._url("export/", self.export_view, "export"),
            self._url("export-job/", self.export_job_view, "export_job"),
            self._url("import/", self.import_view, "import"),
            self._url("bulk/", self.bulk_view, "bulk"),
            self._url("local-mail/", self.local_mail_view, "local_mail"),
            self._url("<path:object_id>/history/", self.history_view, "history", unquoting=False),
            self._url("<path:object_id>/action/<str:action>/", self.action_view, "action"),
            self._url("<path:object_id>/change/", self.change_view, "change"),
        ]

    # -- the changelist --------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        self._require(request, "view")
        query = selectors.UserQuery.from_params(request.GET)
        # Previous pages' tokens live in the session, keyed by the query, so the
        # URL stays short and "previous" costs one call like "next".
        key = urlencode(query.as_params())
        remembered = request.session.get("cognito_users_pages", {})
        tokens = remembered.get("tokens", [""]) if remembered.get("query") == key else [""]
        try:
            number = max(0, int(request.GET.get("p", 0)))
        except ValueError:
            number = 0
        if number >= len(tokens):
            number = 0
        page, rows = None, []
        try:
            page = selectors.users_page(query=query, token=tokens[number])
        except CognitoUnavailable as exc:
            self._cognito_error(request, exc)
        except CognitoError as exc:
            if not number:
                self._cognito_error(request, exc)
            else:
                # Cognito refuses a page token once the list changed under it (e.g. the
                # next page's first user was deleted): start again from the first page.
                messages.info(request, "The list changed since; here is the first page again.")
                return HttpResponseRedirect(self._changelist_url(**query.as_params()))
        else:
            del tokens[number + 1 :]
            if page.next_token:
                tokens.append(page.next_token)
            request.session["cognito_users_pages"] = {"query": key, "tokens": tokens}
            linked = selectors.linked_users(usernames=[u.username for u in page.users])
            rows = [(user, linked.get(user.username)) for user in page.users]
        params = query.as_params()
        return self._render(
            request,
            "change_list.html",
            title="Cognito users",
            query=query,
            rows=rows,
            page_number=number + 1,
            previous_url=self._changelist_url(**params, p=number - 1) if number else "",
            next_url=self._changelist_url(**params, p=number + 1) if page and page.next_token else "",
            export_url=reverse("admin:accounts_cognitouser_export") + (f"?{urlencode(params)}" if params else ""),
            statuses=selectors.STATUSES,
            search_fields=["auto", *selectors.SEARCH_ATTRIBUTES],
            # Say what was searched: "Member" looks in given names unless another field is chosen.
            searched_in=(
                selectors.SEARCH_WORDS[selectors.search_field(text=query.search, field=query.field)]
                if query.search
                else ""
            ),
            # Django's mirror of the groups: choices without a Cognito call.
            group_names=Group.objects.order_by("name").values_list("name", flat=True),
            actions=[(name, entry.label) for name, entry in bulk.BULK_ACTIONS.items()],
            is_local=bool(settings.COGNITO_ENDPOINT_URL),
            estimated=selectors.pool_estimated_users(),
            filtered=bool(params),
            query_params=params,
            filter_words=selectors.query_words(query=query),
            jobs_url=reverse("admin:accounts_job_changelist"),
        )

    def export_view(self, request):
        """Stream the current changelist (search and filters) as CSV, one Cognito page at a time."""
        self._require(request, "view")
        query = selectors.UserQuery.from_params(request.GET)
        try:
            selectors.search_filter(text=query.search, field=query.field)
        except CognitoError as exc:
            self._cognito_error(request, exc)
            return HttpResponseRedirect(self._changelist_url())
        writer = csv.writer(_EchoBuffer())
        columns = ["username", "email", "email_verified", "given_name", "family_name", "phone_number"]

        def rows():
            yield writer.writerow([*columns, "status", "enabled", "created"])
            try:
                for user in selectors.users_iter(query=query):
                    values = [_cell(user.username)] + [_cell(user.attributes.get(c, "")) for c in columns[1:]]
                    yield writer.writerow([*values, user.status, user.enabled, user.created or ""])
            except CognitoError as exc:
                # Headers are gone already: say so in the file rather than cut it silently.
                yield writer.writerow([f"# export stopped: {exc.plain}"])

        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="cognito-users.csv"'
        return response

    def export_job_view(self, request):
        """Start a background export of the current list (search and filters); answer with the job's page."""
        self._require(request, "view")
        if request.method != "POST":
            return HttpResponseRedirect(self._changelist_url())
        query = selectors.UserQuery.from_params(request.POST)
        try:
            job = jobs.job_export_start(actor=request.user, query=query)
        except CognitoError as exc:
            self._cognito_error(request, exc)
            return HttpResponseRedirect(self._changelist_url())
        return HttpResponseRedirect(reverse("admin:accounts_job_change", args=[job.pk]))

    def import_view(self, request):
        """Invite people from a CSV file: upload, a preview saying which rows will fail and why, then a job."""
        self._require(request, "add")
        context = {"title": "Invite people from a CSV file", "columns": imports.COLUMNS}
        if request.method != "POST":
            return self._render(request, "import.html", **context)
        upload = request.FILES.get("file")
        # The file on the first post; on the confirming one its text again, checked again.
        data = upload.read(imports.MAX_BYTES + 1) if upload else request.POST.get("csv", "").encode("utf-8")
        if not data:
            messages.warning(request, "Choose a CSV file first.")
            return self._render(request, "import.html", **context)
        try:
            names = [g.group.name for g in selectors.groups_list(with_members=False) if not g.provider]
        except CognitoError as exc:
            self._cognito_error(request, exc)
            return self._render(request, "import.html", **context)
        grantable = policy.grantable_groups(actor=request.user, names=names)
        check = imports.import_check(data=data, groups=names, grantable=grantable)
        if "confirm" in request.POST and check.good and not check.refused:
            job = jobs.job_import_start(actor=request.user, rows=check.good)
            return HttpResponseRedirect(reverse("admin:accounts_job_change", args=[job.pk]))
        text = "" if check.refused else data.decode("utf-8-sig")
        return self._render(request, "import.html", **context, check=check, csv_text=text)

    # -- add -------------------------------------------------------------------

    @method_decorator(sensitive_post_parameters("temporary_password"))
    def add_view(self, request, form_url="", extra_context=None):
        self._require(request, "add")
        try:
            names = [g.group.name for g in selectors.groups_list(with_members=False) if not g.provider]
            # Staff and admin groups are offered to superusers only (accounts.policy).
            groups = policy.grantable_groups(actor=request.user, names=names)
            password_policy = selectors.describe_pool().password_policy
        except CognitoError as exc:
            self._cognito_error(request, exc)
            return HttpResponseRedirect(self._changelist_url())
        form = forms.UserCreateForm(request.POST or None, groups=groups, policy=password_policy)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                result = user_services.user_create(
                    actor=request.user,
                    email=data["email"],
                    phone=data["phone"],
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    groups=data["groups"],
                    temporary_password=data["temporary_password"],
                )
            except CognitoError as exc:
                self._cognito_error(request, exc)
            else:
                messages.success(request, f"Created {data['email']}; Cognito sent the invitation.")
                for group, reason in result.groups_failed.items():
                    messages.warning(request, f"The user was created but not added to {group}: {reason}")
                return _user_page(result.user.username)
        return self._render(request, "add_form.html", title="Add Cognito user", form=form)

    # -- one user --------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._require(request, "change" if request.method == "POST" else "view")
        try:
            detail = selectors.user_detail(username=object_id)
            schema = selectors.describe_pool().attributes
            # "Add to group" picks from the groups this staff member may grant, not free text.
            names = [g.group.name for g in selectors.groups_list(with_members=False) if not g.provider]
        except CognitoError as exc:
            self._cognito_error(request, exc)
            return HttpResponseRedirect(self._changelist_url())
        addable = [n for n in policy.grantable_groups(actor=request.user, names=names) if n not in detail.groups]
        data = request.POST if request.method == "POST" else None
        manageable = policy.acts_as_superuser(request.user) or not (
            policy.privileged_groups() & set(detail.groups) or policy.site_user_is_privileged(detail.linked)
        )
        form = forms.AttributesForm(
            data, schema=schema, current=detail.user.attributes, may_verify=policy.acts_as_superuser(request.user)
        )
        if data is not None and form.is_valid():
            try:
                changed = user_services.user_attributes_update(
                    actor=request.user,
                    username=object_id,
                    attributes=form.changed_attributes(),
                    mark_email_verified=form.verify_email,
                )
            except CognitoError as exc:
                self._cognito_error(request, exc)
            else:
                messages.success(request, f"Saved: {', '.join(changed)}." if changed else "Nothing changed.")
                return HttpResponseRedirect(request.path)
        return self._render(
            request,
            "change_form.html",
            title=f"Cognito user {detail.user.attributes.get('email') or detail.user.username}",
            detail=detail,
            form=form,
            quoted_id=quote(object_id),
            original=CognitoUser(pk=object_id),
            password_form=forms.SetPasswordForm(),
            # A staff or admin user is read-only to everyone but superusers (accounts.policy).
            manageable=manageable,
            addable_groups=addable,
            # Same person, two accounts: offer to link this federated sign-in to the native account.
            link_target=(
                link_target(detail.linked)
                if manageable
                and detail.linked
                and detail.user.attributes.get("email_verified") == "true"
                and request.user.has_perm("accounts.link_cognitouser")
                else None
            ),
        )

    @method_decorator(sensitive_post_parameters("password"))
    def action_view(self, request, object_id, action):
        """Run one action on one user (POST only); delete and forms go through the bulk pages."""
        if action == "resend_invitation":
            return self._resend(request, object_id)
        if action not in bulk.BULK_ACTIONS:
            raise Http404
        return self.bulk_view(request, usernames=[object_id], action=action)

    def _resend(self, request, object_id):
        self._require(request, "change")
        if request.method != "POST":
            return _user_page(object_id)
        try:
            user_services.user_invitation_resend(actor=request.user, username=object_id)
        except CognitoError as exc:
            self._cognito_error(request, exc)
        else:
            messages.success(request, "The invitation was sent again with a new temporary password.")
        return _user_page(object_id)

    # -- actions on a selection -----------------------------------------------

    @method_decorator(sensitive_post_parameters("password"))
    def bulk_view(self, request, usernames=None, action=None):
        """Confirm (when the action asks first) and start an action on the selected users.

        One user from their own page is changed in this request; a selection,
        or every user matching the list's filter, becomes a background job and
        the answer is its page.
        """
        self._require(request, "view")
        if request.method != "POST":
            return HttpResponseRedirect(self._changelist_url())
        action = action or request.POST.get("action", "")
        from_user_page = bool(usernames)
        usernames = usernames or request.POST.getlist("username")
        matching = not from_user_page and request.POST.get("select_all") == "1"
        query = selectors.UserQuery.from_params(request.POST) if matching else None
        entry = bulk.BULK_ACTIONS.get(action)
        if entry is None:
            messages.error(request, "Choose an action.")
            return HttpResponseRedirect(self._changelist_url())
        label = entry.label
        self._require(request, entry.permission)
        if not usernames and not matching:
            messages.warning(request, "Select at least one user.")
            return HttpResponseRedirect(self._changelist_url())
        confirming = "confirm" in request.POST
        form, policy_read = None, None
        if entry.password_policy and confirming:
            try:
                policy_read = selectors.describe_pool().password_policy
            except CognitoError as exc:
                self._cognito_error(request, exc)
                return HttpResponseRedirect(self._changelist_url())
        if entry.form is not None:
            form_kwargs = {"policy": policy_read} if entry.password_policy else {}
            form = entry.form(request.POST if confirming else None, **form_kwargs)
        confirmed = confirming and (form is None or form.is_valid())
        if matching and not confirmed:
            return self._confirm_matching(request, action=action, entry=entry, query=query, form=form)
        if entry.asks and not confirmed:
            return self._render(
                request,
                "confirm.html",
                title=f"{label}: confirm",
                action=action,
                label=label,
                consequence=entry.consequence,
                people=selectors.user_labels(usernames=usernames),
                usernames=usernames,
                form=form,
            )
        params = dict(form.cleaned_data) if form is not None else {}
        if from_user_page and len(usernames) == 1 and entry.keeps_user:
            if entry.password_policy:
                params["policy"] = policy_read  # read once: DescribeUserPool is capped at 5 a second
            result = bulk.users_bulk_apply(actor=request.user, usernames=usernames, action=action, params=params)
            username = usernames[0]
            if result.succeeded:
                messages.success(request, f"{label}: done.")
            else:
                messages.error(request, f"{label} failed: {result.failed[username]}")
            return _user_page(username)
        password = params.pop("password", "") if entry.password_policy else ""
        try:
            job = jobs.job_start(
                actor=request.user,
                action=action,
                usernames=usernames if not matching else (),
                query=query,
                params=params,
                password=password,
            )
        except CognitoError as exc:
            self._cognito_error(request, exc)
            return HttpResponseRedirect(self._changelist_url())
        return HttpResponseRedirect(reverse("admin:accounts_job_change", args=[job.pk]))

    def _confirm_matching(self, request, *, action, entry, query, form):
        """Ask before an action on every user matching a filter, naming the first page of them."""
        try:
            page = selectors.users_page(query=query)
            estimated = selectors.pool_estimated_users()
        except CognitoError as exc:
            self._cognito_error(request, exc)
            return HttpResponseRedirect(self._changelist_url(**query.as_params()))
        return self._render(
            request,
            "confirm.html",
            title=f"{entry.label}: confirm",
            action=action,
            label=entry.label,
            consequence=entry.consequence,
            people=[(u.username, u.attributes.get("email") or u.username) for u in page.users],
            more=bool(page.next_token),
            matching=True,
            filter_words=selectors.query_words(query=query),
            estimated=estimated,
            query_params=query.as_params(),
            usernames=[],
            form=form,
        )

    # -- local stack only ------------------------------------------------------

    def local_mail_view(self, request):
        """Show the invitation and code emails the local stack recorded (it sends none).

        They hold temporary passwords and codes, so reading them takes the change
        permission, and only superusers see those sent to staff and admins.
        """
        self._require(request, "change")
        if not settings.COGNITO_ENDPOINT_URL:
            raise Http404("Cognito on AWS sends its emails itself.")
        try:
            mail = localmail.local_messages(actor=request.user, to=request.GET.get("to", ""))
        except CognitoError as exc:
            self._cognito_error(request, exc)
            mail = localmail.LocalMail(messages=[])
        title = "Emails the local Cognito recorded"
        return self._render(request, "local_mail.html", title=title, mail=mail.messages, hidden=mail.hidden)


@admin.register(CognitoGroup)
class PoolGroupAdmin(CognitoModelAdmin):
    """The pool's groups: list with member counts, create, edit (description, precedence), delete."""

    def get_urls(self):
        return [
            self._url("", self.changelist_view, "changelist"),
            self._url("add/", self.add_view, "add"),
            self._url("<path:object_id>/history/", self.history_view, "history", unquoting=False),
            self._url("<path:object_id>/delete/", self.delete_view, "delete"),
            self._url("<path:object_id>/change/", self.change_view, "change"),
        ]

    def changelist_view(self, request, extra_context=None):
        self._require(request, "view")
        try:
            rows = selectors.groups_list()
        except CognitoError as exc:
            self._cognito_error(request, exc)
            rows = []
        users_url = reverse("admin:accounts_cognitouser_changelist")
        return self._render(request, "change_list.html", title="Cognito groups", rows=rows, users_url=users_url)

    def add_view(self, request, form_url="", extra_context=None):
        self._require(request, "add")
        form = forms.GroupForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                group_services.group_create(actor=request.user, **form.cleaned_data)
            except CognitoError as exc:
                self._cognito_error(request, exc)
            else:
                messages.success(request, f"Created group {form.cleaned_data['name']}.")
                return HttpResponseRedirect(self._changelist_url())
        return self._render(request, "change_form.html", title="Add Cognito group", form=form, adding=True)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._require(request, "change" if request.method == "POST" else "view")
        try:
            group = selectors.group_get(name=object_id)
        except CognitoError as exc:
            self._cognito_error(request, exc)
            return HttpResponseRedirect(self._changelist_url())
        initial = {"name": group.name, "description": group.description, "precedence": group.precedence}
        form = forms.GroupForm(request.POST or None, initial=initial)
        form.fields["name"].disabled = True
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                group_services.group_update(
                    actor=request.user,
                    name=group.name,
                    description=data["description"],
                    precedence=data["precedence"],
                )
            except NotAvailable:
                messages.error(
                    request,
                    "Editing groups is not available on this Cognito stack (it has no UpdateGroup); "
                    "nothing was changed.",
                )
            except CognitoError as exc:
                self._cognito_error(request, exc)
            else:
                messages.success(request, f"Saved group {group.name}.")
                return HttpResponseRedirect(self._changelist_url())
        return self._render(
            request,
            "change_form.html",
            title=f"Cognito group {group.name}",
            form=form,
            group=group,
            original=CognitoGroup(pk=group.name),
            quoted_id=quote(group.name),
            users_url=self._users_url(group.name),
        )

    def delete_view(self, request, object_id, extra_context=None):
        self._require(request, "delete")
        if request.method == "POST":
            try:
                group_services.group_delete(actor=request.user, name=object_id)
            except CognitoError as exc:
                self._cognito_error(request, exc)
            else:
                messages.success(request, f"Deleted group {object_id}.")
            return HttpResponseRedirect(self._changelist_url())
        return self._render(request, "delete_confirmation.html", title="Delete Cognito group", name=object_id)

    def _users_url(self, name):
        return reverse("admin:accounts_cognitouser_changelist") + "?" + urlencode({"group": name})


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Background jobs: who started what, when, and how it went; each job's page with its progress."""

    list_display = ["label", "started_by", "created", "state", "outcome"]
    list_filter = ["state", "action"]
    list_display_links = ["label"]
    ordering = ["-created"]

    @admin.display(description="Started by", ordering="starter")
    def started_by(self, job):
        return job.starter or "a management command"

    @admin.display(description="Outcome")
    def outcome(self, job):
        return _summary(job)["outcome"]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Jobs: who started what, when, and how it went"})

    # Job pages name people: they are for whoever may see the pool's users.
    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and request.user.has_perm("accounts.view_cognitouser")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        def url(route, view, name):
            view = self.admin_site.admin_view(_refusing(view, self.admin_site))
            return path(route, view, name=f"accounts_job_{name}")

        return [
            url("<int:job_id>/change/", self.job_view, "change"),
            url("<int:job_id>/progress/", self.progress_view, "progress"),
            url("<int:job_id>/cancel/", self.cancel_view, "cancel"),
            url("<int:job_id>/resume/", self.resume_view, "resume"),
            url("<int:job_id>/download/", self.download_view, "download"),
            *super().get_urls(),
        ]

    def _job(self, request, job_id):
        if not self.has_view_permission(request):
            raise PermissionMissing("accounts.view_cognitouser", "Can view Cognito user (job pages name people)")
        job = Job.objects.select_related("created_by").filter(pk=job_id).first()
        if job is None:
            raise Http404("No such job.")
        return job

    def job_view(self, request, job_id, form_url="", extra_context=None):
        job = self._job(request, job_id)
        summary = _summary(job)
        may_steer = policy.acts_as_superuser(request.user) or request.user.pk == job.created_by_id
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{job.label}: job {job.pk}",
            "job": job,
            **summary,
            "download_url": (reverse("admin:accounts_job_download", args=[job.pk]) if jobs.job_file(job=job) else ""),
            "items": job.items.exclude(state__in=[JobItem.PENDING, JobItem.RUNNING])[:1000],
            "stale": jobs.job_stale(job=job),
            "filter_words": (
                selectors.query_words(query=selectors.UserQuery.from_params(job.query)) if job.query else ""
            ),
            "may_steer": may_steer,
            "progress_url": reverse("admin:accounts_job_progress", args=[job.pk]),
        }
        return TemplateResponse(request, "admin/accounts/job/job.html", context)

    def progress_view(self, request, job_id):
        """The job page's polling: counts, state, and the results after ``after`` (an item id), as JSON."""
        job = self._job(request, job_id)
        try:
            after = max(0, int(request.GET.get("after", 0)))
        except ValueError:
            after = 0
        summary = _summary(job)
        open_ids = job.items.filter(state__in=[JobItem.PENDING, JobItem.RUNNING]).order_by("id")
        first_open = open_ids.values_list("id", flat=True).first()
        done = list(job.items.exclude(state__in=[JobItem.PENDING, JobItem.RUNNING]).filter(pk__gt=after)[:200])
        # Threads finish users out of order: ask next time from below the first user still open, so a
        # result that lands behind one already shown is not missed (the page skips those it has).
        next_after = done[-1].pk if done else after
        if first_open is not None:
            next_after = min(next_after, first_open - 1)
        labels = dict(JobItem.STATES)
        return JsonResponse(
            {
                "state": job.state,
                "state_words": job.get_state_display(),
                "expanded": job.expanded,
                "note": job.note,
                "counts": summary["counts"],
                "total": summary["total"],
                "finished": summary["finished"],
                "outcome": summary["outcome"],
                "download_url": (
                    reverse("admin:accounts_job_download", args=[job.pk]) if jobs.job_file(job=job) else ""
                ),
                "over": job.state not in (Job.QUEUED, Job.RUNNING),
                "next_after": max(after, next_after),
                "items": [
                    {
                        "id": item.pk,
                        "email": item.email or item.username,
                        "username": item.username,
                        "state": item.state,
                        "state_words": labels[item.state],
                        "message": item.message,
                    }
                    for item in done
                ],
            },
            headers={"Cache-Control": "no-store"},
        )

    def download_view(self, request, job_id):
        """The finished export's CSV file, as an attachment."""
        job = self._job(request, job_id)
        path = jobs.job_file(job=job)
        if path is None:
            raise Http404("This job has no file to download.")
        return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name, content_type="text/csv")

    def cancel_view(self, request, job_id):
        said = "Cancelling: the job stops after the user it is changing now."
        return self._steer(request, job_id, jobs.job_cancel, said)

    def resume_view(self, request, job_id):
        said = "Resumed: the worker goes on with the users not reached yet."
        return self._steer(request, job_id, jobs.job_resume, said)

    def _steer(self, request, job_id, service, said):
        job = self._job(request, job_id)
        if request.method == "POST":
            try:
                service(actor=request.user, job=job)
            except CognitoError as exc:
                messages.error(request, exc.plain)
            else:
                messages.success(request, said)
        return HttpResponseRedirect(reverse("admin:accounts_job_change", args=[job.pk]))


def _summary(job):
    """Return a job's counts, total, finished and outcome in words (an export counts rows, not people)."""
    if job.action in (jobs.EXPORT, jobs.SYNC):
        total = max(job.rows, job.expected) if job.state in (Job.QUEUED, Job.RUNNING) else job.rows
        counts = {"total": total, "done": job.rows}
        words = "written" if job.action == jobs.EXPORT else "read"
        return {"counts": counts, "total": total, "finished": job.rows, "outcome": f"{job.rows} users {words}"}
    counts = jobs.job_counts(job=job)
    finished = counts["total"] - counts["pending"] - counts["running"]
    return {"counts": counts, "total": counts["total"], "finished": finished, "outcome": _outcome_words(counts)}


def _outcome_words(counts):
    """Say how a job went: "3 done, 1 failed, 2 not attempted of 6"."""
    parts = [f"{counts['done']} done"]
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed")
    if counts["unknown"]:
        parts.append(f"{counts['unknown']} interrupted")
    if counts["skipped"]:
        parts.append(f"{counts['skipped']} not attempted")
    return f"{', '.join(parts)} of {counts['total']}"
