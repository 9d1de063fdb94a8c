"""Example letters for reviewers, rendered from a realistic profile (see render_examples.py)."""
