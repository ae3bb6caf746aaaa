"""The simulator endpoint: an OpenAI-compatible server playing scripted models, with fault injection.

Integration and end-to-end tests (and anyone trying the farm without an API key) point a round's
endpoint at it; see `fixtures` for the script and answer-book format. `/dialect/{name}/v1` plays
the same scripts as llama.cpp, vLLM or Ollama would serve them, faults included (see `dialects`).
"""

from farm.sim.app import create_app
from farm.sim.client import SimAdmin
from farm.sim.fixtures import FixtureError, load_fixtures
from farm.sim.server import SimServer, serve

__all__ = ["FixtureError", "SimAdmin", "SimServer", "create_app", "load_fixtures", "serve"]
