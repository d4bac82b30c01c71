"""Local runs for development: `python -m baton run ./package --input k=v [--assets assets.json]`.

The package's baton.yaml gives the entrypoint and the parameters' defaults; the job runs in this interpreter with the
same BATON_* variables an agent sets, so inputs(), set_result(), progress(), log() and save_artifact() behave as they
do on an agent: the result is printed at the end (and written to --result FILE), progress lines are printed, artifacts
land in --artifacts DIR (./artifacts). Assets and credentials come from a local JSON file: --assets FILE, passed to
the job as BATON_ASSETS_FILE (read by baton.assets). Work items come from JSON Lines files (--workitems QUEUE=FILE,
repeatable; how each item ended is printed per queue and written to --workitems-out FILE), and baton.submit() runs the
child package's folder (--packages DIR, default: the folders next to the package) in a local subprocess: both through
a local stand-in for the agent's job channel (baton._local_channel).
"""

import argparse
import json
import os
import sys
import tempfile

USAGE_ERROR = 2


def parse_value(text):
    """What `baton job run --input k=v` sends: JSON when the value is a JSON number, boolean, object, array or
    quoted string; anything else (including null and an empty value) as the literal string."""
    stripped = text.strip()
    if stripped and (stripped[0] in '{["-' or stripped[0].isdigit() or stripped in ("true", "false")):
        try:
            value = json.loads(stripped)
            if value is not None:
                return value
        except ValueError:
            pass
    return text


def parse_inputs(pairs, inputs_file=None):
    inputs = {}
    if inputs_file:
        with open(inputs_file, encoding="utf-8") as handle:
            loaded = json.load(handle)
        if not isinstance(loaded, dict):
            raise ValueError("--inputs-file %s must hold a JSON object" % inputs_file)
        inputs.update(loaded)
    for pair in pairs or []:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise ValueError("--input %r is not of the form key=value" % pair)
        inputs[key.strip()] = parse_value(value)
    return inputs


# ---- the subset of YAML a baton.yaml uses: nested mappings, scalars, block and flow lists, comments ----


def _scalar(text):
    text = text.strip()
    if not text or text in ("~", "null", "Null", "NULL"):
        return None
    if text[0] in "\"'":
        quote = text[0]
        end = text.rfind(quote)
        body = text[1:end] if end > 0 else text[1:]
        return body.replace("''", "'") if quote == "'" else json.loads('"%s"' % body) if "\\" in body else body
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [] if not inner else [_scalar(part) for part in _split_flow(inner)]
    if text.startswith("{") and text.endswith("}"):
        inner = text[1:-1].strip()
        pairs = [part.partition(":") for part in _split_flow(inner)] if inner else []
        return {_scalar(key): _scalar(value) for key, _, value in pairs}
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _split_flow(text):
    parts, depth, quote, current = [], 0, None, ""
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return parts


def _strip_comment(line):
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index].rstrip()
    return line.rstrip()


def read_manifest_text(text):
    """A dict from baton.yaml text (the subset manifests use)."""
    lines = []
    for raw in text.splitlines():
        line = _strip_comment(raw)
        if line.strip() and line.strip() != "---":
            lines.append((len(line) - len(line.lstrip(" ")), line.strip()))
    value, _ = _block(lines, 0, lines[0][0] if lines else 0)
    return value if isinstance(value, dict) else {}


def _block(lines, index, indent):
    if index < len(lines) and lines[index][1].startswith("- "):
        items = []
        while index < len(lines) and lines[index][0] == indent and lines[index][1].startswith("- "):
            items.append(_scalar(lines[index][1][2:]))
            index += 1
        return items, index
    mapping = {}
    while index < len(lines) and lines[index][0] == indent:
        key, _, rest = lines[index][1].partition(":")
        key = _scalar(key)
        index += 1
        if rest.strip() in ("", "|", ">"):
            if index < len(lines) and lines[index][0] > indent:
                mapping[key], index = _block(lines, index, lines[index][0])
            elif index < len(lines) and lines[index][0] == indent and lines[index][1].startswith("- "):
                mapping[key], index = _block(lines, index, indent)
            else:
                mapping[key] = None
        else:
            mapping[key] = _scalar(rest)
    return mapping, index


def read_manifest(package_dir):
    for name in ("baton.yaml", "baton.yml"):
        path = os.path.join(package_dir, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                return read_manifest_text(handle.read())
    raise FileNotFoundError("%s has no baton.yaml" % package_dir)


def with_defaults(manifest, inputs):
    """The inputs with the manifest's parameter defaults filled in; a required parameter left out is an error."""
    merged = {}
    for name, spec in (manifest.get("parameters") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        if name not in inputs and spec.get("default") is not None:
            merged[name] = spec["default"]
        elif name not in inputs and spec.get("required"):
            raise ValueError("the input %r is required (see the package's parameters)" % name)
    merged.update(inputs)
    return merged


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m baton", description="Baton's SDK: run a package locally, outside Baton.")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run a package's entrypoint in this interpreter")
    run.add_argument("package", help="the package folder (with its baton.yaml)")
    run.add_argument("--input", "-i", action="append", default=[], metavar="KEY=VALUE", help="an input (repeatable)")
    run.add_argument("--inputs-file", metavar="FILE", help="a JSON object of inputs (--input wins over it)")
    run.add_argument("--assets", metavar="FILE", help="assets and credentials for baton.asset()/baton.credential(), as JSON")
    run.add_argument("--artifacts", metavar="DIR", default="artifacts", help="where saved artifacts go (default: ./artifacts)")
    run.add_argument("--result", metavar="FILE", help="also write the result JSON to this file")
    run.add_argument("--entrypoint", help="run this instead of the manifest's entrypoint (module:function or script.py)")
    run.add_argument("--workitems", action="append", default=[], metavar="QUEUE=FILE",
                     help="work items for baton.workitems(QUEUE), one JSON object per line as `baton workitem add` reads them (repeatable)")
    run.add_argument("--workitems-out", metavar="FILE", help="write how every work item ended to this JSON Lines file")
    run.add_argument("--packages", metavar="DIR", help="where baton.submit() finds child packages, one folder each (default: next to the package)")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "run":
        parser.print_help()
        return USAGE_ERROR
    package = os.path.abspath(args.package)
    try:
        manifest = read_manifest(package) if args.entrypoint is None or os.path.exists(os.path.join(package, "baton.yaml")) else {}
        entrypoint = args.entrypoint or manifest.get("entrypoint")
        if not entrypoint:
            raise ValueError("no entrypoint: the manifest names none and --entrypoint was not given")
        inputs = with_defaults(manifest, parse_inputs(args.input, args.inputs_file))
        if args.assets and not os.path.exists(args.assets):
            raise ValueError("--assets %s does not exist" % args.assets)
        channel = open_channel(args, package)
    except (OSError, ValueError) as error:
        print("baton: %s" % error, file=sys.stderr)
        return USAGE_ERROR
    # A child job of a local run (baton.submit) runs under its parent's channel, with its own job id.
    job_id = os.environ.get("BATON_LOCAL_CHILD") or "local"

    work = tempfile.mkdtemp(prefix="baton-local-")
    inputs_file = os.path.join(work, "inputs.json")
    result_file = os.path.join(work, "result.json")
    with open(inputs_file, "w", encoding="utf-8") as handle:
        json.dump(inputs, handle)
    os.environ.update({
        "BATON_LOCAL": "1",
        "BATON_JOB_ID": job_id,
        "BATON_ATTEMPT": "1",
        "BATON_ENTRYPOINT": str(entrypoint),
        "BATON_PACKAGE_DIR": package,
        "BATON_INPUTS_FILE": inputs_file,
        "BATON_RESULT_FILE": result_file,
        "BATON_ARTIFACTS": os.path.abspath(args.artifacts),
    })
    os.environ.pop("BATON_CONTROL_FILE", None)
    if channel is not None:
        os.environ.update(channel.environment(channel.register(job_id, 0)))
    if args.assets:
        os.environ["BATON_ASSETS_FILE"] = os.path.abspath(args.assets)
    os.makedirs(os.environ["BATON_ARTIFACTS"], exist_ok=True)
    sys.path.insert(0, package)

    from baton import _runner

    try:
        code = _runner.run()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    sys.stdout.flush()
    if os.path.exists(result_file):
        with open(result_file, encoding="utf-8") as handle:
            text = handle.read()
        print("[result] %s" % text, flush=True)
        if args.result:
            with open(args.result, "w", encoding="utf-8") as handle:
                handle.write(text)
    saved = sorted(
        os.path.relpath(os.path.join(folder, name), os.environ["BATON_ARTIFACTS"]).replace(os.sep, "/")
        for folder, _, names in os.walk(os.environ["BATON_ARTIFACTS"]) for name in names
    )
    if saved:
        print("[artifacts] %s: %s" % (os.environ["BATON_ARTIFACTS"], ", ".join(saved)), flush=True)
    if channel is not None:
        close_channel(channel, job_id, args.workitems_out)
    return code


def open_channel(args, package):
    """The run's job channel with its work items loaded; None for a child of a local run (it uses its parent's) or where
    there are no Unix sockets (work items and child jobs then raise, as outside an agent)."""
    if os.environ.get("BATON_LOCAL_CHILD"):
        if args.workitems:
            raise ValueError("--workitems is for the run itself, not for a child job of a local run")
        return None
    for name in ("BATON_CHANNEL", "BATON_CHANNEL_TOKEN"):
        os.environ.pop(name, None)
    from baton import _local_channel

    if not _local_channel.available():
        if args.workitems:
            raise ValueError("--workitems needs Unix sockets (Linux or macOS)")
        return None
    channel = _local_channel.LocalChannel(os.path.abspath(args.packages or os.path.dirname(package)))
    for spec in args.workitems:
        queue, equals, path = spec.partition("=")
        if not equals or not queue.strip() or not path.strip():
            raise ValueError("--workitems %r is not of the form QUEUE=FILE" % spec)
        if not os.path.exists(path):
            raise ValueError("--workitems %s does not exist" % path)
        channel.add_file(queue.strip(), path)
    return channel.start()


def close_channel(channel, job_id, out_path):
    """Stops what the run left running, returns the items it still held, and says how every item ended."""
    channel.finish(job_id)
    for line in channel.summary():
        print("[workitems] %s" % line, flush=True)
    if out_path:
        with open(out_path, "w", encoding="utf-8") as handle:
            for item in channel.outcomes():
                handle.write(json.dumps(item) + "\n")
