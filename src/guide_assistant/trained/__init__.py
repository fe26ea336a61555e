"""Models trained on this corpus's written questions (``training/``), shipped in the wheel:
nothing is trained or downloaded on a user's machine. Each folder has a ``card.json``."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
EMBEDDER_DIR = HERE / "embedder"
DETECTOR_DIR = HERE / "detector"
SUPPORT_DIR = HERE / "support"
ABSTAINER = HERE / "abstainer.json"
