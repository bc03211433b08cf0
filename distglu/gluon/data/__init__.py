"""Datasets, samplers and the DataLoader (being written)."""
