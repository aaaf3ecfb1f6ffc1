"""Learning from the annotators: models trained on the workspace's gold, and their evaluation.

This stage comes after ``validation/`` (gold) and ``releases/`` (the split function); the
trained model's folder and its predictor live in ``annotation/models/`` so that pre-annotation
needs nothing from here.
"""
