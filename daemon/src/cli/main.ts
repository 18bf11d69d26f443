import { doctorCommand } from './doctor-command.js';
import { predictCommand } from './predict-command.js';
import { reportCommand } from './report-command.js';
import { serveCommand } from './serve-command.js';
import { simulateCommand } from './simulate-command.js';
import { trainCommand } from './train-command.js';
import { workerCommand } from './worker-command.js';

const USAGE = `activeseg <command> [options]

Commands:
  serve      the local daemon for the viewer (no arguments: the built-in demo project)
  simulate   the paper's active-learning experiment (uncertainty vs random selection) with reports
  train      train a U-Net on a data set folder and save a model bundle
  predict    segment images with a model bundle; optional Monte-Carlo uncertainty maps
  worker     a fleet worker: scores and trains for "serve --redis" from a BullMQ/Redis queue
  doctor     which compute backend is used, why the others are not, and a measured forward time
  report     is annotating paying off? a slide's learning plot (SVG + PNG) and CSV, for a lab notebook

Run "activeseg <command> --help" for the options of a command.`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  serve: serveCommand,
  simulate: simulateCommand,
  train: trainCommand,
  predict: predictCommand,
  doctor: doctorCommand,
  worker: workerCommand,
  report: reportCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`activeseg: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    console.error(`activeseg: ${e.code ? `[${e.code}] ` : ''}${e.message ?? String(err)}`);
    process.exitCode = 1;
  },
);
