"""Writes of the recommendations app, one module per concern: training, refresh (the feedback loop), embeddings."""
