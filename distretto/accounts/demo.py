"""Demo users, one per role, all with the password DEMO_PASSWORD."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from distretto.accounts.models import Membership, Role
from distretto.territory.models import Business, Chamber, District

DEMO_PASSWORD = "distretto-demo"

# username, full name, role, scope kind, scope key
DEMO_USERS = [
    ("operatore", "Giulia Operatrice", Role.CHAMBER_OPERATOR, "chamber", "milomb"),
    ("operatore", "Giulia Operatrice", Role.CHAMBER_OPERATOR, "chamber", "cuneo"),
    ("operatore", "Giulia Operatrice", Role.CHAMBER_OPERATOR, "chamber", "bergamo"),
    ("operatore", "Giulia Operatrice", Role.CHAMBER_OPERATOR, "chamber", "molise"),
    ("gestore.lodi", "Marco Gestore", Role.DISTRICT_MANAGER, "district", "lodi"),
    ("gestore.cuneo", "Chiara Gestrice", Role.DISTRICT_MANAGER, "district", "cuneo"),
    ("gestore.valli", "Paolo Gestore", Role.DISTRICT_MANAGER, "district", "valli-bergamasche"),
    ("negoziante", "Anna Negoziante", Role.MERCHANT, "business", "Panetteria Fanfulla"),
    ("negoziante.cuneo", "Luca Negoziante", Role.MERCHANT, "business", "Caffè Galimberti"),
    ("formatore", "Elena Formatrice", Role.ASSESSOR, "district", "valli-bergamasche"),
    ("energia", "Davide Energia", Role.ENERGY_MANAGER, "district", "campobasso"),
    ("cliente", "Sara Cliente", Role.CARDHOLDER, None, None),
]


def _user(username: str, full_name: str, *, superuser: bool = False):
    first, _, last = full_name.partition(" ")
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@example.org",
            "is_staff": superuser,
            "is_superuser": superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed() -> None:
    _user("admin", "Amministratore Piattaforma", superuser=True)
    for username, full_name, role, scope, key in DEMO_USERS:
        user = _user(username, full_name)
        target = {}
        if scope == "chamber":
            target["chamber"] = Chamber.objects.get(code=key)
        elif scope == "district":
            target["district"] = District.objects.get(slug=key)
        elif scope == "business":
            target["business"] = Business.objects.get(name=key)
        Membership.objects.get_or_create(user=user, role=role, **target)


def logins() -> list[tuple[str, str]]:
    """(username, what they can do) for the demo banner."""
    seen: dict[str, str] = {"admin": "platform administrator (Django admin)"}
    for username, _name, role, _scope, key in DEMO_USERS:
        label = f"{Role(role).label}" + (f" · {key}" if key else "")
        seen[username] = f"{seen[username]}, {key}" if username in seen else label
    return list(seen.items())
