import sys
from pathlib import Path

# Make tests/nbfactory.py importable as `nbfactory` wherever pytest is started.
sys.path.insert(0, str(Path(__file__).resolve().parent))
