"""Products and category attribute schemas: the catalog file formats."""

from __future__ import annotations

from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field

AttrValue = Union[bool, int, float, str]


class AttributeSpec(BaseModel):
    """One typed attribute of a category (a column of the catalog).

    ``visual_only`` attributes are drawn in the product image and withheld from every text that the
    store tools return, so a shopper can learn them only by looking at the product.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    type: Literal["number", "enum", "bool", "text"]
    description: str
    unit: str | None = None
    values: list[str] | None = None  # allowed values of an enum
    min: float | None = None
    max: float | None = None
    visual_only: bool = False
    higher_is_better: bool | None = None  # for numbers: the direction a shopper usually prefers
    synonyms: list[str] = Field(default_factory=list)  # words shoppers use for the attribute


class CategorySchema(BaseModel):
    """The attribute schema of one product category (laptops, headphones, smartphones...)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    display_name: str
    singular: str
    attributes: list[AttributeSpec]

    def attribute(self, name: str) -> AttributeSpec | None:
        for spec in self.attributes:
            if spec.name == name:
                return spec
        return None

    @property
    def attribute_names(self) -> list[str]:
        return [a.name for a in self.attributes]

    @property
    def visual_only(self) -> list[str]:
        return [a.name for a in self.attributes if a.visual_only]


class Product(BaseModel):
    """A catalog entry. ``attributes`` holds every schema attribute, price and brand included."""

    model_config = ConfigDict(extra="forbid")

    id: str
    category: str
    name: str
    description: str
    attributes: dict[str, AttrValue]

    @property
    def price(self) -> float:
        return float(self.attributes["price"])

    @property
    def brand(self) -> str:
        return str(self.attributes.get("brand", ""))
