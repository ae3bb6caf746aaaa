"""TypeScript structure for the scorer, read with the tree-sitter TypeScript grammar.

Structure only: the grammar lags the language (it rejects valid TypeScript 5 such as
`export type * from "./x"`), so whether a file parses is the compiler's call, never this one's; the
facts of a partly parsed tree still feed the axes."""

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
)

__all__ = ["Body", "Call", "ClassFacts", "Comment", "Decorator", "FileFacts", "Function", "TypeDecl", "extract"]
