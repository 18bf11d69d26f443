import { ProjectSettingsUpdate } from '@activeseg/protocol';
import { Hono } from 'hono';
import { readProjectSettings, updateProjectSettings } from '../../project/project-settings.js';
import type { Store } from '../../store/db.js';
import { zValidator } from '../validate.js';

export function createSettingsRoutes(deps: { store: Store }): Hono {
  return new Hono()
    .get('/api/settings', (c) => c.json(readProjectSettings(deps.store)))
    .put('/api/settings', zValidator('json', ProjectSettingsUpdate), (c) =>
      c.json(updateProjectSettings(deps.store, c.req.valid('json'))),
    );
}
