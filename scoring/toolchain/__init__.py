"""Wrappers over the pinned TypeScript and Prisma toolchain, shared by the scorer and the workers."""

from scoring.toolchain.compilation import Compilation, compile_project
from scoring.toolchain.paths import ToolchainError, node_modules_dir
from scoring.toolchain.prisma import PrismaDiagnostic, validate_prisma
from scoring.toolchain.schema import PrismaSchema, read_schema
from scoring.toolchain.typescript import TsDiagnostic, typecheck

__all__ = [
    "Compilation",
    "PrismaDiagnostic",
    "PrismaSchema",
    "ToolchainError",
    "TsDiagnostic",
    "compile_project",
    "node_modules_dir",
    "read_schema",
    "typecheck",
    "validate_prisma",
]
