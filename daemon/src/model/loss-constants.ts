/**
 * The constants of the paper's losses, tfjs-free: `losses.ts` (tfjs) and the onnxruntime training graph
 * (`onnx-train/train-graph.ts`) both build their losses from these, so the two engines cannot drift apart.
 */

/** Weight of foreground (myelin) pixels in the paper's weighted BCE; background gets 1 − this. */
export const WBCE_POSITIVE_WEIGHT = 0.3;
/** Added to the soft-Dice numerator and denominator (an empty mask and an empty prediction score 0 loss). */
export const DICE_SMOOTH = 1;
/** Predictions are clipped to [ε, 1 − ε] before the logarithms of the BCE. */
export const BCE_EPSILON = 1e-7;
