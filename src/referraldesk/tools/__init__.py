"""The tool catalog every brain and integration uses.

from referraldesk.tools import catalog, ToolContext, ToolOutcome
outcome = catalog.call(session, ctx, "lookup_patient", {...}, idempotency_key=None)
"""

from referraldesk.tools import catalog
from referraldesk.tools.contract import ToolContext, ToolError, ToolOutcome

__all__ = ["ToolContext", "ToolError", "ToolOutcome", "catalog"]
