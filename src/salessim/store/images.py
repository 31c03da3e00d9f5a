"""Deterministic product pictures drawn with Pillow from a product's attributes.

Each picture is a 256x256 PNG: the body is drawn in the product's ``color`` (a visual-only attribute
that no tool text reveals), the shape follows the form factor (clamshell / 2-in-1 / detachable laptop;
over-ear / on-ear / in-ear headphones; bar or foldable phone), the screen's proportions follow the
screen size, and a brand mark carries the brand's initials. Nothing is downloaded: text uses PIL's
built-in default font.

Rendered bytes are cached in memory and on disk under ``<cache root>/images/<data hash>/``, where the
cache root is ``$SALESSIM_CACHE_DIR`` or ``~/.cache/salessim``.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from salessim.schema import Product

SIZE = 256
RENDER_VERSION = "r1"  # bump when the drawing changes, so stale disk caches are not reused
BACKGROUND = (236, 239, 243)
OUTLINE = (60, 64, 72)
SCREEN = (28, 40, 62)
SCREEN_GLARE = (58, 78, 110)

COLORS: dict[str, tuple[int, int, int]] = {
    "black": (30, 30, 33),
    "white": (250, 250, 250),
    "silver": (190, 194, 200),
    "space gray": (98, 102, 110),
    "gray": (128, 128, 128),
    "blue": (40, 96, 196),
    "green": (52, 150, 84),
    "red": (200, 38, 44),
    "rose gold": (222, 164, 150),
    "beige": (216, 196, 160),
    "pink": (240, 150, 190),
    "purple": (126, 72, 170),
    "gold": (212, 175, 55),
}
FALLBACK_COLOR = (150, 150, 150)


def cache_root() -> Path:
    """The cache root: ``$SALESSIM_CACHE_DIR`` when set, else ``~/.cache/salessim``."""
    env = os.environ.get("SALESSIM_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "salessim"


def body_rgb(color: object) -> tuple[int, int, int]:
    """The RGB used to draw a colour name (unknown names get a neutral grey)."""
    return COLORS.get(str(color).strip().lower(), FALLBACK_COLOR)


def _contrast(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (20, 20, 24) if luminance > 140 else (245, 245, 245)


def _shade(rgb: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, int(c * factor))) for c in rgb)  # type: ignore[return-value]


@lru_cache(maxsize=8)
def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # pragma: no cover - very old Pillow without sized default font
        return ImageFont.load_default()


def brand_mark(brand: str) -> str:
    """The letters printed on the product: initials of a multi-word/hyphenated brand, else the first
    letter (``Audio-Technica`` -> ``AT``, ``Sony`` -> ``S``)."""
    parts = [p for p in brand.replace("-", " ").split() if p]
    if len(parts) > 1:
        return "".join(p[0] for p in parts[:2]).upper()
    return (brand[:1] or "?").upper()


def _mark(draw: ImageDraw.ImageDraw, center: tuple[float, float], text: str, fill, size: int) -> None:
    draw.text(center, text, fill=fill, font=_font(size), anchor="mm")


def _screen(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=SCREEN)
    draw.polygon([(x0 + (x1 - x0) * 0.55, y0), (x0 + (x1 - x0) * 0.75, y0), (x0 + (x1 - x0) * 0.45, y1),
                  (x0 + (x1 - x0) * 0.25, y1)], fill=SCREEN_GLARE)


# ---------------------------------------------------------------------------------------------- laptops
def _draw_laptop(draw: ImageDraw.ImageDraw, a: dict, rgb) -> None:
    screen_in = float(a.get("screen_in", 14) or 14)
    form = str(a.get("form_factor", "clamshell"))
    # width of the lid grows with the diagonal (11" -> 120 px, 18" -> 200 px), 16:10 panel
    width = 120 + (min(max(screen_in, 11), 18.5) - 11) / 7.5 * 84
    height = width * 0.64
    cx = SIZE / 2
    # centre the whole drawing (lid + base or keyboard cover) above the floor shadow
    total = height + (36 if form != "detachable" else 66)
    lid_top = max(12, (SIZE - 24 - total) / 2 + 4)
    lid = (cx - width / 2, lid_top, cx + width / 2, lid_top + height)
    mark_fill = _contrast(rgb)
    bezel = 6
    draw.rounded_rectangle(lid, radius=8, fill=rgb, outline=OUTLINE, width=2)
    _screen(draw, (lid[0] + bezel, lid[1] + bezel, lid[2] - bezel, lid[3] - bezel - 8))
    _mark(draw, (cx, lid[3] - 7), brand_mark(str(a.get("brand", ""))), mark_fill, 10)
    if form == "detachable":
        # tablet above, separate keyboard cover below with a visible gap
        kb_top = lid[3] + 16
        kb = (lid[0] + 4, kb_top, lid[2] - 4, kb_top + 34)
        draw.rounded_rectangle(kb, radius=5, fill=_shade(rgb, 0.85), outline=OUTLINE, width=2)
        _keys(draw, kb, rgb)
        # magnetic pins
        for dx in (-12, 0, 12):
            draw.ellipse((cx + dx - 2, lid[3] + 4, cx + dx + 2, lid[3] + 8), fill=OUTLINE)
        # stylus
        draw.line((lid[2] + 8, lid[1] + 10, lid[2] + 8, lid[3] - 10), fill=OUTLINE, width=4)
    else:
        base_top = lid[3]
        base = [(lid[0] - 14, base_top + 36), (lid[2] + 14, base_top + 36), (lid[2], base_top), (lid[0], base_top)]
        draw.polygon(base, fill=_shade(rgb, 0.9), outline=OUTLINE)
        _keys(draw, (lid[0] + 6, base_top + 5, lid[2] - 6, base_top + 24), rgb)
        draw.rectangle((cx - 20, base_top + 26, cx + 20, base_top + 33), fill=_shade(rgb, 0.78))
        if form == "2-in-1":
            # 360-degree hinge: a circular arrow at the hinge and a tablet-mode silhouette beside it
            hinge = (lid[2] - 16, base_top - 8, lid[2] + 8, base_top + 16)
            draw.arc(hinge, start=200, end=520, fill=OUTLINE, width=3)
            draw.polygon([(hinge[0] + 2, hinge[1] + 14), (hinge[0] - 4, hinge[1] + 4), (hinge[0] + 8, hinge[1] + 6)],
                         fill=OUTLINE)
            draw.line((lid[2] + 8, lid[1] + 10, lid[2] + 8, lid[3] - 10), fill=OUTLINE, width=3)  # pen
    if a.get("touchscreen"):
        # a fingertip touch ripple on the screen
        tx, ty = lid[0] + width * 0.3, lid[1] + height * 0.45
        draw.ellipse((tx - 6, ty - 6, tx + 6, ty + 6), outline=(230, 230, 240), width=2)


def _keys(draw: ImageDraw.ImageDraw, box, rgb) -> None:
    x0, y0, x1, y1 = box
    key = _shade(rgb, 0.6) if sum(rgb) > 200 else _shade(rgb, 1.6) if sum(rgb) < 150 else _shade(rgb, 0.7)
    rows, cols = 3, 12
    kw = (x1 - x0) / cols
    kh = (y1 - y0) / rows
    for r in range(rows):
        for c in range(cols):
            draw.rectangle((x0 + c * kw + 1, y0 + r * kh + 1, x0 + (c + 1) * kw - 1, y0 + (r + 1) * kh - 1), fill=key)


# ------------------------------------------------------------------------------------------- headphones
def _draw_headphones(draw: ImageDraw.ImageDraw, a: dict, rgb) -> None:
    style = str(a.get("style", "over-ear"))
    mark = brand_mark(str(a.get("brand", "")))
    fill_mark = _contrast(rgb)
    wireless = bool(a.get("wireless", True))
    if style == "in-ear":
        for cx, flip in ((96, -1), (160, 1)):
            draw.ellipse((cx - 24, 84, cx + 24, 132), fill=rgb, outline=OUTLINE, width=2)
            draw.ellipse((cx + flip * 14 - 10, 76, cx + flip * 14 + 10, 96), fill=_shade(rgb, 0.75), outline=OUTLINE)
            if wireless:
                draw.rounded_rectangle((cx - 7, 124, cx + 7, 176), radius=6, fill=rgb, outline=OUTLINE, width=2)
        _mark(draw, (96, 108), mark, fill_mark, 16)
        _mark(draw, (160, 108), mark, fill_mark, 16)
        if wireless:
            case = (88, 190, 168, 240)
            draw.rounded_rectangle(case, radius=18, fill=rgb, outline=OUTLINE, width=2)
            draw.line((90, 206, 166, 206), fill=OUTLINE, width=2)
            draw.ellipse((124, 222, 132, 230), fill=(80, 200, 120))
        else:
            draw.line((96, 132, 128, 190), fill=OUTLINE, width=3)
            draw.line((160, 132, 128, 190), fill=OUTLINE, width=3)
            draw.line((128, 190, 128, 236), fill=OUTLINE, width=3)
            draw.rectangle((124, 236, 132, 250), fill=(170, 170, 176))
    else:
        over = style == "over-ear"
        cup_w, cup_h = (58, 84) if over else (48, 52)
        top = 40
        draw.arc((48, top, 208, top + 170), start=180, end=360, fill=_shade(rgb, 0.8), width=14)
        draw.arc((48, top, 208, top + 170), start=180, end=360, fill=OUTLINE, width=2)
        cy = top + 108
        for cx in (62, 194):
            cup = (cx - cup_w / 2, cy - cup_h / 2, cx + cup_w / 2, cy + cup_h / 2)
            draw.rounded_rectangle(cup, radius=22 if over else 24, fill=rgb, outline=OUTLINE, width=2)
            pad = (cup[0] + 6, cup[1] + 6, cup[2] - 6, cup[3] - 6)
            draw.rounded_rectangle(pad, radius=18, outline=_shade(rgb, 0.7), width=3)
            _mark(draw, (cx, cy), mark, fill_mark, 18)
        if not wireless:
            draw.line((62, cy + cup_h / 2, 62, 230), fill=OUTLINE, width=3)
            draw.line((62, 230, 110, 240), fill=OUTLINE, width=3)
            draw.rectangle((110, 236, 126, 244), fill=(170, 170, 176))
        if a.get("noise_cancelling"):
            # outer microphones of the noise cancelling system
            for cx in (62, 194):
                draw.ellipse((cx - 3, cy - cup_h / 2 + 8, cx + 3, cy - cup_h / 2 + 14), fill=OUTLINE)


# ------------------------------------------------------------------------------------------ smartphones
def _draw_phone(draw: ImageDraw.ImageDraw, a: dict, rgb) -> None:
    screen_in = float(a.get("screen_in", 6.1) or 6.1)
    mark = brand_mark(str(a.get("brand", "")))
    foldable = screen_in >= 7.2
    if foldable:
        # an open book-style foldable: two panels with a hinge line
        h = 190
        w = 168
        x0, y0 = (SIZE - w) / 2, 30
        draw.rounded_rectangle((x0, y0, x0 + w, y0 + h), radius=12, fill=rgb, outline=OUTLINE, width=2)
        _screen(draw, (x0 + 7, y0 + 7, x0 + w - 7, y0 + h - 7))
        draw.line((SIZE / 2, y0 + 4, SIZE / 2, y0 + h - 4), fill=_shade(rgb, 0.7), width=3)
        _mark(draw, (SIZE / 2, y0 + h + 14), mark, OUTLINE, 14)
        return
    # height grows with the diagonal (4.7" -> 170 px, 7" -> 214 px), width by a 19.5:9 ratio
    h = 170 + (min(max(screen_in, 4.7), 7.0) - 4.7) / 2.3 * 44
    w = h * (0.5 if screen_in < 5.0 else 0.47)
    # front view on the left, back (with colour, camera and brand mark) on the right
    fx0, y0 = SIZE / 2 - 6 - w, (SIZE - 16 - h) / 2
    draw.rounded_rectangle((fx0, y0, fx0 + w, y0 + h), radius=14, fill=rgb, outline=OUTLINE, width=2)
    top_bezel = 26 if screen_in < 5.0 else 6
    _screen(draw, (fx0 + 5, y0 + top_bezel, fx0 + w - 5, y0 + h - top_bezel))
    if screen_in < 5.0:  # classic home button
        draw.ellipse((fx0 + w / 2 - 8, y0 + h - 21, fx0 + w / 2 + 8, y0 + h - 5), outline=_contrast(rgb), width=2)
    else:
        draw.ellipse((fx0 + w / 2 - 3, y0 + 10, fx0 + w / 2 + 3, y0 + 16), fill=(10, 10, 12))
    bx0 = SIZE / 2 + 6
    draw.rounded_rectangle((bx0, y0, bx0 + w, y0 + h), radius=14, fill=rgb, outline=OUTLINE, width=2)
    lenses = 3 if float(a.get("camera_mp", 12) or 12) >= 48 else 1
    bump = (bx0 + 8, y0 + 8, bx0 + 8 + (44 if lenses > 1 else 26), y0 + 8 + (44 if lenses > 1 else 26))
    draw.rounded_rectangle(bump, radius=10, fill=_shade(rgb, 0.8), outline=OUTLINE)
    spots = [(bump[0] + 12, bump[1] + 12)] if lenses == 1 else [
        (bump[0] + 12, bump[1] + 12), (bump[0] + 12, bump[1] + 32), (bump[0] + 32, bump[1] + 22)]
    for sx, sy in spots:
        draw.ellipse((sx - 7, sy - 7, sx + 7, sy + 7), fill=(20, 20, 26), outline=(120, 120, 130))
    _mark(draw, (bx0 + w / 2, y0 + h / 2 + 10), mark, _contrast(rgb), 20)
    if a.get("headphone_jack"):
        draw.ellipse((bx0 + w * 0.3 - 3, y0 + h - 6, bx0 + w * 0.3 + 3, y0 + h), fill=OUTLINE)


def render_product_png(product: Product) -> bytes:
    """Draw the product's picture and return PNG bytes (deterministic for the same attributes)."""
    a = product.attributes
    rgb = body_rgb(a.get("color", ""))
    image = Image.new("RGB", (SIZE, SIZE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    # a soft floor shadow under every product
    draw.ellipse((40, 226, 216, 246), fill=(220, 223, 228))
    if product.category == "laptops" or "form_factor" in a:
        _draw_laptop(draw, a, rgb)
    elif product.category == "headphones" or "style" in a:
        _draw_headphones(draw, a, rgb)
    elif product.category == "smartphones" or "battery_mah" in a:
        _draw_phone(draw, a, rgb)
    else:  # an unknown category: a colour swatch with the brand mark
        draw.rounded_rectangle((64, 48, 192, 208), radius=16, fill=rgb, outline=OUTLINE, width=2)
        _mark(draw, (128, 128), brand_mark(product.brand), _contrast(rgb), 28)
    buf = BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()


class ImageRenderer:
    """Renders product pictures and caches them in memory and on disk.

    ``cache_dir`` fixes the disk cache directory; when None it is resolved on each miss as
    ``cache_root()/images/<data_hash>`` (so ``SALESSIM_CACHE_DIR`` set later is honoured). Disk
    errors (read-only home, full disk) only disable the disk cache, never the rendering.
    """

    def __init__(self, data_hash: str, cache_dir: str | Path | None = None, *, use_disk: bool = True):
        self.data_hash = data_hash
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.use_disk = use_disk
        self._memory: dict[str, bytes] = {}

    def cache_dir(self) -> Path:
        """Where PNGs of this catalog version are cached on disk."""
        if self._cache_dir is not None:
            return self._cache_dir
        return cache_root() / "images" / self.data_hash

    def png(self, product: Product) -> bytes:
        """The PNG bytes of ``product``'s picture (from memory, then disk, else rendered)."""
        key = product.id
        cached = self._memory.get(key)
        if cached is not None:
            return cached
        path = self.cache_dir() / f"{_safe_name(product.id)}.{RENDER_VERSION}.png"
        data = None
        if self.use_disk:
            try:
                data = path.read_bytes()
            except OSError:
                data = None
        if data is None:
            data = render_product_png(product)
            if self.use_disk:
                _write_atomic(path, data)
        self._memory[key] = data
        return data


def _safe_name(product_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in product_id)


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".png")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; a cache should be readable like any file
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # the disk cache is an optimisation only
