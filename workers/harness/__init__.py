"""The function-calling harness: one operation = one forced tool call, retried with feedback."""
