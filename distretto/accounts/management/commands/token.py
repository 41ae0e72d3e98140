"""`distretto token create|list|revoke`: personal and device tokens from the shell."""

from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.territory.models import Business

DEVICE_KINDS = {"display": ApiToken.Kind.DISPLAY, "gateway": ApiToken.Kind.GATEWAY}


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (stored hashed; a new token is printed once)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token.")
        who = create.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", help="Username: a personal token acting as this user.")
        who.add_argument("--terminal", type=int, metavar="BUSINESS_ID", help="A POS terminal.")
        who.add_argument(
            "--device",
            metavar="KIND:APP.MODEL:ID",
            help="A display or gateway, e.g. display:signage.Display:3.",
        )
        create.add_argument("--name", default="cli")
        create.add_argument("--scope", choices=ApiToken.Scope.values, default="write")
        create.add_argument("--expires-days", type=int)
        listing = sub.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("--user")
        listing.add_argument("--all", action="store_true", help="Include revoked tokens.")
        revoke = sub.add_parser("revoke", help="Revoke a token by id.")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args, **options) -> None:
        getattr(self, f"do_{options['action']}")(options)

    def do_create(self, options) -> None:
        expires_at = (
            timezone.now() + timedelta(days=options["expires_days"])
            if options["expires_days"]
            else None
        )
        common = {"name": options["name"], "scope": options["scope"], "expires_at": expires_at}
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
            token, raw = tokens.issue(kind=ApiToken.Kind.PERSONAL, user=user, **common)
        elif options["terminal"]:
            business = Business.objects.filter(pk=options["terminal"], active=True).first()
            if business is None:
                raise CommandError(f"No active business with id {options['terminal']}.")
            token, raw = tokens.issue(kind=ApiToken.Kind.TERMINAL, business=business, **common)
        else:
            token, raw = tokens.issue(device=self._device(options["device"], common), **common)
        self.stdout.write(f"token {token.pk} ({token.get_kind_display()}): {raw}")
        self.stderr.write("Store it now: it cannot be shown again.")

    def _device(self, spec: str, common: dict):
        try:
            kind, label, pk = spec.split(":")
            model = apps.get_model(label)
        except (ValueError, LookupError):
            raise CommandError(
                "--device is KIND:APP.MODEL:ID, e.g. display:signage.Display:3"
            ) from None
        if kind not in DEVICE_KINDS:
            raise CommandError(f"Device kind is one of {', '.join(DEVICE_KINDS)}.")
        device = model._default_manager.filter(pk=pk).first()
        if device is None:
            raise CommandError(f"No {label} with id {pk}.")
        common["kind"] = DEVICE_KINDS[kind]
        return device

    def do_list(self, options) -> None:
        queryset = ApiToken.objects.select_related("user", "business").order_by("id")
        if options["user"]:
            queryset = queryset.filter(user__username=options["user"])
        if not options["all"]:
            queryset = queryset.filter(revoked_at__isnull=True)
        for t in queryset:
            owner = t.user.username if t.user else (t.business.name if t.business else t.device)
            state = "revoked" if t.revoked_at else ("active" if t.is_active else "expired")
            last = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "never"
            self.stdout.write(
                f"{t.pk:>5}  {t.kind:<8} {t.scope:<5} dst_{t.prefix}…  {state:<7} "
                f"last used {last:<25} {t.name} · {owner}"
            )

    def do_revoke(self, options) -> None:
        token = ApiToken.objects.filter(pk=options["token_id"]).first()
        if token is None:
            raise CommandError(f"No token with id {options['token_id']}.")
        tokens.revoke(token)
        self.stdout.write(f"token {token.pk} revoked")
