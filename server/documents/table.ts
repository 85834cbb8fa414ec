/**
 * Table block: bordered grid with wrapped cells. A row that does not fit on
 * the page moves to the next one, where the header row is repeated; a row
 * taller than a whole page is split between its lines.
 */
import { DocumentError } from "./errors.js";
import { COLORS, type Flow, type LineStyle } from "./layout.js";
import type { Align, TableBlock } from "./model.js";

const PAD_X = 4;
const PAD_Y = 3;

interface Col {
  x: number;
  width: number;
  align: Align;
}

/** A row laid out: the wrapped lines of each cell. */
interface RowLines {
  cells: string[][];
  lineCount: number;
}

function columnsOf(flow: Flow, block: TableBlock): Col[] {
  if (block.columns.length === 0) throw new DocumentError("DOC_INVALID", "table without columns");
  const total = block.columns.reduce((sum, c) => sum + c.width, 0);
  if (!block.columns.every((c) => Number.isFinite(c.width) && c.width > 0)) {
    throw new DocumentError("DOC_INVALID", "table column widths must be positive numbers");
  }
  let x = flow.left;
  return block.columns.map((c) => {
    const width = (c.width / total) * flow.contentWidth;
    const col = { x, width, align: c.align ?? "left" };
    x += width;
    return col;
  });
}

function layoutRow(flow: Flow, cols: Col[], cells: string[], size: number, bold: boolean): RowLines {
  const lines = cols.map((col, i) =>
    flow.wrap(cells[i] ?? "", Math.max(col.width - 2 * PAD_X, size), size, bold ? "bold" : "regular"),
  );
  return { cells: lines, lineCount: Math.max(1, ...lines.map((l) => l.length)) };
}

/** Borders of the part of a table on one page, drawn once the part is complete. */
class Grid {
  private top = 0;
  private readonly bottoms: number[] = [];

  constructor(
    private readonly flow: Flow,
    private readonly cols: Col[],
  ) {}

  /** Starts a part at the cursor (top of its header row). */
  start(): void {
    this.top = this.flow.y;
    this.bottoms.length = 0;
  }

  rowEnded(y: number): void {
    this.bottoms.push(y);
  }

  /** Draws the horizontal rule under every row and the column rules. */
  finish(): void {
    const bottom = this.bottoms[this.bottoms.length - 1];
    const last = this.cols[this.cols.length - 1];
    if (bottom === undefined || !last) return;
    const page = this.flow.page;
    const line = (x1: number, y1: number, x2: number, y2: number) =>
      page.drawLine({ start: { x: x1, y: y1 }, end: { x: x2, y: y2 }, thickness: 0.5, color: COLORS.rule });
    const left = this.cols[0]?.x ?? last.x;
    const right = last.x + last.width;
    for (const y of [this.top, ...this.bottoms]) line(left, y, right, y);
    for (const x of [...this.cols.map((c) => c.x), right]) line(x, this.top, x, bottom);
  }
}

/** Draws lines [from, to) of a row at the cursor and moves the cursor below it. */
function drawRow(
  flow: Flow,
  grid: Grid,
  cols: Col[],
  row: RowLines,
  size: number,
  header: boolean,
  from: number,
  to: number,
): void {
  const lh = flow.lineHeight(size);
  const height = (to - from) * lh + 2 * PAD_Y;
  const top = flow.y;
  const first = cols[0];
  const last = cols[cols.length - 1];
  if (header && first && last) {
    const width = last.x + last.width - first.x;
    flow.page.drawRectangle({ x: first.x, y: top - height, width, height, color: COLORS.headerFill });
  }
  for (const [i, col] of cols.entries()) {
    const lines = row.cells[i] ?? [];
    const style: LineStyle = { size, weight: header ? "bold" : "regular", align: header ? "center" : col.align };
    for (let l = from; l < Math.min(to, lines.length); l++) {
      flow.drawLine(lines[l] ?? "", col.x + PAD_X, top - PAD_Y - (l - from) * lh, col.width - 2 * PAD_X, style);
    }
  }
  flow.y = top - height;
  grid.rowEnded(flow.y);
}

/** Renders a {@link TableBlock} at the cursor. */
export function drawTable(flow: Flow, block: TableBlock): void {
  const size = block.fontSize ?? 9;
  const lh = flow.lineHeight(size);
  const cols = columnsOf(flow, block);
  for (const [i, r] of block.rows.entries()) {
    if (r.length !== cols.length) {
      throw new DocumentError("DOC_INVALID", `table row ${i} has ${r.length} cells, expected ${cols.length}`);
    }
  }
  const header = layoutRow(
    flow,
    cols,
    block.columns.map((c) => c.header),
    size,
    true,
  );
  const headerHeight = header.lineCount * lh + 2 * PAD_Y;
  const rows = block.rows.map((r) => layoutRow(flow, cols, r, size, false));
  const rowHeight = (r: RowLines) => r.lineCount * lh + 2 * PAD_Y;
  const grid = new Grid(flow, cols);

  const captionHeight = block.caption ? flow.lineHeight(10.5) : 0;
  const first = rows[0];
  flow.ensure(captionHeight + headerHeight + (first ? Math.min(rowHeight(first), 3 * lh + 2 * PAD_Y) : 0));
  if (block.caption) flow.flowText(block.caption, { size: 10.5, weight: "bold" });
  const startPart = () => {
    grid.start();
    drawRow(flow, grid, cols, header, size, true, 0, header.lineCount);
  };
  const continueOnNewPage = () => {
    grid.finish();
    flow.newPage();
    startPart();
  };
  startPart();
  for (const row of rows) {
    let from = 0;
    while (from < row.lineCount) {
      const fitLines = Math.floor((flow.remaining - 2 * PAD_Y) / lh + 1e-6);
      const left = row.lineCount - from;
      const freshFit = Math.floor((flow.pageCapacity - headerHeight - 2 * PAD_Y) / lh + 1e-6);
      if (fitLines >= left) {
        drawRow(flow, grid, cols, row, size, false, from, row.lineCount);
        break;
      }
      // Move the whole row if it fits on an empty page; split only giants.
      if (left <= freshFit || fitLines < 1) {
        continueOnNewPage();
        if (left <= freshFit) continue;
      }
      const take = Math.max(1, Math.floor((flow.remaining - 2 * PAD_Y) / lh + 1e-6));
      drawRow(flow, grid, cols, row, size, false, from, from + take);
      from += take;
      if (from < row.lineCount) continueOnNewPage();
    }
  }
  grid.finish();
  flow.y -= lh / 2;
}
