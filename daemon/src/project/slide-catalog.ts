import { ApiError } from '../errors/api-error.js';
import { openSlideSource } from '../slides/open-slide-source.js';
import type { SlideSource } from '../slides/slide-source.js';
import type { SlideRecord, SlidesRepo } from '../store/slides-repo.js';
import type { ProjectPaths } from './project-paths.js';

export interface SlideCatalog {
  /** The slide's record, or SLIDE_NOT_FOUND. */
  get(slideId: string): SlideRecord;
  /** Opens (once, then cached) the slide's SlideSource. */
  open(slideId: string): Promise<SlideSource>;
  /** Drops the cached source of a deleted slide. */
  forget(slideId: string): void;
}

export interface SlideCatalogOptions {
  slides: SlidesRepo;
  paths: ProjectPaths;
  maxSlidePixels?: number;
  /** Open sources kept (each holds only metadata; libvips caches file handles itself). */
  maxOpen?: number;
}

export function createSlideCatalog(options: SlideCatalogOptions): SlideCatalog {
  const open = new Map<string, Promise<SlideSource>>();
  const maxOpen = options.maxOpen ?? 32;
  const get = (slideId: string): SlideRecord => {
    const slide = options.slides.get(slideId);
    if (!slide) throw new ApiError('SLIDE_NOT_FOUND', `no slide ${slideId}`, 'slideId');
    return slide;
  };
  return {
    get,
    forget: (slideId) => void open.delete(slideId),
    open(slideId) {
      const hit = open.get(slideId);
      if (hit) {
        // Map keeps insertion order: re-inserting makes this the most recently used entry.
        open.delete(slideId);
        open.set(slideId, hit);
        return hit;
      }
      const slide = get(slideId);
      const pending = openSlideSource(options.paths.fromStored(slide.readPath), {
        format: slide.format,
        limitInputPixels: options.maxSlidePixels ?? 0,
      }).catch((err: unknown) => {
        open.delete(slideId);
        throw new ApiError(
          'SLIDE_CORRUPT',
          `slide ${slideId} can no longer be read: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
      open.set(slideId, pending);
      if (open.size > maxOpen) open.delete(open.keys().next().value as string);
      return pending;
    },
  };
}
