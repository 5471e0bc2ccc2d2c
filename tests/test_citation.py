"""The licence and the citation file: MIT as setup.cfg says, and a CITATION.cff of the package's version."""
import configparser
import re
from pathlib import Path

import yaml

import evosim

REPO = Path(__file__).resolve().parents[1]
#: The keys CFF 1.2.0 requires, and those this project's file also promises.
REQUIRED = {"cff-version", "message", "title", "authors"}
PROMISED = {"version", "license", "abstract"}


def metadata() -> configparser.SectionProxy:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    return config["metadata"]


def readme_first_paragraph() -> str:
    """README's first paragraph after the title, as plain text on one line."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    paragraph = text.split("\n\n")[1]
    return " ".join(paragraph.replace("**", "").split())


def test_citation_cff_names_this_version_and_has_every_required_key():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert REQUIRED | PROMISED <= set(cff)
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == metadata()["version"] == evosim.__version__
    assert cff["authors"] == [{"name": "the evosim authors"}]  # an entity, not a person
    assert cff["license"] == metadata()["license"] == "MIT"
    assert cff["title"] == metadata()["name"] == "evosim" and cff["message"].strip()
    assert " ".join(cff["abstract"].split()) == readme_first_paragraph()


def test_the_license_is_mit_and_setup_cfg_names_its_file():
    license_text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} the evosim authors$", license_text, re.M)
    assert metadata()["license_files"].split() == ["LICENSE"]
