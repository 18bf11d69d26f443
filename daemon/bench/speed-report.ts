import { benchEmSlide } from './em-texture-slide.js';
import { type McEfficiency, mcEfficiencyLine, measureMcEfficiency } from './mc-efficiency.js';
import {
  GIGAPIXEL_SLIDE,
  measureSpeed,
  measureThroughput,
  type SpeedBenchResult,
  slideThroughputLine,
  tilesWhileScoringLine,
} from './speed-lines.js';

export interface SpeedReport {
  speed: SpeedBenchResult;
  mc: McEfficiency;
  /** The three `name key=value …` lines, in the order printed. */
  lines: string[];
}

/**
 * The three lines of issue #18 with the daemon's defaults, on generated slides of real EM texture (no cell blank):
 * quick, slide throughput and tiles while scoring on one 4096² slide (64 cells); full, tiles while scoring on 8192²
 * (256 cells) and slide throughput on a whole gigapixel slide (31 744², 3 844 cells). Then mc efficiency, of the
 * default network and of the paper's.
 */
export async function speedReport(o: { quick: boolean; log?: (line: string) => void }): Promise<SpeedReport> {
  const slideSize = o.quick ? 4096 : 8192;
  const log = o.log ? { log: o.log } : {};
  const measured = await measureSpeed({ slideSize, ...log });
  const speed = o.quick
    ? measured
    : { ...measured, ...(await measureThroughput({ slideSize: GIGAPIXEL_SLIDE, ...log })) };
  const slideFile = await benchEmSlide(slideSize);
  const mc = await measureMcEfficiency({ slideFile, cells: o.quick ? 8 : 24, paperCells: o.quick ? 1 : 2 });
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
