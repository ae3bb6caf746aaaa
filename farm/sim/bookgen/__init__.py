"""Answer books of any size (issue #16): one seeded design rendered as every phase's tool-call answers.

What the simulator needs from a book
------------------------------------
A book is `answers/<book>/<phase>.yaml` (farm.sim.fixtures merges them): `phase/op_id[@variant]` ->
the arguments of that operation's forced tool call, validated by the phase's pydantic AST and then
by the operation's own check. The harness sends `X-Farm-Operation: phase/op_id` and `X-Farm-Project`;
the simulator takes the entry from the project's book when it was given one, else from the first of
the model's `books` that has it (a script may ask for an `@variant`), else a minimal schema fill
that no check accepts. Keys carry no project. Each phase derives its op ids from the answers before
it, so a book must follow the phase's planning exactly:

- analyze: `plan` (actors, documents; names unique), then `write-<file stem>` per document (>= 400
  characters of sections, EARS requirements saying "shall").
- database: `groups` (each table in one namespace), then `schema-<namespace>` in plan order: exactly
  the planned tables, foreign keys `*_id` to planned tables, reverse relation names free on their
  target, indexes on own columns, GIN on strings; then the real Prisma validator. `correct-<ns>-<n>`
  is asked only when the merged schema fails, which a consistent book never does.
- interface: `endpoints-<namespace>` (action names imply the method; no route, SDK or provider clash;
  known actors and tables; every table of the namespace reached); `operation-<namespace>-<k>` per 8
  endpoints (path parameters in order, no GET/DELETE body, query only on GET); `schemas-<n>`, numbered
  across rounds, each round requesting the types still missing (named by routes, or referenced) in
  `type_batches`; mirrored columns exist with a compatible JSON type, queries are scalar.
- test: `scenario-<accessor words>` for every SDK function in route order (dependencies are SDK
  accessors), then `test-<accessor words>` for each: statements calling real SDK functions with the
  right arguments, the operation itself and an assertion, then type-checked by tsc against the SDK.
- realize: `transformer-<DTO stem words>` per response DTO mirroring one table column for column,
  `collector-<stem words>` per body of a creating POST, then `provider-<provider name words>` per
  route: `{plan, body}`, TypeScript compiled by tsc inside the whole project (Prisma client, DTOs,
  scaffold helpers; names of realize.emit.menu are imported for the body).

Built so far: spec (presets, seeded streams) -> vocabulary (catalog words) -> domain (actors, areas,
entities, relations) -> api (routes, sized to the operation count) -> analyze, database, dtos and
interface answers -> tests (a scenario and e2e test per SDK function) and realize (bodies from the
typescript module's templates) -> book (generate, measure, write) -> faults, cache. Op ids are computed with the
phases' own helpers (document_op_id, OPERATION_BATCH, type_batches, sdk_functions and op_id,
realize.plan), never restated; Test and Realize are planned over the ASTs the earlier answers merge
into (`interface.application`, `database.application`). `small` and a mixed spec with every kind of
operation play through all five phases with 0 type errors; the reference presets pass every check
short of TypeScript by default (tests/sim/test_bookgen.py; `BOOKGEN_PLAY_ALL=1` plays them too).

Next
----
- runtime: only the demo boots a realized backend and runs its tests (see Wiring); a test that
  does so at reference sizes would check their semantics (one snapshot per write, soft deletes, 404
  scoping, the refusals each test expects).
- coverage: at reference sizes about a sixth of the tests can only assert a 404 on an unknown id,
  because the operation budget left their entity (or its parent, or a required reference) without a
  create route; `api` could add `create` first wherever a kept route needs rows.

Wiring: `farm demo --project shopping` (farm.demo_project) writes the book once per spec with the
learner's fault variants (`cache`, `faults`) and the embedded simulator serves it as the project's
book (`X-Farm-Project`, farm.sim.fixtures); its verify job boots the backend, plays the generated
Golden Set suite (`suite`, written beside the requirements file) and runs the generated e2e tests:
at `small` 21 of 21 scenarios and 14 of 14 tests pass; at `shopping` 49 of 49 and 153 of 153 (148
until histories lost their unique index on (row, code), which refused a row's second snapshot).
The stubborn script's `@date-not-string` is generated too (`faults`), on the first provider that
returns a transformed row with a required date-time property.
"""

from farm.sim.bookgen.book import Book, generate, measure, write_book
from farm.sim.bookgen.spec import PRESETS, Size, Spec, preset

__all__ = ["PRESETS", "Book", "Size", "Spec", "generate", "measure", "preset", "write_book"]
