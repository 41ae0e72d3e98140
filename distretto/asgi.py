"""ASGI entry point served by uvicorn."""

import gc
import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distretto.settings")
# WhiteNoise hands static files to Django as a synchronous iterator; under ASGI Django
# warns on each one. The files are small and cached by clients: the warning is noise.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")
application = get_asgi_application()
# The signage player's manifest and event stream, and the POS tills' movements, skip
# Django's request machinery.
from distretto.loyalty.fastpath import TillFastPath  # noqa: E402 - needs Django set up
from distretto.signage.fastpath import PlayerFastPath  # noqa: E402 - needs Django set up

application = PlayerFastPath(TillFastPath(application))
# Everything loaded so far lives as long as the process: keep it out of the garbage
# collector's full passes, which otherwise stall every open signage stream at once.
gc.freeze()
