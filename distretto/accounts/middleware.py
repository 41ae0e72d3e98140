from django.http import HttpRequest, HttpResponse

from distretto.accounts import audit


class AuditActorMiddleware:
    """Signed-in people changing things through pages or the admin are audit actors.

    The actor lives for one request: whatever the API authentication sets inside
    is reset with it when the response leaves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            via = "admin" if request.path.startswith("/admin/") else "page"
            token = audit.set_actor(user, via)
        else:
            token = audit.clear_actor()
        try:
            return self.get_response(request)
        finally:
            audit.reset_actor(token)
