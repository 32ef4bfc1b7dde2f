import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import type { TopLevelSpec } from 'vega-lite';
import { ErrorHistogram } from '../../src/core/histogram.js';
import { errorHistogramSpec } from '../../src/core/plotSpec.js';
import { RunningStats } from '../../src/core/stats.js';
import { FONT_FILES, renderPng, renderSvg } from '../../src/files/renderPng.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

interface Image {
  width: number;
  height: number;
  /** RGBA, row by row. */
  pixels: Uint8Array;
}

/** Decodes the 8-bit RGBA, non-interlaced PNGs resvg writes (enough to look at pixels; not a general decoder). */
function decodePng(png: Uint8Array): Image {
  assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      assert.deepEqual([...data.subarray(8, 13)], [8, 6, 0, 0, 0], 'bit depth 8, RGBA, no interlace');
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 4 ? pixels[y * stride + x - 4]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
          ? a
          : Math.abs(p - b) <= Math.abs(p - c)
            ? b
            : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      assert.ok(predictor !== undefined, `filter ${filter}`);
      pixels[y * stride + x] = (v + predictor) & 0xff;
    }
  }
  return { width, height, pixels };
}

/** Pixels clearly darker than the background within a rectangle. */
function darkPixels(img: Image, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * 4;
      if (img.pixels[i]! + img.pixels[i + 1]! + img.pixels[i + 2]! < 3 * 160) n++;
    }
  return n;
}

const errors = [0.5, 1.5, 1.75, 3, 12.27, 40, 41, 7, 7.5, 8];
const stats = new RunningStats();
errors.forEach((x) => stats.add(x));
const histogram = ErrorHistogram.fromValues(errors);
const chart = (title?: string): TopLevelSpec =>
  errorHistogramSpec(histogram.snapshot(), stats.snapshot(), title === undefined ? {} : { title });

describe('renderPng', () => {
  it('ships its fonts', () => {
    assert.equal(FONT_FILES.length, 2);
    for (const f of FONT_FILES) assert.ok(existsSync(f), f);
  });

  it('writes a valid PNG of the chart size, white where nothing is drawn', async () => {
    const img = decodePng(await renderPng(chart()));
    assert.equal(img.width, 640);
    assert.equal(img.height, 360);
    assert.deepEqual([...img.pixels.subarray(-4)], [255, 255, 255, 255], 'bottom-right corner');
  });

  it('scales for high-DPI screens', async () => {
    const img = decodePng(await renderPng(chart(), { scale: 2 }));
    assert.deepEqual([img.width, img.height], [1280, 720]);
  });

  it('really draws text: the title area has ink, and a longer title has more of it', async () => {
    const short = decodePng(await renderPng(chart('A')));
    const long = decodePng(await renderPng(chart('Absolute error of the diabetes model')));
    // The title sits in the top 30 pixels, left-aligned, and nothing else does.
    const shortInk = darkPixels(short, 0, 0, 640, 30);
    const longInk = darkPixels(long, 0, 0, 640, 30);
    assert.ok(shortInk > 300, `title ink: ${shortInk}`);
    assert.ok(longInk > shortInk + 300, `${longInk} vs ${shortInk}`);
    // And the axis titles and labels below the plot.
    assert.ok(darkPixels(short, 0, 320, 640, 360) > 200);
  });

  it('asks for DejaVu Sans only, in the SVG it rasterises', async () => {
    const svg = await renderSvg(chart());
    const families = new Set([...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]));
    assert.deepEqual([...families], ['DejaVu Sans']);
    assert.match(svg, /absolute error/);
    assert.match(svg, /records/);
  });

  it('rejects a spec that does not compile', async () => {
    await assert.rejects(renderPng({ mark: 'nonsense' } as unknown as TopLevelSpec));
  });
});
