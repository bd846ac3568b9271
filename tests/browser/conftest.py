import pytest
from django.core.management import call_command


@pytest.fixture
def demo_mesh(transactional_db):
    """The demo mesh, loaded for one browser test (committed: the live server reads it)."""
    call_command("load_demo", force=True, verbosity=0)
