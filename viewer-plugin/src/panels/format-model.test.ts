import type { ModelVersionInfo } from '@activeseg/protocol';
import { describe, expect, it } from 'vitest';
import { promoteQuestion } from '../actions/model-actions.js';
import { formatModelDice, formatModelOrigin, formatWhen } from './format-model.js';

const kept: ModelVersionInfo = {
  version: 3,
  createdAt: '2026-12-05T06:12:00.000Z',
  mode: 'finetune',
  parentVersion: 2,
  annotationsUsed: 14,
  trainPatches: 12,
  valPatches: 3,
  valDice: 0.25,
  comparedWith: { version: 2, valDice: 0.763 },
  promoted: false,
  warning: 'v3 scored Dice 0.250 …',
  current: false,
};

describe('model timeline lines', () => {
  it('says how a version was trained and how it compared on the same validation patches', () => {
    expect(formatModelOrigin(kept)).toBe('fine-tune of v2 · 14 annotations · 12 + 3 val patches');
    expect(formatModelDice(kept)).toBe('val Dice 0.250 (v2: 0.763)');
    const base = { ...kept, mode: 'base' as const, parentVersion: null, annotationsUsed: null, comparedWith: null };
    expect(formatModelOrigin(base)).toBe('base model · 12 + 3 val patches');
    expect(formatModelDice({ ...base, valDice: null })).toBe('val Dice – (too few patches to hold any out)');
    expect(formatModelOrigin({ ...kept, mode: 'scratch', parentVersion: null, annotationsUsed: 1 })).toBe(
      'from scratch · 1 annotation · 12 + 3 val patches',
    );
  });

  it('shows the time alone for today and the date before', () => {
    const at = new Date(2026, 11, 5, 6, 12);
    expect(formatWhen(at.toISOString(), new Date(2026, 11, 5, 9, 0))).toBe('06:12');
    expect(formatWhen(at.toISOString(), new Date(2026, 11, 6, 9, 0))).toBe('5 Dec 06:12');
  });

  it('asks before promoting a kept-aside version, naming both Dice, and before a rollback', () => {
    expect(promoteQuestion(3, [kept], 2)).toBe(
      "Make v3 current anyway instead of v2? It scored Dice 0.250 on its validation patches, below v2's 0.763 on the same patches.",
    );
    expect(promoteQuestion(1, [kept], 2)).toMatch(/^Roll back to v1 instead of v2\? Overlays and suggestions/);
    expect(promoteQuestion(4, [kept], 2)).toMatch(/^Make v4 current instead of v2\?/);
  });
});
