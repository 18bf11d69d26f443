import OpenSeadragon from 'openseadragon';
import { attachActiveSeg } from './attach-active-seg.js';

/**
 * The page the daemon serves at `/`: `/?token=…[&slide=…]`. The daemon is this page's own origin, so no URL is
 * configured; the token is taken out of the address bar once read, so it does not linger in history.
 */
function main(): void {
  const params = new URLSearchParams(location.search);
  const token = params.get('token') ?? sessionStorage.getItem('activeseg-token') ?? '';
  sessionStorage.setItem('activeseg-token', token);
  if (params.has('token')) {
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}`);
  }
  const viewerElement = document.getElementById('viewer');
  const panels = document.getElementById('panels');
  const status = document.getElementById('status');
  if (!viewerElement || !panels || !status) throw new Error('activeseg page: layout elements missing');
  const viewer = OpenSeadragon({
    element: viewerElement,
    // The stock navigation buttons load images from prefixUrl (a CDN by default); the toolbar replaces them.
    showNavigationControl: false,
    // The minimap with the viewport box; it mirrors every layer, each fetched with the same header as its original.
    showNavigator: true,
    navigatorPosition: 'BOTTOM_RIGHT',
    navigatorSizeRatio: 0.18,
    navigatorAutoFade: false,
    prefixUrl: '',
    // Canvas drawer: predictable compositing of the RGBA overlays, and it works without a GPU.
    drawer: 'canvas',
    gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: false },
    maxZoomPixelRatio: 4,
    visibilityRatio: 0.5,
  });
  const slideId = params.get('slide') ?? undefined;
  const handle = attachActiveSeg(viewer, {
    daemonUrl: location.origin,
    token,
    container: panels,
    statusContainer: status,
    ...(slideId ? { slideId } : {}),
  });
  // The page opens the first slide when none was named, so a fresh demo shows something at once.
  if (!slideId) {
    fetch('/api/slides', { headers: { authorization: `Bearer ${token}` } })
      .then((r) => (r.ok ? (r.json() as Promise<{ slides?: { id: string }[] }>) : undefined))
      .then((body) => {
        const first = body?.slides?.[0];
        if (first) return handle.openSlide(first.id);
      })
      .catch((err: unknown) => console.error(err));
  }
  Object.assign(window, { activeseg: { viewer, handle } });
}

main();
