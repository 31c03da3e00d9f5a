"""UserGRPO training of shopper models (needs the [train] extra)."""
