"""Store tools: derived JSON schemas, results, errors as ToolResults, and no visual-only leaks."""

from __future__ import annotations

import base64
import inspect
import json
import random
import re

import pytest

from salessim.schema import ToolResult
from salessim.store import Store, StoreTools, default_store, load_store
from salessim.store.tools import (
    AGENT_TOOLS,
    SHOPPER_TOOLS,
    function_spec,
    parse_docstring,
)


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESSIM_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def store() -> Store:
    return load_store()


@pytest.fixture(scope="module")
def laptops(store) -> StoreTools:
    return store.tools("laptops")


def ok(result: ToolResult) -> dict:
    assert isinstance(result, ToolResult)
    assert result.error is False, result.content
    return result.content


def err(result: ToolResult) -> str:
    assert isinstance(result, ToolResult)
    assert result.error is True, result.content
    assert set(result.content) == {"error"} and isinstance(result.content["error"], str)
    return result.content["error"]


# --------------------------------------------------------------------------------------- the store
def test_load_store_is_lazy_and_default_store_is_cached(store):
    assert store.search._indexes == {}
    assert store.guides._index == {}
    assert default_store() is default_store()
    assert store.categories == ["headphones", "laptops", "smartphones"]
    assert store.tools("laptops") is store.tools("laptops")


def test_unknown_category_raises(store):
    from salessim.errors import SalesSimError

    with pytest.raises(SalesSimError, match="unknown category 'shoes'"):
        store.tools("shoes")


# ----------------------------------------------------------------------------------------- specs
def _has_title(node) -> bool:
    if isinstance(node, dict):
        return any((k == "title" and isinstance(v, str)) or _has_title(v) for k, v in node.items())
    return isinstance(node, list) and any(_has_title(v) for v in node)


def test_specs_by_role(laptops):
    assert [s["function"]["name"] for s in laptops.specs("agent")] == list(AGENT_TOOLS)
    assert [s["function"]["name"] for s in laptops.specs("shopper")] == list(SHOPPER_TOOLS)
    for spec in laptops.specs("agent") + laptops.specs("shopper"):
        assert spec["type"] == "function"
        fn = spec["function"]
        assert fn["description"] and "Args" not in fn["description"]
        params = fn["parameters"]
        assert params["type"] == "object" and params["additionalProperties"] is False
        assert not _has_title(params)  # pydantic's titles are stripped
        for prop in params["properties"].values():
            assert prop.get("description"), fn["name"]
    json.dumps(laptops.specs("agent"))  # serialisable


def test_specs_follow_the_signatures(laptops):
    for name in (*AGENT_TOOLS, *SHOPPER_TOOLS):
        method = getattr(StoreTools, name)
        sig = inspect.signature(method)
        params = [p for p in sig.parameters.values() if p.name != "self"]
        spec = function_spec(method)["function"]
        assert list(spec["parameters"]["properties"]) == [p.name for p in params]
        required = [p.name for p in params if p.default is inspect.Parameter.empty]
        assert spec["parameters"]["required"] == required
        summary, arg_docs = parse_docstring(method.__doc__)
        assert spec["description"] == summary
        for p in params:
            assert spec["parameters"]["properties"][p.name]["description"] == arg_docs[p.name]


def test_search_spec_details(laptops):
    spec = laptops.specs("agent")[0]["function"]["parameters"]
    assert spec["required"] == ["query"]
    assert spec["properties"]["query"]["type"] == "string"
    assert spec["properties"]["filters"]["type"] == "object"
    assert "max_price" in spec["properties"]["filters"]["description"]
    assert "color" not in spec["properties"]["filters"]["description"]
    limit = spec["properties"]["limit"]
    assert (limit["type"], limit["default"], limit["minimum"], limit["maximum"]) == ("integer", 5, 1, 20)


def test_parse_docstring():
    summary, args = parse_docstring("""Do a thing
        over two lines.

        Args:
            a: First
                continued.
            b (int): Second.

        Returns:
            nothing
        """)
    assert summary == "Do a thing over two lines."
    assert args == {"a": "First continued.", "b": "Second."}


# -------------------------------------------------------------------------------------- results
def test_search_products_result(laptops):
    content = ok(laptops.call("search_products", {"query": "", "filters": {"max_price": 400, "os": "ChromeOS"},
                                                  "limit": 3}, "c1"))
    assert content["total_matches"] >= 3 and len(content["results"]) == 3
    assert content["filters"] == {"max_price": 400.0, "os": "ChromeOS"}
    prices = [c["price"] for c in content["results"]]
    assert prices == sorted(prices)
    card = content["results"][0]
    assert {"id", "name", "price", "brand", "ram_gb", "os"} <= set(card)
    assert "line" not in card and "color" not in card


def test_search_notes(laptops):
    nothing = ok(laptops.call("search_products", {"query": "", "filters": {"max_price": 150}}, "c"))
    assert nothing["results"] == [] and "Relax" in nothing["note"]
    looks = ok(laptops.call("search_products", {"query": "blue laptop"}, "c"))
    assert "picture" in looks["note_on_looks"]


def test_get_product_and_guide(laptops, store):
    product = store.catalog.products("laptops")[0]
    content = ok(laptops.call("get_product", {"product_id": product.id}, "c2"))
    assert content["id"] == product.id and content["description"] == product.description
    assert content["attributes"]["ram_gb"] == product.attributes["ram_gb"]
    guide = ok(laptops.call("lookup_buying_guide", {"query": "how much RAM do I need"}, "c3"))
    assert guide["sections"][0]["id"] == "laptops/how-much-ram-do-you-need"
    assert len(guide["sections"]) <= 2
    none = ok(laptops.call("lookup_buying_guide", {"query": "zzzz qqqq"}, "c4"))
    assert none["sections"] == [] and "Budget tiers" in none["note"]


def test_view_product_with_and_without_vision(laptops, store):
    pid = store.catalog.products("laptops")[1].id
    blind = laptops.call("view_product", {"product_id": pid}, "v1", caller="shopper", vision=False)
    assert ok(blind)["picture"].startswith("This product has a picture, but you cannot see")
    assert blind.image_png_b64 is None
    seeing = laptops.call("view_product", {"product_id": pid}, "v2", caller="shopper", vision=True)
    assert ok(seeing)["picture"] == "The product picture is attached."
    png = base64.b64decode(seeing.image_png_b64)
    assert png.startswith(b"\x89PNG") and png == store.image_png(pid)
    assert seeing.call_id == "v2" and seeing.name == "view_product"


def test_arguments_as_json_string(laptops):
    content = ok(laptops.call("get_product", '{"product_id": "lap-001"}', "c"))
    assert content["id"] == "lap-001"


# --------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("name, arguments, caller, message", [
    ("buy_now", {}, "agent", "unknown tool 'buy_now'; the agent can call: search_products"),
    ("view_product", {"product_id": "lap-001"}, "agent", "'view_product' is a shopper tool"),
    ("search_products", {"query": "x"}, "shopper", "'search_products' is an agent tool"),
    ("get_product", {"product_id": "lap-001"}, "robot", "unknown caller 'robot'"),
    ("get_product", {}, "agent", "missing required argument 'product_id'"),
    ("get_product", None, "agent", "missing required argument 'product_id'"),
    ("get_product", {"product_id": "lap-001", "verbose": True}, "agent", "unexpected argument 'verbose'"),
    ("get_product", {"product_id": "lap-01"}, "agent", "unknown product id 'lap-01'. Did you mean"),
    ("get_product", {"product_id": "hph-001"}, "agent", "'hph-001' is in headphones.*laptops"),
    ("get_product", {"product_id": ["lap-001"]}, "agent", "argument 'product_id'"),
    ("get_product", "{not json", "agent", "not valid JSON"),
    ("get_product", "[1, 2]", "agent", "must be a JSON object"),
    ("search_products", {"query": "x", "limit": 50}, "agent", "argument 'limit'.*less than or equal to 20"),
    ("search_products", {"query": "x", "limit": "many"}, "agent", "argument 'limit'"),
    ("search_products", {"query": "x", "filters": {"color": "red"}}, "agent", "shown only in product pictures"),
    ("search_products", {"query": "x", "filters": {"max_price": "cheap"}}, "agent", "expected a number"),
    ("search_products", {"query": "x", "filters": {"ram": 8}}, "agent", "unknown filter 'ram'"),
    ("search_products", {"query": "x", "filters": "cheap"}, "agent", "argument 'filters'"),
    ("view_product", {"product_id": "phn-001"}, "shopper", "'phn-001' is in smartphones"),
    ("lookup_buying_guide", {"query": "ram", "limit": 0}, "agent", "argument 'limit'"),
])
def test_errors_come_back_as_tool_results(laptops, name, arguments, caller, message):
    result = laptops.call(name, arguments, "e1", caller=caller)
    assert re.search(message, err(result)), err(result)
    assert result.call_id == "e1" and result.name == name


def test_internal_errors_never_raise(laptops, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(laptops.store.search, "search", boom)
    message = err(laptops.call("search_products", {"query": "x"}, "e"))
    assert "internal error" in message and "disk on fire" in message


def test_fuzzed_arguments_never_raise(laptops):
    rng = random.Random(7)
    junk = [None, 0, -1, 3.5, "", "lap-001", "x" * 300, [], {}, {"a": 1}, True, ["lap-001"]]
    for _ in range(300):
        name = rng.choice([*AGENT_TOOLS, *SHOPPER_TOOLS, "nope"])
        args = {rng.choice(["query", "filters", "limit", "product_id", "zzz"]): rng.choice(junk)
                for _ in range(rng.randint(0, 3))}
        if rng.random() < 0.3:
            args = {"filters": {rng.choice(["max_price", "os", "brand", "color", "min_os", "touchscreen"]):
                                rng.choice(junk)}, "query": "x"}
        result = laptops.call(name, args, "f", caller=rng.choice(["agent", "shopper"]), vision=rng.random() < 0.5)
        assert isinstance(result, ToolResult)
        json.dumps(result.model_dump())


# ------------------------------------------------------------------------------ no visual leaks
def _visual_pattern(store: Store, category: str) -> re.Pattern:
    schema = store.catalog.schema(category)
    words = {"color", "colour"} | {v for s in schema.attributes if s.visual_only for v in s.values or []}
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)


@pytest.mark.parametrize("category", ["laptops", "headphones", "smartphones"])
def test_no_tool_text_contains_visual_only_attributes(store, category):
    tools = store.tools(category)
    pattern = _visual_pattern(store, category)
    texts = []
    for product in store.catalog.products(category):
        texts.append(ok(tools.call("get_product", {"product_id": product.id}, "g")))
        texts.append(ok(tools.call("view_product", {"product_id": product.id}, "v", caller="shopper")))
        seen = tools.call("view_product", {"product_id": product.id}, "v", caller="shopper", vision=True)
        texts.append(ok(seen))
        texts.append(tools.product_card(product))
    for filters in ({}, {"max_price": 500}, {"min_price": 500}):
        for query in ("", "best value", "light"):
            texts.append(ok(tools.call("search_products", {"query": query, "filters": filters, "limit": 20}, "s")))
    texts.append(ok(tools.call("lookup_buying_guide", {"query": "battery", "limit": 5}, "l")))
    for content in texts:
        blob = json.dumps(content)
        assert not pattern.search(blob), pattern.search(blob).group(0) + " in " + blob[:300]
