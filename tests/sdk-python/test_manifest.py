"""The local runner reads baton.yaml with the standard library: the subset of YAML manifests use."""

import os

from baton import _local
from conftest import SAMPLES


def test_every_sample_manifest_is_read_with_its_entrypoint_and_parameters():
    for sample in sorted(os.listdir(SAMPLES)):
        folder = os.path.join(SAMPLES, sample)
        if os.path.exists(os.path.join(folder, "baton.yaml")):
            manifest = _local.read_manifest(folder)
            assert manifest["name"] == sample
            assert ":" in manifest["entrypoint"] or manifest["entrypoint"].endswith(".py")
    hello = _local.read_manifest(os.path.join(SAMPLES, "hello"))
    assert hello["parameters"]["name"] == {"type": "string", "required": False, "default": "world", "description": "Who to greet."}
    assert hello["python"] == ">=3.8"
    assert hello["max_attempts"] == 1
    render = _local.read_manifest(os.path.join(SAMPLES, "render"))
    assert render["parameters"]["frames"] == {"type": "integer", "default": 24, "description": "How many frames to render."}


def test_scalars_lists_comments_and_nesting():
    text = (
        "# a comment\n"
        "name: x   # trailing comment\n"
        "version: '1.0'\n"
        "tags: [a, \"b c\", 3]\n"
        "preload:\n  - json\n  - csv\n"
        "requires:\n- os=linux\n"
        "url: \"http://host/#frag\"\n"
        "empty:\n"
        "parameters:\n  n:\n    type: integer\n    default: 5\n  f:\n    default: 1.5\n  b:\n    default: yes\n  z:\n    default: null\n"
    )
    manifest = _local.read_manifest_text(text)
    assert manifest == {
        "name": "x", "version": "1.0", "tags": ["a", "b c", 3], "preload": ["json", "csv"], "requires": ["os=linux"],
        "url": "http://host/#frag", "empty": None,
        "parameters": {"n": {"type": "integer", "default": 5}, "f": {"default": 1.5}, "b": {"default": True}, "z": {"default": None}},
    }


def test_defaults_fill_what_the_inputs_leave_out():
    manifest = {"parameters": {"a": {"default": 1}, "b": {"default": 2}, "c": {"type": "string"}}}
    assert _local.with_defaults(manifest, {"b": 3}) == {"a": 1, "b": 3}


def test_values_parse_as_the_cli_parses_them():
    cases = {"3": 3, "-1.5": -1.5, "true": True, "false": False, '["a"]': ["a"], '{"k": 1}': {"k": 1}, '"007"': "007",
             "Ada": "Ada", "null": "null", "": "", "1.2.3": "1.2.3", "{draft": "{draft"}
    for text, expected in cases.items():
        assert _local.parse_value(text) == expected, text
