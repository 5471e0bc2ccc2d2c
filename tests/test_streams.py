"""Named random streams: one registry lists them, each name once, and only it seeds a generator."""
import ast
import re
from pathlib import Path

import numpy as np

import evosim
from evosim.core import streams
from evosim.core.streams import STREAMS, stream

PACKAGE = Path(evosim.__file__).parent
SEEDING = re.compile(r"default_rng\(|SeedSequence|random\.Random\(")


def test_every_stream_name_is_listed_once():
    literal = next(node.value for node in ast.walk(ast.parse(Path(streams.__file__).read_text()))
                   if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "STREAMS")
    names = [key.value for key in literal.keys]
    assert len(names) == len(set(names)) == len(STREAMS)


def test_no_module_but_the_registry_seeds_a_stream():
    seeding = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
               if p.name != "streams.py" and SEEDING.search(p.read_text())]
    assert seeding == []


def test_a_stream_is_seeded_as_before():
    assert stream("reporters", 3, 5).random() == np.random.default_rng([3, 5, 7919]).random()
    assert stream("deployment", 3).random() == np.random.default_rng(3).random()
    assert stream("viewer-mazes", 3).random() == np.random.default_rng(np.random.SeedSequence(3).spawn(1)[0]).random()
