/** Styles for the plugin's DOM, scoped under `.activeseg` so they never touch the host page. */
export const PANEL_STYLES = `
.activeseg { font: 13px/1.4 system-ui, sans-serif; color: #e8e8e8; background: #1e1f24; box-sizing: border-box; overflow-y: auto; }
.activeseg.activeseg-floating { position: absolute; top: 0; right: 0; bottom: 0; width: 300px; z-index: 10; }
.activeseg * { box-sizing: border-box; }
.activeseg section { padding: 8px 10px; border-bottom: 1px solid #33353d; }
.activeseg h3 { margin: 0 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: #9aa0aa; }
.activeseg button { background: #2d3039; color: inherit; border: 1px solid #444853; border-radius: 4px; padding: 3px 8px; cursor: pointer; font: inherit; }
.activeseg button:hover { background: #383c47; }
.activeseg button[aria-pressed="true"] { background: #3d5afe; border-color: #3d5afe; }
.activeseg button:disabled { opacity: .45; cursor: default; }
.activeseg ul { list-style: none; margin: 0; padding: 0; }
.activeseg li.as-item { padding: 3px 6px; border-radius: 3px; cursor: pointer; display: flex; justify-content: space-between; gap: 6px; }
.activeseg li.as-item:hover { background: #2a2d35; }
.activeseg li.as-item[aria-selected="true"] { background: #3d5afe55; }
.activeseg .as-row { display: flex; align-items: center; gap: 6px; margin: 3px 0; flex-wrap: wrap; }
.activeseg .as-legend { height: 10px; border-radius: 2px; }
.activeseg .as-legend-scale { display: flex; justify-content: space-between; font-size: 11px; color: #9aa0aa; }
.activeseg .as-progress { height: 6px; background: #33353d; border-radius: 3px; overflow: hidden; }
.activeseg .as-progress > div { height: 100%; background: #00c853; }
.activeseg .as-muted { color: #9aa0aa; font-size: 12px; }
.activeseg .as-ok { color: #69f0ae; }
.activeseg .as-error { color: #ff8a80; }
.activeseg section.as-alert { background: #3b1f22; border-left: 3px solid #ff8a80; }
.activeseg section[hidden] { display: none; }
.activeseg-status { font: 12px system-ui, sans-serif; color: #e8e8e8; background: #15161a; padding: 3px 8px; display: flex; gap: 12px; flex-wrap: wrap; }
.activeseg-outline { border: 2px solid #ffd600; box-shadow: 0 0 0 1px #000; pointer-events: none; }
.activeseg-mask { pointer-events: none; image-rendering: pixelated; width: 100%; height: 100%; }
.activeseg.activeseg-toolbar { position: absolute; top: 8px; left: 8px; right: 8px; z-index: 20; background: none; overflow: visible; pointer-events: none; display: flex; flex-direction: column; align-items: flex-start; gap: 4px; }
.activeseg-toolbar .as-bar { pointer-events: auto; display: flex; flex-wrap: wrap; align-items: center; gap: 6px; background: #1e1f24e8; border: 1px solid #33353d; border-radius: 6px; padding: 4px 6px; box-shadow: 0 2px 8px #0008; }
.activeseg-toolbar .as-group { display: flex; align-items: center; gap: 3px; padding-right: 6px; border-right: 1px solid #33353d; }
.activeseg-toolbar .as-group:last-of-type { border-right: none; }
.activeseg-toolbar .as-size { display: flex; align-items: center; gap: 4px; }
.activeseg-toolbar .as-size input { width: 90px; }
.activeseg-toolbar .as-zoom { min-width: 44px; text-align: center; }
.activeseg button.as-primary { background: #00897b; border-color: #00897b; }
.activeseg button.as-primary:hover { background: #00a08f; }
.activeseg select { background: #2d3039; color: inherit; border: 1px solid #444853; border-radius: 4px; font: inherit; padding: 2px 4px; }
.activeseg.activeseg-help { position: absolute; top: 50%; left: 50%; transform: translate(-50%, -50%); z-index: 30; padding: 12px 16px; border: 1px solid #444853; border-radius: 8px; box-shadow: 0 4px 24px #000a; max-height: 90%; overflow-y: auto; }
.activeseg.activeseg-help[hidden] { display: none; }
.activeseg-help td { padding: 2px 8px 2px 0; vertical-align: top; }
.activeseg-help kbd { font: 12px ui-monospace, monospace; background: #2d3039; border: 1px solid #444853; border-radius: 3px; padding: 0 4px; white-space: nowrap; }
.activeseg-brush-cursor { position: absolute; left: 0; top: 0; z-index: 15; pointer-events: none; border-radius: 50%; border: 1.5px solid #fff; box-shadow: 0 0 0 1px #000a; }
.activeseg-brush-cursor.as-eraser { border-style: dashed; }
.activeseg-brush-cursor[hidden] { display: none; }
.activeseg .as-adjust input { flex: 1; min-width: 0; }
.activeseg .as-adjust span { min-width: 34px; text-align: right; }
.activeseg-scale { position: absolute; left: 10px; bottom: 10px; z-index: 15; pointer-events: none; font: 12px system-ui, sans-serif; color: #fff; text-shadow: 0 0 2px #000; display: flex; align-items: center; gap: 6px; }
.activeseg-scale[hidden] { display: none; }
.activeseg-scale .as-scale-line { height: 4px; background: #fff; border: 1px solid #000; }
.activeseg-cursor { position: absolute; left: 10px; bottom: 30px; z-index: 15; pointer-events: none; font: 12px system-ui, sans-serif; font-variant-numeric: tabular-nums; color: #fff; text-shadow: 0 0 2px #000; white-space: nowrap; }
.activeseg-cursor[hidden] { display: none; }
.activeseg-drop { outline: 3px dashed #3d5afe; outline-offset: -6px; }
.activeseg.activeseg-upload { position: absolute; left: 50%; bottom: 16px; transform: translateX(-50%); z-index: 25; display: flex; align-items: center; gap: 8px; padding: 6px 10px; border: 1px solid #444853; border-radius: 6px; box-shadow: 0 2px 8px #0008; }
.activeseg.activeseg-upload[hidden] { display: none; }
.activeseg-upload progress { width: 220px; }
.activeseg-section { position: absolute; left: 50%; bottom: 10px; transform: translateX(-50%); z-index: 15; font: 12px system-ui, sans-serif; color: #fff; text-shadow: 0 0 2px #000; background: rgba(0,0,0,0.45); border-radius: 4px; padding: 4px 8px; display: flex; align-items: center; gap: 6px; }
.activeseg-section[hidden] { display: none; }
.activeseg-section input[type=range] { width: 220px; }
.activeseg li.as-model { padding: 4px 0; border-bottom: 1px solid #2a2d35; }
.activeseg li.as-model[data-current="true"] { border-left: 3px solid #00c853; padding-left: 6px; }
.activeseg .as-badge { background: #00c85333; color: #69f0ae; border-radius: 3px; padding: 0 5px; font-size: 11px; }
.activeseg .as-warning { color: #ffd180; font-size: 12px; margin: 2px 0; }
`;
