"""Models trained from the workspace's gold: the model folder and the ``model:NAME`` predictor.

Training and evaluation read gold and the release's splits, so they live in the later
``training/`` stage; what a pre-annotation needs (load a folder, predict) lives here.
"""
