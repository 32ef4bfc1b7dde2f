/**
 * Renders a Vega-Lite specification to PNG without a browser or a canvas library: Vega-Lite -> Vega -> SVG
 * (headless `View`) -> PNG (resvg), with the DejaVu fonts shipped in `assets/fonts`, so the image is the same on
 * every machine whatever fonts it has installed.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAsync } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The directory holding package.json: the source runs from src/files, the build from dist/src/files. */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const fontDir = join(findPackageRoot(dirname(fileURLToPath(import.meta.url))), 'assets', 'fonts');

/** The font files given to resvg; system fonts are never loaded. */
export const FONT_FILES: readonly string[] = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) =>
  join(fontDir, f),
);

export interface RenderPngOptions {
  /**
   * Pixel density: 2 gives an image twice as wide and high, for high-DPI screens.
   * @default 1
   */
  readonly scale?: number;
}

/** The SVG Vega draws for `spec`. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders `spec` to a PNG image. Rejects if the spec does not compile or the fonts are missing (a PNG without
 * text would be worse than none). The rasterising runs off the main thread.
 *
 * @example
 * ```ts
 * await writeFileAtomic('logs/error_distribution.png', await renderPng(errorHistogramSpec(h, s)));
 * ```
 */
export async function renderPng(spec: TopLevelSpec, options: RenderPngOptions = {}): Promise<Uint8Array> {
  const missing = FONT_FILES.filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`font files missing: ${missing.join(', ')}`);
  const { scale = 1 } = options;
  const svg = await renderSvg(spec);
  const image = await renderAsync(svg, {
    font: { fontFiles: [...FONT_FILES], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    background: 'white',
    logLevel: 'off',
  });
  return image.asPng();
}
