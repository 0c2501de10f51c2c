"""Signals shared by rules (frame energy, activity, ASR, embeddings), computed once per unit and cached."""
