import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/**
 * A small real data set for end-to-end tests: 384² crops of four demo images from four different animals, so the
 * simulator's subject-wise split has groups to hold out and the pool stays small enough to score in seconds.
 */
export async function makeCropDataset(root: string, demoDir: string): Promise<string> {
  const ids = ['sub-rat1_sample-data1', 'sub-rat2_sample-data5', 'sub-rat3_sample-data10', 'sub-rat8_sample-V915'];
  for (const sub of ['images', 'masks-myelin']) await mkdir(join(root, sub), { recursive: true });
  for (const id of ids) {
    for (const sub of ['images', 'masks-myelin']) {
      await sharp(join(demoDir, sub, `${id}.png`))
        .extract({ left: 128, top: 128, width: 384, height: 384 })
        .toColourspace('b-w')
        .png()
        .toFile(join(root, sub, `${id}.png`));
    }
  }
  return root;
}
