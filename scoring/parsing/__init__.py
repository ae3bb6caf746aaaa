"""TypeScript structure for the scorer, read with the tree-sitter TypeScript grammar."""

from scoring.parsing.facts import (
    Body,
    Call,
    ClassFacts,
    Comment,
    Decorator,
    FileFacts,
    Function,
    TypeDecl,
    extract,
    syntax_error_line,
)

__all__ = ["Body", "Call", "ClassFacts", "Comment", "Decorator", "FileFacts", "Function", "TypeDecl", "extract", "syntax_error_line"]
