from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from distretto.accounts import services, throttle, tokens
from distretto.accounts.api import client_ip
from distretto.accounts.models import ApiToken
from distretto.accounts.scoping import get_in_scope, principal_for_user
from distretto.core.errors import DomainError, RateLimited


class LoginView(auth_views.LoginView):
    """The login page, throttled as ``POST /api/v1/auth/token`` is: after
    ``TOKEN_RATE_LIMIT`` failures for a username or from an address in the window,
    both refuse further attempts (429) until it has passed; they share the counters."""

    template_name = "accounts/login.html"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "")[:150]
        try:
            throttle.check(username, client_ip(request))
        except RateLimited as refused:
            # The form is not validated: no password is checked while throttled.
            form = self.get_form_class()(request, initial={"username": username})
            minutes = max(1, round(refused.retry_after / 60))
            context = self.get_context_data(
                form=form,
                throttled=_("Too many failed attempts: try again in %(minutes)s minutes.")
                % {"minutes": minutes},
            )
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(refused.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        throttle.record_failure(
            self.request.POST.get("username", "")[:150], client_ip(self.request)
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        throttle.clear(form.get_user().get_username(), client_ip(self.request))
        return super().form_valid(form)


@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    """Create and revoke personal API tokens; a new token is shown once."""
    principal = principal_for_user(request.user)
    new_token = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = get_in_scope(
                services.tokens_visible_to(principal), request.POST["revoke"], "token"
            )
            tokens.revoke(token)
            messages.success(request, _("Token revoked."))
        else:
            name = request.POST.get("name", "").strip()[:120] or "api"
            scope = (
                request.POST.get("scope")
                if request.POST.get("scope") in ApiToken.Scope.values
                else "write"
            )
            _token, new_token = tokens.issue(
                kind=ApiToken.Kind.PERSONAL, name=name, user=request.user, scope=scope
            )
    personal = services.tokens_visible_to(principal).filter(
        user=request.user, kind=ApiToken.Kind.PERSONAL
    )
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": personal, "new_token": new_token, "scopes": ApiToken.Scope.choices},
    )


@login_required
def audit_page(request: HttpRequest) -> HttpResponse:
    try:
        entries = services.audit_entries_for(principal_for_user(request.user))
    except DomainError:
        raise Http404 from None
    if object_type := request.GET.get("type"):
        entries = entries.filter(object_type=object_type)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page})
