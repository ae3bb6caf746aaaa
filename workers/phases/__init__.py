"""The five phases. Each is a list of operations whose ASTs our compilers turn into files."""
