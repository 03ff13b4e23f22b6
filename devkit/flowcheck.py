"""Static checks of a flow against this application, before Connect ever runs it:

- every action type is one the simulator runs, every identifier is valid and unique,
  every transition lands on an action that exists, every action is reachable;
- every InvokeLambdaFunction names a contact-flow function of app.py, validates its
  answer as STRING_MAP and waits at most 8 s but longer than the function's budget;
- every `$.External.<key>` read after an InvokeLambdaFunction is a key that function
  declares (`@flow_function(keys=...)`), on every path through the flow;
- every TransferToFlow and event hook names a flow we ship.

And, for any flow, ours or exported (`python -m devkit.flowcheck FLOW.json`): every
`$.External`, `$.Attributes`, `$.FlowAttributes` and `$.Modules.Result` reference it
reads that nothing it runs sets.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_EXTERNAL = re.compile(r"\$\.External\.([A-Za-z0-9_-]+)")
_FLOW_TARGET = re.compile(r"""flow\.run\([^)]*?["']([\w.]+:\w+)["']""", re.S)
_BAD_ID_CHARS = set("%:(\\/)=$,;[]{}")
ALWAYS_ANSWERED = ("status", "errorCode")
MAX_TIME_LIMIT_S = 8


def flow_functions(app: Any) -> dict[str, tuple[str, ...]]:
    """Contact-flow functions of the Chalice app and the response keys each declares:
    the handlers in app.py that hand over to `flow.run(event, context, "module:function")`."""
    found: dict[str, tuple[str, ...]] = {}
    for function in app.pure_lambda_functions:
        match = _FLOW_TARGET.search(inspect.getsource(function.func))
        if not match:
            continue
        module_name, _, attr = match.group(1).partition(":")
        handler = getattr(importlib.import_module(module_name), attr)
        found[function.name] = (*ALWAYS_ANSWERED, *getattr(handler, "response_keys", ()))
    return found


@dataclass(frozen=True)
class Context:
    """What a flow is checked against."""

    functions: dict[str, tuple[str, ...]]  # flow function name -> keys it answers
    resolve_function: Any  # LambdaFunctionARN -> function name or None
    known_types: frozenset[str]
    flow_targets: frozenset[str]  # what TransferToFlow may name
    budget_ms: int  # the largest FLOW_BUDGET_MS of any stage


def _targets(action: dict[str, Any]) -> Iterator[str]:
    transitions = action.get("Transitions") or {}
    if transitions.get("NextAction"):
        yield transitions["NextAction"]
    for branch in (transitions.get("Conditions") or []) + (transitions.get("Errors") or []):
        yield branch.get("NextAction")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def check(name: str, flow: dict[str, Any], context: Context) -> list[str]:
    """Problems found in flow `name`; empty when it is sound."""
    problems: list[str] = []
    if flow.get("Version") != "2019-10-30":
        problems.append(f"{name}: Version must be 2019-10-30")
    actions_list = flow.get("Actions") or []
    actions = {a.get("Identifier"): a for a in actions_list}
    if len(actions) != len(actions_list):
        problems.append(f"{name}: action identifiers are not unique")
    if flow.get("StartAction") not in actions:
        problems.append(f"{name}: StartAction {flow.get('StartAction')!r} is not an action")
    for ident, action in actions.items():
        where = f"{name}/{ident}"
        if not isinstance(ident, str) or not 0 < len(ident) <= 50 or _BAD_ID_CHARS & set(ident):
            problems.append(f"{where}: identifier is not one Connect accepts")
        kind = action.get("Type")
        if kind not in context.known_types:
            problems.append(f"{where}: action type {kind!r} is not one the simulator knows")
        for target in _targets(action):
            if target not in actions:
                problems.append(f"{where}: transition to {target!r}, which does not exist")
        parameters = action.get("Parameters") or {}
        if kind == "InvokeLambdaFunction":
            problems += _check_invoke(where, parameters, context)
        if kind == "TransferToFlow" and parameters.get("ContactFlowId") not in context.flow_targets:
            problems.append(f"{where}: transfers to {parameters.get('ContactFlowId')!r}, not a flow we ship")
        if kind == "UpdateContactEventHooks":
            for event, target in (parameters.get("EventHooks") or {}).items():
                if target not in context.flow_targets:
                    problems.append(f"{where}: hooks {event} to {target!r}, not a flow we ship")
        if kind == "DisconnectParticipant" and any(_targets(action)):
            problems.append(f"{where}: DisconnectParticipant takes no transitions")
    if problems:
        return problems
    return _check_paths(name, flow, actions, context)


def _check_invoke(where: str, parameters: dict[str, Any], context: Context) -> list[str]:
    problems = []
    function = context.resolve_function(parameters.get("LambdaFunctionARN", ""))
    if function is None:
        problems.append(f"{where}: {parameters.get('LambdaFunctionARN')!r} is not a function in app.py")
    elif function not in context.functions:
        problems.append(f"{where}: {function} is not a contact-flow function (it does not use flow.run)")
    if (parameters.get("ResponseValidation") or {}).get("ResponseType") != "STRING_MAP":
        problems.append(f"{where}: ResponseValidation must be STRING_MAP")
    try:
        limit = int(parameters.get("InvocationTimeLimitSeconds", ""))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_TIME_LIMIT_S:
        problems.append(f"{where}: InvocationTimeLimitSeconds must be 1..{MAX_TIME_LIMIT_S}")
    elif limit * 1000 <= context.budget_ms:
        problems.append(f"{where}: InvocationTimeLimitSeconds {limit} s is not longer than the functions' "
                        f"budget ({context.budget_ms} ms): Connect would give up before the function answers")
    return problems


def _check_paths(name: str, flow: dict[str, Any], actions: dict[str, Any], context: Context) -> list[str]:
    """Walk every path, remembering which function answered last, and check each
    $.External read against that function's declared keys."""
    problems: set[str] = set()
    seen: set[tuple[str, str | None]] = set()
    reached: set[str] = set()
    stack: list[tuple[str, str | None]] = [(flow["StartAction"], None)]
    while stack:
        ident, last = stack.pop()
        if (ident, last) in seen:
            continue
        seen.add((ident, last))
        reached.add(ident)
        action = actions[ident]
        for text in _strings(action.get("Parameters") or {}):
            for key in _EXTERNAL.findall(text):
                if last is None:
                    problems.add(f"{name}/{ident}: reads $.External.{key} before any Lambda answered")
                elif key not in context.functions.get(last, ()):
                    problems.add(f"{name}/{ident}: reads $.External.{key}, which {last} does not declare "
                                 f"(it answers {', '.join(context.functions.get(last, ()))})")
        after = last
        if action.get("Type") == "InvokeLambdaFunction":
            after = context.resolve_function((action.get("Parameters") or {}).get("LambdaFunctionARN", ""))
        for target in _targets(action):
            stack.append((target, after))
    for ident in actions:
        if ident not in reached:
            problems.add(f"{name}/{ident}: no path from StartAction reaches this action")
    return sorted(problems)


# ---- the data contract of any flow, ours or exported ----

_REFERENCE = re.compile(r"\$\.(External|Attributes|FlowAttributes|Modules)((?:\.[A-Za-z0-9_-]+)+)")


def _actions_of(flow: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in flow.get("Actions") or [] if isinstance(a, dict)]


def unset_references(flow: dict[str, Any], modules: list[dict[str, Any]] = (),  # type: ignore[assignment]
                     functions: dict[str, tuple[str, ...]] | None = None,
                     resolve_function: Any = None) -> list[str]:
    """Every `$.External`, `$.Attributes`, `$.FlowAttributes` and `$.Modules` reference in
    `flow` that nothing sets: no action of the flow (or of the modules it can run), and,
    for `$.External`, no Lambda it invokes. A Lambda of this application sets only the
    keys it declares; any other Lambda may answer anything, so its keys count as set."""
    actions = _actions_of(flow)
    attributes: set[str] = set()
    flow_attributes: set[str] = set()
    module_results: set[str] = set()
    external: set[str] = set()
    external_open = False  # a Lambda we cannot see into was invoked
    for action in [*actions, *(a for m in modules for a in _actions_of(m))]:
        parameters = action.get("Parameters") or {}
        kind = action.get("Type")
        if kind == "UpdateContactAttributes":
            attributes |= set(parameters.get("Attributes") or {})
        elif kind == "UpdateFlowAttributes":
            flow_attributes |= set(parameters.get("FlowAttributes") or {})
        elif kind == "EndFlowModuleExecution":
            module_results |= set(parameters.get("Results") or parameters.get("Outputs") or {})
    for action in actions:
        if action.get("Type") != "InvokeLambdaFunction":
            continue
        arn = (action.get("Parameters") or {}).get("LambdaFunctionARN", "")
        ours = resolve_function(arn) if resolve_function else None
        if ours and functions is not None and ours in functions:
            external |= set(functions[ours])
        else:
            external_open = True
    found: list[str] = []
    for action in actions:
        for text in _strings(action.get("Parameters") or {}):
            for root, rest in _REFERENCE.findall(text):
                key = rest.lstrip(".").split(".")
                where = f"{action.get('Identifier')} ({action.get('Type')})"
                if root == "External" and not external_open and key[0] not in external:
                    found.append(f"{where}: $.External.{key[0]} "
                                 + ("is read but no Lambda is invoked" if not external and not external_open
                                    else "is not answered by the Lambda it invokes"))
                elif root == "Attributes" and key[0] not in attributes:
                    found.append(f"{where}: $.Attributes.{key[0]} is read but nothing in the flow sets it")
                elif root == "FlowAttributes" and key[0] not in flow_attributes:
                    found.append(f"{where}: $.FlowAttributes.{key[0]} is read but nothing in the flow sets it")
                elif root == "Modules" and key[0] == "Result" and key[1:2] and key[1] not in module_results:
                    found.append(f"{where}: $.Modules.Result.{key[1]} is read but no module returns it")
    return sorted(set(found))


def invoked_modules(flow: dict[str, Any], library: Any) -> list[dict[str, Any]]:
    """The flow modules `flow` invokes, and those they invoke, found in `library` by id,
    ARN or the name the flow's designer gave them."""
    found: dict[int, dict[str, Any]] = {}
    pending = [flow]
    while pending:
        current = pending.pop()
        meta = (current.get("Metadata") or {}).get("ActionMetadata") or {}
        for action in _actions_of(current):
            if action.get("Type") != "InvokeFlowModule":
                continue
            named = ((meta.get(action.get("Identifier")) or {}).get("parameters") or {}).get("FlowModuleId") or {}
            module = library.get((action.get("Parameters") or {}).get("FlowModuleId"),
                                 named.get("displayName") if isinstance(named, dict) else None)
            if module is not None and id(module) not in found:
                found[id(module)] = module
                pending.append(module)
    return list(found.values())


def main(argv: list[str] | None = None) -> int:
    """`python -m devkit.flowcheck FLOW.json [--module PATH]`: list the references the
    flow reads that nothing sets. Exit status 1 when there are any."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m devkit.flowcheck",
                                     description="List $.External, $.Attributes, $.FlowAttributes and "
                                                 "$.Modules references in a flow that nothing sets.")
    parser.add_argument("flow", type=Path, help="a flow-language .json file (an export works)")
    parser.add_argument("--module", action="append", default=[], type=Path, metavar="PATH",
                        help="a flow module file or a folder of them (repeatable); files beside the flow are read")
    args = parser.parse_args(argv)
    from devkit.call import load_flow, load_library
    from devkit.flowsim import AppFunctions

    flow = load_flow(args.flow, "local")
    library = load_library([args.flow.resolve().parent, *args.module])
    functions, resolve = _our_functions()
    found = unset_references(flow, invoked_modules(flow, library), functions,
                             resolve.resolve if isinstance(resolve, AppFunctions) else None)
    for line in found:
        print(line)
    print(f"{len(found)} reference(s) nothing sets" if found else "every reference is set by something the flow runs")
    return 1 if found else 0


def _our_functions() -> tuple[dict[str, tuple[str, ...]] | None, Any]:
    """This application's contact-flow functions and their keys, when app.py imports here."""
    from devkit import localenv
    from devkit.flowsim import AppFunctions

    localenv.apply()
    try:
        from app import app
    except Exception:  # an exported flow is checked on its own when the app cannot load
        return None, None
    return flow_functions(app), AppFunctions(lambda n, e: None, [f.name for f in app.pure_lambda_functions],
                                             app.app_name)


if __name__ == "__main__":
    import sys

    sys.exit(main())
