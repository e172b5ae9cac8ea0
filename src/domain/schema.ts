/**
 * A small description language for the element structures of Suwi-ML, from which the
 * TypeScript types of the domain model are inferred and which the codecs, the
 * verzamelbestand schema writer and the test generators all walk. One description, so the
 * model, the XML and the checks cannot drift apart.
 *
 * An element is a field of its parent: its XML name, the property key in the model (the
 * name with a lower-case first letter), its node (a simple value type or a sequence of
 * fields) and its occurrence (`min` 0 or 1, `max` 1 or unbounded). Every sequence in the
 * Suwi-ML schemas the hub speaks is deterministic, which is what the decoder relies on.
 *
 * This module imports only ./values.
 */
import type { ValueType } from './values.js';

export interface LeafNode<T = unknown> {
  readonly kind: 'leaf';
  readonly type: ValueType<T>;
}

export interface SequenceNode<F extends readonly AnyField[] = readonly AnyField[]> {
  readonly kind: 'sequence';
  readonly fields: F;
  /** Name of the complex type in the schemas, when it has one (Bron, StandaardBedr, ...). */
  readonly typeName?: string;
}

export type AnyNode = LeafNode | SequenceNode;

export interface Field<
  N extends string = string,
  Nd extends AnyNode = AnyNode,
  Min extends 0 | 1 = 0 | 1,
  Max extends 1 | 'n' = 1 | 'n',
> {
  readonly name: N;
  readonly key: Uncapitalize<N>;
  readonly node: Nd;
  readonly min: Min;
  readonly max: Max;
  /** Why the element exists, for generated documentation (Dutch, as in the interface). */
  readonly doc?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyField = Field<string, any, 0 | 1, 1 | 'n'>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type NodeValue<Nd> =
  Nd extends LeafNode<infer T> ? T : Nd extends SequenceNode<infer F> ? FieldsValue<F> : never;

type FieldValue<Fd> =
  Fd extends Field<string, infer Nd, 0 | 1, infer Max>
    ? Max extends 'n'
      ? NodeValue<Nd>[]
      : NodeValue<Nd>
    : never;

type RequiredKeys<Fd> = Fd extends { min: 1 } | { max: 'n' } ? Fd : never;
type OptionalKeys<Fd> = Fd extends { min: 0; max: 1 } ? Fd : never;

/** The model type of a list of fields: required and repeated elements as keys, optional ones as optional keys. */
export type FieldsValue<F extends readonly AnyField[]> = Simplify<
  { [Fd in F[number] as RequiredKeys<Fd>['key']]: FieldValue<Fd> } & {
    [Fd in F[number] as OptionalKeys<Fd>['key']]?: FieldValue<Fd>;
  }
>;

/** The model type described by a node. */
export type Infer<Nd> = NodeValue<Nd>;

function uncapitalize<N extends string>(name: N): Uncapitalize<N> {
  return (name.charAt(0).toLowerCase() + name.slice(1)) as Uncapitalize<N>;
}

type NodeOf<X> = X extends AnyNode ? X : X extends ValueType<infer T> ? LeafNode<T> : never;

function toNode<X extends AnyNode | ValueType<unknown>>(x: X): NodeOf<X> {
  return ('kind' in x ? x : { kind: 'leaf', type: x }) as NodeOf<X>;
}

function field<
  N extends string,
  X extends AnyNode | ValueType<unknown>,
  Min extends 0 | 1,
  Max extends 1 | 'n',
>(name: N, x: X, min: Min, max: Max, doc?: string): Field<N, NodeOf<X>, Min, Max> {
  return { name, key: uncapitalize(name), node: toNode(x), min, max, ...(doc !== undefined && { doc }) };
}

/** An element that must occur once. */
export function req<N extends string, X extends AnyNode | ValueType<unknown>>(name: N, x: X, doc?: string) {
  return field(name, x, 1, 1, doc);
}
/** An element that may occur once (minOccurs 0). */
export function opt<N extends string, X extends AnyNode | ValueType<unknown>>(name: N, x: X, doc?: string) {
  return field(name, x, 0, 1, doc);
}
/** An element that may occur any number of times (minOccurs 0, maxOccurs unbounded). */
export function many<N extends string, X extends AnyNode | ValueType<unknown>>(name: N, x: X, doc?: string) {
  return field(name, x, 0, 'n', doc);
}
/** An element that occurs at least once (maxOccurs unbounded). */
export function some<N extends string, X extends AnyNode | ValueType<unknown>>(name: N, x: X, doc?: string) {
  return field(name, x, 1, 'n', doc);
}

/** A sequence of elements. */
export function seq<const F extends readonly AnyField[]>(fields: F, typeName?: string): SequenceNode<F> {
  const names = new Set<string>();
  for (const f of fields) {
    if (names.has(f.name)) throw new Error(`element ${f.name} twice in one sequence`);
    names.add(f.name);
  }
  return { kind: 'sequence', fields, ...(typeName !== undefined && { typeName }) };
}

/** The fields of a sequence with the given names, in the sequence's order. */
export function pick<const F extends readonly AnyField[], const N extends F[number]['name']>(
  node: SequenceNode<F>,
  names: readonly N[],
): Extract<F[number], { name: N }>[] {
  const missing = names.filter((n) => !node.fields.some((f) => f.name === n));
  if (missing.length) throw new Error(`no such elements: ${missing.join(', ')}`);
  return node.fields.filter((f) => (names as readonly string[]).includes(f.name)) as Extract<
    F[number],
    { name: N }
  >[];
}

/** Calls `visit` for every field below a node, depth first, with the element path. */
export function walk(node: AnyNode, visit: (f: AnyField, path: string) => void, path = ''): void {
  if (node.kind !== 'sequence') return;
  for (const f of node.fields) {
    const p = `${path}/${f.name}`;
    visit(f, p);
    walk(f.node, visit, p);
  }
}
