from pathlib import Path

EXAMPLES = Path(__file__).parent / "examples"


def example(relative: str) -> bytes:
    return (EXAMPLES / relative).read_bytes()
