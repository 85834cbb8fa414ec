// Charts for the printed report: ECharts server-side rendering to SVG, then
// resvg to PNG with Noto Sans SC so Chinese labels render (no system fonts).
// Numbers become floats only here, for drawing; every figure printed in a
// table comes from the integer sums.
import { createRequire } from "node:module";
import { Resvg } from "@resvg/resvg-js";
import * as echarts from "echarts";
import type { EChartsOption } from "echarts";

const FONT = "Noto Sans SC";
let fontFile: string | undefined;
function font(): string {
  fontFile ??= createRequire(import.meta.url).resolve("@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf");
  return fontFile;
}

export const palette = ["#3b6fd8", "#e08a2c", "#3aa776", "#9b59b6", "#c0392b", "#16a085"];

/** One chart as SVG (ECharts SSR, no animation). */
export function chartSvg(option: EChartsOption, width = 900, height = 420): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption({ animation: false, color: palette, textStyle: { fontFamily: FONT }, backgroundColor: "#ffffff", ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** SVG → PNG at `scale` × its size, with the embedded-font file only. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const width = Number(/<svg[^>]*\swidth="(\d+)"/.exec(svg)?.[1] ?? 900);
  const png = new Resvg(svg, {
    font: { fontFiles: [font()], loadSystemFonts: false, defaultFontFamily: FONT, sansSerifFamily: FONT },
    fitTo: { mode: "width", value: width * scale },
    background: "#ffffff",
  })
    .render()
    .asPng();
  return new Uint8Array(png);
}

export const chartPng = (option: EChartsOption, width?: number, height?: number) => svgToPng(chartSvg(option, width, height));
