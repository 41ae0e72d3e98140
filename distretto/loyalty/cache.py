"""What every till movement reads but a manager rarely changes, kept in the worker.

- **System accounts** (a merchant's issued/redeemed accounts, the promotion budget,
  breakage) never change once created and are never deleted: kept for the life of
  the process.
- **A programme's setting at each till's business** (``till.Setting``: the programme
  with its district, its earning rules (merchant multipliers and campaigns) and the
  ledger accounts) is kept for ``RULES_CACHE_S`` seconds, all read together. Saving or
  deleting a programme, a multiplier or a campaign (or changing a campaign's
  businesses) drops what is kept of the programme in this process at once
  (``forget``, connected in ``apps.py``); another worker applies the change within
  ``RULES_CACHE_S`` seconds.

Everything else a movement needs (the card and its status, its locked account and
balance, closed periods, the per-day campaign sums, idempotency keys) is read from
the database on every request. An entry is stored only once the database transaction
that read it has committed, so nothing a rolled-back transaction created or saw is
kept, and not at all if the programme was forgotten since the read began (a change
made while the reading transaction was still open).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction

RULES_CACHE_S = 5.0

T = TypeVar("T")
AccountKey = tuple[int, str, int | None]  # (programme id, account kind, business id)

_accounts: dict[AccountKey, object] = {}
_fresh: dict[tuple[str, int], tuple[object, float]] = {}
_generation: dict[int, int] = {}  # programme id -> how many times it was forgotten
_lock = threading.Lock()


def _load_and_keep(program_id: int, load: Callable[[], T], store: Callable[[T], None]) -> T:
    """``load()``, and ``store`` what it found once the current transaction commits,
    unless the programme is forgotten meanwhile (from before the load on: a change
    that commits while the load reads must not be hidden by what it read)."""
    generation = _generation.get(program_id, 0)
    found = load()

    def keep() -> None:
        with _lock:
            if _generation.get(program_id, 0) == generation:
                store(found)

    transaction.on_commit(keep)
    return found


def account(key: AccountKey, load: Callable[[], T]) -> T:
    """The system account for ``key``: from this process's cache, else ``load()``."""
    found = _accounts.get(key)
    if found is None:
        found = _load_and_keep(key[0], load, lambda value: _accounts.__setitem__(key, value))
    return found


def fresh(what: str, program_id: int, load: Callable[[], T]) -> T:
    """``what`` of the programme, kept for ``RULES_CACHE_S`` seconds, else ``load()``."""
    found = peek(what, program_id)
    if found is not None:
        return found
    expires = time.monotonic() + RULES_CACHE_S
    return _load_and_keep(
        program_id, load, lambda value: _fresh.__setitem__((what, program_id), (value, expires))
    )


def peek(what: str, program_id: int) -> Any:
    """``what`` of the programme if it is kept and fresh; never loads."""
    cached = _fresh.get((what, program_id))
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    return None


def forget(program_id: int) -> None:
    """Drop everything kept for the programme (it, its rules or its accounts changed)."""
    with _lock:
        _generation[program_id] = _generation.get(program_id, 0) + 1
        for key in [key for key in _fresh if key[1] == program_id]:
            del _fresh[key]
        for key in [key for key in _accounts if key[0] == program_id]:
            del _accounts[key]
