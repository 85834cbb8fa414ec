// HTTP routes of the statistics (交易统计). Merged into `routes` in http.ts.
// Reading: the center's staff (admin, supervisor) and tender agents. Changing
// the ledger (import, entry by hand, category rules): administrators only.
// The OCDS release packages are open data (audience public, see below).
import { z } from "zod";
import { Id } from "./common";
import {
  CategoryRule,
  CreateDealInput,
  DealList,
  DealView,
  ImportResult,
  ListDealsInput,
  OcdsReleasePackage,
  ReportFileQuery,
  ReportQuery,
  SetCategoryRuleInput,
  StatsReport,
} from "./stats";
import { route } from "./route-contract";

const readers = ["admin", "supervisor", "agent"] as const;

export const statsRoutes = {
  statsReport: route({
    method: "GET",
    path: "/api/stats/report",
    input: ReportQuery,
    output: StatsReport,
    audience: readers,
    summary: "Savings and premium report over [from, to] (inclusive), by category or by month/quarter/half/year/hall/agent",
  }),
  statsReportCsv: route({
    method: "GET",
    path: "/api/stats/report.csv",
    input: ReportQuery,
    output: z.unknown(),
    audience: readers,
    summary: "The report as CSV (UTF-8 with BOM for Excel; yuan, fraction rates)",
    produces: "csv",
  }),
  statsReportText: route({
    method: "GET",
    path: "/api/stats/report.txt",
    input: ReportQuery,
    output: z.unknown(),
    audience: readers,
    summary: "The report as a text table (万元)",
    produces: "text",
  }),
  statsReportPdf: route({
    method: "GET",
    path: "/api/stats/report.pdf",
    input: ReportFileQuery,
    output: z.unknown(),
    audience: readers,
    summary: "The (half-year) report as a signed Chinese PDF with tables and charts",
    produces: "pdf",
  }),
  listDeals: route({
    method: "GET",
    path: "/api/stats/deals",
    input: ListDealsInput,
    output: DealList,
    audience: readers,
    summary: "The ledger: deals with their savings and premium, newest first, paged",
  }),
  createDeal: route({
    method: "POST",
    path: "/api/stats/deals",
    input: CreateDealInput,
    output: DealView,
    audience: ["admin"],
    summary: "Enter a deal by hand",
  }),
  importDeals: route({
    method: "POST",
    path: "/api/stats/import",
    input: z.object({}),
    output: ImportResult,
    audience: ["admin"],
    summary: "Import deals from a CSV body (text/csv, UTF-8): all rows or none; upsert by code",
    body: "raw",
  }),
  listCategoryRules: route({
    method: "GET",
    path: "/api/stats/categories",
    input: z.object({}),
    output: z.array(CategoryRule),
    audience: readers,
    summary: "Per-category rules: budget / reference price use and the reference's name",
  }),
  setCategoryRule: route({
    method: "PUT",
    path: "/api/stats/categories/:category",
    input: SetCategoryRuleInput,
    output: CategoryRule,
    audience: ["admin"],
    summary: "Change a category's rule (applies to deals entered afterwards)",
  }),
  // Open data (OCDS 1.1.5 release packages with the bids extension): public, served as the package itself
  // (application/json, no envelope). Anybody reads a lot once its opening has started, bidders once the list is
  // published, prices once read out; staff (admin, supervisor, agent) also the lots not opened yet (server/stats/ocds.ts).
  projectOcds: route({
    method: "GET",
    path: "/api/stats/projects/:projectId/ocds",
    input: z.object({ projectId: Id }),
    output: OcdsReleasePackage,
    audience: ["public"],
    summary: "OCDS 1.1.5 release package of a project (bids extension), the earlier address of openDataProject",
    produces: "document",
  }),
  openDataProject: route({
    method: "GET",
    path: "/api/open-data/projects/:projectId/ocds",
    input: z.object({ projectId: Id }),
    output: OcdsReleasePackage,
    audience: ["public"],
    summary: "Open data: a project's OCDS 1.1.5 release package (bids extension), one release per lot whose opening has started",
    produces: "document",
  }),
  openDataLot: route({
    method: "GET",
    path: "/api/open-data/lots/:lotId/ocds",
    input: z.object({ lotId: Id }),
    output: OcdsReleasePackage,
    audience: ["public"],
    summary: "Open data: one lot's OCDS 1.1.5 release package (one contracting process), once its opening has started",
    produces: "document",
  }),
} as const;
