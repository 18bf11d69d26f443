import { benchEmSlide } from './em-texture-slide.js';
import { type McEfficiency, mcEfficiencyLine, measureMcEfficiency } from './mc-efficiency.js';
import { measureSpeed, type SpeedBenchResult, slideThroughputLine, tilesWhileScoringLine } from './speed-lines.js';

export interface SpeedReport {
  speed: SpeedBenchResult;
  mc: McEfficiency;
  /** The three `name key=value …` lines, in the order printed. */
  lines: string[];
}

/**
 * The three lines of issue #18 with the daemon's defaults: slide throughput and tiles while scoring on a generated
 * slide of real EM texture (quick 4096², full 8192²: 64 and 256 cells, none blank), then mc efficiency.
 */
export async function speedReport(o: { quick: boolean; log?: (line: string) => void }): Promise<SpeedReport> {
  const slideSize = o.quick ? 4096 : 8192;
  const speed = await measureSpeed({ slideSize, ...(o.log ? { log: o.log } : {}) });
  const slideFile = await benchEmSlide(slideSize);
  const mc = await measureMcEfficiency({ slideFile, cells: o.quick ? 8 : 24 });
  return {
    speed,
    mc,
    lines: [
      slideThroughputLine(speed.slide, speed.throughput),
      tilesWhileScoringLine(speed.tiles),
      mcEfficiencyLine(mc),
    ],
  };
}
