"""Wrappers over the pinned TypeScript and Prisma toolchain, shared by the scorer and the workers."""

from scoring.toolchain.paths import ToolchainError, node_modules_dir
from scoring.toolchain.prisma import PrismaDiagnostic, validate_prisma
from scoring.toolchain.typescript import TsDiagnostic, typecheck

__all__ = [
    "PrismaDiagnostic",
    "ToolchainError",
    "TsDiagnostic",
    "node_modules_dir",
    "typecheck",
    "validate_prisma",
]
