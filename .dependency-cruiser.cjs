// The import rules of the repository, checked by `npm run depcheck` (dependency-cruiser) in CI.
// docs/architecture.md states them in words; keep the two in step.

/**
 * daemon/src, top to bottom: a folder may import only folders of LOWER tiers. Folders that share a tier do not
 * import each other. The coarse layers are cli → server → project/jobs → engine (model compute) →
 * model/onnx/data/slides/store; the tiers inside a layer fix the one direction its folders already run in, so no
 * two folders can ever import each other (directly or round a loop).
 */
const DAEMON_TIERS = [
  { layer: 'cli', folders: ['cli', 'testing'] },
  { layer: 'server', folders: ['server'] },
  { layer: 'project/jobs', folders: ['fleet'] },
  { layer: 'project/jobs', folders: ['jobs', 'simulate'] },
  { layer: 'project/jobs', folders: ['project'] },
  { layer: 'engine', folders: ['engine'] },
  { layer: 'engine', folders: ['inference'] },
  { layer: 'engine', folders: ['training'] },
  { layer: 'model/data/slides/store', folders: ['onnx-train'] },
  { layer: 'model/data/slides/store', folders: ['onnx'] },
  { layer: 'model/data/slides/store', folders: ['model', 'slides'] },
  { layer: 'model/data/slides/store', folders: ['data', 'store', 'workers'] },
  { layer: 'model/data/slides/store', folders: ['errors', 'config'] },
];

/** The server layer is files and folders beside each other at the top of daemon/src, not one folder. */
const folderPath = (folder) =>
  folder === 'server'
    ? '^daemon/src/((http|ws)/|(app|server|compose-project)[.]ts$)'
    : folder === 'config'
      ? '^daemon/src/config[.]ts$'
      : `^daemon/src/${folder}/`;

const anyOf = (folders) => folders.map(folderPath).join('|');

/** Tests and test helpers may reach across layers (a unit test wires what it checks). */
const NOT_TESTS = '[.]test[.]ts$';

const tierRules = DAEMON_TIERS.flatMap((tier, i) => {
  const above = DAEMON_TIERS.slice(0, i).flatMap((t) => t.folders);
  const rules = [];
  if (above.length > 0) {
    rules.push({
      name: `daemon-layer-order:${tier.folders.join('+')}`,
      comment: `${tier.folders.join(', ')} (${tier.layer} layer) may import only the folders below it in the daemon's layer order`,
      severity: 'error',
      from: { path: anyOf(tier.folders), pathNot: NOT_TESTS },
      to: { path: anyOf(above) },
    });
  }
  for (const folder of tier.folders) {
    const siblings = tier.folders.filter((f) => f !== folder);
    if (siblings.length === 0) continue;
    rules.push({
      name: `daemon-same-tier:${folder}`,
      comment: `${folder} and ${siblings.join(', ')} sit side by side in the layer order and do not import each other`,
      severity: 'error',
      from: { path: folderPath(folder), pathNot: NOT_TESTS },
      to: { path: anyOf(siblings) },
    });
  }
  return rules;
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'modules do not import each other round a loop, not even through type-only imports',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'daemon-unlayered',
      comment: 'every daemon/src file belongs to a tier of DAEMON_TIERS: add a new folder there',
      severity: 'error',
      from: { path: '^daemon/src/', pathNot: `${anyOf(DAEMON_TIERS.flatMap((t) => t.folders))}|${NOT_TESTS}` },
      to: {},
    },
    ...tierRules,
    {
      name: 'daemon-viewer-apart',
      comment: 'the daemon and the viewer talk through protocol/ only: neither imports the other',
      severity: 'error',
      from: { path: '^(daemon|viewer-plugin)/' },
      to: { path: '^(daemon|viewer-plugin)/', pathNot: '^$1/' },
    },
    {
      name: 'protocol-imports-zod-only',
      comment: 'protocol/ is the wire contract: zod schemas and nothing else of ours or of npm',
      severity: 'error',
      from: { path: '^protocol/src/', pathNot: NOT_TESTS },
      to: { pathNot: '^protocol/src/|(^|/)node_modules/zod/|^zod$' },
    },
    {
      name: 'shared-is-pure',
      comment: 'shared/ runs in the browser and in Node: it imports nothing (no node:*, no npm package, none of ours)',
      severity: 'error',
      from: { path: '^shared/src/', pathNot: NOT_TESTS },
      to: { pathNot: '^shared/src/' },
    },
    {
      name: 'src-not-test',
      comment: 'package code does not import the cross-package tests',
      severity: 'error',
      from: { path: '^(protocol|shared|daemon|viewer-plugin)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
