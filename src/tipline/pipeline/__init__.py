"""The processing pipeline: the stages a finished report passes through (see `stages.py`)."""
