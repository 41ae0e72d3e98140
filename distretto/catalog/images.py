"""Photos resized on upload, so that pages stay light on a slow phone connection.

Each photo is stored twice as JPEG: a display copy at most ``DISPLAY_PX`` on its
longer side and a thumbnail at most ``THUMB_PX``. The original upload is not kept.
"""

from __future__ import annotations

import io
import uuid

from django.core.files.base import ContentFile
from django.db.models import Model
from PIL import Image, ImageOps, UnidentifiedImageError

from distretto.core.errors import Invalid

DISPLAY_PX = 1200
THUMB_PX = 480
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000


def _jpeg(image: Image.Image, longest: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=80, optimize=True, progressive=True)
    return out.getvalue()


def attach_photo(instance: Model, upload) -> None:
    """Resize ``upload`` into ``instance.photo`` and ``instance.thumbnail`` and save them.

    Anything that is not a readable image is Invalid(field="photo").
    """
    if upload.size > MAX_UPLOAD_BYTES:
        raise Invalid("The photo is larger than 8 MB.", field="photo")
    try:
        image = Image.open(upload)
        if image.width * image.height > MAX_PIXELS:
            raise Invalid("The photo has too many pixels.", field="photo")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise Invalid("The file is not a readable image.", field="photo") from None
    image = ImageOps.exif_transpose(image).convert("RGB")
    name = f"{uuid.uuid4().hex[:12]}.jpg"
    for field in ("photo", "thumbnail"):
        old = getattr(instance, field)
        if old:
            old.delete(save=False)
    instance.photo.save(name, ContentFile(_jpeg(image, DISPLAY_PX)), save=False)
    instance.thumbnail.save(name, ContentFile(_jpeg(image, THUMB_PX)), save=False)
    instance.save(update_fields=["photo", "thumbnail"])
