"""Tools: Python functions (and other things) the model can call.

* :func:`tool` / :class:`Tool`: a function with its tool definition, input
  validation, and result conversion.
* :class:`ToolResult`: what a call gives back, ready to become a ``tool_result``.
* :class:`ToolRegistry` / :class:`AsyncToolRegistry`: the registry protocol
  (sync and async forms) of anything that lists and calls tools;
  :class:`FunctionRegistry` is the default one, and :class:`CombinedRegistry`,
  :class:`PrefixedRegistry` and :class:`FilteredRegistry` compose them.
* :func:`list_definitions`, :func:`alist_definitions`, :func:`call_tool`,
  :func:`acall_tool`: how the loop talks to any registry, sync or async
  (:func:`request_definitions` lists them for a request, without copies
  where the registry is ours).
* :func:`image` and :func:`image_file`: image blocks for tool results.
* :class:`ToolPolicy`: how the loop runs a tool (timeout, retry budget,
  sequential); :func:`tool_policies` reads a registry's policies.
"""

from ._decorator import Tool, tool
from ._function_registry import (
    FunctionRegistry,
    ToolLike,
    arequest_definitions,
    as_registry,
    request_definitions,
)
from ._images import image, image_file
from ._logging import TOOL_ERROR, TOOL_INVALID_INPUT
from ._names import api_name
from ._policy import ToolPolicy
from ._registry import (
    AsyncToolRegistry,
    ToolRegistry,
    acall_tool,
    alist_definitions,
    call_tool,
    is_registry,
    is_server_tool,
    list_definitions,
    tool_policies,
)
from ._results import ToolResult
from ._wrappers import (
    CombinedRegistry,
    FilteredRegistry,
    OnInvalidSchema,
    PrefixedRegistry,
    ValidatedRegistry,
    holds_connections,
)

__all__ = [
    "TOOL_ERROR",
    "TOOL_INVALID_INPUT",
    "AsyncToolRegistry",
    "CombinedRegistry",
    "FilteredRegistry",
    "FunctionRegistry",
    "OnInvalidSchema",
    "PrefixedRegistry",
    "Tool",
    "ToolLike",
    "ToolPolicy",
    "ToolRegistry",
    "ToolResult",
    "ValidatedRegistry",
    "acall_tool",
    "alist_definitions",
    "api_name",
    "arequest_definitions",
    "as_registry",
    "call_tool",
    "holds_connections",
    "image",
    "image_file",
    "is_registry",
    "is_server_tool",
    "list_definitions",
    "request_definitions",
    "tool",
    "tool_policies",
]
