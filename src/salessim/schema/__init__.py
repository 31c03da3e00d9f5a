"""Pydantic models that are the SalesSim file formats."""

from salessim.schema.episode import (
    Decision,
    Episode,
    Message,
    ParticipantInfo,
    ShopperAction,
    ToolCall,
    ToolResult,
    Usage,
)
from salessim.schema.metric import EpisodeScores, MetricResult
from salessim.schema.persona import (
    LEVELS,
    OPS,
    TRAITS,
    BigFive,
    Criterion,
    Persona,
    Profile,
)
from salessim.schema.product import AttributeSpec, AttrValue, CategorySchema, Product

__all__ = [
    "AttrValue", "AttributeSpec", "BigFive", "CategorySchema", "Criterion", "Decision", "Episode",
    "EpisodeScores", "LEVELS", "Message", "MetricResult", "OPS", "ParticipantInfo", "Persona",
    "Product", "Profile", "ShopperAction", "TRAITS", "ToolCall", "ToolResult", "Usage",
]
