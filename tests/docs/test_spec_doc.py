"""docs/spec.md is the pydantic models of domain/spec.py, field for field."""

from __future__ import annotations

from scripts import spec_doc


def test_the_spec_page_is_what_the_models_generate():
    assert spec_doc.PAGE.read_text() == spec_doc.render(), "run `python -m scripts.spec_doc` and commit docs/spec.md"


def test_every_field_of_every_documented_model_says_what_it_means():
    undocumented = {info.alias or name for _title, model, _intro in spec_doc.SECTIONS
                    for name, info in model.model_fields.items()} - set(spec_doc.DESCRIPTIONS)
    assert undocumented == set()


def test_ranges_and_defaults_come_from_the_models():
    page = spec_doc.render()
    assert "| `versionsToKeep` | integer | `3` | 2..10 |" in page
    assert "| `baseVmss` | string | required | at most 64 characters |" in page
    assert "| `approval` | object (ApprovalSpec) | none |" in page
