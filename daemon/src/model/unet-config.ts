import { z } from 'zod';

/**
 * Architecture and loss choice of the U-Net. Defaults are the paper's: 512² single-channel input, 5 levels,
 * 32 base filters doubling per level, dropout 0.2 after every max-pool and decoder concat, soft Dice loss, He-normal kernels.
 */
export const UnetConfig = z
  .object({
    inputSize: z.number().int().positive().default(512),
    channels: z.number().int().positive().default(1),
    levels: z.number().int().min(2).max(8).default(5),
    baseFilters: z.number().int().positive().default(32),
    dropoutRate: z.number().min(0).lt(1).default(0.2),
    /**
     * Dropout after each decoder concat as well as after each max-pool (the paper's network). False keeps only the
     * encoder's; bundles written before this option existed read as true.
     */
    decoderDropout: z.boolean().default(true),
    loss: z.enum(['dice', 'wbce']).default('dice'),
    kernelInitializer: z.enum(['heNormal', 'glorotUniform']).default('heNormal'),
    /** Seeds the kernel initializers so two models built from the same config start identical (tests, runs that repeat). */
    initSeed: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    // Every max-pool halves the size and every transposed conv doubles it back; an odd size would break the skip concats.
    const factor = 2 ** (config.levels - 1);
    if (config.inputSize % factor !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['inputSize'],
        message: `must be divisible by 2^(levels-1) = ${factor} (levels = ${config.levels}), got ${config.inputSize}`,
      });
    }
  });

export type UnetConfig = z.infer<typeof UnetConfig>;
export type UnetConfigInput = z.input<typeof UnetConfig>;
export type UnetLoss = UnetConfig['loss'];

/** Fills defaults and validates; the thrown Error names every offending field. */
export function parseUnetConfig(partial: UnetConfigInput = {}): UnetConfig {
  const result = UnetConfig.safeParse(partial);
  if (!result.success) {
    const details = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`Invalid U-Net config: ${details.join('; ')}`);
  }
  return result.data;
}

/** Filters of a level, 1-based: baseFilters · 2^(level−1). */
export function filtersAtLevel(config: UnetConfig, level: number): number {
  return config.baseFilters * 2 ** (level - 1);
}
