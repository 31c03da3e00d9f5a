"""The export schema: the columns of the episode table and of the turn table, with their types and
meanings. One definition serves the writers (the Arrow schema), the dataset card and the docs
(docs/export-schema.md is checked against it by a test).

Versioning: ``SCHEMA_VERSION`` is ``MAJOR.MINOR``. A new column is a minor change; renaming or
removing a column, or changing its type or meaning, is a major one. Every row carries the version
it was written with (``schema_version``), and so do the files' metadata and the dataset card.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EPISODE_COLUMNS", "METRIC_PREFIX", "SCHEMA_VERSION", "TURN_COLUMNS", "Column", "arrow_schema"]

SCHEMA_VERSION = "1.0"
#: Every metric the exported runs were scored with gets a column ``metric_<name>`` (float, null when
#: the metric did not apply to the episode); they follow the fixed columns, sorted by name.
METRIC_PREFIX = "metric_"


@dataclass(frozen=True)
class Column:
    """One column: its name, type (``string``, ``int64``, ``float64``, ``bool``, ``list<string>``,
    ``list<message>``, ``list<criterion>``), whether it may be null, and what it holds."""

    name: str
    type: str
    nullable: bool
    description: str


def _c(name: str, type_: str, description: str, nullable: bool = False) -> Column:
    return Column(name, type_, nullable, description)


_PROVENANCE = [
    _c("schema_version", "string", "version of this export schema, e.g. 1.0"),
    _c("sweep", "string", "name of the sweep the run belongs to (null for a run exported on its own)", True),
    _c("cell", "string", "id of the sweep cell, <shopper>__<agent>__<split>__seed<seed> (null outside a sweep)", True),
    _c("run_id", "string", "the run's id (run.json)"),
    _c("episode_id", "string", "<persona_id>#<trial>, unique within a run"),
]

EPISODE_COLUMNS: list[Column] = [
    *_PROVENANCE,
    _c("trial", "int64", "trial number of the persona in the run (0-based)"),
    _c("episode_seed", "int64", "the episode's seed, derived from the run seed and the episode id"),
    _c("run_seed", "int64", "the run seed"),
    _c("split", "string", "persona split the run simulated: test, train or all"),
    _c("category", "string", "product category: laptops, headphones or smartphones"),
    _c("persona_id", "string", "persona id"),
    _c("persona_hash", "string", "hash of the persona's content (labels excluded)"),
    _c("archetype", "string", "persona archetype, e.g. student"),
    _c("persona_name", "string", "the persona's name", True),
    _c("persona_age", "int64", "the persona's age", True),
    _c("persona_background", "string", "who the persona is", True),
    _c("persona_knowledge_level", "string", "novice, intermediate or expert", True),
    _c("persona_speaking_style", "string", "how the persona talks", True),
    _c("persona_emotion", "string", "the persona's mood", True),
    _c("persona_goal", "string", "what the persona came to buy", True),
    _c("persona_uses", "list<string>", "what the persona will use the product for"),
    _c("persona_openness", "string", "Big-Five level, Extreme Low .. Extreme High", True),
    _c("persona_conscientiousness", "string", "Big-Five level", True),
    _c("persona_extraversion", "string", "Big-Five level", True),
    _c("persona_agreeableness", "string", "Big-Five level", True),
    _c("persona_neuroticism", "string", "Big-Five level", True),
    _c("persona_criteria", "list<criterion>",
       "the persona's criteria: attribute, op, value (JSON text), kind (dealbreaker|preference), weight"),
    _c("persona_feasible", "bool", "whether some product meets every dealbreaker (null: not labelled)", True),
    _c("persona_ideal_product_ids", "list<string>", "the persona's ideal products in the catalog"),
    _c("shopper_kind", "string", "shopper implementation: scripted, llm, hf:PATH or a plug-in spec"),
    _c("shopper_model", "string", "shopper model name (null for non-model shoppers)", True),
    _c("shopper_params", "string", "shopper parameters as JSON (sampling settings, scripted flaws); never a key or URL"),
    _c("agent_kind", "string", "sales agent implementation: scripted, pushy, llm or a plug-in spec"),
    _c("agent_model", "string", "agent model name", True),
    _c("agent_params", "string", "agent parameters as JSON"),
    _c("messages", "list<message>", "the dialogue: the shopper's and the agent's messages with text, in order, "
                                    "as role (shopper|agent), text, action (the shopper's say|view_product|buy|leave) "
                                    "and product_id; tool calls and results are in the turns table"),
    _c("num_messages", "int64", "number of messages in the full transcript (the rows of the turns table)"),
    _c("presented_product_ids", "list<string>", "products presented (recommended by the agent, viewed, bought)"),
    _c("viewed_product_ids", "list<string>", "products the shopper opened"),
    _c("decision", "string", "buy, leave or none"),
    _c("decision_product_id", "string", "the product bought", True),
    _c("decision_reason", "string", "the reason given for leaving", True),
    _c("termination", "string", "bought, left, max_turns, timeout or error:<kind>"),
    _c("turns", "int64", "completed turns (a turn = the shopper's message and the agent's reply); a closing buy "
                         "or leave falls in the next turn of the turns table"),
    _c("error", "string", "the error that ended the episode", True),
    _c("shopper_calls", "int64", "model calls of the shopper (0 for non-model shoppers)"),
    _c("shopper_cached_calls", "int64", "of which answered from the response cache"),
    _c("shopper_prompt_tokens", "int64", "prompt tokens of the shopper's calls"),
    _c("shopper_completion_tokens", "int64", "completion tokens of the shopper's calls"),
    _c("shopper_cost_usd", "float64", "estimated cost of the shopper's calls, USD"),
    _c("shopper_retries", "int64", "transport retries of the shopper's calls"),
    _c("agent_calls", "int64", "model calls of the agent"),
    _c("agent_cached_calls", "int64", "of which answered from the response cache"),
    _c("agent_prompt_tokens", "int64", "prompt tokens of the agent's calls"),
    _c("agent_completion_tokens", "int64", "completion tokens of the agent's calls"),
    _c("agent_cost_usd", "float64", "estimated cost of the agent's calls, USD"),
    _c("agent_retries", "int64", "transport retries of the agent's calls"),
    _c("cost_usd", "float64", "estimated cost of the episode (all roles), USD"),
    _c("time_total_s", "float64", "wall time of the episode, seconds (differs between reruns)", True),
    _c("time_shopper_s", "float64", "time spent in the shopper", True),
    _c("time_agent_s", "float64", "time spent in the agent", True),
    _c("time_env_s", "float64", "time spent in the environment (store tools, bookkeeping)", True),
    _c("decision_failure", "string", "decision alignment's failure kind (null when aligned or not scored): "
                                     "bought_dealbreaker_violation, bought_suboptimal, left_with_valid_option, "
                                     "no_decision, ...", True),
    _c("decision_alignment_graded", "float64", "graded decision alignment (1 - utility regret)", True),
]

TURN_COLUMNS: list[Column] = [
    *_PROVENANCE,
    _c("persona_id", "string", "persona id (join key to the episode table, with run_id and episode_id)"),
    _c("message_index", "int64", "position of the message in the transcript (0-based)"),
    _c("turn", "int64", "turn number (1-based): a turn starts at the shopper's first message after the "
                        "agent's reply; the agent's reply, tool calls and results belong to the turn"),
    _c("role", "string", "shopper, agent or tool"),
    _c("text", "string", "the visible text (empty for tool calls and results)"),
    _c("action", "string", "the shopper's action: say, view_product, buy or leave (null for other roles)", True),
    _c("action_product_id", "string", "product of a view_product or buy action", True),
    _c("action_reason", "string", "reason of a leave action", True),
    _c("tool_caller", "string", "who made the tool call a tool result answers: shopper or agent", True),
    _c("tool_calls", "string", "the message's tool calls as JSON (id, name, arguments)", True),
    _c("tool_call_id", "string", "the id of the tool call a tool result answers", True),
    _c("tool_name", "string", "the tool a tool result comes from", True),
    _c("tool_result", "string", "a tool result's content as JSON", True),
    _c("tool_error", "bool", "whether the tool result is an error", True),
    _c("image_sha256", "string", "sha256 of the product image a view_product result showed", True),
    _c("presented_product_ids", "list<string>", "products this message presents"),
    _c("flags", "list<string>", "flags such as format_error, role_inversion, hallucinated:<name>"),
    _c("reasoning", "string", "the model's stripped reasoning, kept for the record", True),
    _c("meta", "string", "the message's metadata as JSON (e.g. criteria disclosed)", True),
]


def arrow_schema(columns: list[Column], metric_names: list[str] = (), *, metadata: dict[str, str] | None = None):
    """The pyarrow schema of ``columns`` plus ``metric_<name>`` float columns (the ``export`` extra)."""
    import pyarrow as pa  # lazy: the export extra

    message = pa.struct([("role", pa.string()), ("text", pa.string()), ("action", pa.string()),
                         ("product_id", pa.string())])
    criterion = pa.struct([("attribute", pa.string()), ("op", pa.string()), ("value", pa.string()),
                           ("kind", pa.string()), ("weight", pa.float64())])
    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(),
             "list<string>": pa.list_(pa.string()), "list<message>": pa.list_(message),
             "list<criterion>": pa.list_(criterion)}
    fields = [pa.field(c.name, types[c.type], nullable=c.nullable) for c in columns]
    fields += [pa.field(METRIC_PREFIX + name, pa.float64(), nullable=True) for name in metric_names]
    return pa.schema(fields, metadata={k.encode(): v.encode() for k, v in (metadata or {}).items()})
