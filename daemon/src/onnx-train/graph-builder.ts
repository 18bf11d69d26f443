import {
  type OnnxAttribute,
  OnnxAttributeType,
  OnnxDataType,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from '../onnx/onnx-proto.js';

export const ints = (name: string, values: readonly number[]): OnnxAttribute => ({
  name,
  type: OnnxAttributeType.INTS,
  ints: [...values],
});
export const int = (name: string, value: number): OnnxAttribute => ({ name, type: OnnxAttributeType.INT, i: value });
export const float = (name: string, value: number): OnnxAttribute => ({
  name,
  type: OnnxAttributeType.FLOAT,
  f: value,
});

function valueInfo(name: string, dims: readonly number[], elemType: number): OnnxValueInfo {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

/**
 * Append-only ONNX graph writer with fresh value names and cached constants. Shapes are the caller's business: the
 * training graph is built for one static batch and patch size, so every shape is known while it is written.
 */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  private count = 0;
  private readonly constants = new Map<string, string>();

  input(name: string, dims: readonly number[]): string {
    this.inputs.push(valueInfo(name, dims, OnnxDataType.FLOAT));
    return name;
  }

  /** Exposes `value` as graph output `name` (through an Identity when the names differ). */
  output(name: string, value: string, dims: readonly number[]): void {
    if (value !== name) this.nodes.push({ opType: 'Identity', input: [value], output: [name], name, attribute: [] });
    this.outputs.push(valueInfo(name, dims, OnnxDataType.FLOAT));
  }

  op(opType: string, inputs: readonly string[], attribute: OnnxAttribute[] = []): string {
    const [out] = this.opN(opType, inputs, 1, attribute);
    return out as string;
  }

  opN(opType: string, inputs: readonly string[], outputs: number, attribute: OnnxAttribute[] = []): string[] {
    const id = this.count++;
    const names = Array.from(
      { length: outputs },
      (_, k) => `${opType.toLowerCase()}_${id}${outputs > 1 ? `_${k}` : ''}`,
    );
    this.nodes.push({ opType, input: [...inputs], output: names, name: `${opType}_${id}`, attribute });
    return names;
  }

  /** A 1-D int64 constant (shapes, axes, split sizes), shared between nodes that ask for the same values. */
  int64(values: readonly number[]): string {
    return this.constant(`i64:${values.join(',')}`, {
      dims: [values.length],
      dataType: OnnxDataType.INT64,
      int64Data: [...values],
    });
  }

  /** A float scalar constant (0-D). */
  scalar(value: number): string {
    return this.constant(`f32:${value}`, { dims: [], dataType: OnnxDataType.FLOAT, floatData: [value] });
  }

  model(name: string, opset: number): OnnxModel {
    return {
      irVersion: 8,
      opsetImport: [{ domain: '', version: opset }],
      producerName: 'activeseg',
      producerVersion: '0.1.0',
      graph: { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
      metadataProps: [],
    };
  }

  private constant(key: string, tensor: Omit<OnnxTensor, 'name'>): string {
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = `const_${this.constants.size}`;
    this.initializers.push({ name, ...tensor });
    this.constants.set(key, name);
    return name;
  }
}
