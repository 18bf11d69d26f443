import {
  encodeOnnxModel,
  type OnnxAttribute,
  OnnxAttributeType,
  OnnxDataType,
  type OnnxDimension,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnx-proto.js';

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
export const text = (name: string, value: string): OnnxAttribute => ({
  name,
  type: OnnxAttributeType.STRING,
  s: new TextEncoder().encode(value),
});

/** A dimension of a graph input or output: a fixed size, or a name for a symbolic one. */
export type Dimension = number | string;

// IR version 8 is the one that introduced opset 17; onnxruntime accepts it as is.
const IR_VERSION = 8;

function valueInfo(name: string, dims: readonly Dimension[]): OnnxValueInfo {
  const dim = dims.map((d): OnnxDimension => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: OnnxDataType.FLOAT, shape: { dim } } } };
}

/**
 * Append-only ONNX graph writer, the one both ONNX producers use: the tfjs exporter (named nodes and weights) and
 * the training graph (fresh value names, cached constants). Shapes are the caller's business. Float32 inputs and
 * outputs only.
 */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  private count = 0;
  private readonly constants = new Map<string, string>();

  input(name: string, dims: readonly Dimension[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Exposes `value` as graph output `name` (through an Identity when the names differ). */
  output(name: string, value: string, dims: readonly Dimension[]): void {
    if (value !== name) this.node('Identity', [value], [name]);
    this.outputs.push(valueInfo(name, dims));
  }

  /** A node whose outputs the caller names. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attribute: OnnxAttribute[] = []): void {
    this.nodes.push({ opType, input: [...inputs], output: [...outputs], name: outputs[0] ?? opType, attribute });
  }

  /** A node with one fresh output name, returned. */
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
    this.node(opType, inputs, names, attribute);
    return names;
  }

  /** A named initializer; returned so the caller may still fill `rawData` before {@link encode}. */
  initializer(tensor: OnnxTensor): OnnxTensor {
    this.initializers.push(tensor);
    return tensor;
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

  model(name: string, opset: number, metadataProps: OnnxModel['metadataProps'] = []): OnnxModel {
    return {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: opset }],
      producerName: 'activeseg',
      producerVersion: '0.1.0',
      graph: { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
      metadataProps,
    };
  }

  encode(name: string, opset: number, metadataProps: OnnxModel['metadataProps'] = []): Uint8Array {
    return encodeOnnxModel(this.model(name, opset, metadataProps));
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
