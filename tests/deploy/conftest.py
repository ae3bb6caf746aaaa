import pytest

from tests.deploy.deploytools import find_tool


@pytest.fixture(scope="session")
def helm() -> str:
    return find_tool("helm")
