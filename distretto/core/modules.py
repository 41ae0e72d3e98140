"""The manager dashboard links every module; each app declares its own entries.

An app's ``AppConfig`` may define ``dashboard_links``: a list of
``DashboardLink``. The dashboard shows those whose ``visible(user)`` is true.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import reverse


@dataclass(frozen=True)
class DashboardLink:
    title: str
    url_name: str
    description: str = ""
    roles: tuple[str, ...] = ()  # empty: anyone signed in
    url_kwargs: dict = field(default_factory=dict)
    visible_if: Callable | None = None

    def url(self) -> str:
        return reverse(self.url_name, kwargs=self.url_kwargs or None)

    def visible(self, user) -> bool:
        if self.visible_if is not None:
            return bool(self.visible_if(user))
        if not self.roles or user.is_superuser:
            return True
        from distretto.accounts.scoping import user_roles

        return bool(user_roles(user) & set(self.roles))


def dashboard_sections(user) -> list[dict]:
    sections = []
    for config in apps.get_app_configs():
        links = getattr(config, "dashboard_links", None)
        if not links:
            continue
        shown = []
        for link in links:
            if not link.visible(user):
                continue
            shown.append({"title": link.title, "url": link.url(), "text": link.description})
        if shown:
            sections.append({"app": config.label, "title": config.verbose_name, "links": shown})
    return sections


def home_panels(user) -> list[dict]:
    """What an app puts on top of a person's home: an app's ``AppConfig`` may define
    ``home_panel(user)`` returning ``{"template": ..., **context}``, or None when it
    has nothing for this person (the cardholder's cards come from here)."""
    panels = []
    for config in apps.get_app_configs():
        panel = getattr(config, "home_panel", None)
        if panel is None:
            continue
        shown = panel(user)
        if shown:
            panels.append(shown)
    return panels
