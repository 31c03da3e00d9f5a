"""The store and the tools both sides of a conversation call.

:class:`Store` bundles the catalog, product search, buying guides and product pictures.
``store.tools(category)`` gives a :class:`StoreTools` for one category with the tools:

- agent: ``search_products``, ``get_product``, ``lookup_buying_guide``
- shopper: ``view_product`` (details, plus the picture when the viewer can see images)

Each tool is a plain method whose OpenAI function-tool schema is *derived* from its signature and
docstring (pydantic ``create_model``), and whose arguments are validated by the same model.
``StoreTools.call`` never raises: every problem comes back as ``ToolResult(error=True)`` with a message
that says what was wrong and how to fix it. No text a tool returns holds a visual-only attribute.
"""

from __future__ import annotations

import base64
import difflib
import inspect
import json
import re
import typing
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from salessim.errors import SalesSimError
from salessim.schema import Product, ToolResult
from salessim.store.catalog import Catalog, load_catalog, text_attributes
from salessim.store.guides import GuideIndex
from salessim.store.images import ImageRenderer
from salessim.store.search import FilterError, ProductSearch, filter_keys
from salessim.store.text_index import tokenize

AGENT_TOOLS: tuple[str, ...] = ("search_products", "get_product", "lookup_buying_guide")
SHOPPER_TOOLS: tuple[str, ...] = ("view_product",)
ROLE_TOOLS: dict[str, tuple[str, ...]] = {"agent": AGENT_TOOLS, "shopper": SHOPPER_TOOLS}

PICTURE_SHOWN = "The product picture is attached."
PICTURE_HIDDEN = ("This product has a picture, but you cannot see images, so details that only show in "
                  "the picture (such as how it looks) are unknown to you.")
PICTURE_NOTE = "Some details are visible only in the product picture, which the shopper can look at."


class ToolError(SalesSimError):
    """A tool call that cannot be answered (bad argument, unknown or wrong-category product...)."""


# ---------------------------------------------------------------------------------------------------
# Deriving a tool's JSON schema and argument model from its signature and docstring
# ---------------------------------------------------------------------------------------------------
def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into (summary, {argument: description})."""
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    args: dict[str, list[str]] = {}
    section = "summary"
    current = None
    for line in lines:
        stripped = line.strip()
        if re.fullmatch(r"(Args|Arguments|Parameters):", stripped):
            section, current = "args", None
            continue
        if re.fullmatch(r"(Returns|Raises|Yields|Examples?|Notes?):", stripped):
            section = "other"
            continue
        if section == "summary":
            summary.append(stripped)
        elif section == "args":
            match = re.match(r"^(\w+)\s*(\([^)]*\))?:\s*(.*)$", stripped)
            if match and not line.startswith(" " * 8):
                current = match.group(1)
                args[current] = [match.group(3)]
            elif current and stripped:
                args[current].append(stripped)
    text = " ".join(s for s in summary if s) if summary else ""
    text = re.sub(r"\s+", " ", text).strip()
    return text, {k: re.sub(r"\s+", " ", " ".join(v)).strip() for k, v in args.items()}


def _strip_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_titles(v) for k, v in node.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node


def _collapse_optional(prop: dict) -> dict:
    """``anyOf: [X, null]`` with a null default -> ``X`` (the argument is simply optional)."""
    any_of = prop.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2 and {"type": "null"} in any_of and prop.get("default", 0) is None:
        other = next(x for x in any_of if x != {"type": "null"})
        merged = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
        return {**other, **merged}
    return prop


def arguments_model(func) -> type[BaseModel]:
    """A pydantic model of ``func``'s arguments (``self`` excluded), descriptions from its docstring,
    unknown arguments forbidden."""
    _, arg_docs = parse_docstring(func.__doc__)
    hints = typing.get_type_hints(func, include_extras=True)
    fields: dict[str, Any] = {}
    for name, param in inspect.signature(func).parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.KEYWORD_ONLY):
            continue
        annotation = hints.get(name, Any)
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[name] = (annotation, Field(default, description=arg_docs.get(name)))
    return create_model(f"{func.__name__}_arguments", __config__=ConfigDict(extra="forbid"), **fields)


def function_spec(func, model: type[BaseModel] | None = None) -> dict:
    """The OpenAI function-tool spec of ``func``: name, docstring summary, JSON schema of arguments."""
    summary, _ = parse_docstring(func.__doc__)
    schema = _strip_titles((model or arguments_model(func)).model_json_schema())
    props = {k: _collapse_optional(v) for k, v in schema.get("properties", {}).items()}
    parameters = {"type": "object", "properties": props, "required": schema.get("required", []),
                  "additionalProperties": False}
    return {"type": "function", "function": {"name": func.__name__, "description": summary,
                                             "parameters": parameters}}


def _validation_message(exc: ValidationError, model: type[BaseModel]) -> str:
    takes = ", ".join(model.model_fields)
    lines = []
    for err in exc.errors():
        loc = err.get("loc", ())
        arg = str(loc[0]) if loc else "arguments"
        etype = err.get("type", "")
        if etype == "missing":
            desc = model.model_fields[arg].description if arg in model.model_fields else None
            lines.append(f"missing required argument '{arg}'" + (f" ({desc})" if desc else ""))
        elif etype == "extra_forbidden":
            lines.append(f"unexpected argument '{arg}'; this tool takes: {takes}")
        else:
            path = ".".join(str(p) for p in loc) or arg
            lines.append(f"argument '{path}': {err.get('msg', 'invalid')} (got {err.get('input')!r})")
    return "; ".join(dict.fromkeys(lines))


# ---------------------------------------------------------------------------------------------------
# Tools of one category
# ---------------------------------------------------------------------------------------------------
class StoreTools:
    """The store tools for one product category, as called by the sales agent and the shopper."""

    def __init__(self, store: Store, category: str):
        self.store = store
        self.category = category
        self.schema = store.catalog.schema(category)
        self._models = {name: arguments_model(getattr(type(self), name)) for name in (*AGENT_TOOLS, *SHOPPER_TOOLS)}

    # -- the tools ---------------------------------------------------------------------------------
    def search_products(
        self,
        query: str,
        filters: dict[str, Any] | None = None,
        limit: Annotated[int, Field(ge=1, le=20)] = 5,
    ) -> dict:
        """Search the store's products by words and attribute filters; returns compact product cards,
        best match first (cheapest first when the query is empty).

        Args:
            query: Words describing what the shopper wants, e.g. "light laptop for travel". May be
                empty to list everything that passes the filters.
            filters: Optional attribute filters. Use {"<attribute>": value or [values]} for equality or
                membership (e.g. {"os": "Windows"}, {"brand": ["Dell", "HP"]}, {"touchscreen": true}) and
                {"min_<attribute>": x} / {"max_<attribute>": x} for numeric bounds (e.g. {"max_price": 800}).
            limit: How many products to return (1-20).
        """
        result = self.store.search.search(self.category, query, filters, limit)
        content: dict[str, Any] = {
            "category": self.category,
            "query": query,
            "filters": result.filters,
            "total_matches": result.total,
            "results": [self.product_card(p) for p in result.products],
        }
        if result.query_matched is False:
            content["note"] = ("No product description matched the query words; these are the products "
                               "that pass the filters, cheapest first. Try other words or only filters.")
        elif result.total == 0:
            content["note"] = "No product passes these filters. Relax or remove a filter and search again."
        looks = self._visual_words(query)
        if looks:
            content["note_on_looks"] = (f"The words {', '.join(repr(w) for w in looks)} describe how a product "
                                        "looks, which only its picture shows; the search ignores them.")
        return content

    def _visual_words(self, query: str) -> list[str]:
        words = set(tokenize(query or "", keep_stopwords=True))
        found = []
        for spec in self.schema.attributes:
            if spec.visual_only:
                for value in spec.values or []:
                    toks = tokenize(value, keep_stopwords=True)
                    if toks and all(t in words for t in toks):
                        found.append(value)
        return found

    def get_product(self, product_id: str) -> dict:
        """Get the full details of one product by its id (as shown in search results).

        Args:
            product_id: The product id, e.g. "lap-001".
        """
        product = self._product(product_id)
        details = self.product_details(product)
        details["note"] = PICTURE_NOTE
        return details

    def lookup_buying_guide(self, query: str, limit: Annotated[int, Field(ge=1, le=5)] = 2) -> dict:
        """Look up advice in this category's buying guide (e.g. how much RAM, which OS, budget tiers).

        Args:
            query: The topic or question, e.g. "how much battery life do I need".
            limit: How many guide sections to return (1-5).
        """
        guides = self.store.guides
        chunks = guides.lookup(query, self.category, k=limit) if self.category in guides.categories() else []
        content: dict[str, Any] = {"category": self.category, "query": query,
                                   "sections": [{"id": c.id, "title": c.title, "text": c.text} for c in chunks]}
        if not chunks:
            titles = guides.titles(self.category) if self.category in guides.categories() else []
            content["note"] = ("No guide section matched; try one of these topics: " + "; ".join(titles)
                               if titles else f"There is no buying guide for {self.category}.")
        return content

    def view_product(self, product_id: str) -> dict:
        """Look at a product: its details and, if you can see images, its picture.

        Args:
            product_id: The product id, e.g. "lap-001".
        """
        product = self._product(product_id)
        details = self.product_details(product)
        details["picture"] = PICTURE_HIDDEN
        return details

    # -- views of a product ----------------------------------------------------------------------
    def product_card(self, product: Product) -> dict:
        """A compact text view of a product for search results: id, name, price and key attributes
        (every non-visual attribute except the product line, which the name already carries)."""
        card: dict[str, Any] = {"id": product.id, "name": product.name, "price": product.attributes.get("price")}
        for name, value in text_attributes(product, self.schema).items():
            if name not in ("price", "line"):
                card[name] = value
        return card

    def product_details(self, product: Product) -> dict:
        """The full text view of a product: every non-visual attribute and the description."""
        return {
            "id": product.id,
            "name": product.name,
            "category": product.category,
            "price": product.attributes.get("price"),
            "description": product.description,
            "attributes": text_attributes(product, self.schema),
        }

    def _product(self, product_id: str) -> Product:
        pid = str(product_id).strip()
        product = self.store.catalog.get(pid)
        if product is None:
            ids = [p.id for p in self.store.catalog.products(self.category)]
            close = difflib.get_close_matches(pid, ids, n=3, cutoff=0.6)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ToolError(f"unknown product id '{pid}'.{hint} Use an id returned by search_products.")
        if product.category != self.category:
            raise ToolError(f"product '{pid}' is in {product.category}, but this store session is about "
                            f"{self.category}. Use a {self.category} product id from search_products.")
        return product

    # -- specs and dispatch ------------------------------------------------------------------------
    def names(self, role: str = "agent") -> list[str]:
        """The tool names available to ``role`` (agent or shopper)."""
        if role not in ROLE_TOOLS:
            raise SalesSimError(f"unknown role '{role}'.", hint="Use 'agent' or 'shopper'.")
        return list(ROLE_TOOLS[role])

    def specs(self, role: Literal["agent", "shopper"] = "agent") -> list[dict]:
        """OpenAI function-tool specs of ``role``'s tools, derived from the method signatures."""
        specs = []
        for name in self.names(role):
            spec = function_spec(getattr(type(self), name), self._models[name])
            if name == "search_products":
                prop = spec["function"]["parameters"]["properties"]["filters"]
                prop["description"] = (prop.get("description", "") + f" Valid keys for {self.category}: "
                                       + ", ".join(filter_keys(self.schema)) + ".")
            specs.append(spec)
        return specs

    def call(self, name: str, arguments: dict | str | None, call_id: str, *, caller: str = "agent",
             vision: bool = False) -> ToolResult:
        """Run tool ``name`` with ``arguments`` for ``caller``; never raises (errors come back as
        ``ToolResult(error=True, content={"error": ...})``). ``vision`` attaches the picture to
        ``view_product`` results."""
        call_id = str(call_id)
        try:
            return self._call(name, arguments, call_id, caller=caller, vision=vision)
        except SalesSimError as exc:
            return self._error(name, call_id, str(exc))
        except Exception as exc:  # noqa: BLE001 - a tool must never crash the conversation
            return self._error(name, call_id, f"internal error in tool '{name}': {type(exc).__name__}: {exc}")

    def _call(self, name, arguments, call_id, *, caller, vision) -> ToolResult:
        if caller not in ROLE_TOOLS:
            raise ToolError(f"unknown caller '{caller}'; use 'agent' or 'shopper'")
        allowed = ROLE_TOOLS[caller]
        if name not in allowed:
            other = "shopper" if caller == "agent" else "agent"
            why = f"'{name}' is {'an' if other == 'agent' else 'a'} {other} tool" if name in ROLE_TOOLS[other] else f"unknown tool '{name}'"
            raise ToolError(f"{why}; the {caller} can call: {', '.join(allowed)}")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except json.JSONDecodeError as exc:
                raise ToolError(f"arguments are not valid JSON ({exc.msg}); send a JSON object") from None
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            raise ToolError(f"arguments must be a JSON object, got {type(arguments).__name__}")
        model = self._models[name]
        try:
            parsed = model.model_validate(arguments)
        except ValidationError as exc:
            raise ToolError(_validation_message(exc, model)) from None
        kwargs = {k: getattr(parsed, k) for k in model.model_fields}
        try:
            content = getattr(self, name)(**kwargs)
        except FilterError as exc:
            raise ToolError(f"{exc}") from None
        image = None
        if name == "view_product" and vision:
            image = base64.b64encode(self.store.image_png(content["id"])).decode("ascii")
            content["picture"] = PICTURE_SHOWN
        return ToolResult(call_id=call_id, name=name, content=content, image_png_b64=image)

    @staticmethod
    def _error(name: str, call_id: str, message: str) -> ToolResult:
        return ToolResult(call_id=call_id, name=str(name), content={"error": message}, error=True)


# ---------------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------------
class Store:
    """The whole offline store: catalog, search, buying guides and product pictures."""

    def __init__(self, catalog: Catalog, guides: GuideIndex | None = None, images: ImageRenderer | None = None):
        self.catalog = catalog
        self.search = ProductSearch(catalog)
        self.guides = guides if guides is not None else GuideIndex(categories=list(catalog.categories))
        self.images = images if images is not None else ImageRenderer(catalog.data_hash())
        self._tools: dict[str, StoreTools] = {}

    @property
    def categories(self) -> list[str]:
        """The category names of the catalog."""
        return list(self.catalog.categories)

    def tools(self, category: str) -> StoreTools:
        """The tools for ``category`` (an unknown category raises :class:`SalesSimError`)."""
        if category not in self._tools:
            self._tools[category] = StoreTools(self, category)
        return self._tools[category]

    def image_png(self, product_id: str) -> bytes:
        """The PNG bytes of a product's picture (an unknown id raises :class:`SalesSimError`)."""
        return self.images.png(self.catalog.require(product_id))

    def data_hash(self) -> str:
        """The catalog's data hash (see :meth:`Catalog.data_hash`)."""
        return self.catalog.data_hash()

    def __repr__(self) -> str:
        return f"Store({self.catalog!r})"


def load_store(catalog_dir: str | Path | None = None, categories_dir: str | Path | None = None,
               guides_dir: str | Path | None = None, cache_dir: str | Path | None = None) -> Store:
    """Load a store from data directories (defaults: the built-in catalog, schemas and guides).

    ``cache_dir`` fixes where product pictures are cached (default
    ``$SALESSIM_CACHE_DIR/images/<data hash>`` or ``~/.cache/salessim/images/<data hash>``).
    Search and guide indexes are built lazily, on the first query of each category.
    """
    catalog = load_catalog(catalog_dir, categories_dir)
    guides = GuideIndex(guides_dir, categories=list(catalog.categories))
    images = ImageRenderer(catalog.data_hash(), cache_dir)
    return Store(catalog, guides, images)


@lru_cache(maxsize=1)
def default_store() -> Store:
    """The built-in store, loaded once per process."""
    return load_store()
