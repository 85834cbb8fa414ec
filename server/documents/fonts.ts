/**
 * Noto Sans SC (regular + bold) for pdf-lib: the font files are read once per
 * process, parsed once by fontkit, and embedded as subsets in every document.
 *
 * Upstream `fontkit` 1.9 is registered on purpose: with `@pdf-lib/fontkit` and
 * `subset: true` most CJK glyphs disappear (see docs notes).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import * as fontkit from "fontkit";
import type { PDFDocument, PDFFont } from "pdf-lib";

/** The two weights used by the renderer. */
export type FontWeight = "regular" | "bold";

type PdfLibFontkit = Parameters<PDFDocument["registerFontkit"]>[0];

const FONT_FILES: Record<FontWeight, string> = {
  regular: "@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf",
  bold: "@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf",
};

let fontBytes: Promise<Record<FontWeight, Uint8Array>> | undefined;

/** Raw TTF bytes of both weights; read from disk on the first call only. */
export function loadFontBytes(): Promise<Record<FontWeight, Uint8Array>> {
  if (!fontBytes) {
    const require = createRequire(import.meta.url);
    const read = (w: FontWeight) => readFile(require.resolve(FONT_FILES[w]));
    fontBytes = Promise.all([read("regular"), read("bold")]).then(([regular, bold]) => ({ regular, bold }));
    fontBytes.catch(() => {
      fontBytes = undefined; // let a later call retry
    });
  }
  return fontBytes;
}

type PdfLibFont = ReturnType<PdfLibFontkit["create"]>;

/** Cap of the per-font layout memo; cleared when reached. */
const LAYOUT_MEMO_SIZE = 5_000;

/**
 * Memoises `font.layout(text)` (without features, as pdf-lib calls it): table
 * cells repeat a lot and shaping is a quarter of the render time. pdf-lib only
 * reads the returned glyph run (glyph ids for the subset, advance widths).
 */
function memoiseLayout(font: PdfLibFont): PdfLibFont {
  const layout = font.layout.bind(font);
  const memo = new Map<string, ReturnType<PdfLibFont["layout"]>>();
  font.layout = (text, features) => {
    if (features !== undefined) return layout(text, features);
    let run = memo.get(text);
    if (!run) {
      if (memo.size >= LAYOUT_MEMO_SIZE) memo.clear();
      run = layout(text);
      memo.set(text, run);
    }
    return run;
  };
  return font;
}

/** fontkit.create, typed for pdf-lib. */
function parseFont(buffer: Uint8Array, postscriptName?: string): PdfLibFont {
  // @types/fontkit describes fontkit 2 and its own Font type; the fontkit 1.9
  // object is exactly what pdf-lib's structural Font type expects.
  return fontkit.create(buffer as Buffer, postscriptName) as unknown as PdfLibFont;
}

// fontkit.create() parses the 10 MB table directory each time; the parsed font
// is read-only for pdf-lib's purposes (layout + createSubset), so share it.
const parsed = new WeakMap<Uint8Array, PdfLibFont>();
const cachingFontkit: PdfLibFontkit = {
  create(buffer, postscriptName) {
    if (postscriptName !== undefined) return parseFont(buffer, postscriptName);
    let font = parsed.get(buffer);
    if (!font) {
      font = memoiseLayout(parseFont(buffer));
      parsed.set(buffer, font);
    }
    return font;
  },
};

// Advance widths at 1 pt, per weight and character; identical across documents.
const advance: Record<FontWeight, Map<string, number>> = { regular: new Map(), bold: new Map() };

/** The embedded fonts of one document plus a cached width measure. */
export interface DocFonts {
  regular: PDFFont;
  bold: PDFFont;
  /** Width in points of `text` set in `weight` at `size`. */
  width(text: string, weight: FontWeight, size: number): number;
}

/** Embed subset Noto Sans SC regular + bold into `doc`. */
export async function embedFonts(doc: PDFDocument): Promise<DocFonts> {
  const bytes = await loadFontBytes();
  doc.registerFontkit(cachingFontkit);
  const regular = await doc.embedFont(bytes.regular, { subset: true });
  const bold = await doc.embedFont(bytes.bold, { subset: true });
  const fonts = { regular, bold };
  return {
    regular,
    bold,
    width(text, weight, size) {
      const cache = advance[weight];
      let total = 0;
      for (const ch of text) {
        let w = cache.get(ch);
        if (w === undefined) {
          w = fonts[weight].widthOfTextAtSize(ch, 1);
          cache.set(ch, w);
        }
        total += w;
      }
      return total * size;
    },
  };
}
