"""The local-model runtime shared by the ``hf:`` shopper and UserGRPO training (the ``train``
extra; importing this package does not import torch):

- :mod:`~salessim.local.render`: what a shopper model reads and writes: persona, conversation and
  product-card rendering, the action protocol (``SAY`` / ``VIEW`` / ``BUY`` / ``LEAVE``) and its parser;
- :mod:`~salessim.local.chat`: the episode as one token sequence built with the chat template, with
  the policy mask (1 = shopper tokens, 0 = agent and tool tokens);
- :mod:`~salessim.local.generation`: loading local checkpoints (LoRA adapters too) and seeded
  sampling with per-episode key/value caches.
"""
