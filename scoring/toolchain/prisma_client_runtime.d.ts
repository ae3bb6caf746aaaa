// The schema-independent half of the Prisma client declarations the type check compiles against
// (prisma_stub.py appends the half generated from the project's schema, which fills `$Models`).
//
// It approximates the real generated client: query results carry the model's scalar columns and,
// under `select` / `include`, the chosen relations; `where` / `data` / `orderBy` / `select` objects
// know the column names, so a misspelt column in an object literal is an error. Values inside
// those inputs are `any` and unusual argument shapes fall back to loose types: a project the real
// client accepts must not fail here, so every doubt resolves towards accepting.

/** One entry per model: its row, scalar names, relations and named input types. */
interface $Models {}
type $Model = keyof $Models;

type $IsAny<T> = 0 extends 1 & T ? true : false;
type $Absent<T> = [T] extends [null | undefined] ? true : false;
type $Truthy<V> = [V] extends [false | null | undefined] ? false : true;
type $Arg<A, K extends string> = A extends { [P in K]: infer V } ? V : undefined;

type $Row<M extends $Model> = $Models[M]["row"];
type $Loose<M extends $Model> = $Row<M> & { [key: string]: any };
type $Relations<M extends $Model> = $Models[M]["relations"];

/** The result of a query on model `M` whose arguments hold `select` / `include` / `omit` as in `A`. */
type $Payload<M extends $Model, A> = $IsAny<A> extends true
  ? $Loose<M>
  : $Shape<M, $Arg<A, "select">, $Arg<A, "include">, $Arg<A, "omit">>;

type $Shape<M extends $Model, S, I, O> = $IsAny<S> extends true
  ? $Loose<M>
  : $Absent<S> extends false
    ? S extends null | undefined ? $Omitted<M, O> : $Selected<M, S>
    : $IsAny<I> extends true
      ? $Loose<M>
      : $Absent<I> extends true ? $Omitted<M, O> : $Omitted<M, O> & $Included<M, I>;

type $Omitted<M extends $Model, O> = $Absent<O> extends true
  ? $Row<M>
  : { [K in keyof $Row<M> as K extends keyof O ? ($Truthy<O[K]> extends true ? never : K) : K]: $Row<M>[K] };

type $Selected<M extends $Model, S> = {
  -readonly [K in keyof S as $Truthy<S[K]> extends true ? K : never]-?: $Field<M, K, S[K]>;
};
type $Included<M extends $Model, I> = {
  -readonly [K in keyof I as $Truthy<I[K]> extends true ? K : never]-?: $Field<M, K, I[K]>;
};

type $Field<M extends $Model, K, V> = K extends keyof $Row<M>
  ? $Row<M>[K]
  : K extends keyof $Relations<M>
    ? $Related<$Relations<M>[K], V>
    : K extends "_count"
      ? $Count<V>
      : unknown;

type $Related<R, V> = R extends { model: infer T extends $Model; list: infer L; nullable: infer N }
  ? L extends true
    ? $Payload<T, $Nested<V>>[]
    : N extends true ? $Payload<T, $Nested<V>> | null : $Payload<T, $Nested<V>>
  : unknown;
type $Nested<V> = V extends object ? V : {};
type $Count<V> = V extends { select: infer C } ? { -readonly [K in keyof C]-?: number } : { [relation: string]: number };

/** What a relation accepts inside `select` / `include`. */
type $RelationArgs = {
  select?: any;
  include?: any;
  omit?: any;
  where?: any;
  orderBy?: any;
  cursor?: any;
  take?: number;
  skip?: number;
  distinct?: any;
};
type $CountArgs = { select?: { [relation: string]: boolean | { where?: any } } };
type $Aggregates = { _count: any; _avg: any; _sum: any; _min: any; _max: any };
type $AggregateInputs = { _count?: any; _avg?: any; _sum?: any; _min?: any; _max?: any };

type $Select<M extends $Model> = $Models[M]["select"] | null | undefined;
type $Include<M extends $Model> = $Models[M]["include"] | null | undefined;
type $Omit<M extends $Model> = $Models[M]["omit"] | null | undefined;
type $Projection<S, I, O> = { select?: S | null; include?: I | null; omit?: O | null };
type $Scalar<M extends $Model> = $Models[M]["scalar"];
type $OrderBy<M extends $Model> = $Models[M]["orderBy"] | $Models[M]["orderBy"][];

type $FindManyArgs<M extends $Model, S = $Select<M>, I = $Include<M>, O = $Omit<M>> = $Projection<S, I, O> & {
  where?: $Models[M]["where"];
  orderBy?: $OrderBy<M>;
  cursor?: $Models[M]["unique"];
  take?: number;
  skip?: number;
  distinct?: $Scalar<M> | $Scalar<M>[];
  relationLoadStrategy?: "query" | "join";
};
type $FindUniqueArgs<M extends $Model, S = $Select<M>, I = $Include<M>, O = $Omit<M>> = $Projection<S, I, O> & {
  where: $Models[M]["unique"];
  relationLoadStrategy?: "query" | "join";
};
type $CreateArgs<M extends $Model, S = $Select<M>, I = $Include<M>, O = $Omit<M>> = $Projection<S, I, O> & {
  data: $Models[M]["data"];
};
type $CreateManyArgs<M extends $Model, S = $Select<M>, I = $Include<M>, O = $Omit<M>> = $Projection<S, I, O> & {
  data: $Models[M]["data"] | $Models[M]["data"][];
  skipDuplicates?: boolean;
};
type $UpdateArgs<M extends $Model, S = $Select<M>, I = $Include<M>, O = $Omit<M>> = $Projection<S, I, O> & {
  where: $Models[M]["unique"];
  data: $Models[M]["data"];
};
type $UpdateManyArgs<M extends $Model, S = $Select<M>, I = $Include<M>, O = $Omit<M>> = $Projection<S, I, O> & {
  where?: $Models[M]["where"];
  data: $Models[M]["data"];
  limit?: number;
};
type $UpsertArgs<M extends $Model, S = $Select<M>, I = $Include<M>, O = $Omit<M>> = $Projection<S, I, O> & {
  where: $Models[M]["unique"];
  create: $Models[M]["data"];
  update: $Models[M]["data"];
};
type $DeleteArgs<M extends $Model, S = $Select<M>, I = $Include<M>, O = $Omit<M>> = $Projection<S, I, O> & {
  where: $Models[M]["unique"];
};
type $DeleteManyArgs<M extends $Model> = { where?: $Models[M]["where"]; limit?: number };
type $CountQueryArgs<M extends $Model, C = any> = {
  where?: $Models[M]["where"];
  orderBy?: $OrderBy<M>;
  cursor?: $Models[M]["unique"];
  take?: number;
  skip?: number;
  distinct?: $Scalar<M> | $Scalar<M>[];
  select?: C;
};
type $AggregateArgs<M extends $Model> = $AggregateInputs & {
  where?: $Models[M]["where"];
  orderBy?: $OrderBy<M>;
  cursor?: $Models[M]["unique"];
  take?: number;
  skip?: number;
};
type $GroupByArgs<M extends $Model> = $AggregateInputs & {
  by: $Scalar<M> | $Scalar<M>[];
  where?: $Models[M]["where"];
  orderBy?: any; // may order by aggregates (`_count`, `_sum` ...) as well as columns
  having?: any;
  take?: number;
  skip?: number;
};

type $Result<M extends $Model, S, I, O> = $Payload<M, { select: S; include: I; omit: O }>;
type $Promise<T> = Promise<T>;

/** The delegate `prisma.<model>`: every query method, typed by the model. */
interface $Delegate<M extends $Model> {
  findMany<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args?: $FindManyArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O>[]>;
  findFirst<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args?: $FindManyArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O> | null>;
  findFirstOrThrow<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args?: $FindManyArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O>>;
  findUnique<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args: $FindUniqueArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O> | null>;
  findUniqueOrThrow<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args: $FindUniqueArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O>>;
  create<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args: $CreateArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O>>;
  createMany(args: $CreateManyArgs<M, never, never, never>): $Promise<{ count: number }>;
  createManyAndReturn<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args: $CreateManyArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O>[]>;
  update<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args: $UpdateArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O>>;
  updateMany(args: $UpdateManyArgs<M, never, never, never>): $Promise<{ count: number }>;
  updateManyAndReturn<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args: $UpdateManyArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O>[]>;
  upsert<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args: $UpsertArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O>>;
  delete<S extends $Select<M> = undefined, I extends $Include<M> = undefined, O extends $Omit<M> = undefined>(
    args: $DeleteArgs<M, S, I, O>,
  ): $Promise<$Result<M, S, I, O>>;
  deleteMany(args?: $DeleteManyArgs<M>): $Promise<{ count: number }>;
  count<C = undefined>(args?: $CountQueryArgs<M, C>): $Promise<$Absent<C> extends true ? number : { [K in keyof C]: number }>;
  aggregate(args?: $AggregateArgs<M>): $Promise<$Aggregates>;
  groupBy(args: $GroupByArgs<M>): $Promise<($Row<M> & $Aggregates)[]>;
  fields: any;
}
