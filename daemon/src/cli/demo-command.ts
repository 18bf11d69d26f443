import { parseArgs } from 'node:util';
import { DEMO_DATA_DIR } from './demo-paths.js';
import { simulateCommand } from './simulate-command.js';

export const DEMO_USAGE = `activeseg demo [--out runs/demo] [--quick]

Runs a small active-learning simulation (uncertainty vs random selection, tiny CPU preset) on the bundled AxonDeepSeg
SEM demo images and writes runs/demo/report.png and summary.md. Running it again resumes or re-reports.`;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', default: 'runs/demo' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(DEMO_USAGE);
    return 0;
  }
  console.error(`demo data: ${DEMO_DATA_DIR}`);
  return simulateCommand([
    '--data',
    DEMO_DATA_DIR,
    '--preset',
    'tiny',
    '--strategies',
    'uncertainty,random',
    '--iterations',
    values.quick ? '2' : '6',
    '--experiments',
    values.quick ? '1' : '2',
    '--out',
    values.out,
  ]);
}
