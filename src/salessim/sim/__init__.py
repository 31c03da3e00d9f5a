"""Simulation: the participant contract, the episode orchestrator, and the benchmark runner."""
