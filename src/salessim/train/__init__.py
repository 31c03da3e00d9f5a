"""UserGRPO: training shopper models (needs the ``train`` extra: ``pip install -e ".[train]"``).

Modules (importing this package does not import torch):

- :mod:`salessim.local` (rendering, chat sequences, generation): shared with the ``hf:`` shopper.
- :mod:`~salessim.train.tiny`: a small causal LM and a tokenizer trained on the project's text, saved
  as a normal Hugging Face checkpoint.
- :mod:`~salessim.train.data` / :mod:`~salessim.train.sft`: SFT cold start on scripted-shopper
  transcripts with flaw knobs mixed in.
- :mod:`~salessim.train.rollout`: episodes with the model as the shopper (TRL ``rollout_func``).
- :mod:`~salessim.train.rewards`: one reward per objective, thin wrappers over :mod:`salessim.metrics`.
- :mod:`~salessim.train.advantages`: the GRPO advantage definitions (both aggregations) in numpy.
- :mod:`~salessim.train.grpo`: UserGRPO with TRL's ``GRPOTrainer``.
- :mod:`~salessim.train.evaluate`: paired evaluation of checkpoints on held-out personas.
- :mod:`~salessim.train.config`: the YAML configs (``configs/train/*.yaml``), validated.

See ``src/salessim/train/README.md`` for the recipe, the GPU preset and the CPU benchmark figures.
"""
