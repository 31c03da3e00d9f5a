"""The persona library: hand-written archetypes, the seeded generator, persona files and labels.

- :func:`load_archetypes` — the archetypes of ``data/personas/archetypes.yaml``, validated.
- :func:`load_personas` / :func:`save_personas` / :func:`validate_persona_file` — persona files
  (JSONL or YAML), with problems reported as ``FILE: persona ID: field: message``.
- :func:`generate_personas` — deterministic, labelled, split personas for a seed.
- :func:`compute_labels` / :func:`label_problems` — feasibility and ideal products over a catalog.
"""

from salessim.personas.archetype import (
    Archetype,
    ArchetypeFile,
    CriterionTemplate,
    ProfileTemplate,
)
from salessim.personas.checks import criterion_problems, load_category_schemas
from salessim.personas.generator import generate_personas, summarize
from salessim.personas.labels import compute_labels, label_persona, label_problems
from salessim.personas.library import (
    DEFAULT_ARCHETYPES_PATH,
    DEFAULT_BENCHMARK_PATH,
    default_personas_path,
    find_persona,
    load_archetypes,
    load_persona,
    load_personas,
    read_imported_personas,
    read_persona_file,
    save_personas,
    validate_persona_file,
)

__all__ = [
    "Archetype", "ArchetypeFile", "CriterionTemplate", "DEFAULT_ARCHETYPES_PATH", "DEFAULT_BENCHMARK_PATH",
    "ProfileTemplate", "compute_labels", "criterion_problems", "default_personas_path", "find_persona",
    "generate_personas", "label_persona", "label_problems", "load_archetypes", "load_category_schemas",
    "load_persona", "load_personas", "read_imported_personas", "read_persona_file", "save_personas", "summarize", "validate_persona_file",
]
