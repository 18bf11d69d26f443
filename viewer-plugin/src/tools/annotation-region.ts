import type { Region, SlideInfo, Suggestion } from '@activeseg/protocol';

type SlideSize = Pick<SlideInfo, 'width' | 'height'>;

/** The part of a `size`² patch at (x, y) that lies inside the slide: the daemon only accepts regions inside it. */
function clampedPatch(x: number, y: number, size: number, slide: SlideSize): Region {
  return {
    x,
    y,
    width: Math.max(1, Math.min(size, slide.width - x)),
    height: Math.max(1, Math.min(size, slide.height - y)),
  };
}

/** Region to annotate for a suggestion; edge patches extend past the slide and are cut to it. */
export function suggestionRegion(suggestion: Suggestion, slide: SlideSize): Region {
  return clampedPatch(suggestion.patch.x, suggestion.patch.y, suggestion.patch.size, slide);
}

/** The patch-grid cell under a level-0 image point, cut to the slide. */
export function cellRegionAt(point: { x: number; y: number }, size: number, slide: SlideSize): Region {
  return clampedPatch(
    Math.max(0, Math.floor(point.x / size) * size),
    Math.max(0, Math.floor(point.y / size) * size),
    size,
    slide,
  );
}
