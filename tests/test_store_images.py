"""Product pictures: deterministic valid PNGs whose pixels follow the visual attributes; caching."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from salessim.errors import SalesSimError
from salessim.schema import Product
from salessim.store import load_catalog, load_store
from salessim.store.images import (
    SIZE,
    ImageRenderer,
    body_rgb,
    brand_mark,
    render_product_png,
)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def image(data: bytes) -> Image.Image:
    img = Image.open(BytesIO(data))
    img.load()
    return img


def with_attrs(product: Product, **changes) -> Product:
    return product.model_copy(update={"attributes": {**product.attributes, **changes}})


def test_every_product_renders_a_valid_png(catalog):
    for product in catalog:
        data = render_product_png(product)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        img = image(data)
        assert img.format == "PNG" and img.size == (SIZE, SIZE) == (256, 256)


def test_rendering_is_deterministic(catalog):
    for product in catalog.products("smartphones")[:5]:
        assert render_product_png(product) == render_product_png(product.model_copy(deep=True))


@pytest.mark.parametrize("category", ["laptops", "headphones", "smartphones"])
def test_colour_changes_pixels_and_is_drawn(catalog, category):
    product = catalog.products(category)[0]
    colours = catalog.schema(category).attribute("color").values
    rendered = {}
    for colour in colours:
        img = image(render_product_png(with_attrs(product, color=colour))).convert("RGB")
        rendered[colour] = img.tobytes()
        assert img.getcolors(SIZE * SIZE) is not None
        counts = {rgb: n for n, rgb in img.getcolors(SIZE * SIZE)}
        assert counts.get(body_rgb(colour), 0) > 300, (category, colour)  # the body is drawn in that colour
    assert len(set(rendered.values())) == len(colours)


def test_colour_twins_differ_only_in_pixels(catalog):
    twins = [(p, q) for p in catalog.products("laptops") for q in catalog.products("laptops")
             if p.id < q.id and {k for k in p.attributes if p.attributes[k] != q.attributes[k]} == {"color"}]
    assert twins
    for p, q in twins[:5]:
        assert render_product_png(p) != render_product_png(q)


def test_shape_follows_form_factor_and_screen(catalog):
    lap = catalog.products("laptops")[0]
    shapes = {render_product_png(with_attrs(lap, form_factor=f)) for f in ("clamshell", "2-in-1", "detachable")}
    assert len(shapes) == 3
    small, big = (image(render_product_png(with_attrs(lap, screen_in=s))).convert("RGB") for s in (11.6, 18.0))
    screen = (28, 40, 62)

    def count(img: Image.Image) -> int:
        return {rgb: n for n, rgb in img.getcolors(SIZE * SIZE)}.get(screen, 0)

    assert count(big) > count(small) * 1.5
    hp = catalog.products("headphones")[0]
    styles = {render_product_png(with_attrs(hp, style=s)) for s in ("over-ear", "on-ear", "in-ear")}
    assert len(styles) == 3
    phone = catalog.products("smartphones")[0]
    assert render_product_png(with_attrs(phone, screen_in=7.6)) != render_product_png(with_attrs(phone, screen_in=6.1))


def test_brand_mark():
    assert brand_mark("Audio-Technica") == "AT"
    assert brand_mark("Sony") == "S"
    assert brand_mark("") == "?"


def test_disk_and_memory_cache(tmp_path, monkeypatch, catalog):
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path))
    store = load_store()
    pid = catalog.products("headphones")[0].id
    data = store.image_png(pid)
    files = list((tmp_path / "images" / catalog.data_hash()).glob("*.png"))
    assert len(files) == 1 and files[0].read_bytes() == data and files[0].name.startswith(pid)
    assert store.image_png(pid) is data  # memory cache
    # a fresh renderer reads the disk cache instead of drawing again
    files[0].write_bytes(b"cached bytes")
    assert ImageRenderer(catalog.data_hash()).png(catalog.get(pid)) == b"cached bytes"


def test_unwritable_cache_still_renders(tmp_path, catalog):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    renderer = ImageRenderer("h", cache_dir=blocker / "sub")
    product = catalog.products("laptops")[0]
    assert renderer.png(product) == render_product_png(product)


def test_unknown_product_image(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path))
    with pytest.raises(SalesSimError, match="unknown product id"):
        load_store().image_png("nope")
