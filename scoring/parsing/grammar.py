"""The tree-sitter TypeScript grammar, the parser and the one query the scorer runs per file."""

from __future__ import annotations

from functools import lru_cache

import tree_sitter
import tree_sitter_typescript

# One query collects every node the axes look at, so each file is walked by tree-sitter (in C) once.
FACTS_QUERY = """
(comment) @comment
(call_expression function: (_) @callee) @call
(catch_clause body: (statement_block) @catch)
(class_declaration) @class
(abstract_class_declaration) @class
(interface_declaration) @interface
(type_alias_declaration) @typealias
(method_definition) @method
(function_declaration) @function
(variable_declarator name: (identifier) value: [(arrow_function) (function_expression)]) @declarator
(import_statement) @import
[(if_statement) (switch_statement) (ternary_expression)] @branch
[(for_statement) (for_in_statement) (while_statement) (do_statement)] @loop
(try_statement body: (statement_block) @try)
(await_expression) @await
(throw_statement) @throw
(return_statement) @return
(property_signature name: (_) @property)
"""


@lru_cache(maxsize=1)
def language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_typescript.language_typescript())


@lru_cache(maxsize=1)
def facts_query() -> tree_sitter.Query:
    return tree_sitter.Query(language(), FACTS_QUERY)


def parse(source: bytes) -> tree_sitter.Tree:
    """Parse one file on its own, for its structure."""
    return tree_sitter.Parser(language()).parse(source)
