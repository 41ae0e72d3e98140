"""The cardholder's wallet authenticates with the card's own secret token.

Independent of persons' and devices' API tokens: the bearer is the card itself.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from distretto.loyalty.models import Card
from distretto.loyalty.services import card_for_token


class CardTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Card | None:
        return card_for_token(token)


card_auth = CardTokenAuth()
